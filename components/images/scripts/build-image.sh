#!/usr/bin/env bash
# Builds one service image on the repository server and pushes it to the site registry.
#
# Environment (none of it secret):
#   HIVE_SERVICE        service name (container build_image_<service>, hostname image_<service>)
#   HIVE_IMAGE          repository without tag, e.g. s-hive3.pdns:5000/image_pdnsdb
#   HIVE_TAG            content tag
#   HIVE_REGISTRY       registry address for docker login
#   HIVE_FROM           base image (roles build)
#   HIVE_ROLE_PATHS     colon-separated role folders (relative ones are under $HOME), applied in order
#   HIVE_STANDALONE=1   run the base image's own init (privileged) instead of a sleeping shell
#   HIVE_PRIVILEGED=1   privileged build container
#   HIVE_USER, HIVE_WORKDIR, HIVE_STOP_SIGNAL   image settings (empty = keep the base image's)
#   HIVE_ENTRYPOINT, HIVE_COMMAND               JSON arrays (empty = keep the base image's)
#   HIVE_EXPOSE         space-separated ports (e.g. "80 53/udp")
#   HIVE_ANSIBLE_VENV   virtualenv holding ansible-playbook (the ansible package, collections included)
#   HIVE_ANSIBLE_CONNECTION  docker connection plugin (default community.docker.docker)
#   HIVE_EXTRA_VARS     JSON object of variables for the roles
#   HIVE_LIBRARY        the project's lib/ (custom modules; relative to $HOME), put on Ansible's module path
#   HIVE_DOCKERFILE_DIR, HIVE_DOCKERFILE   build with `docker build` from this context instead of roles
#   HIVE_REFERENCE_ONLY=1  only print the reference of the image already pushed (the command's update)
# Standard output ends with HIVE_IMAGE_DIGEST=sha256:… and HIVE_IMAGE_PLATFORM=<os>/<arch> of the pushed image:
# the service names it by digest with that platform, as swarm itself would record it from the registry (so
# an update with nothing to do sees no difference) and so a node that has the image never asks a registry.
# Standard input: the registry password on the first line, then one KEY=<base64 value> line per image
# environment variable (so neither the password nor secret environment values appear in any command line);
# optionally a line HIVE_INVENTORY followed by the stage's Ansible inventory, the extra variables (one JSON line
# each, secrets inside) and the site's SSH key (base64): the roles then run on host image_<service> of that
# inventory, as hive-builder ran them, with group_vars, host_vars (host_vars/image_<service>.yml too), groups and
# hostvars, and tasks delegated to a server reach it (see ansible-roles.sh).
set -euo pipefail
if ! declare -F roles_run >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../services/scripts/ansible-roles.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../services/scripts/ansible-roles.sh"
fi

: "${HIVE_SERVICE:?}" "${HIVE_IMAGE:?}" "${HIVE_TAG:?}" "${HIVE_REGISTRY:?}"
ROOT="${ROOT:-}"
container="build_image_$HIVE_SERVICE"
ref="$HIVE_IMAGE:$HIVE_TAG"
log() { echo "build-image[$HIVE_SERVICE]: $*" >&2; }

