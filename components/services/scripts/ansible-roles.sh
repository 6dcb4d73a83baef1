#!/usr/bin/env bash
# Helpers of the scripts that apply a project's roles with Ansible from the repository server (build-image.sh,
# init-service.sh, addon-role.sh). Sent in front of them as one text; sourced by them when run as files.
#
# A run has a private work folder holding the playbook, the variables, the stage's inventory and the site's SSH
# key. The inventory gives every server its connection from the repository server (ssh to its private address
# as the admin user with that key; the repository server itself is local), so tasks delegated to a server reach
# it. The host the roles run on (a build container, a service's task) gets its connection in a second inventory
# source, never in extra variables: those would apply to the hosts tasks are delegated to as well.
#
# Environment read: HIVE_ANSIBLE_VENV (virtualenv holding ansible-playbook), HIVE_EXTRA_VARS (JSON object of
# variables for the roles), HIVE_LIBRARY (the project's lib/, relative to $HOME: Ansible's module path).

# roles_work: creates the private work folder and prints its path (the caller removes it on exit).
roles_work() {
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/hive-roles.XXXXXX")"
  chmod 700 "$work"
  printf '%s\n' "$work"
}

# roles_playbook WORK PLAY ROLE_PATH...: one play on every host of the limit applying the roles in order
# (relative role paths are under $HOME). PLAY lists what the play adds to Ansible's defaults, in words: `become`
# (as root), `facts` (gather them first); `-` for nothing.
roles_playbook() {
  local work="$1" play="$2" role
  shift 2
  {
    echo "- hosts: all"
    case " $play " in *" facts "*) ;; *) echo "  gather_facts: false" ;; esac
    case " $play " in *" become "*) echo "  become: true" ;; esac
    echo "  roles:"
    for role in "$@"; do
      case "$role" in /*) ;; *) role="$HOME/$role" ;; esac
      echo "    - role: \"$role\""
    done
  } >"$work/playbook.yml"
}

# roles_read_inventory WORK: reads from standard input the stage's inventory (JSON), the extra variables (JSON)
# and the site's SSH private key (base64; may be empty), one line each, into private files of WORK.
# Returns 1 when there is no inventory.
roles_read_inventory() {
  local work="$1" inv="" extra="" key=""
  IFS= read -r inv || true
  IFS= read -r extra || true
  IFS= read -r key || true
  [ -n "$inv" ] || return 1
  (
    umask 077
    printf '%s\n' "$inv" >"$work/inventory.json"
    printf '%s\n' "${extra:-{\}}" >"$work/extra.json"
    # The inventory names it as {{ playbook_dir }}/ssh_key.
    [ -z "$key" ] || printf '%s' "$key" | base64 -d >"$work/ssh_key"
  )
}

# roles_json TEXT: TEXT as a JSON string.
roles_json() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

# roles_target WORK HOST NAME=VALUE...: the connection of the host the roles run on, as an inventory source.
roles_target() {
  local work="$1" host="$2" pair vars=""
  shift 2
  for pair in "$@"; do
    vars+="${vars:+,}$(roles_json "${pair%%=*}"):$(roles_json "${pair#*=}")"
  done
  printf '{"all":{"hosts":{%s:{%s}}}}\n' "$(roles_json "$host")" "$vars" >"$work/target.json"
}

# roles_run WORK HOST: runs the playbook on HOST with the inventory (when read), the target (when written), the
# script's variables and the extra variables, the project's lib/ on the module path.
roles_run() {
  local work="$1" host="$2" args=()
  [ ! -f "$work/inventory.json" ] || args+=(-i "$work/inventory.json")
  [ ! -f "$work/target.json" ] || args+=(-i "$work/target.json")
  args+=(-l "$host")
  printf '%s\n' "${HIVE_EXTRA_VARS:-{\}}" >"$work/vars.json"
  args+=(-e "@$work/vars.json")
  [ ! -f "$work/extra.json" ] || args+=(-e "@$work/extra.json")
  if [ -n "${HIVE_LIBRARY:-}" ]; then
    case "$HIVE_LIBRARY" in /*) ANSIBLE_LIBRARY="$HIVE_LIBRARY" ;; *) ANSIBLE_LIBRARY="$HOME/$HIVE_LIBRARY" ;; esac
    export ANSIBLE_LIBRARY
  fi
  "$HIVE_ANSIBLE_VENV/bin/ansible-playbook" "${args[@]}" "$work/playbook.yml"
}
