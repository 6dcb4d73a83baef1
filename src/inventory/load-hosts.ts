// Stage 4 of loading an inventory: the servers with their variables. The template engine gets hive-builder's
// built-ins and magic variables; hive's own variables (isHiveVariable) are evaluated for the site and for each
// server in the precedence the variables stage defines, every other one only when a value hive evaluates uses it.
import { join, resolve } from "node:path";
import type { DerivedStage } from "./hosts";
import { adminUserFor } from "./hosts";
import type { ProblemList } from "./errors";
import type { Host, SourcePos, Stage, StageSpec, Value } from "./model";
import { isHiveVariable, type InventoryVariables } from "./load-variables";
import { OMIT, Scope, TemplateEngine, TemplateEvalError, toValue, undefinedVariable, type VarDef } from "./templates";
import { pathString, type Path, type YamlFile } from "./yamlfile";

/** Built-ins that exist only for a server; site-wide variables using them are evaluated per server only. */
const HOST_ONLY = ["inventory_hostname", "inventory_hostname_short", "ansible_hostname", "hive_private_ip", "hive_netmask", "hive_subnet", "hive_available_zone", "hive_instance_type", "hive_disk_size", "hive_mirrored_disk_size", "hive_memory_size", "hive_cpus", "group_names"];
const HOST_ONLY_USE = new RegExp(`undefined variable "(${HOST_ONLY.join("|")})"`);

export interface HostsStage {
  readonly engine: TemplateEngine;
  /** Built-ins visible to every template (site-wide). */
  readonly builtins: Readonly<Record<string, unknown>>;
  readonly hosts: readonly Host[];
  /** hive's own variables of the site, evaluated (those that need a server are left out). */
  readonly siteVars: Readonly<Record<string, Value>>;
  readonly adminUser: string;
  readonly rootPassword: StageSpec["rootPassword"];
  readonly repository: string;
  readonly registry: string;
  readonly serverHosts: Readonly<Record<string, string>>;
  readonly hives: readonly string[];
}

/** Reports a template failure at its own position, or at `pos` naming `what`; rethrows anything else. */
export function reportTemplate(problems: ProblemList, err: unknown, pos: SourcePos, what: string): void {
  if (err instanceof TemplateEvalError) problems.add(err.pos ?? pos, err.pos ? err.message : `${what}: ${err.message}`);
  else throw err;
}

/** hive-builder's per-server variables of a server (inventory_hostname, hive_private_ip, group_names…). */
export function hostBuiltins(h: Omit<Host, "vars">): Record<string, unknown> {
  return {
    inventory_hostname: h.name,
    inventory_hostname_short: h.shortName,
    // The one fact hive knows before the server runs: it sets the host name itself (the base step).
    ansible_hostname: h.shortName,
    hive_private_ip: h.privateIp,
    hive_netmask: h.prefixLength,
    hive_subnet: h.subnet,
    ...(h.availabilityZone !== null ? { hive_available_zone: h.availabilityZone } : {}),
    ...(h.instanceType !== null ? { hive_instance_type: h.instanceType } : {}),
    ...(h.diskSize !== null ? { hive_disk_size: h.diskSize } : {}),
    ...(h.mirroredDiskSize !== null ? { hive_mirrored_disk_size: h.mirroredDiskSize } : {}),
    ...(h.memorySize !== null ? { hive_memory_size: h.memorySize } : {}),
    ...(h.cpus !== null ? { hive_cpus: h.cpus } : {}),
    // Ansible lists every group of the host, parent groups included (hosts holds the servers).
    group_names: [...new Set([...h.groups, "hosts"])].sort(),
  };
}

export interface HostsArgs {
  readonly dir: string;
  readonly stage: Stage;
  readonly name: string;
  readonly derived: DerivedStage;
  readonly vars: InventoryVariables;
  readonly hiveFile: YamlFile;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly contextDir?: string;
}

