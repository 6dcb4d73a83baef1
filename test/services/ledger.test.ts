import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocate, EMPTY_ALLOCATIONS, type AllocationRequest } from "../../src/inventory/allocate";
import { ledgerToStore, LedgerError, parseLedger } from "../../src/inventory/ledger";
import type { Allocations } from "../../src/inventory/model";

const port = (key: string, explicit: number | null = null): AllocationRequest => ({ kind: "port", key, explicit });
const minor = (volume: string, explicit: number | null = null): AllocationRequest => ({ kind: "minor", volume, explicit });

/** One update as the program does it: read the stored output, allocate, store (through JSON, like the state). */
function update(stored: unknown, requests: AllocationRequest[]): Allocations {
  const previous = parseLedger(stored);
  const site = allocate(previous, requests);
  return JSON.parse(JSON.stringify(ledgerToStore(previous, site)));
}

test("removing a service keeps its numbers stored; re-adding gets them back", () => {
  const first = update(undefined, [port("a1"), port("b1"), minor("va"), minor("vb")]);
  assert.deepEqual(first, { ports: { a1: 61001, b1: 61002 }, minors: { va: 1, vb: 2 } });
  const withoutA = update(first, [port("b1"), port("c1"), minor("vb"), minor("vc")]);
  assert.deepEqual(withoutA, { ports: { a1: 61001, b1: 61002, c1: 61003 }, minors: { va: 1, vb: 2, vc: 3 } });
  const back = update(withoutA, [port("a1"), minor("va")]);
  assert.equal(back.ports.a1, 61001);
  assert.equal(back.minors.va, 1);
});

test("ledgerToStore keeps entries the site no longer has and sorts keys", () => {
  assert.deepEqual(ledgerToStore({ ports: { z: 61009 }, minors: { old: 7 } }, { ports: { a: 61001 }, minors: { new: 1 } }), {
    ports: { a: 61001, z: 61009 },
    minors: { new: 1, old: 7 },
  });
});

test("parseLedger validates what the stack output holds", () => {
  assert.deepEqual(parseLedger(undefined), EMPTY_ALLOCATIONS);
  assert.deepEqual(parseLedger({ ports: { a80: 61001 }, minors: { v: 3 } }), { ports: { a80: 61001 }, minors: { v: 3 } });
  assert.throws(() => parseLedger({ ports: { a80: "x" } }), { message: 'stored ports["a80"] must be a positive integer, got "x"' });
  assert.throws(() => parseLedger({ ports: { a80: 70000 } }), { message: 'stored ports["a80"] = 70000 is not a port number' });
  assert.throws(() => parseLedger({ minors: { v: 300 } }), { message: 'stored minors["v"] = 300 is outside 1–255' });
  assert.throws(() => parseLedger([]), LedgerError);
});

// A simulated history: each update the inventory holds a random subset of services in a random order, each
// with random automatic ports and DRBD volumes. The stored ledger is read back as the next update's previous.
const serviceNames = ["powerdns", "pdnsdb", "pdnsadmin", "proxy", "configure", "certbot", "web", "api", "cache", "queue"];
const updateArb = fc.array(
  fc.record({
    services: fc.shuffledSubarray(serviceNames),
    targets: fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 0, maxLength: 3 }),
    volumes: fc.array(fc.constantFrom("data", "conf", "logs"), { minLength: 0, maxLength: 2 }),
  }),
  { minLength: 1, maxLength: 25 },
);

test("property: across random updates no stored entry ever moves and no two keys share a number", () => {
  fc.assert(
    fc.property(updateArb, (updates) => {
      let stored: Allocations = EMPTY_ALLOCATIONS;
      for (const u of updates) {
        const requests = [
          ...u.services.flatMap((s) => u.targets.map((t) => port(`${s}${t}`))),
          ...u.services.flatMap((s) => u.volumes.map((v) => minor(`${s}_${v}`))),
        ];
        const next = update(stored, requests);
        for (const [k, n] of Object.entries(stored.ports)) assert.equal(next.ports[k], n, `port ${k} moved`);
        for (const [k, n] of Object.entries(stored.minors)) assert.equal(next.minors[k], n, `minor ${k} moved`);
        for (const r of requests) {
          if (r.kind === "port") assert.ok(next.ports[r.key] >= 61001 && next.ports[r.key] <= 65534);
          else assert.ok(next.minors[r.volume] >= 1 && next.minors[r.volume] <= 255);
        }
        assert.equal(new Set(Object.values(next.ports)).size, Object.keys(next.ports).length, "duplicate port");
        assert.equal(new Set(Object.values(next.minors)).size, Object.keys(next.minors).length, "duplicate minor");
        stored = next;
      }
    }),
    { numRuns: 300 },
  );
});
