// The ipaddr family of filters (ansible.utils: ipaddr, ipv4, ipv6, ipwrap, nthhost, ipmath) with the semantics
// of the collection, which wraps Python's netaddr: a value is an address with a prefix length (an address alone
// has the full length), a query picks what to return, and a value the query does not apply to gives false.
// Addresses are held as bigints so IPv4 and IPv6 share one arithmetic.

/** An address with its prefix length, as netaddr's IPNetwork (the address keeps its host bits). */
interface Net {
  readonly version: 4 | 6;
  readonly ip: bigint;
  readonly prefix: number;
}

const width = (n: Net): number => (n.version === 4 ? 32 : 128);
const maxOf = (version: 4 | 6): bigint => (1n << BigInt(version === 4 ? 32 : 128)) - 1n;
const hostmask = (n: Net): bigint => (1n << BigInt(width(n) - n.prefix)) - 1n;
const netmask = (n: Net): bigint => maxOf(n.version) ^ hostmask(n);
const network = (n: Net): bigint => n.ip & netmask(n);
const size = (n: Net): bigint => 1n << BigInt(width(n) - n.prefix);
/** netaddr has no broadcast address for networks of one or two addresses. */
const broadcast = (n: Net): bigint | null => (width(n) - n.prefix <= 1 ? null : network(n) | hostmask(n));

function parseV4(text: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

function parseV6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2) return null;
  let tail = text;
  let v4: bigint | null = null;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = tail.includes("::") ? tail.split("::") : [tail, null];
  const groups = (s: string): string[] | null => (s === "" ? [] : s.split(":").every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? s.split(":") : null);
  const left = groups(head);
  const right = rest === null ? [] : groups(rest);
  if (left === null || right === null) return null;
  const missing = 8 - left.length - right.length;
  if ((rest === null && missing !== 0) || (rest !== null && missing < 1)) return null;
  const all = [...left, ...Array<string>(rest === null ? 0 : missing).fill("0"), ...right];
  let value = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (v4 !== null) value = (value & ~0xffffffffn) | v4;
  return value;
}

/** A prefix length written as a number, or (IPv4) as a netmask or a hostmask. */
function parsePrefix(text: string, version: 4 | 6): number | null {
  if (/^\d{1,3}$/.test(text)) {
    const p = Number(text);
    return p <= (version === 4 ? 32 : 128) ? p : null;
  }
  const mask = version === 4 ? parseV4(text) : null;
  if (mask === null) return null;
  for (let p = 0; p <= 32; p++) {
    const n: Net = { version: 4, ip: 0n, prefix: p };
    if (netmask(n) === mask || hostmask(n) === mask) return p;
  }
  return null;
}

/** netaddr's IPNetwork of a string; null when it is no address. */
function parseNet(text: string): Net | null {
  const parts = text.split("/");
  if (parts.length > 2) return null;
  const v4 = parseV4(parts[0]);
  const version: 4 | 6 = v4 !== null ? 4 : 6;
  const ip = v4 ?? parseV6(parts[0]);
  if (ip === null) return null;
  const prefix = parts.length === 2 ? parsePrefix(parts[1], version) : version === 4 ? 32 : 128;
  return prefix === null ? null : { version, ip, prefix };
}

/** An integer as an address: IPv4 when it fits, else IPv6. */
function fromInteger(n: bigint, prefix: number | null): Net | null {
  if (n <= maxOf(4) && (prefix === null || prefix <= 32)) return { version: 4, ip: n, prefix: prefix ?? 32 };
  if (n <= maxOf(6) && (prefix === null || prefix <= 128)) return { version: 6, ip: n, prefix: prefix ?? 128 };
  return null;
}

function formatV6(value: bigint): string {
  const words = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(16 * (7 - i))) & 0xffffn));
  // The longest run of two or more zero groups (the first of equal ones) becomes "::".
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { at: -1, len: 0 };
  // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses end in dotted form.
  if (best.at === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
    return `::${best.len === 5 ? "ffff:" : ""}${formatAddress(4, value & 0xffffffffn)}`;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 6) return formatV6(value);
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
}

const addr = (n: Net, value: bigint = n.ip): string => formatAddress(n.version, value);
const cidr = (n: Net): string => `${addr(n)}/${n.prefix}`;
/** The network's nth address (negative: from the end), or null outside it. */
function nth(n: Net, index: bigint): bigint | null {
  const at = index < 0n ? size(n) + index : index;
  return at < 0n || at >= size(n) ? null : network(n) + at;
}

