// Port definitions: short syntax "[published:]target[/protocol]" and hive-builder's long syntax.
import type { Protocol } from "./model";

export interface PortDef {
  readonly target: number;
  readonly published: number | null;
  readonly protocol: Protocol;
  readonly mode: "ingress" | "host";
}

const SHORT = /^(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

/** Parses one entry of `ports`; returns an error text for malformed entries. */
export function parsePort(entry: unknown): PortDef | string {
  if (typeof entry === "number") entry = String(entry);
  if (typeof entry === "string") {
    const text = entry.trim();
    const m = SHORT.exec(text);
    if (!m) {
      const proto = /\/([^/]*)$/.exec(text);
      if (proto && !["tcp", "udp", "sctp"].includes(proto[1])) {
        return `unknown protocol "${proto[1]}"; allowed: tcp, udp, sctp`;
      }
      return `"${text}" is not a port; use "[published:]target[/protocol]" or a mapping with target_port, published_port, protocol, mode`;
    }
    const published = m[1] === undefined ? null : Number(m[1]);
    const target = Number(m[2]);
    for (const n of [published, target]) {
      if (n !== null && (n < 1 || n > 65535)) return `port number ${n} is out of range 1-65535`;
    }
    return { target, published, protocol: (m[3] as Protocol | undefined) ?? "tcp", mode: "ingress" };
  }
  if (entry !== null && typeof entry === "object" && !Array.isArray(entry)) {
    const o = entry as { target_port?: number; published_port?: number; protocol?: Protocol; mode?: "ingress" | "host" };
    if (typeof o.target_port !== "number") return "target_port must be specified";
    return {
      target: o.target_port,
      published: o.published_port ?? null,
      protocol: o.protocol ?? "tcp",
      mode: o.mode ?? "ingress",
    };
  }
  return "must be a string \"[published:]target[/protocol]\" or a mapping";
}

/** Published ports below 10000 (the only ones opened in cloud firewalls), per protocol, sorted and unique. */
export function firewallPorts(ports: readonly PortDef[]): { tcp: number[]; udp: number[] } {
  const pick = (protocol: Protocol) =>
    [...new Set(ports.filter((p) => p.protocol === protocol && p.published !== null && p.published < 10000).map((p) => p.published as number))].sort(
      (a, b) => a - b,
    );
  return { tcp: pick("tcp"), udp: pick("udp") };
}

/** Splits a command string into words like a POSIX shell would (quotes and backslashes, no expansion). */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
