// Each stage of loading an inventory on its own: files → variables → hive definition → hosts → services → model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { InventoryError, ProblemList } from "../../src/inventory/errors";
import { readInventoryFiles } from "../../src/inventory/load-files";
import { readInventoryVariables } from "../../src/inventory/load-variables";
import { readHiveDefinition } from "../../src/inventory/load-hive";
import { deriveHosts, type HostsStage } from "../../src/inventory/load-hosts";
import { deriveServices } from "../../src/inventory/load-services";
import { buildSite } from "../../src/inventory/load-model";
import { splitInternalCidr } from "../../src/inventory/cidr";
import { HIVE, SERVICES, writeInventory } from "./helpers";

/** A server's variables as a template reads them (`hostvars[name]`), each evaluated in its scope when read. */
function hostvars(hosts: HostsStage, name: string): Record<string, unknown> {
  return (hosts.builtins.hostvars as Record<string, Record<string, unknown>>)[name];
}

const GROUP_VARS = {
  "group_vars/all.yml": "who: all\nlevel: all\n",
  "group_vars/servers.yml": "level: servers\n",
  "group_vars/hives.yml": "level: hives\n",
  "group_vars/private.yml": "stage_only: yes-private\n",
  "group_vars/services.yml": "svc_level: services\n",
  "host_vars/p-hive0.demo.yml": "level: host\n",
};

function stages(files: Record<string, string>, stack: Record<string, unknown> = {}) {
  const dir = writeInventory(files);
  const problems = new ProblemList();
  const inv = readInventoryFiles(dir, problems);
  const vars = readInventoryVariables(dir, "private", stack, problems);
  return { dir, problems, inv, vars };
}

test("files: the hive definition and the service definitions are told apart by plugin; others are problems", () => {
  const { problems, inv } = stages({ "hive.yml": HIVE, "b.yml": SERVICES, "a.yml": "plugin: hive_services\nservices: {}\n", "x.yml": "foo: 1\n" });
  assert.match(inv.hiveFile.file, /hive\.yml$/);
  assert.deepEqual(inv.serviceFiles.map((f) => f.file.split("/").pop()), ["a.yml", "b.yml"]);
  assert.equal(problems.items.length, 1);
  assert.match(problems.items[0].message, /not an inventory file/);
  const none = new ProblemList();
  assert.throws(() => readInventoryFiles(writeInventory({ "s.yml": SERVICES }), none), (e: unknown) => e instanceof InventoryError && /no hive definition found/.test(e.message));
});

test("variables: kept raw, layered as hive-builder's Ansible layered them", () => {
  const { vars } = stages({ "hive.yml": HIVE, ...GROUP_VARS, "group_vars/all.yml": "who: '{{ hive_name }}'\nlevel: all\n" }, { stack_only: 1 });
  const raw = (m: Map<string, { raw: unknown }>) => Object.fromEntries([...m].map(([k, v]) => [k, v.raw]));
  assert.deepEqual(raw(vars.siteDefs()), { who: "{{ hive_name }}", level: "servers", stage_only: "yes-private", stack_only: 1 });
  assert.equal(raw(vars.hostDefs("p-hive0.demo", ["first_hive", "hives", "servers", "private"])).level, "host");
  assert.equal(raw(vars.hostDefs("p-hive1.demo", ["hives", "servers", "private"])).level, "hives");
  assert.equal(raw(vars.hostDefs("p-hive3.demo", ["repository", "servers", "private"])).level, "servers");
  assert.deepEqual(raw(vars.serviceDefs()), { who: "{{ hive_name }}", level: "all", svc_level: "services", stage_only: "yes-private", stack_only: 1 });
  // Stack config wins over host_vars.
  const withStack = stages({ "hive.yml": HIVE, ...GROUP_VARS }, { level: "stack" }).vars;
  assert.equal(withStack.hostDefs("p-hive0.demo", ["hives", "servers", "private"]).get("level")!.raw, "stack");
});

test("hive definition: the requested stage derived; first_hive from the variables", () => {
  const { problems, inv, vars } = stages({ "hive.yml": HIVE, "group_vars/hives.yml": "first_hive: 1\n" });
  const hive = readHiveDefinition(inv, "private", vars, problems);
  assert.equal(hive.name, "demo");
  assert.equal(hive.derived.firstHive, "p-hive1.demo");
  assert.deepEqual(hive.derived.hosts.map((h) => h.privateIp), ["10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13"]);
  const missing = stages({ "hive.yml": HIVE.replace(/ {2}private:[\s\S]*?(?= {2}staging:)/, "") });
  assert.throws(() => readHiveDefinition(missing.inv, "private", missing.vars, missing.problems), /stages\.private: not defined; defined stages: staging/);
});

