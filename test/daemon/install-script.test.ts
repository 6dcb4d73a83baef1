// Runs the real install script against a temp ROOT with a stub systemctl that records its calls
// and keeps enabled/active state, so a second run can be shown to change nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INSTALL_SCRIPT_PATH, daemonSource, renderUnit } from "../../components/swarm/daemon";

const QUERIES = new Set(["is-enabled", "is-active"]);

interface Sandbox {
  dir: string;
  root: string;
  env: NodeJS.ProcessEnv;
  run(): { status: number | null; stdout: string; stderr: string };
  calls(): string[];
  mutatingCalls(): string[];
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "hive-fss-install-"));
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  spawnSync("mkdir", ["-p", bin, state, join(dir, "root")]);
  writeFileSync(
    join(bin, "systemctl"),
    `#!/usr/bin/env bash
echo "$*" >> "${dir}/calls"
verb="$1"; shift
[ "\${1:-}" = --quiet ] && shift
case "$verb" in
  is-enabled) [ -e "${state}/enabled" ] ;;
  is-active) [ -e "${state}/active" ] ;;
  enable) touch "${state}/enabled" ;;
  start|restart) touch "${state}/active" ;;
  daemon-reload) ;;
  *) echo "unexpected systemctl $verb" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(join(bin, "systemctl"), 0o755);
  for (const tool of ["docker", "ip", "iptables", "arping"]) {
    writeFileSync(join(bin, tool), "#!/bin/sh\necho \"unexpected call: $0 $*\" >&2\nexit 2\n");
    chmodSync(join(bin, tool), 0o755);
  }
  writeFileSync(join(dir, "daemon.py"), daemonSource());
  writeFileSync(join(dir, "unit"), renderUnit());
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    DAEMON_SRC: join(dir, "daemon.py"),
    UNIT_SRC: join(dir, "unit"),
    ROOT: join(dir, "root"),
  };
  const calls = () => (existsSync(join(dir, "calls")) ? readFileSync(join(dir, "calls"), "utf8").trim().split("\n") : []);
  return {
    dir,
    root: env.ROOT,
    env,
    run: () => spawnSync("bash", [INSTALL_SCRIPT_PATH], { env, encoding: "utf8" }),
    calls,
    mutatingCalls: () => calls().filter((c) => !QUERIES.has(c.split(" ")[0])),
  };
}

function withSandbox(body: (s: Sandbox) => void): void {
  const s = sandbox();
  try {
    body(s);
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
}

const daemonDst = (s: Sandbox) => join(s.root, "usr/local/lib/hive/follow-swarm-service.py");
const unitDst = (s: Sandbox) => join(s.root, "etc/systemd/system/follow-swarm-service.service");

test("first run installs both files, reloads, enables and starts", () => {
  withSandbox((s) => {
    const r = s.run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(daemonDst(s), "utf8"), daemonSource());
    assert.equal(readFileSync(unitDst(s), "utf8"), renderUnit());
    assert.equal(statSync(daemonDst(s)).mode & 0o777, 0o755);
    assert.equal(statSync(unitDst(s)).mode & 0o777, 0o644);
    assert.deepEqual(s.calls(), [
      "daemon-reload",
      "is-enabled --quiet follow-swarm-service.service",
      "enable follow-swarm-service.service",
      "is-active --quiet follow-swarm-service.service",
      "start follow-swarm-service.service",
    ]);
    assert.equal(r.stdout, `installed ${daemonDst(s)}\ninstalled ${unitDst(s)}\n`);
  });
});

test("second run changes nothing", () => {
  withSandbox((s) => {
    assert.equal(s.run().status, 0);
    const before = [statSync(daemonDst(s)).mtimeMs, statSync(unitDst(s)).mtimeMs];
    unlinkSync(join(s.dir, "calls"));
    const r = s.run();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.deepEqual(s.mutatingCalls(), []);
    assert.deepEqual(s.calls(), [
      "is-enabled --quiet follow-swarm-service.service",
      "is-active --quiet follow-swarm-service.service",
    ]);
    assert.deepEqual([statSync(daemonDst(s)).mtimeMs, statSync(unitDst(s)).mtimeMs], before);
  });
});

test("a new daemon restarts the unit without a reload; a new unit reloads too", () => {
  withSandbox((s) => {
    assert.equal(s.run().status, 0);
    unlinkSync(join(s.dir, "calls"));
    writeFileSync(s.env.DAEMON_SRC as string, daemonSource() + "\n# changed\n");
    assert.equal(s.run().status, 0);
    assert.deepEqual(s.mutatingCalls(), ["restart follow-swarm-service.service"]);
    unlinkSync(join(s.dir, "calls"));
    writeFileSync(s.env.UNIT_SRC as string, renderUnit({ environment: { HIVE_LOG_LEVEL: "DEBUG" } }));
    assert.equal(s.run().status, 0);
    assert.deepEqual(s.mutatingCalls(), ["daemon-reload", "restart follow-swarm-service.service"]);
    assert.match(readFileSync(unitDst(s), "utf8"), /HIVE_LOG_LEVEL=DEBUG/);
  });
});

test("a stopped or disabled unit is brought back", () => {
  withSandbox((s) => {
    assert.equal(s.run().status, 0);
    unlinkSync(join(s.dir, "state", "active"));
    unlinkSync(join(s.dir, "calls"));
    assert.equal(s.run().status, 0);
    assert.deepEqual(s.mutatingCalls(), ["start follow-swarm-service.service"]);
    unlinkSync(join(s.dir, "state", "enabled"));
    unlinkSync(join(s.dir, "calls"));
    assert.equal(s.run().status, 0);
    assert.deepEqual(s.mutatingCalls(), ["enable follow-swarm-service.service"]);
  });
});

test("missing inputs are refused before anything is installed", () => {
  withSandbox((s) => {
    delete s.env.DAEMON_SRC;
    const r = s.run();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /DAEMON_SRC must name the daemon source file/);
    assert.deepEqual(s.calls(), []);
    assert.equal(existsSync(unitDst(s)), false);
  });
});
