// The pure mapping from a model Service to the inputs of one `docker.Service` (swarm service).
// hive-builder passed the same attributes to Ansible's docker_swarm_service; the comments name the differences.
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type { Service, Site, UpdatePolicy, Value } from "../../src/inventory/model";
import { isSecretString, plainString, toInput, type SecretValues, ValueError } from "./values";
import { renderEnvironment } from "../host/render";
import type { ImagePlatform } from "../images/image-build";

/** A registry of `hive_ext_repositories` (site vars): images from it are pulled with these credentials. */
export interface ExtRepository {
  readonly repository: string;
  readonly username: string;
  readonly password: pulumi.Input<string>;
}

export interface ServiceContext {
  readonly site: Site;
  /** Full image reference: `<registry>/image_<svc>:<content hash>@<digest>` for built images, the pull reference otherwise. */
  readonly image: pulumi.Input<string>;
  /** A built image's platform (swarm records it beside the digest); absent for other images. */
  readonly platform?: pulumi.Input<ImagePlatform | null>;
  /** Docker network ids by network name. */
  readonly networkIds: { readonly [name: string]: pulumi.Input<string> };
  readonly secrets: SecretValues;
  /** Password of user `hive` on the site registry. */
  readonly registryPassword: pulumi.Input<string>;
  readonly extRepositories: readonly ExtRepository[];
}

const MEMORY_UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512M`, `1g`, `2GB`, `1048576` → bytes (binary multiples, as docker does). */
export function memoryBytes(limit: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(limit);
  if (!m) throw new ValueError(`mem_limit "${limit}" is not a size like 512M or 2G`);
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2].toLowerCase()]);
}

/** A duration as swarm wants it: strings as written, bare numbers as seconds. */
function duration(v: Value | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return `${v}s`;
  return plainString(v);
}

function integer(v: Value | undefined, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "number" ? v : Number(plainString(v));
  if (!Number.isInteger(n)) throw new ValueError(`${what} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** compose-style healthcheck → swarm healthcheck (a string test runs in a shell, `disable: true` → NONE). */
export function healthcheckArgs(h: { readonly [key: string]: Value }): docker.types.input.ServiceTaskSpecContainerSpecHealthcheck {
  let tests: string[];
  if (h.disable === true) tests = ["NONE"];
  else if (typeof h.test === "string") tests = ["CMD-SHELL", h.test];
  else if (Array.isArray(h.test)) tests = h.test.map(plainString);
  else throw new ValueError("healthcheck needs a test (string or list) or disable: true");
  return {
    tests,
    interval: duration(h.interval),
    timeout: duration(h.timeout),
    startPeriod: duration(h.start_period),
    retries: integer(h.retries, "healthcheck.retries"),
  };
}

/** restart_config (`condition`, `delay`, `max_attempts`, `window`) → swarm restart policy. */
export function restartPolicy(r: { readonly [key: string]: Value }): docker.types.input.ServiceTaskSpecRestartPolicy {
  return {
    condition: r.condition === undefined || r.condition === null ? undefined : plainString(r.condition),
    delay: duration(r.delay),
    maxAttempts: integer(r.max_attempts, "restart_config.max_attempts"),
    window: duration(r.window),
  };
}

/** Placement preferences: `{spread: node.labels.zone}` → `spread=node.labels.zone`; strings as written. */
export function placementPrefs(prefs: readonly Value[]): string[] {
  return prefs.map((p) => {
    if (typeof p === "string") return p;
    if (typeof p === "object" && p !== null && !Array.isArray(p) && !isSecretString(p)) {
      return Object.entries(p)
        .map(([k, v]) => `${k}=${plainString(v)}`)
        .join(",");
    }
    throw new ValueError(`placement preference ${JSON.stringify(p)} is not a mapping like {spread: node.labels.zone}`);
  });
}

/** The registry host of an image reference (`quay.io/x/y:1` → `quay.io`), or null for Docker Hub. */
export function registryOf(ref: string): string | null {
  const slash = ref.indexOf("/");
  if (slash < 0) return null;
  const first = ref.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first : null;
}

