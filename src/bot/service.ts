// The deploy bot's core, independent of HTTP and Slack: runs, stage locks, approvals, event backlogs.
// Every decision that admits a run (permission, approval, lock) is taken synchronously, so concurrent
// requests cannot both pass the lock check. A change takes effect only after it is durable: the run
// or approval is saved in the store and the request is in the audit log (the `admit` callback the
// caller passes writes that record and throws when it cannot), else the request fails with 503 and
// nothing happens.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { canSeeStage, permits, type TokenEntry } from "./auth";
import type { AuditRecord, AuditSink } from "./audit";
import type { BackendLock, BackendLocks } from "./backend-lock";
import type { Execution, Executor } from "./executor";
import type { Logger } from "./log";
import { SingleFlight } from "./single-flight";
import type { Approval, BotStore, StoredRun } from "./store";
import { createRedactor, type Redactor } from "../automation/redact";
import { errorText } from "../automation/run";
import type { Operation, PublicOutputs, RunResult, StackRunner } from "../automation/types";

export type { Approval, RunStatus } from "./store";

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** Writes the audit record of a request that is about to take effect; throws when it cannot. */
export type Admit = (reply: Reply) => void;

export interface LockHolder {
  token: string;
  runId: string;
  since: string;
}

/** What GET /runs/:id shows. */
export type RunView = Omit<StoredRun, "planFile" | "planExpiresAt">;

/** One Server-Sent Event of a run: engine events and output lines in order, then `end`. */
export interface StreamRecord {
  id: number;
  event: "engine" | "output" | "end";
  data: unknown;
}

interface RunState extends StoredRun {
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
  /** How long a stage's outputs and backend lock are reused by status requests (default 5 s). */
  statusCacheMs?: number;
}

export interface ServiceDeps {
  settings: ServiceSettings;
  executor: Executor;
  /** Reads outputs and cancels backend locks in the bot's own process (no program runs there). */
  stacks: Pick<StackRunner, "outputs" | "cancel">;
  audit: AuditSink;
  store: BotStore;
  log: Logger;
  /** The state backend's own locks, when the bot can read them (file backends). */
  backendLocks?: BackendLocks;
  /** Secret values the bot knows (its environment); masked in everything a run produces. */
  secrets?: string[];
  now?: () => number;
}

export interface RunRequest {
  previewRunId?: unknown;
  targets?: unknown;
  destroy?: unknown;
  message?: unknown;
}

/** Runs kept (in memory and in the store) before the oldest finished ones are forgotten. */
export const KEPT_RUNS = 500;
/** How often expired plan files are removed and the store compacted. */
export const SWEEP_MS = 60_000;

const fail = (status: number, error: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { error, ...extra },
});

const AUDIT_DOWN = "the audit log cannot be written; nothing was done";
const STORE_DOWN = "the bot's state cannot be saved; nothing was done";

export class BotService {
  private readonly runs = new Map<string, RunState>();
  private readonly locks = new Map<string, LockHolder>();
  private readonly lastRun = new Map<string, string>();
  private closing = false;
  private readonly now: () => number;
  private readonly planDir: string;
  private readonly redact: Redactor;
  private readonly outputsCache: SingleFlight<PublicOutputs>;
  private readonly lockCache: SingleFlight<BackendLock | null>;
  private readonly sweeper: NodeJS.Timeout;
  /** Runs found in flight when the bot started (it had stopped without finishing them). */
  readonly interrupted: string[] = [];

