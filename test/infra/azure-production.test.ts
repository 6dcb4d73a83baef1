// The pdns example's production stage on Azure: four servers in japaneast, RHEL image from the inventory,
// 100 GB (150 GB repository) OS disks, 20 GB DRBD data disks on the hives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pdnsProduction } from "../helpers/site-fixture";
import { planSite, type PlanView } from "../helpers/plan";

const site = pdnsProduction();
let view: PlanView;

test.before(async () => {
  view = await planSite(site, { adminCidrs: ["198.51.100.7/32"] });
});

const T = {
  rg: "azure-native:resources:ResourceGroup",
  vnet: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  nsg: "azure-native:network:NetworkSecurityGroup",
  ip: "azure-native:network:PublicIPAddress",
  nic: "azure-native:network:NetworkInterface",
  disk: "azure-native:compute:Disk",
  vm: "azure-native:compute:VirtualMachine",
};

test("every Azure resource is a child of the fleet and uses the stage's explicit provider", () => {
  const provider = view.get("pulumi:providers:azure-native", "pdns-azure-azure");
  assert.equal(provider.inputs.location, "japaneast");
  const resources = view.all.filter((r) => r.type.startsWith("azure-native:"));
  assert.equal(resources.length, 1 + 1 + 1 + 1 + 4 + 4 + 3 + 4);
  for (const r of resources) {
    assert.equal(view.parentName(r), "pdns-azure");
    assert.ok(r.provider.startsWith(`${provider.urn}::`), r.name);
  }
});

test("a resource group is created; vnet and one subnet cover the cidr; the subnet carries the NSG", () => {
  assert.equal(view.get(T.rg, "pdns-azure-rg").inputs.resourceGroupName, "pdns-production");
  assert.deepEqual(view.get(T.vnet, "pdns-azure-vnet").inputs.addressSpace, { addressPrefixes: ["192.168.0.0/24"] });
  const subnet = view.get(T.subnet, "pdns-azure-subnet-pdns-default");
  assert.equal(subnet.inputs.addressPrefix, "192.168.0.0/24");
  assert.deepEqual(view.dependencyNames(subnet), ["pdns-azure-nsg", "pdns-azure-rg", "pdns-azure-vnet"]);
});

test("NSG: virtual network, SSH from the admins, published tcp and udp ports", () => {
  const rules = (view.get(T.nsg, "pdns-azure-nsg").inputs.securityRules as Record<string, unknown>[]).map((r) => [
    r.name,
    r.priority,
    r.protocol,
    r.sourceAddressPrefix ?? r.sourceAddressPrefixes,
    r.destinationPortRange ?? r.destinationPortRanges,
  ]);
  assert.deepEqual(rules, [
    ["internal", 100, "*", "VirtualNetwork", "*"],
    ["ssh", 110, "Tcp", ["198.51.100.7/32"], ["22"]],
    ["published-tcp", 111, "Tcp", ["0.0.0.0/0"], ["53", "80", "443"]],
    ["published-udp", 112, "Udp", ["0.0.0.0/0"], ["53"]],
  ]);
});

test("static Standard public IPs and NICs with fixed private addresses", () => {
  for (const ip of view.byType(T.ip)) {
    assert.deepEqual(ip.inputs.sku, { name: "Standard" });
    assert.equal(ip.inputs.publicIPAllocationMethod, "Static");
  }
  const nics = view.byType(T.nic).map((n) => {
    const [cfg] = n.inputs.ipConfigurations as { privateIPAddress: string; privateIPAllocationMethod: string }[];
    return [n.name, cfg.privateIPAddress, cfg.privateIPAllocationMethod, view.dependencyNames(n).filter((d) => d.endsWith("-ip")).join()];
  });
  assert.deepEqual(nics.sort(), [0, 1, 2, 3].map((i) => [`pdns-azure-hive${i}-nic`, `192.168.0.${4 + i}`, "Static", `pdns-azure-hive${i}-ip`]));
});

test("VMs in zones 1-3 round robin with size, image, admin user, key-only login and disk sizes", () => {
  const rows = view.byType(T.vm).map((vm) => {
    const storage = vm.inputs.storageProfile as { imageReference: unknown; osDisk: { diskSizeGB: number }; dataDisks: { lun: number; createOption: string }[] };
    const os = vm.inputs.osProfile as { adminUsername: string; computerName: string; linuxConfiguration: { disablePasswordAuthentication: boolean } };
    return [
      vm.name,
      (vm.inputs.zones as string[]).join(),
      (vm.inputs.hardwareProfile as { vmSize: string }).vmSize,
      os.computerName,
      os.adminUsername,
      os.linuxConfiguration.disablePasswordAuthentication,
      storage.osDisk.diskSizeGB,
      storage.dataDisks.length,
    ];
  });
  assert.deepEqual(rows.sort(), [
    ["pdns-azure-hive0", "1", "Standard_D2s_v3", "hive0", "hiveadmin", true, 100, 1],
    ["pdns-azure-hive1", "2", "Standard_D2s_v3", "hive1", "hiveadmin", true, 100, 1],
    ["pdns-azure-hive2", "3", "Standard_D2s_v3", "hive2", "hiveadmin", true, 100, 1],
    ["pdns-azure-hive3", "1", "Standard_D2s_v3", "hive3", "hiveadmin", true, 150, 0],
  ]);
  const storage = view.get(T.vm, "pdns-azure-hive0").inputs.storageProfile as { imageReference: unknown };
  assert.deepEqual(storage.imageReference, { offer: "RHEL", publisher: "RedHat", sku: "86-gen2", version: "latest" });
});

test("DRBD data disks: 20 GB Premium_LRS, empty, in the VM's zone, attached as lun 0, protected in production", () => {
  const disks = view.byType(T.disk).map((d) => [d.name, d.inputs.diskSizeGB, (d.inputs.zones as string[]).join(), (d.inputs.sku as { name: string }).name, d.protect]);
  assert.deepEqual(disks.sort(), [
    ["pdns-azure-hive0-drbd", 20, "1", "Premium_LRS", true],
    ["pdns-azure-hive1-drbd", 20, "2", "Premium_LRS", true],
    ["pdns-azure-hive2-drbd", 20, "3", "Premium_LRS", true],
  ]);
  const vm = view.get(T.vm, "pdns-azure-hive0");
  assert.ok(view.dependencyNames(vm).includes("pdns-azure-hive0-drbd"));
  const [data] = (vm.inputs.storageProfile as { dataDisks: Record<string, unknown>[] }).dataDisks;
  assert.equal(data.lun, 0);
  assert.equal(data.createOption, "Attach");
});

test("protected: the DRBD disks, the public IPs and the destroy guards, nothing else", () => {
  const names = view.all.filter((r) => r.protect).map((r) => r.name).sort();
  assert.deepEqual(names, ["pdns-azure-hive0-drbd", "pdns-azure-hive0-ip", "pdns-azure-hive1-drbd", "pdns-azure-hive1-ip", "pdns-azure-hive2-drbd", "pdns-azure-hive2-ip", "pdns-azure-hive3-ip", "pdns-destroy-guard", "pdns-infra-destroy-guard"]);
});

test("no power command unless halted", () => {
  assert.equal(view.byType("command:local:Command").length, 0);
});
