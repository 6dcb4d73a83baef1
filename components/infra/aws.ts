// AWS host fleet (SPEC §5.1): VPC, subnets, internet gateway, routes, security group, key pair, instances
// with fixed private addresses, DRBD EBS volumes and Elastic IPs.
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
    return {
      host,
      subnet: subnetOf(host, stageSubnets(site)).name,
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

    const vpc = new Vpc(`${name}-vpc`, { cidrBlock: site.spec.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: awsTags(site, `vpc-${site.name}-${site.stage}`) }, child);
    this.vpcId = vpc.id;
    const zones = plan.subnets.some((s) => s.zone === null) ? getAvailabilityZonesOutput({ state: "available" }, child).names : pulumi.output([] as string[]);
    const subnets: Record<string, AwsSubnet> = {};
    for (const s of plan.subnets) {
      subnets[s.name] = new AwsSubnet(
        `${name}-subnet-${s.name}`,
        {
          vpcId: vpc.id,
          cidrBlock: s.cidr,
          availabilityZone: s.zone ?? zones.apply((z) => z[s.zoneIndex % z.length]),
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
    const keyPair = new KeyPair(`${name}-key`, { publicKey: args.keys.sshPublicKeyOpenssh, tags: awsTags(site, `hive-${site.name}-${site.stage}`) }, child);
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
      const instance = new Instance(
        base,
        {
          ami,
          instanceType: server.instanceType,
          subnetId: subnets[server.subnet].id,
          privateIp: host.privateIp,
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [sg.id],
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
        { ...child, dependsOn: [igw] },
      );
      const ready: pulumi.Resource[] = [];
      if (server.mirrored) {
        const volume = new Volume(
          `${base}-drbd`,
          {
            availabilityZone: instance.availabilityZone,
            size: server.mirrored.size,
            type: "gp3",
            encrypted: server.mirrored.encrypted,
            kmsKeyId: server.mirrored.encrypted ? (plan.kmsKeyId ?? undefined) : undefined,
            tags: awsTags(site, `drbd ${host.name}`),
          },
          protectedChild,
        );
        ready.push(new VolumeAttachment(`${base}-drbd`, { deviceName: DRBD_DEVICE_NAME, volumeId: volume.id, instanceId: instance.id }, child));
      }
      const eip = new Eip(`${base}-eip`, { domain: "vpc", tags: awsTags(site, `for ${host.name}`) }, protectedChild);
      ready.push(new EipAssociation(`${base}-eip`, { allocationId: eip.allocationId, instanceId: instance.id }, child));
      ready.push(new InstanceState(`${base}-state`, { instanceId: instance.id, state: options.halted ? "stopped" : "running" }, child));
      this.servers[host.name] = {
        name: host.name,
        publicIp: eip.publicIp,
        privateIp: instance.privateIp,
        connectIp: eip.publicIp,
        adminUser: site.adminUser,
        ready,
      };
    }
    this.registerOutputs({ vpcId: this.vpcId, servers: serverOutputs(this.servers) });
  }
}

