// LocalStackAccess (the real StackAccess) against a stand-in pulumi CLI: the commands it issues, that a
// missing stack has no URNs, and that a secret goes to `pulumi config set` on stdin, never in its argv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalStackAccess } from "../../src/cli/stack-access";

const dir = mkdtempSync(join(tmpdir(), "hive-cli-access-"));
mkdirSync(join(dir, "bin"));
symlinkSync(join(__dirname, "fixtures/pulumi-state.sh"), join(dir, "bin", "pulumi"));
mkdirSync(join(dir, "project"));
writeFileSync(join(dir, "project", "Pulumi.yaml"), "name: hive\nruntime: nodejs\n");
const log = join(dir, "calls.log");
writeFileSync(log, "");
process.env.PATH = `${join(dir, "bin")}:${process.env.PATH}`;
process.env.PULUMI_STUB_LOG = log;
process.env.PULUMI_HOME = join(dir, "pulumi-home");
process.env.PULUMI_BACKEND_URL = `file://${join(dir, "state")}`;
const lines = () => readFileSync(log, "utf8").split("\n").filter((l) => l !== "");

test("stateUrns reads the exported deployment; a missing stack has none and is not created", async () => {
  const access = new LocalStackAccess(join(dir, "project"));
  assert.deepEqual(await access.stateUrns("staging"), [
    "urn:pulumi:staging::hive::pulumi:pulumi:Stack::hive-staging",
    "urn:pulumi:staging::hive::hive:networks:Networks::nets",
  ]);
  assert.ok(lines().some((l) => l.startsWith("CALL\tstack\texport\t--show-secrets\t--stack\tstaging")), lines().join("\n"));
  process.env.PULUMI_STUB_NO_STACK = "1";
  try {
    const before = lines().length;
    assert.deepEqual(await access.stateUrns("staging"), []);
    assert.ok(!lines().slice(before).some((l) => l.includes("--create") || l.includes("\tinit")), "looking never creates a stack");
  } finally {
    delete process.env.PULUMI_STUB_NO_STACK;
  }
});

test("rawOutputs keeps secret values and marks them; getConfig decrypts", async () => {
  const access = new LocalStackAccess(join(dir, "project"));
  const outputs = await access.rawOutputs("staging");
  assert.deepEqual(outputs.sshPrivateKey, { value: "stub-private-key", secret: true });
  assert.deepEqual(outputs.ssh_config, { value: "Host s-hive0\n", secret: false });
  assert.deepEqual(await access.getConfig("staging", "hive:token"), { value: "stub-token-value", secret: true });
  assert.equal(await access.getConfig("staging", "hive:nothing"), undefined);
});

test("setSecret passes the value on stdin only", async () => {
  const access = new LocalStackAccess(join(dir, "project"));
  await access.setSecret("staging", "hive:token", "very-secret-value-42");
  const set = lines().find((l) => l.startsWith("CALL\tconfig\tset"));
  assert.equal(set, "CALL\tconfig\tset\t--secret\t--stack\tstaging\t--non-interactive\thive:token");
  assert.ok(lines().includes("STDIN\tvery-secret-value-42"));
  assert.equal(lines().filter((l) => l.startsWith("CALL") && l.includes("very-secret-value-42")).length, 0);
});
