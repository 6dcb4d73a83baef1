# Backup and restore of service allattrs, written by hive. Sourced by hive-backup.sh.
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
  local work rc=0
  work="$(mktemp -d)"
  {
    hive_service_exec 'allattrs' sh -c 'sync' &&
    hive_service_exec 'allattrs' sh -c 'pg_dumpall' >"$work"/'dump.sql' &&
    tar czf - -C "$work" .
  } || rc=$?
  rm -rf "$work"
  return "$rc"
}

restore_allattrs() {
  local work rc=0
  work="$(mktemp -d)"
  {
    tar xzf - -C "$work" &&
    hive_service_exec 'allattrs' sh -c 'psql' <"$work"/'dump.sql'
  } || rc=$?
  rm -rf "$work"
  return "$rc"
}