/** Credentials for the service's image: the site registry for built images, a matching ext repository otherwise. */
export function serviceAuth(service: Service, ctx: ServiceContext): docker.types.input.ServiceAuth | undefined {
  const registry = service.image.kind === "build" ? ctx.site.registry : registryOf(service.image.ref);
  if (registry === ctx.site.registry) {
    return { serverAddress: ctx.site.registry, username: "hive", password: pulumi.secret(ctx.registryPassword) };
  }
  const ext = ctx.extRepositories.find((r) =>
    registry === null ? r.repository === "docker.io" || r.repository === "index.docker.io" : r.repository === registry,
  );
  return ext ? { serverAddress: ext.repository, username: ext.username, password: pulumi.secret(ext.password) } : undefined;
}

/** An update_config / rollback_config of the inventory → the docker provider's policy. */
export function updatePolicy(p: UpdatePolicy): docker.types.input.ServiceUpdateConfig {
  return {
    ...(p.parallelism !== undefined ? { parallelism: p.parallelism } : {}),
    ...(p.delay !== undefined ? { delay: p.delay } : {}),
    ...(p.failure_action !== undefined ? { failureAction: p.failure_action } : {}),
    ...(p.monitor !== undefined ? { monitor: p.monitor } : {}),
    ...(p.max_failure_ratio !== undefined ? { maxFailureRatio: String(p.max_failure_ratio) } : {}),
    ...(p.order !== undefined ? { order: p.order } : {}),
  };
}

/**
 * The proxy and pip settings every service starts with, as hive-builder gave them: the first hive's hive
 * block of /etc/environment (`hive_http_proxy`, `hive_pip_index_url`, `hive_pip_trusted_host`); a service's
 * own `environment` overrides them. Empty when the site sets none.
 */