export function deriveHosts(a: HostsArgs, problems: ProblemList): HostsStage {
  const { stage, name, derived, vars } = a;
  const { spec, firstHive } = derived;
  const hostsBase = derived.hosts;
  const repository = hostsBase[hostsBase.length - 1].name;
  const registry = `${repository}:5000`;
  const contextDir = resolve(a.contextDir ?? join(process.cwd(), ".hive", stage));
  const serverHosts = Object.fromEntries(hostsBase.map((h) => [h.name, h.privateIp]));
  const hives = hostsBase.filter((h) => h.isHive).map((h) => h.name);
  const engine = new TemplateEngine({ env: a.env, baseDir: resolve(a.dir, "..") });
  const all = hostsBase.map((h) => h.name);
  const builtins: Record<string, unknown> = {
    // Ansible's magic variables for an inventory folder (the project's root stands in for hive-builder's own
    // playbook folder, which no project could use).
    inventory_dir: a.dir,
    playbook_dir: resolve(a.dir, ".."),
    hive_root_dir: resolve(a.dir, ".."),
    hive_name: name,
    hive_stage: stage,
    hive_provider: spec.provider,
    hive_cidr: spec.cidr,
    hive_custom_hostname: spec.customHostname,
    hive_registry: registry,
    hive_registry_fqdn: repository,
    hive_repository: repository,
    hive_first_hive: firstHive,
    hive_swarm_master: firstHive,
    hive_hosts: serverHosts,
    hive_context_dir: contextDir,
    hive_separate_repository: spec.separateRepository,
    ...(spec.region !== null ? { hive_region: spec.region } : {}),
    ...(spec.internalCidr !== null ? { hive_internal_cidr: spec.internalCidr } : {}),
    groups: { all, hosts: all, servers: all, hives, repository: [repository], first_hive: [firstHive], [stage]: all },
  };
  // hostvars[<server>]: every variable of that server as Ansible has it (its built-ins, group_vars, host_vars),
  // each evaluated when first read, in that server's own scope.
  const scopes = new Map<string, Scope>();
  const scopeOf = (h: (typeof hostsBase)[number]): Scope => {
    let sc = scopes.get(h.name);
    if (!sc) {
      sc = new Scope(engine, vars.hostDefs(h.name, h.groups), { ...builtins, ...hostBuiltins(h) });
      scopes.set(h.name, sc);
    }
    return sc;
  };
  const hostvars: Record<string, unknown> = {};
  for (const h of hostsBase) {
    Object.defineProperty(hostvars, h.name, {
      enumerable: true,
      get: () =>
        new Proxy({} as Record<string, unknown>, {
          has: (_t, k) => typeof k === "string" && scopeOf(h).has(k),
          get: (_t, k) => (typeof k !== "string" ? undefined : scopeOf(h).has(k) ? scopeOf(h).get(k) : undefinedVariable(k)),
          ownKeys: () => scopeOf(h).names(),
          getOwnPropertyDescriptor: (_t, k) =>
            typeof k === "string" && scopeOf(h).has(k) ? { enumerable: true, configurable: true, value: scopeOf(h).get(k) } : undefined,
        }),
    });
  }
  builtins.hostvars = hostvars;
  // Only hive's own variables are evaluated here; any other is evaluated when a value hive evaluates uses it
  // (a service, root_password, one of hive's variables), and otherwise left to Ansible as written.
  const evalVars = (scope: Scope, defs: ReadonlyMap<string, VarDef>, site = false): Record<string, Value> => {
    const out: Record<string, Value> = {};
    for (const k of [...defs.keys()].filter(isHiveVariable).sort()) {
      try {
        const v = scope.get(k);
        if (v !== OMIT) out[k] = toValue(v);
      } catch (err) {
        if (site && err instanceof TemplateEvalError && HOST_ONLY_USE.test(err.message)) continue;
        reportTemplate(problems, err, defs.get(k)?.pos ?? vars.stackPos, k);
      }
    }
    return out;
  };
  const siteDefs = vars.siteDefs();
  const siteScope = new Scope(engine, siteDefs, builtins);
  const siteVars = evalVars(siteScope, siteDefs, true);
  let adminUser = adminUserFor(spec.provider, undefined);
  if (siteScope.has("hive_admin")) {
    try {
      adminUser = adminUserFor(spec.provider, siteScope.get("hive_admin"));
    } catch {
      // already reported with the variables
    }
  }
  const stagePath: Path = ["stages", stage];
  let rootPassword = spec.rootPassword;
  if (typeof rootPassword === "string") {
    try {
      const v = toValue(engine.evaluate(rootPassword, siteScope));
      rootPassword = typeof v === "string" || (v !== null && typeof v === "object" && "kind" in v) ? (v as typeof rootPassword) : String(v);
    } catch (err) {
      reportTemplate(problems, err, a.hiveFile.pos([...stagePath, "root_password"]), `${pathString(stagePath)}.root_password`);
    }
  }
  const hosts: Host[] = hostsBase.map((h) => ({ ...h, vars: evalVars(scopeOf(h), vars.hostDefs(h.name, h.groups)) }));
  return { engine, builtins, hosts, siteVars, adminUser, rootPassword, repository, registry, serverHosts, hives };
}
