// The repository server's steps: pure planning from the site model.
import type { Site } from "../../src/inventory/model";
import { plan, type StepPlan } from "../host/steps";
import { repositoryHost } from "../host/render";
import {
  renderBackupDefaults,
  renderBackupService,
  renderBackupTimer,
  renderLogrotate,
  renderRegistryCompose,
  renderRsyslogConf,
  renderZabbixCompose,
  renderZabbixHosts,
  ZABBIX_WEB_PORT,
} from "./render";

/**
 * The repository server's Ansible virtualenv: image builds and service initialisation run
 * `${ANSIBLE_VENV}/bin/ansible-playbook`; the `ansible` package brings community.docker with it.
 */
export const ANSIBLE_VENV = "/opt/hive/ansible";
/** Pinned versions: Ansible 11 (ansible-core 2.18) runs on Python 3.11+ and bundles community.docker. */
export const ANSIBLE_VERSION = "11.13.0";
export const DOCKER_PY_VERSION = "7.1.0";

/** Parameters of the ansible-venv step: the venv and the pins (proxy and pip index come from /etc/environment). */
export function ansibleVenvEnv(): Record<string, string> {
  return { HIVE_ANSIBLE_VENV: ANSIBLE_VENV, HIVE_ANSIBLE_VERSION: ANSIBLE_VERSION, HIVE_DOCKER_PY_VERSION: DOCKER_PY_VERSION };
}

export interface RepositoryStepOptions {
  /** Text of hive-backup.sh (the tool installed on the server). */
  readonly backupTool: string;
}

export function repositorySteps(site: Site, options: RepositoryStepOptions): StepPlan[] {
  const on = repositoryHost(site).name;
  return [
    plan({
      step: "registry",
      kind: "registry",
      host: on,
      env: { HIVE_REGISTRY_COMPOSE: renderRegistryCompose(site), HIVE_REGISTRY_USER: "hive" },
      secrets: ["HIVE_REGISTRY_PASSWORD"],
      deleteEnv: { HIVE_MODE: "down" },
    }),
    plan({
      step: "zabbix",
      kind: "zabbix",
      host: on,
      env: { HIVE_ZABBIX_COMPOSE: renderZabbixCompose(site) },
      secrets: ["HIVE_ZABBIX_DB_PASSWORD"],
      deleteEnv: { HIVE_MODE: "down" },
    }),
    plan({
      step: "zabbix-hosts",
      kind: "zabbix-hosts",
      host: on,
      env: { HIVE_ZABBIX_URL: `http://127.0.0.1:${ZABBIX_WEB_PORT}/api_jsonrpc.php`, HIVE_ZABBIX_HOSTS: renderZabbixHosts(site) },
      secrets: ["HIVE_ZABBIX_ADMIN_PASSWORD"],
      after: ["zabbix"],
    }),
    plan({
      step: "rsyslog",
      kind: "rsyslog",
      host: on,
      env: { HIVE_RSYSLOG_CONF: renderRsyslogConf(site), HIVE_LOGROTATE_CONF: renderLogrotate() },
    }),
    plan({
      step: "backup-tools",
      kind: "backup-tools",
      host: on,
      env: {
        HIVE_BACKUP_TOOL: options.backupTool,
        HIVE_BACKUP_DEFAULTS: renderBackupDefaults(site),
        HIVE_BACKUP_SERVICE: renderBackupService(site),
        HIVE_BACKUP_TIMER: renderBackupTimer(),
      },
      after: ["registry", "zabbix"],
    }),
    // After docker like every repository step (the component waits for the whole host setup).
    plan({ step: "ansible-venv", kind: "ansible-venv", host: on, env: ansibleVenvEnv() }),
  ];
}
