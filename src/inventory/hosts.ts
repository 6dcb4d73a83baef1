// Hive definition → stage spec and hosts (hive-builder's naming, addressing, zones and groups).
import { STAGE_PREFIX, type Host, type Provider, type SourcePos, type Stage, type StageSpec, type Subnet } from "./model";
import { contains, containsCidr, formatCidr, intToIp, ipToInt, parseCidr, type Cidr } from "./cidr";
import type { StageInput } from "./schema";
import type { Path } from "./yamlfile";

/** Reports a problem at a path relative to the stage object. */
export type Report = (path: Path, message: string) => void;

const IAAS: readonly Provider[] = ["aws", "azure", "gcp", "openstack"];
const CUSTOM_HOSTNAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const HIVE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export interface DerivedStage {
  readonly spec: StageSpec;
  /** Hosts without `vars` (filled in once the templates can be evaluated). */
  readonly hosts: Omit<Host, "vars">[];
  readonly firstHive: string;
}

export function checkHiveName(name: string): string | null {
  return HIVE_NAME.test(name)
    ? null
    : `name: must be a domain-like name of lowercase letters, digits, hyphens and dots, but is "${name}"`;
}

/** The admin login user: `hive_admin` or the provider's default (hive-builder `hive_safe_admin`). */
export function adminUserFor(provider: Provider, hiveAdmin: unknown): string {
  if (typeof hiveAdmin === "string" && hiveAdmin !== "") return hiveAdmin;
  return ({ vagrant: "vagrant", aws: "ec2-user", azure: "hiveadmin" } as Partial<Record<Provider, string>>)[provider] ?? "admin";
}

/**
 * Derives the stage's spec and hosts. Every problem is reported (several at once); returns null when the
 * hosts cannot be derived.
 */
