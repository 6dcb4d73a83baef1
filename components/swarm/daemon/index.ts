// The swarm extension daemon (follow-swarm-service) as files for the host setup to install on
// every hive: the daemon itself (one Python file, standard library only; why Python is said at
// the top of that file), its systemd unit, and the idempotent install script.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where the daemon is installed on a hive. */
export const DAEMON_PATH = "/usr/local/lib/hive/follow-swarm-service.py";
/** The unit's name and where it is installed. */
export const UNIT_NAME = "follow-swarm-service.service";
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
/** The install script (inputs: DAEMON_SRC, UNIT_SRC, optional ROOT; see the script's header). */
export const INSTALL_SCRIPT_PATH = join(__dirname, "..", "scripts", "install-follow-swarm-service.sh");

/** Settings the daemon reads from its environment (documented in the daemon's Config). */
export const DAEMON_SETTINGS = [
  "HIVE_DOCKER_CLI",
  "HIVE_RECONCILE_INTERVAL",
  "HIVE_EVENT_DEBOUNCE",
  "HIVE_STATE_FILE",
  "HIVE_ROUTER_TRIES",
  "HIVE_ROUTER_INTERVAL",
  "HIVE_VIP_HOLD_BACK",
  "HIVE_LOG_LEVEL",
] as const;
export type DaemonSetting = (typeof DAEMON_SETTINGS)[number];

export interface UnitOptions {
  /** Interpreter on the host; python3 of the base system on AlmaLinux 9 and Ubuntu 24.04. */
  python?: string;
  daemonPath?: string;
  environment?: Partial<Record<DaemonSetting, string>>;
}

/** The daemon's source, to be copied to DAEMON_PATH. */
export function daemonSource(): string {
  return readFileSync(join(__dirname, "follow_swarm_service.py"), "utf8");
}

/** The install script's text. */
export function installScript(): string {
  return readFileSync(INSTALL_SCRIPT_PATH, "utf8");
}

function environmentLine(key: string, value: string): string {
  if (!(DAEMON_SETTINGS as readonly string[]).includes(key)) {
    throw new Error(`unknown follow-swarm-service setting ${key} (allowed: ${DAEMON_SETTINGS.join(", ")})`);
  }
  if (/[\n\r]/.test(value)) throw new Error(`setting ${key} must be one line`);
  return `Environment="${key}=${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The systemd unit: after docker, logs to the journal, restarted whenever it stops. */
export function renderUnit(options: UnitOptions = {}): string {
  const python = options.python ?? "/usr/bin/python3";
  const daemonPath = options.daemonPath ?? DAEMON_PATH;
  const env = Object.entries(options.environment ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => environmentLine(key, value));
  return [
    "[Unit]",
    "Description=hive swarm extension: node labels and virtual IPs that follow swarm services",
    "After=docker.service network-online.target",
    "Wants=docker.service network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${python} ${daemonPath}`,
    ...env,
    "Environment=PYTHONUNBUFFERED=1",
    "StandardOutput=journal",
    "StandardError=journal",
    "SyslogIdentifier=follow-swarm-service",
    "Restart=always",
    "RestartSec=15s",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
