// Pure helpers of the infrastructure components.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { buildSite, gcpSite, pdnsProduction } from "../helpers/site-fixture";
import { cidrContains, ingressRules, mirroredDiskSize, protectData, renderSshConfig, stageSubnets, subnetOf } from "../../components/infra/fleet";
import { awsIngress, planAwsFleet } from "../../components/infra/aws";
import { gcpFirewalls, gcpName, gcpZone } from "../../components/infra/gcp";
import { azureImage, azureZones } from "../../components/infra/azure";
import { accessStdin, keyToRetire } from "../../components/infra/access";
import { resolveSecretString } from "../../components/site";
import { localizeSshConfig } from "../../src/cli/ssh";

const OPTIONS = { adminCidrs: ["0.0.0.0/0"], halted: false, allowDestroyProduction: false };

test("ssh_config: one block per server with the placeholder identity file", () => {
  const text = renderSshConfig([
    { name: "s-hive0.pdns", shortName: "s-hive0", hostName: "203.0.113.10", user: "ec2-user" },
    { name: "s-hive1.pdns", shortName: "s-hive1", hostName: "203.0.113.11", user: "ec2-user" },
  ]);
  assert.equal(
    text,
    [
      "Host s-hive0.pdns s-hive0",
      "  HostName 203.0.113.10",
      "  User ec2-user",
      "  IdentityFile @HIVE_IDENTITY_FILE@",
      "  IdentitiesOnly yes",
      "  UserKnownHostsFile @HIVE_KNOWN_HOSTS_FILE@",
      "  StrictHostKeyChecking accept-new",
      "  PasswordAuthentication no",
      "",
      "Host s-hive1.pdns s-hive1",
      "  HostName 203.0.113.11",
      "  User ec2-user",
      "  IdentityFile @HIVE_IDENTITY_FILE@",
      "  IdentitiesOnly yes",
      "  UserKnownHostsFile @HIVE_KNOWN_HOSTS_FILE@",
      "  StrictHostKeyChecking accept-new",
      "  PasswordAuthentication no",
      "",
    ].join("\n"),
  );
  assert.ok(renderSshConfig([{ name: "a.b", shortName: "a", hostName: "1.2.3.4", user: "u" }], "/home/me/.hive/staging/id").includes("  IdentityFile /home/me/.hive/staging/id\n"));
});

test("production protection unless allowDestroyProduction", () => {
  assert.equal(protectData(buildSite({ stage: "production" }), OPTIONS), true);
  assert.equal(protectData(buildSite({ stage: "production" }), { ...OPTIONS, allowDestroyProduction: true }), false);
  assert.equal(protectData(buildSite({ stage: "staging" }), OPTIONS), false);
});

test("ingress policy: ssh from admins, published ports from anywhere, empty lists left out", () => {
  assert.deepEqual(ingressRules(buildSite({ firewall: { tcp: [80], udp: [] } }), { ...OPTIONS, adminCidrs: ["10.0.0.0/8"] }), [
    { name: "ssh", protocol: "tcp", ports: [22], sources: ["10.0.0.0/8"] },
    { name: "published-tcp", protocol: "tcp", ports: [80], sources: ["0.0.0.0/0"] },
  ]);
  assert.deepEqual(awsIngress([{ name: "published-udp", protocol: "udp", ports: [53], sources: ["0.0.0.0/0"] }]), [
    { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "inside the site" },
    { protocol: "udp", fromPort: 53, toPort: 53, cidrBlocks: ["0.0.0.0/0"], description: "published-udp 53/udp" },
  ]);
});

test("subnets: a host belongs to the subnet naming it, else to the one containing its address", () => {
  assert.equal(cidrContains("192.168.0.64/26", "192.168.0.127"), true);
  assert.equal(cidrContains("192.168.0.64/26", "192.168.0.128"), false);
  const site = buildSite();
  assert.equal(subnetOf(site.hosts[1], stageSubnets(site)).name, "subnet-b");
  const renamed = { ...site.hosts[2], subnet: "unknown" };
  assert.equal(subnetOf(renamed, stageSubnets(site)).name, "subnet-c");
  assert.throws(() => subnetOf({ ...renamed, privateIp: "10.9.9.9" }, stageSubnets(site)), {
    message: "host s-hive2.pdns: no subnet holds 10.9.9.9 (subnets: 192.168.0.0/26, 192.168.0.64/26, 192.168.0.128/26)",
  });
});

