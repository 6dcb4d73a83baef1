// The deploy bot's core, independent of HTTP and Slack: runs, stage locks, approvals, event backlogs.
// Every decision that admits a run (permission, approval, lock) is taken synchronously, so concurrent
// requests cannot both pass the lock check.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { canSeeStage, permits, type TokenEntry } from "./auth";
import type { AuditSink } from "./audit";
import type { Execution, Executor } from "./executor";
import type { Logger } from "./log";
import { errorText } from "../automation/run";
import type { Operation, PublicOutputs, RunResult, StackRunner } from "../automation/types";

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export interface LockHolder {
  token: string;
  runId: string;
  since: string;
}

export interface Approval {
  by: string;
  at: string;
  expiresAt: string;
  /** The run that consumed the approval (single use). */
  usedBy?: string;
}

export type RunStatus = "running" | "succeeded" | "failed" | "cancelled";

/** What GET /runs/:id shows. */
export interface RunView {
  id: string;
  stage: string;
  operation: Operation;
  destroy?: boolean;
  by: string;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
  previewRunId?: string;
  /** preview: a plan was saved; up: a plan was applied. */
  plan: boolean;
  approval?: Approval;
  result?: RunResult;
}

/** One Server-Sent Event of a run: engine events and output lines in order, then `end`. */
export interface StreamRecord {
  id: number;
  event: "engine" | "output" | "end";
  data: unknown;
}

interface RunState extends RunView {
  planFile?: string;
  records: StreamRecord[];
  listeners: Set<(record: StreamRecord) => void>;
  execution?: Execution;
  done: Promise<void>;
}

export interface ServiceSettings {
  stages: string[];
  approvalStages: string[];
  approvalTtlMs: number;
  dataDir: string;
}

export interface ServiceDeps {
  settings: ServiceSettings;
  executor: Executor;
  /** Reads outputs and cancels backend locks in the bot's own process (no program runs there). */
  stacks: Pick<StackRunner, "outputs" | "cancel">;
  audit: AuditSink;
  log: Logger;
  now?: () => number;
}

export interface RunRequest {
  previewRunId?: unknown;
  targets?: unknown;
  destroy?: unknown;
  message?: unknown;
}

/** Finished runs kept in memory (with their event backlog) before the oldest are forgotten. */
export const KEPT_RUNS = 200;

const fail = (status: number, error: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { error, ...extra },
});

