// Roles that delegate tasks to a server of the stage, as hive-builder's pdns roles do, run through the real
// ansible-playbook (ansible-core from PyPI) by the real init-service.sh with the inventory hive sends it. The
// servers are stood in for by an ssh client stub (test/services/server-stubs) that accepts only the stage's private
// addresses, the admin user and the site's key, and tells the task which server it reached; the service's task
// container is stood in for by a local connection, and the repository server (where roles run) is local anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initEnv } from "../../components/services/service-init";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";
import { newScriptEnv, runScript } from "../volumes/run-script";
import { ANSIBLE_VENV, NO_ANSIBLE, PLAYBOOK, rolesStdin, standInServers, STUB_DIR } from "./stand-in-servers";

const script = join(__dirname, "../../components/services/scripts/init-service.sh");
const fixture = join(__dirname, "fixtures/delegating");

const base = stagingSite();
const site: Site = { ...base, ansibleVars: { groups: { services: { domain: "example.com" } }, hosts: {}, extra: {}, builtins: { hive_name: "pdns", hive_stage: "staging" } } };
const powerdns = site.services.find((s) => s.name === "powerdns")!;

/** Runs the delegating role as powerdns's initialize_roles; the servers answer at their private addresses. */
function run(stdin: string) {
  const se = newScriptEnv();
  writeFileSync(join(se.state, "service-ps"), "powerdns.1.abc123@s-hive1 Running\n");
  const servers = standInServers(se, site);
  const env = {
    ...initEnv(powerdns, site, [], ANSIBLE_VENV, join(fixture, "lib")),
    HIVE_ROLE_PATHS: join(fixture, "roles/delegating"),
    HIVE_ANSIBLE_CONNECTION: "local",
    HIVE_WAIT_TRIES: "1",
    HIVE_WAIT_SECONDS: "0",
    ...servers.env,
  };
  const r = runScript(script, se, env, { stubDirs: [STUB_DIR, join(__dirname, "../images/stubs")], stdin });
  return { ...r, ssh: servers.readConnections() };
}

test("tasks delegated to a server reach that server from the repository server, lib/ modules included", async (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  const ok = run(await rolesStdin(site));
  assert.equal(ok.status, 0, `${ok.stdout}\n${ok.stderr}`);
  assert.match(ok.stdout, /ok=\d+ +changed=0 +unreachable=0 +failed=0/);
  // The hives by ssh at their private addresses as the admin user; the repository server locally.
  for (const h of site.hosts.filter((x) => x.name !== site.repository)) assert.match(ok.ssh, new RegExp(`^admin@${h.privateIp.replace(/\./g, "\\.")} ${h.name}$`, "m"));
  assert.ok(!ok.ssh.includes(site.repository), ok.ssh);
});

test("the delegation fails when it cannot reach the right server", async (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  // Without the site's key the servers refuse the connection.
  const noKey = run(await rolesStdin(site, "another key\n"));
  assert.notEqual(noKey.status, 0);
  assert.match(noKey.stdout, /Permission denied \(publickey\)/);
  // A server whose address leads to another server: the task sees where it ran, and the role fails.
  const hosts = site.hosts.map((h) => (h.name === "s-hive2.pdns" ? { ...h, privateIp: site.hosts.find((x) => x.name === "s-hive0.pdns")!.privateIp } : h));
  const wrong = run(await rolesStdin({ ...site, hosts }));
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stdout, /delegated to s-hive2\.pdns, ran on s-hive0\.pdns/);
});