  constructor(private readonly deps: ServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.planDir = path.join(deps.settings.dataDir, "plans");
    mkdirSync(this.planDir, { recursive: true, mode: 0o700 });
    this.redact = createRedactor(deps.secrets ?? []);
    const ttl = deps.settings.statusCacheMs ?? 5000;
    this.outputsCache = new SingleFlight(ttl);
    this.lockCache = new SingleFlight(ttl);
    this.restore();
    this.sweep();
    this.sweeper = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        this.deps.log("error", "sweeping plan files failed", { error: errorText(err) });
      }
    }, SWEEP_MS).unref();
  }

  get stages(): string[] {
    return this.deps.settings.stages;
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  /** Best-effort audit record (results, notes): a failure is logged, never thrown. */
  private note(record: AuditRecord): void {
    try {
      this.deps.audit.write(record);
    } catch (err) {
      this.deps.log("error", "writing the audit log failed", { kind: record.kind, error: errorText(err) });
    }
  }

  /** Removes a file; a failure is logged (a leftover plan file is removed by a later sweep). */
  private remove(file: string): void {
    try {
      rmSync(file, { force: true, recursive: true });
    } catch (err) {
      this.deps.log("warn", "removing a file failed", { file: path.basename(file), error: errorText(err) });
    }
  }

  /** Best-effort save of a run whose change has already happened (e.g. its end). */
  private persist(run: RunState): void {
    try {
      this.deps.store.saveRun(this.stored(run));
    } catch (err) {
      this.deps.log("error", "saving the bot's state failed", { runId: run.id, error: errorText(err) });
    }
  }

  private stored(run: RunState): StoredRun {
    const { id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result, planFile, planExpiresAt } = run;
    return { id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result, planFile, planExpiresAt };
  }

  /** Loads the stored runs; runs that were in flight when the bot stopped are marked interrupted. */
  private restore(): void {
    for (const stored of this.deps.store.runs.values()) {
      const run: RunState = { ...stored, records: [], listeners: new Set(), done: Promise.resolve() };
      if (run.status === "running") {
        run.status = "interrupted";
        run.finishedAt = this.iso();
        run.result = { status: "failed", error: "the bot stopped while this run was in flight" };
        this.interrupted.push(run.id);
        this.persist(run);
        this.note({ kind: "result", runId: run.id, who: run.by, stage: run.stage, operation: run.destroy ? "preview-destroy" : run.operation, status: "interrupted" });
        this.deps.log("warn", "run interrupted by a restart", { runId: run.id, stage: run.stage, operation: run.operation });
      }
      run.records.push({ id: 1, event: "end", data: this.view(run) });
      this.runs.set(run.id, run);
      this.lastRun.set(run.stage, run.id);
    }
  }

  /** Removes plan files that expired, were applied, or belong to no run, and compacts the store. */
  sweep(): void {
    const now = this.now();
    const live = new Set<string>();
    // A plan being applied stays until its up ends, whatever its lifetime says.
    const applying = new Set([...this.runs.values()].filter((r) => r.status === "running" && r.previewRunId).map((r) => r.previewRunId));
    for (const run of this.runs.values()) {
      if (!run.planFile || run.operation !== "preview") continue;
      const expired = run.planExpiresAt !== undefined && run.planExpiresAt <= now;
      if (run.status === "running" || applying.has(run.id) || (run.status === "succeeded" && !expired && !run.approval?.usedBy)) {
        live.add(path.basename(run.planFile));
        continue;
      }
      this.remove(run.planFile);
      run.planFile = undefined;
      this.persist(run);
    }
    let files: string[] = [];
    try {
      files = readdirSync(this.planDir);
    } catch (err) {
      this.deps.log("warn", "listing plan files failed", { error: errorText(err) });
    }
    for (const name of files) {
      if (live.has(name)) continue;
      this.remove(path.join(this.planDir, name));
      this.deps.log("info", "removed an orphan plan file", { file: name });
    }
    try {
      this.deps.store.compact(now);
    } catch (err) {
      this.deps.log("error", "compacting the bot's state failed", { error: errorText(err) });
    }
  }

  private view(run: RunState): RunView {
    const { id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result } = run;
    return JSON.parse(
      JSON.stringify({ id, stage, operation, destroy, by, status, createdAt, finishedAt, previewRunId, plan, approval, result }),
    ) as RunView;
  }

  /** The stage's backend lock, read now (errors count as no lock: the engine still has the last word). */
  private async readBackendLock(stage: string): Promise<BackendLock | null> {
    if (!this.deps.backendLocks) return null;
    try {
      return await this.deps.backendLocks.read(stage);
    } catch (err) {
      this.deps.log("warn", "reading the backend lock failed", { stage, error: errorText(err) });
      return null;
    }
  }

  /** The bot's own holder, else the backend's lock (cached briefly), else null. */
  private async lockOf(stage: string): Promise<LockHolder | BackendLock | null> {
    return this.locks.get(stage) ?? (await this.lockCache.get(stage, () => this.readBackendLock(stage)));
  }

  private async stageSummary(stage: string) {
    const last = this.lastRun.get(stage);
    const run = last ? this.runs.get(last) : undefined;
    return { name: stage, lock: await this.lockOf(stage), lastRun: run ? this.view(run) : null };
  }

  /** The backend locks of every stage as they are now (for the start record and logs). */
  async backendLocks(): Promise<Record<string, BackendLock>> {
    const out: Record<string, BackendLock> = {};
    for (const stage of this.stages) {
      const lock = await this.readBackendLock(stage);
      if (lock) out[stage] = lock;
    }
    return out;
  }

  async listStacks(who: TokenEntry): Promise<Reply> {
    const stages = await Promise.all(this.stages.filter((s) => canSeeStage(who, s)).map((s) => this.stageSummary(s)));
    return { status: 200, body: { stages } };
  }

  async getStack(who: TokenEntry, stage: string): Promise<Reply> {
    if (!this.stages.includes(stage)) return fail(404, `unknown stage ${stage}`);
    if (!canSeeStage(who, stage)) return fail(403, `token ${who.name} may not see stage ${stage}`);
    let outputs: PublicOutputs | null = null;
    let outputsError: string | undefined;
    try {
      outputs = await this.outputsCache.get(stage, () => this.deps.stacks.outputs(stage));
    } catch (err) {
      outputsError = "outputs unavailable";
      this.deps.log("warn", "reading outputs failed", { stage, error: this.redact(errorText(err)).split("\n")[0] });
    }
    const recent = [...this.runs.values()].filter((r) => r.stage === stage).slice(-20).reverse().map((r) => this.view(r));
    const summary = await this.stageSummary(stage);
    return { status: 200, body: { ...summary, outputs, ...(outputsError ? { outputsError } : {}), runs: recent } };
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

  /** The checks that need no state: stage, permission, body. */
  private checkRunRequest(who: TokenEntry, stage: string, operation: Operation, request: RunRequest): Reply | undefined {
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
    const needsApproval = (operation === "up" || operation === "destroy") && this.deps.settings.approvalStages.includes(stage);
    if (needsApproval && previewRunId === undefined) {
      return fail(403, `${operation} on ${stage} needs an approved preview: run a preview, have another token holder approve it, then pass its previewRunId`);
    }
    return undefined;
  }

  /** The preview an up/destroy applies, or the reply refusing it. */
  private checkPreview(stage: string, operation: Operation, previewRunId: string): RunState | Reply {
    const preview = this.runs.get(previewRunId);
    const wantDestroy = operation === "destroy";
    if (!preview || preview.stage !== stage || preview.operation !== "preview" || Boolean(preview.destroy) !== wantDestroy)
      return fail(400, `run ${previewRunId} is not a ${wantDestroy ? "destroy " : ""}preview of ${stage}`);
    if (preview.status !== "succeeded") return fail(400, `preview ${previewRunId} did not succeed`);
    if (this.deps.settings.approvalStages.includes(stage)) {
      const approval = preview.approval;
      if (!approval) return fail(403, `preview ${previewRunId} is not approved`);
      if (approval.usedBy) return fail(403, `the approval of preview ${previewRunId} was already used by run ${approval.usedBy}`);
      if (Date.parse(approval.expiresAt) <= this.now()) return fail(403, `the approval of preview ${previewRunId} expired at ${approval.expiresAt}`);
    }
    if (preview.planExpiresAt !== undefined && preview.planExpiresAt <= this.now())
      return fail(400, `the plan of preview ${previewRunId} expired at ${this.iso(preview.planExpiresAt)}`);
    if (operation === "up" && (!preview.planFile || !existsSync(preview.planFile))) return fail(400, `preview ${previewRunId} has no saved plan`);
    return preview;
  }

  async startRun(who: TokenEntry, stage: string, operation: Operation, request: RunRequest, admit: Admit): Promise<Reply> {
    const refused = this.checkRunRequest(who, stage, operation, request);
    if (refused) return refused;
    // The backend lock is read before the synchronous part: another bot instance (or a CLI) on the
    // same backend may hold the stage.
    const backendLock = await this.readBackendLock(stage);
    return this.admitRun(who, stage, operation, request, backendLock, admit);
  }

  private admitRun(
    who: TokenEntry,
    stage: string,
    operation: Operation,
    request: RunRequest,
    backendLock: BackendLock | null,
    admit: Admit,
  ): Reply {
    const again = this.checkRunRequest(who, stage, operation, request);
    if (again) return again;
    const previewRunId = request.previewRunId as string | undefined;
    const { targets, destroy, message } = request;
    let preview: RunState | undefined;
    if (previewRunId !== undefined) {
      const checked = this.checkPreview(stage, operation, previewRunId);
      if (!("records" in checked)) return checked;
      preview = checked;
    }
    const holder = this.locks.get(stage);
    if (holder) return fail(409, `stage ${stage} is busy`, { holder });
    if (backendLock) {
      const how = backendLock.stale ? "; its process is gone: an admin can remove the lock with POST /stacks/" + stage + "/unlock" : "";
      return fail(409, `stage ${stage} is locked in the state backend${how}`, { holder: backendLock });
    }

    const id = randomUUID();
    const planFile =
      operation === "preview" && !destroy ? path.join(this.planDir, `${id}.json`) : operation === "up" ? preview?.planFile : undefined;
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
      ...(operation === "preview" && planFile ? { planFile } : {}),
      records: [],
      listeners: new Set(),
      done: Promise.resolve(),
    };
    const previousApproval = preview?.approval && { ...preview.approval };
    const undo = () => {
      if (preview && previousApproval) preview.approval = previousApproval;
      try {
        this.deps.store.forgetRun(id);
        if (preview) this.deps.store.saveRun(this.stored(preview));
      } catch (err) {
        this.deps.log("error", "undoing a refused run in the bot's state failed", { runId: id, error: errorText(err) });
      }
    };
    // 1. durable state: the run (and the approval it consumes)
    try {
      this.deps.store.saveRun(this.stored(run));
      if (preview?.approval) {
        preview.approval.usedBy = id;
        this.deps.store.saveRun(this.stored(preview));
      }
    } catch (err) {
      this.deps.log("error", "saving the bot's state failed; the run was refused", { stage, error: errorText(err) });
      undo();
      return fail(503, STORE_DOWN);
    }
    // 2. the request's audit record
    const accepted: Reply = { status: 202, body: { runId: id } };
    try {
      admit(accepted);
    } catch (err) {
      this.deps.log("error", "writing the audit log failed; the run was refused", { stage, error: errorText(err) });
      undo();
      return fail(503, AUDIT_DOWN);
    }
    // 3. the lock, then the worker; any failure from here on ends the run (and frees the lock)
    this.locks.set(stage, { token: who.name, runId: id, since: run.createdAt });
    this.runs.set(id, run);
    this.lastRun.set(stage, id);
    try {
      this.lockCache.invalidate(stage);
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
      run.done = execution.result.then(
        (result) => this.finish(run, result),
        (err: unknown) => this.finish(run, { status: "failed", error: `the update failed: ${errorText(err)}` }),
      );
    } catch (err) {
      this.deps.log("error", "starting the update failed", { runId: id, error: errorText(err) });
      this.finish(run, { status: "failed", error: `the update could not be started: ${errorText(err)}` });
    }
    return accepted;
  }

  private emit(run: RunState, event: StreamRecord["event"], data: unknown): void {
    try {
      const record: StreamRecord = { id: run.records.length + 1, event, data: event === "end" ? data : this.redact(data) };
      run.records.push(record);
      for (const listener of run.listeners) listener(record);
    } catch (err) {
      this.deps.log("error", "delivering a run record failed", { runId: run.id, error: errorText(err) });
    }
  }

  private finish(run: RunState, raw: RunResult): void {
    if (run.status !== "running") return;
    // The lock goes first: nothing below may keep the stage busy.
    if (this.locks.get(run.stage)?.runId === run.id) this.locks.delete(run.stage);
    let result: RunResult;
    try {
      result = this.redact(raw);
    } catch {
      result = { status: raw.status, error: "the result could not be read" };
    }
    run.status = result.status;
    run.result = result;
    run.finishedAt = this.iso();
    run.execution = undefined;
    if (run.operation === "preview" && run.planFile) {
      // A saved plan lives as long as an approval could still use it.
      if (result.status === "succeeded") run.planExpiresAt = this.now() + this.deps.settings.approvalTtlMs;
      else {
        this.remove(run.planFile);
        run.planFile = undefined;
      }
    }
    // An applied plan cannot be used again (its approval was single-use).
    const preview = run.operation === "up" && run.previewRunId ? this.runs.get(run.previewRunId) : undefined;
    if (preview?.planFile) {
      this.remove(preview.planFile);
      preview.planFile = undefined;
      this.persist(preview);
    }
    this.persist(run);
    this.note({
      kind: "result",
      runId: run.id,
      who: run.by,
      stage: run.stage,
      operation: run.destroy ? "preview-destroy" : run.operation,
      status: result.status,
      ...(result.changes ? { changes: result.changes } : {}),
      ...(result.error ? { error: result.error } : {}),
    });
    this.deps.log(result.status === "succeeded" ? "info" : "warn", "run finished", {
      runId: run.id,
      stage: run.stage,
      operation: run.operation,
      status: result.status,
    });
    this.outputsCache.invalidate(run.stage);
    this.lockCache.invalidate(run.stage);
    this.emit(run, "end", this.view(run));
    run.listeners.clear();
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((r) => r.status !== "running");
    for (const r of finished.slice(0, Math.max(0, this.runs.size - KEPT_RUNS))) {
      if (this.lastRun.get(r.stage) === r.id) continue;
      this.runs.delete(r.id);
      if (r.planFile) this.remove(r.planFile);
      try {
        this.deps.store.forgetRun(r.id);
      } catch (err) {
        this.deps.log("warn", "forgetting an old run failed", { runId: r.id, error: errorText(err) });
      }
    }
  }

  approve(who: TokenEntry, runId: string, admit: Admit): Reply {
    const run = this.runs.get(runId);
    if (!run) return fail(404, `no run ${runId}`);
    if (!permits(who, "approve", run.stage)) return fail(403, `token ${who.name} may not approve on stage ${run.stage}`);
    if (run.operation !== "preview") return fail(400, `run ${runId} is not a preview`);
    if (run.status !== "succeeded") return fail(400, `preview ${runId} has not succeeded (${run.status})`);
    if (run.by === who.name) return fail(403, "a preview must be approved by another token holder than the one who ran it");
    if (run.approval) return fail(409, `preview ${runId} is already approved by ${run.approval.by}`);
    if (run.planExpiresAt !== undefined && run.planExpiresAt <= this.now())
      return fail(400, `the plan of preview ${runId} expired at ${this.iso(run.planExpiresAt)}; run a new preview`);
    const at = this.now();
    const approval: Approval = { by: who.name, at: this.iso(at), expiresAt: this.iso(at + this.deps.settings.approvalTtlMs) };
    const before = { planExpiresAt: run.planExpiresAt };
    run.approval = approval;
    run.planExpiresAt = at + this.deps.settings.approvalTtlMs;
    const revert = () => {
      run.approval = undefined;
      run.planExpiresAt = before.planExpiresAt;
    };
    try {
      this.deps.store.saveRun(this.stored(run));
    } catch (err) {
      revert();
      this.deps.log("error", "saving the bot's state failed; the approval was refused", { runId, error: errorText(err) });
      return fail(503, STORE_DOWN);
    }
    const reply: Reply = { status: 200, body: { run: this.view(run) } };
    try {
      admit(reply);
    } catch (err) {
      revert();
      try {
        this.deps.store.saveRun(this.stored(run));
      } catch (undoErr) {
        this.deps.log("error", "undoing a refused approval failed", { runId, error: errorText(undoErr) });
      }
      this.deps.log("error", "writing the audit log failed; the approval was refused", { runId, error: errorText(err) });
      return fail(503, AUDIT_DOWN);
    }
    this.note({ kind: "approval", who: who.name, stage: run.stage, runId });
    this.deps.log("info", "preview approved", { runId, stage: run.stage, by: who.name });
    return reply;
  }

  cancel(who: TokenEntry, runId: string, admit: Admit): Reply {
    const run = this.runs.get(runId);
    if (!run || !canSeeStage(who, run.stage)) return fail(404, `no run ${runId}`);
    if (run.by !== who.name && !permits(who, "admin", run.stage))
      return fail(403, `only ${run.by}, who started run ${runId}, or an admin of ${run.stage} may cancel it`);
    if (run.status !== "running") return fail(409, `run ${runId} is not running (${run.status})`);
    const reply: Reply = { status: 202, body: { runId, cancelling: true } };
    try {
      admit(reply);
    } catch (err) {
      this.deps.log("error", "writing the audit log failed; the cancel was refused", { runId, error: errorText(err) });
      return fail(503, AUDIT_DOWN);
    }
    run.execution?.cancel();
    this.deps.log("info", "run cancel requested", { runId, stage: run.stage, by: who.name });
    return reply;
  }

  /**
   * Admin-only stale-lock recovery: cancels the stage's running update (if any), releases the bot's
   * lock at once and asks the backend to cancel/remove its own lock.
   */
  async unlock(who: TokenEntry, stage: string, admit: Admit): Promise<Reply> {
    if (!this.stages.includes(stage)) return fail(404, `unknown stage ${stage}`);
    if (!permits(who, "admin", stage)) return fail(403, `token ${who.name} is not an admin of stage ${stage}`);
    try {
      admit({ status: 200, body: {} });
    } catch (err) {
      this.deps.log("error", "writing the audit log failed; the unlock was refused", { stage, error: errorText(err) });
      return fail(503, AUDIT_DOWN);
    }
    const holder = this.locks.get(stage) ?? null;
    if (holder) {
      this.runs.get(holder.runId)?.execution?.cancel();
      this.locks.delete(stage);
    }
    let backend = "cancelled";
    try {
      await this.deps.stacks.cancel(stage);
    } catch (err) {
      backend = `backend cancel failed: ${this.redact(errorText(err)).split("\n")[0]}`;
    }
    this.lockCache.invalidate(stage);
    this.note({ kind: "unlock", who: who.name, stage, ...(holder ? { runId: holder.runId } : {}) });
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
    clearInterval(this.sweeper);
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
