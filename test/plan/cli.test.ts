// `hive plan` end to end through bin/hive.js on the example inventories: no cloud credentials, no Pulumi CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.join(__dirname, "../..");
const env = { ...process.env, PATH: "/usr/bin:/bin", AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", PULUMI_CONFIG: "" };

function hive(...args: string[]) {
  const res = spawnSync(process.execPath, [path.join(root, "bin/hive.js"), ...args], { cwd: root, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(res.status, 0, res.stderr);
  assert.ok(!/PRIVATE KEY/.test(res.stdout), "a private key in the output");
  return res.stdout;
}

interface JsonPlan {
  resources: { type: string; name: string; parent: string | null; protect: boolean; inputs: Record<string, unknown> }[];
}

test("staging (aws): tree with the VPC, four instances and Elastic IPs", () => {
  const out = hive("plan", "-s", "staging", "-i", "examples/pdns/inventory");
  assert.match(out, /^pulumi:pulumi:Stack hive-staging$/m);
  assert.match(out, /aws:ec2\/vpc:Vpc pdns-aws-vpc {2}cidrBlock=192\.168\.0\.0\/24/);
  assert.equal(out.match(/aws:ec2\/instance:Instance /g)?.length, 4);
  assert.equal(out.match(/aws:ec2\/eip:Eip /g)?.length, 4);
  assert.match(out, /^ {2}s-hive1\.pdns {2}public 203\.0\.113\.\d+ {2}private 192\.168\.0\.69 {2}user ec2-user$/m);
  assert.match(out, /^firewall: ssh from 0\.0\.0\.0\/0; tcp 53, 80, 443; udp 53$/m);
});

test("staging --json: real type tokens, parents by name", () => {
  const plan = JSON.parse(hive("plan", "-s", "staging", "-i", "examples/pdns/inventory", "--json")) as JsonPlan;
  const instance = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === "pdns-aws-s-hive0");
  assert.ok(instance);
  assert.equal(instance.parent, "pdns-aws");
  const nic = plan.resources.find((r) => r.type === "aws:ec2/networkInterface:NetworkInterface" && r.name === "pdns-aws-s-hive0-nic");
  assert.deepEqual(nic?.inputs.privateIps, ["192.168.0.5"]);
  const key = plan.resources.find((r) => r.type === "hive:pki:Pki");
  assert.equal(key?.parent, "pdns");
});

test("production (azure) --json: protected disks, public IPs and the destroy guards", () => {
  const plan = JSON.parse(hive("plan", "-s", "production", "-i", "examples/pdns/inventory", "--json")) as JsonPlan;
  assert.deepEqual(
    plan.resources.filter((r) => r.protect).map((r) => r.type).sort(),
    [...Array(3).fill("azure-native:compute:Disk"), ...Array(4).fill("azure-native:network:PublicIPAddress"), "hive:site:DestroyGuard", "hive:site:DestroyGuard"],
  );
  assert.equal(plan.resources.filter((r) => r.type === "azure-native:compute:VirtualMachine").length, 4);
});

test("production (gcp) --dot: a digraph with parent edges", () => {
  const out = hive("plan", "-s", "production", "-i", "examples/pdns-gcp/inventory", "--dot");
  assert.match(out, /^digraph plan \{/);
  assert.equal(out.match(/label="[^"]*\\ngcp:compute\/instance:Instance"/g)?.length, 4);
  assert.ok(/ -> /.test(out));
});

test("private (prepared): the fleet and the servers at their inventory addresses", () => {
  const out = hive("plan", "-s", "private", "-i", "examples/pdns/inventory");
  assert.match(out, /hive:infra:PreparedHostFleet pdns-prepared/);
  assert.match(out, /^ {2}p-hive0\.pdns {2}public 192\.168\.56\.4 {2}private 192\.168\.56\.4 {2}user admin$/m);
});

test("an inventory error fails with the inventory's message", () => {
  const res = spawnSync(process.execPath, [path.join(root, "bin/hive.js"), "plan", "-s", "staging", "-i", "/nonexistent"], { cwd: root, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(res.status, 1);
  assert.match(res.stderr, /^hive: /);
});