test("aws plan: region and instance type are required; a mapping is not an AMI", () => {
  assert.throws(() => planAwsFleet(buildSite({ region: null }), OPTIONS), { message: "stage staging: provider aws needs a region" });
  assert.throws(() => planAwsFleet(buildSite({ instanceType: null, repositoryInstanceType: null }), OPTIONS), { message: "host s-hive0.pdns: provider aws needs instance_type" });
  assert.throws(() => planAwsFleet(buildSite({ imageName: { offer: "x" } }), OPTIONS), { message: "stage staging: image_name for aws must be an AMI id, not a mapping" });
  const plan = planAwsFleet(buildSite({ subnets: [{ name: "a", cidr: "192.168.0.0/25", availabilityZone: null }, { name: "b", cidr: "192.168.0.128/25", availabilityZone: "x-1b" }] }), OPTIONS);
  assert.deepEqual(plan.subnets, [
    { name: "a", cidr: "192.168.0.0/25", zone: null, zoneIndex: 0 },
    { name: "b", cidr: "192.168.0.128/25", zone: "x-1b", zoneIndex: 1 },
  ]);
  assert.deepEqual(plan.servers.map((s) => [s.host.privateIp, s.subnet, s.mirrored]), [
    ["192.168.0.5", "a", { size: 20, encrypted: false }],
    ["192.168.0.133", "b", { size: 20, encrypted: false }],
    ["192.168.0.6", "a", { size: 20, encrypted: false }],
    ["192.168.0.134", "b", null],
  ]);
});

test("gcp names are valid RFC 1035 labels", () => {
  assert.equal(gcpName("s-hive0.pdns"), "s-hive0-pdns");
  assert.equal(gcpName("Hive0.Example.COM"), "hive0-example-com");
  assert.equal(gcpName("0abc"), "h-0abc");
  assert.equal(gcpName("test-hive---"), "test-hive");
  assert.equal(gcpName(`a${"b".repeat(70)}`).length, 63);
  assert.match(gcpName("gip-x_y.z"), /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
});

test("gcp zones and firewalls", () => {
  const site = gcpSite();
  assert.equal(gcpZone(site, { ...site.hosts[1], availabilityZone: null }), "asia-northeast2-b");
  assert.equal(gcpZone(site, { ...site.hosts[1], availabilityZone: "asia-northeast2-c" }), "asia-northeast2-c");
  assert.deepEqual(gcpFirewalls(gcpSite({ firewall: { tcp: [], udp: [] } }), OPTIONS).map((f) => [f.name, f.allows]), [
    ["internal-pdns-production", [{ protocol: "tcp", ports: ["0-65535"] }, { protocol: "udp", ports: ["0-65535"] }, { protocol: "icmp" }]],
    ["ssh-pdns-production", [{ protocol: "tcp", ports: ["22"] }]],
    ["inbound-pdns-production", [{ protocol: "icmp" }]],
  ]);
});

test("azure image: default AlmaLinux 9, a mapping, an image id; anything else is an error", () => {
  assert.deepEqual(azureImage(pdnsProduction({ imageName: null })), { publisher: "almalinux", offer: "almalinux-x86_64", sku: "9-gen2", version: "latest" });
  assert.deepEqual(azureImage(pdnsProduction()), { publisher: "RedHat", offer: "RHEL", sku: "86-gen2", version: "latest" });
  assert.deepEqual(azureImage(pdnsProduction({ imageName: "/subscriptions/x/images/y" })), { id: "/subscriptions/x/images/y" });
  assert.throws(() => azureImage(pdnsProduction({ imageName: "ami-1" })), {
    message: 'stage production: image_name for azure must be {publisher, offer, sku, version} or an image resource id, got "ami-1"',
  });
  assert.throws(() => azureImage(pdnsProduction({ imageName: { offer: "RHEL" } })), { message: "stage production: image_name for azure lacks publisher, sku" });
});

test("azure zones: 1, 2, 3 round robin unless not_support_az", () => {
  const site = pdnsProduction({ hosts: 5 });
  assert.deepEqual(site.hosts.map((h) => azureZones(site, h)), [["1"], ["2"], ["3"], ["1"], ["2"]]);
  const noAz = pdnsProduction({ notSupportAz: true });
  assert.equal(azureZones(noAz, noAz.hosts[0]), undefined);
});

test("the access script's stdin carries only the secrets that are set, base64 encoded", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  assert.equal(accessStdin({ siteKey: "K\n" }), `HIVE_KEY=${b64("K\n")}\n`);
  assert.equal(accessStdin({ siteKey: "K", retiredKey: "", rootPassword: "p w" }), `HIVE_KEY=${b64("K")}\nHIVE_ROOT_PASSWORD=${b64("p w")}\n`);
  assert.equal(accessStdin({ siteKey: "K", retiredKey: "R" }), `HIVE_KEY=${b64("K")}\nHIVE_RETIRED_KEY=${b64("R")}\n`);
});

