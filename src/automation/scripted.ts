// A StackRunner test double: records every call and plays scripted events and output lines. It also
// imitates the engine's update plans: a preview with planFile writes the stack's version into the
// plan, and an up with that plan fails once anything changed the stack in between.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { OutputLike } from "./redact";
import { publicOutputs, stringLeaves } from "./redact";
import { runsProgram, type EngineEventLike, type Operation, type PublicOutputs, type RunOptions, type RunResult, type StackRunner } from "./types";

export interface ScriptStep {
  event?: EngineEventLike;
  output?: string;
  delayMs?: number;
}

export interface ScriptedRunnerOptions {
  /** What each operation plays, in order. */
  steps?: Partial<Record<Operation, ScriptStep[]>>;
  /** Operations that throw this message after their steps. */
  fail?: Partial<Record<Operation, string>>;
  outputs?: Record<string, OutputLike>;
  /** Secret config values (besides the secret outputs). */
  secretConfig?: string[];
  /**
   * Up and preview report these secrets through `onSecrets` before their steps, as a program run does
   * (see StackRunner.reportsSecrets); without it, no operation reports any.
   */
  programSecrets?: string[];
  /** Append every call as a JSON line here (lets a test see calls made in a worker process). */
  callLog?: string;
  /** Keep stack versions in this JSON file instead of memory (shared by processes). */
  stateFile?: string;
  /** Operations that, after their steps, wait until cancelled. */
  waitForAbort?: Operation[];
  /** Record which of these environment variables are set, with each operation's call. */
  recordEnv?: string[];
  /** In-process only: awaited before an operation's steps (lets a test hold an update open). */
  gate?: (operation: Operation, stage: string) => Promise<void>;
}

export interface RecordedCall {
  method: Operation | "outputs" | "secretValues" | "cancel";
  stage: string;
  planFile?: string;
  targets?: string[];
  destroy?: boolean;
  /** Names from recordEnv that were set. */
  env?: string[];
}

export const STALE_PLAN_ERROR = "the update plan does not match the current state of the stack";

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("update cancelled"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("update cancelled"));
    });
  });
}

export class ScriptedStackRunner implements StackRunner {
  readonly calls: RecordedCall[] = [];
  /** The engine parallelism each operation asked for, in order (kept apart from calls, which most tests compare whole). */
  readonly parallels: (number | undefined)[] = [];
  private versions: Record<string, number> = {};

  constructor(private readonly options: ScriptedRunnerOptions = {}) {}

  private record(call: RecordedCall): void {
    const clean = Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined)) as RecordedCall;
    this.calls.push(clean);
    if (this.options.callLog) appendFileSync(this.options.callLog, JSON.stringify(clean) + "\n");
  }

  private load(): Record<string, number> {
    if (this.options.stateFile && existsSync(this.options.stateFile)) {
      this.versions = JSON.parse(readFileSync(this.options.stateFile, "utf8")) as Record<string, number>;
    }
    return this.versions;
  }

  private save(): void {
    if (this.options.stateFile) writeFileSync(this.options.stateFile, JSON.stringify(this.versions));
  }

  version(stage: string): number {
    return this.load()[stage] ?? 0;
  }

  /** Imitates a change made to the stack outside the bot (another checkout's `pulumi up`). */
  changeStack(stage: string): void {
    this.load()[stage] = this.version(stage) + 1;
    this.save();
  }

  private async play(operation: Operation, stage: string, opts: RunOptions): Promise<RunResult> {
    const env = this.options.recordEnv?.filter((name) => process.env[name] !== undefined);
    this.record({ method: operation, stage, planFile: opts.planFile, targets: opts.targets, destroy: opts.destroy, env });
    this.parallels.push(opts.parallel);
    if (operation === "up" && opts.planFile !== undefined) {
      if (!existsSync(opts.planFile)) throw new Error(`plan file ${opts.planFile} not found`);
      const plan = JSON.parse(readFileSync(opts.planFile, "utf8")) as { stage: string; version: number };
      if (plan.stage !== stage || plan.version !== this.version(stage)) throw new Error(STALE_PLAN_ERROR);
    }
    await this.options.gate?.(operation, stage);
    if (this.reportsSecrets(operation, opts)) opts.onSecrets?.(this.options.programSecrets ?? []);
    for (const step of this.options.steps?.[operation] ?? []) {
      if (step.delayMs !== undefined) await sleep(step.delayMs, opts.signal);
      if (opts.signal?.aborted) throw new Error("update cancelled");
      if (step.event !== undefined) opts.onEvent?.(step.event);
      if (step.output !== undefined) opts.onOutput?.(step.output);
    }
    if (this.options.waitForAbort?.includes(operation)) await sleep(2 ** 31 - 1, opts.signal);
    const failure = this.options.fail?.[operation];
    if (failure !== undefined) throw new Error(failure);
    if (operation === "preview" && opts.planFile !== undefined) {
      writeFileSync(opts.planFile, JSON.stringify({ stage, version: this.version(stage) }));
    }
    if (operation !== "preview") this.changeStack(stage);
    const result: RunResult = { status: "succeeded", changes: { same: 1 } };
    if (operation === "up" || operation === "refresh") result.outputs = publicOutputs(this.options.outputs ?? {});
    return result;
  }

  reportsSecrets(operation: Operation, opts: RunOptions): boolean {
    return this.options.programSecrets !== undefined && runsProgram(operation, opts);
  }

  preview(stage: string, opts: RunOptions): Promise<RunResult> {
    return this.play("preview", stage, opts);
  }
  up(stage: string, opts: RunOptions): Promise<RunResult> {
    return this.play("up", stage, opts);
  }
  refresh(stage: string, opts: RunOptions): Promise<RunResult> {
    return this.play("refresh", stage, opts);
  }
  destroy(stage: string, opts: RunOptions): Promise<RunResult> {
    return this.play("destroy", stage, opts);
  }

  async outputs(stage: string): Promise<PublicOutputs> {
    this.record({ method: "outputs", stage });
    return publicOutputs(this.options.outputs ?? {});
  }

  async secretValues(stage: string): Promise<string[]> {
    this.record({ method: "secretValues", stage });
    const outputs = Object.values(this.options.outputs ?? {});
    return [...outputs.filter((o) => o.secret).flatMap((o) => stringLeaves(o.value)), ...(this.options.secretConfig ?? [])];
  }

  async cancel(stage: string): Promise<void> {
    this.record({ method: "cancel", stage });
  }
}

/** Worker entry point convention (see RunnerSpec). */
export function createRunner(options?: ScriptedRunnerOptions): StackRunner {
  return new ScriptedStackRunner(options ?? {});
}