export function deriveStage(
  name: string,
  stage: Stage,
  input: StageInput,
  firstHiveIndex: number,
  pos: SourcePos,
  report: Report,
): DerivedStage | null {
  const p = input.provider;
  const before = { count: 0 };
  const fail: Report = (path, message) => {
    before.count++;
    report(path, message);
  };
  if (p === "kickstart" || p === "openstack") {
    fail(["provider"], `"${p}" is not supported yet; use provider "prepared" with ip_address_list for existing servers`);
  }
  if (input.kickstart_config !== undefined && p !== "kickstart") {
    fail(["kickstart_config"], "cannot be specified when provider is not kickstart");
  }
  if (p === "vagrant") {
    if (input.instance_type !== undefined) fail(["instance_type"], "cannot be specified when provider is vagrant");
    if (input.repository_instance_type !== undefined) {
      fail(["repository_instance_type"], "cannot be specified when provider is vagrant");
    }
    if (input.region !== undefined) fail(["region"], "cannot be specified when provider is vagrant");
  }
  if (p !== "azure") {
    if (input.prepared_resource_group !== undefined) {
      fail(["prepared_resource_group"], 'is only available when provider is "azure"');
    }
    if (input.not_support_az !== undefined) fail(["not_support_az"], 'is only available when provider is "azure"');
  }
  if (IAAS.includes(p)) {
    for (const key of ["memory_size", "cpus", "dev", "bridge"] as const) {
      if (input[key] !== undefined) {
        fail([key], `cannot be specified when provider is IaaS (${p}); it is for vagrant, kickstart and prepared`);
      }
    }
    if (input.region === undefined && p !== "openstack") fail([], `region must be specified when provider is ${p}`);
  }
  if (p !== "vagrant") {
    for (const key of ["repository_memory_size", "repository_cpus"] as const) {
      if (input[key] !== undefined) fail([key], "can only be specified when provider is vagrant");
    }
  }
  const custom = input.custom_hostname ?? "hive";
  if (!CUSTOM_HOSTNAME.test(custom)) {
    fail(["custom_hostname"], `must consist of lowercase letters, digits and hyphens (not at either end), but is "${custom}"`);
  } else if (custom.length + name.length >= 55) {
    fail(input.custom_hostname === undefined ? [] : ["custom_hostname"], `custom_hostname + name must be shorter than 55 characters, but "${custom}" + "${name}" has ${custom.length + name.length}`);
  }
  const separate = input.separate_repository ?? true;
  if (input.shared_repository !== undefined) {
    if (!separate) {
      fail(["shared_repository"], "requires separate_repository: true");
    }
    fail(["shared_repository"], "is not supported yet; use a repository server of the stage");
  }
  for (const [flag, key] of [
    ["disk_encrypted", "disk_encrypted"],
    ["repository_disk_encrypted", "repository_disk_encrypted"],
    ["mirrored_disk_encrypted", "mirrored_disk_encrypted"],
  ] as const) {
    if (input[flag] === true && input.kms_key_id === undefined) fail([key], "requires kms_key_id");
  }
  let internal: Cidr | null = null;
  if (input.internal_cidr !== undefined) {
    const c = parseCidr(input.internal_cidr);
    if (typeof c === "string") fail(["internal_cidr"], c);
    else if (c.prefix > 28) fail(["internal_cidr"], `must be a /28 or larger network to be split, but is /${c.prefix}`);
    else internal = c;
  }
  const cidr = parseCidr(input.cidr);
  if (typeof cidr === "string") {
    fail(["cidr"], cidr);
    return null;
  }

  // Addresses.
  type Slot = { ip: number; subnet: Subnet; subnetIndex: number; prefix: number };
  const slots: Slot[] = [];
  const prefix = STAGE_PREFIX[stage];
  let count: number;
  let subnets: Subnet[];
  if (input.subnets !== undefined) {
    if (input.ip_address_list !== undefined) {
      fail(["ip_address_list"], "cannot be combined with subnets; give the addresses or the subnets");
    }
    count = input.number_of_hosts ?? (separate ? 4 : 3);
    const parsed: { cidr: Cidr; subnet: Subnet }[] = [];
    input.subnets.forEach((s, i) => {
      const c = parseCidr(s.cidr);
      if (typeof c === "string") {
        fail(["subnets", i, "cidr"], c);
        return;
      }
      if (!containsCidr(cidr, c)) {
        fail(["subnets", i, "cidr"], `${s.cidr} is not inside the stage's cidr ${input.cidr}`);
        return;
      }
      parsed.push({ cidr: c, subnet: { name: s.name ?? `${prefix}subnet${i}`, cidr: formatCidr(c), availabilityZone: s.available_zone ?? null } });
    });
    subnets = parsed.map((x) => x.subnet);
    if (parsed.length !== input.subnets.length) return null;
    const next = parsed.map((x) => x.cidr.network + 5);
    for (let i = 0; i < count; i++) {
      const k = i % parsed.length;
      const s = parsed[k];
      if (next[k] > s.cidr.network + s.cidr.size - 2) {
        fail(["subnets", k, "cidr"], `${s.subnet.cidr} has no address left for host ${i} (addresses start at the network address + 5)`);
        return null;
      }
      slots.push({ ip: next[k]++, subnet: s.subnet, subnetIndex: k, prefix: s.cidr.prefix });
    }
  } else {
    const main: Subnet = { name: `${name}-default`, cidr: formatCidr(cidr), availabilityZone: null };
    subnets = [main];
    if (input.ip_address_list !== undefined) {
      count = input.ip_address_list.length;
      if (input.number_of_hosts !== undefined && input.number_of_hosts !== count) {
        fail(["number_of_hosts"], `is ${input.number_of_hosts}, but ip_address_list has ${count} addresses; remove number_of_hosts`);
      }
      const seen = new Set<number>();
      input.ip_address_list.forEach((text, i) => {
        const ip = ipToInt(text);
        if (ip === null) fail(["ip_address_list", i], `"${text}" is not an IPv4 address`);
        else if (!contains(cidr, ip)) fail(["ip_address_list", i], `${text} is not inside cidr ${input.cidr}`);
        else if (seen.has(ip)) fail(["ip_address_list", i], `${text} is listed twice`);
        else {
          seen.add(ip);
          slots.push({ ip, subnet: main, subnetIndex: 0, prefix: cidr.prefix });
        }
      });
      if (slots.length !== count) return null;
    } else {
      count = input.number_of_hosts ?? (separate ? 4 : 3);
      const room = Math.max(0, cidr.size - 5);
      if (count > room) {
        fail(input.number_of_hosts === undefined ? ["cidr"] : ["number_of_hosts"], `${input.cidr} has room for ${room} hosts (from the network address + 4), but the stage needs ${count}`);
        return null;
      }
      for (let i = 0; i < count; i++) slots.push({ ip: cidr.network + 4 + i, subnet: main, subnetIndex: 0, prefix: cidr.prefix });
    }
  }
  if (separate && count < 2) {
    fail(input.number_of_hosts === undefined ? [] : ["number_of_hosts"], "separate_repository needs at least 2 hosts (hives and a repository server); set separate_repository: false for a single server");
    return null;
  }
  const hiveCount = separate ? count - 1 : count;
  if (firstHiveIndex < 0 || firstHiveIndex >= hiveCount || !Number.isInteger(firstHiveIndex)) {
    fail([], `first_hive is ${firstHiveIndex}, but the hives are numbered 0 to ${hiveCount - 1}`);
    return null;
  }
  if (before.count > 0) return null;

  const suffixes = input.az_suffix_list ?? ["-a", "-b", "-c"];
  const zoneOf = (i: number, slot: Slot): { zone: string | null; index: number | null } => {
    if (slot.subnet.availabilityZone !== null) return { zone: slot.subnet.availabilityZone, index: null };
    switch (p) {
      case "azure":
        return input.not_support_az ? { zone: null, index: null } : { zone: String((i % 3) + 1), index: i % 3 };
      case "aws":
        // An AWS subnet lives in one zone: hosts of a given subnet share its zone.
        return { zone: null, index: input.subnets !== undefined ? slot.subnetIndex % 3 : i % 3 };
      case "gcp":
        return input.region ? { zone: input.region + suffixes[i % suffixes.length], index: i % suffixes.length } : { zone: null, index: null };
      default:
        return { zone: null, index: null };
    }
  };
  const hostName = (i: number) => `${prefix}${custom}${i}.${name}`;
  const hosts: Omit<Host, "vars">[] = slots.map((slot, i) => {
    const isRepository = i === count - 1;
    const isHive = !separate || !isRepository;
    const isFirstHive = i === firstHiveIndex;
    const groups = ["servers", stage];
    if (isHive) groups.push("hives");
    if (isRepository) groups.push("repository");
    if (isFirstHive) groups.push("first_hive");
    groups.sort();
    const zone = zoneOf(i, slot);
    const asHive = isHive;
    const repoOnly = isRepository && separate;
    const pick = <T>(hiveValue: T | undefined, repoValue: T | undefined): T | null =>
      repoOnly ? repoValue ?? null : isRepository ? repoValue ?? hiveValue ?? null : asHive ? hiveValue ?? null : null;
    const n = hostName(i);
    return {
      name: n,
      shortName: n.split(".")[0],
      index: i,
      privateIp: intToIp(slot.ip),
      prefixLength: slot.prefix,
      subnet: slot.subnet.name,
      availabilityZone: zone.zone,
      zoneIndex: zone.index,
      groups,
      isHive,
      isRepository,
      isFirstHive,
      // A separate repository server without repository_instance_type runs on instance_type (hive-builder left it
      // unset, which every cloud provider then refused).
      instanceType: pick(input.instance_type, input.repository_instance_type) ?? (isRepository ? input.instance_type ?? null : null),
      diskSize: pick(input.disk_size, input.repository_disk_size),
      diskEncrypted: pick(input.disk_encrypted, input.repository_disk_encrypted) ?? false,
      mirroredDiskSize: repoOnly ? null : input.mirrored_disk_size ?? null,
      mirroredDiskEncrypted: repoOnly ? false : input.mirrored_disk_encrypted ?? false,
      memorySize: pick(input.memory_size, input.repository_memory_size),
      cpus: pick(input.cpus, input.repository_cpus),
    };
  });
  const spec: StageSpec = {
    provider: p,
    cidr: formatCidr(cidr),
    subnets,
    separateRepository: separate,
    numberOfHosts: count,
    customHostname: custom,
    region: input.region ?? null,
    imageName: input.image_name ?? null,
    kmsKeyId: input.kms_key_id ?? null,
    rootPassword: input.root_password ?? null,
    internalCidr: internal ? formatCidr(internal) : null,
    internalCidrV6: input.internal_cidr_v6 ?? null,
    kernelVersion: input.kernel_version ?? null,
    drbdDownloadUrl: input.drbd_download_url ?? null,
    preparedResourceGroup:
      typeof input.prepared_resource_group === "string" ? input.prepared_resource_group : input.prepared_resource_group ? name : null,
    notSupportAz: input.not_support_az ?? false,
    bridge: input.bridge ?? null,
    dev: input.dev ?? null,
    repositoryMemorySize: input.repository_memory_size ?? null,
    repositoryCpus: input.repository_cpus ?? null,
    pos,
  };
  return { spec, hosts, firstHive: hostName(firstHiveIndex) };
}
