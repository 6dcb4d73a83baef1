// AWS host fleet (SPEC §5.1): VPC, subnets, internet gateway, routes, security group, key pair, instances
// with fixed private addresses (on network interfaces of their own), DRBD EBS volumes and Elastic IPs.
import * as pulumi from "@pulumi/pulumi";
// Submodule imports: `@pulumi/aws` as a whole loads every service module (slow `hive plan`).
import { Provider } from "@pulumi/aws/provider";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { getAmiOutput } from "@pulumi/aws/ec2/getAmi";
import { Vpc } from "@pulumi/aws/ec2/vpc";
import { Subnet as AwsSubnet } from "@pulumi/aws/ec2/subnet";
import { InternetGateway } from "@pulumi/aws/ec2/internetGateway";
import { RouteTable } from "@pulumi/aws/ec2/routeTable";
import { RouteTableAssociation } from "@pulumi/aws/ec2/routeTableAssociation";
import { SecurityGroup } from "@pulumi/aws/ec2/securityGroup";
import { KeyPair } from "@pulumi/aws/ec2/keyPair";
import { Instance } from "@pulumi/aws/ec2/instance";
import { NetworkInterface } from "@pulumi/aws/ec2/networkInterface";
import { Volume } from "@pulumi/aws/ebs/volume";
import { VolumeAttachment } from "@pulumi/aws/ec2/volumeAttachment";
import { Eip } from "@pulumi/aws/ec2/eip";
import { EipAssociation } from "@pulumi/aws/ec2/eipAssociation";
import { InstanceState } from "@pulumi/aws/ec2transitgateway/instanceState";
import type { Host, Site } from "../../src/inventory/model";
import { FleetKeys, FleetOptions, HostFleet, IngressRule, ServerEndpoint, ingressRules, mirroredDiskSize, protectData, serverOutputs, stageSubnets, subnetOf } from "./fleet";

/** AlmaLinux OS Foundation's AWS account, owner of the official AlmaLinux AMIs. */
export const ALMALINUX_AMI_OWNER = "764336703387";
export const ALMALINUX_AMI_NAME = "AlmaLinux OS 9*";
export const DRBD_DEVICE_NAME = "/dev/sdb";

export interface AwsSubnetPlan {
  readonly name: string;
  readonly cidr: string;
  /** Zone from the inventory; null = `zoneIndex` into the region's zone list. */
  readonly zone: string | null;
  readonly zoneIndex: number;
}

export interface AwsServerPlan {
  readonly host: Host;
  readonly subnet: string;
  /** The subnet's zone from the inventory; null = the subnet's `zoneIndex` into the region's zone list. */
  readonly zone: string | null;
  readonly instanceType: string;
  readonly diskSize: number;
  readonly diskEncrypted: boolean;
  readonly mirrored: { readonly size: number; readonly encrypted: boolean } | null;
}

export interface AwsFleetPlan {
  readonly region: string;
  readonly subnets: readonly AwsSubnetPlan[];
  readonly servers: readonly AwsServerPlan[];
  readonly ingress: readonly IngressRule[];
  readonly kmsKeyId: string | null;
  /** AMI id from `image_name`; null = look up AlmaLinux 9. */
  readonly ami: string | null;
  readonly protect: boolean;
}

/** Default root disk when `disk_size` is not given (GB). */
export const AWS_DEFAULT_DISK_SIZE = 20;

export function planAwsFleet(site: Site, options: FleetOptions): AwsFleetPlan {
  const region = site.spec.region;
  if (!region) throw new Error(`stage ${site.stage}: provider aws needs a region`);
  if (site.spec.imageName !== null && typeof site.spec.imageName !== "string") {
    throw new Error(`stage ${site.stage}: image_name for aws must be an AMI id, not a mapping`);
  }
  const subnets = stageSubnets(site).map((s, i) => ({ name: s.name, cidr: s.cidr, zone: s.availabilityZone, zoneIndex: i }));
  const servers = site.hosts.map((host): AwsServerPlan => {
    if (!host.instanceType) throw new Error(`host ${host.name}: provider aws needs instance_type`);
    const mirrored = mirroredDiskSize(host);
    const subnet = subnetOf(host, stageSubnets(site));
    return {
      host,
      subnet: subnet.name,
      zone: subnet.availabilityZone,
      instanceType: host.instanceType,
      diskSize: host.diskSize ?? AWS_DEFAULT_DISK_SIZE,
      diskEncrypted: host.diskEncrypted,
      mirrored: mirrored === null ? null : { size: mirrored, encrypted: host.mirroredDiskEncrypted },
    };
  });
  return {
    region,
    subnets,
    servers,
    ingress: ingressRules(site, options),
    kmsKeyId: site.spec.kmsKeyId,
    ami: site.spec.imageName,
    protect: protectData(site, options),
  };
}

