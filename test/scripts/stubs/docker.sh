#!/usr/bin/env bash
# Stand-in for the docker CLI (called by stub.sh with docker's arguments): swarm state, networks, node
# labels and compose projects under $STUB_STATE/docker.
set -euo pipefail
S="${STUB_STATE:?}"
D="$S/docker"
mkdir -p "$D/networks" "$D/nodes" "$D/compose"
line="docker $*"
# shellcheck source-path=SCRIPTDIR source=record.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/record.sh"
state() { cat "$D/swarm" 2>/dev/null || echo inactive; }

case "$1 ${2:-}" in
  "info --format")
    log R
    case "$3" in
      *LocalNodeState*) state ;;
      *ControlAvailable*) if [ "$(state)" = active ] && [ "$(cat "$D/role" 2>/dev/null)" = manager ]; then echo true; else echo false; fi ;;
    esac
    ;;
  "swarm init")
    mutate
    echo active >"$D/swarm"
    echo manager >"$D/role"
    echo ingress >"$D/networks/ingress"
    mkdir -p "$D/nodes/$(cat "$S/hostname" 2>/dev/null || echo node)"
    touch "$D/nodes/$(cat "$S/hostname" 2>/dev/null || echo node)/labels"
    ;;
  "swarm join")
    mutate
    token=""
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --token ] && token="${args[i + 1]}"; done
    [ "$token" = "$(cat "$D/expected-token" 2>/dev/null || echo SWMTKN-stub)" ] || { echo "invalid join token" >&2 && exit 1; }
    echo active >"$D/swarm"
    echo manager >"$D/role"
    ;;
  "swarm join-token")
    log R
    cat "$D/expected-token" 2>/dev/null || echo SWMTKN-stub
    ;;
  "network inspect")
    log R
    [ -f "$D/networks/$3" ] || { echo "Error: No such network: $3" >&2 && exit 1; }
    if [ "${4:-}" = --format ]; then cat "$D/networks/$3"; fi
    ;;
  "network create")
    mutate
    name="${!#}"
    subnet=""
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --subnet ] && subnet="${args[i + 1]}"; done
    [ -f "$D/networks/$name" ] && { echo "network $name exists" >&2 && exit 1; }
    echo "$subnet" >"$D/networks/$name"
    ;;
  "network rm")
    mutate
    rm "$D/networks/$3"
    ;;
  "node inspect")
    log R
    [ -d "$D/nodes/$3" ] || { echo "Error: no such node: $3" >&2 && exit 1; }
    while read -r label; do [ -n "$label" ] && printf '%s ' "$label"; done <"$D/nodes/$3/labels"
    echo
    ;;
  "node update")
    mutate
    node="${!#}"
    args=("${@:3:$#-3}")
    for ((i = 0; i < ${#args[@]}; i += 2)); do
      case "${args[i]}" in
        --label-add) echo "${args[i + 1]}" >>"$D/nodes/$node/labels" ;;
        --label-rm) grep -v "^${args[i + 1]}=" "$D/nodes/$node/labels" >"$D/nodes/$node/labels.new" || true
          mv "$D/nodes/$node/labels.new" "$D/nodes/$node/labels" ;;
      esac
    done
    ;;
  "volume inspect")
    log R
    [ -f "$D/volumes/$3" ]
    ;;
  compose\ -p)
    project="$3"
    file="$5"
    sub="$6"
    mkdir -p "$D/compose/$project"
    case "$sub" in
      ps)
        log R
        if [ -f "$D/compose/$project/${!#}" ]; then echo "id-${!#}"; fi
        ;;
      up)
        mutate
        while read -r svc; do touch "$D/compose/$project/$svc"; done < <(sed -n 's/^  \([a-z_-]*\):$/\1/p' "$file")
        # The project's named volumes (top-level `volumes:`), which outlive `down`.
        mkdir -p "$D/volumes"
        while read -r vol; do touch "$D/volumes/${project}_$vol"; done < <(awk '/^volumes:/ { on = 1; next } /^[^ ]/ { on = 0 } on && /^  [a-z_-]+:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' "$file")
        ;;
      down)
        mutate
        rm -f "$D/compose/$project"/*
        ;;
    esac
    ;;
  # A container of a compose project, found by compose's labels; its id here is <project>/<service>.
  "ps -q")
    log R
    project="$(sed -n 's/.*label=com\.docker\.compose\.project=\([^ ]*\).*/\1/p' <<<"$*")"
    svc="$(sed -n 's/.*label=com\.docker\.compose\.service=\([^ ]*\).*/\1/p' <<<"$*")"
    if [ -f "$D/compose/$project/$svc" ]; then echo "$project/$svc"; fi
    ;;
  "exec -i")
    log R
    id="$3"
    shift 3
    if [ -f "$D/compose/$id" ]; then
      echo "exec $id: $*" >>"$S/exec.log"
      if [ -t 0 ]; then :; else cat >>"$S/exec-stdin.log"; fi
      echo "dump of $id"
    else
      echo "Error: No such container: $id" >&2
      exit 1
    fi
    ;;
  *) echo "stub docker: no behaviour for: $*" >&2 && exit 2 ;;
esac
