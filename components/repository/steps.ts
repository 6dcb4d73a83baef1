// The repository server's steps: pure planning from the site model.
import type { Site } from "../../src/inventory/model";
import { plan, type StepPlan } from "../host/steps";
import { renderEnvironment, repositoryHost } from "../host/render";
import {
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
 * `${ANSIBLE_VENV}/bin/ansible-playbook` with `ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS}`.
 */
export const ANSIBLE_VENV = "/opt/hive/ansible";
/** Where the venv's collections (community.docker) are installed. */
export const ANSIBLE_COLLECTIONS = `${ANSIBLE_VENV}/collections`;
/** Pinned versions: ansible-core 2.17 runs on Python 3.10+ and manages Python 3.7–3.12 targets. */
export const ANSIBLE_CORE_VERSION = "2.17.14";
export const DOCKER_PY_VERSION = "7.1.0";
export const COMMUNITY_DOCKER_VERSION = "4.8.5";

/** Parameters of the ansible-venv step: the venv, the pins, and the server's proxy/pip settings. */
export function ansibleVenvEnv(site: Site): Record<string, string> {
  const env: Record<string, string> = {
    HIVE_ANSIBLE_VENV: ANSIBLE_VENV,
    HIVE_ANSIBLE_CORE_VERSION: ANSIBLE_CORE_VERSION,
    HIVE_DOCKER_PY_VERSION: DOCKER_PY_VERSION,
    HIVE_COMMUNITY_DOCKER_VERSION: COMMUNITY_DOCKER_VERSION,
  };
  const environment = renderEnvironment(site, repositoryHost(site));
  if (environment !== "") env.HIVE_ENVIRONMENT = environment;
  return env;
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
      env: { HIVE_BACKUP_TOOL: options.backupTool, HIVE_BACKUP_SERVICE: renderBackupService(site), HIVE_BACKUP_TIMER: renderBackupTimer() },
      after: ["registry", "zabbix"],
    }),
    // After docker like every repository step (the component waits for the whole host setup).
    plan({ step: "ansible-venv", kind: "ansible-venv", host: on, env: ansibleVenvEnv(site) }),
  ];
}
