// `hive import-inventory`: the pdns example (hive-builder's own example site) loads unchanged; a broken copy reports
// positions; persistents.yml allocations and hive-builder files are reported.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkHiveBuilderProject, formatReport, ledgerCommand } from "../../src/cli/commands/import-inventory";
import { harness } from "./helpers";

const EXAMPLE_INVENTORY = join(__dirname, "../../examples/pdns/inventory");

/** A writable hive-builder-shaped project (inventory/ at its top) holding the pdns example inventory. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "hive-import-"));
  cpSync(EXAMPLE_INVENTORY, join(dir, "inventory"), { recursive: true });
  return dir;
}

test("an unchanged hive-builder project: every stage loads", () => {
  const dir = project();
  const report = checkHiveBuilderProject(dir);
  assert.deepEqual(report.stages.map((s) => s.status), ["ok", "ok", "ok"]);
  assert.equal(report.inventoryDir, join(dir, "inventory"));
  assert.deepEqual(report.ledgers, []);
  assert.match(formatReport(report, dir), /^private: loads unchanged \(\d+ hosts, \d+ services\)$/m);
});

test("problems are reported per stage with file:line:column, and the command exits 1", async () => {
  const dir = project();
  const hiveYml = join(dir, "inventory", "hive.yml");
  const edited = readFileSync(hiveYml, "utf8").replace(/^(\s+)cidr:/m, "$1cidrr:");
  writeFileSync(hiveYml, edited);
  const line = edited.split("\n").findIndex((l) => l.includes("cidrr:")) + 1;
  const h = harness({ inventory: false });
  assert.equal(await h.run("import-inventory", dir), 1);
  assert.match(h.out(), /^private: needs editing \(2 problems\)$/m);
  assert.match(h.out(), new RegExp(`^ {2}\\S*inventory/hive\\.yml:${line}:5: stages\\.private\\.cidrr: unknown attribute \\(did you mean "cidr"\\?\\)`, "m"));
  assert.equal(h.out().split("\n").filter((l) => l.includes("cidrr:")).length, 1, "a problem shared by every stage is listed once");
  assert.match(h.err(), /hive: some stages need editing/);
});

test("a missing stage is reported as not defined, not as a problem", () => {
  const dir = project();
  const hiveYml = join(dir, "inventory", "hive.yml");
  const text = readFileSync(hiveYml, "utf8");
  writeFileSync(hiveYml, text.slice(0, text.search(/^ {2}production:/m)));
  const report = checkHiveBuilderProject(dir);
  assert.deepEqual(report.stages.map((s) => s.status), ["ok", "ok", "undefined"]);
  assert.match(formatReport(report, dir), /^production: not defined in the hive definition$/m);
});

test("persistents.yml allocations become a ledger import command; hive-builder files are listed", async () => {
  const dir = project();
  mkdirSync(join(dir, ".hive"));
  writeFileSync(
    join(dir, ".hive", "persistents.yml"),
    [
      "stage:",
      "  global: staging",
      "drbd_device_map:",
      "  staging:",
      "    pdnsdb_data: 1",
      "    pdnsadmin_data: 2",
      "published_port_map:",
      "  staging:",
      "    powerdns53: 53",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "ansible.cfg"), "[defaults]\n");
  writeFileSync(join(dir, "site.yml"), "- hosts: all\n");
  mkdirSync(join(dir, "roles"));
  const report = checkHiveBuilderProject(dir);
  assert.deepEqual(report.ledgers, [{ stage: "staging", minors: { pdnsdb_data: 1, pdnsadmin_data: 2 }, ports: { powerdns53: 53 } }]);
  assert.equal(report.persistedStage, "staging");
  assert.equal(ledgerCommand(report.ledgers[0]), `hive set -s staging allocations '{"ports":{"powerdns53":53},"minors":{"pdnsdb_data":1,"pdnsadmin_data":2}}'`);
  // Only what hive does not support is listed: ansible.cfg and a playbook; not roles/ (build roles are used).
  assert.deepEqual(report.unsupported.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}`), ["ansible.cfg:1", "site.yml:1"]);
  const h = harness({ inventory: false });
  assert.equal(await h.run("import-inventory", dir), 1, h.err());
  assert.match(h.err(), /hive: the project uses constructs hive does not support/);
  assert.match(h.out(), /staging: 2 DRBD minors, 1 published ports; import as the previous ledger with:\n {4}hive set -s staging allocations/);
  assert.match(h.out(), /`hive set stage staging`/);
  assert.match(h.out(), /^ {2}\S*ansible\.cfg:1:1: not read/m);
  const json = harness({ inventory: false });
  assert.equal(await json.run("import-inventory", dir, "--json"), 1, json.err());
  assert.equal((JSON.parse(json.out()) as { persistedStage: string }).persistedStage, "staging");
});

test("a folder that does not exist", async () => {
  const h = harness({ inventory: false });
  assert.equal(await h.run("import-inventory", "/nonexistent/project"), 1);
  assert.equal(h.err(), "hive: /nonexistent/project does not exist\n");
});

test("every unsupported construct is listed with file:line:column, supported ones are not, each once", async () => {
  const dir = project();
  const all = join(dir, "inventory", "group_vars", "all.yml");
  const extra = [
    "ok_filters: \"{{ domain | regex_replace('a', 'b') | combine({}) if false else domain | default('x') | upper }}\"",
    "hive_x: \"{{ '2024-01-01' | to_datetime }}\"",
    "hive_cm: \"{{ lookup('url', 'https://example.com') }}\"",
    "# comment: {{ x | nope }}",
    "hive_os: \"{{ ansible_distribution }}\"",
    // Not hive's own variables: Ansible evaluates them for the roles.
    "role_os: \"{{ ansible_distribution | to_datetime }}\"",
  ];
  const base = readFileSync(all, "utf8");
  writeFileSync(all, `${base}${extra.join("\n")}\n`);
  const line = (text: string) => base.split("\n").length - 1 + extra.indexOf(text) + 1;
  mkdirSync(join(dir, "roles", "addon", "tasks"), { recursive: true });
  writeFileSync(join(dir, "roles", "addon", "tasks", "main.yml"), "- debug: msg=hi\n");
  // The addon role (applied to every server) and lib/ modules (the roles' module path) are supported: not listed.
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "lib", "powerdns_zone.py"), "# module\n");
  const report = checkHiveBuilderProject(dir);
  const listed = report.unsupported.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}:${p.column}: ${p.message.split(" ").slice(0, 2).join(" ")}`);
  assert.deepEqual(listed, [
    `inventory/group_vars/all.yml:${line(extra[1])}:10: filter "to_datetime"`,
    `inventory/group_vars/all.yml:${line(extra[2])}:11: lookup('url') is`,
    `inventory/group_vars/all.yml:${line(extra[4])}:11: variable "ansible_distribution"`,
  ]);
  // The stages fail on the same lines; those are listed once, under Not supported.
  const text = formatReport(report, dir);
  assert.equal(text.split("\n").filter((l) => l.includes(`all.yml:${line(extra[1])}:`)).length, 1, text);
  const h = harness({ inventory: false });
  assert.equal(await h.run("import-inventory", dir), 1);
});
