// An Ansible inventory of a stage for the roles hive runs (initialize_roles, image builds): the stage's servers
// and services in hive-builder's groups, with the inventory's variables as written (Ansible renders them, with
// its own precedence, filters, `groups` and `hostvars`) and hive-builder's built-ins. Secrets are given as
// their values by the caller, who must keep the result secret (a file readable by its owner only).
import type { SecretString, Site } from "./model";

type Vars = Record<string, unknown>;

function isSecret(v: unknown): v is SecretString {
  return v !== null && typeof v === "object" && (v as { kind?: unknown }).kind === "secret" && Array.isArray((v as { parts?: unknown }).parts);
}

/** Replaces SecretStrings (materialised password lookups) by their values. */
function reveal(v: unknown, secret: (name: string) => string): unknown {
  if (isSecret(v)) return v.parts.map((p) => (typeof p === "string" ? p : secret(p.secret))).join("");
  if (Array.isArray(v)) return v.map((x) => reveal(x, secret));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x, secret)]));
  return v;
}

export interface AnsibleInventory {
  /** The inventory (YAML inventory plugin format). */
  readonly inventory: Vars;
  /** Extra variables (`-e @file`): stack config `hive:vars`, above everything as hive-builder's were. */
  readonly extraVars: Vars;
}

/** True when the inventory of a site holds a secret (then it must travel and rest as one). */
export function ansibleInventoryHasSecrets(site: Site): boolean {
  const a = site.ansibleVars;
  if (!a) return false;
  const has = (v: unknown): boolean => isSecret(v) || (Array.isArray(v) ? v.some(has) : v !== null && typeof v === "object" ? Object.values(v).some(has) : false);
  return has(a.groups) || has(a.hosts) || has(a.extra);
}

export function ansibleInventory(site: Site, secret: (name: string) => string): AnsibleInventory {
  const a = site.ansibleVars ?? { groups: {}, hosts: {}, extra: {}, builtins: { hive_name: site.name, hive_stage: site.stage } };
  const groupVars = (g: string): Vars => (reveal(a.groups[g] ?? {}, secret) as Vars);
  const hostVars = (h: string): Vars => (reveal(a.hosts[h] ?? {}, secret) as Vars);
  const server = (h: Site["hosts"][number]): Vars => ({
    hive_private_ip: h.privateIp,
    hive_netmask: h.prefixLength,
    hive_subnet: h.subnet,
    ...(h.availabilityZone !== null ? { hive_available_zone: h.availabilityZone } : {}),
    ...(h.diskSize !== null ? { hive_disk_size: h.diskSize } : {}),
    ...(h.mirroredDiskSize !== null ? { hive_mirrored_disk_size: h.mirroredDiskSize } : {}),
    ...hostVars(h.name),
  });
  const hostsOf = (pred: (h: Site["hosts"][number]) => boolean) => Object.fromEntries(site.hosts.filter(pred).map((h) => [h.name, server(h)]));
  const group = (vars: Vars, body: Vars): Vars => (Object.keys(vars).length > 0 ? { vars, ...body } : body);
  const services = Object.fromEntries(site.services.map((s) => [s.name, { hive_service: s.name, hive_standalone: s.standalone, ...hostVars(s.name) }]));
  const images = Object.fromEntries(
    site.services.filter((s) => s.image.build !== null).map((s) => [`image_${s.name}`, { hive_service: s.name, ...hostVars(`image_${s.name}`) }]),
  );
  const children: Vars = {
    hosts: group(groupVars("hosts"), { children: { servers: {} } }),
    servers: group(groupVars("servers"), { children: { hives: {}, repository: {} } }),
    hives: group(groupVars("hives"), { hosts: hostsOf((h) => h.isHive) }),
    repository: group(groupVars("repository"), { hosts: hostsOf((h) => h.isRepository) }),
    first_hive: group(groupVars("first_hive"), { hosts: { [site.firstHive]: {} } }),
    services: group(groupVars("services"), { hosts: services }),
    images: { hosts: images },
    [site.stage]: group(groupVars(site.stage), {
      hosts: Object.fromEntries([...site.hosts.map((h) => h.name), ...Object.keys(services), ...Object.keys(images)].map((n) => [n, {}])),
    }),
  };
  return {
    inventory: { all: { vars: { ...a.builtins, ...groupVars("all") }, children } },
    extraVars: reveal(a.extra, secret) as Vars,
  };
}