function inNet(ip: bigint, version: 4 | 6, net: string): boolean {
  const n = parseNet(net)!;
  return n.version === version && (ip & netmask(n)) === network(n);
}

const V4_NOT_GLOBAL = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32"];
const V4_GLOBAL_EXCEPTIONS = ["192.0.0.9/32", "192.0.0.10/32"];
const V6_NOT_GLOBAL = ["::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10"];
const V6_GLOBAL_EXCEPTIONS = ["2001:1::1/128", "2001:1::2/128", "2001:3::/32", "2001:4:112::/48", "2001:20::/28", "2001:30::/28"];

/** IANA's "globally reachable" (netaddr's is_global). */
function isGlobal(n: Net): boolean {
  const [not, except] = n.version === 4 ? [V4_NOT_GLOBAL, V4_GLOBAL_EXCEPTIONS] : [V6_NOT_GLOBAL, V6_GLOBAL_EXCEPTIONS];
  return !not.some((x) => inNet(n.ip, n.version, x)) || except.some((x) => inNet(n.ip, n.version, x));
}
const isMulticast = (n: Net): boolean => inNet(n.ip, n.version, n.version === 4 ? "224.0.0.0/4" : "ff00::/8");
const isLoopback = (n: Net): boolean => inNet(n.ip, n.version, n.version === 4 ? "127.0.0.0/8" : "::1/128");
const isPowerOfTwo = (v: bigint): boolean => (v & (v - 1n)) === 0n;

type VType = "address" | "network";
type Result = unknown;

export class IpaddrError extends Error {}

/** The usable range: all of a two-address network, else without the first and the last address. */
function usable(n: Net): [bigint, bigint] {
  return size(n) === 2n ? [network(n), network(n) + 1n] : [network(n) + 1n, network(n) + size(n) - 2n];
}

function needsNetwork(vtype: VType): void {
  if (vtype === "address") throw new IpaddrError("Not a network address");
}

