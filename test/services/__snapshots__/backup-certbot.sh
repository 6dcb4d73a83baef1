# Backup and restore of service certbot, written by hive. Sourced by hive-backup.sh, which defines
# hive_backup_entry, hive_restore_entry, hive_restore_archive and hive_backup_failed.
# Single-quoted commands run inside the service's container, so their $ must not expand here.
# shellcheck shell=bash disable=SC2016
hive_service_exec() {
  local svc="$1" task node
  shift
  task="$(docker -H tcp://s-hive0.pdns:2376 --tlsverify service ps --no-trunc --filter desired-state=running \
    --format '{{.Name}}.{{.ID}}@{{.Node}}' "$svc" | head -n 1)"
  [ -n "$task" ] || { echo "no running task of $svc" >&2; return 1; }
  node="${task#*@}.pdns"
  docker -H "tcp://$node:2376" --tlsverify exec -i "${task%@*}" "$@"
}
hive_run_then_cat() {
  hive_service_exec "$1" sh -c "$2" </dev/null 1>&2 && hive_service_exec "$1" cat -- "$3" </dev/null
}
hive_copy_then_run() {
  hive_service_exec "$1" sh -c 'cat > "$1"' sh "$2" && hive_service_exec "$1" sh -c "$3" </dev/null
}
hive_secret() {
  cat "${ROOT:-}/var/lib/hive-backup.d/.secrets/$1/$2"
}
hive_secrets_ready() {
  local svc="$1" name
  shift
  for name in "$@"; do
    [ -r "${ROOT:-}/var/lib/hive-backup.d/.secrets/$svc/$name" ] || { echo "secret $name of $svc is not on this server" >&2; return 1; }
  done
}

backup_certbot() {
  hive_backup_entry 'certificates' 'tar.gz' '3' hive_service_exec 'certbot' sh -c 'cd "$1" && tar czf - .' sh '/etc/letsencrypt'
}

restore_certbot() {
  hive_restore_archive 'certificates' 'tar.gz' hive_service_exec 'certbot' sh -c 'cd "$1" && find . -mindepth 1 -maxdepth 1 -exec rm -rf {} \; && tar xzf -' sh '/etc/letsencrypt'
}
