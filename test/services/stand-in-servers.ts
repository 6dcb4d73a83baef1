// Running roles through the real ansible-playbook (ansible-core from PyPI) against stand-in servers: the ssh and
// sudo stubs of test/services/server-stubs make this machine answer for every server of a site at its private
// address, for the admin user with the site's key only, and tell a task which server it reached
// (HIVE_STUB_SERVER) and whether it runs under become (HIVE_STUB_BECOME).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Site } from "../../src/inventory/model";
import { inventoryLines } from "../../components/services/values";
import type { ScriptEnv } from "../volumes/run-script";
import { resolve } from "./resolve-outputs";

export const PLAYBOOK = process.env.HIVE_ANSIBLE_PLAYBOOK ?? join(homedir(), ".cache/hive-ansible/venv/bin/ansible-playbook");
/** The virtualenv of PLAYBOOK (HIVE_ANSIBLE_VENV of the scripts). */
export const ANSIBLE_VENV = dirname(dirname(PLAYBOOK));
export const NO_ANSIBLE = `ansible-playbook not found at ${PLAYBOOK}: python3 -m venv ~/.cache/hive-ansible/venv && ~/.cache/hive-ansible/venv/bin/pip install ansible-core (or set HIVE_ANSIBLE_PLAYBOOK)`;
export const STUB_DIR = join(__dirname, "server-stubs");
export const SITE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nstand-in\n-----END OPENSSH PRIVATE KEY-----\n";

/** The stdin tail the scripts that run roles get: the site's inventory, extra variables and `key`. */
export async function rolesStdin(site: Site, key = SITE_KEY): Promise<string> {
  return ((await resolve(inventoryLines(site, {}, key))) as { secret: string }).secret;
}

/**
 * Environment making the servers of `site` (but the repository server, where roles run: this machine as itself)
 * answer at their private addresses; readConnections() lists the ssh connections accepted.
 */
export function standInServers(se: ScriptEnv, site: Site): { env: Record<string, string>; readConnections: () => string } {
  const hosts = join(se.state, "ssh-hosts");
  mkdirSync(hosts, { recursive: true });
  for (const h of site.hosts) if (h.name !== site.repository) writeFileSync(join(hosts, h.privateIp), h.name);
  writeFileSync(join(se.state, "expected-key"), SITE_KEY);
  const log = join(se.state, "ssh.log");
  return {
    env: {
      HIVE_STUB_SERVER: site.repository,
      STUB_SSH_HOSTS: hosts,
      STUB_SSH_USER: site.adminUser,
      STUB_SSH_KEY: join(se.state, "expected-key"),
      STUB_SSH_LOG: log,
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_PYTHON_INTERPRETER: "auto_silent",
      ANSIBLE_LOCALHOST_WARNING: "0",
      LC_ALL: "C.UTF-8",
    },
    readConnections: () => (existsSync(log) ? readFileSync(log, "utf8") : ""),
  };
}