work="$(roles_work)"
trap 'rm -rf "$work"' EXIT
IFS= read -r password || true
env_args=()
while IFS= read -r line; do
  [ -n "$line" ] || continue
  if [ "$line" = HIVE_INVENTORY ]; then
    roles_read_inventory "$work" || true
    break
  fi
  # Split by hand: `read` with IFS='=' would drop a trailing '=' of the base64 padding.
  env_args+=(-e "${line%%=*}=$(printf '%s' "${line#*=}" | base64 -d)")
done

printf '%s\n' "$password" | docker login --username hive --password-stdin "$HIVE_REGISTRY" >/dev/null
unset password

print_reference() {
  docker image inspect "$ref" >/dev/null 2>&1 || docker pull -q "$ref" >/dev/null
  local digest
  digest="$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 "^$HIVE_IMAGE@" || true)"
  [ -n "$digest" ] || { log "error: $ref has no digest from $HIVE_REGISTRY"; exit 1; }
  echo "HIVE_IMAGE_DIGEST=${digest#*@}"
  echo "HIVE_IMAGE_PLATFORM=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$ref")"
}

if [ "${HIVE_REFERENCE_ONLY:-0}" = 1 ]; then
  print_reference
  exit 0
fi
if docker manifest inspect "$ref" >/dev/null 2>&1; then
  log "$ref is already in the registry"
  print_reference
  exit 0
fi

# A role folder Ansible would find nothing in (a wrong path, an upload one level down) would pass silently
# and leave the base image as the result: refuse it before anything starts.
IFS=':' read -r -a roles <<<"${HIVE_ROLE_PATHS:-}"
for i in "${!roles[@]}"; do
  case "${roles[$i]}" in /*) ;; *) roles[i]="$HOME/${roles[$i]}" ;; esac
  role="${roles[$i]}"
  [ -d "$role/tasks" ] || [ -d "$role/meta" ] || { log "error: role folder $role has no tasks/ or meta/"; exit 1; }
done

cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${HIVE_DOCKERFILE_DIR:-}" ]; then
  dir="$HIVE_DOCKERFILE_DIR"
  case "$dir" in /*) ;; *) dir="$HOME/$dir" ;; esac
  docker build --pull -t "$ref" -f "$dir/${HIVE_DOCKERFILE:-Dockerfile}" "$dir"
else
  : "${HIVE_FROM:?}" "${HIVE_ANSIBLE_VENV:?}"
  # A container left by an interrupted build must not be reused: its state is unknown.
  docker rm -f "$container" >/dev/null 2>&1 || true
  # As hive-builder did: a base image already on the server is used as it is (an offline site loads its
  # base images there); only a missing one is pulled.
  docker image inspect "$HIVE_FROM" >/dev/null 2>&1 || docker pull "$HIVE_FROM" >/dev/null
  run_args=(--name "$container" --hostname "image_$HIVE_SERVICE" "${env_args[@]}")
  [ -z "${HIVE_WORKDIR:-}" ] || run_args+=(--workdir "$HIVE_WORKDIR")
  if [ "${HIVE_STANDALONE:-0}" = 1 ]; then
    docker run -d --privileged "${run_args[@]}" "$HIVE_FROM" >/dev/null
  else
    [ "${HIVE_PRIVILEGED:-0}" != 1 ] || run_args+=(--privileged)
    docker run -d "${run_args[@]}" --entrypoint /bin/sh "$HIVE_FROM" -c 'trap "exit 0" TERM; while :; do sleep 60 & wait $!; done' >/dev/null
  fi

  roles_playbook "$work" - "${roles[@]}"
  roles_target "$work" "image_$HIVE_SERVICE" "ansible_host=$container" "ansible_connection=${HIVE_ANSIBLE_CONNECTION:-community.docker.docker}"
  roles_run "$work" "image_$HIVE_SERVICE"

  changes=()
  if [ "${HIVE_STANDALONE:-0}" != 1 ]; then
    entrypoint="${HIVE_ENTRYPOINT:-$(docker image inspect --format '{{json .Config.Entrypoint}}' "$HIVE_FROM")}"
    [ "$entrypoint" != null ] || entrypoint='["/bin/sh","-c","exec \"$@\"","--"]'
    cmd="${HIVE_COMMAND:-$(docker image inspect --format '{{json .Config.Cmd}}' "$HIVE_FROM")}"
    [ "$cmd" != null ] || cmd='[]'
    changes+=(--change "ENTRYPOINT $entrypoint" --change "CMD $cmd")
  else
    [ -z "${HIVE_ENTRYPOINT:-}" ] || changes+=(--change "ENTRYPOINT $HIVE_ENTRYPOINT")
    [ -z "${HIVE_COMMAND:-}" ] || changes+=(--change "CMD $HIVE_COMMAND")
  fi
  [ -z "${HIVE_USER:-}" ] || changes+=(--change "USER $HIVE_USER")
  [ -z "${HIVE_WORKDIR:-}" ] || changes+=(--change "WORKDIR $HIVE_WORKDIR")
  [ -z "${HIVE_STOP_SIGNAL:-}" ] || changes+=(--change "STOPSIGNAL $HIVE_STOP_SIGNAL")
  for port in ${HIVE_EXPOSE:-}; do changes+=(--change "EXPOSE $port"); done

  docker stop "$container" >/dev/null
  docker commit "${changes[@]}" "$container" "$ref" >/dev/null
fi

docker tag "$ref" "$HIVE_IMAGE:latest"
docker push "$ref" >/dev/null
docker push "$HIVE_IMAGE:latest" >/dev/null
log "pushed $ref"
print_reference
