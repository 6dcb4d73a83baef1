// Azure host fleet (SPEC §5.3): resource group (or an existing one), virtual network, subnets, network
// security group, Standard static public IPs, NICs with fixed private IPs, VMs in zones 1-3 with a DRBD data disk.
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import { ResourceGroup } from "@pulumi/azure-native/resources/resourceGroup";
import { getResourceGroupOutput } from "@pulumi/azure-native/resources/getResourceGroup";
import { VirtualNetwork } from "@pulumi/azure-native/network/virtualNetwork";
import { Subnet } from "@pulumi/azure-native/network/subnet";
import { NetworkSecurityGroup } from "@pulumi/azure-native/network/networkSecurityGroup";
import { PublicIPAddress } from "@pulumi/azure-native/network/publicIPAddress";
import { NetworkInterface } from "@pulumi/azure-native/network/networkInterface";
import { Disk } from "@pulumi/azure-native/compute/disk";
import { VirtualMachine } from "@pulumi/azure-native/compute/virtualMachine";
import { Command as LocalCommand } from "@pulumi/command/local/command";
import type { Host, Site } from "../../src/inventory/model";
import { FleetKeys, FleetOptions, HostFleet, ServerEndpoint, ingressRules, mirroredDiskSize, protectData, serverOutputs, stageSubnets, subnetOf } from "./fleet";

export const AZURE_DEFAULT_IMAGE = { publisher: "almalinux", offer: "almalinux-x86_64", sku: "9-gen2", version: "latest" } as const;
export const AZURE_DEFAULT_DISK_SIZE = 30;

export type AzureImage = { publisher: string; offer: string; sku: string; version: string } | { id: string };

/** `image_name`: a `{publisher, offer, sku, version}` mapping or a managed image / gallery id. */
export function azureImage(site: Site): AzureImage {
  const image = site.spec.imageName;
  if (image === null) return { ...AZURE_DEFAULT_IMAGE };
  if (typeof image === "string") {
    if (image.startsWith("/subscriptions/")) return { id: image };
    throw new Error(`stage ${site.stage}: image_name for azure must be {publisher, offer, sku, version} or an image resource id, got "${image}"`);
  }
  const missing = ["publisher", "offer", "sku"].filter((k) => !image[k]);
  if (missing.length > 0) throw new Error(`stage ${site.stage}: image_name for azure lacks ${missing.join(", ")}`);
  return { publisher: image.publisher, offer: image.offer, sku: image.sku, version: image.version ?? "latest" };
}

/** Zones 1-3 round robin (or the inventory's), none when the region has no zones (`not_support_az`). */
export function azureZones(site: Site, host: Host): string[] | undefined {
  if (site.spec.notSupportAz) return undefined;
  return [host.availabilityZone ?? String(((host.zoneIndex ?? host.index) % 3) + 1)];
}

export interface AzureSecurityRule {
  name: string;
  priority: number;
  direction: "Inbound";
  access: "Allow";
  protocol: string;
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  sourcePortRange: string;
  destinationAddressPrefix: string;
  destinationPortRanges?: string[];
  destinationPortRange?: string;
}

/** NSG rules: the virtual network, SSH from the admins, published ports; Azure's default rules deny the rest. */
export function azureSecurityRules(site: Site, options: FleetOptions): AzureSecurityRule[] {
  const rules: AzureSecurityRule[] = [
    { name: "internal", priority: 100, direction: "Inbound", access: "Allow", protocol: "*", sourceAddressPrefix: "VirtualNetwork", sourcePortRange: "*", destinationAddressPrefix: "*", destinationPortRange: "*" },
  ];
  ingressRules(site, options).forEach((r, i) =>
    rules.push({
      name: r.name,
      priority: 110 + i,
      direction: "Inbound",
      access: "Allow",
      protocol: r.protocol === "tcp" ? "Tcp" : "Udp",
      sourceAddressPrefixes: [...r.sources],
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRanges: r.ports.map(String),
    }),
  );
  return rules;
}

export interface AzureHostFleetArgs {
  site: Site;
  options: FleetOptions;
  keys: FleetKeys;
}

export class AzureHostFleet extends pulumi.ComponentResource implements HostFleet {
  public readonly servers: Record<string, ServerEndpoint> = {};
  public readonly resourceGroupName: pulumi.Output<string>;

