// Builds valid site models for component tests without reading YAML. The defaults are the pdns example's
// staging stage (aws, three subnets in ap-northeast-1d/1a/1c, four servers, separate repository).
import type { Host, Provider, Site, Stage, StageSpec, Subnet } from "../../src/inventory/model";
import { STAGE_PREFIX } from "../../src/inventory/model";

export interface SiteFixtureOptions {
  name?: string;
  stage?: Stage;
  provider?: Provider;
  hosts?: number;
  separateRepository?: boolean;
  cidr?: string;
  /** `null` = no `subnets` in the stage (hosts from network + 4). */
  subnets?: Subnet[] | null;
  ipAddressList?: string[];
  region?: string | null;
  instanceType?: string | null;
  repositoryInstanceType?: string | null;
  diskSize?: number | null;
  repositoryDiskSize?: number | null;
  mirroredDiskSize?: number | null;
  diskEncrypted?: boolean;
  mirroredDiskEncrypted?: boolean;
  kmsKeyId?: string | null;
  imageName?: StageSpec["imageName"];
  rootPassword?: StageSpec["rootPassword"];
  preparedResourceGroup?: string | null;
  notSupportAz?: boolean;
  memorySize?: number | null;
  cpus?: number | null;
  firewall?: { tcp: number[]; udp: number[] };
  adminUser?: string;
}

export const PDNS_STAGING_SUBNETS: Subnet[] = [
  { name: "subnet-a", cidr: "192.168.0.0/26", availabilityZone: "ap-northeast-1d" },
  { name: "subnet-b", cidr: "192.168.0.64/26", availabilityZone: "ap-northeast-1a" },
  { name: "subnet-c", cidr: "192.168.0.128/26", availabilityZone: "ap-northeast-1c" },
];

const ADMIN_USERS: Partial<Record<Provider, string>> = { vagrant: "vagrant", aws: "ec2-user", azure: "hiveadmin" };

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

function parseCidr(cidr: string): { network: number; prefix: number } {
  const [ip, prefix] = cidr.split("/");
  return { network: ipToInt(ip), prefix: Number(prefix) };
}

/** Zone of host i when the stage spreads hosts over the region (hive-builder's rule per provider). */
function spreadZone(provider: Provider, region: string | null, i: number): string | null {
  if (provider === "azure") return String((i % 3) + 1);
  if (provider === "gcp" && region) return `${region}-${"abc"[i % 3]}`;
  return null;
}