/**
 * The zone of each subnet: the inventory's, else the region's zones in turn. Throws, listing the region's
 * zones, when the inventory names one the region does not offer (accounts differ: newer ones have no
 * ap-northeast-1b), so the stage fails before any resource is created instead of half way through.
 */
export function awsSubnetZones(plan: Pick<AwsFleetPlan, "region" | "subnets">, available: readonly string[]): Record<string, string> {
  if (available.length === 0) throw new Error(`region ${plan.region} offers no available zone`);
  const unknown = plan.subnets.filter((s) => s.zone !== null && !available.includes(s.zone));
  if (unknown.length > 0) {
    const named = unknown.map((s) => `${s.zone} (subnet ${s.name})`).join(", ");
    throw new Error(`region ${plan.region} has no availability zone ${named}; its available zones are ${available.join(", ")}: set available_zone of the subnet to one of them`);
  }
  return Object.fromEntries(plan.subnets.map((s) => [s.name, s.zone ?? available[s.zoneIndex % available.length]]));
}

/** Inline security-group ingress: the shared policy plus all traffic between members of the group. */
export function awsIngress(rules: readonly IngressRule[]): { protocol: string; fromPort: number; toPort: number; cidrBlocks?: string[]; self?: boolean; description: string }[] {
  const out: { protocol: string; fromPort: number; toPort: number; cidrBlocks?: string[]; self?: boolean; description: string }[] = [
    { protocol: "-1", fromPort: 0, toPort: 0, self: true, description: "inside the site" },
  ];
  for (const rule of rules) {
    for (const port of rule.ports) {
      out.push({ protocol: rule.protocol, fromPort: port, toPort: port, cidrBlocks: [...rule.sources], description: `${rule.name} ${port}/${rule.protocol}` });
    }
  }
  return out;
}

export function awsTags(site: Site, name: string): Record<string, string> {
  return { Name: name, Project: site.name, Stage: site.stage };
}

/**
 * A ResourceError whose message stays as written. The runtime reports a failed registration once, but first
 * every dependent that fails to serialize an input prefixes the same error's message with its property
 * name ("error serializing property "vpcId": …" dozens of times over); here those prefixes are dropped.
 */
