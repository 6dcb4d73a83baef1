// Site models for the host-setup tests, built by hand (valid per src/inventory/model.ts): one server,
// three hives plus a separate repository server, and three hives with the repository on the last one.
import type { Host, InternalNetworks, Provider, Site, Stage, Value } from "../../src/inventory/model";
import { STAGE_PREFIX } from "../../src/inventory/model";
import { splitInternalCidr } from "../../src/inventory/cidr";

export interface FixtureOptions {
  readonly name?: string;
  readonly stage?: Stage;
  readonly provider?: Provider;
  /** Number of servers, the last being the repository server. */
  readonly hosts: number;
  readonly separateRepository: boolean;
  /** Network address; hosts get .4, .5, … */
  readonly network?: string;
  readonly internalCidr?: boolean;
  readonly mirroredDiskSize?: number | null;
  readonly vars?: { readonly [key: string]: Value };
  readonly adminUser?: string;
}

/** hive-builder's split of 10.254.0.0/16 (notes §2). */
export const INTERNAL_NETWORKS: InternalNetworks = {
  overlay: "10.254.0.0/18",
  ingress: "10.254.64.0/18",
  ingressGateway: "10.254.64.1",
  gwbridge: "10.254.128.0/19",
  docker0: "10.254.160.0/19",
  docker0Bip: "10.254.160.1/19",
  registry: "10.254.192.0/19",
  zabbix: "10.254.224.0/19",
};

const NO_INTERNAL = splitInternalCidr(null);

export function makeSite(o: FixtureOptions): Site {
  const name = o.name ?? "pdns";
  const stage = o.stage ?? "staging";
  const provider = o.provider ?? "aws";
  const network = o.network ?? "192.168.0.0";
  const base = network.split(".").map(Number);
  const vars: { [key: string]: Value } = { hive_timezone: "Asia/Tokyo", ...(o.vars ?? {}) };
  const hosts: Host[] = [];
  for (let i = 0; i < o.hosts; i++) {
    const isRepository = i === o.hosts - 1;
    const isHive = !isRepository || !o.separateRepository;
    const isFirstHive = i === 0;
    const groups = [
      ...(isFirstHive ? ["first_hive"] : []),
      ...(isHive ? ["hives"] : []),
      ...(isRepository ? ["repository"] : []),
      "servers",
      stage,
    ].sort();
    const shortName = `${STAGE_PREFIX[stage]}hive${i}`;
    hosts.push({
      name: `${shortName}.${name}`,
      shortName,
      index: i,
      privateIp: [base[0], base[1], base[2], base[3] + 4 + i].join("."),
      prefixLength: 24,
      subnet: `${network}/24`,
      availabilityZone: null,
      zoneIndex: i % 3,
      groups,
      isHive,
      isRepository,
      isFirstHive,
      instanceType: null,
      diskSize: null,
      diskEncrypted: false,
      mirroredDiskSize: isHive ? (o.mirroredDiskSize === undefined ? 20 : o.mirroredDiskSize) : null,
      mirroredDiskEncrypted: false,
      memorySize: null,
      cpus: null,
      vars,
    });
  }
  const repo = hosts[hosts.length - 1];
  return {
    name,
    stage,
    provider,
    spec: {
      provider,
      cidr: `${network}/24`,
      subnets: [],
      separateRepository: o.separateRepository,
      numberOfHosts: o.hosts,
      customHostname: "hive",
      region: null,
      imageName: null,
      kmsKeyId: null,
      rootPassword: null,
      internalCidr: o.internalCidr === false ? null : "10.254.0.0/16",
      internalCidrV6: null,
      kernelVersion: null,
      drbdDownloadUrl: null,
      preparedResourceGroup: null,
      notSupportAz: false,
      bridge: null,
      dev: null,
      repositoryMemorySize: null,
      repositoryCpus: null,
      pos: { file: "/inventory/hive.yml", line: 1, column: 1 },
    },
    hosts,
    repository: repo.name,
    registry: `${repo.name}:5000`,
    firstHive: hosts[0].name,
    adminUser: o.adminUser ?? "admin",
    internalNetworks: o.internalCidr === false ? NO_INTERNAL : INTERNAL_NETWORKS,
    firewall: { tcp: [53], udp: [53] },
    services: [],
    volumes: [],
    networks: [],
    secrets: [{ name: "registry_password", length: 15, chars: ["ascii_letters", "digits"] }],
    vars,
    allocations: { ports: {}, minors: {} },
    newAllocations: { ports: {}, minors: {} },
    inventoryDir: "/inventory",
  };
}

/** One server that is hive, first hive and repository (hive-builder's private vagrant stage). */
export const oneHostSite = (): Site =>
  makeSite({ stage: "private", provider: "vagrant", hosts: 1, separateRepository: false, network: "192.168.56.0", internalCidr: false });

/** Three hives and a separate repository server. */
export const threeHivesAndRepoSite = (): Site =>
  makeSite({ stage: "staging", provider: "aws", hosts: 4, separateRepository: true, vars: { hive_ntp_servers: "ntp.nict.jp" } });

/** Three hives, the last one also the repository server. */
export const colocatedRepoSite = (): Site =>
  makeSite({ stage: "production", provider: "prepared", hosts: 3, separateRepository: false, mirroredDiskSize: null });
