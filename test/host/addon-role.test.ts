// The project's Ansible role roles/addon: applied to every server from the repository server, with the stage's
// inventory (secrets inside, on stdin), its lib/, after the server's own setup and the repository's Ansible.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { commands, get, recordChildren, secret, setMocks, settle, value } from "./mock-helpers";

setMocks("staging");

import { threeHivesAndRepoSite } from "../helpers/host-site-fixture";
import { setupHosts } from "../../components/host/setup-hosts";
import { projectAddonRole } from "../../components/host/addon-role";
import { phaseOf } from "../../src/cli/phases";
import type { Site } from "../../src/inventory/model";

const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSH-KEY-MATERIAL\n-----END OPENSSH PRIVATE KEY-----";
const base = threeHivesAndRepoSite();
const site: Site = {
  ...base,
  ansibleVars: { groups: { all: { db_password: { kind: "secret", parts: [{ secret: "db_password" }] } } }, hosts: {}, extra: {}, builtins: { hive_name: "pdns", hive_stage: "staging" } },
};

/** A project with roles/addon (an Ansible role), its setup.sh hook and lib/. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-addon-"));
  cpSync(join(__dirname, "fixtures/addon-project/roles"), join(dir, "roles"), { recursive: true });
  cpSync(join(__dirname, "../services/fixtures/delegating/lib"), join(dir, "lib"), { recursive: true });
  return dir;
}
const dir = project();
after(() => rmSync(dir, { recursive: true, force: true }));

const result = setupHosts(
  "site",
  {
    site,
    connections: Object.fromEntries(site.hosts.map((h, i) => [h.name, { host: `203.0.113.${10 + i}`, user: "admin", privateKey: pulumi.secret(SSH_KEY) }])),
    ca: { certPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----", keyPem: pulumi.secret("CA-KEY") },
    registryPassword: pulumi.secret("registry-pw"),
    addonScript: "echo hook\n",
    projectRolesDir: join(dir, "roles"),
    secrets: { db_password: pulumi.secret("s3cret-db") },
  },
  { transformations: [recordChildren] },
);

test("an AddonRole per server, run on the repository server after that server's setup and the repository's Ansible", async () => {
  await settle();
  assert.deepEqual(result.addonRoles.length, 4);
  for (const h of site.hosts) {
    const unit = get(`site-addon-${h.shortName}`);
    assert.equal(unit.type, "hive:host:AddonRole");
    const run = get(`site-addon-${h.shortName}-run`);
    assert.equal(run.parent, `site-addon-${h.shortName}`);
    assert.equal(((await value(run.props.connection)) as { host: string }).host, "203.0.113.13", "runs on the repository server");
    assert.ok(run.dependsOn.includes("site-repository-ansible-venv"), run.dependsOn.join(" "));
    assert.ok(run.dependsOn.some((d) => d.startsWith(`site-${h.shortName}-`)), `${run.name} waits for the setup of ${h.name}: ${run.dependsOn.join(" ")}`);
    assert.ok(run.dependsOn.includes("site-addon-role-addon") && run.dependsOn.includes("site-addon-role-lib"), run.dependsOn.join(" "));
    const create = (await value(run.props.create)) as string;
    assert.equal(run.props.update, undefined, "a changed role or inventory runs it again (the provider runs create on an update)");
    assert.match(create, new RegExp(`export HIVE_HOST='${h.name.replace(/\./g, "\\.")}'`));
    assert.match(create, /export HIVE_ROLE_PATHS='hive\/roles\/addon-[0-9a-f]{16}'/);
    assert.match(create, /export HIVE_LIBRARY='hive\/lib-[0-9a-f]{16}'/);
    assert.match(create, /roles_playbook "\$work" "become facts"/);
    assert.ok(!create.includes("s3cret-db") && !create.includes("SSH-KEY-MATERIAL"));
    // The inventory (the secret's value inside) and the key travel on stdin, as a secret.
    assert.equal(await secret(run.props.stdin), true);
    const [inventory, , key] = ((await value(run.props.stdin)) as string).trimEnd().split("\n");
    assert.equal((JSON.parse(inventory) as { all: { vars: { db_password: string } } }).all.vars.db_password, "s3cret-db");
    assert.equal(Buffer.from(key, "base64").toString("utf8"), `${SSH_KEY}\n`, "with the final newline OpenSSH needs");
  }
});

test("the role's files are uploaded once, as support of every phase (not a unit of setup-hosts)", async () => {
  await settle();
  assert.equal(get("site-addon-role").type, "hive:roles:AddonRoleFiles");
  assert.equal(get("site-addon-role-addon").type, "command:remote:CopyToRemote");
  assert.deepEqual(get("site-addon-role-dir").dependsOn, ["site-repository-ansible-venv"]);
  assert.equal(commands().filter((c) => c.name.startsWith("site-addon-") && c.name.endsWith("-run")).length, 4);
});

test("setup.sh keeps running as the addon step of each server", async () => {
  await settle();
  for (const h of site.hosts) assert.ok(get(`site-${h.shortName}-addon`, true), `${h.name} has its addon step`);
});

test("projectAddonRole: a role only with tasks/ or meta/; setup.sh alone is the hook, not a role", (t) => {
  const only = mkdtempSync(join(tmpdir(), "hive-addon-hook-"));
  t.after(() => rmSync(only, { recursive: true, force: true }));
  mkdirSync(join(only, "addon"));
  writeFileSync(join(only, "addon", "setup.sh"), "echo hook\n");
  assert.equal(projectAddonRole(only), null);
  assert.equal(projectAddonRole(join(only, "missing")), null);
  assert.equal(projectAddonRole(join(dir, "roles"))?.dir, join(dir, "roles", "addon"));
});

test("phases: an AddonRole is a unit of setup-hosts, its files support every phase", () => {
  assert.deepEqual(phaseOf(["hive:site:Site", "hive:host:AddonRole", "command:remote:Command"]), { phase: "setup-hosts", depth: 1 });
  assert.equal(phaseOf(["hive:site:Site", "hive:roles:AddonRoleFiles", "command:remote:CopyToRemote"]), null);
});
