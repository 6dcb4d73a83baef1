# Backup and restore of service certbot, written by hive. Sourced by the backup tool.
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
  local ts
  ts="$(date +%Y%m%d%H%M%S)"
  # certificates
  hive_service_exec 'certbot' sh -c 'cd '\''/etc/letsencrypt'\'' && tar czf - $(find . -maxdepth 1 -not -name .)' >"backup-certificates-$ts.tar.gz"
  ln -sfn "backup-certificates-$ts.tar.gz" "backup-certificates-latest.tar.gz"
  find . -maxdepth 1 -name "backup-certificates-[0-9]*" -daystart -mtime +3 -type f -delete
}

restore_certbot() {
  # certificates
  hive_service_exec 'certbot' sh -c 'cd '\''/etc/letsencrypt'\'' && find . -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar xzf -' <"backup-certificates-latest.tar.gz"
}
