#!/usr/bin/env bash
# hive-backup.sh: backs up the repository server's data and the services' data, or restores it.
#
# Usage: hive-backup.sh [-r] [-l name[,name...]]
#   -r  restore from the newest backups (backup-<entry>-latest.<ext>) instead of backing up
#   -l  only these targets (default: every target)
# Targets: hive-registry (the registry's images), hive-zabbix (the Zabbix database), and one per file in
# /var/lib/hive-backup.d/<service>, which defines shell functions backup_<service> and restore_<service>.
# Those call hive_backup_entry / hive_restore_entry below once per entry of the service's backup_scripts.
#
# Files are named as hive-builder named them, so its backups restore too: backup-<entry>-<YYYYmmddHHMMSS>.<ext>
# in the backup folder, and a link backup-<entry>-latest.<ext> to the newest. Settings come from
# /etc/default/hive-backup: HIVE_BACKUP_DIR (default /var/lib/hive/backup), HIVE_REGISTRY_KEEP_DAYS and
# HIVE_ZABBIX_KEEP_DAYS (default 3); a service entry is expired only when it has cleanup_days_before.
# The functions below are called by name (backup_<target>, and from the service files), which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
ROOT="${ROOT:-}"
if [ -r "$ROOT/etc/default/hive-backup" ]; then
  # shellcheck source=/dev/null
  . "$ROOT/etc/default/hive-backup"
fi
dir="$ROOT${HIVE_BACKUP_DIR:-/var/lib/hive/backup}"
hooks="$ROOT/var/lib/hive-backup.d"

restore=0
only=""
while getopts "rl:" opt; do
  case "$opt" in
    r) restore=1 ;;
    l) only="$OPTARG" ;;
    *) echo "usage: hive-backup.sh [-r] [-l name[,name...]]" >&2; exit 2 ;;
  esac
done

status=0

# hive_backup_entry ENTRY EXT DAYS COMMAND...: COMMAND's standard output becomes backup-ENTRY-<time>.EXT; the
# -latest link moves only when COMMAND succeeded. With DAYS, files of ENTRY older than DAYS days are removed.
hive_backup_entry() {
  local entry="$1" ext="$2" days="$3" file
  shift 3
  file="backup-$entry-$(date +%Y%m%d%H%M%S).$ext"
  if "$@" >"$dir/$file.part" && [ -s "$dir/$file.part" ]; then
    mv "$dir/$file.part" "$dir/$file"
    ln -sfn "$file" "$dir/backup-$entry-latest.$ext"
    echo "backed up $entry to $dir/$file"
  else
    rm -f "$dir/$file.part"
    echo "hive-backup.sh: backup of $entry failed" >&2
    status=1
  fi
  if [ -n "$days" ]; then
    find "$dir" -maxdepth 1 -name "backup-$entry-*.$ext" -daystart -mtime +"$days" -type f -delete
  fi
}

# hive_restore_entry ENTRY EXT COMMAND...: feeds backup-ENTRY-latest.EXT to COMMAND's standard input; a missing
# backup is skipped (a service that never had one).
hive_restore_entry() {
  local entry="$1" ext="$2" latest
  shift 2
  latest="$dir/backup-$entry-latest.$ext"
  if [ ! -r "$latest" ]; then
    echo "hive-backup.sh: no backup of $entry in $dir, skipped" >&2
    return 0
  fi
  if "$@" <"$latest"; then
    echo "restored $entry from $(readlink "$latest" || basename "$latest")"
  else
    echo "hive-backup.sh: restore of $entry failed" >&2
    status=1
  fi
}

# hive_restore_archive ENTRY EXT COMMAND...: hive_restore_entry for a gzip archive, which must read back
# completely before COMMAND (that empties the target first) runs.
hive_restore_archive() {
  local latest="$dir/backup-$1-latest.$2"
  if [ -r "$latest" ] && ! gzip -t "$latest" 2>/dev/null; then
    echo "hive-backup.sh: $(readlink "$latest" || echo "$latest") is damaged; $1 not restored" >&2
    status=1
    return 0
  fi
  hive_restore_entry "$@"
}

# hive_backup_failed MESSAGE: a step of a service's backup or restore failed; the others still run.
hive_backup_failed() {
  echo "hive-backup.sh: $*" >&2
  status=1
}

# The built-in targets are called by name (backup_<name> / restore_<name>).

# compose_exec PROJECT SERVICE COMMAND...: runs COMMAND (standard input passed on) in the running container of
# one of hive's compose services, found by compose's labels: the backup runs as the admin user, who may not
# read the compose project's files (the Zabbix .env holds a password).
compose_exec() {
  local id
  id="$(docker ps -q --filter "label=com.docker.compose.project=$1" --filter "label=com.docker.compose.service=$2" | head -n 1)"
  [ -n "$id" ] || { echo "hive-backup.sh: no running container of $2 (compose project $1)" >&2; return 1; }
  shift 2
  docker exec -i "$id" "$@"
}
registry_tar() { compose_exec registry registry_server tar czf - -C /var/lib/registry .; }
registry_untar() { compose_exec registry registry_server sh -c 'rm -rf /var/lib/registry/* && tar xzf - -C /var/lib/registry'; }
# The database password is expanded inside the container.
# shellcheck disable=SC2016
zabbix_dump() { compose_exec zabbix zabbix-db sh -c 'mysqldump -u zabbix -p"$MYSQL_PASSWORD" --single-transaction zabbix' | gzip; }
# shellcheck disable=SC2016
zabbix_load() { gunzip -c | compose_exec zabbix zabbix-db sh -c 'mysql -u zabbix -p"$MYSQL_PASSWORD" zabbix'; }
backup_hive-registry() { hive_backup_entry hive-registry tar.gz "${HIVE_REGISTRY_KEEP_DAYS:-3}" registry_tar; }
restore_hive-registry() { hive_restore_archive hive-registry tar.gz registry_untar; }
backup_hive-zabbix() { hive_backup_entry hive-zabbix sql.gz "${HIVE_ZABBIX_KEEP_DAYS:-3}" zabbix_dump; }
restore_hive-zabbix() { hive_restore_archive hive-zabbix sql.gz zabbix_load; }

targets=(hive-registry hive-zabbix)
for hook in "$hooks"/*; do
  [ -f "$hook" ] || continue
  # shellcheck source=/dev/null
  . "$hook"
  targets+=("$(basename "$hook")")
done
if [ -n "$only" ]; then
  IFS=',' read -r -a wanted <<<"$only"
  for name in "${wanted[@]}"; do
    [[ " ${targets[*]} " == *" $name "* ]] || { echo "hive-backup.sh: unknown target $name (known: ${targets[*]})" >&2; exit 2; }
  done
  targets=("${wanted[@]}")
fi

mkdir -p "$dir"
for name in "${targets[@]}"; do
  if [ "$restore" -eq 1 ]; then
    "restore_$name" || hive_backup_failed "restore of $name failed"
  else
    "backup_$name" || hive_backup_failed "backup of $name failed"
  fi
done
exit "$status"
