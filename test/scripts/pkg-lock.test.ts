// Steps of one server run at the same time; their package commands must take turns (apt and dnf refuse
// a second instance). A fake apt-get that fails when another one runs shows the lock of lib.sh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { componentPath } from "../../components/host/remote";

function machine(): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), "hive-pkg-lock-"));
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "bin"));
  writeFileSync(join(root, "etc/os-release"), "ID=debian\nVERSION_ID=13\nVERSION_CODENAME=trixie\n");
  // Holds a "lock" for 300 ms and fails like apt when another instance holds it.
  const apt = join(root, "bin/apt-get");
  writeFileSync(apt, `#!/bin/bash\nmkdir "${root}/busy" 2>/dev/null || { echo "E: Could not get lock" >&2; exit 100; }\nsleep 0.3\nrmdir "${root}/busy"\n`);
  chmodSync(apt, 0o755);
  return { root, env: { PATH: `${join(root, "bin")}:/usr/bin:/bin`, ROOT: root, HIVE_STEP: "t" } };
}

function run(env: NodeJS.ProcessEnv, body: string): Promise<number | null> {
  const script = `. ${JSON.stringify(componentPath("host/scripts/lib.sh"))}\n${body}\n`;
  return new Promise((resolve) => spawn("bash", ["-c", script], { env, stdio: "ignore" }).on("exit", resolve));
}

test("package commands of concurrent steps take turns through hive_pkg", async () => {
  const { env } = machine();
  const codes = await Promise.all([1, 2, 3, 4].map(() => run(env, "hive_pkg install -y x")));
  assert.deepEqual(codes, [0, 0, 0, 0]);
});

test("without the lock the same commands collide (so the test above can fail)", async () => {
  const { env } = machine();
  const codes = await Promise.all([1, 2, 3, 4].map(() => run(env, "apt-get install -y x")));
  assert.ok(codes.some((c) => c !== 0), `codes ${codes.join(",")}`);
});
