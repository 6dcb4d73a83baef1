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

function formatValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text.includes("\n") || text.length > 80) return `<${text.length} chars>`;
  return text;
}

/** Inputs on one line: `key=value`, long and multi-line values summarised, tags left out. */
export function keyInputs(resource: PlannedResource): string {
  const masked = maskSecrets(resource.inputs) as Record<string, unknown>;
  return Object.entries(masked)
    .filter(([k, v]) => !SKIPPED_INPUTS.has(k) && v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(" ");
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
      const inputs = r.custom ? keyInputs(r) : "";
      lines.push(`${indent}${branch}${r.type} ${r.name}${r.protect ? " [protected]" : ""}${inputs ? `  ${inputs}` : ""}`);
      walk(r.urn, parent === null ? indent : indent + (last ? "   " : "│  "));
    });
  };
  walk(null, "");
  const count = plan.resources.filter((r) => r.custom).length;
  lines.push("", `${count} resources in ${plan.resources.length - count} components`);
  return lines.join("\n") + "\n";
}

function dotQuote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
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
