// The contract between whatever starts stack operations (the CLI, the deploy bot) and the Pulumi
// Automation API. Everything above this layer talks to a StackRunner, so tests can swap in a double.

/**
 * Environment variable through which `hive up|preview -i DIR` hands its inventory folder to the program
 * for that one run; it wins over stack config `hive:inventory`, which is never rewritten for it.
 */
export const INVENTORY_ENV = "HIVE_INVENTORY";

/** The stack operations hive runs; a stage is a Pulumi stack name. */
export type Operation = "preview" | "up" | "refresh" | "destroy";

export const OPERATIONS: readonly Operation[] = ["preview", "up", "refresh", "destroy"];

/** Whether the operation runs the program: an update or a preview of one (a destroy's preview does not). */
export function runsProgram(operation: Operation, opts: { destroy?: boolean }): boolean {
  return operation === "up" || (operation === "preview" && opts.destroy !== true);
}

/** One engine event as the Automation API delivers it; kept opaque so the layer stays general. */
export type EngineEventLike = Record<string, unknown>;

export interface RunOptions {
  /** Called for every engine event, in order. */
  onEvent?: (event: EngineEventLike) => void;
  /** Called for every line of the CLI's output, in order. */
  onOutput?: (line: string) => void;
  /**
   * Called with the secret values the operation meets as it runs (see StackRunner.reportsSecrets), each
   * before any event or line that may hold it.
   */
  onSecrets?: (values: string[]) => void;
  /** preview: where to save the update plan; up: the plan to apply (the engine rejects a stale plan). */
  planFile?: string;
  /** Limit the operation to these resource URNs (phase commands). */
  targets?: string[];
  /** preview only: preview a destroy instead of an update. */
  destroy?: boolean;
  /** Update message recorded in the stack history. */
  message?: string;
  /** up/preview: the inventory folder for this run instead of stack config `hive:inventory` (`hive -i`). */
  inventory?: string;
  /** Aborting asks the engine to stop cleanly (SIGINT to the CLI). */
  signal?: AbortSignal;
  /** Resource operations the engine runs at once (`pulumi --parallel`); default: the engine's own. */
  parallel?: number;
}

/** Outputs as the layer returns them: secret values never leave it (see publicOutputs). */
export type PublicOutputs = Record<string, unknown>;

export interface RunResult {
  status: "succeeded" | "failed" | "cancelled";
  /** Resource operation counts (create, update, same, delete…) when the engine reported them. */
  changes?: Record<string, number>;
  /** Stack outputs after up/refresh, secrets masked. */
  outputs?: PublicOutputs;
  /** Why the operation failed, redacted. */
  error?: string;
}

export interface StackRunner {
  preview(stage: string, opts: RunOptions): Promise<RunResult>;
  up(stage: string, opts: RunOptions): Promise<RunResult>;
  refresh(stage: string, opts: RunOptions): Promise<RunResult>;
  destroy(stage: string, opts: RunOptions): Promise<RunResult>;
  /** Current stack outputs, secrets masked. */
  outputs(stage: string): Promise<PublicOutputs>;
  /** Every secret value the stage knows (secret outputs, secret config), for redaction. */
  secretValues(stage: string): Promise<string[]>;
  /**
   * Whether the operation reports every secret value it can show through `onSecrets` itself (its program
   * does, as it learns them): then `secretValues` need not be read for it. Absent: never.
   */
  reportsSecrets?(operation: Operation, opts: RunOptions): boolean;
  /** Cancel the stage's running update and remove its (possibly stale) backend lock. */
  cancel(stage: string): Promise<void>;
}

/**
 * How a worker process builds its runner: a module exporting `createRunner(options)`.
 * The default is the real Automation API runner (./local).
 */
export interface RunnerSpec {
  module: string;
  options?: unknown;
}
