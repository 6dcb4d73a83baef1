// Renderings of a hand-made plan: masking, tree, JSON and dot.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { PlanResult } from "../../src/plan/run";
import { maskSecrets, planToJson, renderDot, renderTree } from "../../src/plan/render";

const secret = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
const stack = "urn:pulumi:s::hive::pulumi:pulumi:Stack::hive-s";
const site = "urn:pulumi:s::hive::hive:site:Site::x";
const cmd = "urn:pulumi:s::hive::hive:site:Site$command:remote:Command::x-cmd";
const vpc = "urn:pulumi:s::hive::hive:site:Site$aws:ec2/vpc:Vpc::x-vpc";
const base = { custom: true, provider: "", protect: false, dependencies: [] as string[] };
const plan: PlanResult = {
  resources: [
    { ...base, urn: stack, type: "pulumi:pulumi:Stack", name: "hive-s", parent: null, custom: false, inputs: {} },
    { ...base, urn: site, type: "hive:site:Site", name: "x", parent: stack, custom: false, inputs: {} },
    { ...base, urn: vpc, type: "aws:ec2/vpc:Vpc", name: "x-vpc", parent: site, protect: true, inputs: { cidrBlock: "10.0.0.0/16", tags: { Name: "n" } } },
    {
      ...base,
      urn: cmd,
      type: "command:remote:Command",
      name: "x-cmd",
      parent: site,
      dependencies: [vpc],
      inputs: { connection: secret({ host: "h", password: "pw" }), create: "line1\nline2\nline3", triggers: [secret("t"), "plain"] },
    },
  ],
  invokes: [],
  outputs: { key: secret("k"), servers: { "a.x": { publicIp: "1.2.3.4", privateIp: "10.0.0.4", adminUser: "u" } }, firewall: { tcp: [80], udp: [], sshSources: ["0.0.0.0/0"] } },
};

test("secrets are masked wherever they are nested", () => {
  assert.deepEqual(maskSecrets({ a: [secret(1), { b: secret("x") }], c: "d" }), { a: ["[secret]", { b: "[secret]" }], c: "d" });
});

test("tree: one line per resource under its parent, tags left out, scripts summarised, servers listed", () => {
  assert.equal(
    renderTree(plan),
    [
      "pulumi:pulumi:Stack hive-s",
      "└─ hive:site:Site x",
      "   ├─ command:remote:Command x-cmd  connection=[secret] create=<3 lines> triggers=[\"[secret]\",\"plain\"]",
      "   └─ aws:ec2/vpc:Vpc x-vpc [protected]  cidrBlock=10.0.0.0/16",
      "",
      "2 resources in 2 components",
      "",
      "servers:",
      "  a.x  public 1.2.3.4  private 10.0.0.4  user u",
      "firewall: ssh from 0.0.0.0/0; tcp 80; udp -",
      "",
    ].join("\n"),
  );
});

test("json: stack left out, parents and dependencies by name, secrets masked", () => {
  const json = planToJson(plan);
  assert.deepEqual(json.resources.map((r) => [r.type, r.name, r.parent, r.dependsOn]), [
    ["hive:site:Site", "x", null, []],
    ["command:remote:Command", "x-cmd", "x", ["x-vpc"]],
    ["aws:ec2/vpc:Vpc", "x-vpc", "x", []],
  ]);
  assert.deepEqual(json.resources[1].inputs, { connection: "[secret]", create: "line1\nline2\nline3", triggers: ["[secret]", "plain"] });
  assert.equal((json.outputs as { key: string }).key, "[secret]");
});

test("dot: a node per resource and parent edges", () => {
  const dot = renderDot(plan);
  assert.ok(dot.startsWith("digraph plan {\n"));
  assert.ok(dot.includes('r2 [label="x-vpc\\naws:ec2/vpc:Vpc"];'));
  assert.deepEqual(dot.match(/r\d -> r\d/g), ["r0 -> r1", "r1 -> r2", "r1 -> r3"]);
});
