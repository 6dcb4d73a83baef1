// The allocation ledger: published ports and DRBD minors that hive chose for a stage, kept in the stack's state.
//
// Where the ledger lives (decision):
// - It is the stack output `allocations` (plain JSON, no secrets), written by every `pulumi up`.
// - The program reads the previous value through a `pulumi.StackReference` to its own stack
//   (`readPreviousLedger`). Pulumi resolves a stack reference from the backend's last checkpoint, so every
//   runner of the stage (another laptop, the deploy bot, CI) sees the same numbers. A stack that exists but was
//   never deployed simply has no `allocations` output: the ledger starts empty.
// - Options not taken: a dynamic provider resource holding the map cannot be read *before* the inventory is
//   derived (its outputs exist only after registration, but the allocation is needed to derive the site);
//   a file next to the inventory is seen by one checkout only (hive-builder's `.hive/persistents.yml` problem).
// - The CLI (`hive inventory`) reads the same output with the Automation API (`stack.outputs()["allocations"]`)
//   and passes it to `parseLedger`.
//
// Rules (hive-builder's, with its silent duplicate fixed): entries are never removed (a removed service keeps
// its number, so re-adding it gets the same one), an existing entry never moves, explicit numbers win but may
// not take a number another key holds, new automatic numbers are the lowest free in their range.
import type { Allocations } from "./model";

export const LEDGER_OUTPUT = "allocations";
export const PORT_RANGE = { first: 61001, last: 65534 } as const;
export const MINOR_RANGE = { first: 1, last: 255 } as const;
export const EMPTY_LEDGER: Allocations = { ports: {}, minors: {} };

/** One allocation wanted by the inventory: `explicit` when the number is written in the inventory. */
export interface AllocationRequest {
  readonly key: string;
  readonly explicit: number | null;
}

export interface LedgerRequests {
  readonly ports: readonly AllocationRequest[];
  readonly minors: readonly AllocationRequest[];
}

export class LedgerError extends Error {}

function numberMap(value: unknown, what: string, range: { first: number; last: number }): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new LedgerError(`stored ${what} must be an object`);
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(value as Record<string, unknown>)) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      throw new LedgerError(`stored ${what}["${key}"] must be a positive integer, got ${JSON.stringify(n)}`);
    }
    if (what === "minors" && (n < range.first || n > range.last)) {
      throw new LedgerError(`stored minors["${key}"] = ${n} is outside ${range.first}–${range.last}`);
    }
    out[key] = n;
  }
  return out;
}

/** Reads a stored ledger (the `allocations` stack output, possibly absent) into a validated Allocations. */
export function parseLedger(value: unknown): Allocations {
  if (value === undefined || value === null) return EMPTY_LEDGER;
  if (typeof value !== "object" || Array.isArray(value)) throw new LedgerError("stored allocations must be an object");
  const v = value as { ports?: unknown; minors?: unknown };
  return { ports: numberMap(v.ports, "ports", PORT_RANGE), minors: numberMap(v.minors, "minors", MINOR_RANGE) };
}

function allocateOne(
  previous: { readonly [key: string]: number },
  requests: readonly AllocationRequest[],
  range: { first: number; last: number },
  what: string,
): Record<string, number> {
  const out: Record<string, number> = { ...previous };
  const owner = new Map<number, string>();
  for (const [key, n] of Object.entries(previous)) owner.set(n, key);
  for (const r of requests) {
    if (r.explicit === null) continue;
    const holder = owner.get(r.explicit);
    if (holder !== undefined && holder !== r.key) {
      throw new LedgerError(`${what} ${r.explicit} of "${r.key}" is already allocated to "${holder}"`);
    }
    if (out[r.key] !== undefined && out[r.key] !== r.explicit) {
      // The inventory now names a number explicitly: the explicit one wins, the old one stays reserved.
      owner.set(out[r.key], `${r.key} (previous)`);
    }
    out[r.key] = r.explicit;
    owner.set(r.explicit, r.key);
  }
  let next = range.first;
  for (const r of requests) {
    if (r.explicit !== null || out[r.key] !== undefined) continue;
    while (next <= range.last && owner.has(next)) next++;
    if (next > range.last) throw new LedgerError(`no free ${what} left in ${range.first}–${range.last} for "${r.key}"`);
    out[r.key] = next;
    owner.set(next, r.key);
  }
  return out;
}

/**
 * The ledger after this inventory: every previous entry unchanged (unless the inventory now writes an explicit
 * number for that key), plus the lowest free number for every new automatic request. Pure.
 */
export function allocate(previous: Allocations, requests: LedgerRequests): Allocations {
  return {
    ports: allocateOne(previous.ports, requests.ports, PORT_RANGE, "published port"),
    minors: allocateOne(previous.minors, requests.minors, MINOR_RANGE, "DRBD minor"),
  };
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

/** `<org>/<project>/<stack>` of the running stack, for the self stack reference. */
export function selfStackName(org: string, project: string, stack: string): string {
  return `${org}/${project}/${stack}`;
}
