// zod schemas of the inventory files, and the translation of zod issues into positioned problems.
import { z } from "zod";
import { PROVIDERS, STAGES } from "./model";
import { unknownKeyMessage, type ProblemList } from "./errors";
import { pathString, type Path, type YamlFile } from "./yamlfile";

const ALLOWED = "ALLOWED:";

/** A mapping that rejects unknown keys; the issue carries the allowed keys for the "did you mean" hint. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? ALLOWED + allowed.join(",") : undefined),
  });
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const stringOrList = z.union([z.string(), z.array(z.string())]);
const stageEnum = z.enum(STAGES);

export const subnetSchema = strict({
  cidr: z.string(),
  name: z.string().optional(),
  available_zone: z.string().optional(),
});

export const stageSchema = strict({
  provider: z.enum(PROVIDERS),
  cidr: z.string(),
  subnets: z.array(subnetSchema).min(1).optional(),
  ip_address_list: z.array(z.string()).min(1).optional(),
  separate_repository: z.boolean().optional(),
  number_of_hosts: z.number().int().min(1).optional(),
  custom_hostname: z.string().optional(),
  shared_repository: z.record(z.string(), z.unknown()).optional(),
  region: z.string().optional(),
  az_suffix_list: z.array(z.string()).min(1).optional(),
  instance_type: z.string().optional(),
  repository_instance_type: z.string().optional(),
  image_name: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  disk_size: z.number().int().positive().optional(),
  repository_disk_size: z.number().int().positive().optional(),
  mirrored_disk_size: z.number().int().positive().optional(),
  disk_encrypted: z.boolean().optional(),
  repository_disk_encrypted: z.boolean().optional(),
  mirrored_disk_encrypted: z.boolean().optional(),
  kms_key_id: z.string().optional(),
  memory_size: z.number().int().positive().optional(),
  cpus: z.number().int().positive().optional(),
  repository_memory_size: z.number().int().positive().optional(),
  repository_cpus: z.number().int().positive().optional(),
  root_password: z.string().optional(),
  kernel_version: z.string().optional(),
  drbd_download_url: z.string().optional(),
  internal_cidr: z.string().optional(),
  internal_cidr_v6: z.string().optional(),
  filestore_cidr: z.string().optional(),
  prepared_resource_group: z.union([z.boolean(), z.string()]).optional(),
  not_support_az: z.boolean().optional(),
  bridge: z.string().optional(),
  dev: z.string().optional(),
  kickstart_config: z.record(z.string(), z.unknown()).optional(),
  nameservers: z.array(z.string()).optional(),
});
export type StageInput = z.infer<typeof stageSchema>;
/** The stage schema without the unknown-key check, to find the other problems of a stage with a misspelt key. */
export const looseStageSchema = stageSchema.strip();

/** The hive definition; each stage is checked on its own with `stageSchema`. */
export const hiveFileSchema = strict({
  plugin: z.literal("hive_inventory"),
  name: z.string().min(1),
  stages: strict({
    private: z.unknown().optional(),
    staging: z.unknown().optional(),
    production: z.unknown().optional(),
  }),
});
export type HiveFileInput = z.infer<typeof hiveFileSchema>;

export const drbdSchema = strict({
  fstype: z.enum(["xfs", "ext4"]),
  size: z.string().regex(/^\d+(\.\d+)?[bBsSkKmMgGtTpPeE]?$/, { error: "must be an LVM size such as 500M or 20G" }),
  diskless: z.array(z.string()).optional(),
  device_id: z.number().int().min(1).max(255).optional(),
  vgname: z.string().optional(),
  available_on: z.array(stageEnum).optional(),
});

export const nfsSchema = strict({
  size: z.string().optional(),
  available_on: z.array(stageEnum).optional(),
});

export const volumeSchema = strict({
  source: z.string(),
  target: z.string(),
  type: z.enum(["volume", "bind", "tmpfs"]).optional(),
  readonly: z.boolean().optional(),
  driver: z.string().optional(),
  driver_opts: z.record(z.string(), scalar).optional(),
  drbd: drbdSchema.optional(),
  nfs: z.union([nfsSchema, z.null()]).optional(),
});
export type VolumeInput = z.infer<typeof volumeSchema>;

