// Files a service puts on the repository server: its backup functions and its log error-monitoring rules.
import type { BackupScript, Service, Site } from "../../src/inventory/model";
import { shellQuote } from "./remote-script";
import { rainerString } from "../shell";

export const BACKUP_DIR = "/var/lib/hive-backup.d";
export const RSYSLOG_SERVICES_DIR = "/etc/rsyslog-services.d";

function backupSteps(svc: string, b: BackupScript): { backup: string[]; restore: string[] } {
  const exec = `hive_service_exec ${shellQuote(svc)}`;
  const file = `"$work"/${shellQuote(`${b.name}.${b.directory !== null ? "tar.gz" : (b.ext ?? "dump")}`)}`;
  const backup = b.batchScripts.map((cmd) => `${exec} sh -c ${shellQuote(cmd)}`);
  const restore: string[] = [];
  if (b.directory !== null) {
    const dir = shellQuote(b.directory);
    backup.push(`${exec} sh -c ${shellQuote(`cd ${dir} && tar czf - $(find . -maxdepth 1 -not -name .)`)} >${file}`);
    restore.push(`${exec} sh -c ${shellQuote(`cd ${dir} && find . -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar xzf -`)} <${file}`);
  } else {
    const produce = [b.backupCommand, b.backupFile !== null ? `cat ${shellQuote(b.backupFile)}` : null].filter((x): x is string => x !== null);
    backup.push(`${exec} sh -c ${shellQuote(produce.join(" >/dev/null && "))} >${file}`);
    if (b.restoreFile !== null) restore.push(`${exec} sh -c ${shellQuote(`cat > ${shellQuote(b.restoreFile)}`)} <${file}`);
    if (b.restoreCommand !== null) {
      restore.push(`${exec} sh -c ${shellQuote(b.restoreCommand)} <${b.restoreFile !== null ? "/dev/null" : file}`);
    }
  }
  return { backup, restore };
}

/** Joins steps with `&&` (the backup tool calls the functions in an `if`, where `set -e` does not apply). */
function chain(steps: readonly string[]): string[] {
  return steps.map((l, i) => `    ${l}${i < steps.length - 1 ? " &&" : ""}`);
}

/**
 * `/var/lib/hive-backup.d/<service>`, sourced by the repository's hive-backup.sh: `backup_<service>` writes one
 * tar.gz to standard output holding one file per backup_scripts entry, `restore_<service>` reads it back. The
 * backup tool names, links and expires the files (its keep-days setting; per-entry `cleanup_days_before` is not
 * applied separately). Commands run inside a running task of the service, found through the first hive's swarm
 * API. Null when the service has no backup_scripts.
 */
export function renderBackupScript(service: Service, site: Site): string | null {
  if (service.backupScripts.length === 0) return null;
  const backups: string[] = [];
  const restores: string[] = [];
  for (const b of service.backupScripts) {
    const steps = backupSteps(service.name, b);
    backups.push(...steps.backup);
    restores.push(...steps.restore);
  }
  const lines = [
    `# Backup and restore of service ${service.name}, written by hive. Sourced by hive-backup.sh.`,
    "# Single-quoted commands run inside the service's container, so their $ must not expand here.",
    "# shellcheck shell=bash disable=SC2016",
    "hive_service_exec() {",
    '  local svc="$1" task node',
    "  shift",
    `  task="$(docker -H tcp://${site.firstHive}:2376 --tlsverify service ps --no-trunc --filter desired-state=running \\`,
    "    --format '{{.Name}}.{{.ID}}@{{.Node}}' \"$svc\" | head -n 1)\"",
    '  [ -n "$task" ] || { echo "no running task of $svc" >&2; return 1; }',
    `  node="\${task#*@}.${site.name}"`,
    '  docker -H "tcp://$node:2376" --tlsverify exec -i "${task%@*}" "$@"',
    "}",
    "",
    `backup_${service.name}() {`,
    "  local work rc=0",
    '  work="$(mktemp -d)"',
    "  {",
    ...chain([...backups, 'tar czf - -C "$work" .']),
    "  } || rc=$?",
    '  rm -rf "$work"',
    '  return "$rc"',
    "}",
    "",
    `restore_${service.name}() {`,
    "  local work rc=0",
    '  work="$(mktemp -d)"',
    "  {",
    ...chain(['tar xzf - -C "$work"', ...restores]),
    "  } || rc=$?",
    '  rm -rf "$work"',
    '  return "$rc"',
    "}",
  ];
  return lines.join("\n") + "\n";
}

/**
 * `/etc/rsyslog-services.d/<service>.conf`: messages of the service (facility local0 with the service's tag, or
 * for standalone services their own hostname) that match a monitor_error regex and no ignore_error regex go to
 * /var/log/service-error.log, which Zabbix watches. Null when the service has no monitor_error.
 */
export function renderMonitorRules(service: Service): string | null {
  if (service.monitorError.length === 0) return null;
  const source = service.standalone
    ? `(($syslogfacility-text == "local0" and $app-name == ${rainerString(service.name)}) or $hostname == ${rainerString(service.name)})`
    : `($syslogfacility-text == "local0" and $app-name == ${rainerString(service.name)})`;
  const any = (res: readonly string[]) => res.map((r) => `re_match($msg, ${rainerString(r)})`).join(" or ");
  const match = service.ignoreError.length > 0 ? `(${any(service.monitorError)}) and not (${any(service.ignoreError)})` : `(${any(service.monitorError)})`;
  return [
    `# Error monitoring of service ${service.name}, written by hive.`,
    `if ${source} and ${match} then {`,
    '  action(type="omfile" file="/var/log/service-error.log" fileCreateMode="0640" fileGroup="zabbix")',
    "}",
  ].join("\n") + "\n";
}
