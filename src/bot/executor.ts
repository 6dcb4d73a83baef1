// Where the bot's updates run: each in its own worker process (production), or in-process over a
// StackRunner (tests that exercise the HTTP surface without paying a process start per run).
import { startWorker } from "../automation/fork";
import { runOperation } from "../automation/run";
import type { EngineEventLike, Operation, RunnerSpec, RunOptions, RunResult, StackRunner } from "../automation/types";

export interface ExecutionRequest {
  operation: Operation;
  stage: string;
  options: Pick<RunOptions, "planFile" | "targets" | "destroy" | "message">;
}

export interface ExecutionHandlers {
  onEvent(event: EngineEventLike): void;
  onOutput(line: string): void;
}

export interface Execution {
  /** Never rejects. */
  result: Promise<RunResult>;
  cancel(): void;
}

export interface Executor {
  start(request: ExecutionRequest, handlers: ExecutionHandlers): Execution;
}

export class WorkerExecutor implements Executor {
  constructor(
    private readonly runner: RunnerSpec,
    private readonly graceMs = 30_000,
    /** The workers' environment (the bot's own secrets removed). */
    private readonly env?: NodeJS.ProcessEnv,
  ) {}

  start(request: ExecutionRequest, handlers: ExecutionHandlers): Execution {
    const run = startWorker({ ...request, runner: this.runner }, handlers, { graceMs: this.graceMs, env: this.env });
    return { result: run.result, cancel: () => run.cancel() };
  }
}

export class InProcessExecutor implements Executor {
  constructor(private readonly runner: StackRunner) {}

  start(request: ExecutionRequest, handlers: ExecutionHandlers): Execution {
    const controller = new AbortController();
    const result = runOperation(this.runner, request.operation, request.stage, {
      ...request.options,
      signal: controller.signal,
      onEvent: handlers.onEvent,
      onOutput: handlers.onOutput,
    });
    return { result, cancel: () => controller.abort() };
  }
}
