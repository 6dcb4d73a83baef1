// Service definitions (validated and evaluated) → services, volume uses and port requests.
import type {
  Text,
  BackupScript,
  DrbdSpec,
  ImageBuild,
  Mount,
  Port,
  Service,
  ServiceImage,
  SourcePos,
  Stage,
  Value,
} from "./model";
import { didYouMean } from "./errors";
import { parsePort, shellSplit } from "./ports";
import type { ImageBuildInput, ServiceInput, VolumeInput } from "./schema";
import { hasSecret, SECRET_MARKS, toValue } from "./templates";
import { ansibleToJson } from "./ansible-json";
import type { Path } from "./yamlfile";

export interface ServiceContext {
  readonly stage: Stage;
  readonly registry: string;
  readonly repository: string;
  /** fqdn → private IP, every server of the stage. */
  readonly serverHosts: Readonly<Record<string, string>>;
  readonly hives: readonly string[];
  readonly networks: readonly string[];
  readonly syslogAddress: string;
  readonly syslogTls: Readonly<Record<string, string>> | null;
  /** Reports a problem at a path relative to the service file's root. */
  readonly report: (path: Path, message: string) => void;
  readonly pos: (path: Path) => SourcePos;
}

/** How a service uses a named volume in this stage. */
export interface VolumeUse {
  readonly name: string;
  readonly service: string;
  readonly kind: "drbd" | "driver" | "nfs" | "plain";
  readonly drbd: Omit<DrbdSpec, "minor" | "port"> | null;
  readonly deviceId: number | null;
  readonly driver: string | null;
  readonly driverOpts: Readonly<Record<string, string>>;
  readonly nfs: { readonly size: string | null } | null;
  /** Whether the entry carries a definition (drbd/driver/nfs), whatever the stage. */
  readonly defined: boolean;
  readonly path: Path;
  readonly pos: SourcePos;
}

export interface DerivedService {
  readonly service: Service;
  readonly volumes: readonly VolumeUse[];
}

const STANDALONE_CAPS = ["NET_ADMIN", "SYS_ADMIN", "SYSLOG", "SYS_PTRACE", "AUDIT_CONTROL"];
const STANDALONE_INIT = ["sh", "-c", "mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec /sbin/init"];
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

/** Effective stages: the closest `available_on` wins (volume definition, then service, then file). */
export function availableIn(stage: Stage, ...lists: (readonly Stage[] | undefined)[]): boolean {
  for (const l of lists) if (l !== undefined) return l.includes(stage);
  return true;
}

function stringList(v: string | readonly string[] | undefined): string[] {
  if (v === undefined) return [];
  return typeof v === "string" ? [v] : [...v];
}