const portNumber = z.number().int().min(1).max(65535);
export const longPortSchema = strict({
  target_port: portNumber,
  published_port: portNumber.optional(),
  protocol: z.enum(["tcp", "udp", "sctp"]).optional(),
  mode: z.enum(["ingress", "host"]).optional(),
});

export const imageBuildSchema = strict({
  from: z.string(),
  roles: z.array(z.string()).optional(),
  env: z.record(z.string(), z.unknown()).optional(),
  stop_signal: z.string().optional(),
  user: z.string().optional(),
  working_dir: z.string().optional(),
  standalone: z.boolean().optional(),
  entrypoint: z.union([z.string(), z.array(z.string())]).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  privileged: z.boolean().optional(),
  expose: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]).optional(),
  pull_on: z.array(stageEnum).optional(),
  pull_from: z.string().optional(),
  dockerfile: z.string().optional(),
});
export type ImageBuildInput = z.infer<typeof imageBuildSchema>;

export const backupScriptSchema = strict({
  name: z.string(),
  directory: z.string().optional(),
  backup_command: z.string().optional(),
  backup_file: z.string().optional(),
  restore_command: z.string().optional(),
  restore_file: z.string().optional(),
  ext: z.string().optional(),
  cleanup_days_before: z.number().int().min(0).optional(),
  batch_scripts: z.array(z.string()).optional(),
});

const commandSchema = z.union([z.string(), z.array(scalar)]);

/** `update_config` / `rollback_config` as docker compose writes them. */
export const updatePolicySchema = strict({
  parallelism: z.number().int().min(0).optional(),
  delay: z.string().optional(),
  failure_action: z.enum(["continue", "pause", "rollback"]).optional(),
  monitor: z.string().optional(),
  max_failure_ratio: z.number().min(0).max(1).optional(),
  order: z.enum(["stop-first", "start-first"]).optional(),
});

export const serviceSchema = strict({
  image: z.union([z.string(), imageBuildSchema]),
  available_on: z.array(stageEnum).optional(),
  backup_scripts: z.array(backupScriptSchema).optional(),
  command: commandSchema.optional(),
  entrypoint: commandSchema.optional(),
  environment: z.union([z.record(z.string(), z.unknown()), z.array(z.string())]).optional(),
  dns: stringOrList.optional(),
  endpoint_mode: z.enum(["vip", "dnsrr"]).optional(),
  healthcheck: z.record(z.string(), z.unknown()).optional(),
  hosts: z.record(z.string(), z.string()).optional(),
  ignore_error: stringOrList.optional(),
  monitor_error: stringOrList.optional(),
  initialize_roles: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.unknown()).optional(),
  logging: strict({ driver: z.string(), options: z.record(z.string(), scalar).optional() }).optional(),
  mode: z.enum(["replicated", "global"]).optional(),
  networks: z.array(z.string()).optional(),
  placement: strict({
    constraints: z.array(z.string()).optional(),
    preferences: z.array(z.unknown()).optional(),
  }).optional(),
  ports: z.array(z.union([z.string(), z.number(), longPortSchema])).optional(),
  replicas: z.number().int().min(0).optional(),
  restart_config: strict({
    condition: z.enum(["none", "on-failure", "any"]).optional(),
    delay: z.union([z.string(), z.number()]).optional(),
    max_attempts: z.number().int().min(0).optional(),
    window: z.union([z.string(), z.number()]).optional(),
  }).optional(),
  // hive's own attributes (hive-builder left swarm's defaults): the rolling update and rollback policies.
  update_config: updatePolicySchema.optional(),
  rollback_config: updatePolicySchema.optional(),
  stop_grace_period: z.union([z.string(), z.number()]).optional(),
  standalone: z.boolean().optional(),
  user: z.string().optional(),
  working_dir: z.string().optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  sysctls: z.record(z.string(), scalar).optional(),
  cpu_limit: z.number().positive().optional(),
  mem_limit: z.union([z.string(), z.number()]).optional(),
  volumes: z.array(z.union([volumeSchema, z.string()])).optional(),
});
export type ServiceInput = z.infer<typeof serviceSchema>;

