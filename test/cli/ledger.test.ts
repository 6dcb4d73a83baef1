import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { storedLedger } from "../../src/cli/ledger";
import { ScriptedStackRunner } from "../../src/automation/scripted";
import type { StackRunner } from "../../src/automation/types";

const root = join(__dirname, "../..");

function project(config: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-ledger-"));
  writeFileSync(join(dir, "Pulumi.staging.yaml"), config);
  return dir;
}

test("the stack's stored ledger wins over the imported one", async (t) => {
  const dir = project("config:\n  hive:allocations:\n    minors: {pdnsdb_data: 9}\n");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runner = new ScriptedStackRunner({ outputs: { allocations: { value: { ports: { web80: 61001 }, minors: { pdnsdb_data: 5 } }, secret: false } } });
  assert.deepEqual(await storedLedger(dir, "staging", runner), { ledger: { ports: { web80: 61001 }, minors: { pdnsdb_data: 5 } }, source: "stack" });
});

test("no stack (or no CLI): the imported ledger of the stack config, else none", async (t) => {
  const dir = project("config:\n  hive:allocations:\n    minors: {pdnsdb_data: 9}\n");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const failing = { outputs: () => Promise.reject(new Error("no stack named staging")) } as unknown as StackRunner;
  assert.deepEqual(await storedLedger(dir, "staging", failing), { ledger: { ports: {}, minors: { pdnsdb_data: 9 } }, source: "config" });
  assert.deepEqual(await storedLedger(dir, "staging", null), { ledger: { ports: {}, minors: { pdnsdb_data: 9 } }, source: "config" });
  assert.deepEqual(await storedLedger(dir, "production", null), { ledger: { ports: {}, minors: {} }, source: "none" });
});

test("hive inventory --json shows stored numbers and null for the ones not stored yet", (t) => {
  const dir = project("config:\n  hive:allocations:\n    minors: {pdnsdb_data: 9, proxy_config: 1}\n");
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const res = spawnSync(process.execPath, [join(root, "bin/hive.js"), "inventory", "-s", "staging", "-i", join(root, "examples/pdns/inventory"), "--json", "--offline"], {
    cwd: dir,
    encoding: "utf8",
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /imported ledger from stack config hive:allocations/);
  const volumes = (JSON.parse(res.stdout) as { volumes: { name: string; drbd: { minor: number | null; port: number | null } | null }[] }).volumes;
  assert.deepEqual(
    volumes.map((v) => [v.name, v.drbd?.minor ?? null, v.drbd?.port ?? null]),
    [
      ["pdnsdb_data", 9, 7009],
      ["pdnsadmin_data", null, null],
      ["proxy_config", 1, 7001],
      ["letsencrypt_data", null, null],
    ],
  );
});
