// The Pulumi CLI around the commands: detection (PATH, PULUMI_HOME, none at all) and the engine's lock
// error, through bin/hive.js with stand-in `pulumi` executables on PATH.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPulumi, findPulumi, CliError } from "../../src/cli/context";

const HIVE = join(__dirname, "../../bin/hive.js");
const AUTOMATION_STUB = join(__dirname, "../automation/fixtures/pulumi-stub.sh");
const LOCKED_STUB = join(__dirname, "fixtures/pulumi-locked.sh");

function stubDir(stub: string): { dir: string; bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "hive-cli-pulumi-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(stub, join(bin, "pulumi"));
  const log = join(dir, "calls.log");
  writeFileSync(log, "");
  return { dir, bin, log };
}

test("no Pulumi CLI: hive up exits 2 with an install hint (empty PATH, no PULUMI_HOME)", () => {
  const home = mkdtempSync(join(tmpdir(), "hive-cli-home-"));
  const res = spawnSync(process.execPath, [HIVE, "up"], { encoding: "utf8", env: { PATH: "", HOME: home } });
  assert.equal(res.status, 2, res.stderr);
  assert.equal(res.stdout, "");
  assert.match(res.stderr, /^hive: the Pulumi CLI was not found: install it with `curl -fsSL https:\/\/get\.pulumi\.com \| sh`.*on PATH\n$/);
  assert.throws(() => checkPulumi({ PATH: "", HOME: home }), (e: unknown) => e instanceof CliError && e.exitCode === 2);
});

test("no Pulumi CLI does not stop commands that do not need it", () => {
  const home = mkdtempSync(join(tmpdir(), "hive-cli-home-"));
  const res = spawnSync(process.execPath, [HIVE, "get", "stage"], { encoding: "utf8", env: { PATH: "", HOME: home } });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stdout, /^(private|staging|production)\n$/);
});

test("a CLI found only in $PULUMI_HOME/bin is used and put on PATH", () => {
  const { dir, bin, log } = stubDir(AUTOMATION_STUB);
  const env: NodeJS.ProcessEnv = { PATH: "/usr/bin:/bin", PULUMI_HOME: dir, PULUMI_STUB_LOG: log };
  assert.equal(findPulumi(env), join(bin, "pulumi"));
  assert.equal(checkPulumi(env), join(bin, "pulumi"));
  assert.equal(env.PATH, `${bin}:/usr/bin:/bin`);
  assert.equal(readFileSync(log, "utf8"), "", "finding the CLI does not run it");
});

test("a locked stack: one clear line naming hive unlock / pulumi cancel, exit 1", () => {
  const { dir, bin, log } = stubDir(LOCKED_STUB);
  const res = spawnSync(process.execPath, [HIVE, "up", "-s", "private"], {
    encoding: "utf8",
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: dir,
      PULUMI_HOME: join(dir, "pulumi-home"),
      PULUMI_STUB_LOG: log,
      PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
      PULUMI_SKIP_UPDATE_CHECK: "true",
    },
  });
  assert.equal(res.status, 1, res.stderr);
  const lines = res.stderr.trimEnd().split("\n");
  assert.equal(
    lines.at(-1),
    "hive: stage private is locked by another update: wait for it to finish; if no update is running (a crashed run left the lock), remove the lock with `hive unlock -s private` (= `pulumi cancel -s private`)",
  );
  assert.doesNotMatch(readFileSync(log, "utf8"), /--show-secrets/, "an update reads no secrets through the CLI: its program reports them");
  assert.match(res.stdout, /the stack is currently locked/, "the engine's own output is streamed");
});
