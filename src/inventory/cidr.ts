// IPv4 address arithmetic for host addresses and the internal_cidr split.
import type { InternalNetworks } from "./model";

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefix: number;
  /** Number of addresses. */
  readonly size: number;
}

export function ipToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses `a.b.c.d/n`; returns an error text (as Python's ipaddress would complain) instead of throwing. */
export function parseCidr(text: string): Cidr | string {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) return `"${text}" is not an IPv4 network in CIDR notation (a.b.c.d/n)`;
  const ip = ipToInt(m[1]);
  const prefix = Number(m[2]);
  if (ip === null) return `"${m[1]}" is not an IPv4 address`;
  if (prefix > 32) return `prefix length ${prefix} is larger than 32`;
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ip / size) * size;
  if (network !== ip) return `"${text}" has host bits set (the network is ${intToIp(network)}/${prefix})`;
  return { network, prefix, size };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.network)}/${c.prefix}`;
}

export function contains(outer: Cidr, ip: number): boolean {
  return ip >= outer.network && ip < outer.network + outer.size;
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return contains(outer, inner.network) && inner.network + inner.size <= outer.network + outer.size;
}

/**
 * hive-builder's split of `internal_cidr`: overlay 1/4, ingress 1/4 (gateway +1), docker_gwbridge 1/8,
 * docker0 1/8 (`--bip` is its first address), registry 1/8, zabbix 1/8.
 */
export function splitInternalCidr(cidr: Cidr | null): InternalNetworks {
  if (cidr === null) {
    return {
      overlay: null,
      ingress: null,
      ingressGateway: null,
      gwbridge: null,
      docker0: null,
      docker0Bip: null,
      registry: null,
      zabbix: null,
    };
  }
  const quarter = cidr.size / 4;
  const eighth = cidr.size / 8;
  const slice = (offset: number, extraBits: number): string =>
    `${intToIp(cidr.network + offset)}/${cidr.prefix + extraBits}`;
  return {
    overlay: slice(0, 2),
    ingress: slice(quarter, 2),
    ingressGateway: intToIp(cidr.network + quarter + 1),
    gwbridge: slice(eighth * 4, 3),
    docker0: slice(eighth * 5, 3),
    docker0Bip: `${intToIp(cidr.network + eighth * 5 + 1)}/${cidr.prefix + 3}`,
    registry: slice(eighth * 6, 3),
    zabbix: slice(eighth * 7, 3),
  };
}
