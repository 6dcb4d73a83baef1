#!/usr/bin/env bash
# Prints the swarm's manager join token (run on the first hive; the program keeps the output secret).
set -euo pipefail
[ "$(docker info --format '{{.Swarm.ControlAvailable}}')" = true ] || {
  echo "swarm-token: error: this node is not a swarm manager" >&2
  exit 1
}
docker swarm join-token -q manager
