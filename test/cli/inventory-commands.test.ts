// `hive validate` and `hive inventory`: exit codes, stderr and the --json field names (SPEC §3.5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "../..");
const HIVE_JS = join(root, "bin/hive.js");

function hive(args: string[], cwd = root) {
  const res = spawnSync(process.execPath, [HIVE_JS, ...args], { cwd, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

test("validate: exit 0 and a summary for the pdns example", () => {
  const r = hive(["validate", "-s", "staging", "-i", "examples/pdns/inventory"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "pdns: stage staging, provider aws, inventory is valid");
  assert.equal(lines[1], "hosts (4):");
  assert.equal(lines[2], "  s-hive0.pdns  192.168.0.5      ap-northeast-1d   first_hive,hives");
  assert.ok(lines.includes("  proxy_config: drbd 80M xfs (configure, proxy)"));
  assert.ok(lines.includes("firewall: tcp 53,80,443; udp 53"));
  assert.ok(r.stdout.split("\n").length < 25, "fits one screen");
});

test("validate: exit 1 and file:line:column errors on stderr", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-cli-"));
  try {
    writeFileSync(join(dir, "hive.yml"), "plugin: hive_inventory\nname: demo\nstages:\n  private:\n    provider: prepared\n    cidr: 10.0.0.0/24\n    sepparate_repository: false\n");
    const r = hive(["validate", "-i", dir], dir);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^hive\.yml:7:5: stages\.private\.sepparate_repository: unknown attribute \(did you mean "separate_repository"\?\); allowed: provider, /);
    assert.match(r.stderr, /\n1 problem found\n$/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("validate: a missing inventory folder is an error, not a crash", () => {
  const r = hive(["validate", "-s", "staging", "-i", "no/such/dir"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^no\/such\/dir:1:1: inventory folder not found\n/);
});

test("the inventory folder defaults to hive:inventory of Pulumi.<stage>.yaml, else inventory/", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-cli-"));
  try {
    mkdirSync(join(dir, "inventory"));
    writeFileSync(join(dir, "inventory", "hive.yml"), "plugin: hive_inventory\nname: one\nstages:\n  private:\n    provider: prepared\n    cidr: 10.0.0.0/24\n    separate_repository: false\n    number_of_hosts: 1\n");
    assert.match(hive(["validate"], dir).stdout, /^one: stage private, provider prepared/);
    writeFileSync(join(dir, "Pulumi.staging.yaml"), `config:\n  hive:inventory: ${join(root, "examples/pdns/inventory")}\n  hive:vars:\n    first_hive: 2\n`);
    const r = hive(["inventory", "-s", "staging", "--json"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).firstHive, "s-hive2.pdns");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("inventory --json: exactly the contract's field names", () => {
  const r = hive(["inventory", "-s", "staging", "-i", "examples/pdns/inventory", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j), ["name", "stage", "provider", "hosts", "repository", "registry", "firstHive", "internalNetworks", "firewall", "services", "volumes", "networks"]);
  assert.deepEqual(Object.keys(j.hosts[0]), ["name", "shortName", "privateIp", "subnet", "availabilityZone", "groups", "instanceType", "diskSize", "mirroredDiskSize"]);
  assert.deepEqual(Object.keys(j.internalNetworks), ["overlay", "ingress", "gwbridge", "docker0", "registry", "zabbix"]);
  assert.deepEqual(Object.keys(j.firewall), ["tcp", "udp"]);
  assert.deepEqual(Object.keys(j.services[0]), ["name", "image", "build", "ports", "volumes", "replicas", "mode", "endpointMode", "labels", "placement"]);
  assert.deepEqual(Object.keys(j.services[0].ports[0]), ["target", "published", "protocol", "mode"]);
  assert.deepEqual(Object.keys(j.volumes[0]), ["name", "kind", "drbd"]);
  assert.deepEqual(Object.keys(j.volumes[0].drbd), ["fstype", "size", "minor", "port", "diskless"]);
  assert.deepEqual(j.volumes[0], { name: "pdnsdb_data", kind: "drbd", drbd: { fstype: "xfs", size: "500M", minor: null, port: null, diskless: [] } });
  assert.deepEqual(j.hosts[3], { name: "s-hive3.pdns", shortName: "s-hive3", privateIp: "192.168.0.6", subnet: "subnet-a", availabilityZone: "ap-northeast-1d", groups: ["repository", "servers", "staging"], instanceType: "t3.large", diskSize: null, mirroredDiskSize: null });
  assert.equal(j.services[1].build.from, "mariadb:10.4");
  assert.equal(j.services[0].build, null);
  assert.equal(r.stdout.includes("registry_password"), false, "no secret names or values");
});

test("inventory without --json prints YAML of the same object", () => {
  const r = hive(["inventory", "-s", "production", "-i", "examples/pdns/inventory"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^name: pdns\nstage: production\nprovider: azure\nhosts:\n {2}- name: hive0\.pdns\n/);
});

test("the program also runs through a link named hive (what npm and npx install)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hive-cli-"));
  try {
    symlinkSync(HIVE_JS, join(dir, "hive"));
    const res = spawnSync(process.execPath, [join(dir, "hive"), "validate", "-s", "private", "-i", "examples/pdns/inventory"], { cwd: root, encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^pdns: stage private, provider prepared, inventory is valid\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
