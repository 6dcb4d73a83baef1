// A worker process runs exactly one stack operation: the Node Pulumi SDK allows one program per
// process, and a separate process can be signalled without disturbing its parent.
// Protocol (IPC): parent → worker `start` then optionally `cancel`; worker → parent `event`,
// `output`, then one `result`, after which the worker exits.
import { runOperation } from "./run";
import type { EngineEventLike, Operation, RunnerSpec, RunOptions, RunResult, StackRunner } from "./types";

export interface WorkerStart {
  type: "start";
  operation: Operation;
  stage: string;
  options: Pick<RunOptions, "planFile" | "targets" | "destroy" | "message">;
  runner: RunnerSpec;
}
export type ToWorker = WorkerStart | { type: "cancel" };
export type FromWorker =
  | { type: "event"; event: EngineEventLike }
  | { type: "output"; line: string }
  | { type: "result"; result: RunResult };

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

export function loadRunner(spec: RunnerSpec): StackRunner {
  const mod = require(spec.module) as { createRunner?: (options: unknown) => StackRunner };
  if (typeof mod.createRunner !== "function") throw new Error(`${spec.module} does not export createRunner`);
  return mod.createRunner(spec.options);
}

async function main(start: WorkerStart, controller: AbortController): Promise<void> {
  let result: RunResult;
  try {
    const runner = loadRunner(start.runner);
    result = await runOperation(runner, start.operation, start.stage, {
      ...start.options,
      signal: controller.signal,
      onEvent: (event) => void send({ type: "event", event }),
      onOutput: (line) => void send({ type: "output", line }),
    });
  } catch (err) {
    result = { status: "failed", error: err instanceof Error ? err.message : String(err) };
  }
  await send({ type: "result", result });
  process.disconnect?.();
}

if (require.main === module) {
  const controller = new AbortController();
  let started = false;
  process.on("message", (message: ToWorker) => {
    if (message.type === "start" && !started) {
      started = true;
      void main(message, controller);
    } else if (message.type === "cancel") {
      controller.abort();
    }
  });
  // A parent that goes away cancels the operation rather than leaving it running unobserved.
  process.on("disconnect", () => controller.abort());
  process.on("SIGTERM", () => controller.abort());
  process.on("SIGINT", () => controller.abort());
}