export function buildSite(opts: SiteFixtureOptions = {}): Site {
  const name = opts.name ?? "pdns";
  const stage = opts.stage ?? "staging";
  const provider = opts.provider ?? "aws";
  const separateRepository = opts.separateRepository ?? true;
  const cidr = opts.cidr ?? "192.168.0.0/24";
  const subnets = opts.subnets === undefined ? (provider === "aws" ? PDNS_STAGING_SUBNETS : null) : opts.subnets;
  const count = opts.ipAddressList?.length ?? opts.hosts ?? (separateRepository ? 4 : 3);
  const region = opts.region === undefined ? "ap-northeast-1" : opts.region;
  const mirrored = opts.mirroredDiskSize === undefined ? 20 : opts.mirroredDiskSize;
  const { prefix } = parseCidr(cidr);

  const subnetNext = (subnets ?? []).map((s) => parseCidr(s.cidr).network + 5);
  const hosts: Host[] = [];
  for (let i = 0; i < count; i++) {
    const isRepository = i === count - 1;
    const isHive = !isRepository || !separateRepository;
    const shortName = `${STAGE_PREFIX[stage]}hive${i}`;
    let privateIp: string;
    let subnet: Subnet;
    if (subnets && subnets.length > 0) {
      const k = i % subnets.length;
      subnet = subnets[k];
      privateIp = intToIp(subnetNext[k]++);
    } else {
      subnet = { name: `${name}-default`, cidr, availabilityZone: null };
      privateIp = opts.ipAddressList?.[i] ?? intToIp(parseCidr(cidr).network + 4 + i);
    }
    const zone = subnet.availabilityZone ?? spreadZone(provider, region, i);
    const groups = [...(i === 0 ? ["first_hive"] : []), ...(isHive ? ["hives"] : []), ...(isRepository ? ["repository"] : []), "servers", stage].sort();
    hosts.push({
      name: `${shortName}.${name}`,
      shortName,
      index: i,
      privateIp,
      prefixLength: subnets && subnets.length > 0 ? parseCidr(subnet.cidr).prefix : prefix,
      subnet: subnet.name,
      availabilityZone: zone,
      zoneIndex: subnet.availabilityZone ? null : i % 3,
      groups,
      isHive,
      isRepository,
      isFirstHive: i === 0,
      instanceType: isRepository ? (opts.repositoryInstanceType === undefined ? "t3.large" : opts.repositoryInstanceType) : opts.instanceType === undefined ? "t3.xlarge" : opts.instanceType,
      diskSize: isRepository && separateRepository ? (opts.repositoryDiskSize ?? opts.diskSize ?? 20) : (opts.diskSize ?? 20),
      diskEncrypted: opts.diskEncrypted ?? false,
      mirroredDiskSize: isHive ? mirrored : null,
      mirroredDiskEncrypted: opts.mirroredDiskEncrypted ?? false,
      memorySize: opts.memorySize ?? null,
      cpus: opts.cpus ?? null,
      vars: {},
    });
  }

  const repository = hosts[count - 1].name;
  return {
    name,
    stage,
    provider,
    spec: {
      provider,
      cidr,
      subnets: subnets ?? [],
      separateRepository,
      numberOfHosts: count,
      customHostname: "hive",
      region,
      imageName: opts.imageName ?? null,
      kmsKeyId: opts.kmsKeyId ?? null,
      rootPassword: opts.rootPassword ?? null,
      internalCidr: null,
      internalCidrV6: null,
      kernelVersion: null,
      drbdDownloadUrl: null,
      preparedResourceGroup: opts.preparedResourceGroup ?? null,
      notSupportAz: opts.notSupportAz ?? false,
      bridge: null,
      dev: null,
      repositoryMemorySize: null,
      repositoryCpus: null,
      pos: { file: "hive.yml", line: 1, column: 1 },
    },
    hosts,
    repository,
    registry: `${repository}:5000`,
    firstHive: hosts[0].name,
    adminUser: opts.adminUser ?? ADMIN_USERS[provider] ?? "admin",
    internalNetworks: { overlay: null, ingress: null, ingressGateway: null, gwbridge: null, docker0: null, docker0Bip: null, registry: null, zabbix: null },
    firewall: opts.firewall ?? { tcp: [53, 80, 443], udp: [53] },
    services: [],
    volumes: [],
    networks: [],
    secrets: [],
    vars: {},
    allocations: { ports: {}, minors: {} },
    newAllocations: { ports: {}, minors: {} },
    inventoryDir: "/nonexistent/inventory",
  };
}

/** The pdns example's production stage: azure, japaneast, RHEL image dict, no subnets. */
export function pdnsProduction(overrides: SiteFixtureOptions = {}): Site {
  return buildSite({
    stage: "production",
    provider: "azure",
    region: "japaneast",
    subnets: null,
    instanceType: "Standard_D2s_v3",
    repositoryInstanceType: "Standard_D2s_v3",
    imageName: { offer: "RHEL", publisher: "RedHat", sku: "86-gen2", version: "latest" },
    diskSize: 100,
    repositoryDiskSize: 150,
    mirroredDiskSize: 20,
    ...overrides,
  });
}

/** The commented-out gcp production stage of the pdns example. */
export function gcpSite(overrides: SiteFixtureOptions = {}): Site {
  return buildSite({
    stage: "production",
    provider: "gcp",
    region: "asia-northeast2",
    subnets: null,
    instanceType: "n1-standard-2",
    repositoryInstanceType: "n1-standard-2",
    diskSize: 100,
    repositoryDiskSize: 150,
    ...overrides,
  });
}

/** A prepared stage with explicit addresses. */
export function preparedSite(overrides: SiteFixtureOptions = {}): Site {
  return buildSite({
    stage: "staging",
    provider: "prepared",
    region: null,
    subnets: null,
    cidr: "10.0.0.0/24",
    ipAddressList: ["10.0.0.11", "10.0.0.12", "10.0.0.13"],
    separateRepository: false,
    instanceType: null,
    repositoryInstanceType: null,
    mirroredDiskSize: null,
    ...overrides,
  });
}

/** The pdns example's private stage: vagrant, one server that is hive and repository. */
export function vagrantSite(overrides: SiteFixtureOptions = {}): Site {
  return buildSite({
    stage: "private",
    provider: "vagrant",
    region: null,
    subnets: null,
    cidr: "192.168.56.0/27",
    hosts: 1,
    separateRepository: false,
    memorySize: 4096,
    instanceType: null,
    repositoryInstanceType: null,
    ...overrides,
  });
}
