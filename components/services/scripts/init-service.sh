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
#   HIVE_INVENTORY_STDIN=1  standard input holds three lines: the stage's Ansible inventory (JSON), the extra
#                       variables (JSON) and the site's SSH key (base64); the roles then run on the service's host
#                       of that inventory, with its groups, group_vars, host_vars and hostvars, and tasks delegated
#                       to a server reach it (see ansible-roles.sh). All may hold secrets: kept in private files.
#   HIVE_WAIT_TRIES, HIVE_WAIT_SECONDS   how long to wait for a running task (default 30 × 10 s)
set -euo pipefail
if ! declare -F roles_run >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=ansible-roles.sh
  . "$(dirname "${BASH_SOURCE[0]}")/ansible-roles.sh"
fi

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

work="$(roles_work)"
trap 'rm -rf "$work"' EXIT
IFS=':' read -r -a roles <<<"${HIVE_ROLE_PATHS:-}"
roles_playbook "$work" - "${roles[@]}"
if [ "${HIVE_INVENTORY_STDIN:-0}" = 1 ]; then
  roles_read_inventory "$work" || { log "no inventory on standard input"; exit 2; }
fi
roles_target "$work" "$HIVE_SERVICE" "ansible_host=$container" "ansible_connection=${HIVE_ANSIBLE_CONNECTION:-community.docker.docker}" \
  "ansible_docker_extra_args=-H tcp://$node:2376 --tlsverify"
roles_run "$work" "$HIVE_SERVICE"
