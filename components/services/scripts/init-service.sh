#!/usr/bin/env bash
# Runs a service's initialize_roles inside one of its running tasks, from the repository server, with Ansible's
# docker connection to the node that runs the task (docker API over TLS on 2376, client certs in ~/.docker).
#
# Environment:
#   HIVE_SERVICE        service name
#   HIVE_DOMAIN         suffix that makes a swarm node name a host name (the site name, e.g. pdns)
#   HIVE_FIRST_HIVE     first hive's host name (a swarm manager)
#   HIVE_ROLE_PATHS     colon-separated role folders (relative ones are under $HOME), applied in order
#   HIVE_ANSIBLE_VENV   virtualenv holding ansible-playbook (the ansible package, collections included)
#   HIVE_ANSIBLE_CONNECTION  docker connection plugin (default community.docker.docker)
#   HIVE_EXTRA_VARS     JSON object of variables for the roles
#   HIVE_LIBRARY        the project's lib/ (custom modules; relative to $HOME), put on Ansible's module path
#   HIVE_INVENTORY_STDIN=1  standard input holds two lines: the stage's Ansible inventory (JSON) and the extra
#                       variables (JSON); the roles then run on the service's host of that inventory, with its
#                       groups, group_vars, host_vars and hostvars. Both may hold secrets: kept in private files.
#   HIVE_WAIT_TRIES, HIVE_WAIT_SECONDS   how long to wait for a running task (default 30 × 10 s)
set -euo pipefail

: "${HIVE_SERVICE:?}" "${HIVE_DOMAIN:?}" "${HIVE_FIRST_HIVE:?}" "${HIVE_ANSIBLE_VENV:?}"
log() { echo "init-service[$HIVE_SERVICE]: $*" >&2; }
tls=(--tlsverify)

task=""
for _ in $(seq "${HIVE_WAIT_TRIES:-30}"); do
  task="$(docker -H "tcp://$HIVE_FIRST_HIVE:2376" "${tls[@]}" service ps --no-trunc \
    --filter desired-state=running --format '{{.Name}}.{{.ID}}@{{.Node}} {{.CurrentState}}' "$HIVE_SERVICE" \
    | awk '$2 == "Running" { print $1; exit }')"
  [ -z "$task" ] || break
  sleep "${HIVE_WAIT_SECONDS:-10}"
done
if [ -z "$task" ]; then
  log "no running task after waiting; is the service healthy? (docker service ps $HIVE_SERVICE)"
  exit 1
fi
container="${task%@*}"
node="${task#*@}.$HIVE_DOMAIN"
log "initialising in $container on $node"

work="$(mktemp -d "${TMPDIR:-/tmp}/hive-init.XXXXXX")"
trap 'rm -rf "$work"' EXIT
{
  echo "- hosts: all"
  echo "  gather_facts: false"
  echo "  roles:"
  IFS=':' read -r -a roles <<<"${HIVE_ROLE_PATHS:-}"
  for role in "${roles[@]}"; do
    case "$role" in /*) ;; *) role="$HOME/$role" ;; esac
    echo "    - role: \"$role\""
  done
} >"$work/playbook.yml"
printf '%s\n' "${HIVE_EXTRA_VARS:-{\}}" >"$work/vars.json"
inventory=(-i "$container,")
extra=()
if [ "${HIVE_INVENTORY_STDIN:-0}" = 1 ]; then
  inv_json="" extra_json=""
  IFS= read -r inv_json || true
  IFS= read -r extra_json || true
  [ -n "$inv_json" ] || { log "no inventory on standard input"; exit 2; }
  (umask 077 && printf '%s\n' "$inv_json" >"$work/inventory.json" && printf '%s\n' "${extra_json:-{\}}" >"$work/extra.json")
  inventory=(-i "$work/inventory.json" -l "$HIVE_SERVICE" -e "ansible_host=$container")
  extra=(-e "@$work/extra.json")
fi
if [ -n "${HIVE_LIBRARY:-}" ]; then
  case "$HIVE_LIBRARY" in /*) ANSIBLE_LIBRARY="$HIVE_LIBRARY" ;; *) ANSIBLE_LIBRARY="$HOME/$HIVE_LIBRARY" ;; esac
  export ANSIBLE_LIBRARY
fi
"$HIVE_ANSIBLE_VENV/bin/ansible-playbook" "${inventory[@]}" -c "${HIVE_ANSIBLE_CONNECTION:-community.docker.docker}" \
  -e "ansible_docker_extra_args='-H tcp://$node:2376 --tlsverify'" -e "@$work/vars.json" "${extra[@]}" "$work/playbook.yml"
