#!/usr/bin/env bash
# docker_gwbridge from the site's internal_cidr slice, created before the node joins a swarm (docker
# creates its own default one at init/join, after which the subnet can no longer be chosen).
#
# Environment:
#   HIVE_GWBRIDGE_SUBNET  subnet of docker_gwbridge, e.g. 10.254.128.0/19 (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_GWBRIDGE_SUBNET
state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
if docker network inspect docker_gwbridge >/dev/null 2>&1; then
  current="$(docker network inspect docker_gwbridge --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}')"
  if [ "$current" != "$HIVE_GWBRIDGE_SUBNET" ]; then
    hive_log "warning: docker_gwbridge has subnet $current, not $HIVE_GWBRIDGE_SUBNET; changing it needs the swarm rebuilt (left as is)"
  fi
elif [ "$state" = inactive ]; then
  docker network create --subnet "$HIVE_GWBRIDGE_SUBNET" \
    --opt com.docker.network.bridge.name=docker_gwbridge \
    --opt com.docker.network.bridge.enable_icc=false \
    --opt com.docker.network.bridge.enable_ip_masquerade=true \
    docker_gwbridge
  hive_changed "docker_gwbridge $HIVE_GWBRIDGE_SUBNET"
else
  hive_die "node is in swarm state '$state' without docker_gwbridge"
fi
hive_done
