// Runs the daemon's Python unit tests (decision core and I/O shell with faked commands).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

test("python unit tests of follow-swarm-service pass", (t) => {
  const probe = spawnSync("python3", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    t.skip("python3 is not installed");
    return;
  }
  const run = spawnSync("python3", ["-m", "unittest", "discover", "-s", "components/swarm/daemon/tests", "-v"], {
    cwd: root,
    encoding: "utf8",
  });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, output);
  const ran = /^Ran (\d+) tests? in/m.exec(output);
  assert.ok(ran, output);
  assert.ok(Number(ran[1]) >= 40, `only ${ran[1]} tests ran:\n${output}`);
  assert.match(output, /^OK$/m);
  assert.doesNotMatch(output, /skipped/);
});
