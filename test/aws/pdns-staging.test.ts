// The pdns example's staging stage (four servers in three subnets) on the real engine against the EC2
// emulator, through `hive build-infra`: every resource checked through the EC2 API, a second update with
// nothing to do (also after a refresh), a changed instance type, a replaced server that comes back at its
// addresses with its DRBD volume, halt and start, and a destroy that leaves nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectCopy, pulumiOk } from "../e2e/harness";
import { awsEnv, awsMissingReason, ec2State, hive, realChanges, siteResources, tag, type Ec2State, type Instance } from "./harness";

const REGION = "ap-northeast-1";
const ALMALINUX_9_6 = "ami-0a19a1000000000a1";
const { env, stateDir, plugin } = awsEnv();
const missing = awsMissingReason(env);
console.log(missing ? `# pdns staging on AWS skipped: ${missing}` : `# aws plugin: ${plugin}`);

const byName = (s: Ec2State) => new Map(s.instances.filter((i) => i.State.Name !== "terminated").map((i) => [tag(i.Tags, "Name") as string, i]));
const drbdVolumeOf = (s: Ec2State, host: string) => s.volumes.find((v) => tag(v.Tags, "Name") === `drbd ${host}`);
const addressOf = (s: Ec2State, host: string) => s.addresses.find((a) => tag(a.Tags, "Name") === `for ${host}`);
/** The instance an Elastic IP reaches: through the network interface it is associated with. */
const eipInstance = (s: Ec2State, host: string) => {
  const eni = addressOf(s, host)?.NetworkInterfaceId;
  return s.instances.find((i) => i.State.Name !== "terminated" && i.NetworkInterfaces.some((n) => n.NetworkInterfaceId === eni && n.Attachment.DeviceIndex === 0))?.InstanceId;
};
const HOSTS = ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns", "s-hive3.pdns"];