export function deriveService(
  name: string,
  input: ServiceInput,
  fileAvailableOn: readonly Stage[] | undefined,
  ctx: ServiceContext,
): DerivedService {
  const base: Path = ["services", name];
  const report = (rel: Path, message: string) => ctx.report([...base, ...rel], message);
  const plain = (rel: Path, v: unknown): string => {
    if (hasSecret(v)) {
      report(rel, `services.${name}.${rel.join(".")}: cannot hold a secret here`);
      return "[secret]";
    }
    return typeof v === "string" ? v : JSON.stringify(v);
  };
  if (!SERVICE_NAME.test(name)) {
    report([], `services.${name}: a service name must start with a letter or digit and contain only letters, digits, hyphens and underscores`);
  } else if (name.startsWith("hive-")) {
    report([], `services.${name}: names starting with "hive-" are reserved for hive's own backups`);
  }
  const standalone = input.standalone ?? false;

  // Image.
  let image: ServiceImage;
  if (typeof input.image === "string") {
    image = { kind: "pull", ref: plain(["image"], input.image), build: null };
  } else {
    const b: ImageBuildInput = input.image;
    if (b.pull_on !== undefined && b.pull_from === undefined) {
      report(["image", "pull_on"], `services.${name}.image: pull_from must be specified when pull_on is specified`);
    }
    if (b.pull_on?.includes(ctx.stage) && b.pull_from !== undefined) {
      image = { kind: "pull", ref: plain(["image", "pull_from"], b.pull_from), build: null };
    } else {
      const words = (v: string | readonly string[] | undefined): string[] | null =>
        v === undefined ? null : typeof v === "string" ? shellSplit(v) : [...v];
      const build: ImageBuild = {
        from: plain(["image", "from"], b.from),
        roles: b.roles ?? [],
        env: Object.fromEntries(Object.entries(b.env ?? {}).map(([k, v]) => [k, toValue(v)])),
        stopSignal: b.stop_signal ?? null,
        user: b.user ?? null,
        workingDir: b.working_dir ?? null,
        entrypoint: words(b.entrypoint),
        command: words(b.command),
        privileged: (b.privileged ?? false) || standalone,
        expose: b.expose === undefined ? [] : (Array.isArray(b.expose) ? b.expose : [b.expose]).map(String),
        standalone: (b.standalone ?? false) || standalone,
        dockerfile: b.dockerfile ?? null,
      };
      if (build.dockerfile !== null && build.roles.length > 0) {
        report(["image", "dockerfile"], `services.${name}.image: dockerfile and roles cannot both be specified`);
      }
      image = { kind: "build", ref: `${ctx.registry}/image_${name}`, build };
    }
  }

  // Ports.
  const ports: Port[] = [];
  (input.ports ?? []).forEach((entry, i) => {
    const def = parsePort(entry);
    if (typeof def === "string") {
      report(["ports", i], `services.${name}.ports[${i}]: ${def}`);
      return;
    }
    ports.push({
      target: def.target,
      published: def.published,
      protocol: def.protocol,
      mode: def.mode,
      explicit: def.published !== null,
      key: `${name}${def.target}`,
    });
  });

  // Volumes and mounts.
  const mounts: Mount[] = [];
  const uses: VolumeUse[] = [];
  if (standalone) {
    for (const target of ["/run", "/tmp", "/sys/fs/cgroup"]) mounts.push({ source: "", target, type: "tmpfs", readonly: false });
  }
  (input.volumes ?? []).forEach((entry, i) => {
    const at: Path = ["volumes", i];
    if (typeof entry === "string") {
      report(at, `services.${name}.volumes[${i}]: the short syntax "${entry}" is not supported; use a mapping with source, target and type`);
      return;
    }
    const v: VolumeInput = entry;
    const defs = [v.driver !== undefined ? "driver" : null, v.nfs !== undefined ? "nfs" : null, v.drbd !== undefined ? "drbd" : null].filter(
      (x): x is string => x !== null,
    );
    if (defs.length > 1) {
      report(at, `services.${name}.volumes[${i}]: ${defs.join(" and ")} cannot be specified together; choose one`);
      return;
    }
    const type = v.type ?? (defs.length > 0 || !v.source.startsWith("/") ? "volume" : "bind");
    if (type === "bind" && !v.source.startsWith("/")) {
      report([...at, "source"], `services.${name}.volumes[${i}].source: a bind mount needs an absolute path, but is "${v.source}"`);
    }
    if (type !== "volume" && defs.length > 0) {
      report([...at, "type"], `services.${name}.volumes[${i}].type: ${defs[0]} needs type volume, but is ${type}`);
    }
    mounts.push({ source: v.source, target: v.target, type, readonly: v.readonly ?? false });
    if (type !== "volume") return;
    let kind: VolumeUse["kind"] = "plain";
    let drbd: VolumeUse["drbd"] = null;
    let nfs: VolumeUse["nfs"] = null;
    if (v.drbd !== undefined && availableIn(ctx.stage, v.drbd.available_on, input.available_on, fileAvailableOn)) {
      kind = "drbd";
      const diskless = (v.drbd.diskless ?? []).filter((h) => ctx.hives.includes(h));
      drbd = { fstype: v.drbd.fstype, size: v.drbd.size, diskless, vgname: v.drbd.vgname ?? "drbdvg" };
    } else if (v.nfs !== undefined && availableIn(ctx.stage, v.nfs?.available_on, input.available_on, fileAvailableOn)) {
      kind = "nfs";
      nfs = { size: v.nfs?.size ?? null };
    } else if (v.driver !== undefined) {
      kind = "driver";
    }
    uses.push({
      name: v.source,
      service: name,
      kind,
      drbd,
      deviceId: kind === "drbd" ? v.drbd?.device_id ?? null : null,
      driver: kind === "driver" ? v.driver ?? null : null,
      driverOpts: kind === "driver" ? Object.fromEntries(Object.entries(v.driver_opts ?? {}).map(([k, x]) => [k, String(x)])) : {},
      nfs,
      defined: defs.length > 0,
      path: [...base, ...at],
      pos: ctx.pos([...base, ...at]),
    });
  });

  // Labels.
  const labels: Record<string, Text> = {};
  // hive-builder: a string as it is, anything else `| to_json`; a secret stays a secret.
  for (const [k, v] of Object.entries(input.labels ?? {})) {
    labels[k] = toValue(typeof v === "string" ? v : ansibleToJson(v, SECRET_MARKS)) as Text;
  }
  labels.HIVE_STANDALONE = standalone ? "True" : "False";

  // Logging.
  let logging: Service["logging"];
  if (input.logging) {
    const options: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.logging.options ?? {})) options[k] = String(v);
    logging = { driver: input.logging.driver, options };
  } else {
    logging = {
      driver: "syslog",
      options: { "syslog-address": ctx.syslogAddress, "syslog-facility": "local0", tag: name, ...(ctx.syslogTls ?? {}) },
    };
  }

  // Networks.
  const networks = input.networks ?? [...ctx.networks];
  (input.networks ?? []).forEach((n, i) => {
    if (!ctx.networks.includes(n)) {
      const s = didYouMean(n, ctx.networks);
      report(["networks", i], `services.${name}.networks[${i}]: unknown network "${n}"${s ? ` (did you mean "${s}"?)` : ""}; defined: ${ctx.networks.join(", ")}`);
    }
  });

  // Backup scripts.
  const backupScripts: BackupScript[] = (input.backup_scripts ?? []).map((b, i) => {
    const commandStyle = [b.backup_command, b.restore_command, b.backup_file, b.restore_file].some((x) => x !== undefined);
    if (b.directory !== undefined && commandStyle) {
      report(["backup_scripts", i], `services.${name}.backup_scripts[${i}]: directory cannot be combined with backup_command, backup_file, restore_command or restore_file`);
    } else if (b.directory === undefined && b.backup_command === undefined) {
      report(["backup_scripts", i], `services.${name}.backup_scripts[${i}]: either directory or backup_command must be specified`);
    }
    for (const key of ["name", "ext"] as const) {
      if (hasSecret(b[key])) report(["backup_scripts", i, key], `services.${name}.backup_scripts[${i}].${key}: cannot hold a secret (it names the backup files)`);
    }
    const text = (v: string | undefined): Text | null => (v === undefined ? null : (toValue(v) as Text));
    return {
      name: b.name,
      directory: text(b.directory),
      backupCommand: text(b.backup_command),
      backupFile: text(b.backup_file),
      restoreCommand: text(b.restore_command),
      restoreFile: text(b.restore_file),
      ext: b.ext ?? null,
      cleanupDaysBefore: b.cleanup_days_before ?? null,
      batchScripts: (b.batch_scripts ?? []).map((x) => toValue(x) as Text),
    };
  });

  const commandList = (v: string | readonly (string | number | boolean)[] | undefined): Value[] | null =>
    v === undefined ? null : typeof v === "string" && !hasSecret(v) ? shellSplit(v) : typeof v === "string" ? [toValue(v)] : v.map(toValue);
  let args = commandList(input.command);
  if (standalone && (args === null || args.length === 0)) args = [...STANDALONE_INIT];

  let environment: Record<string, Value> = {};
  if (Array.isArray(input.environment)) {
    for (const item of input.environment) {
      const eq = item.indexOf("=");
      environment[eq < 0 ? item : item.slice(0, eq)] = toValue(eq < 0 ? "" : item.slice(eq + 1));
    }
  } else if (input.environment) {
    environment = Object.fromEntries(Object.entries(input.environment).map(([k, v]) => [k, toValue(v)]));
  }

  const service: Service = {
    name,
    pos: ctx.pos(base),
    image,
    args,
    command: commandList(input.entrypoint),
    environment,
    ports,
    mounts,
    labels,
    logging,
    placement: {
      constraints: input.placement?.constraints ?? [],
      preferences: (input.placement?.preferences ?? []).map(toValue),
    },
    mode: input.mode ?? "replicated",
    replicas: input.replicas ?? null,
    restartConfig: input.restart_config ? (toValue(input.restart_config) as Record<string, Value>) : null,
    updateConfig: input.update_config ?? null,
    rollbackConfig: input.rollback_config ?? null,
    endpointMode: input.endpoint_mode ?? null,
    dns: stringList(input.dns),
    hosts: { ...ctx.serverHosts, ...(input.hosts ?? {}) },
    user: input.user ?? null,
    workingDir: input.working_dir ?? null,
    healthcheck: input.healthcheck ? (toValue(input.healthcheck) as Record<string, Value>) : null,
    stopGracePeriod: input.stop_grace_period === undefined ? null : String(input.stop_grace_period),
    capAdd: [...(input.cap_add ?? []), ...(standalone ? STANDALONE_CAPS.filter((c) => !(input.cap_add ?? []).includes(c)) : [])],
    capDrop: input.cap_drop ?? [],
    sysctls: Object.fromEntries(Object.entries(input.sysctls ?? {}).map(([k, v]) => [k, String(v)])),
    cpuLimit: input.cpu_limit ?? null,
    memLimit: input.mem_limit === undefined ? null : String(input.mem_limit),
    standalone,
    initializeRoles: input.initialize_roles ?? [],
    backupScripts,
    monitorError: stringList(input.monitor_error),
    ignoreError: stringList(input.ignore_error),
    networks,
  };
  if (input.mode === "global" && input.replicas !== undefined) {
    report(["replicas"], `services.${name}.replicas: cannot be specified when mode is global`);
  }
  return { service, volumes: uses };
}