export function proxyEnvironment(site: Site): Record<string, string> {
  const first = site.hosts.find((h) => h.isFirstHive) ?? site.hosts.find((h) => h.isHive);
  if (first === undefined) return {};
  const env: Record<string, string> = {};
  for (const line of renderEnvironment(site, first).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** Inputs of the `docker.Service` for a model Service. Pure apart from wrapping secrets in `pulumi.secret`. */
export function serviceArgs(service: Service, ctx: ServiceContext): docker.ServiceArgs {
  const secret = (v: Value) => toInput(v, ctx.secrets);
  const env: Record<string, pulumi.Input<string>> = { ...proxyEnvironment(ctx.site) };
  for (const [key, value] of Object.entries(service.environment)) env[key] = secret(value);

  const ports = service.ports.map((p) => {
    if (p.published === null) {
      throw new ValueError(`port ${p.target}/${p.protocol} of service "${service.name}" has no published number allocated`);
    }
    return { targetPort: p.target, publishedPort: p.published, protocol: p.protocol, publishMode: p.mode };
  });

  const mounts = service.mounts.map((m) => ({
    type: m.type,
    target: m.target,
    ...(m.type === "tmpfs" ? {} : { source: m.source }),
    readOnly: m.readonly,
  }));

  const networks = service.networks.map((name) => {
    const id = ctx.networkIds[name];
    if (id === undefined) throw new ValueError(`service "${service.name}" uses network "${name}", which the site does not define`);
    return { id };
  });

  const limits =
    service.cpuLimit !== null || service.memLimit !== null
      ? {
          limits: {
            ...(service.cpuLimit !== null ? { nanoCpus: Math.round(service.cpuLimit * 1e9) } : {}),
            ...(service.memLimit !== null ? { memoryBytes: memoryBytes(service.memLimit) } : {}),
          },
        }
      : undefined;

  const sortedEntries = <T>(o: { readonly [k: string]: T }) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  return {
    name: service.name,
    auth: serviceAuth(service, ctx),
    labels: sortedEntries(service.labels).map(([label, value]) => ({ label, value: secret(value) })),
    mode:
      service.mode === "global"
        ? { global: true }
        : { replicated: service.replicas === null ? {} : { replicas: service.replicas } },
    endpointSpec: {
      ...(service.endpointMode !== null ? { mode: service.endpointMode } : {}),
      ...(ports.length > 0 ? { ports } : {}),
    },
    // Swarm's own update and rollback policies unless the inventory asks, as hive-builder deployed them: a
    // policy hive-builder never set would change (and restart) every service of a site hive takes over.
    ...(service.updateConfig !== null ? { updateConfig: updatePolicy(service.updateConfig) } : {}),
    ...(service.rollbackConfig !== null ? { rollbackConfig: updatePolicy(service.rollbackConfig) } : {}),
    convergeConfig: { delay: "5s", timeout: "10m" },
    taskSpec: {
      containerSpec: {
        image: ctx.image,
        hostname: service.name,
        // hive-builder `entrypoint` is swarm `command`, hive-builder `command` is swarm `args`.
        ...(service.command !== null ? { commands: service.command.map(secret) } : {}),
        ...(service.args !== null ? { args: service.args.map(secret) } : {}),
        env,
        mounts,
        hosts: Object.entries(service.hosts).map(([host, ip]) => ({ host, ip })),
        ...(service.dns.length > 0 ? { dnsConfig: { nameservers: [...service.dns] } } : {}),
        ...(service.user !== null ? { user: service.user } : {}),
        ...(service.workingDir !== null ? { dir: service.workingDir } : {}),
        ...(service.healthcheck !== null ? { healthcheck: healthcheckArgs(service.healthcheck) } : {}),
        ...(service.stopGracePeriod !== null ? { stopGracePeriod: service.stopGracePeriod } : {}),
        ...(service.capAdd.length > 0 ? { capAdds: [...service.capAdd] } : {}),
        ...(service.capDrop.length > 0 ? { capDrops: [...service.capDrop] } : {}),
        ...(Object.keys(service.sysctls).length > 0 ? { sysctl: { ...service.sysctls } } : {}),
      },
      logDriver: { name: service.logging.driver, options: { ...service.logging.options } },
      placement: {
        constraints: [...service.placement.constraints],
        prefs: placementPrefs(service.placement.preferences),
        ...(ctx.platform !== undefined ? { platforms: pulumi.output(ctx.platform).apply((p) => (p === null ? [] : [p])) } : {}),
      },
      ...(limits ? { resources: limits } : {}),
      ...(service.restartConfig !== null ? { restartPolicy: restartPolicy(service.restartConfig) } : {}),
      networksAdvanceds: networks,
    },
  };
}

/**
 * `replicas` unset keeps the current scale (hive-builder's -1). The provider would otherwise write its default 1
 * into every update, so the replica count is left out of the diff: a new service starts with 1, an existing one
 * keeps the count Pulumi last recorded. A scale done by hand (`docker service scale`) is kept when the update runs
 * with `--refresh` (which reads the live count into the state first); without a refresh the recorded count wins.
 */
/**
 * The image to give a service that is not built by the site: the reference swarm recorded for it last time
 * when that is the same reference pinned by digest, else the inventory's reference. A service created from a
 * tag the registry could resolve is recorded as `<tag>@<digest>` (the docker provider asks the registry on
 * create, never on update); without this the next update would put the bare tag back and restart the
 * service. A changed reference in the inventory wins. Pure.
 */
export function recordedImage(ref: string, recorded: string | undefined): string {
  return recorded !== undefined && recorded.startsWith(`${ref}@sha256:`) ? recorded : ref;
}

/**
 * Properties whose difference an update leaves alone: the replica count when the inventory does not set it
 * (keeps the current scale), and for images the site does not build, the platforms swarm recorded beside
 * the digest on create (hive never sets them for those).
 */
export function serviceIgnoreChanges(service: Service): string[] {
  return [
    ...(service.mode === "replicated" && service.replicas === null ? ["mode.replicated.replicas"] : []),
    ...(service.image.kind === "build" ? [] : ["taskSpec.placement.platforms"]),
  ];
}

/** `hive_ext_repositories` from the site vars: `[{repository, login_user, password}]`. */
export function extRepositories(vars: { readonly [key: string]: Value }, secrets: SecretValues): ExtRepository[] {
  const list = vars.hive_ext_repositories;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new ValueError("hive_ext_repositories must be a list of {repository, login_user, password}");
  return list.map((entry: Value, i: number) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry) || isSecretString(entry)) {
      throw new ValueError(`hive_ext_repositories[${i}] must be a mapping`);
    }
    const e = entry as { readonly [key: string]: Value };
    for (const k of ["repository", "login_user", "password"]) {
      if (e[k] === undefined || e[k] === null) throw new ValueError(`hive_ext_repositories[${i}] needs ${k}`);
    }
    return { repository: plainString(e.repository), username: plainString(e.login_user), password: toInput(e.password, secrets) };
  });
}
