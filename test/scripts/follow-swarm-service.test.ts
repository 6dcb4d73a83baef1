// The follow-swarm-service step, run exactly as the program sends it (helpers + step script, with the
// daemon, its unit and the real install script as parameters) against the stub system tools.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { Machine, proveIdempotent, familyOf, ALL_OS } from "./harness";
import { followSwarmServiceEnv } from "../../components/swarm/steps";
import { DAEMON_PATH, UNIT_PATH, UNIT_NAME, daemonSource, renderUnit } from "../../components/swarm/daemon";

const env = followSwarmServiceEnv();
const mode = (m: Machine, path: string) => (statSync(join(m.root, path)).mode & 0o777).toString(8);

const PACKAGES = { el: "python3 iproute iputils", debian: "python3 iproute2 iputils-arping iputils-ping" } as const;

for (const os of ALL_OS) {
  test(`follow-swarm-service (${os}): installs the tools, the daemon and its unit, enables and starts it; a second run changes nothing`, () => {
    proveIdempotent({
      kind: "follow-swarm-service",
      os,
      env,
      expect: [
        `${familyOf(os) === "el" ? "dnf" : "apt-get"} install -y ${PACKAGES[familyOf(os)]}`,
        "systemctl daemon-reload",
        `systemctl enable ${UNIT_NAME}`,
        `systemctl start ${UNIT_NAME}`,
      ],
      failAt: `systemctl start ${UNIT_NAME}`,
      check: (m, first) => {
        assert.equal(m.read(DAEMON_PATH), daemonSource());
        assert.equal(m.read(UNIT_PATH), renderUnit());
        assert.equal(mode(m, DAEMON_PATH), "755");
        assert.equal(mode(m, UNIT_PATH), "644");
        for (const line of [
          `changed: installed ${PACKAGES[familyOf(os)]}`,
          `changed: installed ${DAEMON_PATH}`,
          `changed: installed ${UNIT_PATH}`,
          `changed: enabled ${UNIT_NAME}`,
          `changed: started ${UNIT_NAME}`,
        ]) {
          assert.ok(first.stdout.includes(`follow-swarm-service: ${line}\n`), `${line} missing in:\n${first.stdout}`);
        }
        assert.doesNotMatch(first.stdout, /restarted/);
        assert.equal(first.calls.filter((c) => c.line.startsWith("systemctl daemon-reload")).length, 1);
      },
    });
  });
}

test("follow-swarm-service: new files whose reload failed are reloaded by the next run before the unit starts", () => {
  const m = new Machine("el9");
  try {
    m.failOnce("systemctl daemon-reload");
    const failed = m.run("follow-swarm-service", env);
    assert.notEqual(failed.status, 0);
    assert.ok(failed.calls.some((c) => c.kind === "F" && c.line === "systemctl daemon-reload"));
    assert.equal(m.read(UNIT_PATH), renderUnit());
    const rerun = m.run("follow-swarm-service", env);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.deepEqual(rerun.mutations, ["systemctl daemon-reload", `systemctl enable ${UNIT_NAME}`, `systemctl start ${UNIT_NAME}`]);
    assert.deepEqual(m.run("follow-swarm-service", env).mutations, []);
  } finally {
    m.cleanup();
  }
});

test("follow-swarm-service: a new daemon restarts the running unit; a restart lost to a failure happens on the next run", () => {
  const m = new Machine("el9");
  try {
    assert.equal(m.run("follow-swarm-service", env).status, 0);
    const changed = { ...env, HIVE_FSS_DAEMON: `${env.HIVE_FSS_DAEMON}# changed\n` };
    const r = m.run("follow-swarm-service", changed);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.mutations, [`systemctl restart ${UNIT_NAME}`]);
    assert.match(r.stdout, new RegExp(`changed: installed ${DAEMON_PATH}\\n[^]*changed: restarted ${UNIT_NAME}\\n`));
    assert.equal(m.read(DAEMON_PATH), changed.HIVE_FSS_DAEMON);

    m.failOnce(`systemctl restart ${UNIT_NAME}`);
    const failed = m.run("follow-swarm-service", env);
    assert.notEqual(failed.status, 0);
    assert.match(failed.stderr, /follow-swarm-service: error: install-follow-swarm-service.sh failed/);
    assert.equal(m.read(DAEMON_PATH), env.HIVE_FSS_DAEMON);
    const rerun = m.run("follow-swarm-service", env);
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.deepEqual(rerun.mutations, ["systemctl daemon-reload", `systemctl restart ${UNIT_NAME}`]);
    assert.match(rerun.stdout, /changed: restarted follow-swarm-service.service \(left over from an interrupted run\)/);
    assert.deepEqual(m.run("follow-swarm-service", env).mutations, []);
  } finally {
    m.cleanup();
  }
});

test("follow-swarm-service: a missing parameter is an error before anything changes", () => {
  const m = new Machine("ubuntu24");
  try {
    const r = m.run("follow-swarm-service", { ...env, HIVE_FSS_INSTALL: "" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /follow-swarm-service: error: parameter HIVE_FSS_INSTALL is required/);
    assert.deepEqual(r.mutations, []);
  } finally {
    m.cleanup();
  }
});