  constructor(name: string, args: AzureHostFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:infra:AzureHostFleet", name, {}, opts);
    const { site, options } = args;
    const location = site.spec.region;
    if (!location) throw new Error(`stage ${site.stage}: provider azure needs a region`);
    const image = azureImage(site);
    const provider = new Provider(`${name}-azure`, { location }, { parent: this });
    const child = { parent: this, provider };
    const protect = protectData(site, options);
    const tags = { project: site.name, stage: site.stage };

    this.resourceGroupName = site.spec.preparedResourceGroup
      ? getResourceGroupOutput({ resourceGroupName: site.spec.preparedResourceGroup }, child).name
      : new ResourceGroup(`${name}-rg`, { resourceGroupName: `${site.name}-${site.stage}`, location, tags }, child).name;
    const resourceGroupName = this.resourceGroupName;

    const nsg = new NetworkSecurityGroup(`${name}-nsg`, { resourceGroupName, location, securityRules: azureSecurityRules(site, options), tags }, child);
    const vnet = new VirtualNetwork(`${name}-vnet`, { resourceGroupName, location, addressSpace: { addressPrefixes: [site.spec.cidr] }, tags }, child);
    const stage = stageSubnets(site);
    const subnets: Record<string, Subnet> = {};
    for (const s of stage) {
      subnets[s.name] = new Subnet(
        `${name}-subnet-${s.name}`,
        { resourceGroupName, virtualNetworkName: vnet.name, subnetName: s.name, addressPrefix: s.cidr, networkSecurityGroup: { id: nsg.id } },
        child,
      );
    }

    for (const host of site.hosts) {
      if (!host.instanceType) throw new Error(`host ${host.name}: provider azure needs instance_type`);
      const res = `${name}-${host.shortName}`;
      const zones = azureZones(site, host);
      const ip = new PublicIPAddress(
        `${res}-ip`,
        { resourceGroupName, location, sku: { name: "Standard" }, publicIPAllocationMethod: "Static", publicIPAddressVersion: "IPv4", tags },
        { ...child, protect },
      );
      const nic = new NetworkInterface(
        `${res}-nic`,
        {
          resourceGroupName,
          location,
          networkSecurityGroup: { id: nsg.id },
          ipConfigurations: [
            {
              name: "primary",
              primary: true,
              subnet: { id: subnets[subnetOf(host, stage).name].id },
              privateIPAllocationMethod: "Static",
              privateIPAddress: host.privateIp,
              publicIPAddress: { id: ip.id },
            },
          ],
          tags,
        },
        child,
      );
      const dataDisks = [];
      const mirrored = mirroredDiskSize(host);
      if (mirrored !== null) {
        const disk = new Disk(
          `${res}-drbd`,
          {
            resourceGroupName,
            location,
            zones,
            sku: { name: "Premium_LRS" },
            diskSizeGB: mirrored,
            creationData: { createOption: "Empty" },
            encryption:
              host.mirroredDiskEncrypted && site.spec.kmsKeyId ? { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: site.spec.kmsKeyId } : undefined,
            tags,
          },
          { ...child, protect },
        );
        dataDisks.push({ lun: 0, createOption: "Attach", managedDisk: { id: disk.id }, deleteOption: "Detach" });
      }
      const vm = new VirtualMachine(
        res,
        {
          resourceGroupName,
          location,
          zones,
          hardwareProfile: { vmSize: host.instanceType },
          networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
          osProfile: {
            computerName: host.shortName,
            adminUsername: site.adminUser,
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              ssh: { publicKeys: [{ path: `/home/${site.adminUser}/.ssh/authorized_keys`, keyData: args.keys.sshPublicKeyOpenssh }] },
            },
          },
          storageProfile: {
            imageReference: image,
            osDisk: {
              createOption: "FromImage",
              diskSizeGB: host.diskSize ?? AZURE_DEFAULT_DISK_SIZE,
              managedDisk: {
                storageAccountType: "Premium_LRS",
                diskEncryptionSet: host.diskEncrypted && site.spec.kmsKeyId ? { id: site.spec.kmsKeyId } : undefined,
              },
              deleteOption: "Delete",
            },
            dataDisks,
          },
          tags,
        },
        child,
      );
      const ready: pulumi.Resource[] = [vm];
      if (options.halted) {
        // azure-native has no power-state property: a command that exists only while halted deallocates the
        // VM when created and starts it again when removed (hive:halted back to false). Needs the az CLI.
        ready.push(
          new LocalCommand(
            `${res}-halt`,
            { create: 'az vm deallocate --ids "$VM_ID"', delete: 'az vm start --ids "$VM_ID"', environment: { VM_ID: vm.id } },
            { parent: this },
          ),
        );
      }
      this.servers[host.name] = {
        name: host.name,
        publicIp: ip.ipAddress.apply((a) => a ?? ""),
        privateIp: pulumi.output(host.privateIp),
        connectIp: ip.ipAddress.apply((a) => a ?? ""),
        adminUser: site.adminUser,
        ready,
      };
    }
    this.registerOutputs({ resourceGroupName: this.resourceGroupName, servers: serverOutputs(this.servers) });
  }
}