test("the key to retire: the previous key after a rotation, and the same on every update after it", () => {
  assert.equal(keyToRetire("K1", {}), undefined);
  assert.equal(keyToRetire("K1", { sshPrivateKey: "K1" }), undefined);
  // Rotation K1 -> K2, then the updates after it, then back to K1.
  assert.equal(keyToRetire("K2", { sshPrivateKey: "K1" }), "K1");
  assert.equal(keyToRetire("K2", { sshPrivateKey: "K2", sshRetiredKey: "K1" }), "K1");
  assert.equal(keyToRetire("K1", { sshPrivateKey: "K2", sshRetiredKey: "K1" }), "K2");
  // A key is the same key whatever trailing newline it was stored with.
  assert.equal(keyToRetire("K1\n", { sshPrivateKey: "K1" }), undefined);
  assert.equal(keyToRetire("K1", { sshPrivateKey: "", sshRetiredKey: "K1\n" }), undefined);
});

test("secret strings resolve to secret outputs; an unknown secret is an error", async () => {
  const out = resolveSecretString({ kind: "secret", parts: ["a-", { secret: "pw" }, "-b"] }, { pw: "xyz" });
  assert.equal(await pulumi.isSecret(out), true);
  const value = await new Promise((resolve) => out.apply(resolve));
  assert.equal(value, "a-xyz-b");
  assert.equal(await pulumi.isSecret(resolveSecretString("plain")), true);
  assert.throws(() => resolveSecretString({ kind: "secret", parts: [{ secret: "nope" }] }, {}), { message: 'secret "nope" is not among the site\'s secrets' });
  assert.ok(pulumi.Output.isInstance(out));
});

test("separate_repository false: every server is a hive with a DRBD disk; hive_no_mirrored_device drops it", () => {
  const site = buildSite({ hosts: 3, separateRepository: false, subnets: null });
  assert.deepEqual(planAwsFleet(site, OPTIONS).servers.map((s) => [s.host.privateIp, s.instanceType, s.mirrored?.size ?? null]), [
    ["192.168.0.4", "t3.xlarge", 20],
    ["192.168.0.5", "t3.xlarge", 20],
    ["192.168.0.6", "t3.large", 20],
  ]);
  const host = site.hosts[0];
  assert.equal(mirroredDiskSize(host), 20);
  assert.equal(mirroredDiskSize({ ...host, vars: { hive_no_mirrored_device: true } }), null);
  assert.equal(mirroredDiskSize({ ...host, vars: { hive_no_mirrored_device: false } }), 20);
});

test("the CLI's ssh context localises both placeholders of the rendered ssh_config", () => {
  const text = renderSshConfig([{ name: "a.b", shortName: "a", hostName: "1.2.3.4", user: "u" }]);
  const local = localizeSshConfig(text, { keyPath: "/ctx/id", knownHostsPath: "/ctx/known_hosts" });
  assert.ok(local.includes("  IdentityFile /ctx/id\n"));
  assert.ok(local.includes("  UserKnownHostsFile /ctx/known_hosts\n"));
  assert.ok(!local.includes("@HIVE_"));
});
