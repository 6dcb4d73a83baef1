// Renderings of a plan: an indented resource tree, JSON and Graphviz. Secrets print as "[secret]".
import * as pulumi from "@pulumi/pulumi";
import type { PlanResult, PlannedResource } from "./run";
import { isSecretValue } from "./run";

export const SECRET_MASK = "[secret]";
const STACK_TYPE = "pulumi:pulumi:Stack";

/** A copy of `value` with every secret replaced by "[secret]" and resource references by their URN. */
export function maskSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return SECRET_MASK;
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (pulumi.Resource.isInstance(value)) return "[resource]";
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!k.startsWith("__")) out[k] = maskSecrets(v);
    }
    return out;
  }
  return value;
}

export interface PlanJsonResource {
  type: string;
  name: string;
  parent: string | null;
  protect: boolean;
  dependsOn: string[];
  /** Name of the explicit provider resource; null for the default provider and components. */
  provider: string | null;
  inputs: unknown;
}

/** `--json`: resources in registration order, parents and dependencies by name, the stack left out. */
export function planToJson(plan: PlanResult): { resources: PlanJsonResource[]; outputs: unknown } {
  const names = new Map(plan.resources.map((r) => [r.urn, r]));
  const nameOf = (urn: string | null): string | null => {
    const r = urn ? names.get(urn) : undefined;
    return r && r.type !== STACK_TYPE ? r.name : null;
  };
  return {
    resources: sortResources(plan.resources)
      .filter((r) => r.type !== STACK_TYPE)
      .map((r) => ({
        type: r.type,
        name: r.name,
        parent: nameOf(r.parent),
        protect: r.protect,
        dependsOn: r.dependencies.map(nameOf).filter((n): n is string => n !== null),
        // A provider reference is `<urn>::<id>`.
        provider: r.provider ? nameOf(r.provider.slice(0, r.provider.lastIndexOf("::"))) : null,
        inputs: maskSecrets(r.inputs),
      })),
    outputs: maskSecrets(plan.outputs),
  };
}

/** Registration order depends on timing; name then type gives a stable order that groups a server's parts. */
export function sortResources(resources: readonly PlannedResource[]): PlannedResource[] {
  return [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

const SKIPPED_INPUTS = new Set(["tags", "labels"]);

const INLINE_LIMIT = 100;

function formatValue(value: unknown, limit = INLINE_LIMIT): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (typeof value === "string" && text.includes("\n")) return `<${text.split("\n").length} lines>`;
  if (text.length > limit) return `<${text.length} chars>`;
  return text;
}

/** `path=value` for every scalar (or short list of scalars) inside `value`. */
function leaves(path: string, value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== "object") return [`${path}=${formatValue(value)}`];
  if (Array.isArray(value)) {
    if (value.every((x) => typeof x !== "object") && JSON.stringify(value).length <= INLINE_LIMIT) return [`${path}=${JSON.stringify(value)}`];
    return value.flatMap((x, i) => leaves(`${path}[${i}]`, x));
  }
  return Object.entries(value).flatMap(([k, v]) => leaves(`${path}.${k}`, v));
}

/**
 * Key inputs of a resource: `key=value` on the resource's line; lists too long for it (firewall rules, disks)
 * one element per extra line; scripts summarised by their line count; tags left out.
 */
export function keyInputs(resource: PlannedResource): { inline: string; extra: string[] } {
  const masked = maskSecrets(resource.inputs) as Record<string, unknown>;
  const inline: string[] = [];
  const extra: string[] = [];
  for (const [k, v] of Object.entries(masked)) {
    if (SKIPPED_INPUTS.has(k) || v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === "object" && JSON.stringify(v).length > INLINE_LIMIT) {
      if (Array.isArray(v)) v.forEach((item, i) => extra.push(leaves(`${k}[${i}]`, item).join(" ")));
      else extra.push(leaves(k, v).join(" "));
    } else inline.push(`${k}=${formatValue(v)}`);
  }
  return { inline: inline.join(" "), extra };
}

/** The default rendering: one line per resource under its parent. */
export function renderTree(plan: PlanResult): string {
  const children = new Map<string | null, PlannedResource[]>();
  const urns = new Set(plan.resources.map((r) => r.urn));
  for (const r of sortResources(plan.resources)) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((r, i) => {
      const last = i === list.length - 1;
      const branch = parent === null ? "" : last ? "└─ " : "├─ ";
      const childIndent = parent === null ? indent : indent + (last ? "   " : "│  ");
      const { inline, extra } = r.custom ? keyInputs(r) : { inline: "", extra: [] };
      lines.push(`${indent}${branch}${r.type} ${r.name}${r.protect ? " [protected]" : ""}${inline ? `  ${inline}` : ""}`);
      for (const e of extra) lines.push(`${childIndent}${children.has(r.urn) ? "│" : " "}     ${e}`);
      walk(r.urn, childIndent);
    });
  };
  walk(null, "");
  const count = plan.resources.filter((r) => r.custom).length;
  lines.push("", `${count} resources in ${plan.resources.length - count} components`, ...renderServers(plan.outputs));
  return lines.join("\n") + "\n";
}

/** Servers and firewall from the stack outputs (mocked cloud addresses are from 203.0.113.0/24). */
function renderServers(outputs: Record<string, unknown>): string[] {
  const servers = outputs.servers as Record<string, { publicIp: string; privateIp: string; adminUser: string }> | undefined;
  const firewall = outputs.firewall as { tcp: number[]; udp: number[]; sshSources: string[] } | undefined;
  if (!servers) return [];
  const width = Math.max(...Object.keys(servers).map((n) => n.length));
  const lines = ["", "servers:"];
  for (const [name, s] of Object.entries(servers)) lines.push(`  ${name.padEnd(width)}  public ${s.publicIp}  private ${s.privateIp}  user ${s.adminUser}`);
  if (firewall) {
    lines.push(`firewall: ssh from ${firewall.sshSources.join(", ")}; tcp ${firewall.tcp.join(", ") || "-"}; udp ${firewall.udp.join(", ") || "-"}`);
  }
  return lines;
}

function dotQuote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `--dot`: nodes are resources, edges go from parent to child. */
export function renderDot(plan: PlanResult): string {
  const ids = new Map(plan.resources.map((r, i) => [r.urn, `r${i}`]));
  const lines = ["digraph plan {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"];
  for (const r of plan.resources) {
    lines.push(`  ${ids.get(r.urn)} [label=${dotQuote(`${r.name}\n${r.type}`)}${r.custom ? "" : ", style=rounded"}];`);
  }
  for (const r of plan.resources) {
    const parent = r.parent ? ids.get(r.parent) : undefined;
    if (parent) lines.push(`  ${parent} -> ${ids.get(r.urn)};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
