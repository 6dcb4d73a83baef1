// The pdns example's staging stage on AWS: four servers (three hives, separate repository) in three subnets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const site = buildSite();
let view: PlanView;

test.before(async () => {
  view = await planSite(site);
});

test("the site, pki and fleet components nest under the stack", () => {
  assert.equal(view.parentName(view.get("hive:site:Site", "pdns")), "hive-staging");
  assert.equal(view.parentName(view.get("hive:pki:Pki", "pdns-pki")), "pdns");
  assert.equal(view.parentName(view.get("hive:infra:AwsHostFleet", "pdns-aws")), "pdns");
  for (const r of view.all.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws")) {
    assert.equal(view.parentName(r), "pdns-aws", `${r.type} ${r.name}`);
  }
});

test("an explicit provider for the stage's region is used by every AWS resource", () => {
  const provider = view.get("pulumi:providers:aws", "pdns-aws-aws");
  assert.equal(provider.inputs.region, "ap-northeast-1");
  const awsResources = view.all.filter((r) => r.type.startsWith("aws:"));
  assert.equal(awsResources.length, 37);
  for (const r of awsResources) assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} uses ${r.provider}`);
});

test("VPC with the stage cidr and one subnet per inventory subnet in its zone", () => {
  assert.equal(view.get("aws:ec2/vpc:Vpc", "pdns-aws-vpc").inputs.cidrBlock, "192.168.0.0/24");
  const subnets = view.byType("aws:ec2/subnet:Subnet").map((s) => [s.name, s.inputs.cidrBlock, s.inputs.availabilityZone]).sort();
  assert.deepEqual(subnets, [
    ["pdns-aws-subnet-subnet-a", "192.168.0.0/26", "ap-northeast-1d"],
    ["pdns-aws-subnet-subnet-b", "192.168.0.64/26", "ap-northeast-1a"],
    ["pdns-aws-subnet-subnet-c", "192.168.0.128/26", "ap-northeast-1c"],
  ]);
  for (const s of view.byType("aws:ec2/subnet:Subnet")) assert.deepEqual(view.dependencyNames(s), ["pdns-aws-vpc"]);
});

test("the route table has a default route to the gateway and is associated with every subnet", () => {
  const rt = view.get("aws:ec2/routeTable:RouteTable", "pdns-aws-rt");
  assert.equal((rt.inputs.routes as { cidrBlock: string }[])[0].cidrBlock, "0.0.0.0/0");
  assert.deepEqual(view.dependencyNames(rt), ["pdns-aws-igw", "pdns-aws-vpc"]);
  const assocs = view.byType("aws:ec2/routeTableAssociation:RouteTableAssociation");
  assert.deepEqual(assocs.map((a) => view.dependencyNames(a)).sort(), [
    ["pdns-aws-rt", "pdns-aws-subnet-subnet-a"],
    ["pdns-aws-rt", "pdns-aws-subnet-subnet-b"],
    ["pdns-aws-rt", "pdns-aws-subnet-subnet-c"],
  ]);
});

test("security group: all traffic inside, SSH from the admin cidrs, published ports from anywhere, all egress", () => {
  const sg = view.get("aws:ec2/securityGroup:SecurityGroup", "pdns-aws-sg");
  const ingress = (sg.inputs.ingress as { protocol: string; fromPort: number; toPort: number; cidrBlocks?: string[]; self?: boolean }[]).map((r) =>
    r.self ? `${r.protocol} self` : `${r.protocol} ${r.fromPort}-${r.toPort} ${r.cidrBlocks?.join(",")}`,
  );
  assert.deepEqual(ingress, ["-1 self", "tcp 22-22 0.0.0.0/0", "tcp 53-53 0.0.0.0/0", "tcp 80-80 0.0.0.0/0", "tcp 443-443 0.0.0.0/0", "udp 53-53 0.0.0.0/0"]);
  assert.deepEqual(sg.inputs.egress, [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all egress" }]);
});

test("one instance per server on its own network interface (fixed private address, subnet, group), with type, root disk and the looked-up AMI", () => {
  const rows = view.byType("aws:ec2/instance:Instance").map((i) => {
    const nic = view.get("aws:ec2/networkInterface:NetworkInterface", `${i.name}-nic`);
    const subnet = view.dependencyNames(nic).find((d) => d.startsWith("pdns-aws-subnet-"));
    const root = i.inputs.rootBlockDevice as { volumeSize: number; encrypted: boolean };
    assert.match(String((i.inputs.primaryNetworkInterface as { networkInterfaceId: string }).networkInterfaceId), /^eni-/);
    assert.deepEqual([i.inputs.subnetId, i.inputs.privateIp, i.inputs.vpcSecurityGroupIds], [undefined, undefined, undefined]);
    assert.deepEqual(view.dependencyNames(nic), ["pdns-aws-sg", subnet]);
    return [i.name, (nic.inputs.privateIps as string[])[0], i.inputs.instanceType, subnet, root.volumeSize, root.encrypted, i.inputs.ami];
  });
  assert.deepEqual(rows.sort(), [
    ["pdns-aws-s-hive0", "192.168.0.5", "t3.xlarge", "pdns-aws-subnet-subnet-a", 20, false, "ami-0mockalmalinux9000"],
    ["pdns-aws-s-hive1", "192.168.0.69", "t3.xlarge", "pdns-aws-subnet-subnet-b", 20, false, "ami-0mockalmalinux9000"],
    ["pdns-aws-s-hive2", "192.168.0.133", "t3.xlarge", "pdns-aws-subnet-subnet-c", 20, false, "ami-0mockalmalinux9000"],
    ["pdns-aws-s-hive3", "192.168.0.6", "t3.large", "pdns-aws-subnet-subnet-a", 20, false, "ami-0mockalmalinux9000"],
  ]);
  const hive0 = view.get("aws:ec2/instance:Instance", "pdns-aws-s-hive0");
  assert.deepEqual(view.dependencyNames(hive0), ["pdns-aws-igw", "pdns-aws-key", "pdns-aws-s-hive0-nic"]);
});

test("instances set no associatePublicIpAddress: AWS reports it true once the EIP is associated, which would replace them", () => {
  for (const i of view.byType("aws:ec2/instance:Instance")) assert.equal("associatePublicIpAddress" in i.inputs, false, i.name);
});

test("a replaced server is deleted before its successor is created: the successor needs the same private address", () => {
  for (const i of view.byType("aws:ec2/instance:Instance")) assert.equal(i.deleteBeforeReplace, true, i.name);
  const others = view.all.filter((r) => r.type.startsWith("aws:") && r.type !== "aws:ec2/instance:Instance" && r.deleteBeforeReplace);
  assert.deepEqual(others.map((r) => r.name), []);
});

test("hives get a 20 GB DRBD volume in their subnet's zone attached as /dev/sdb; the repository none", () => {
  const volumes = view.byType("aws:ebs/volume:Volume").map((v) => [v.name, v.inputs.size, v.inputs.availabilityZone, v.inputs.encrypted, v.protect]);
  assert.deepEqual(volumes.sort(), [
    ["pdns-aws-s-hive0-drbd", 20, "ap-northeast-1d", false, false],
    ["pdns-aws-s-hive1-drbd", 20, "ap-northeast-1a", false, false],
    ["pdns-aws-s-hive2-drbd", 20, "ap-northeast-1c", false, false],
  ]);
  const attachments = view.byType("aws:ec2/volumeAttachment:VolumeAttachment");
  assert.equal(attachments.length, 3);
  for (const a of attachments) {
    assert.equal(a.inputs.deviceName, "/dev/sdb");
    assert.equal(a.inputs.stopInstanceBeforeDetaching, true);
    const server = a.name.replace(/-drbd$/, "");
    assert.deepEqual(view.dependencyNames(a), [server, `${server}-drbd`]);
  }
});

test("a DRBD volume does not depend on its instance, so replacing the server cannot replace the data disk", () => {
  for (const v of view.byType("aws:ebs/volume:Volume")) {
    assert.deepEqual(view.dependencyNames(v).filter((d) => d.startsWith("pdns-aws-s-hive")), [], v.name);
  }
});

test("an Elastic IP per server, associated with its network interface (it stays through a replacement); instances kept running", () => {
  assert.equal(view.byType("aws:ec2/eip:Eip").length, 4);
  for (const assoc of view.byType("aws:ec2/eipAssociation:EipAssociation")) {
    const server = assoc.name.replace(/-eip$/, "");
    assert.deepEqual(view.dependencyNames(assoc), ["pdns-aws-igw", `${server}-eip`, `${server}-nic`]);
  }
  const states = view.byType("aws:ec2transitgateway/instanceState:InstanceState").map((s) => [s.name, s.inputs.state]);
  assert.deepEqual(states.sort(), [0, 1, 2, 3].map((i) => [`pdns-aws-s-hive${i}-state`, "running"]));
});

test("the region's zones are looked up (to check the inventory's) and the AMI: newest official AlmaLinux 9 x86_64", () => {
  assert.deepEqual(view.plan.invokes, [
    { token: "aws:index/getAvailabilityZones:getAvailabilityZones", inputs: { state: "available" } },
    {
      token: "aws:ec2/getAmi:getAmi",
      inputs: {
        mostRecent: true,
        owners: ["764336703387"],
        filters: [
          { name: "name", values: ["AlmaLinux OS 9*"] },
          { name: "architecture", values: ["x86_64"] },
        ],
      },
    },
  ]);
});

test("the key pair carries the site's public key; tags name the project", () => {
  const key = view.get("aws:ec2/keyPair:KeyPair", "pdns-aws-key");
  assert.match(String(key.inputs.publicKey), /^ssh-rsa /);
  const vpc = view.get("aws:ec2/vpc:Vpc", "pdns-aws-vpc");
  assert.deepEqual(vpc.inputs.tags, { Name: "vpc-pdns-staging", Project: "pdns", Stage: "staging" });
});

test("nothing is protected in staging", () => {
  assert.deepEqual(view.all.filter((r) => r.protect).map((r) => r.name), []);
});

test("stack outputs: servers with public and private addresses, ssh_config with the EIPs", () => {
  const outputs = view.plan.outputs as { servers: Record<string, { publicIp: string; privateIp: string; adminUser: string }>; sshConfig: string };
  assert.deepEqual(Object.keys(outputs.servers), ["s-hive0.pdns", "s-hive1.pdns", "s-hive2.pdns", "s-hive3.pdns"]);
  assert.equal(outputs.servers["s-hive1.pdns"].privateIp, "192.168.0.69");
  assert.equal(outputs.servers["s-hive1.pdns"].adminUser, "ec2-user");
  assert.match(outputs.servers["s-hive1.pdns"].publicIp, /^203\.0\.113\.\d+$/);
  assert.ok(outputs.sshConfig.includes(`Host s-hive1.pdns s-hive1\n  HostName ${outputs.servers["s-hive1.pdns"].publicIp}\n  User ec2-user\n`));
});
