// Shared helpers of the AWS suite: the real engine and plugins of the end-to-end suite plus an aws resource
// plugin, talking to the EC2 emulator (moto) that scripts/aws/run.sh starts on loopback; what the emulator
// holds, read through the EC2 API; `hive` and `pulumi` in a scratch copy of the checkout.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { engineMissingReason, hasPlugin, loadE2eEnv, repoRoot } from "../e2e/harness";

/** The pulumi-aws release of the npm SDK; the engine asks for a plugin of this version. */
export const AWS_PLUGIN_VERSION = "7.48.0";

const cache = join(homedir(), ".cache/hive");
const standinDir = process.env.HIVE_AWS_STANDIN_CACHE ?? join(cache, "aws-standin");
const pluginsDir = process.env.HIVE_PLUGINS_BIN ?? join(cache, "plugins/bin");
export const motoPython = process.env.HIVE_MOTO_PYTHON ?? "";
export const endpoint = process.env.HIVE_MOTO_ENDPOINT ?? "";

/**
 * The suite's environment: the end-to-end suite's (engine on PATH, throwaway file backend), the upstream
 * plugins, an aws plugin (a real pulumi-aws on PATH or in PULUMI_HOME wins; else the stand-in), and the
 * emulator's endpoint with dummy credentials. Nothing reaches a real AWS account.
 */
export function awsEnv(): { env: NodeJS.ProcessEnv; stateDir: string; plugin: string } {
  const stateDir = mkdtempSync(join(tmpdir(), "hive-aws-state-"));
  const env = loadE2eEnv(stateDir);
  env.PATH = `${pluginsDir}:${env.PATH}`;
  let plugin = "pulumi-aws";
  if (!hasPlugin(env, "resource", "aws", AWS_PLUGIN_VERSION)) {
    env.PATH = `${standinDir}:${env.PATH}`;
    plugin = `the stand-in in ${standinDir}`;
  }
  for (const key of Object.keys(env)) if (key.startsWith("AWS_")) delete env[key];
  Object.assign(env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_EC2_METADATA_DISABLED: "true",
    // The engine may not look for a newer plugin on the internet.
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  });
  return { env, stateDir, plugin };
}

/** Why the suite cannot run here, or undefined. */
export function awsMissingReason(env: NodeJS.ProcessEnv): string | undefined {
  const engine = engineMissingReason(env, ["command", "random", "tls", "docker"]);
  if (engine) return engine;
  if (!hasPlugin(env, "resource", "aws", AWS_PLUGIN_VERSION)) return `missing: an aws resource plugin ${AWS_PLUGIN_VERSION} (bash scripts/aws/build-standin.sh builds the stand-in)`;
  if (endpoint === "" || motoPython === "") return "no EC2 emulator: run the suite with npm run test:aws (scripts/aws/run.sh starts moto)";
  return undefined;
}

