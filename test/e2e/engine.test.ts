// The real Pulumi engine (scripts/e2e/build-engine.sh) runs a TypeScript program the way the
// hive project runs: update, a second update with nothing to do, destroy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  engineMissingReason,
  hasPlugin,
  PROVIDERS,
  loadE2eEnv,
  pulumi,
  pulumiOk,
  repoRoot,
  scratchProject,
} from "./harness";

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const stateDir = mkdtempSync(join(tmpdir(), "hive-e2e-state-"));
const env = loadE2eEnv(stateDir);
const missing = engineMissingReason(env);
if (missing) console.log(`# engine test skipped: ${missing}`);
if (missing) rmSync(stateDir, { recursive: true, force: true });

test("engine: up, no-op up, destroy of a TypeScript program", { skip: missing ?? false }, async (t) => {
  const program = readFileSync(join(repoRoot, "test/e2e/fixtures/engine-project/index.ts"), "utf8");
  const dir = scratchProject("hive-e2e-engine", { "index.ts": program });
  const markerDir = join(dir, "out");
  const marker = join(markerDir, "marker.txt");
  const token = randomBytes(18).toString("hex");
  const withCommand = hasPlugin(env, "resource", "command", PROVIDERS.command);
  const withRandom = hasPlugin(env, "resource", "random", PROVIDERS.random);
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  pulumiOk(env, dir, ["stack", "init", "e2e"]);
  pulumiOk(env, dir, ["config", "set", "markerDir", markerDir]);
  pulumiOk(env, dir, ["config", "set", "--secret", "token"], token);
  pulumiOk(env, dir, ["config", "set", "withCommand", String(withCommand)]);
  pulumiOk(env, dir, ["config", "set", "withRandom", String(withRandom)]);

  pulumiOk(env, dir, ["up", "--yes", "--skip-preview"]);
  assert.equal(readFileSync(marker, "utf8"), "hive e2e\n");

  const outputs = JSON.parse(pulumiOk(env, dir, ["stack", "output", "--json"]).stdout);
  assert.equal(outputs.markerFile, marker);
  assert.equal(outputs.tokenLength, token.length);
  assert.equal(outputs.secretToken, "[secret]");

  await t.test("the secret is encrypted in the state and the config", () => {
    // The check only means something if it reads the stack's real state.
    const stateFiles = filesUnder(stateDir).filter((file) => file.endsWith(".json"));
    assert.ok(
      stateFiles.some((file) => readFileSync(file, "utf8").includes('"secretToken"')),
      `no state file with the stack's outputs among ${stateFiles.join(", ")}`,
    );
    const leaking = filesUnder(stateDir)
      .concat(join(dir, "Pulumi.e2e.yaml"))
      .filter((file) => readFileSync(file, "utf8").includes(token));
    assert.deepEqual(leaking, []);
  });

  await t.test("command.local.Command", { skip: withCommand ? false : "the command provider is not installed" }, () => {
    assert.equal(outputs.echoed, "hive-e2e");
  });

  await t.test("random.RandomPassword", { skip: withRandom ? false : "the random provider is not installed" }, () => {
    // Derived from a secret, the length is a secret too; only --show-secrets reveals it.
    assert.equal(outputs.generatedLength, "[secret]");
    const shown = JSON.parse(pulumiOk(env, dir, ["stack", "output", "--json", "--show-secrets"]).stdout);
    assert.equal(shown.generatedLength, 24);
  });

  await t.test("a second update changes nothing", () => {
    pulumiOk(env, dir, ["up", "--yes", "--skip-preview", "--expect-no-changes"]);
    assert.equal(readFileSync(marker, "utf8"), "hive e2e\n");
  });

  await t.test("--expect-no-changes fails when the program would change something", () => {
    pulumiOk(env, dir, ["config", "set", "markerDir", join(dir, "elsewhere")]);
    const preview = pulumi(env, dir, ["preview", "--expect-no-changes"]);
    assert.notEqual(preview.status, 0, preview.stdout);
    assert.match(preview.stdout, /replace/);
    pulumiOk(env, dir, ["config", "set", "markerDir", markerDir]);
    pulumiOk(env, dir, ["preview", "--expect-no-changes"]);
  });

  await t.test("destroy deletes what the update created", () => {
    pulumiOk(env, dir, ["destroy", "--yes", "--skip-preview"]);
    assert.equal(existsSync(marker), false);
    const remaining = JSON.parse(pulumiOk(env, dir, ["stack", "export"]).stdout);
    assert.deepEqual(remaining.deployment.resources ?? [], []);
    pulumiOk(env, dir, ["stack", "rm", "--yes"]);
  });
});
