// The `hive` CLI on the real engine and the upstream language host, without servers: the language host
// runs the program in the folder of `main` (src/), `-i` must reach the program, and a stage whose provider
// plugin is not installed must say which plugin and how to install it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineMissingReason, hasPlugin, loadE2eEnv, projectCopy } from "./harness";

const stateDir = mkdtempSync(join(tmpdir(), "hive-e2e-state-"));
const env = loadE2eEnv(stateDir);
const missing = engineMissingReason(env);
if (missing) console.log(`# cli test skipped: ${missing}`);
const awsInstalled = hasPlugin(env, "resource", "aws", "7.48.0");

function hive(dir: string, args: string[]) {
  return spawnSync(process.execPath, [join(dir, "bin/hive.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
}

test(
  "hive preview -i runs the program on the engine's language host and names the missing plugin",
  { skip: missing ?? (awsInstalled ? "the aws plugin is installed: this case needs a machine without it" : false) },
  (t) => {
    const dir = projectCopy();
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(stateDir, { recursive: true, force: true });
    });
    // The stack config names another folder: only -i can make the program find the inventory.
    writeFileSync(join(dir, "Pulumi.staging.yaml"), "config:\n  hive:inventory: no-such-inventory\n");
    const r = hive(dir, ["preview", "-s", "staging", "-i", "examples/pdns/inventory"]);
    const output = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 1, output);
    assert.doesNotMatch(output, /inventory folder not found/);
    // The program ran (resources were planned) before the engine needed a plugin it does not have.
    assert.match(output, /\+ \d+ to create/);
    assert.match(r.stderr, /^hive: preview failed on stage staging: the resource plugin (aws|tls|docker) v[\d.]+ is not installed: install it with `pulumi plugin install resource \1 v[\d.]+`/m);
  },
);