test("pdns staging on the EC2 emulator", { skip: missing ?? false, timeout: 1_800_000 }, async (t) => {
  const dir = projectCopy();
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  pulumiOk(env, dir, ["stack", "init", "staging"]);
  const urnOf = (type: string, name: string) => {
    const resources = (JSON.parse(pulumiOk(env, dir, ["stack", "export", "-s", "staging"]).stdout) as { deployment: { resources: { urn: string; type: string }[] } }).deployment.resources;
    const found = resources.filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
    assert.equal(found.length, 1, `one ${type} named ${name}`);
    return found[0].urn;
  };
  let first: Ec2State;

  await t.test("build-infra on a new stack creates the network, servers, disks and addresses", () => {
    const run = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(run.status, 0, run.out);
    first = ec2State(REGION);
    const s = first;
    const [vpc, ...otherVpcs] = s.vpcs.filter((v) => !v.IsDefault);
    assert.deepEqual(otherVpcs, []);
    assert.deepEqual([vpc.CidrBlock, tag(vpc.Tags, "Name"), tag(vpc.Tags, "Project"), tag(vpc.Tags, "Stage")], ["192.168.0.0/24", "vpc-pdns-staging", "pdns", "staging"]);

    const subnets = s.subnets.filter((x) => x.VpcId === vpc.VpcId);
    assert.deepEqual(subnets.map((x) => [tag(x.Tags, "Name"), x.CidrBlock, x.AvailabilityZone, x.MapPublicIpOnLaunch]).sort(), [
      ["subnet-a", "192.168.0.0/26", "ap-northeast-1d", false],
      ["subnet-b", "192.168.0.64/26", "ap-northeast-1a", false],
      ["subnet-c", "192.168.0.128/26", "ap-northeast-1c", false],
    ]);
    const subnetCidr = new Map(subnets.map((x) => [x.SubnetId, x.CidrBlock]));
    const subnetZone = new Map(subnets.map((x) => [x.SubnetId, x.AvailabilityZone]));

    const igws = s.internetGateways.filter((g) => g.Attachments.some((a) => a.VpcId === vpc.VpcId));
    assert.equal(igws.length, 1);
    const [table, ...otherTables] = s.routeTables.filter((r) => r.VpcId === vpc.VpcId && !r.Associations.some((a) => a.Main));
    assert.deepEqual(otherTables, []);
    assert.ok(table.Routes.some((r) => r.DestinationCidrBlock === "0.0.0.0/0" && r.GatewayId === igws[0].InternetGatewayId), JSON.stringify(table.Routes));
    assert.deepEqual(table.Associations.map((a) => a.SubnetId).sort(), subnets.map((x) => x.SubnetId).sort());

    const [sg, ...otherGroups] = s.securityGroups.filter((g) => g.VpcId === vpc.VpcId && g.GroupName !== "default");
    assert.deepEqual(otherGroups, []);
    const ports = (p: { IpProtocol: string; FromPort?: number; ToPort?: number }) => (p.IpProtocol === "-1" ? "all" : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`);
    const rules = sg.IpPermissions.flatMap((p) => [
      ...p.IpRanges.map((r) => `${ports(p)} ${r.CidrIp}`),
      ...p.UserIdGroupPairs.map((g) => `${ports(p)} ${g.GroupId === sg.GroupId ? "self" : g.GroupId}`),
    ]);
    assert.deepEqual(rules.sort(), ["all self", "tcp 22-22 0.0.0.0/0", "tcp 443-443 0.0.0.0/0", "tcp 53-53 0.0.0.0/0", "tcp 80-80 0.0.0.0/0", "udp 53-53 0.0.0.0/0"].sort());
    assert.deepEqual(sg.IpPermissionsEgress.map((p) => `${ports(p)} ${p.IpRanges.map((r) => r.CidrIp).join()}`), ["all 0.0.0.0/0"]);

    assert.equal(s.keyPairs.length, 1);
    const instances = byName(s);
    assert.deepEqual([...instances.keys()].sort(), HOSTS);
    const rows = HOSTS.map((h) => {
      const i = instances.get(h) as Instance;
      const primary = s.networkInterfaces.find((n) => n.NetworkInterfaceId === i.NetworkInterfaces.find((x) => x.Attachment.DeviceIndex === 0)?.NetworkInterfaceId);
      return [h, i.PrivateIpAddress, i.InstanceType, subnetCidr.get(i.SubnetId), i.ImageId, i.KeyName === s.keyPairs[0].KeyName, i.State.Name, primary?.Groups.map((g) => g.GroupId).join() === sg.GroupId];
    });
    assert.deepEqual(rows, [
      ["s-hive0.pdns", "192.168.0.5", "t3.xlarge", "192.168.0.0/26", ALMALINUX_9_6, true, "running", true],
      ["s-hive1.pdns", "192.168.0.69", "t3.xlarge", "192.168.0.64/26", ALMALINUX_9_6, true, "running", true],
      ["s-hive2.pdns", "192.168.0.133", "t3.xlarge", "192.168.0.128/26", ALMALINUX_9_6, true, "running", true],
      ["s-hive3.pdns", "192.168.0.6", "t3.large", "192.168.0.0/26", ALMALINUX_9_6, true, "running", true],
    ]);
    for (const h of HOSTS) {
      const i = instances.get(h) as Instance;
      const root = s.volumes.find((v) => v.VolumeId === i.BlockDeviceMappings.find((m) => m.DeviceName === "/dev/sda1")?.Ebs.VolumeId);
      assert.deepEqual([root?.Size, root?.VolumeType], [20, "gp3"], `${h} root disk`);
      const drbd = drbdVolumeOf(s, h);
      if (h === "s-hive3.pdns") {
        assert.equal(drbd, undefined, "the repository server has no DRBD disk");
      } else {
        assert.deepEqual(
          [drbd?.Size, drbd?.VolumeType, drbd?.Encrypted, drbd?.AvailabilityZone, drbd?.Attachments.map((a) => [a.InstanceId, a.Device, a.State])],
          [20, "gp3", false, subnetZone.get(i.SubnetId), [[i.InstanceId, "/dev/sdb", "attached"]]],
          `${h} DRBD disk`,
        );
      }
      const eip = addressOf(s, h);
      assert.deepEqual([eip?.Domain, eipInstance(s, h)], ["vpc", i.InstanceId], `${h} Elastic IP`);
      const nic = s.networkInterfaces.find((n) => n.NetworkInterfaceId === eip?.NetworkInterfaceId);
      assert.deepEqual([nic?.PrivateIpAddress, tag(nic?.TagSet, "Name")], [i.PrivateIpAddress, h], `${h} network interface`);
    }
    assert.equal(s.addresses.length, 4);
    const outputs = JSON.parse(pulumiOk(env, dir, ["stack", "output", "--json", "-s", "staging", "servers"]).stdout) as Record<string, { publicIp: string; privateIp: string }>;
    for (const h of HOSTS) assert.deepEqual(outputs[h], { publicIp: addressOf(s, h)?.PublicIp, privateIp: instances.get(h)?.PrivateIpAddress, adminUser: "ec2-user" });
  });

  await t.test("a second build-infra changes nothing, also after a refresh read everything back", () => {
    const again = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(again.status, 0, again.out);
    assert.deepEqual(realChanges(again.out), {}, again.out);
    const refresh = hive(env, dir, ["refresh", "-s", "staging"]);
    assert.equal(refresh.status, 0, refresh.out);
    const afterRefresh = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(afterRefresh.status, 0, afterRefresh.out);
    assert.deepEqual(realChanges(afterRefresh.out), {}, afterRefresh.out);
    assert.deepEqual(siteResources(ec2State(REGION)), siteResources(first));
  });

  await t.test("a changed instance type updates only that server, in place, at its addresses", () => {
    const file = join(dir, "examples/pdns/inventory/hive.yml");
    writeFileSync(file, readFileSync(file, "utf8").replace("repository_instance_type: t3.large", "repository_instance_type: t3.xlarge"));
    const run = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(run.status, 0, run.out);
    assert.deepEqual(realChanges(run.out), { update: 1 }, run.out);
    const before = byName(first);
    const after = ec2State(REGION);
    const now = byName(after);
    assert.deepEqual([now.get("s-hive3.pdns")?.InstanceType, now.get("s-hive3.pdns")?.State.Name], ["t3.xlarge", "running"]);
    for (const h of HOSTS) {
      assert.equal(now.get(h)?.InstanceId, before.get(h)?.InstanceId, `${h} is the same instance`);
      assert.equal(now.get(h)?.PrivateIpAddress, before.get(h)?.PrivateIpAddress);
      assert.equal(eipInstance(after, h), now.get(h)?.InstanceId);
    }
  });

  await t.test("a replaced server comes back at its private address and Elastic IP with its DRBD volume; nothing else changes", () => {
    const before = ec2State(REGION);
    const old = byName(before).get("s-hive1.pdns") as Instance;
    // What an operator runs to rebuild a broken server: the instance and what attaches to it.
    const attachments = [
      urnOf("aws:ec2/volumeAttachment:VolumeAttachment", "pdns-aws-s-hive1-drbd"),
      urnOf("aws:ec2/eipAssociation:EipAssociation", "pdns-aws-s-hive1-eip"),
      urnOf("aws:ec2transitgateway/instanceState:InstanceState", "pdns-aws-s-hive1-state"),
    ];
    const instanceUrn = urnOf("aws:ec2/instance:Instance", "pdns-aws-s-hive1");
    const run = pulumiOk(env, dir, ["up", "--yes", "--skip-preview", "-s", "staging", "--target-replace", instanceUrn, ...attachments.flatMap((u) => ["--target", u])]);
    assert.match(run.stdout, /replaced/, run.stdout);
    const after = ec2State(REGION);
    const now = byName(after);
    const fresh = now.get("s-hive1.pdns") as Instance;
    assert.notEqual(fresh.InstanceId, old.InstanceId, "a new instance");
    assert.equal(after.instances.find((i) => i.InstanceId === old.InstanceId)?.State.Name, "terminated");
    assert.deepEqual([fresh.PrivateIpAddress, fresh.SubnetId, fresh.State.Name], [old.PrivateIpAddress, old.SubnetId, "running"]);
    const eipBefore = addressOf(before, "s-hive1.pdns");
    const eipAfter = addressOf(after, "s-hive1.pdns");
    assert.deepEqual([eipAfter?.AllocationId, eipAfter?.PublicIp, eipAfter?.NetworkInterfaceId, eipInstance(after, "s-hive1.pdns")], [eipBefore?.AllocationId, eipBefore?.PublicIp, eipBefore?.NetworkInterfaceId, fresh.InstanceId]);
    const volBefore = drbdVolumeOf(before, "s-hive1.pdns");
    const volAfter = drbdVolumeOf(after, "s-hive1.pdns");
    assert.equal(volAfter?.VolumeId, volBefore?.VolumeId, "the same DRBD volume");
    assert.deepEqual(volAfter?.Attachments.map((a) => [a.InstanceId, a.Device]), [[fresh.InstanceId, "/dev/sdb"]]);
    for (const h of HOSTS.filter((x) => x !== "s-hive1.pdns")) assert.equal(now.get(h)?.InstanceId, byName(before).get(h)?.InstanceId, `${h} untouched`);
    const again = hive(env, dir, ["build-infra", "-s", "staging"]);
    assert.equal(again.status, 0, again.out);
    assert.deepEqual(realChanges(again.out), {}, again.out);
  });

  await t.test("halt stops every server, start starts them, keeping addresses and disks", () => {
    const halt = hive(env, dir, ["halt", "-s", "staging"]);
    assert.equal(halt.status, 0, halt.out);
    const halted = ec2State(REGION);
    assert.deepEqual([...byName(halted).values()].map((i) => i.State.Name), ["stopped", "stopped", "stopped", "stopped"]);
    assert.equal(halted.addresses.length, 4);
    const start = hive(env, dir, ["start", "-s", "staging"]);
    assert.equal(start.status, 0, start.out);
    const started = ec2State(REGION);
    assert.deepEqual([...byName(started).values()].map((i) => i.State.Name), ["running", "running", "running", "running"]);
    for (const h of HOSTS) assert.equal(eipInstance(started, h), byName(started).get(h)?.InstanceId, `${h} keeps its Elastic IP`);
  });

  await t.test("destroy leaves nothing of the site in the region", () => {
    const run = hive(env, dir, ["destroy", "-s", "staging", "--yes"]);
    assert.equal(run.status, 0, run.out);
    assert.deepEqual(siteResources(ec2State(REGION)), { vpcs: [], subnets: [], internetGateways: [], routeTables: [], securityGroups: [], keyPairs: [], instances: [], volumes: [], addresses: [], networkInterfaces: [] });
  });
});
