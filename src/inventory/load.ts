// loadSite: inventory folder → validated, derived, immutable site model of one stage.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { STAGES, type Allocations, type Host, type Network, type Site, type SourcePos, type Stage, type Value, type Volume } from "./model";
import { InventoryError, ProblemList, unknownKeyMessage } from "./errors";
import { AllocationError, allocate, EMPTY_ALLOCATIONS, newEntries, type AllocationRequest } from "./allocate";
import { parseCidr, splitInternalCidr } from "./cidr";
import { adminUserFor, checkHiveName, deriveStage } from "./hosts";
import { firewallPorts, parsePort, type PortDef } from "./ports";
import { check, hiveFileSchema, looseStageSchema, networkSchema, stageSchema, serviceSchema, servicesFileSchema, type ServiceInput } from "./schema";
import { availableIn, deriveService, type VolumeUse } from "./services";
import { OMIT, Scope, TemplateEngine, TemplateEvalError, toValue, type VarDef } from "./templates";
import { pathString, readYaml, type Path, type YamlFile } from "./yamlfile";

export interface LoadOptions {
  readonly inventoryDir: string;
  readonly stage: Stage;
  /** Stack config `hive:vars`: variables with the highest precedence. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** The stored allocation ledger of the stage (empty when nothing is stored yet). */
  readonly previous?: Allocations;
  /** Environment for `lookup('env', …)`; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `hive_context_dir`; defaults to `<cwd>/.hive/<stage>`. */
  readonly contextDir?: string;
}

/** Groups whose group_vars files are read. */
export const VAR_GROUPS = ["all", "hosts", "servers", "services", "hives", "repository", "first_hive", ...STAGES] as const;

/** Built-ins that exist only for a server; site-wide variables using them are evaluated per server only. */
const HOST_ONLY = ["inventory_hostname", "inventory_hostname_short", "hive_private_ip", "hive_netmask", "hive_subnet", "hive_available_zone", "hive_instance_type", "hive_disk_size", "hive_mirrored_disk_size", "hive_memory_size", "hive_cpus", "group_names"];
const HOST_ONLY_USE = new RegExp(`undefined variable "(${HOST_ONLY.join("|")})"`);

const HIVE_DEFAULT_NETWORK = "hive_default_network";

function isYaml(name: string): boolean {
  return [".yml", ".yaml"].includes(extname(name));
}

