#!/usr/bin/env bash
# /etc/hosts block naming every server of the stage (TLS, docker and rsyslog use the FQDNs).
#
# Environment:
#   HIVE_HOSTS_BLOCK  the lines of the block, `<private ip> <fqdn> <short name>` (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_HOSTS_BLOCK
hive_block_in_file /etc/hosts "hive servers" "$HIVE_HOSTS_BLOCK"
hive_done
