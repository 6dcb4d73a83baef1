// Random edits of a valid inventory never crash the loader: the result is a site or an InventoryError whose
// problems all have a position and none is an internal error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { InventoryError } from "../../src/inventory";
import { loadFiles } from "./helpers";

const EXAMPLE = join(__dirname, "../../examples/pdns/inventory");
const FILES = ["hive.yml", "powerdns.yml", "group_vars/services.yml", "group_vars/servers.yml"];
const base: Record<string, unknown> = Object.fromEntries(FILES.map((f) => [f, parse(readFileSync(join(EXAMPLE, f), "utf8"))]));

type Path = (string | number)[];
function paths(v: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
  return out;
}

interface Edit {
  file: number;
  at: number;
  op: "delete" | "replace" | "unknown-key" | "garble";
  value: unknown;
  text: string;
}

function apply(data: Record<string, unknown>, e: Edit): void {
  const file = FILES[e.file % FILES.length];
  const all = paths(data[file]);
  const path = all[e.at % all.length];
  if (path.length === 0) {
    if (e.op === "replace") data[file] = e.value;
    return;
  }
  let parent = data[file] as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  switch (e.op) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
      break;
    case "replace":
      parent[last] = e.value;
      break;
    case "unknown-key": {
      const target = parent[last];
      if (target !== null && typeof target === "object" && !Array.isArray(target)) (target as Record<string, unknown>)[e.text || "x"] = e.value;
      else parent[last] = { [e.text || "x"]: e.value };
      break;
    }
    case "garble": {
      const v = parent[last];
      parent[last] = typeof v === "string" ? v.slice(0, v.length >> 1) + e.text + v.slice(v.length >> 1) : e.text;
      break;
    }
  }
}

const editArb: fc.Arbitrary<Edit> = fc.record({
  file: fc.nat(),
  at: fc.nat(),
  op: fc.constantFrom("delete", "replace", "unknown-key", "garble"),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("{{ x }}", "{{", "}}", "{% if %}", "10.0.0.0/33", -1, 1e9, null)),
  text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("{{", "}}", "{{ nope }}", ":", "\n", "{{ omit }}", "/udp", "0")),
});

test("property: random edits of the pdns inventory give a site or an InventoryError, never a crash", () => {
  fc.assert(
    fc.property(fc.array(editArb, { minLength: 1, maxLength: 4 }), fc.constantFrom("private" as const, "staging" as const, "production" as const), (edits, stage) => {
      const data = structuredClone(base);
      for (const e of edits) apply(data, e);
      const files = Object.fromEntries(FILES.map((f) => [f, data[f] === undefined ? "" : stringify(data[f])]));
      try {
        loadFiles(files, { stage });
      } catch (err) {
        assert.ok(err instanceof InventoryError, `not an InventoryError: ${err instanceof Error ? err.stack : String(err)}`);
        assert.ok(err.problems.length > 0);
        for (const p of err.problems) {
          assert.ok(p.line >= 1 && p.column >= 1, JSON.stringify(p));
          assert.doesNotMatch(p.message, /internal error/, JSON.stringify({ p, edits }));
          assert.doesNotMatch(p.message, /\bundefined\b(?! variable)|\[object Object\]|NaN/, JSON.stringify({ p, edits }));
        }
      }
    }),
    { numRuns: 200 },
  );
});
