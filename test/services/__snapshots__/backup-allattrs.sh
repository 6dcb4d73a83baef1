# Backup and restore of service allattrs, written by hive. Sourced by the backup tool.
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

backup_allattrs() {
  local ts
  ts="$(date +%Y%m%d%H%M%S)"
  # dump
  hive_service_exec 'allattrs' sh -c 'sync'
  hive_service_exec 'allattrs' sh -c 'pg_dumpall' >"backup-dump-$ts.sql"
  ln -sfn "backup-dump-$ts.sql" "backup-dump-latest.sql"
  find . -maxdepth 1 -name "backup-dump-[0-9]*" -daystart -mtime +5 -type f -delete
}

restore_allattrs() {
  # dump
  hive_service_exec 'allattrs' sh -c 'psql' <"backup-dump-latest.sql"
}
