#!/usr/bin/env bash
# docker swarm init on the first hive, never on a node already in a swarm; then the ingress network
# from internal_cidr (replacing docker's default ingress while no service uses it).
#
# Environment:
#   HIVE_ADVERTISE_ADDR    the first hive's private IP (required)
#   HIVE_INGRESS_SUBNET    subnet of the ingress network (optional: docker's default when empty)
#   HIVE_INGRESS_GATEWAY   its gateway (required with HIVE_INGRESS_SUBNET)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_ADVERTISE_ADDR
state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
case "$state" in
  active) ;;
  inactive)
    docker swarm init --advertise-addr "$HIVE_ADVERTISE_ADDR"
    hive_changed "initialised the swarm advertising $HIVE_ADVERTISE_ADDR"
    ;;
  *) hive_die "swarm state is '$state'; expected active or inactive" ;;
esac
[ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] ||
  hive_die "this node is in a swarm but is not a manager"

if [ -n "${HIVE_INGRESS_SUBNET:-}" ]; then
  hive_require HIVE_INGRESS_GATEWAY
  if ! docker network inspect apiarist-ingress >/dev/null 2>&1; then
    if docker network inspect ingress >/dev/null 2>&1; then
      docker network rm ingress
      hive_changed "removed docker's default ingress network"
    fi
    docker network create --driver overlay --ingress --subnet "$HIVE_INGRESS_SUBNET" \
      --gateway "$HIVE_INGRESS_GATEWAY" apiarist-ingress
    hive_changed "ingress network apiarist-ingress $HIVE_INGRESS_SUBNET"
  fi
fi
hive_done
