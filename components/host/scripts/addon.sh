#!/usr/bin/env bash
# The project's addon hook: runs the project's roles/addon/setup.sh on the server, as root, once per
# content (the program re-runs it only when the hook's text changes). The hook itself must be
# idempotent; it gets HIVE_HOSTNAME, HIVE_FQDN, HIVE_STAGE and HIVE_GROUPS in its environment.
#
# Environment:
#   HIVE_ADDON_SCRIPT  text of the project's roles/addon/setup.sh (required)
#   HIVE_HOSTNAME, HIVE_FQDN, HIVE_STAGE, HIVE_GROUPS  passed on to the hook
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_ADDON_SCRIPT
hive_install_file /var/lib/hive/addon/setup.sh 0700 "$HIVE_ADDON_SCRIPT"
export HIVE_HOSTNAME="${HIVE_HOSTNAME:-}" HIVE_FQDN="${HIVE_FQDN:-}" HIVE_STAGE="${HIVE_STAGE:-}" HIVE_GROUPS="${HIVE_GROUPS:-}" ROOT
bash "$ROOT/var/lib/hive/addon/setup.sh" || hive_die "the project's addon hook (roles/addon/setup.sh) failed"
hive_done
