// The allocation ledger: published ports and DRBD minors that hive chose for a stage, kept in the stack's state.
//
// Where the ledger lives (decision):
// - It is the stack output `allocations` (plain JSON, no secrets), written by every `pulumi up`.
// - The program reads the previous value from its own stack's outputs through the engine's builtin
//   `readStackOutputs` function (`readPreviousStack`), which a StackReference uses too: it resolves them from
//   the backend's last checkpoint, so every runner of the stage (another laptop, the deploy bot, CI) sees the
//   same numbers. A stack that exists but was never deployed simply has no `allocations` output: the ledger
//   starts empty.
// - Options not taken: a dynamic provider resource holding the map cannot be read *before* the inventory is
//   derived (its outputs exist only after registration, but the allocation is needed to derive the site);
//   a file next to the inventory is seen by one checkout only (hive-builder's `.hive/persistents.yml` problem).
// - The CLI (`hive inventory`) reads the same output with the Automation API (`stack.outputs()["allocations"]`)
//   and passes it to `parseLedger`.
//
// The numbers themselves are chosen by `allocate` (allocate.ts) while the site is derived; this file reads
// and writes the stored form. Entries are never removed: a removed service keeps its number.
import type { Allocations } from "./model";
import { EMPTY_ALLOCATIONS, MINOR_RANGE, PORT_RANGE } from "./allocate";

export const LEDGER_OUTPUT = "allocations";

export class LedgerError extends Error {}

function numberMap(value: unknown, what: string, range: { first: number; last: number }): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new LedgerError(`stored ${what} must be an object`);
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(value as Record<string, unknown>)) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      throw new LedgerError(`stored ${what}["${key}"] must be a positive integer, got ${JSON.stringify(n)}`);
    }
    if (what === "ports" && n > 65535) throw new LedgerError(`stored ports["${key}"] = ${n} is not a port number`);
    if (what === "minors" && (n < range.first || n > range.last)) {
      throw new LedgerError(`stored minors["${key}"] = ${n} is outside ${range.first}–${range.last}`);
    }
    out[key] = n;
  }
  return out;
}

/** Reads a stored ledger (the `allocations` stack output, possibly absent) into a validated Allocations. */
export function parseLedger(value: unknown): Allocations {
  if (value === undefined || value === null) return EMPTY_ALLOCATIONS;
  if (typeof value !== "object" || Array.isArray(value)) throw new LedgerError("stored allocations must be an object");
  const v = value as { ports?: unknown; minors?: unknown };
  return { ports: numberMap(v.ports, "ports", PORT_RANGE), minors: numberMap(v.minors, "minors", MINOR_RANGE) };
}

/**
 * What to store after an update: the previous ledger plus the site's allocations (`allocate`'s result, so
 * only an explicit inventory number can change an entry). An entry that the inventory no longer requests is kept.
 * Keys are sorted so the stored output does not churn.
 */
export function ledgerToStore(previous: Allocations, current: Allocations): Allocations {
  const merge = (a: { readonly [k: string]: number }, b: { readonly [k: string]: number }) =>
    Object.fromEntries(Object.entries({ ...a, ...b }).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return { ports: merge(previous.ports, current.ports), minors: merge(previous.minors, current.minors) };
}

/** `<org>/<project>/<stack>` of the running stack, for reading its own outputs. */
export function selfStackName(org: string, project: string, stack: string): string {
  return `${org}/${project}/${stack}`;
}