function listYaml(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => isYaml(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Files of `group_vars/<name>.yml` and `group_vars/<name>/*.yml` (the same for host_vars), by name. */
function varFiles(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.set(entry, listYaml(path));
    else if (isYaml(entry)) out.set(basename(entry, extname(entry)), [...(out.get(basename(entry, extname(entry))) ?? []), path]);
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function readVars(files: readonly string[], problems: ProblemList): Map<string, VarDef> {
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

function layer(...maps: (ReadonlyMap<string, VarDef> | undefined)[]): Map<string, VarDef> {
  const out = new Map<string, VarDef>();
  for (const m of maps) if (m) for (const [k, v] of m) out.set(k, v);
  return out;
}

/** Loads, validates and derives the site of one stage; throws InventoryError listing every problem found. */
export function loadSite(opts: LoadOptions): Site {
  try {
    return load(opts);
  } catch (err) {
    if (err instanceof InventoryError) throw err;
    // A bug or an unexpected input shape must still be reported as an inventory problem, not a stack trace.
    const dir = resolve(opts.inventoryDir);
    throw new InventoryError([
      { file: dir, line: 1, column: 1, message: `internal error while reading the inventory: ${err instanceof Error ? err.message : String(err)}` },
    ]);
  }
}

function load(opts: LoadOptions): Site {
  const problems = new ProblemList();
  const dir = resolve(opts.inventoryDir);
  const stage = opts.stage;
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new InventoryError([{ file: dir, line: 1, column: 1, message: `stage must be one of ${STAGES.map((s) => `"${s}"`).join(", ")}, but is "${stage}"` }]);
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InventoryError([{ file: dir, line: 1, column: 1, message: "inventory folder not found" }]);
  }

  // 1. Files.
  const hiveFiles: YamlFile[] = [];
  const serviceFiles: YamlFile[] = [];
  for (const file of listYaml(dir)) {
    const y = readYaml(file, problems);
    if (y.data === null && problems.items.some((p) => p.file === file)) continue;
    const plugin = isMapping(y.data) ? y.data.plugin : undefined;
    if (plugin === "hive_inventory") hiveFiles.push(y);
    else if (plugin === "hive_services") serviceFiles.push(y);
    else if (isMapping(y.data) && "plugin" in y.data) {
      problems.add(y.pos(["plugin"]), `plugin: must be "hive_inventory" or "hive_services", but is ${JSON.stringify(plugin)}`);
    } else {
      problems.add(y.pos([]), 'not an inventory file: a hive definition needs "plugin: hive_inventory", a service definition "plugin: hive_services"');
    }
  }
  if (hiveFiles.length === 0) {
    problems.add({ file: dir, line: 1, column: 1 }, 'no hive definition found: one file needs "plugin: hive_inventory", name and stages');
    problems.throwIfAny();
  }
  for (const extra of hiveFiles.slice(1)) {
    problems.add(extra.pos(["plugin"]), `a second hive definition; only one file may have "plugin: hive_inventory" (the first is ${basename(hiveFiles[0].file)})`);
  }
  const hiveFile = hiveFiles[0];

  // 2. Variables.
  const groupVarFiles = varFiles(join(dir, "group_vars"));
  const groupVars = new Map<string, Map<string, VarDef>>();
  for (const [group, files] of groupVarFiles) {
    if (!(VAR_GROUPS as readonly string[]).includes(group)) {
      problems.add({ file: files[0] ?? join(dir, "group_vars", group), line: 1, column: 1 }, unknownKeyMessage(`group_vars/${group}`, group, VAR_GROUPS, "group"));
      continue;
    }
    groupVars.set(group, readVars(files, problems));
  }
  const hostVarFiles = varFiles(join(dir, "host_vars"));
  const stackPos: SourcePos = { file: `Pulumi.${stage}.yaml`, line: 1, column: 1 };
  const stackVars = new Map<string, VarDef>(Object.entries(opts.vars ?? {}).map(([k, raw]) => [k, { raw, pos: stackPos }]));

  // 3. Hive definition: every stage is checked (as hive-builder parses them all), the requested one derived.
  const hive = check(hiveFileSchema, hiveFile.data, hiveFile, [], problems);
  const hiveData = isMapping(hiveFile.data) ? hiveFile.data : {};
  const name = hive?.name ?? (typeof hiveData.name === "string" ? hiveData.name : null);
  if (name === null) problems.throwIfAny();
  const nameProblem = checkHiveName(name!);
  if (nameProblem) problems.add(hiveFile.pos(["name"]), nameProblem);
  const stagesData = isMapping(hiveData.stages) ? hiveData.stages : {};
  if (!(stage in stagesData)) {
    const defined = Object.keys(stagesData).filter((s) => (STAGES as readonly string[]).includes(s));
    problems.add(hiveFile.keyPos(["stages"]), `stages.${stage}: not defined; defined stages: ${defined.join(", ") || "none"}`);
  }
  let derived: ReturnType<typeof deriveStage> = null;
  for (const s of STAGES) {
    if (!(s in stagesData)) continue;
    const stagePath: Path = ["stages", s];
    const input = check(stageSchema, stagesData[s], hiveFile, stagePath, problems) ?? looseStageSchema.safeParse(stagesData[s]).data;
    if (!input) continue;
    const firstHiveDef =
      (s === stage ? stackVars.get("first_hive") : undefined) ??
      layer(groupVars.get("all"), groupVars.get("servers"), groupVars.get("hives"), groupVars.get(s)).get("first_hive");
    let firstHiveIndex = 0;
    if (firstHiveDef) {
      const n = typeof firstHiveDef.raw === "string" ? Number(firstHiveDef.raw) : firstHiveDef.raw;
      if (typeof n !== "number" || !Number.isInteger(n)) {
        problems.add(firstHiveDef.pos ?? stackPos, `first_hive: must be the index of a hive (an integer), but is ${JSON.stringify(firstHiveDef.raw)}`);
      } else firstHiveIndex = n;
    }
    const d = deriveStage(name!, s, input, firstHiveIndex, hiveFile.keyPos(stagePath), (path, message) =>
      problems.add(hiveFile.keyPos([...stagePath, ...path]), `${pathString([...stagePath, ...path])}: ${message}`),
    );
    if (s === stage) derived = d;
  }
  if (!derived) {
    // The hosts cannot be derived, so templates cannot be evaluated; still report the services' shape problems.
    for (const f of serviceFiles) {
      const top = check(servicesFileSchema, f.data, f, [], problems);
      for (const [svcName, raw] of Object.entries(top?.services ?? {})) checkRawService(svcName, raw, f, problems);
    }
    problems.throwIfAny();
  }
  if (!derived) throw new InventoryError([{ file: hiveFile.file, line: 1, column: 1, message: `stages.${stage}: cannot derive the hosts` }]);
  const { spec, firstHive } = derived;
  const hostsBase = derived.hosts;
  const stagePath: Path = ["stages", stage];
  const repository = hostsBase[hostsBase.length - 1].name;
  const registry = `${repository}:5000`;
  const contextDir = resolve(opts.contextDir ?? join(process.cwd(), ".hive", stage));
  const serverHosts = Object.fromEntries(hostsBase.map((h) => [h.name, h.privateIp]));
  const hives = hostsBase.filter((h) => h.isHive).map((h) => h.name);

  // 4. Templates.
  const engine = new TemplateEngine({ env: opts.env ?? process.env, baseDir: resolve(dir, "..") });
  const groupsGlobal: Record<string, string[]> = {
    all: hostsBase.map((h) => h.name),
    servers: hostsBase.map((h) => h.name),
    hives,
    repository: [repository],
    first_hive: [firstHive],
    [stage]: hostsBase.map((h) => h.name),
  };
  const hostBuiltins = (h: Omit<Host, "vars">): Record<string, unknown> => ({
    inventory_hostname: h.name,
    inventory_hostname_short: h.shortName,
    hive_private_ip: h.privateIp,
    hive_netmask: h.prefixLength,
    hive_subnet: h.subnet,
    ...(h.availabilityZone !== null ? { hive_available_zone: h.availabilityZone } : {}),
    ...(h.instanceType !== null ? { hive_instance_type: h.instanceType } : {}),
    ...(h.diskSize !== null ? { hive_disk_size: h.diskSize } : {}),
    ...(h.mirroredDiskSize !== null ? { hive_mirrored_disk_size: h.mirroredDiskSize } : {}),
    ...(h.memorySize !== null ? { hive_memory_size: h.memorySize } : {}),
    ...(h.cpus !== null ? { hive_cpus: h.cpus } : {}),
    group_names: h.groups,
  });
  const builtins: Record<string, unknown> = {
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
    groups: groupsGlobal,
    hostvars: Object.fromEntries(hostsBase.map((h) => [h.name, hostBuiltins(h)])),
  };
  const gv = (g: string) => groupVars.get(g);
  const siteDefs = layer(gv("all"), gv("hosts"), gv("servers"), gv(stage), stackVars);
  const siteScope = new Scope(engine, siteDefs, builtins);
  const evalVars = (scope: Scope, defs: ReadonlyMap<string, VarDef>, site = false): Record<string, Value> => {
    const out: Record<string, Value> = {};
    for (const k of [...defs.keys()].sort()) {
      try {
        const v = scope.get(k);
        if (v !== OMIT) out[k] = toValue(v);
      } catch (err) {
        if (site && err instanceof TemplateEvalError && HOST_ONLY_USE.test(err.message)) continue;
        reportTemplate(err, defs.get(k)?.pos ?? stackPos, k);
      }
    }
    return out;
  };
  const reportTemplate = (err: unknown, pos: SourcePos, what: string) => {
    if (err instanceof TemplateEvalError) problems.add(err.pos ?? pos, err.pos ? err.message : `${what}: ${err.message}`);
    else throw err;
  };
  const siteVars = evalVars(siteScope, siteDefs, true);
  let adminUser = adminUserFor(spec.provider, undefined);
  if (siteScope.has("hive_admin")) {
    try {
      adminUser = adminUserFor(spec.provider, siteScope.get("hive_admin"));
    } catch {
      // already reported with the variables
    }
  }
  let rootPassword = spec.rootPassword;
  if (typeof rootPassword === "string") {
    try {
      const v = toValue(engine.evaluate(rootPassword, siteScope));
      rootPassword = typeof v === "string" || (v !== null && typeof v === "object" && "kind" in v) ? (v as typeof rootPassword) : String(v);
    } catch (err) {
      reportTemplate(err, hiveFile.pos([...stagePath, "root_password"]), `${pathString(stagePath)}.root_password`);
    }
  }
  const hosts: Host[] = hostsBase.map((h) => {
    const groups = h.groups.filter((g) => g !== stage);
    const defs = layer(gv("all"), gv("hosts"), gv("servers"), ...groups.map((g) => (g === "servers" ? undefined : gv(g))), gv(stage));
    const hostDefs = layer(defs, hostVarFiles.has(h.name) ? readVars(hostVarFiles.get(h.name)!, problems) : undefined, stackVars);
    const scope = new Scope(engine, hostDefs, { ...builtins, ...hostBuiltins(h) });
    return { ...h, vars: evalVars(scope, hostDefs) };
  });

  // 5. Networks and services.
  const internal = splitInternalCidr(spec.internalCidr === null ? null : (parseCidr(spec.internalCidr) as Exclude<ReturnType<typeof parseCidr>, string>));
  const serviceScope = new Scope(engine, layer(gv("all"), gv("services"), gv(stage), stackVars), builtins);
  interface FileServices {
    file: YamlFile;
    availableOn: readonly Stage[] | undefined;
    services: Record<string, unknown>;
    networks: Record<string, unknown>;
  }
  const files: FileServices[] = [];
  for (const f of serviceFiles) {
    const top = check(servicesFileSchema, f.data, f, [], problems);
    if (!top) continue;
    files.push({ file: f, availableOn: top.available_on, services: top.services, networks: top.networks ?? {} });
  }
  // Template failures of the tree being evaluated; zod issues under a failed path are not reported again.
  let currentFailed = new Set<string>();
  const networks: Network[] = [];
  const networkFile = new Map<string, YamlFile>();
  for (const f of files) {
    if (!availableIn(stage, f.availableOn)) continue;
    for (const [netName, raw] of Object.entries(f.networks)) {
      if (networkFile.has(netName)) {
        problems.add(f.file.keyPos(["networks", netName]), `networks.${netName}: network already defined in ${basename(networkFile.get(netName)!.file)}`);
        continue;
      }
      networkFile.set(netName, f.file);
      currentFailed = new Set<string>();
      const evaluated = evaluateTree(raw ?? {}, ["networks", netName], f.file);
      const net = check(networkSchema, evaluated, f.file, ["networks", netName], problems, keepUnlessFailed(currentFailed, ["networks", netName]));
      if (!net || currentFailed.size > 0) continue;
      if (net.driver !== undefined && net.driver !== "overlay") {
        problems.add(f.file.pos(["networks", netName, "driver"]), `networks.${netName}.driver: only "overlay" is supported, but is "${net.driver}"`);
      }
      const ipam = net.ipam ? (toValue(net.ipam) as Record<string, Value>) : null;
      const config = ipam && Array.isArray(ipam.config) ? (ipam.config as Value[])[0] : null;
      const ipamSubnet = config && typeof config === "object" && !Array.isArray(config) && typeof (config as Record<string, Value>).subnet === "string"
        ? ((config as Record<string, Value>).subnet as string)
        : null;
      networks.push({
        name: netName,
        driver: "overlay",
        attachable: true,
        subnet: ipamSubnet ?? (netName === HIVE_DEFAULT_NETWORK ? internal.overlay : null),
        ipam,
        driverOpts: Object.fromEntries(Object.entries(net.driver_opts ?? {}).map(([k, v]) => [k, String(v)])),
      });
    }
  }
  if (!networks.some((n) => n.name === HIVE_DEFAULT_NETWORK)) {
    networks.unshift({ name: HIVE_DEFAULT_NETWORK, driver: "overlay", attachable: true, subnet: internal.overlay, ipam: null, driverOpts: {} });
  }

  function keepUnlessFailed(failed: Set<string>, base: Path): (rel: Path) => boolean {
    return (rel) => {
      const full = [...base, ...rel];
      for (let n = full.length; n >= 0; n--) if (failed.has(JSON.stringify(full.slice(0, n)))) return false;
      return true;
    };
  }
  function evaluateTree(raw: unknown, path: Path, file: YamlFile, scope: Scope = serviceScope): unknown {
    if (typeof raw === "string") {
      try {
        return engine.evaluate(raw, scope);
      } catch (err) {
        currentFailed.add(JSON.stringify(path));
        reportTemplate(err, file.pos(path), pathString(path));
        return raw;
      }
    }
    if (Array.isArray(raw)) return raw.map((v, i) => evaluateTree(v, [...path, i], file, scope)).filter((v) => v !== OMIT);
    if (isMapping(raw)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw)) {
        const e = evaluateTree(v, [...path, k], file, scope);
        if (e !== OMIT) out[k] = e;
      }
      return out;
    }
    return raw;
  }

  const syslogPort = siteVars.hive_syslog_port ?? 10514;
  const tlsFlag = siteVars.hive_tls_logging ?? siteVars.tls_logging;
  const tlsLogging = tlsFlag === true || tlsFlag === "true" || tlsFlag === "True";
  const home = `/home/${adminUser}`;
  const ctxBase = {
    stage,
    registry,
    repository,
    serverHosts,
    hives,
    networks: networks.map((n) => n.name),
    syslogAddress: `${tlsLogging ? "tcp+tls" : "udp"}://${repository}:${String(syslogPort)}`,
    syslogTls: tlsLogging
      ? { "syslog-tls-ca-cert": `${home}/.docker/ca.pem`, "syslog-tls-cert": `${home}/.docker/cert.pem`, "syslog-tls-key": `${home}/.docker/key.pem` }
      : null,
  };
  const services: Site["services"][number][] = [];
  const serviceFileOf = new Map<string, YamlFile>();
  const uses: VolumeUse[] = [];
  const allPorts: PortDef[] = [];
  for (const f of files) {
    for (const [svcName, raw] of Object.entries(f.services)) {
      const svcPath: Path = ["services", svcName];
      if (serviceFileOf.has(svcName)) {
        problems.add(f.file.keyPos(svcPath), `services.${svcName}: service already defined in ${basename(serviceFileOf.get(svcName)!.file)}`);
        continue;
      }
      serviceFileOf.set(svcName, f.file);
      if (!isMapping(raw)) {
        problems.add(f.file.pos(svcPath), `services.${svcName}: must be a mapping of service attributes, but is ${raw === null ? "empty" : Array.isArray(raw) ? "a list" : typeof raw}`);
        continue;
      }
      const svcAvail = Array.isArray(raw.available_on) ? (raw.available_on as Stage[]) : undefined;
      if (!availableIn(stage, svcAvail, f.availableOn)) {
        // Not in this stage: check the shape (templates cannot be evaluated here) and collect the firewall ports.
        const parsed = checkRawService(svcName, raw, f.file, problems);
        for (const p of parsed?.ports ?? []) {
          const d = parsePort(p);
          if (typeof d !== "string") allPorts.push(d);
        }
        continue;
      }
      currentFailed = new Set<string>();
      const evaluated = evaluateTree(raw, svcPath, f.file);
      const input = check(serviceSchema, evaluated, f.file, svcPath, problems, keepUnlessFailed(currentFailed, svcPath)) as ServiceInput | null;
      if (!input || currentFailed.size > 0) continue;
      const d = deriveService(svcName, input, f.availableOn, {
        ...ctxBase,
        report: (path, message) => problems.add(path.length > 0 ? f.file.keyPos(path) : f.file.pos(path), message),
        pos: (path) => f.file.keyPos(path),
      });
      services.push(d.service);
      uses.push(...d.volumes);
      allPorts.push(...d.service.ports.map((p) => ({ target: p.target, published: p.published, protocol: p.protocol, mode: p.mode })));
    }
  }

  // 6. Published port conflicts in this stage.
  const publishedBy = new Map<string, string>();
  for (const s of services) {
    for (const p of s.ports) {
      if (p.published === null) continue;
      const k = `${p.published}/${p.protocol}`;
      const other = publishedBy.get(k);
      if (other !== undefined && other !== s.name) {
        const i = s.ports.indexOf(p);
        problems.add(serviceFileOf.get(s.name)!.keyPos(["services", s.name, "ports", i]), `services.${s.name}.ports[${i}]: published port ${k} is already published by service ${other}`);
      } else publishedBy.set(k, s.name);
    }
  }

  // Backup entries name the backup files (backup-<name>-…), so they must be distinct across the stage.
  const backupOwner = new Map<string, string>();
  for (const s of services) {
    s.backupScripts.forEach((b, i) => {
      const pos = serviceFileOf.get(s.name)!.keyPos(["services", s.name, "backup_scripts", i, "name"]);
      const where = `services.${s.name}.backup_scripts[${i}].name`;
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(b.name)) {
        problems.add(pos, `${where}: "${b.name}" must be letters, digits, ".", "_" and "-" (it names the backup files)`);
      } else if (b.name === "hive-registry" || b.name === "hive-zabbix") {
        problems.add(pos, `${where}: "${b.name}" is the name of hive's own backup`);
      } else if (backupOwner.has(b.name)) {
        problems.add(pos, `${where}: "${b.name}" is already the name of a backup of service ${backupOwner.get(b.name)}; backup files would mix`);
      } else backupOwner.set(b.name, s.name);
    });
  }

  // 7. Volumes.
  const volumeMap = new Map<string, { first: VolumeUse; def: VolumeUse | null; services: Set<string> }>();
  for (const u of uses) {
    const v = volumeMap.get(u.name) ?? { first: u, def: null, services: new Set<string>() };
    v.services.add(u.service);
    if (u.kind !== "plain") {
      if (v.def === null) v.def = u;
      else if (JSON.stringify({ ...v.def, service: "", path: [], pos: null }) !== JSON.stringify({ ...u, service: "", path: [], pos: null })) {
        problems.add(u.pos, `volume ${u.name} is defined differently in services ${v.def.service} and ${u.service}; the definitions must be identical`);
      }
    }
    volumeMap.set(u.name, v);
  }

  // 8. Allocations.
  const requests: AllocationRequest[] = [];
  for (const s of services) for (const p of s.ports) if (!p.explicit) requests.push({ kind: "port", key: p.key });
  for (const s of services) for (const p of s.ports) if (p.explicit && p.published !== null) requests.push({ kind: "port", key: p.key, explicit: p.published });
  const drbdVolumes = [...volumeMap.values()].filter((v) => v.def?.kind === "drbd");
  for (const v of drbdVolumes) requests.push({ kind: "minor", volume: v.first.name, explicit: v.def!.deviceId });
  const previous = opts.previous ?? EMPTY_ALLOCATIONS;
  let allocations = previous;
  try {
    allocations = allocate(previous, requests);
  } catch (err) {
    if (!(err instanceof AllocationError)) throw err;
    const r = err.request;
    let pos: SourcePos = hiveFile.pos([]);
    if (r.kind === "minor") pos = volumeMap.get(r.volume)?.def?.pos ?? pos;
    else {
      const svc = services.find((s) => s.ports.some((p) => p.key === r.key));
      if (svc) pos = serviceFileOf.get(svc.name)!.keyPos(["services", svc.name, "ports"]);
    }
    problems.add(pos, err.message);
  }
  problems.throwIfAny();

  const finalServices = services.map((s) => ({
    ...s,
    ports: s.ports.map((p) => (p.explicit ? p : { ...p, published: allocations.ports[p.key] ?? null })),
  }));
  const volumes: Volume[] = [...volumeMap.values()].map(({ first, def, services: svc }) => {
    const minor = def?.kind === "drbd" ? allocations.minors[first.name] ?? null : null;
    return {
      name: first.name,
      kind: def?.kind ?? "plain",
      drbd: def?.kind === "drbd" && def.drbd ? { ...def.drbd, minor, port: minor === null ? null : 7000 + minor } : null,
      driver: def?.driver ?? null,
      driverOpts: def?.driverOpts ?? {},
      nfs: def?.nfs ?? null,
      services: [...svc].sort(),
      pos: (def ?? first).pos,
    };
  });

  return deepFreeze({
    name: name!,
    stage,
    provider: spec.provider,
    spec: { ...spec, rootPassword },
    hosts,
    repository,
    registry,
    firstHive,
    adminUser,
    internalNetworks: internal,
    firewall: firewallPorts(allPorts),
    services: finalServices,
    volumes,
    networks,
    secrets: [...engine.secrets.values()].sort((a, b) => a.name.localeCompare(b.name)),
    vars: siteVars,
    allocations,
    newAllocations: newEntries(previous, allocations),
    inventoryDir: dir,
  });
}

/** Checks a service definition without evaluating its templates (a template may stand for any type). */
function checkRawService(name: string, raw: unknown, file: YamlFile, problems: ProblemList): ServiceInput | null {
  const isTemplateAt = (rel: Path) => {
    let v: unknown = raw;
    for (const p of rel) v = isMapping(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p] : undefined;
    return typeof v === "string" && (v.includes("{{") || v.includes("{%"));
  };
  return check(serviceSchema, raw, file, ["services", name], problems, (rel) => !isTemplateAt(rel));
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
