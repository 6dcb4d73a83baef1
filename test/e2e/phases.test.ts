// A phase command on a new stack of the test site, on the real engine, language host and the four providers
// against the servers of scripts/e2e/servers.sh: `hive build-infra` creates only the keys and the servers'
// access (the engine configures every provider, so none may wait for a host), a second run changes nothing,
// and `hive destroy` removes it all. The later phases need hosts that can install packages (see docs/e2e.md).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { engineMissingReason, loadE2eEnv, projectCopy, pulumiOk, repoRoot } from "./harness";

const key = join(process.env.HIVE_E2E_CACHE ?? join(homedir(), ".cache/hive/e2e"), "ssh/id_ed25519");
const stateDir = mkdtempSync(join(tmpdir(), "hive-e2e-state-"));
const env = loadE2eEnv(stateDir);

function skipReason(): string | undefined {
  const engine = engineMissingReason(env, ["command", "random", "tls", "docker"]);
  if (engine) return engine;
  const probe = spawnSync("ssh", ["-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5", "admin@10.88.0.11", "true"]);
  return probe.status === 0 ? undefined : "10.88.0.11 does not answer ssh (scripts/e2e/servers.sh up)";
}
const missing = skipReason();
if (missing) console.log(`# phases test skipped: ${missing}`);

function hive(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(dir, "bin/hive.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("hive build-infra on a new stack, again with nothing to do, then destroy", { skip: missing ?? false }, (t) => {
  const dir = projectCopy();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  cpSync(join(repoRoot, "test/e2e/fixtures/site"), join(dir, "site"), { recursive: true });
  pulumiOk(env, dir, ["stack", "init", "private"]);
  pulumiOk(env, dir, ["config", "set", "hive:inventory", "site/inventory"]);
  pulumiOk(env, dir, ["config", "set", "--secret", "hive:sshPrivateKey"], readFileSync(key, "utf8"));

  const first = hive(dir, ["build-infra", "-s", "private"]);
  assert.equal(first.status, 0, first.out);
  assert.match(first.out, /hive: up succeeded: create \d+/);
  const created = pulumiOk(env, dir, ["stack", "export"]).stdout;
  for (const name of ["e2e-prepared-p-hive0-access", "e2e-prepared-p-hive2-access", "e2e-workloads-docker-p-hive1"]) assert.ok(created.includes(`::${name}"`), `${name} is in the state`);
  // Nothing of the host setup ran: it is a later phase.
  assert.ok(!created.includes("::e2e-p-hive0-base\""), "the base step is not in the state");

  const second = hive(dir, ["build-infra", "-s", "private"]);
  assert.equal(second.status, 0, second.out);
  assert.doesNotMatch(second.out, /create \d|update \d|delete \d|replace \d/);

  const destroy = hive(dir, ["destroy", "-s", "private", "--yes"]);
  assert.equal(destroy.status, 0, destroy.out);
  assert.match(destroy.out, /hive: destroy succeeded: delete \d+/);
});
