// Running one operation through a StackRunner with everything that leaves it redacted.
import { createRedactor } from "./redact";
import type { Operation, RunOptions, RunResult, StackRunner } from "./types";

/** The text of an error, without stack trace. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `operation` on `stage` with every event, output line, result and error masked by the stage's secret
 * values, and turns a thrown error into a failed (or, after an abort, a cancelled) result instead of a
 * rejection. An operation whose runner reports the secrets it meets (the program's run, see
 * secret-channel.ts) is masked with them as they come. For any other, the secrets are read while the
 * operation starts (CLI calls of their own, which the operation would otherwise wait for); what it emits
 * meanwhile waits, in order, until they are known. If they cannot be read the operation is stopped:
 * nothing it printed is shown unmasked.
 */
export async function runOperation(
  runner: StackRunner,
  operation: Operation,
  stage: string,
  opts: RunOptions,
): Promise<RunResult> {
  // A cancel that came before the operation started stops it from starting at all.
  if (opts.signal?.aborted) return { status: "cancelled", error: "update cancelled" };
  const redact = createRedactor();
  let ready = false;
  const waiting: (() => void)[] = [];
  const emit = (deliver: () => void) => (ready ? deliver() : waiting.push(deliver));
  const stop = new AbortController();
  let secretsError: string | undefined;
  const reported = runner.reportsSecrets?.(operation, opts) === true;
  const secrets = (reported ? Promise.resolve([]) : runner.secretValues(stage)).then(
    (values) => redact.add(values),
    (err: unknown) => {
      secretsError = `the stage's secrets could not be read, so nothing ran: ${errorText(err)}`;
      stop.abort();
    },
  );
  void secrets.then(() => {
    if (secretsError !== undefined) return;
    ready = true;
    for (const deliver of waiting.splice(0)) deliver();
  });
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let outcome: { result: RunResult } | { thrown: unknown };
  try {
    const result = await runner[operation](stage, {
      ...opts,
      signal,
      onSecrets: (values) => redact.add(values),
      onEvent: (event) => emit(() => opts.onEvent?.(redact(event))),
      onOutput: (line) => emit(() => opts.onOutput?.(redact(line))),
    });
    outcome = { result };
  } catch (thrown) {
    outcome = { thrown };
  }
  await secrets;
  if (secretsError !== undefined) return { status: "failed", error: secretsError };
  if ("result" in outcome) return redact(outcome.result);
  return { status: opts.signal?.aborted ? "cancelled" : "failed", error: redact(errorText(outcome.thrown)) };
}