export interface Ec2State {
  zones: string[];
  vpcs: { VpcId: string; CidrBlock: string; IsDefault: boolean; Tags?: Tag[] }[];
  subnets: { SubnetId: string; VpcId: string; CidrBlock: string; AvailabilityZone: string; MapPublicIpOnLaunch: boolean; Tags?: Tag[] }[];
  internetGateways: { InternetGatewayId: string; Attachments: { VpcId: string; State: string }[]; Tags?: Tag[] }[];
  routeTables: { RouteTableId: string; VpcId: string; Routes: { DestinationCidrBlock?: string; GatewayId?: string }[]; Associations: { SubnetId?: string; Main: boolean }[] }[];
  securityGroups: { GroupId: string; GroupName: string; VpcId: string; IpPermissions: Permission[]; IpPermissionsEgress: Permission[] }[];
  keyPairs: { KeyName: string; KeyPairId: string; Tags?: Tag[] }[];
  instances: Instance[];
  volumes: { VolumeId: string; Size: number; VolumeType: string; AvailabilityZone: string; Encrypted: boolean; State: string; Attachments: { InstanceId: string; Device: string; State: string }[]; Tags?: Tag[] }[];
  addresses: { AllocationId: string; PublicIp: string; InstanceId?: string; NetworkInterfaceId?: string; AssociationId?: string; Domain: string; Tags?: Tag[] }[];
  networkInterfaces: { NetworkInterfaceId: string; VpcId: string; PrivateIpAddress: string; Status: string; Groups: { GroupId: string }[]; TagSet?: Tag[] }[];
}
export interface Tag {
  Key: string;
  Value: string;
}
export interface Permission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges: { CidrIp: string }[];
  UserIdGroupPairs: { GroupId: string }[];
}
export interface Instance {
  InstanceId: string;
  InstanceType: string;
  ImageId: string;
  PrivateIpAddress: string;
  PublicIpAddress?: string;
  SubnetId: string;
  KeyName: string;
  State: { Name: string };
  Placement: { AvailabilityZone: string };
  SecurityGroups: { GroupId: string }[];
  BlockDeviceMappings: { DeviceName: string; Ebs: { VolumeId: string } }[];
  NetworkInterfaces: { NetworkInterfaceId: string; Attachment: { DeviceIndex: number } }[];
  Tags?: Tag[];
}

/** What the emulator holds in a region, read through the EC2 API (test/aws/ec2_state.py, boto3). */
export function ec2State(region: string): Ec2State {
  const r = spawnSync(motoPython, [join(repoRoot, "test/aws/ec2_state.py"), region], {
    env: { PATH: process.env.PATH, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ec2_state.py ${region} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Ec2State;
}

export const tag = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

/** What the site left in a region: everything but the region's default VPC and its parts, and terminated instances. */
export function siteResources(s: Ec2State): Record<string, string[]> {
  const defaultVpcs = new Set(s.vpcs.filter((v) => v.IsDefault).map((v) => v.VpcId));
  return {
    vpcs: s.vpcs.filter((v) => !v.IsDefault).map((v) => v.VpcId),
    subnets: s.subnets.filter((x) => !defaultVpcs.has(x.VpcId)).map((x) => x.SubnetId),
    internetGateways: s.internetGateways.filter((g) => !g.Attachments.some((a) => defaultVpcs.has(a.VpcId))).map((g) => g.InternetGatewayId),
    routeTables: s.routeTables.filter((t) => !defaultVpcs.has(t.VpcId)).map((t) => t.RouteTableId),
    securityGroups: s.securityGroups.filter((g) => !defaultVpcs.has(g.VpcId)).map((g) => g.GroupId),
    keyPairs: s.keyPairs.map((k) => k.KeyName),
    instances: s.instances.filter((i) => i.State.Name !== "terminated").map((i) => i.InstanceId),
    volumes: s.volumes.map((v) => v.VolumeId),
    addresses: s.addresses.map((a) => a.AllocationId),
    networkInterfaces: s.networkInterfaces.filter((n) => !defaultVpcs.has(n.VpcId)).map((n) => n.NetworkInterfaceId),
  };
}

export interface Run {
  status: number | null;
  out: string;
}

/** `hive …` in the project copy `dir`. */
export function hive(env: NodeJS.ProcessEnv, dir: string, args: string[], timeout = 600_000): Run {
  const r = spawnSync(process.execPath, [join(dir, "bin/hive.js"), ...args], { cwd: dir, env, encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The counts of `hive: up succeeded: create 3, same 4` (absent kinds are 0). */
export function changes(out: string): Record<string, number> {
  const m = out.match(/hive: \w+ succeeded: (.*)$/m);
  if (!m) throw new Error(`no result line in:\n${out}`);
  if (m[1] === "no changes reported") return {};
  return Object.fromEntries(m[1].split(", ").map((part) => [part.split(" ")[0], Number(part.split(" ")[1])]));
}

/** The changes besides `same`. */
export function realChanges(out: string): Record<string, number> {
  return Object.fromEntries(Object.entries(changes(out)).filter(([kind]) => kind !== "same"));
}

export { repoRoot, existsSync };
