#!/usr/bin/env bash
# Joins this hive to the swarm as a manager, unless it is in a swarm already.
#
# Environment:
#   HIVE_ADVERTISE_ADDR  this hive's private IP (required)
#   HIVE_MANAGER_ADDR    <first hive private IP>:2377 (required)
# Standard input (secret): HIVE_JOIN_TOKEN=<base64 of the manager join token>
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_ADVERTISE_ADDR HIVE_MANAGER_ADDR
HIVE_JOIN_TOKEN=""
hive_read_secrets HIVE_JOIN_TOKEN
state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
case "$state" in
  active) ;;
  inactive)
    docker swarm join --advertise-addr "$HIVE_ADVERTISE_ADDR" --token "$HIVE_JOIN_TOKEN" "$HIVE_MANAGER_ADDR"
    hive_changed "joined the swarm at $HIVE_MANAGER_ADDR as a manager"
    ;;
  *) hive_die "swarm state is '$state'; expected active or inactive" ;;
esac
hive_done
