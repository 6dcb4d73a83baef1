// How a step's script reaches a server: one text (helpers + script) run by bash as root, with its
// plain parameters in front of it and its secrets on standard input. Pure functions, tested directly.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { shellQuote } from "../shell";

const COMPONENTS = join(__dirname, "..");

/** Script files by step kind, relative to components/; sent in this order as one text. */
export const SCRIPTS = {
  base: ["host/scripts/lib.sh", "host/scripts/base.sh"],
  hosts: ["host/scripts/lib.sh", "host/scripts/hosts-file.sh"],
  ntp: ["host/scripts/lib.sh", "host/scripts/ntp.sh"],
  firewall: ["host/scripts/lib.sh", "host/scripts/firewall.sh"],
  tls: ["host/scripts/lib.sh", "host/scripts/tls.sh"],
  docker: ["host/scripts/lib.sh", "host/scripts/docker.sh"],
  drbd: ["host/scripts/lib.sh", "host/scripts/drbd.sh"],
  "drbd-pool": ["host/scripts/lib.sh", "host/scripts/drbd-pool.sh"],
  "zabbix-agent": ["host/scripts/lib.sh", "host/scripts/zabbix-agent.sh"],
  addon: ["host/scripts/lib.sh", "host/scripts/addon.sh"],
  users: ["host/scripts/lib.sh", "host/scripts/users.sh"],
  gwbridge: ["host/scripts/lib.sh", "swarm/scripts/gwbridge.sh"],
  "swarm-init": ["host/scripts/lib.sh", "swarm/scripts/swarm-init.sh"],
  "swarm-token": ["swarm/scripts/swarm-token.sh"],
  "swarm-join": ["host/scripts/lib.sh", "swarm/scripts/swarm-join.sh"],
  "node-labels": ["host/scripts/lib.sh", "swarm/scripts/node-labels.sh"],
  "follow-swarm-service": ["host/scripts/lib.sh", "swarm/scripts/follow-swarm-service.sh"],
  registry: ["host/scripts/lib.sh", "repository/scripts/compose-lib.sh", "repository/scripts/registry.sh"],
  zabbix: ["host/scripts/lib.sh", "repository/scripts/compose-lib.sh", "repository/scripts/zabbix.sh"],
  "zabbix-hosts": ["host/scripts/lib.sh", "repository/scripts/zabbix-hosts.sh"],
  rsyslog: ["host/scripts/lib.sh", "repository/scripts/rsyslog.sh"],
  "backup-tools": ["host/scripts/lib.sh", "repository/scripts/backup-tools.sh"],
  "ansible-venv": ["host/scripts/lib.sh", "repository/scripts/ansible-venv.sh"],
} as const;
export type ScriptKind = keyof typeof SCRIPTS;

/** Absolute path of a file under components/. */
export function componentPath(relative: string): string {
  return join(COMPONENTS, relative);
}

const cache = new Map<ScriptKind, string>();

/** The text sent for a step: its helper files and its script, concatenated. */
export function scriptText(kind: ScriptKind): string {
  let text = cache.get(kind);
  if (text === undefined) {
    text = SCRIPTS[kind].map((f) => readFileSync(componentPath(f), "utf8")).join("\n");
    cache.set(kind, text);
  }
  return text;
}

export { shellQuote };

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The command line of a step: `sudo -n env NAME=value… bash -c '<script>' <step>`. Only plain
 * parameters belong in `env`: this text is stored in the state and shown in previews.
 */
export function remoteCommand(step: string, script: string, env: Readonly<Record<string, string>>, asRoot: boolean): string {
  const assignments = Object.keys(env)
    .sort()
    .map((name) => {
      if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
      return shellQuote(`${name}=${env[name]}`);
    });
  const words = [asRoot ? "" : "sudo -n", "env", shellQuote(`HIVE_STEP=${step}`), ...assignments, "bash", "-c", shellQuote(script), shellQuote(step)];
  return words.filter((w) => w !== "").join(" ");
}

/** Standard input carrying secrets: one `NAME=<base64>` line each, in name order. */
export function secretsStdin(secrets: Readonly<Record<string, string>>): string {
  return Object.keys(secrets)
    .sort()
    .map((name) => `${name}=${Buffer.from(secrets[name], "utf8").toString("base64")}\n`)
    .join("");
}
