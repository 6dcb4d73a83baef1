// Stage 5 of loading an inventory: the networks and services of the stage. Each definition's templates are
// evaluated with the services' variables, then checked (zod) and derived (ports, mounts, images, volume uses).
import { basename } from "node:path";
import type { ProblemList } from "./errors";
import type { InternalNetworks, Network, Service, Stage, Value } from "./model";
import type { InventoryFiles } from "./load-files";
import { isMapping } from "./load-files";
import { checkRawService } from "./load-hive";
import { reportTemplate, type HostsStage } from "./load-hosts";
import type { InventoryVariables } from "./load-variables";
import { parsePort, type PortDef } from "./ports";
import { check, networkSchema, serviceSchema, servicesFileSchema, type ServiceInput } from "./schema";
import { availableIn, deriveService, type VolumeUse } from "./services";
import { hasSecret, OMIT, Scope, toValue } from "./templates";
import { pathString, type Path, type YamlFile } from "./yamlfile";

const HIVE_DEFAULT_NETWORK = "hive_default_network";

/** The path of a plain string that still carries a secret token (outside a SecretString), or null. */
function secretLeak(v: unknown, path = ""): string | null {
  if (typeof v === "string") return hasSecret(v) ? path || "a value" : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const l = secretLeak(v[i], `${path}[${i}]`);
      if (l !== null) return l;
    }
    return null;
  }
  if (v !== null && typeof v === "object") {
    if ((v as { kind?: unknown }).kind === "secret") return null;
    for (const [k, x] of Object.entries(v)) {
      const l = secretLeak(x, path ? `${path}.${k}` : k);
      if (l !== null) return l;
    }
  }
  return null;
}

export interface ServicesStage {
  readonly networks: readonly Network[];
  /** Services available in this stage, in file order, ports not yet allocated. */
  readonly services: readonly Service[];
  /** The file each service (of any stage) is defined in. */
  readonly serviceFileOf: ReadonlyMap<string, YamlFile>;
  /** Every volume mount of the services, in order. */
  readonly uses: readonly VolumeUse[];
  /** Every port of every service of every stage (the firewall is opened for all of them). */
  readonly allPorts: readonly PortDef[];
}

export interface ServicesArgs {
  readonly stage: Stage;
  readonly files: InventoryFiles;
  readonly vars: InventoryVariables;
  readonly hosts: HostsStage;
  readonly internal: InternalNetworks;
}

export function deriveServices(a: ServicesArgs, problems: ProblemList): ServicesStage {
  const { stage, internal } = a;
  const { engine, builtins, siteVars, adminUser, registry, repository, serverHosts, hives } = a.hosts;
  const serviceFiles = a.files.serviceFiles;
  const serviceScope = new Scope(engine, a.vars.serviceDefs(), builtins);
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
        reportTemplate(problems, err, file.pos(path), pathString(path));
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
  const services: Service[] = [];
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
      // A secret may stand where the model keeps a SecretString; anywhere else its placeholder would reach a
      // swarm spec or a file as text, so it is an error at the attribute (never a silent leak).
      const leak = secretLeak(d.service) ?? secretLeak(d.volumes.map((v) => ({ ...v, pos: null, path: [] })));
      if (leak !== null) {
        problems.add(f.file.keyPos(svcPath), `services.${svcName}: a secret cannot be used in ${leak} (it can in environment, command, entrypoint, labels, healthcheck, backup_scripts)`);
        continue;
      }
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
  return { networks, services, serviceFileOf, uses, allPorts };
}
