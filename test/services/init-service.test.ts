import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initEnv } from "../../components/services/service-init";
import { resolveRoles } from "../../components/images/image-hash";
import { stagingSite } from "../helpers/services-site-fixture";
import { newScriptEnv, runScript } from "../volumes/run-script";

const script = join(__dirname, "../../components/services/scripts/init-service.sh");
const stubs = [join(__dirname, "../images/stubs")];
const site = stagingSite();
const powerdns = site.services.find((s) => s.name === "powerdns")!;
const roles = resolveRoles(powerdns.initializeRoles, join(__dirname, "fixtures", "roles"));
const { HIVE_INVENTORY_STDIN: _stdin, ...plainEnv } = initEnv(powerdns, site, roles, join(__dirname, "../images/venv"));
void _stdin;
// Without an inventory (HIVE_INVENTORY_STDIN unset) the roles run on the task alone.
const env: Record<string, string> = { ...plainEnv, HIVE_WAIT_TRIES: "2", HIVE_WAIT_SECONDS: "0" };

test("runs the roles in the first running task, on that task's node", () => {
  const se = newScriptEnv();
  writeFileSync(
    join(se.state, "service-ps"),
    "powerdns.1.oldtask@s-hive2 Preparing\npowerdns.1.abc123@s-hive1 Running\npowerdns.2.def456@s-hive0 Running\n",
  );
  const r = runScript(script, se, env, { stubDirs: stubs });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.calls[0],
    "docker -H tcp://s-hive0.pdns:2376 --tlsverify service ps --no-trunc --filter desired-state=running --format {{.Name}}.{{.ID}}@{{.Node}} {{.CurrentState}} powerdns",
  );
  assert.match(r.calls[1], /^ansible-playbook -i \/.*\/target\.json -l powerdns -e @\/.*\/vars\.json \/.*\/playbook\.yml$/);
  // The task is the connection of host powerdns alone: tasks delegated to a server keep that server's.
  assert.deepEqual(JSON.parse(readFileSync(join(se.state, "last-target.json"), "utf8")), {
    all: {
      hosts: {
        powerdns: {
          ansible_host: "powerdns.1.abc123",
          ansible_connection: "community.docker.docker",
          ansible_docker_extra_args: "-H tcp://s-hive1.pdns:2376 --tlsverify",
        },
      },
    },
  });
  assert.equal(r.calls.length, 2);
  const paths = env.HIVE_ROLE_PATHS.split(":");
  assert.equal(
    readFileSync(join(se.state, "last-playbook.yml"), "utf8"),
    `- hosts: all\n  gather_facts: false\n  roles:\n    - role: "${se.root}/${paths[0]}"\n    - role: "${se.root}/${paths[1]}"\n`,
  );
});

test("no running task: waits, then fails with a hint and runs no role", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "service-ps"), "powerdns.1.x@s-hive0 Starting\n");
  const r = runScript(script, se, env, { stubDirs: stubs });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no running task after waiting/);
  assert.equal(r.calls.filter((c) => c.startsWith("ansible-playbook")).length, 0);
  assert.equal(r.calls.length, 2);
});

test("with the stage's inventory on stdin the roles run on the service's host of it, with the extra variables", () => {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "service-ps"), "powerdns.1.abc123@s-hive1 Running\n");
  const full: Record<string, string> = { ...initEnv(powerdns, site, roles, join(__dirname, "../images/venv")), HIVE_WAIT_TRIES: "2", HIVE_WAIT_SECONDS: "0" };
  assert.equal(full.HIVE_INVENTORY_STDIN, "1");
  const stdin = `${JSON.stringify({ all: { hosts: { powerdns: {} } } })}\n${JSON.stringify({ k: "v" })}\n\n`;
  const r = runScript(script, se, full, { stubDirs: stubs, stdin });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.calls[1],
    /^ansible-playbook -i \/.*\/inventory\.json -i \/.*\/target\.json -l powerdns -e @\/.*\/vars\.json -e @\/.*\/extra\.json \/.*\/playbook\.yml$/,
  );
  const none = runScript(script, se, full, { stubDirs: stubs, stdin: "" });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no inventory on standard input/);
});
