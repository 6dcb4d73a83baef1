#!/usr/bin/env bash
# Applies the project's Ansible role roles/addon to one server, as hive-builder's setup-hosts did on every
# server: from the repository server (where Ansible is), with the stage's inventory, as root, facts gathered.
# The server is reached as the inventory says (ssh to its private address; the repository server locally).
#
# Environment (none of it secret):
#   HIVE_HOST           the server's inventory name (s-hive0.pdns)
#   HIVE_ROLE_PATHS     the role folder(s) on the repository server (relative ones are under $HOME)
#   HIVE_ANSIBLE_VENV   virtualenv holding ansible-playbook
#   HIVE_EXTRA_VARS     JSON object of variables for the role
#   HIVE_LIBRARY        the project's lib/ (relative to $HOME), put on Ansible's module path
# Standard input: the stage's inventory, the extra variables and the site's SSH key (see ansible-roles.sh).
set -euo pipefail
if ! declare -F roles_run >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../services/scripts/ansible-roles.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../services/scripts/ansible-roles.sh"
fi

: "${HIVE_HOST:?}" "${HIVE_ROLE_PATHS:?}" "${HIVE_ANSIBLE_VENV:?}"
work="$(roles_work)"
trap 'rm -rf "$work"' EXIT
roles_read_inventory "$work" || { echo "addon-role[$HIVE_HOST]: no inventory on standard input" >&2; exit 2; }
IFS=':' read -r -a roles <<<"$HIVE_ROLE_PATHS"
roles_playbook "$work" "become facts" "${roles[@]}"
roles_run "$work" "$HIVE_HOST"
