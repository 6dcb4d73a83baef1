// The real StackRunner: the Pulumi Automation API over the project's own Pulumi.yaml (a local
// program; the `pulumi` CLI runs it in its own language-host process).
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, type OutputMap, type Stack } from "@pulumi/pulumi/automation";
import { publicOutputs, stringLeaves } from "./redact";
import { INVENTORY_ENV, type PublicOutputs, type RunOptions, type RunResult, type StackRunner } from "./types";
import { resolveBackendUrl } from "./backend";

export interface LocalRunnerOptions {
  /** The folder holding Pulumi.yaml; default: the repository root. */
  workDir?: string;
  /** State backend; default PULUMI_BACKEND_URL, else file://<workDir>/.pulumi-state. */
  backendUrl?: string;
  /** Extra environment for the pulumi CLI (e.g. PULUMI_CONFIG_PASSPHRASE_FILE). */
  env?: Record<string, string>;
}

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export { resolveBackendUrl } from "./backend";

/** Splits CLI output chunks into whole lines; the last partial line is kept until flush(). */
export function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    push(chunk) {
      const parts = (pending + chunk).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) emit(line);
    },
    flush() {
      if (pending !== "") emit(pending);
      pending = "";
    },
  };
}

/**
 * The Automation API subscribes to `abort` only when it starts the CLI, and so misses an abort that
 * came earlier (the update would then run to its end). This view of the signal calls a listener
 * that subscribes after the abort at once.
 */
