// Which setup steps a server gets, with which plain parameters: pure functions of the site model.
import type { Host, Site, Value } from "../../src/inventory/model";
import type { ScriptKind } from "./remote";
import {
  DRBD_DEVICE_ORDER,
  listVar,
  renderDaemonJson,
  renderDockerDropIn,
  renderDrbdGlobal,
  renderFirewallRules,
  renderFirewallUnit,
  renderEnvironment,
  renderHostsBlock,
  renderUsers,
  renderSshdConf,
  renderZabbixAgentConf,
  stringVar,
  dockerSource,
  zabbixAgentSource,
  proxyUrl,
} from "./render";

/** One remote step: a script kind, its plain environment, the secret names it reads on stdin. */
export interface StepPlan {
  /** Unique within its component; the child resource is named `<component>-<step>`. */
  readonly step: string;
  readonly kind: ScriptKind;
  /** Inventory name of the server the step runs on. */
  readonly host: string;
  readonly env: Readonly<Record<string, string>>;
  /** Names of the secrets sent on standard input (values supplied by the component). */
  readonly secrets: readonly string[];
  /** Names of parameters whose values are only known at deploy time (supplied by the component). */
  readonly inputs: readonly string[];
  /** Steps of the same component that must finish first. */
  readonly after: readonly string[];
  /** When set, the delete command runs the same script with these variables added (and a replacement deletes first). */
  readonly deleteEnv: Readonly<Record<string, string>> | null;
  /** The step prints a secret: its stdout is a secret output and is not logged. */
  readonly secretStdout: boolean;
}

type Defaulted = "secrets" | "inputs" | "after" | "deleteEnv" | "secretStdout";
export function plan(p: Omit<StepPlan, Defaulted> & Partial<Pick<StepPlan, Defaulted>>): StepPlan {
  return { secrets: [], inputs: [], after: [], deleteEnv: null, secretStdout: false, ...p };
}

function truthy(v: Value | undefined): boolean {
  return v === true || v === "true" || v === "True" || v === "yes";
}

/**
 * Whether a server gets DRBD and its thin pool (hive-builder: a mirrored disk, or servers it did not create).
 * Vagrant machines are created by hive, so like hive-builder only with `mirrored_disk_size` (the Vagrantfile
 * then attaches the disk).
 */
export function wantsDrbd(site: Site, host: Host): boolean {
  if (!host.isHive) return false;
  if (truthy(host.vars["hive_no_mirrored_device"])) return false;
  return host.mirroredDiskSize !== null || ["prepared", "kickstart"].includes(site.provider);
}

export interface HostStepOptions {
  /** Text of the project's roles/addon/setup.sh, when the project has one. */
  readonly addonScript?: string | null;
}

/** The steps of one server, in dependency order. */
export function hostSteps(site: Site, host: Host, options: HostStepOptions = {}): StepPlan[] {
  const on = host.name;
  const vars = host.vars;
  const steps: StepPlan[] = [];
  const baseEnv: Record<string, string> = {
    HIVE_HOSTNAME: host.shortName,
    HIVE_SELINUX: stringVar(vars, "hive_selinux") ?? "permissive",
    HIVE_SSHD_CONF: renderSshdConf(),
  };
  const tz = stringVar(vars, "hive_timezone");
  if (tz !== null) baseEnv.HIVE_TIMEZONE = tz;
  const locale = stringVar(vars, "hive_locale");
  if (locale !== null) baseEnv.HIVE_LOCALE = locale;
  const environment = renderEnvironment(site, host);
  if (environment !== "") baseEnv.HIVE_ENVIRONMENT = environment;
  const proxy = proxyUrl(host);
  if (proxy !== null) baseEnv.HIVE_HTTP_PROXY = proxy;
  const aptUrl = stringVar(vars, "hive_apt_url");
  if (aptUrl !== null) baseEnv.HIVE_APT_URL = aptUrl;
  const yumUrl = stringVar(vars, "hive_yum_url");
  if (yumUrl !== null) baseEnv.HIVE_YUM_URL = yumUrl;
  steps.push(plan({ step: "base", kind: "base", host: on, env: baseEnv }));
  steps.push(plan({ step: "hosts", kind: "hosts", host: on, env: { HIVE_HOSTS_BLOCK: renderHostsBlock(site) }, after: ["base"] }));
  const ntp = listVar(vars, "hive_ntp_servers");
  if (ntp.length > 0) steps.push(plan({ step: "ntp", kind: "ntp", host: on, env: { HIVE_NTP_SERVERS: ntp.join(" ") }, after: ["base"] }));
  steps.push(
    plan({
      step: "firewall",
      kind: "firewall",
      host: on,
      env: { HIVE_FIREWALL_RULES: renderFirewallRules(site, host), HIVE_FIREWALL_UNIT: renderFirewallUnit() },
      after: ["base"],
    }),
  );
  const users = renderUsers(host);
  if (users !== "") steps.push(plan({ step: "users", kind: "users", host: on, env: { HIVE_USERS: users }, after: ["base"] }));
  steps.push(
    plan({ step: "tls", kind: "tls", host: on, env: { HIVE_FQDN: host.name, HIVE_ADMIN_USER: site.adminUser }, inputs: ["HIVE_CA_CERT", "HIVE_CERT"], secrets: ["HIVE_KEY"], after: ["base"] }),
  );
  steps.push(
    plan({
      step: "docker",
      kind: "docker",
      host: on,
      env: {
        HIVE_FQDN: host.name,
        HIVE_ADMIN_USER: site.adminUser,
        HIVE_DAEMON_JSON: renderDaemonJson(host, stringVar(vars, "hive_registry_mirror") ?? stringVar(vars, "registry_mirror")),
        HIVE_DOCKER_DROPIN: renderDockerDropIn(site),
        ...(dockerSource(host) === "distribution" ? { HIVE_DOCKER_SOURCE: "distribution" } : {}),
      },
      after: ["tls", "firewall", "hosts"],
    }),
  );
  if (wantsDrbd(site, host)) {
    steps.push(plan({ step: "drbd", kind: "drbd", host: on, env: { HIVE_DRBD_GLOBAL: renderDrbdGlobal() }, after: ["base"] }));
    const devices = listVar(vars, "hive_mirrored_disk_devices");
    steps.push(
      plan({
        step: "drbd-pool",
        kind: "drbd-pool",
        host: on,
        env: { HIVE_DRBD_DEVICES: (devices.length > 0 ? devices : DRBD_DEVICE_ORDER).join(" "), HIVE_DRBD_VG: "drbdvg", HIVE_DRBD_POOL: "drbdpool" },
        after: ["drbd"],
      }),
    );
  }
  steps.push(
    plan({
      step: "zabbix-agent",
      kind: "zabbix-agent",
      host: on,
      env: {
        HIVE_ZABBIX_AGENT_CONF: renderZabbixAgentConf(site, host),
        ...(zabbixAgentSource(host) === "distribution" ? { HIVE_ZABBIX_AGENT_SOURCE: "distribution" } : {}),
      },
      after: ["hosts"],
    }),
  );
  if (options.addonScript !== undefined && options.addonScript !== null) {
    steps.push(
      plan({
        step: "addon",
        kind: "addon",
        host: on,
        env: {
          HIVE_ADDON_SCRIPT: options.addonScript,
          HIVE_HOSTNAME: host.shortName,
          HIVE_FQDN: host.name,
          HIVE_STAGE: site.stage,
          HIVE_GROUPS: host.groups.join(" "),
        },
        after: ["hosts", "docker"],
      }),
    );
  }
  return steps;
}
