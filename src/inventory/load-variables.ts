// Stage 2 of loading an inventory: the variables, kept raw (as written, templates unevaluated) with their
// positions, and the precedence in which hive-builder's Ansible layered them. This is the one home of the
// variable model: later stages ask it for the definitions a server, the site or the services see.
import { join } from "node:path";
import { STAGES, type SourcePos, type Stage } from "./model";
import { unknownKeyMessage, type ProblemList } from "./errors";
import { isMapping, varFiles } from "./load-files";
import type { VarDef } from "./templates";
import { readYaml } from "./yamlfile";
import { BUILDER_SET_VARIABLES } from "./builder-vars";

/**
 * Variables without the `hive_` prefix that hive reads itself: hive-builder's `hive set` names (builder-vars.ts),
 * which hive also honours as written, the servers' proxy and the index of the first hive.
 */
const HIVE_READS = new Set([...BUILDER_SET_VARIABLES, "http_proxy", "first_hive"]);

/**
 * True for a variable hive reads itself (`hive_…` and HIVE_READS): evaluated for the site and each server when the
 * inventory is loaded, so a mistake in it is an error at its file and line. Any other variable is Ansible's: it is
 * evaluated only when a value hive evaluates uses it, and otherwise handed to Ansible as written.
 */
export function isHiveVariable(name: string): boolean {
  return name.startsWith("hive_") || HIVE_READS.has(name);
}

/** Groups whose group_vars files are read. */
export const VAR_GROUPS = ["all", "hosts", "servers", "services", "hives", "repository", "first_hive", ...STAGES] as const;

/** The variables of `files`, later files overriding earlier ones. */
export function readVars(files: readonly string[], problems: ProblemList): Map<string, VarDef> {
  const defs = new Map<string, VarDef>();
  for (const file of files) {
    const y = readYaml(file, problems);
    if (y.data === null || y.data === undefined) continue;
    if (!isMapping(y.data)) {
      problems.add(y.pos([]), `variables file must be a mapping of variable names to values, but is ${Array.isArray(y.data) ? "a list" : typeof y.data}`);
      continue;
    }
    for (const [k, raw] of Object.entries(y.data)) defs.set(k, { raw, pos: y.keyPos([k]) });
  }
  return defs;
}

/**
 * Depth of each group in hive-builder's group tree (all → hosts → servers → hives/repository; first_hive, the
 * stages, services directly under all). Ansible merges a host's group_vars ordered by depth, then by name, the
 * later winning: so `servers` overrides a stage's group_vars, `hives` overrides `servers`, and between sibling
 * groups the name decides (`services` over `private`/`production`, `staging` over `services`).
 */
const GROUP_DEPTH: Record<string, number> = { all: 0, hosts: 1, first_hive: 1, services: 1, private: 1, staging: 1, production: 1, servers: 2, hives: 3, repository: 3 };

/** Groups in the order Ansible applies their group_vars. */
export function ansibleGroupOrder(groups: readonly string[]): string[] {
  return [...new Set(groups)].sort((a, b) => (GROUP_DEPTH[a] ?? 1) - (GROUP_DEPTH[b] ?? 1) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Later layers override earlier ones. */
export function layer(...maps: (ReadonlyMap<string, VarDef> | undefined)[]): Map<string, VarDef> {
  const out = new Map<string, VarDef>();
  for (const m of maps) if (m) for (const [k, v] of m) out.set(k, v);
  return out;
}

export class InventoryVariables {
  /** Where a stack config variable is reported. */
  readonly stackPos: SourcePos;
  private readonly hostVars = new Map<string, Map<string, VarDef>>();

  constructor(
    readonly stage: Stage,
    private readonly groupVars: ReadonlyMap<string, ReadonlyMap<string, VarDef>>,
    private readonly hostVarFiles: ReadonlyMap<string, readonly string[]>,
    readonly stackVars: ReadonlyMap<string, VarDef>,
    private readonly problems: ProblemList,
  ) {
    this.stackPos = { file: `Pulumi.${stage}.yaml`, line: 1, column: 1 };
  }

  /** The groups that have group_vars, in VAR_GROUPS order. */
  groupNames(): string[] {
    return VAR_GROUPS.filter((g) => this.groupVars.has(g));
  }

  /** The servers that have host_vars. */
  hostNames(): string[] {
    return [...this.hostVarFiles.keys()].sort();
  }

  group(name: string): ReadonlyMap<string, VarDef> | undefined {
    return this.groupVars.get(name);
  }

  /** The host_vars of one server (read once). */
  host(name: string): ReadonlyMap<string, VarDef> | undefined {
    const files = this.hostVarFiles.get(name);
    if (files === undefined) return undefined;
    let defs = this.hostVars.get(name);
    if (!defs) {
      defs = readVars(files, this.problems);
      this.hostVars.set(name, defs);
    }
    return defs;
  }

  /** The group_vars of `groups` (plus all) merged in Ansible's order. */
  private groupLayers(groups: readonly string[]): (ReadonlyMap<string, VarDef> | undefined)[] {
    return ansibleGroupOrder(["all", ...groups]).map((g) => this.group(g));
  }

  /** The site's own variables (the globals of every template): those of a server in no group of its own. */
  siteDefs(): Map<string, VarDef> {
    return layer(...this.groupLayers(["hosts", "servers", this.stage]), this.stackVars);
  }

  /**
   * What one server sees, lowest first: its groups' group_vars in Ansible's order (all, then first_hive, hosts
   * and the stage, then servers, then hives and repository), its host_vars, then stack config `hive:vars`
   * (hive-builder's extra vars).
   */
  hostDefs(hostName: string, groups: readonly string[]): Map<string, VarDef> {
    return layer(...this.groupLayers(["hosts", ...groups]), this.host(hostName), this.stackVars);
  }

  /** What the service definitions see: all, then services and the stage in name order, then stack config. */
  serviceDefs(): Map<string, VarDef> {
    return layer(...this.groupLayers(["services", this.stage]), this.stackVars);
  }

  /** `first_hive` for a stage: stack config (the requested stage only), else the hives' group_vars. */
  firstHiveDef(stage: Stage): VarDef | undefined {
    return (stage === this.stage ? this.stackVars.get("first_hive") : undefined) ?? layer(...this.groupLayers(["hosts", "servers", "hives", stage])).get("first_hive");
  }
}

/** Reads group_vars and host_vars of the inventory folder and the stack config variables. */
export function readInventoryVariables(dir: string, stage: Stage, stack: Readonly<Record<string, unknown>>, problems: ProblemList): InventoryVariables {
  const groupVars = new Map<string, Map<string, VarDef>>();
  for (const [group, files] of varFiles(join(dir, "group_vars"))) {
    if (!(VAR_GROUPS as readonly string[]).includes(group)) {
      problems.add({ file: files[0] ?? join(dir, "group_vars", group), line: 1, column: 1 }, unknownKeyMessage(`group_vars/${group}`, group, VAR_GROUPS, "group"));
      continue;
    }
    groupVars.set(group, readVars(files, problems));
  }
  const stackPos: SourcePos = { file: `Pulumi.${stage}.yaml`, line: 1, column: 1 };
  const stackVars = new Map<string, VarDef>(Object.entries(stack).map(([k, raw]) => [k, { raw, pos: stackPos }]));
  return new InventoryVariables(stage, groupVars, varFiles(join(dir, "host_vars")), stackVars, problems);
}