export function fixedMessageError(message: string, resource: pulumi.Resource): pulumi.ResourceError {
  const err = new pulumi.ResourceError(message, resource, true);
  Object.defineProperty(err, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
  return err;
}

export interface AwsHostFleetArgs {
  site: Site;
  options: FleetOptions;
  keys: FleetKeys;
}

export class AwsHostFleet extends pulumi.ComponentResource implements HostFleet {
  public readonly servers: Record<string, ServerEndpoint> = {};
  public readonly vpcId: pulumi.Output<string>;

  constructor(name: string, args: AwsHostFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hive:infra:AwsHostFleet", name, {}, opts);
    const { site, options } = args;
    const plan = planAwsFleet(site, options);
    const provider = new Provider(`${name}-aws`, { region: plan.region }, { parent: this });
    const child = { parent: this, provider };
    const protectedChild = { ...child, protect: plan.protect };

    // The region's zones are checked before anything is created: the resources that depend on no other
    // (VPC, key pair, DRBD volumes, Elastic IPs) wait for the check; everything else depends on the VPC.
    const available = getAvailabilityZonesOutput({ state: "available" }, child).names;
    const checked = {
      dependsOn: available.apply((names) => {
        try {
          awsSubnetZones(plan, names);
        } catch (err) {
          throw fixedMessageError(`stage ${site.stage}: ${(err as Error).message}`, this);
        }
        return [] as pulumi.Resource[];
      }),
    };
    const zones = available.apply((names) => awsSubnetZones({ ...plan, subnets: plan.subnets.filter((s) => s.zone === null || names.includes(s.zone)) }, names));
    const vpc = new Vpc(`${name}-vpc`, { cidrBlock: site.spec.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: awsTags(site, `vpc-${site.name}-${site.stage}`) }, { ...child, ...checked });
    this.vpcId = vpc.id;
    const subnets: Record<string, AwsSubnet> = {};
    for (const s of plan.subnets) {
      subnets[s.name] = new AwsSubnet(
        `${name}-subnet-${s.name}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.cidr,
          availabilityZone: zones.apply((z) => z[s.name] ?? s.zone),
          mapPublicIpOnLaunch: false,
          tags: awsTags(site, s.name),
        },
        child,
      );
    }
    const igw = new InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: awsTags(site, `gateway for vpc-${site.name}-${site.stage}`) }, child);
    const routes = new RouteTable(`${name}-rt`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: awsTags(site, `public-${site.name}-${site.stage}`) }, child);
    for (const s of plan.subnets) {
      new RouteTableAssociation(`${name}-rta-${s.name}`, { subnetId: subnets[s.name].id, routeTableId: routes.id }, child);
    }
    const sg = new SecurityGroup(
      `${name}-sg`,
      {
        vpcId: vpc.id,
        description: `hive ${site.name} ${site.stage}`,
        ingress: awsIngress(plan.ingress),
        egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all egress" }],
        tags: awsTags(site, `group-${site.name}-${site.stage}`),
      },
      child,
    );
    const keyPair = new KeyPair(`${name}-key`, { publicKey: args.keys.sshPublicKeyOpenssh, tags: awsTags(site, `hive-${site.name}-${site.stage}`) }, { ...child, ...checked });
    const ami =
      plan.ami ??
      getAmiOutput(
        {
          mostRecent: true,
          owners: [ALMALINUX_AMI_OWNER],
          filters: [
            { name: "name", values: [ALMALINUX_AMI_NAME] },
            { name: "architecture", values: ["x86_64"] },
          ],
        },
        child,
      ).id;

    for (const server of plan.servers) {
      const host = server.host;
      const base = `${name}-${host.shortName}`;
      // The server's private address and security group live on its own network interface, which outlives
      // the instance: a replaced server comes back at the same address with the same Elastic IP (associated
      // with the interface), and nothing can take the address meanwhile.
      const nic = new NetworkInterface(
        `${base}-nic`,
        { subnetId: subnets[server.subnet].id, privateIps: [host.privateIp], securityGroups: [sg.id], description: `primary interface of ${host.name}`, tags: awsTags(site, host.name) },
        child,
      );
      const instance = new Instance(
        base,
        {
          ami,
          instanceType: server.instanceType,
          // No associatePublicIpAddress: the subnet gives no public address at launch, and AWS reports the
          // flag true once the Elastic IP is associated, so setting it false would replace the server.
          primaryNetworkInterface: { networkInterfaceId: nic.id },
          keyName: keyPair.keyName,
          rootBlockDevice: {
            volumeSize: server.diskSize,
            volumeType: "gp3",
            encrypted: server.diskEncrypted,
            kmsKeyId: server.diskEncrypted ? (plan.kmsKeyId ?? undefined) : undefined,
            deleteOnTermination: true,
          },
          tags: awsTags(site, host.name),
        },
        // A replacement deletes the old server first: the interface is the primary one of one instance at a
        // time. What attaches to the instance (DRBD volume, state) is made again for the new one.
        { ...child, dependsOn: [igw], deleteBeforeReplace: true },
      );
      const ready: pulumi.Resource[] = [];
      if (server.mirrored) {
        const volume = new Volume(
          `${base}-drbd`,
          {
            // The subnet's zone, not the instance's output: a replaced instance must not replace the data disk.
            availabilityZone: zones.apply((z) => z[server.subnet] ?? server.zone),
            size: server.mirrored.size,
            type: "gp3",
            encrypted: server.mirrored.encrypted,
            kmsKeyId: server.mirrored.encrypted ? (plan.kmsKeyId ?? undefined) : undefined,
            tags: awsTags(site, `drbd ${host.name}`),
          },
          { ...protectedChild, ...checked },
        );
        // The server stops before its data disk is detached (replacement, destroy): no write is cut off.
        ready.push(new VolumeAttachment(`${base}-drbd`, { deviceName: DRBD_DEVICE_NAME, volumeId: volume.id, instanceId: instance.id, stopInstanceBeforeDetaching: true }, child));
      }
      const eip = new Eip(`${base}-eip`, { domain: "vpc", tags: awsTags(site, `for ${host.name}`) }, { ...protectedChild, ...checked });
      ready.push(new EipAssociation(`${base}-eip`, { allocationId: eip.allocationId, networkInterfaceId: nic.id }, { ...child, dependsOn: [igw] }));
      ready.push(new InstanceState(`${base}-state`, { instanceId: instance.id, state: options.halted ? "stopped" : "running" }, child));
      this.servers[host.name] = {
        name: host.name,
        publicIp: eip.publicIp,
        privateIp: nic.privateIp,
        connectIp: eip.publicIp,
        adminUser: site.adminUser,
        ready,
      };
    }
    this.registerOutputs({ vpcId: this.vpcId, servers: serverOutputs(this.servers) });
  }
}

