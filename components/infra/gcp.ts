// GCP host fleet (SPEC §5.2): VPC network, subnetworks, firewall rules, static external addresses,
// instances with an attached persistent disk for DRBD.
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/gcp/provider";
import { Network } from "@pulumi/gcp/compute/network";
import { Subnetwork } from "@pulumi/gcp/compute/subnetwork";
import { Firewall } from "@pulumi/gcp/compute/firewall";
import { Address } from "@pulumi/gcp/compute/address";
import { Disk } from "@pulumi/gcp/compute/disk";
import { Instance } from "@pulumi/gcp/compute/instance";
import type { Host, Site } from "../../src/inventory/model";
import { FleetKeys, FleetOptions, HostFleet, ServerEndpoint, ingressRules, mirroredDiskSize, protectData, serverOutputs, stageSubnets, subnetOf } from "./fleet";

export const GCP_DEFAULT_IMAGE = "projects/almalinux-cloud/global/images/family/almalinux-9";
export const GCP_DEFAULT_DISK_SIZE = 25;

/**
 * A valid GCP resource name (RFC 1035 label: lower case letters, digits and dashes, starting with a letter,
 * at most 63 characters, not ending with a dash). hive-builder derived names from dotted host names and
 * produced invalid ones.
 */
export function gcpName(raw: string): string {
  let name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  if (!/^[a-z]/.test(name)) name = `h-${name}`;
  name = name.slice(0, 63).replace(/-+$/, "");
  return name;
}

export function gcpZone(site: Site, host: Host): string {
  if (host.availabilityZone) return host.availabilityZone;
  return `${site.spec.region}-${"abc"[(host.zoneIndex ?? host.index) % 3]}`;
}

export interface GcpFirewallPlan {
  readonly name: string;
  readonly sourceRanges: readonly string[];
  readonly allows: readonly { readonly protocol: string; readonly ports?: readonly string[] }[];
}

/** Three rules with distinct names (hive-builder's `hive_firewall_name` gave all three the same name). */
export function gcpFirewalls(site: Site, options: FleetOptions): GcpFirewallPlan[] {
  const base = `${site.name}-${site.stage}`;
  const [ssh, ...published] = ingressRules(site, options);
  return [
    {
      name: gcpName(`internal-${base}`),
      sourceRanges: [site.spec.cidr],
      allows: [{ protocol: "tcp", ports: ["0-65535"] }, { protocol: "udp", ports: ["0-65535"] }, { protocol: "icmp" }],
    },
    { name: gcpName(`ssh-${base}`), sourceRanges: [...ssh.sources], allows: [{ protocol: "tcp", ports: ssh.ports.map(String) }] },
    {
      name: gcpName(`inbound-${base}`),
      sourceRanges: ["0.0.0.0/0"],
      allows: [...published.map((r) => ({ protocol: r.protocol, ports: r.ports.map(String) })), { protocol: "icmp" }],
    },
  ];
}

export interface GcpHostFleetArgs {
  site: Site;
  options: FleetOptions;
  keys: FleetKeys;
  /** GCP project; the provider's own default (environment) when absent. */
  project?: string;
}

export class GcpHostFleet extends pulumi.ComponentResource implements HostFleet {
  public readonly servers: Record<string, ServerEndpoint> = {};

  constructor(name: string, args: GcpHostFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:infra:GcpHostFleet", name, {}, opts);
    const { site, options } = args;
    const region = site.spec.region;
    if (!region) throw new Error(`stage ${site.stage}: provider gcp needs a region`);
    if (site.spec.imageName !== null && typeof site.spec.imageName !== "string") {
      throw new Error(`stage ${site.stage}: image_name for gcp must be an image URI, not a mapping`);
    }
    const provider = new Provider(`${name}-gcp`, { project: args.project, region }, { parent: this });
    const child = { parent: this, provider };
    const protect = protectData(site, options);
    const base = `${site.name}-${site.stage}`;

    const network = new Network(`${name}-network`, { name: gcpName(`vpc-${base}`), autoCreateSubnetworks: false, mtu: 1500 }, child);
    const subnets: Record<string, Subnetwork> = {};
    const stage = stageSubnets(site);
    for (const s of stage) {
      subnets[s.name] = new Subnetwork(`${name}-subnet-${s.name}`, { name: gcpName(`${base}-${s.name}`), ipCidrRange: s.cidr, region, network: network.id }, child);
    }
    for (const fw of gcpFirewalls(site, options)) {
      new Firewall(
        `${name}-${fw.name}`,
        { name: fw.name, network: network.id, direction: "INGRESS", sourceRanges: [...fw.sourceRanges], allows: fw.allows.map((a) => ({ protocol: a.protocol, ports: a.ports ? [...a.ports] : undefined })) },
        child,
      );
    }
    const image = site.spec.imageName ?? GCP_DEFAULT_IMAGE;
    const kms = site.spec.kmsKeyId ?? undefined;

    for (const host of site.hosts) {
      if (!host.instanceType) throw new Error(`host ${host.name}: provider gcp needs instance_type`);
      const n = gcpName(`${host.name}`);
      const zone = gcpZone(site, host);
      const res = `${name}-${host.shortName}`;
      const address = new Address(`${res}-ip`, { name: gcpName(`gip-${n}`), region, addressType: "EXTERNAL" }, { ...child, protect });
      const attachedDisks = [];
      const mirrored = mirroredDiskSize(host);
      if (mirrored !== null) {
        const disk = new Disk(
          `${res}-drbd`,
          {
            name: gcpName(`drbd-${n}`),
            zone,
            size: mirrored,
            type: "pd-balanced",
            diskEncryptionKey: host.mirroredDiskEncrypted && kms ? { kmsKeySelfLink: kms } : undefined,
          },
          { ...child, protect },
        );
        attachedDisks.push({ source: disk.selfLink, deviceName: "drbd" });
      }
      const instance = new Instance(
        res,
        {
          name: n,
          zone,
          machineType: host.instanceType,
          bootDisk: {
            autoDelete: true,
            initializeParams: { image, size: host.diskSize ?? GCP_DEFAULT_DISK_SIZE, type: "pd-balanced" },
            kmsKeySelfLink: host.diskEncrypted && kms ? kms : undefined,
          },
          attachedDisks,
          networkInterfaces: [{ subnetwork: subnets[subnetOf(host, stage).name].id, networkIp: host.privateIp, accessConfigs: [{ natIp: address.address }] }],
          metadata: {
            "ssh-keys": pulumi.interpolate`${site.adminUser}:${args.keys.sshPublicKeyOpenssh}`,
            "enable-oslogin": "FALSE",
          },
          desiredStatus: options.halted ? "TERMINATED" : "RUNNING",
          allowStoppingForUpdate: true,
          labels: { project: gcpName(site.name), stage: site.stage },
        },
        child,
      );
      this.servers[host.name] = {
        name: host.name,
        publicIp: address.address,
        privateIp: pulumi.output(host.privateIp),
        connectIp: address.address,
        adminUser: site.adminUser,
        ready: [instance],
      };
    }
    this.registerOutputs({ servers: serverOutputs(this.servers) });
  }
}
