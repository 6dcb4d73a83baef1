// What every provider's host fleet gives the rest of the program, and the pure helpers they share.
import * as pulumi from "@pulumi/pulumi";
import type { Host, Site, Subnet } from "../../src/inventory/model";

/** One server as the host-setup layer sees it. */
export interface ServerEndpoint {
  /** Inventory name, e.g. `s-hive0.pdns`. */
  readonly name: string;
  /** Address reachable from the internet (the private IP for prepared and vagrant). */
  readonly publicIp: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
  /** Address the operator's machine connects to over SSH. */
  readonly connectIp: pulumi.Output<string>;
  readonly adminUser: string;
  /** Resources that must exist before the server accepts SSH as the admin user (depend on these). */
  readonly ready: pulumi.Resource[];
}

/** The outputs every `hive:infra:*HostFleet` component exposes. */
export interface HostFleet {
  readonly servers: Record<string, ServerEndpoint>;
}

/** Options of the stage that are not in the inventory (stack config read by the program's entry). */
export interface FleetOptions {
  /** Sources allowed to reach SSH (port 22). */
  readonly adminCidrs: readonly string[];
  /** Stop the servers, keeping addresses and disks. */
  readonly halted: boolean;
  /** Lift the production protection of DRBD disks and public addresses. */
  readonly allowDestroyProduction: boolean;
}

/** Public keys and secrets the fleet needs to give the admin user access. */
export interface FleetKeys {
  readonly sshPublicKeyOpenssh: pulumi.Input<string>;
  /** The site's private key (secret). */
  readonly sshPrivateKeyPem: pulumi.Input<string>;
  /** The key it replaced, if any (secret). */
  readonly retiredSshKey?: pulumi.Input<string | undefined>;
}

/** SPEC §5.6: production DRBD disks and public addresses are protected unless explicitly allowed. */
export function protectData(site: Site, options: FleetOptions): boolean {
  return site.stage === "production" && !options.allowDestroyProduction;
}

export function ipToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [net, len] = cidr.split("/");
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ipToInt(net) / size) * size;
  const n = ipToInt(ip);
  return n >= start && n < start + size;
}

/** The subnets the fleet creates: the stage's `subnets`, or one covering the whole `cidr`. */
export function stageSubnets(site: Site): Subnet[] {
  if (site.spec.subnets.length > 0) return [...site.spec.subnets];
  return [{ name: `${site.name}-default`, cidr: site.spec.cidr, availabilityZone: null }];
}

/** The subnet a host lives in: by name, else the one containing its address. */
export function subnetOf(host: Host, subnets: readonly Subnet[]): Subnet {
  const found = subnets.find((s) => s.name === host.subnet) ?? subnets.find((s) => cidrContains(s.cidr, host.privateIp));
  if (!found) throw new Error(`host ${host.name}: no subnet holds ${host.privateIp} (subnets: ${subnets.map((s) => s.cidr).join(", ")})`);
  return found;
}

/**
 * GB of the separate DRBD disk the fleet attaches to a host, or null: none without `mirrored_disk_size`, and
 * none when the host's variables set `hive_no_mirrored_device` (the disk is provided some other way).
 */
export function mirroredDiskSize(host: Host): number | null {
  const off = host.vars.hive_no_mirrored_device;
  if (off === true || off === "true" || off === "True" || off === "yes") return null;
  return host.mirroredDiskSize;
}

/** Inbound policy shared by every cloud firewall (SPEC §5.1): SSH from the admins, published ports from anywhere. */
export interface IngressRule {
  readonly name: string;
  readonly protocol: "tcp" | "udp";
  readonly ports: readonly number[];
  readonly sources: readonly string[];
}

export function ingressRules(site: Site, options: FleetOptions, sshPort = 22): IngressRule[] {
  const rules: IngressRule[] = [{ name: "ssh", protocol: "tcp", ports: [sshPort], sources: [...options.adminCidrs] }];
  if (site.firewall.tcp.length > 0) rules.push({ name: "published-tcp", protocol: "tcp", ports: [...site.firewall.tcp], sources: ["0.0.0.0/0"] });
  if (site.firewall.udp.length > 0) rules.push({ name: "published-udp", protocol: "udp", ports: [...site.firewall.udp], sources: ["0.0.0.0/0"] });
  return rules;
}

/** Placeholders the CLI replaces with the paths of the stage's private key and known_hosts file. */
export const SSH_IDENTITY_PLACEHOLDER = "@HIVE_IDENTITY_FILE@";
export const SSH_KNOWN_HOSTS_PLACEHOLDER = "@HIVE_KNOWN_HOSTS_FILE@";

export interface SshConfigEntry {
  readonly name: string;
  readonly shortName: string;
  readonly hostName: string;
  readonly user: string;
}

/**
 * `ssh_config` text: one Host block per server, addressable by inventory name and short name. A known_hosts
 * file per stage, because stages (and rebuilt servers) reuse addresses.
 */
export function renderSshConfig(entries: readonly SshConfigEntry[], identityFile = SSH_IDENTITY_PLACEHOLDER, knownHostsFile = SSH_KNOWN_HOSTS_PLACEHOLDER): string {
  return entries
    .map((e) =>
      [
        `Host ${e.name} ${e.shortName}`,
        `  HostName ${e.hostName}`,
        `  User ${e.user}`,
        `  IdentityFile ${identityFile}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${knownHostsFile}`,
        "  StrictHostKeyChecking accept-new",
        "  PasswordAuthentication no",
        "",
      ].join("\n"),
    )
    .join("\n");
}

/** The plain (non-resource) part of the servers map, for registerOutputs and stack outputs. */
export function serverOutputs(servers: Record<string, ServerEndpoint>): Record<string, { publicIp: pulumi.Output<string>; privateIp: pulumi.Output<string>; adminUser: string }> {
  return Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, { publicIp: s.publicIp, privateIp: s.privateIp, adminUser: s.adminUser }]));
}
