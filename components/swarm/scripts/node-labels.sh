#!/usr/bin/env bash
# Node labels <group>=true of one swarm node (run on the first hive).
#
# Environment:
#   HIVE_NODE        node name (the host's short name, required)
#   HIVE_LABELS      space-separated group names (required)
#   HIVE_LABEL_MODE  add (default) or remove; remove tolerates a node or swarm that is gone
#   HIVE_KNOWN_LABELS  group labels hive manages (optional): with add, those of them not in HIVE_LABELS
#                    are removed (labels set by others, e.g. HIVE_MARK, are left alone)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_NODE HIVE_LABELS
mode="${HIVE_LABEL_MODE:-add}"
if [ "$mode" = remove ] && hive_not_mine "node-labels-$HIVE_NODE"; then
  hive_log "labels of node $HIVE_NODE belong to $(hive_owner_of "node-labels-$HIVE_NODE") now: left in place"
  hive_done
  exit 0
fi
if ! current="$(docker node inspect "$HIVE_NODE" --format '{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}' 2>/dev/null)"; then
  [ "$mode" = remove ] && { hive_log "node $HIVE_NODE is gone"; hive_done; exit 0; }
  hive_die "node $HIVE_NODE is not in the swarm"
fi
args=()
for label in $HIVE_LABELS; do
  has=0
  [[ " $current " == *" $label=true "* ]] && has=1
  if [ "$mode" = add ] && [ "$has" -eq 0 ]; then
    args+=(--label-add "$label=true")
  elif [ "$mode" = remove ] && [[ " $current " == *" $label="* ]]; then
    args+=(--label-rm "$label")
  fi
done
if [ "$mode" = add ]; then
  for label in ${HIVE_KNOWN_LABELS:-}; do
    if [[ " $HIVE_LABELS " != *" $label "* ]] && [[ " $current " == *" $label="* ]]; then
      args+=(--label-rm "$label")
    fi
  done
fi
if [ "${#args[@]}" -gt 0 ]; then
  docker node update "${args[@]}" "$HIVE_NODE"
  hive_changed "node $HIVE_NODE ${args[*]}"
fi
if [ "$mode" = add ]; then hive_claim "node-labels-$HIVE_NODE"; else hive_release "node-labels-$HIVE_NODE"; fi
hive_done
