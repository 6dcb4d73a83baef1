// Starting a stack operation in its own worker process (see worker.ts) and following it.
import { fork } from "node:child_process";
import * as path from "node:path";
import type { FromWorker, ToWorker, WorkerStart } from "./worker";
import type { EngineEventLike, RunResult } from "./types";

export interface WorkerHandlers {
  onEvent?: (event: EngineEventLike) => void;
  onOutput?: (line: string) => void;
}

export interface WorkerRun {
  readonly pid: number | undefined;
  /** Settles once the worker has exited; never rejects. */
  readonly result: Promise<RunResult>;
  /** Asks the worker to stop cleanly; signals it after graceMs, kills it after twice that. */
  cancel(): void;
}

export const WORKER_MODULE = path.join(__dirname, "worker.ts");

export function startWorker(
  start: Omit<WorkerStart, "type">,
  handlers: WorkerHandlers,
  opts: { graceMs?: number; env?: NodeJS.ProcessEnv } = {},
): WorkerRun {
  const graceMs = opts.graceMs ?? 30_000;
  // The worker's own stdout/stderr are not forwarded: engine output arrives, redacted, over IPC.
  const child = fork(WORKER_MODULE, [], {
    execArgv: ["--require", require.resolve("tsx/cjs")],
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    env: opts.env ?? process.env,
  });
  let result: RunResult | undefined;
  let cancelled = false;
  const timers: NodeJS.Timeout[] = [];
  const done = new Promise<RunResult>((resolve) => {
    child.on("message", (message: FromWorker) => {
      if (message.type === "event") handlers.onEvent?.(message.event);
      else if (message.type === "output") handlers.onOutput?.(message.line);
      else if (message.type === "result") result = message.result;
    });
    // A worker that could not be spawned (EMFILE, EAGAIN…) never exits: its error ends the run.
    child.on("error", (err) => {
      if (child.pid === undefined) resolve({ status: "failed", error: `the worker could not be started: ${err.message}` });
    });
    child.on("exit", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve(
        result ?? {
          status: cancelled ? "cancelled" : "failed",
          error: `worker exited without a result (${signal ? `signal ${signal}` : `code ${code}`})`,
        },
      );
    });
  });
  const message: ToWorker = { type: "start", ...start };
  // Without a process there is no channel; the error event above reports why.
  if (child.pid !== undefined) child.send(message);
  return {
    pid: child.pid,
    result: done,
    cancel() {
      if (cancelled || child.exitCode !== null) return;
      cancelled = true;
      if (child.connected) child.send({ type: "cancel" } satisfies ToWorker);
      timers.push(setTimeout(() => child.kill("SIGTERM"), graceMs).unref());
      timers.push(setTimeout(() => child.kill("SIGKILL"), 2 * graceMs).unref());
    },
  };
}
