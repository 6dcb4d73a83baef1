# shellcheck shell=bash
# Helper for the repository's docker compose projects, sent after lib.sh in front of a step's script.

# Brings a compose project up when its files changed (mark given) or a service is not running.
# Usage: hive_compose_up <project> <compose file> <changed 0|1> <service>...
hive_compose_up() {
  local project="$1" file="$ROOT$2" changed="$3" service running=1
  shift 3
  hive_claim "compose-$project"
  for service in "$@"; do
    [ -n "$(docker compose -p "$project" -f "$file" ps -q --status running "$service" 2>/dev/null)" ] || running=0
  done
  if [ "$changed" -eq 1 ]; then hive_mark_pending "compose-$project"; fi
  if hive_pending "compose-$project" || [ "$running" -eq 0 ]; then
    docker compose -p "$project" -f "$file" up -d --remove-orphans
    hive_clear_pending "compose-$project"
    hive_changed "compose project $project up"
  fi
}

# Stops a compose project whose file exists (the delete of a step), unless another step resource has taken
# it over; a server without docker has nothing to stop.
# Usage: hive_compose_down <project> <compose file>
hive_compose_down() {
  local project="$1" file="$ROOT$2"
  if hive_not_mine "compose-$project"; then
    hive_log "compose project $project belongs to $(hive_owner_of "compose-$project") now: left running"
    return 0
  fi
  if [ -f "$file" ] && command -v docker >/dev/null; then
    docker compose -p "$project" -f "$file" down
    hive_changed "compose project $project down"
  fi
  hive_release "compose-$project"
}