export class BotService {
  private readonly runs = new Map<string, RunState>();
  private readonly locks = new Map<string, LockHolder>();
  private readonly lastRun = new Map<string, string>();
  private closing = false;
  private readonly now: () => number;
  private readonly planDir: string;

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.planDir = path.join(deps.settings.dataDir, "plans");
    mkdirSync(this.planDir, { recursive: true, mode: 0o700 });
  }

  get stages(): string[] {
    return this.deps.settings.stages;
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  private view(run: RunState): RunView {
    const { id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result } = run;
    return JSON.parse(
      JSON.stringify({ id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result }),
    ) as RunView;
  }

  private stageSummary(stage: string) {
    const last = this.lastRun.get(stage);
    const run = last ? this.runs.get(last) : undefined;
    return { name: stage, lock: this.locks.get(stage) ?? null, lastRun: run ? this.view(run) : null };
  }

  listStacks(who: TokenEntry): Reply {
    return { status: 200, body: { stages: this.stages.filter((s) => canSeeStage(who, s)).map((s) => this.stageSummary(s)) } };
  }

  async getStack(who: TokenEntry, stage: string): Promise<Reply> {
    if (!this.stages.includes(stage)) return fail(404, `unknown stage ${stage}`);
    if (!canSeeStage(who, stage)) return fail(403, `token ${who.name} may not see stage ${stage}`);
    let outputs: PublicOutputs | null = null;
    let outputsError: string | undefined;
    try {
      outputs = await this.deps.stacks.outputs(stage);
    } catch (err) {
      outputsError = "outputs unavailable";
      this.deps.log("warn", "reading outputs failed", { stage, error: errorText(err).split("\n")[0] });
    }
    const recent = [...this.runs.values()].filter((r) => r.stage === stage).slice(-20).reverse().map((r) => this.view(r));
    return { status: 200, body: { ...this.stageSummary(stage), outputs, ...(outputsError ? { outputsError } : {}), runs: recent } };
  }

  listRuns(who: TokenEntry, stage?: string): Reply {
    const runs = [...this.runs.values()]
      .filter((r) => canSeeStage(who, r.stage) && (stage === undefined || r.stage === stage))
      .slice(-50)
      .reverse()
      .map((r) => this.view(r));
    return { status: 200, body: { runs } };
  }

  /** The run if `who` may see it, else the reply to send. */
  private visibleRun(who: TokenEntry, runId: string): RunState | Reply {
    const run = this.runs.get(runId);
    if (!run || !canSeeStage(who, run.stage)) return fail(404, `no run ${runId}`);
    return run;
  }

  getRun(who: TokenEntry, runId: string): Reply {
    const run = this.visibleRun(who, runId);
    return "records" in run ? { status: 200, body: { run: this.view(run) } } : run;
  }

  startRun(who: TokenEntry, stage: string, operation: Operation, request: RunRequest): Reply {
    if (this.closing) return fail(503, "the bot is shutting down");
    if (!this.stages.includes(stage)) return fail(404, `unknown stage ${stage}`);
    if (!permits(who, operation, stage)) return fail(403, `token ${who.name} may not ${operation} stage ${stage}`);
    const { previewRunId, targets, destroy, message } = request;
    if (previewRunId !== undefined && typeof previewRunId !== "string") return fail(400, "previewRunId must be a string");
    if (targets !== undefined && !(Array.isArray(targets) && targets.every((t) => typeof t === "string")))
      return fail(400, "targets must be a list of URNs");
    if (destroy !== undefined && (typeof destroy !== "boolean" || operation !== "preview"))
      return fail(400, "destroy (boolean) is only for preview");
    if (message !== undefined && typeof message !== "string") return fail(400, "message must be a string");
    if (previewRunId !== undefined && operation !== "up" && operation !== "destroy")
      return fail(400, "previewRunId is only for up and destroy");

    let preview: RunState | undefined;
    const needsApproval = (operation === "up" || operation === "destroy") && this.deps.settings.approvalStages.includes(stage);
    if (needsApproval && previewRunId === undefined) {
      return fail(403, `${operation} on ${stage} needs an approved preview: run a preview, have another token holder approve it, then pass its previewRunId`);
    }
    if (previewRunId !== undefined) {
      preview = this.runs.get(previewRunId);
      const wantDestroy = operation === "destroy";
      if (!preview || preview.stage !== stage || preview.operation !== "preview" || Boolean(preview.destroy) !== wantDestroy)
        return fail(400, `run ${previewRunId} is not a ${wantDestroy ? "destroy " : ""}preview of ${stage}`);
      if (preview.status !== "succeeded") return fail(400, `preview ${previewRunId} did not succeed`);
      if (needsApproval) {
        const approval = preview.approval;
        if (!approval) return fail(403, `preview ${previewRunId} is not approved`);
        if (approval.usedBy) return fail(403, `the approval of preview ${previewRunId} was already used by run ${approval.usedBy}`);
        if (Date.parse(approval.expiresAt) <= this.now()) return fail(403, `the approval of preview ${previewRunId} expired at ${approval.expiresAt}`);
      }
      if (operation === "up" && (!preview.planFile || !existsSync(preview.planFile)))
        return fail(400, `preview ${previewRunId} has no saved plan`);
    }

    const holder = this.locks.get(stage);
    if (holder) return fail(409, `stage ${stage} is busy`, { holder });

    const id = randomUUID();
    const planFile =
      operation === "preview" && !destroy ? path.join(this.planDir, `${id}.json`) : operation === "up" ? preview?.planFile : undefined;
    if (preview?.approval) preview.approval.usedBy = id;
    const run: RunState = {
      id,
      stage,
      operation,
      ...(destroy ? { destroy: true } : {}),
      by: who.name,
      status: "running",
      createdAt: this.iso(),
      ...(previewRunId !== undefined ? { previewRunId } : {}),
      plan: planFile !== undefined,
      planFile,
      records: [],
      listeners: new Set(),
      done: Promise.resolve(),
    };
    this.locks.set(stage, { token: who.name, runId: id, since: run.createdAt });
    this.runs.set(id, run);
    this.lastRun.set(stage, id);
    this.forgetOldRuns();
    this.deps.log("info", "run started", { runId: id, stage, operation, by: who.name });

    const execution = this.deps.executor.start(
      {
        operation,
        stage,
        options: {
          ...(planFile ? { planFile } : {}),
          ...(targets ? { targets: targets as string[] } : {}),
          ...(destroy ? { destroy: true } : {}),
          ...(message ? { message: message as string } : {}),
        },
      },
      {
        onEvent: (event) => this.emit(run, "engine", event),
        onOutput: (line) => this.emit(run, "output", line),
      },
    );
    run.execution = execution;
    run.done = execution.result.then((result) => this.finish(run, result));
    return { status: 202, body: { runId: id } };
  }

  private emit(run: RunState, event: StreamRecord["event"], data: unknown): void {
    const record: StreamRecord = { id: run.records.length + 1, event, data };
    run.records.push(record);
    for (const listener of run.listeners) listener(record);
  }

  private finish(run: RunState, result: RunResult): void {
    run.status = result.status;
    run.result = result;
    run.finishedAt = this.iso();
    run.execution = undefined;
    if (this.locks.get(run.stage)?.runId === run.id) this.locks.delete(run.stage);
    // An applied plan cannot be used again (its approval was single-use).
    if (run.operation === "up" && run.planFile) rmSync(run.planFile, { force: true });
    try {
      this.deps.audit.write({
        kind: "result",
        runId: run.id,
        who: run.by,
        stage: run.stage,
        operation: run.destroy ? "preview-destroy" : run.operation,
        status: result.status,
        ...(result.changes ? { changes: result.changes } : {}),
        ...(result.error ? { error: result.error } : {}),
      });
    } catch (err) {
      this.deps.log("error", "writing the audit log failed", { runId: run.id, error: errorText(err) });
    }
    this.deps.log(result.status === "succeeded" ? "info" : "warn", "run finished", {
      runId: run.id,
      stage: run.stage,
      operation: run.operation,
      status: result.status,
    });
    this.emit(run, "end", this.view(run));
    run.listeners.clear();
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((r) => r.status !== "running");
    for (const r of finished.slice(0, Math.max(0, this.runs.size - KEPT_RUNS))) {
      if (this.lastRun.get(r.stage) === r.id) continue;
      this.runs.delete(r.id);
      if (r.planFile) rmSync(r.planFile, { force: true });
    }
  }

  approve(who: TokenEntry, runId: string): Reply {
    const run = this.runs.get(runId);
    if (!run) return fail(404, `no run ${runId}`);
    if (!permits(who, "approve", run.stage)) return fail(403, `token ${who.name} may not approve on stage ${run.stage}`);
    if (run.operation !== "preview") return fail(400, `run ${runId} is not a preview`);
    if (run.status !== "succeeded") return fail(400, `preview ${runId} has not succeeded (${run.status})`);
    if (run.by === who.name) return fail(403, "a preview must be approved by another token holder than the one who ran it");
    if (run.approval) return fail(409, `preview ${runId} is already approved by ${run.approval.by}`);
    const at = this.now();
    run.approval = { by: who.name, at: this.iso(at), expiresAt: this.iso(at + this.deps.settings.approvalTtlMs) };
    this.deps.audit.write({ kind: "approval", who: who.name, stage: run.stage, runId });
    this.deps.log("info", "preview approved", { runId, stage: run.stage, by: who.name });
    return { status: 200, body: { run: this.view(run) } };
  }

  cancel(who: TokenEntry, runId: string): Reply {
    const run = this.runs.get(runId);
    if (!run || !canSeeStage(who, run.stage)) return fail(404, `no run ${runId}`);
    if (!permits(who, run.operation, run.stage) && !permits(who, "admin", run.stage))
      return fail(403, `token ${who.name} may not cancel a ${run.operation} on stage ${run.stage}`);
    if (run.status !== "running") return fail(409, `run ${runId} is not running (${run.status})`);
    run.execution?.cancel();
    this.deps.log("info", "run cancel requested", { runId, stage: run.stage, by: who.name });
    return { status: 202, body: { runId, cancelling: true } };
  }

  /**
   * Admin-only stale-lock recovery: cancels the stage's running update (if any), releases the bot's
   * lock at once and asks the backend to cancel/remove its own lock.
   */
  async unlock(who: TokenEntry, stage: string): Promise<Reply> {
    if (!this.stages.includes(stage)) return fail(404, `unknown stage ${stage}`);
    if (!permits(who, "admin", stage)) return fail(403, `token ${who.name} is not an admin of stage ${stage}`);
    const holder = this.locks.get(stage) ?? null;
    if (holder) {
      this.runs.get(holder.runId)?.execution?.cancel();
      this.locks.delete(stage);
    }
    let backend = "cancelled";
    try {
      await this.deps.stacks.cancel(stage);
    } catch (err) {
      backend = `backend cancel failed: ${errorText(err).split("\n")[0]}`;
    }
    this.deps.audit.write({ kind: "unlock", who: who.name, stage, ...(holder ? { runId: holder.runId } : {}) });
    this.deps.log("warn", "stage unlocked", { stage, by: who.name, released: holder });
    return { status: 200, body: { stage, released: holder, backend } };
  }

  /**
   * Replays the run's records after `afterId`, then follows it live; `onRecord` sees `end` last.
   * Returns an unsubscribe function, or a Reply when the run is not visible.
   */
  follow(who: TokenEntry, runId: string, afterId: number, onRecord: (r: StreamRecord) => void): (() => void) | Reply {
    const run = this.visibleRun(who, runId);
    if (!("records" in run)) return run;
    for (const record of run.records) if (record.id > afterId) onRecord(record);
    if (run.status !== "running") return () => undefined;
    run.listeners.add(onRecord);
    return () => run.listeners.delete(onRecord);
  }

  running(): string[] {
    return [...this.runs.values()].filter((r) => r.status === "running").map((r) => r.id);
  }

  /** Stops admitting runs, waits up to timeoutMs for running ones, then cancels and awaits the rest. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    const active = [...this.runs.values()].filter((r) => r.status === "running");
    if (active.length === 0) return;
    this.deps.log("info", "waiting for running updates", { runs: active.map((r) => r.id), timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(active.map((r) => r.done)).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
    const left = active.filter((r) => r.status === "running");
    this.deps.log("warn", "cancelling running updates", { runs: left.map((r) => r.id) });
    for (const r of left) r.execution?.cancel();
    await Promise.all(left.map((r) => r.done));
  }

  isClosing(): boolean {
    return this.closing;
  }
}
