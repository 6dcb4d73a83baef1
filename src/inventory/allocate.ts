// Stable allocation of automatic published ports and DRBD minors (hive-builder's persistent maps).
import type { Allocations } from "./model";

export const PORT_RANGE = { first: 61001, last: 65534 } as const;
export const MINOR_RANGE = { first: 1, last: 255 } as const;

export type AllocationRequest =
  /** A published port: `key` is `<service><target>`; `explicit` is the number given in the inventory. */
  | { readonly kind: "port"; readonly key: string; readonly explicit?: number | null }
  /** A DRBD minor of a volume; `explicit` is `drbd.device_id`. */
  | { readonly kind: "minor"; readonly volume: string; readonly explicit?: number | null };

/** An allocation cannot be made: the range is full or an explicit number is taken. */
export class AllocationError extends Error {
  constructor(
    message: string,
    readonly request: AllocationRequest,
  ) {
    super(message);
    this.name = "AllocationError";
  }
}

/** Marks a number taken by an explicit published port (ledger keys are never empty). */
const RESERVED = "";

export const EMPTY_ALLOCATIONS: Allocations = { ports: {}, minors: {} };

/**
 * Returns the ledger after serving `requests`. Existing entries are never moved or removed (removed services
 * keep their numbers, as in hive-builder). New automatic numbers are the lowest free ones, in request order.
 *
 * Ports: an explicit published port is not stored (the inventory is its record) but is reserved, so no
 * automatic port takes it; an explicit port held by another key's stored entry is a conflict.
 * Minors: an explicit `device_id` is stored for its volume (it wins over a stored entry of the same volume);
 * one held by another volume is a conflict.
 */
export function allocate(previous: Allocations, requests: readonly AllocationRequest[]): Allocations {
  const ports: Record<string, number> = { ...previous.ports };
  const minors: Record<string, number> = { ...previous.minors };
  const usedPorts = new Map<number, string>();
  for (const [k, v] of Object.entries(ports)) usedPorts.set(v, k);
  const usedMinors = new Map<number, string>();
  for (const [k, v] of Object.entries(minors)) usedMinors.set(v, k);

  // Explicit numbers first, so automatic ones never take them, whatever the request order.
  for (const r of requests) {
    if (r.explicit === undefined || r.explicit === null) continue;
    if (r.kind === "port") {
      const holder = usedPorts.get(r.explicit);
      if (holder === undefined) usedPorts.set(r.explicit, RESERVED);
      else if (holder !== RESERVED && holder !== r.key) {
        throw new AllocationError(
          `published port ${r.explicit} of ${r.key} is already allocated to ${holder}; choose another port`,
          r,
        );
      }
    } else {
      const holder = usedMinors.get(r.explicit);
      if (holder !== undefined && holder !== r.volume) {
        throw new AllocationError(
          `device_id ${r.explicit} of volume ${r.volume} is already used by volume ${holder}; choose another device_id`,
          r,
        );
      }
      const old = minors[r.volume];
      if (old !== undefined && old !== r.explicit) usedMinors.delete(old);
      minors[r.volume] = r.explicit;
      usedMinors.set(r.explicit, r.volume);
    }
  }
  for (const r of requests) {
    if (r.explicit !== undefined && r.explicit !== null) continue;
    if (r.kind === "port") {
      if (ports[r.key] !== undefined) continue;
      const n = lowestFree(usedPorts, PORT_RANGE.first, PORT_RANGE.last);
      if (n === null) {
        throw new AllocationError(
          `no free published port left in ${PORT_RANGE.first}-${PORT_RANGE.last} for ${r.key}; give published_port explicitly`,
          r,
        );
      }
      ports[r.key] = n;
      usedPorts.set(n, r.key);
    } else {
      if (minors[r.volume] !== undefined) continue;
      const n = lowestFree(usedMinors, MINOR_RANGE.first, MINOR_RANGE.last);
      if (n === null) {
        throw new AllocationError(
          `no free DRBD minor left in ${MINOR_RANGE.first}-${MINOR_RANGE.last} for volume ${r.volume}`,
          r,
        );
      }
      minors[r.volume] = n;
      usedMinors.set(n, r.volume);
    }
  }
  return { ports: sortByKey(ports), minors: sortByKey(minors) };
}

function lowestFree(used: ReadonlyMap<number, string>, first: number, last: number): number | null {
  for (let n = first; n <= last; n++) if (!used.has(n)) return n;
  return null;
}

function sortByKey(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Entries of `next` that are not (with the same number) in `previous`. */
export function newEntries(previous: Allocations, next: Allocations): Allocations {
  const diff = (p: Record<string, number>, n: Record<string, number>) =>
    Object.fromEntries(Object.entries(n).filter(([k, v]) => p[k] !== v));
  return { ports: diff(previous.ports, next.ports), minors: diff(previous.minors, next.minors) };
}
