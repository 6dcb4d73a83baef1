// addon-role.sh applies the project's roles/addon through the real ansible-playbook to one server, from the
// repository server: to a hive over ssh, to the repository server itself locally, as root, with facts, the
// stage's inventory and lib/ (stand-in servers: test/services/stand-in-servers.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { stagingSite } from "../helpers/services-site-fixture";
import type { Site } from "../../src/inventory/model";
import { newScriptEnv, runScript } from "../volumes/run-script";
import { ANSIBLE_VENV, NO_ANSIBLE, PLAYBOOK, rolesStdin, standInServers, STUB_DIR } from "../services/stand-in-servers";

const script = join(__dirname, "../../components/host/scripts/addon-role.sh");
const base = stagingSite();
const site: Site = { ...base, ansibleVars: { groups: { servers: { domain: "example.com" } }, hosts: {}, extra: {}, builtins: { hive_name: "pdns", hive_stage: "staging" } } };

function apply(host: string, stdin: string, env: Record<string, string> = {}) {
  const se = newScriptEnv();
  const servers = standInServers(se, site);
  const r = runScript(
    script,
    se,
    {
      HIVE_HOST: host,
      HIVE_ROLE_PATHS: join(__dirname, "fixtures/addon-project/roles/addon"),
      HIVE_ANSIBLE_VENV: ANSIBLE_VENV,
      HIVE_LIBRARY: join(__dirname, "../services/fixtures/delegating/lib"),
      HIVE_EXTRA_VARS: JSON.stringify({ hive_name: site.name, hive_stage: site.stage }),
      ...servers.env,
      ...env,
    },
    { stubDirs: [STUB_DIR], stdin },
  );
  return { ...r, ssh: servers.readConnections() };
}

test("the addon role runs on a hive over ssh and on the repository server locally, as root, with the inventory", async (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  const stdin = await rolesStdin(site);
  const hive = apply("s-hive1.pdns", stdin);
  assert.equal(hive.status, 0, `${hive.stdout}\n${hive.stderr}`);
  assert.match(hive.stdout, /^s-hive1\.pdns +: ok=\d+ +changed=0 +unreachable=0 +failed=0/m);
  assert.match(hive.ssh, /^admin@192\.168\.0\.69 s-hive1\.pdns$/m);
  const repo = apply("s-hive3.pdns", stdin);
  assert.equal(repo.status, 0, `${repo.stdout}\n${repo.stderr}`);
  assert.match(repo.stdout, /^s-hive3\.pdns +: ok=\d+ +changed=0 +unreachable=0 +failed=0/m);
  assert.equal(repo.ssh, "");
});

test("the addon role fails when a variable it reads is missing or the server is not the one it was applied to", async (t) => {
  if (!existsSync(PLAYBOOK)) return t.skip(NO_ANSIBLE);
  const bare: Site = { ...site, ansibleVars: { ...site.ansibleVars!, groups: {} } };
  const missing = apply("s-hive1.pdns", await rolesStdin(bare));
  assert.notEqual(missing.status, 0);
  assert.match(missing.stdout, /'domain' is undefined/);
  // The repository server's own run reaches another machine: the role sees it and fails.
  const elsewhere = apply("s-hive3.pdns", await rolesStdin(site), { HIVE_STUB_SERVER: "somewhere-else" });
  assert.notEqual(elsewhere.status, 0);
  const none = apply("s-hive1.pdns", "");
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no inventory on standard input/);
});