/** The queries of ipaddr(): each returns its answer, or null/false when it does not apply. */
const QUERIES: Record<string, (n: Net, vtype: VType, value: string) => Result> = {
  "": (n, vtype) => (vtype === "address" ? addr(n) : cidr(n)),
  "6to4": (n, vtype, value) => {
    if (n.version === 4) {
      if (size(n) > 1n && n.ip === network(n)) return false;
      if (QUERIES.public(n, vtype, value) === null && QUERIES.private(n, vtype, value) === null) return false;
      const o = [24n, 16n, 8n, 0n].map((s) => Number((n.ip >> s) & 255n).toString(16).padStart(2, "0"));
      return `2002:${o[0]}${o[1]}:${o[2]}${o[3]}::1/48`;
    }
    const in6to4 = inNet(n.ip, 6, "2002::/16");
    if (vtype === "address") return in6to4 ? value : false;
    return n.ip !== network(n) && in6to4 ? value : false;
  },
  address: (n) => (size(n) === 1n || n.ip !== network(n) || broadcast(n) === null || n.version === 6 ? addr(n) : null),
  "address/prefix": (n) => (size(n) > 2n && (n.ip === network(n) || n.ip === broadcast(n)) ? false : cidr(n)),
  bool: () => true,
  broadcast: (n) => (size(n) > 2n ? addr(n, broadcast(n)!) : null),
  cidr: (n) => cidr(n),
  first_usable: (n, vtype) => {
    needsNetwork(vtype);
    return size(n) > 1n ? addr(n, usable(n)[0]) : null;
  },
  host: (n) => (size(n) === 1n || n.ip !== network(n) || broadcast(n) === null ? cidr(n) : null),
  hostmask: (n) => addr(n, hostmask(n)),
  int: (n, vtype) => (vtype === "address" ? (n.ip <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n.ip) : n.ip.toString()) : `${n.ip}/${n.prefix}`),
  "ip/prefix": (n) => (size(n) === 2n || (size(n) > 1n && n.ip !== network(n)) ? cidr(n) : null),
  ip_netmask: (n) => (size(n) === 2n || (size(n) > 1n && n.ip !== network(n)) ? `${addr(n)} ${addr(n, netmask(n))}` : null),
  ipv4: (n, _vtype, value) => {
    if (n.version === 4) return value;
    const mapped = n.ip >= 0xffff00000000n && n.ip <= 0xffffffffffffn;
    if ((n.ip > 0xffffffffn && !mapped) || n.prefix < 96) return false;
    return cidr({ version: 4, ip: n.ip & 0xffffffffn, prefix: n.prefix - 96 });
  },
  ipv6: (n, _vtype, value) => (n.version === 6 ? value : cidr({ version: 6, ip: 0xffff00000000n | n.ip, prefix: n.prefix + 96 })),
  last_usable: (n, vtype) => {
    needsNetwork(vtype);
    return size(n) > 1n ? addr(n, usable(n)[1]) : null;
  },
  "link-local": (n, _vtype, value) => (inNet(n.ip, n.version, n.version === 4 ? "169.254.0.0/16" : "fe80::/10") ? value : null),
  loopback: (n, _vtype, value) => (isLoopback(n) ? value : null),
  multicast: (n, _vtype, value) => (isMulticast(n) ? value : null),
  net: (n) => (size(n) > 1n && n.ip === network(n) ? cidr(n) : null),
  netmask: (n) => addr(n, netmask(n)),
  network: (n) => addr(n, network(n)),
  network_netmask: (n) => `${addr(n, network(n))} ${addr(n, netmask(n))}`,
  network_wildcard: (n) => `${addr(n, network(n))} ${addr(n, hostmask(n))}`,
  next_usable: (n, vtype) => {
    needsNetwork(vtype);
    if (size(n) <= 1n) return null;
    const [first, last] = usable(n);
    return n.ip + 1n >= first && n.ip + 1n <= last ? addr(n, n.ip + 1n) : null;
  },
  peer: (n, vtype) => {
    needsNetwork(vtype);
    if (size(n) === 2n) return addr(n, n.ip ^ 1n);
    if (size(n) === 4n) {
      if (n.ip % 4n === 0n) throw new IpaddrError("Network address of /30 has no peer");
      if (n.ip % 4n === 3n) throw new IpaddrError("Broadcast address of /30 has no peer");
      return addr(n, n.ip ^ 3n);
    }
    throw new IpaddrError("Not a point-to-point network");
  },
  prefix: (n) => n.prefix,
  previous_usable: (n, vtype) => {
    needsNetwork(vtype);
    if (size(n) <= 1n) return null;
    const [first, last] = usable(n);
    return n.ip - 1n >= first && n.ip - 1n <= last ? addr(n, n.ip - 1n) : null;
  },
  private: (n, _vtype, value) => (isGlobal(n) ? null : value),
  public: (n, _vtype, value) => {
    const m = maxOf(n.version);
    const ok = !isMulticast(n) && isGlobal(n) && !isLoopback(n) && !isPowerOfTwo((n.ip ^ m) + 1n) && !isPowerOfTwo(n.ip + 1n);
    return ok ? value : null;
  },
  range_usable: (n, vtype) => {
    needsNetwork(vtype);
    if (size(n) <= 1n) return null;
    const [first, last] = usable(n);
    return `${addr(n, first)}-${addr(n, last)}`;
  },
  revdns: (n) => {
    if (n.version === 4) return `${addr(n).split(".").reverse().join(".")}.in-addr.arpa.`;
    return `${n.ip.toString(16).padStart(32, "0").split("").reverse().join(".")}.ip6.arpa.`;
  },
  size: (n) => Number(size(n)),
  size_usable: (n) => (size(n) === 1n ? 0 : size(n) === 2n ? 2 : Number(size(n) - 2n)),
  subnet: (n) => cidr({ ...n, ip: network(n) }),
  type: (n) => (size(n) === 1n || n.ip !== network(n) ? "address" : "network"),
  unicast: (n, _vtype, value) => (isMulticast(n) ? null : value),
  version: (n) => n.version,
  wrap: (n, vtype, value) => (n.version === 6 ? (vtype === "address" ? `[${addr(n)}]` : `[${addr(n)}]/${n.prefix}`) : value),
};
const ALIASES: Record<string, string> = {
  gateway: "address/prefix",
  gw: "address/prefix",
  "host/prefix": "address/prefix",
  hostnet: "address/prefix",
  router: "address/prefix",
  ip: "address",
  lo: "loopback",
  network_id: "network",
  "network/prefix": "subnet",
  v4: "ipv4",
  v6: "ipv6",
  wildcard: "hostmask",
};

