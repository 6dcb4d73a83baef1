// The access command of prepared servers on the real engine and the real command provider, against test
// server s3: a new admin user through the root password; a second update with nothing to do; the host's
// base step turning password login off; a key rotation through the previous key (which then no longer logs
// in), again stable on the update after; destroy handing password login back and removing the key; a new
// site with a new key on the same server. The test removes its user and settings from the server at the end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { engineMissingReason, loadE2eEnv, pulumiOk, repoRoot, scratchProject } from "./harness";

const cache = process.env.HIVE_E2E_CACHE ?? join(homedir(), ".cache/hive/e2e");
const HOST = "10.88.0.13";
const USER = "hiveop";
const suiteKey = join(cache, "ssh/id_ed25519");
const passwordFile = join(cache, "ssh/root_password");

function ssh(args: string[], input?: string) {
  const res = spawnSync(
    "ssh",
    ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", ...args],
    { encoding: "utf8", input },
  );
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}
const withKey = (key: string, user: string, command: string) =>
  ssh(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no", "-i", key, `${user}@${HOST}`, command]);
const asSuiteAdmin = (command: string) => withKey(suiteKey, "admin", command);

/** Whether root logs in with the password (through an askpass script; the password is never an argument). */
function rootPasswordWorks(dir: string): boolean {
  const askpass = join(dir, "askpass");
  writeFileSync(askpass, `#!/bin/sh\ncat ${JSON.stringify(passwordFile)}\n`, { mode: 0o700 });
  const res = spawnSync(
    "ssh",
    ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no",
      "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1", `root@${HOST}`, "true"],
    { encoding: "utf8", env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force" }, input: "" },
  );
  return res.status === 0;
}

function newKey(dir: string, name: string): string {
  const file = join(dir, name);
  const res = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
  assert.equal(res.status, 0, String(res.stderr));
  return file;
}

function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  const engine = engineMissingReason(env, ["command"]);
  if (engine) return engine;
  if (!existsSync(passwordFile)) return `${passwordFile} is missing: run scripts/e2e/servers.sh up first`;
  const probe = asSuiteAdmin("true");
  return probe.status === 0 ? undefined : `${HOST} does not answer ssh (scripts/e2e/servers.sh up): ${probe.out}`;
}

const stateDir = mkdtempSync(join(tmpdir(), "hive-e2e-state-"));
const env = loadE2eEnv(stateDir);
const missing = skipReason(env);
if (missing) console.log(`# access test skipped: ${missing}`);

test("access: root password, rotation, destroy and a new key on the same server", { skip: missing ?? false }, async (t) => {
  const program = readFileSync(join(repoRoot, "test/e2e/fixtures/access-project/index.ts"), "utf8");
  const dir = scratchProject("hive-e2e-access", { "index.ts": program });
  const keys = mkdtempSync(join(tmpdir(), "hive-e2e-keys-"));
  t.after(() => {
    // Leave s3 as servers.sh made it.
    asSuiteAdmin(`sudo userdel -r ${USER} 2>/dev/null; sudo groupdel ${USER} 2>/dev/null; sudo rm -f /etc/sudoers.d/${USER} /etc/ssh/sshd_config.d/00-hive.conf; sudo pkill -HUP -o -x sshd; true`);
    for (const d of [dir, keys, stateDir]) rmSync(d, { recursive: true, force: true });
  });
  const k1 = newKey(keys, "k1");
  const k2 = newKey(keys, "k2");
  const k3 = newKey(keys, "k3");
  const up = () => pulumiOk(env, dir, ["up", "--yes", "--skip-preview"]).stdout;
  const setKey = (file: string) => pulumiOk(env, dir, ["config", "set", "--secret", "siteKey"], readFileSync(file, "utf8"));

  pulumiOk(env, dir, ["stack", "init", "e2e"]);
  pulumiOk(env, dir, ["config", "set", "repo", repoRoot]);
  pulumiOk(env, dir, ["config", "set", "host", HOST]);
  pulumiOk(env, dir, ["config", "set", "adminUser", USER]);
  pulumiOk(env, dir, ["config", "set", "--secret", "rootPassword"], readFileSync(passwordFile, "utf8").trim());
  setKey(k1);
  assert.notEqual(withKey(k1, USER, "true").status, 0, "the user is new");

  await t.test("a new server: the root password creates the admin user and installs the key", () => {
    const out = up();
    assert.match(out, /logged in with the root password/);
    assert.equal(withKey(k1, USER, "sudo -n true").status, 0);
    const state = pulumiOk(env, dir, ["stack", "export"]).stdout;
    const keyBody = readFileSync(k1, "utf8").split("\n")[1];
    assert.ok(!state.includes(readFileSync(passwordFile, "utf8").trim()), "the root password is in the state");
    assert.ok(!state.includes(keyBody), "the site key is in the state");
    pulumiOk(env, dir, ["up", "--yes", "--expect-no-changes"]);
  });

  await t.test("base turns password login off; a rotation gets in with the previous key and retires it", () => {
    assert.equal(withKey(k1, USER, "printf 'PasswordAuthentication no\\n' | sudo tee /etc/ssh/sshd_config.d/00-hive.conf >/dev/null && sudo pkill -HUP -o -x sshd").status, 0);
    assert.equal(rootPasswordWorks(keys), false, "password login is off, as after the base step");
    setKey(k2);
    const out = up();
    assert.match(out, /logged in with the previous site key/);
    assert.equal(withKey(k2, USER, "sudo -n true").status, 0);
    assert.notEqual(withKey(k1, USER, "true").status, 0, "the previous key is retired");
    // The retired key stays in the inputs: the update after the rotation has nothing to do.
    pulumiOk(env, dir, ["up", "--yes", "--expect-no-changes"]);
  });

  await t.test("destroy gives password login back and removes the key; a new site key gets in again", () => {
    pulumiOk(env, dir, ["destroy", "--yes", "--skip-preview"]);
    assert.equal(rootPasswordWorks(keys), true, "password login is back");
    assert.notEqual(withKey(k2, USER, "true").status, 0, "the destroyed site's key is gone");
    setKey(k3);
    const out = up();
    assert.match(out, /logged in with the root password/);
    assert.equal(withKey(k3, USER, "sudo -n true").status, 0);
    pulumiOk(env, dir, ["destroy", "--yes", "--skip-preview"]);
    pulumiOk(env, dir, ["stack", "rm", "--yes"]);
  });
});
