// One server that is hive and repository (separate_repository: false), no subnets in the inventory, halted,
// SSH limited to an admin network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const site = buildSite({ hosts: 1, separateRepository: false, subnets: null, cidr: "10.1.0.0/24" });
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { halted: true, adminCidrs: ["198.51.100.0/24"] });
});

test("without inventory subnets one subnet covers the cidr, in the first zone the provider lists", () => {
  const subnets = view.byType("aws:ec2/subnet:Subnet");
  assert.deepEqual(
    subnets.map((s) => [s.name, s.inputs.cidrBlock, s.inputs.availabilityZone]),
    [["pdns-aws-subnet-pdns-default", "10.1.0.0/24", "ap-northeast-1a"]],
  );
  assert.equal(view.byType("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 1);
});

test("the only server is network + 4, has the DRBD volume and is stopped", () => {
  const [instance] = view.byType("aws:ec2/instance:Instance");
  assert.equal(instance.name, "pdns-aws-s-hive0");
  assert.deepEqual(view.get("aws:ec2/networkInterface:NetworkInterface", "pdns-aws-s-hive0-nic").inputs.privateIps, ["10.1.0.4"]);
  assert.equal(instance.inputs.instanceType, "t3.large");
  assert.equal(view.byType("aws:ebs/volume:Volume").length, 1);
  assert.deepEqual(
    view.byType("aws:ec2transitgateway/instanceState:InstanceState").map((s) => s.inputs.state),
    ["stopped"],
  );
});

test("SSH only from the admin cidrs", () => {
  const sg = view.get("aws:ec2/securityGroup:SecurityGroup", "pdns-aws-sg");
  const ssh = (sg.inputs.ingress as { fromPort: number; cidrBlocks?: string[] }[]).filter((r) => r.fromPort === 22);
  assert.deepEqual(ssh.map((r) => r.cidrBlocks), [["198.51.100.0/24"]]);
});

test("ssh_config has one Host block", () => {
  const { sshConfig } = view.plan.outputs as { sshConfig: string };
  assert.equal(sshConfig.match(/^Host /gm)?.length, 1);
});
