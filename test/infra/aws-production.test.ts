// Five servers in production with an AMI from the inventory and encrypted disks: DRBD volumes and Elastic IPs
// are protected (SPEC §5.6), no AMI lookup happens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const KMS = "arn:aws:kms:ap-northeast-1:000000000000:key/mock";
const site = buildSite({ stage: "production", hosts: 5, imageName: "ami-0123456789abcdef0", diskEncrypted: true, mirroredDiskEncrypted: true, kmsKeyId: KMS });
let view: PlanView;

test.before(async () => {
  view = await planSite(site);
});

test("five instances round-robin over the subnets from network + 5, with the inventory's AMI", () => {
  const rows = view.byType("aws:ec2/instance:Instance").map((i) => [i.name, (view.get("aws:ec2/networkInterface:NetworkInterface", `${i.name}-nic`).inputs.privateIps as string[])[0], i.inputs.ami, i.inputs.instanceType]);
  assert.deepEqual(rows.sort(), [
    ["pdns-aws-hive0", "192.168.0.5", "ami-0123456789abcdef0", "t3.xlarge"],
    ["pdns-aws-hive1", "192.168.0.69", "ami-0123456789abcdef0", "t3.xlarge"],
    ["pdns-aws-hive2", "192.168.0.133", "ami-0123456789abcdef0", "t3.xlarge"],
    ["pdns-aws-hive3", "192.168.0.6", "ami-0123456789abcdef0", "t3.xlarge"],
    ["pdns-aws-hive4", "192.168.0.70", "ami-0123456789abcdef0", "t3.large"],
  ]);
});

test("no AMI lookup: the inventory gives it; the zones are looked up only to check the inventory's", () => {
  assert.deepEqual(view.plan.invokes.map((i) => i.token), ["aws:index/getAvailabilityZones:getAvailabilityZones"]);
});

test("root and DRBD disks are encrypted with the KMS key", () => {
  for (const i of view.byType("aws:ec2/instance:Instance")) {
    assert.deepEqual(i.inputs.rootBlockDevice, { volumeSize: 20, volumeType: "gp3", encrypted: true, kmsKeyId: KMS, deleteOnTermination: true });
  }
  for (const v of view.byType("aws:ebs/volume:Volume")) {
    assert.equal(v.inputs.encrypted, true);
    assert.equal(v.inputs.kmsKeyId, KMS);
  }
});

test("exactly the DRBD volumes, the Elastic IPs and the destroy guards are protected", () => {
  const protectedNames = view.all.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`).sort();
  assert.deepEqual(protectedNames, [
    ...[0, 1, 2, 3].map((i) => `aws:ebs/volume:Volume pdns-aws-hive${i}-drbd`),
    ...[0, 1, 2, 3, 4].map((i) => `aws:ec2/eip:Eip pdns-aws-hive${i}-eip`),
    "hive:site:DestroyGuard pdns-destroy-guard",
    "hive:site:DestroyGuard pdns-infra-destroy-guard",
  ].sort());
});