export const networkSchema = strict({
  driver: z.string().optional(),
  ipam: z.record(z.string(), z.unknown()).optional(),
  driver_opts: z.record(z.string(), scalar).optional(),
});
export type NetworkInput = z.infer<typeof networkSchema>;

export const servicesFileSchema = strict({
  plugin: z.literal("hive_services"),
  available_on: z.array(stageEnum).optional(),
  services: z.record(z.string(), z.unknown()),
  networks: z.record(z.string(), z.unknown()).optional(),
});

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "empty",
};

export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string "${value.length > 40 ? value.slice(0, 37) + "..." : value}"`;
  // YAML's .nan / .inf are numbers; say what was written.
  if (typeof value === "number" && !Number.isFinite(value)) return `the number ${Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf"}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

type Issue = z.core.$ZodIssue;

/** Validates `data` (found at `base` in `file`); every issue becomes a problem. Returns the parsed value or null. */
export function check<T>(
  schema: z.ZodType<T>,
  data: unknown,
  file: YamlFile,
  base: Path,
  problems: ProblemList,
  keep: (issuePath: Path) => boolean = () => true,
): T | null {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  let reported = 0;
  const before = problems.size;
  for (const issue of result.error.issues) reported += report(issue, [], data, file, base, problems, keep);
  if (reported === 0 && problems.size === before) return data as T;
  return null;
}

function report(
  issue: Issue,
  prefix: Path,
  root: unknown,
  file: YamlFile,
  base: Path,
  problems: ProblemList,
  keep: (issuePath: Path) => boolean,
): number {
  const rel: Path = [...prefix, ...(issue.path as (string | number)[])];
  if (!keep(rel)) return 0;
  const full: Path = [...base, ...rel];
  const name = pathString(full);
  const actual = valueAt(root, rel);
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = issue.message.startsWith(ALLOWED) ? issue.message.slice(ALLOWED.length).split(",") : [];
      const what = full.length === 1 && full[0] === "stages" ? "stage" : "attribute";
      for (const key of issue.keys) {
        problems.add(file.keyPos([...full, key]), unknownKeyMessage(pathString([...full, key]), key, allowed, what));
      }
      return issue.keys.length;
    }
    case "invalid_union": {
      const fitting = issue.errors.filter(
        (branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0),
      );
      if (fitting.length === 1) {
        let n = 0;
        for (const sub of fitting[0]) n += report(sub, rel, root, file, base, problems, keep);
        return n;
      }
      const expected = issue.errors
        .flatMap((branch) => branch.filter((i) => i.code === "invalid_type" && i.path.length === 0))
        .map((i) => EXPECTED[(i as { expected: string }).expected] ?? (i as { expected: string }).expected);
      const list = [...new Set(expected)];
      problems.add(file.pos(full), `${name}: must be ${list.join(" or ")}, but is ${describe(actual)}`);
      return 1;
    }
    case "invalid_type": {
      if (actual === undefined) {
        problems.add(file.pos(full), `${name}: must be specified`);
      } else {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        problems.add(file.pos(full), `${name}: must be ${expected}, but is ${describe(actual)}`);
      }
      return 1;
    }
    case "invalid_value": {
      const values = issue.values.map((v) => JSON.stringify(v)).join(", ");
      if (actual === undefined) problems.add(file.pos(full), `${name}: must be specified (one of ${values})`);
      else problems.add(file.pos(full), `${name}: must be one of ${values}, but is ${describe(actual)}`);
      return 1;
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const what =
        issue.origin === "array"
          ? `a list with ${issue.code === "too_small" ? "at least" : "at most"} ${String(bound)} elements`
          : issue.origin === "string"
            ? "a non-empty string"
            : `${issue.code === "too_small" ? "at least" : "at most"} ${String(bound)}`;
      problems.add(file.pos(full), `${name}: must be ${what}, but is ${describe(actual)}`);
      return 1;
    }
    default:
      problems.add(file.pos(full), `${name}: ${issue.message}, but is ${describe(actual)}`);
      return 1;
  }
}
