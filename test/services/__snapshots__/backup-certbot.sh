# Backup and restore of service certbot, written by hive. Sourced by hive-backup.sh.
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

backup_certbot() {
  local work rc=0
  work="$(mktemp -d)"
  {
    hive_service_exec 'certbot' sh -c 'cd '\''/etc/letsencrypt'\'' && tar czf - $(find . -maxdepth 1 -not -name .)' >"$work"/'certificates.tar.gz' &&
    tar czf - -C "$work" .
  } || rc=$?
  rm -rf "$work"
  return "$rc"
}

restore_certbot() {
  local work rc=0
  work="$(mktemp -d)"
  {
    tar xzf - -C "$work" &&
    hive_service_exec 'certbot' sh -c 'cd '\''/etc/letsencrypt'\'' && find . -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar xzf -' <"$work"/'certificates.tar.gz'
  } || rc=$?
  rm -rf "$work"
  return "$rc"
}
