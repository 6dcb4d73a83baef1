// A GCP stage (the pdns example's commented-out production alternative) with five servers, halted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gcpSite } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const site = gcpSite({ hosts: 5, name: "Pdns.Example" });
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { halted: true, gcpProject: "my-project" });
});

const T = {
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  firewall: "gcp:compute/firewall:Firewall",
  address: "gcp:compute/address:Address",
  disk: "gcp:compute/disk:Disk",
  instance: "gcp:compute/instance:Instance",
};

test("provider with project and region; network without auto subnetworks; a subnetwork for the cidr", () => {
  const provider = view.get("pulumi:providers:gcp", "Pdns.Example-gcp-gcp");
  assert.equal(provider.inputs.project, "my-project");
  assert.equal(provider.inputs.region, "asia-northeast2");
  const network = view.get(T.network, "Pdns.Example-gcp-network");
  assert.equal(network.inputs.autoCreateSubnetworks, false);
  assert.equal(network.inputs.name, "vpc-pdns-example-production");
  const subnet = view.get(T.subnet, "Pdns.Example-gcp-subnet-Pdns.Example-default");
  assert.equal(subnet.inputs.ipCidrRange, "192.168.0.0/24");
  assert.equal(subnet.inputs.name, "pdns-example-production-pdns-example-default");
});

test("three firewall rules with distinct valid names", () => {
  const rules = view.byType(T.firewall).map((f) => [f.inputs.name, f.inputs.sourceRanges, f.inputs.allows]);
  assert.deepEqual(rules.sort(), [
    ["inbound-pdns-example-production", ["0.0.0.0/0"], [{ protocol: "tcp", ports: ["53", "80", "443"] }, { protocol: "udp", ports: ["53"] }, { protocol: "icmp" }]],
    ["internal-pdns-example-production", ["192.168.0.0/24"], [{ protocol: "tcp", ports: ["0-65535"] }, { protocol: "udp", ports: ["0-65535"] }, { protocol: "icmp" }]],
    ["ssh-pdns-example-production", ["0.0.0.0/0"], [{ protocol: "tcp", ports: ["22"] }]],
  ]);
});

test("instances: valid names, zones a/b/c round robin, fixed addresses, static NAT address, terminated", () => {
  const rows = view.byType(T.instance).map((i) => {
    const [nic] = i.inputs.networkInterfaces as { networkIp: string; accessConfigs: { natIp: string }[] }[];
    const boot = i.inputs.bootDisk as { initializeParams: { image: string; size: number } };
    return [i.inputs.name, i.inputs.zone, i.inputs.machineType, nic.networkIp, boot.initializeParams.image, boot.initializeParams.size, i.inputs.desiredStatus, (i.inputs.attachedDisks as unknown[]).length];
  });
  const image = "projects/almalinux-cloud/global/images/family/almalinux-9";
  assert.deepEqual(rows.sort(), [
    ["hive0-pdns-example", "asia-northeast2-a", "n1-standard-2", "192.168.0.4", image, 100, "TERMINATED", 1],
    ["hive1-pdns-example", "asia-northeast2-b", "n1-standard-2", "192.168.0.5", image, 100, "TERMINATED", 1],
    ["hive2-pdns-example", "asia-northeast2-c", "n1-standard-2", "192.168.0.6", image, 100, "TERMINATED", 1],
    ["hive3-pdns-example", "asia-northeast2-a", "n1-standard-2", "192.168.0.7", image, 100, "TERMINATED", 1],
    ["hive4-pdns-example", "asia-northeast2-b", "n1-standard-2", "192.168.0.8", image, 150, "TERMINATED", 0],
  ]);
  const hive0 = view.get(T.instance, "Pdns.Example-gcp-hive0");
  assert.deepEqual(view.dependencyNames(hive0), ["Pdns.Example-gcp-hive0-drbd", "Pdns.Example-gcp-hive0-ip", "Pdns.Example-gcp-subnet-Pdns.Example-default", "Pdns.Example-pki-ssh"]);
  const metadata = hive0.inputs.metadata as Record<string, string>;
  assert.match(metadata["ssh-keys"], /^admin:ssh-rsa /);
  assert.equal(metadata["enable-oslogin"], "FALSE");
});

test("DRBD disks in the instance's zone, protected in production with the addresses", () => {
  const disks = view.byType(T.disk).map((d) => [d.inputs.name, d.inputs.zone, d.inputs.size, d.protect]);
  assert.deepEqual(disks.sort(), [
    ["drbd-hive0-pdns-example", "asia-northeast2-a", 20, true],
    ["drbd-hive1-pdns-example", "asia-northeast2-b", 20, true],
    ["drbd-hive2-pdns-example", "asia-northeast2-c", 20, true],
    ["drbd-hive3-pdns-example", "asia-northeast2-a", 20, true],
  ]);
  const addresses = view.byType(T.address);
  assert.equal(addresses.length, 5);
  assert.ok(addresses.every((a) => a.protect && a.inputs.addressType === "EXTERNAL"));
});
