// Running one operation through a StackRunner with everything that leaves it redacted.
import { createRedactor, type Redactor } from "./redact";
import type { Operation, RunOptions, RunResult, StackRunner } from "./types";

/** The text of an error, without stack trace. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `operation` on `stage` with every event, output line, result and error masked by the stage's secret
 * values, and turns a thrown error into a failed (or, after an abort, a cancelled) result instead of a
 * rejection. The secrets are read while the operation starts (CLI calls of their own, which an update with
 * nothing to do would otherwise wait for); what the operation emits meanwhile waits, in order, until they
 * are known. If they cannot be read the operation is stopped: nothing it printed is shown unmasked.
 */
export async function runOperation(
  runner: StackRunner,
  operation: Operation,
  stage: string,
  opts: RunOptions,
): Promise<RunResult> {
  // A cancel that came before the operation started stops it from starting at all.
  if (opts.signal?.aborted) return { status: "cancelled", error: "update cancelled" };
  let redact: Redactor | null = null;
  const waiting: ((r: Redactor) => void)[] = [];
  const emit = (deliver: (r: Redactor) => void) => (redact !== null ? deliver(redact) : waiting.push(deliver));
  const stop = new AbortController();
  let secretsError: string | undefined;
  const secrets = runner.secretValues(stage).then(
    (values) => createRedactor(values),
    (err: unknown) => {
      secretsError = `the stage's secrets could not be read, so nothing ran: ${errorText(err)}`;
      stop.abort();
      return createRedactor([]);
    },
  );
  void secrets.then((r) => {
    if (secretsError !== undefined) return;
    redact = r;
    for (const deliver of waiting.splice(0)) deliver(r);
  });
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let outcome: { result: RunResult } | { thrown: unknown };
  try {
    const result = await runner[operation](stage, {
      ...opts,
      signal,
      onEvent: (event) => emit((r) => opts.onEvent?.(r(event))),
      onOutput: (line) => emit((r) => opts.onOutput?.(r(line))),
    });
    outcome = { result };
  } catch (thrown) {
    outcome = { thrown };
  }
  const mask = await secrets;
  if (secretsError !== undefined) return { status: "failed", error: secretsError };
  if ("result" in outcome) return mask(outcome.result);
  return { status: opts.signal?.aborted ? "cancelled" : "failed", error: mask(errorText(outcome.thrown)) };
}
