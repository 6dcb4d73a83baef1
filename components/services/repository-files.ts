// Files a service puts on the repository server: its backup functions and its log error-monitoring rules.
import type { BackupScript, Service, Site, Text } from "../../src/inventory/model";
import { shellQuote } from "./remote-script";
import { rainerString } from "../shell";

export const BACKUP_DIR = "/var/lib/hive-backup.d";
export const RSYSLOG_SERVICES_DIR = "/etc/rsyslog-services.d";

/** Where the values of the secrets a service's backup commands use are kept (root only), one file per secret. */
export const BACKUP_SECRETS_DIR = `${BACKUP_DIR}/.secrets`;

/**
 * One shell word for a text that may hold secrets: plain parts single-quoted, each secret read on the repository
 * server when the backup runs (`"$(hive_secret <service> <name>)"`), so the file holds no secret and no
 * placeholder.
 */
function shellWord(service: string, t: Text): string {
  if (typeof t === "string") return shellQuote(t);
  const words = t.parts.filter((p) => p !== "").map((p) => (typeof p === "string" ? shellQuote(p) : `"$(hive_secret ${shellQuote(service)} ${shellQuote(p.secret)})"`));
  return words.length > 0 ? words.join("") : "''";
}

/** The names of the secrets the backup entries of a service use, sorted. */
export function backupSecretNames(service: Service): string[] {
  const names = new Set<string>();
  const visit = (t: Text | null) => {
    if (t !== null && typeof t !== "string") for (const p of t.parts) if (typeof p !== "string") names.add(p.secret);
  };
  for (const b of service.backupScripts) {
    [b.directory, b.backupCommand, b.backupFile, b.restoreCommand, b.restoreFile, ...b.batchScripts].forEach(visit);
  }
  return [...names].sort();
}

/** hive-builder's file extension: `ext`, else tar.gz (for command backups too). */
export function backupExt(b: BackupScript): string {
  return b.ext ?? "tar.gz";
}

function entryLines(svc: string, b: BackupScript): { backup: string[]; restore: string[] } {
  const q = shellQuote;
  const word = (t: Text) => shellWord(svc, t);
  const exec = `hive_service_exec ${q(svc)}`;
  const head = `${q(b.name)} ${q(backupExt(b))}`;
  const backup = b.batchScripts.map(
    (cmd) => `${exec} sh -c ${word(cmd)} </dev/null 1>&2 || hive_backup_failed ${q(`${svc}: batch script of ${b.name} failed`)}`,
  );
  const restore: string[] = [];
  const days = b.cleanupDaysBefore === null ? "''" : q(String(b.cleanupDaysBefore));
  if (b.directory !== null) {
    backup.push(`hive_backup_entry ${head} ${days} ${exec} sh -c 'cd "$1" && tar czf - .' sh ${word(b.directory)}`);
    restore.push(
      `hive_restore_archive ${head} ${exec} sh -c 'cd "$1" && find . -mindepth 1 -maxdepth 1 -exec rm -rf {} \\; && tar xzf -' sh ${word(b.directory)}`,
    );
  } else if (b.backupCommand !== null) {
    backup.push(
      b.backupFile === null
        ? `hive_backup_entry ${head} ${days} ${exec} sh -c ${word(b.backupCommand)}`
        : `hive_backup_entry ${head} ${days} hive_run_then_cat ${q(svc)} ${word(b.backupCommand)} ${word(b.backupFile)}`,
    );
    if (b.restoreCommand !== null && b.restoreFile !== null) {
      restore.push(`hive_restore_entry ${head} hive_copy_then_run ${q(svc)} ${word(b.restoreFile)} ${word(b.restoreCommand)}`);
    } else if (b.restoreCommand !== null) {
      restore.push(`hive_restore_entry ${head} ${exec} sh -c ${word(b.restoreCommand)}`);
    } else if (b.restoreFile !== null) {
      restore.push(`hive_restore_entry ${head} ${exec} sh -c 'cat > "$1"' sh ${word(b.restoreFile)}`);
    } else {
      restore.push(`hive_backup_failed ${q(`${svc}: ${b.name} has no restore_command or restore_file; restore backup-${b.name}-latest.${backupExt(b)} by hand`)}`);
    }
  }
  return { backup, restore };
}

/**
 * `/var/lib/hive-backup.d/<service>`, sourced by the repository's hive-backup.sh, with hive-builder's semantics:
 * `backup_<service>` runs each entry's batch_scripts, then writes `backup-<entry name>-<time>.<ext>` (ext default
 * tar.gz) through hive_backup_entry: the standard output of backup_command; or, with backup_file, backup_command
 * run for its effect and then that file's content; or a tar.gz of `directory`'s content. An entry with
 * cleanup_days_before expires its older files. `restore_<service>` feeds each entry's latest file to
 * restore_command; with restore_file the file is copied there first and restore_command then runs; a directory
 * is emptied and unpacked. Commands run in a running task of the service, found through the first hive's swarm
 * API. Secrets are read on the server (see BACKUP_SECRETS_DIR). Null when the service has no backup_scripts.
 */
export function renderBackupScript(service: Service, site: Site): string | null {
  if (service.backupScripts.length === 0) return null;
  const svc = service.name;
  const q = shellQuote;
  const backups: string[] = [];
  const restores: string[] = [];
  for (const b of service.backupScripts) {
    const lines = entryLines(svc, b);
    backups.push(...lines.backup);
    restores.push(...lines.restore);
  }
  const secrets = backupSecretNames(service);
  const ready = secrets.length > 0 ? [`  hive_secrets_ready ${q(svc)} ${secrets.map(q).join(" ")} || return 1`] : [];
  const lines = [
    `# Backup and restore of service ${svc}, written by hive. Sourced by hive-backup.sh, which defines`,
    "# hive_backup_entry, hive_restore_entry, hive_restore_archive and hive_backup_failed.",
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
    "hive_run_then_cat() {",
    '  hive_service_exec "$1" sh -c "$2" </dev/null 1>&2 && hive_service_exec "$1" cat -- "$3" </dev/null',
    "}",
    "hive_copy_then_run() {",
    `  hive_service_exec "$1" sh -c 'cat > "$1"' sh "$2" && hive_service_exec "$1" sh -c "$3" </dev/null`,
    "}",
    "hive_secret() {",
    `  cat "\${ROOT:-}${BACKUP_SECRETS_DIR}/$1/$2"`,
    "}",
    "hive_secrets_ready() {",
    '  local svc="$1" name',
    "  shift",
    '  for name in "$@"; do',
    `    [ -r "\${ROOT:-}${BACKUP_SECRETS_DIR}/$svc/$name" ] || { echo "secret $name of $svc is not on this server" >&2; return 1; }`,
    "  done",
    "}",
    "",
    `backup_${svc}() {`,
    ...ready,
    ...backups.map((l) => `  ${l}`),
    "}",
    "",
    `restore_${svc}() {`,
    ...ready,
    ...restores.map((l) => `  ${l}`),
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