export function lateAbortSignal(signal: AbortSignal): AbortSignal {
  return new Proxy(signal, {
    get(target, prop) {
      if (prop === "addEventListener") {
        return (type: string, listener: EventListenerOrEventListenerObject, options?: AddEventListenerOptions | boolean) => {
          if (type === "abort" && target.aborted) {
            const event = new Event("abort");
            queueMicrotask(() => (typeof listener === "function" ? listener.call(target, event) : listener.handleEvent(event)));
            return;
          }
          target.addEventListener(type, listener, options);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface StackOptions {
  readonly withPlan?: boolean;
  readonly create?: boolean;
  readonly inventory?: string;
}

export class LocalStackRunner implements StackRunner {
  private readonly workDir: string;
  private readonly envVars: Record<string, string>;
  /** Stacks already selected, by options: each selection is a CLI call, and an operation reads secrets first. */
  private readonly stacks = new Map<string, Promise<Stack>>();

  constructor(options: LocalRunnerOptions = {}) {
    this.workDir = path.resolve(options.workDir ?? PROJECT_ROOT);
    const backend = resolveBackendUrl(this.workDir, options.backendUrl);
    this.envVars = { PULUMI_BACKEND_URL: backend, ...(options.env ?? {}) };
  }

  /**
   * The stage's stack; `create: false` for reads, so that looking never creates a stack. Selections are kept
   * by their options. Only one selection per stage may create the stack (two `stack init` at once: the second
   * fails with "already exists"), so the others wait for the plain one and then only select.
   */
  private stack(stage: string, opts: StackOptions = {}): Promise<Stack> {
    const key = JSON.stringify([stage, opts.withPlan === true, opts.create !== false, opts.inventory ?? null]);
    let stack = this.stacks.get(key);
    if (stack === undefined) {
      const plain = opts.withPlan !== true && opts.inventory === undefined;
      if (opts.create === false || plain) stack = this.selectStack(stage, opts);
      else stack = this.stack(stage).then(() => this.selectStack(stage, { ...opts, create: false }));
      // A failed selection is not kept: the next call tries again.
      stack.catch(() => this.stacks.delete(key));
      this.stacks.set(key, stack);
    }
    return stack;
  }

  private async selectStack(stage: string, opts: StackOptions): Promise<Stack> {
    if (this.envVars.PULUMI_BACKEND_URL.startsWith("file://")) {
      const dir = this.envVars.PULUMI_BACKEND_URL.slice("file://".length).split("?")[0];
      mkdirSync(dir, { recursive: true });
    }
    const args = { stackName: stage, workDir: this.workDir };
    // Older CLIs hid update plans behind experimental mode (and saved empty plans without it).
    const envVars: Record<string, string> = { ...this.envVars };
    if (opts.withPlan) envVars.PULUMI_EXPERIMENTAL = "true";
    if (opts.inventory !== undefined) envVars[INVENTORY_ENV] = opts.inventory;
    const wsOpts = { workDir: this.workDir, envVars };
    return opts.create === false ? LocalWorkspace.selectStack(args, wsOpts) : LocalWorkspace.createOrSelectStack(args, wsOpts);
  }

  /** Options shared by every operation; stdout and stderr both reach onOutput as whole lines. */
  private static common(opts: RunOptions) {
    const emit = (line: string) => opts.onOutput?.(line);
    const stdout = lineSplitter(emit);
    const stderr = lineSplitter(emit);
    return {
      flush: () => {
        stdout.flush();
        stderr.flush();
      },
      options: {
        onOutput: (chunk: string) => stdout.push(chunk),
        onError: (chunk: string) => stderr.push(chunk),
        onEvent: opts.onEvent as ((e: object) => void) | undefined,
        target: opts.targets,
        message: opts.message,
        signal: opts.signal && lateAbortSignal(opts.signal),
        parallel: opts.parallel,
      },
    };
  }

  async preview(stage: string, opts: RunOptions): Promise<RunResult> {
    const stack = await this.stack(stage, { withPlan: opts.planFile !== undefined, inventory: opts.inventory });
    const { options, flush } = LocalStackRunner.common(opts);
    try {
      const res = opts.destroy ? await stack.previewDestroy(options) : await stack.preview({ ...options, plan: opts.planFile });
      return { status: "succeeded", changes: { ...res.changeSummary } };
    } finally {
      flush();
    }
  }

  async up(stage: string, opts: RunOptions): Promise<RunResult> {
    const stack = await this.stack(stage, { withPlan: opts.planFile !== undefined, inventory: opts.inventory });
    const { options, flush } = LocalStackRunner.common(opts);
    try {
      const res = await stack.up({ ...options, plan: opts.planFile });
      return { status: "succeeded", changes: { ...res.summary.resourceChanges }, outputs: publicOutputs(res.outputs) };
    } finally {
      flush();
    }
  }

  async refresh(stage: string, opts: RunOptions): Promise<RunResult> {
    const stack = await this.stack(stage);
    const { options, flush } = LocalStackRunner.common(opts);
    try {
      const res = await stack.refresh(options);
      return { status: "succeeded", changes: { ...res.summary.resourceChanges }, outputs: publicOutputs(await stack.outputs()) };
    } finally {
      flush();
    }
  }

  async destroy(stage: string, opts: RunOptions): Promise<RunResult> {
    const stack = await this.stack(stage);
    const { options, flush } = LocalStackRunner.common(opts);
    try {
      const res = await stack.destroy(options);
      return { status: "succeeded", changes: { ...res.summary.resourceChanges } };
    } finally {
      flush();
    }
  }

  async outputs(stage: string): Promise<PublicOutputs> {
    return publicOutputs(await (await this.stack(stage, { create: false })).outputs());
  }

  async secretValues(stage: string): Promise<string[]> {
    const stack = await this.stack(stage);
    const outputs: OutputMap = await stack.outputs();
    const config = await stack.getAllConfig();
    return [
      ...Object.values(outputs).filter((o) => o.secret).flatMap((o) => stringLeaves(o.value)),
      ...Object.values(config).filter((c) => c.secret).flatMap((c) => stringLeaves(c.value)),
    ];
  }

  async cancel(stage: string): Promise<void> {
    // `pulumi cancel` also removes a DIY backend's stale lock files.
    await (await this.stack(stage, { create: false })).cancel();
  }
}

/** Worker entry point convention (see RunnerSpec). */
export function createRunner(options?: LocalRunnerOptions): StackRunner {
  return new LocalStackRunner(options ?? {});
}
