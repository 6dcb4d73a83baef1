// Allocation of automatic published ports and DRBD minors: table tests and properties.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocate, AllocationError, MINOR_RANGE, PORT_RANGE, type Allocations, type AllocationRequest } from "../../src/inventory";

test("table: new numbers are the lowest free ones, in request order; explicit minors win", () => {
  const rows: [previous: Allocations, requests: AllocationRequest[], expected: Allocations][] = [
    [{ ports: {}, minors: {} }, [{ kind: "port", key: "a80" }, { kind: "port", key: "b80" }], { ports: { a80: 61001, b80: 61002 }, minors: {} }],
    [{ ports: { a80: 61002 }, minors: {} }, [{ kind: "port", key: "b80" }, { kind: "port", key: "a80" }], { ports: { a80: 61002, b80: 61001 }, minors: {} }],
    [{ ports: {}, minors: {} }, [{ kind: "port", key: "a80", explicit: 61001 }, { kind: "port", key: "b80" }], { ports: { b80: 61002 }, minors: {} }],
    [{ ports: {}, minors: { x: 1 } }, [{ kind: "minor", volume: "y" }, { kind: "minor", volume: "z", explicit: 2 }], { ports: {}, minors: { x: 1, y: 3, z: 2 } }],
    [{ ports: {}, minors: { x: 1 } }, [{ kind: "minor", volume: "x", explicit: 9 }], { ports: {}, minors: { x: 9 } }],
    [{ ports: { gone80: 61001 }, minors: { gone: 1 } }, [], { ports: { gone80: 61001 }, minors: { gone: 1 } }],
  ];
  for (const [previous, requests, expected] of rows) assert.deepEqual(allocate(previous, requests), expected);
});

test("table: conflicts and full ranges are AllocationErrors with a clear message", () => {
  const full = (first: number, last: number) => Object.fromEntries(Array.from({ length: last - first + 1 }, (_, i) => [`k${i}`, first + i]));
  const rows: [previous: Allocations, requests: AllocationRequest[], message: string][] = [
    [{ ports: {}, minors: { a: 5 } }, [{ kind: "minor", volume: "b", explicit: 5 }], "device_id 5 of volume b is already used by volume a; choose another device_id"],
    [{ ports: { a80: 61001 }, minors: {} }, [{ kind: "port", key: "b80", explicit: 61001 }], "published port 61001 of b80 is already allocated to a80; choose another port"],
    [{ ports: {}, minors: full(MINOR_RANGE.first, MINOR_RANGE.last) }, [{ kind: "minor", volume: "new" }], "no free DRBD minor left in 1-255 for volume new"],
    [{ ports: full(PORT_RANGE.first, PORT_RANGE.last), minors: {} }, [{ kind: "port", key: "new1" }], "no free published port left in 61001-65534 for new1; give published_port explicitly"],
  ];
  for (const [previous, requests, message] of rows) {
    assert.throws(() => allocate(previous, requests), (err: unknown) => err instanceof AllocationError && err.message === message);
  }
});

const key = fc.stringMatching(/^[a-z]{1,4}[0-9]{1,3}$/);
const ledger = (first: number, last: number, max: number) =>
  fc.uniqueArray(fc.tuple(key, fc.integer({ min: first, max: last })), { maxLength: max, selector: ([, n]) => n }).map((entries) => {
    const out: Record<string, number> = {};
    for (const [k, n] of entries) if (!(k in out)) out[k] = n;
    return out;
  });
const previousArb = fc.record({ ports: ledger(PORT_RANGE.first, PORT_RANGE.last, 40), minors: ledger(MINOR_RANGE.first, MINOR_RANGE.last, 40) });
const requestsArb = fc.array(
  fc.oneof(key.map((k): AllocationRequest => ({ kind: "port", key: k })), key.map((v): AllocationRequest => ({ kind: "minor", volume: v }))),
  { maxLength: 60 },
);

test("property: allocation never moves or removes an existing entry", () => {
  fc.assert(
    fc.property(previousArb, requestsArb, (previous, requests) => {
      const next = allocate(previous, requests);
      for (const [k, n] of Object.entries(previous.ports)) assert.equal(next.ports[k], n);
      for (const [k, n] of Object.entries(previous.minors)) assert.equal(next.minors[k], n);
    }),
  );
});

test("property: allocation never gives one number twice and serves every request inside its range", () => {
  fc.assert(
    fc.property(previousArb, requestsArb, (previous, requests) => {
      const next = allocate(previous, requests);
      const ports = Object.values(next.ports);
      const minors = Object.values(next.minors);
      assert.equal(new Set(ports).size, ports.length);
      assert.equal(new Set(minors).size, minors.length);
      for (const r of requests) {
        const n = r.kind === "port" ? next.ports[r.key] : next.minors[r.volume];
        const range = r.kind === "port" ? PORT_RANGE : MINOR_RANGE;
        assert.ok(n >= range.first && n <= range.last, `${JSON.stringify(r)} → ${n}`);
      }
    }),
  );
});

test("property: allocating again with the result (in any order) changes nothing", () => {
  fc.assert(
    fc.property(previousArb, requestsArb, fc.context(), (previous, requests, ctx) => {
      const next = allocate(previous, requests);
      const shuffled = [...requests].reverse();
      ctx.log(JSON.stringify(next));
      assert.deepEqual(allocate(next, shuffled), next);
    }),
  );
});

test("property: a full range fails with AllocationError, never a wrong number", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 254 }), (freeCount) => {
      const minors: Record<string, number> = {};
      for (let n = MINOR_RANGE.first; n <= MINOR_RANGE.last - freeCount; n++) minors[`v${n}`] = n;
      const requests: AllocationRequest[] = Array.from({ length: freeCount + 1 }, (_, i) => ({ kind: "minor", volume: `new${i}` }));
      assert.throws(() => allocate({ ports: {}, minors }, requests), (err: unknown) => err instanceof AllocationError && /^no free DRBD minor left in 1-255 for volume new\d+$/.test(err.message));
      const ok = allocate({ ports: {}, minors }, requests.slice(0, freeCount));
      assert.equal(Object.keys(ok.minors).length, Object.keys(minors).length + freeCount);
    }),
    { numRuns: 50 },
  );
});
