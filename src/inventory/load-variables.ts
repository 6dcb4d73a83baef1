// Stage 2 of loading an inventory: the variables, kept raw (as written, templates unevaluated) with their
// positions, and the precedence in which hive-builder's Ansible layered them. This is the one home of the
// variable model: later stages ask it for the definitions a server, the site or the services see.
import { join } from "node:path";
import { STAGES, type SourcePos, type Stage } from "./model";
import { unknownKeyMessage, type ProblemList } from "./errors";
import { isMapping, varFiles } from "./load-files";
import type { VarDef } from "./templates";
import { readYaml } from "./yamlfile";

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

  /** The site's own variables (the globals of every template): all, hosts, servers, the stage, stack config. */
  siteDefs(): Map<string, VarDef> {
    const g = (n: string) => this.group(n);
    return layer(g("all"), g("hosts"), g("servers"), g(this.stage), this.stackVars);
  }

  /**
   * What one server sees, lowest first: all, hosts, servers, its other groups (hives, repository, first_hive),
   * the stage group, its host_vars, then stack config `hive:vars` (hive-builder's extra vars).
   */
  hostDefs(hostName: string, groups: readonly string[]): Map<string, VarDef> {
    const g = (n: string) => this.group(n);
    const own = groups.filter((x) => x !== this.stage && x !== "servers" && x !== "hosts").map(g);
    return layer(g("all"), g("hosts"), g("servers"), ...own, g(this.stage), this.host(hostName), this.stackVars);
  }

  /** What the service definitions see: all, services, the stage, stack config. */
  serviceDefs(): Map<string, VarDef> {
    const g = (n: string) => this.group(n);
    return layer(g("all"), g("services"), g(this.stage), this.stackVars);
  }

  /** `first_hive` for a stage: stack config (the requested stage only), else the hives' group_vars. */
  firstHiveDef(stage: Stage): VarDef | undefined {
    const g = (n: string) => this.group(n);
    return (stage === this.stage ? this.stackVars.get("first_hive") : undefined) ?? layer(g("all"), g("servers"), g("hives"), g(stage)).get("first_hive");
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
