#!/usr/bin/env bash
# hive-backup.sh: backs up the repository server's data, or restores it.
#
# Usage: hive-backup.sh [-r] [-l name[,name...]]
#   -r  restore from the newest backup (backup-<name>-latest.<ext>) instead of backing up
#   -l  only these targets (default: every target)
# Targets: hive-registry (the registry's images), hive-zabbix (the Zabbix database), and one per file in
# /var/lib/hive-backup.d/<name>, which defines shell functions backup_<name> (writes the backup to
# standard output) and restore_<name> (reads it from standard input).
# Backups go to $HIVE_BACKUP_DIR (default /var/lib/hive/backup) as backup-<name>-<timestamp>.<ext>;
# files older than $HIVE_BACKUP_KEEP_DAYS days (default 3) are removed.
set -euo pipefail
ROOT="${ROOT:-}"
dir="${HIVE_BACKUP_DIR:-$ROOT/var/lib/hive/backup}"
keep="${HIVE_BACKUP_KEEP_DAYS:-3}"
hooks="$ROOT/var/lib/hive-backup.d"
registry_compose=(docker compose -p registry -f "$ROOT/var/lib/hive/registry/compose.yml")
zabbix_compose=(docker compose -p zabbix -f "$ROOT/var/lib/hive/zabbix/compose.yml")

restore=0
only=""
while getopts "rl:" opt; do
  case "$opt" in
    r) restore=1 ;;
    l) only="$OPTARG" ;;
    *) echo "usage: hive-backup.sh [-r] [-l name[,name...]]" >&2; exit 2 ;;
  esac
done

# The built-in targets are called by name (backup_<name> / restore_<name>); the database password
# is expanded inside the container.
# shellcheck disable=SC2317,SC2016
backup_hive-registry() { "${registry_compose[@]}" exec -T registry_server tar czf - -C /var/lib/registry .; }
# shellcheck disable=SC2317,SC2016
restore_hive-registry() {
  "${registry_compose[@]}" exec -T registry_server sh -c 'rm -rf /var/lib/registry/* && tar xzf - -C /var/lib/registry'
}
# shellcheck disable=SC2317,SC2016
backup_hive-zabbix() {
  "${zabbix_compose[@]}" exec -T zabbix-db sh -c 'mysqldump -u zabbix -p"$MYSQL_PASSWORD" --single-transaction zabbix' | gzip
}
# shellcheck disable=SC2317,SC2016
restore_hive-zabbix() {
  gunzip -c | "${zabbix_compose[@]}" exec -T zabbix-db sh -c 'mysql -u zabbix -p"$MYSQL_PASSWORD" zabbix'
}

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

ext_of() { case "$1" in hive-zabbix) echo sql.gz ;; *) echo tar.gz ;; esac; }
mkdir -p "$dir"
status=0
for name in "${targets[@]}"; do
  ext="$(ext_of "$name")"
  latest="$dir/backup-$name-latest.$ext"
  if [ "$restore" -eq 1 ]; then
    if [ ! -e "$latest" ]; then
      echo "hive-backup.sh: no backup of $name in $dir" >&2
      status=1
      continue
    fi
    if "restore_$name" <"$latest"; then echo "restored $name from $(readlink "$latest")"; else status=1; fi
    continue
  fi
  file="$dir/backup-$name-$(date +%Y%m%d%H%M%S).$ext"
  if "backup_$name" >"$file.part"; then
    mv "$file.part" "$file"
    ln -sfn "$(basename "$file")" "$latest"
    echo "backed up $name to $file"
    find "$dir" -name "backup-$name-*" -type f -mtime +"$keep" -delete
  else
    rm -f "$file.part"
    echo "hive-backup.sh: backup of $name failed" >&2
    status=1
  fi
done
exit "$status"
