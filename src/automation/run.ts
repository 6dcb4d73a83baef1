// Running one operation through a StackRunner with everything that leaves it redacted.
import { createRedactor } from "./redact";
import type { Operation, RunOptions, RunResult, StackRunner } from "./types";

/** The text of an error, without stack trace. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `operation` on `stage`: learns the stage's secret values first, masks them in every event,
 * output line, result and error, and turns a thrown error into a failed (or, after an abort, a
 * cancelled) result instead of a rejection.
 */
export async function runOperation(
  runner: StackRunner,
  operation: Operation,
  stage: string,
  opts: RunOptions,
): Promise<RunResult> {
  let redact = createRedactor([]);
  try {
    redact = createRedactor(await runner.secretValues(stage));
    // A cancel that came before the operation started stops it from starting at all.
    if (opts.signal?.aborted) return { status: "cancelled", error: "update cancelled" };
    const result = await runner[operation](stage, {
      ...opts,
      onEvent: (event) => opts.onEvent?.(redact(event)),
      onOutput: (line) => opts.onOutput?.(redact(line)),
    });
    return redact(result);
  } catch (err) {
    const status = opts.signal?.aborted ? "cancelled" : "failed";
    return { status, error: redact(errorText(err)) };
  }
}
