import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  allocate,
  EMPTY_LEDGER,
  ledgerToStore,
  LedgerError,
  parseLedger,
  type LedgerRequests,
} from "../../src/inventory/ledger";
import type { Allocations } from "../../src/inventory/model";

const req = (key: string, explicit: number | null = null) => ({ key, explicit });

test("new automatic entries take the lowest free numbers, in request order", () => {
  const l = allocate(EMPTY_LEDGER, {
    ports: [req("web80"), req("dns53", 53), req("api8080")],
    minors: [req("a"), req("b", 1), req("c")],
  });
  assert.deepEqual(l, { ports: { dns53: 53, web80: 61001, api8080: 61002 }, minors: { b: 1, a: 2, c: 3 } });
});

test("removing a service keeps its numbers reserved; re-adding gets them back", () => {
  const first = allocate(EMPTY_LEDGER, { ports: [req("a1"), req("b1")], minors: [req("va"), req("vb")] });
  const stored = ledgerToStore(EMPTY_LEDGER, first);
  const withoutA = allocate(stored, { ports: [req("b1"), req("c1")], minors: [req("vb"), req("vc")] });
  assert.deepEqual(withoutA, { ports: { a1: 61001, b1: 61002, c1: 61003 }, minors: { va: 1, vb: 2, vc: 3 } });
  const back = allocate(ledgerToStore(stored, withoutA), { ports: [req("a1")], minors: [req("va")] });
  assert.equal(back.ports.a1, 61001);
  assert.equal(back.minors.va, 1);
});

test("an explicit number held by another key is an error naming both", () => {
  const stored: Allocations = { ports: {}, minors: { pdnsdb_data: 1 } };
  assert.throws(() => allocate(stored, { ports: [], minors: [req("other", 1)] }), {
    message: 'DRBD minor 1 of "other" is already allocated to "pdnsdb_data"',
  });
});

test("running out of minors is a clear error", () => {
  const full = Object.fromEntries(Array.from({ length: 255 }, (_, i) => [`v${i}`, i + 1]));
  assert.throws(() => allocate({ ports: {}, minors: full }, { ports: [], minors: [req("one-more")] }), {
    message: 'no free DRBD minor left in 1–255 for "one-more"',
  });
});

test("parseLedger validates what the stack output holds", () => {
  assert.deepEqual(parseLedger(undefined), EMPTY_LEDGER);
  assert.deepEqual(parseLedger({ ports: { a80: 61001 }, minors: { v: 3 } }), { ports: { a80: 61001 }, minors: { v: 3 } });
  assert.throws(() => parseLedger({ ports: { a80: "x" } }), { message: 'stored ports["a80"] must be a positive integer, got "x"' });
  assert.throws(() => parseLedger({ minors: { v: 300 } }), { message: 'stored minors["v"] = 300 is outside 1–255' });
  assert.throws(() => parseLedger([]), LedgerError);
});

// A simulated history: each update the inventory holds a random subset of services in a random order, each
// with random automatic ports and drbd volumes. The stored ledger is read back as the next update's previous.
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
      let stored: Allocations = EMPTY_LEDGER;
      for (const u of updates) {
        const requests: LedgerRequests = {
          ports: u.services.flatMap((s) => u.targets.map((t) => req(`${s}${t}`))),
          minors: u.services.flatMap((s) => u.volumes.map((v) => req(`${s}_${v}`))),
        };
        const site = allocate(stored, requests);
        const next = parseLedger(JSON.parse(JSON.stringify(ledgerToStore(stored, site))));
        for (const [k, n] of Object.entries(stored.ports)) assert.equal(next.ports[k], n, `port ${k} moved`);
        for (const [k, n] of Object.entries(stored.minors)) assert.equal(next.minors[k], n, `minor ${k} moved`);
        for (const r of requests.ports) assert.ok(next.ports[r.key] >= 61001 && next.ports[r.key] <= 65534);
        for (const r of requests.minors) assert.ok(next.minors[r.key] >= 1 && next.minors[r.key] <= 255);
        assert.equal(new Set(Object.values(next.ports)).size, Object.keys(next.ports).length, "duplicate port");
        assert.equal(new Set(Object.values(next.minors)).size, Object.keys(next.minors).length, "duplicate minor");
        stored = next;
      }
    }),
    { numRuns: 300 },
  );
});