test("hosts: each server's variables evaluated with its built-ins; site variables without per-server ones", () => {
  const files = { "hive.yml": HIVE, ...GROUP_VARS, "group_vars/servers.yml": "level: servers\nme: '{{ inventory_hostname }}'\n" };
  const { dir, problems, inv, vars } = stages(files);
  const hive = readHiveDefinition(inv, "private", vars, problems);
  const hosts = deriveHosts({ dir, stage: "private", name: hive.name, derived: hive.derived, vars, hiveFile: inv.hiveFile, env: {} }, problems);
  assert.deepEqual(problems.items, []);
  // Evaluated per server when read; the model keeps only hive's own variables.
  assert.equal(hostvars(hosts, "p-hive0.demo").me, "p-hive0.demo");
  assert.equal(hostvars(hosts, "p-hive0.demo").level, "host");
  assert.equal(hostvars(hosts, "p-hive3.demo").level, "servers");
  assert.deepEqual([hosts.hosts[0].vars, hosts.siteVars], [{}, {}]);
  assert.equal(hosts.repository, "p-hive3.demo");
  assert.equal(hosts.adminUser, "admin");
});

test("services and model: services derived from the services' variables, then allocated into one frozen site", () => {
  const files = { "hive.yml": HIVE, ...GROUP_VARS, "s.yml": "plugin: hive_services\nservices:\n  web:\n    image: nginx:1\n    environment: {L: '{{ svc_level }}'}\n    ports: ['80']\n" };
  const { dir, problems, inv, vars } = stages(files);
  const hive = readHiveDefinition(inv, "private", vars, problems);
  const hosts = deriveHosts({ dir, stage: "private", name: hive.name, derived: hive.derived, vars, hiveFile: inv.hiveFile, env: {} }, problems);
  const internal = splitInternalCidr(null);
  const services = deriveServices({ stage: "private", files: inv, vars, hosts, internal }, problems);
  assert.deepEqual(services.services.map((s) => [s.name, s.environment.L, s.ports[0].published]), [["web", "services", null]]);
  assert.deepEqual(services.networks.map((n) => n.name), ["hive_default_network"]);
  const site = buildSite({ dir, stage: "private", hiveFile: inv.hiveFile, hive, hosts, services, internal, previous: { ports: { web80: 61005 }, minors: {} } }, problems);
  assert.equal(site.services[0].ports[0].published, 61005);
  assert.deepEqual(site.newAllocations, { ports: {}, minors: {} });
  assert.equal(site.inventoryDir, join(dir));
});

test("hosts: hostvars holds every variable of a server, evaluated in that server's scope; groups has hosts", () => {
  const files = {
    "hive.yml": HIVE,
    ...GROUP_VARS,
    "group_vars/servers.yml": "level: servers\nme: '{{ inventory_hostname }}'\n",
    "group_vars/all.yml": "who: all\nlevel: all\nhive_peer_ip: \"{{ hostvars[groups['hives'][1]].hive_private_ip }}\"\nhive_first_level: \"{{ hostvars['p-hive0.demo'].level }}\"\nhive_first_me: \"{{ hostvars['p-hive0.demo'].me }}\"\nhive_n_hosts: \"{{ groups['hosts'] | length }}\"\n",
  };
  const { dir, problems, inv, vars } = stages(files);
  const hive = readHiveDefinition(inv, "private", vars, problems);
  const hosts = deriveHosts({ dir, stage: "private", name: hive.name, derived: hive.derived, vars, hiveFile: inv.hiveFile, env: {} }, problems);
  assert.deepEqual(problems.items, []);
  assert.equal(hosts.siteVars.hive_peer_ip, "10.0.0.11");
  assert.equal(hosts.siteVars.hive_first_level, "host");
  assert.equal(hosts.siteVars.hive_first_me, "p-hive0.demo");
  assert.equal(hosts.siteVars.hive_n_hosts, 4);
  assert.equal(hosts.hosts[2].vars.hive_first_level, "host");
});

test("group_names of a server lists its groups as Ansible does, hosts included", () => {
  const { dir, problems, inv, vars } = stages({ "hive.yml": HIVE, "group_vars/servers.yml": "mine: \"{{ group_names | join(',') }}\"\n" });
  const hive = readHiveDefinition(inv, "private", vars, problems);
  const hosts = deriveHosts({ dir, stage: "private", name: hive.name, derived: hive.derived, vars, hiveFile: inv.hiveFile, env: {} }, problems);
  assert.equal(hostvars(hosts, "p-hive0.demo").mine, "first_hive,hives,hosts,private,servers");
});

test("a stage written as .nan is described as written, not as NaN", () => {
  const { problems, inv, vars } = stages({ "hive.yml": HIVE.replace(/ {2}staging:[\s\S]*$/, "  staging: .nan\n") });
  readHiveDefinition(inv, "private", vars, problems);
  assert.ok(problems.items.some((p) => p.message === "stages.staging: must be a mapping, but is the number .nan"), JSON.stringify(problems.items));
});