const truthy = (v: unknown): boolean => v !== null && v !== undefined && v !== false && v !== "" && v !== 0;

/** `value | ipaddr(query)`; ipv4 and ipv6 are ipaddr with `version` 4 or 6. */
export function ipaddr(value: unknown, query: unknown = "", version: 4 | 6 | null = null): Result {
  if (Array.isArray(value)) return value.map((v) => ipaddr(v, query, version)).filter(truthy);
  if (!truthy(value) || value === true) return false;
  let n: Net | null;
  let vtype: VType;
  let text = String(value);
  if (/^\d+$/.test(text)) {
    const big = BigInt(text);
    n = version === 6 ? (big <= maxOf(6) ? { version: 6, ip: big, prefix: 128 } : null) : fromInteger(big, null);
    if (n === null) return false;
    text = cidr(n);
    vtype = "address";
  } else {
    n = parseNet(text);
    if (n !== null) vtype = text.includes("/") ? "network" : "address";
    else {
      const m = /^(\d+)\/(\d+)$/.exec(text);
      n = m ? fromInteger(BigInt(m[1]), Number(m[2])) : null;
      if (n === null) return false;
      text = cidr(n);
      vtype = "network";
    }
  }
  let q = typeof query === "number" ? String(query) : String(query ?? "");
  q = ALIASES[q] ?? q;
  let lookup: Net | null = null;
  if (q !== "" && !(q in QUERIES) && !/^\d+$/.test(q)) lookup = parseNet(q);
  if (version !== null && n.version !== version) return false;
  if (lookup !== null) {
    // A network as the query: the value if it lies inside it.
    return n.version === lookup.version && network(n) >= network(lookup) && network(n) + size(n) <= network(lookup) + size(lookup) ? text : null;
  }
  const fn = QUERIES[q];
  if (fn) return fn(n, vtype, text);
  if (/^-?\d+$/.test(q.trim())) {
    if (size(n) === 1n) return vtype === "address" ? addr(n) : cidr(n);
    const at = nth(n, BigInt(q.trim()));
    return at === null ? false : `${addr(n, at)}/${n.prefix}`;
  }
  if (q.trim() !== "" && Number.isFinite(Number(q))) return size(n) === 1n ? (vtype === "address" ? addr(n) : cidr(n)) : false;
  throw new IpaddrError(`unknown filter type: ${q}`);
}

/** `ipwrap`: IPv6 addresses in brackets, anything else as it is. */
export function ipwrap(value: unknown, query: unknown = ""): unknown {
  if (typeof value !== "string" && typeof value !== "boolean" && !Array.isArray(value)) throw new IpaddrError(`Unrecognized type <${typeof value}> for ipwrap filter <value>`);
  const one = (v: unknown): unknown => {
    const r = ipaddr(v, query);
    return truthy(r) ? ipaddr(r, "wrap") : v;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** `nthhost(n)`: the nth address of the network (negative from its end); false outside it. */
export function nthhost(input: unknown, query: unknown = ""): unknown {
  const value = String(input);
  const type = ipaddr(value, "type");
  if (type !== "address" && type !== "network") return false;
  const n = parseNet(String(ipaddr(value, type === "address" ? "cidr" : "subnet")));
  if (n === null || !/^-?\d+$/.test(String(query ?? "").trim())) return false;
  const index = BigInt(String(query).trim());
  if (index >= size(n)) return false;
  const at = nth(n, index);
  return at === null ? false : addr(n, at);
}

/** `ipmath(amount)`: the address plus an integer. */
export function ipmath(value: unknown, amount: unknown): string {
  const n = parseNet(String(value));
  if (n === null || (!String(value).includes("/") && n.prefix !== width(n))) throw new IpaddrError(`You must pass a valid IP address; ${String(value)} is invalid`);
  if (typeof amount !== "number" || !Number.isInteger(amount)) throw new IpaddrError(`You must pass an integer for arithmetic; ${String(amount)} is not a valid integer`);
  const r = n.ip + BigInt(amount);
  if (r < 0n || r > maxOf(n.version)) throw new IpaddrError(`${addr(n)} + ${amount} is outside the IPv${n.version} address space`);
  return addr(n, r);
}
