#!/usr/bin/env bash
# chrony with the site's NTP servers (hive_ntp_servers): the distribution's pool lines are commented out.
#
# Environment:
#   HIVE_NTP_SERVERS  space-separated NTP servers (required; the step is not run without them)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_NTP_SERVERS
hive_pkg_install chrony
if [ "$HIVE_OS" = el ]; then
  conf=/etc/chrony.conf unit=chronyd
else
  conf=/etc/chrony/chrony.conf unit=chrony
fi
[ -f "$ROOT$conf" ] || hive_die "$conf not found after installing chrony"

if grep -E '^(pool|server) ' "$ROOT$conf" | grep -v '# hive$' >/dev/null; then
  sed -i -E '/# hive$/!s/^((pool|server) .*)/#\1/' "$ROOT$conf"
  hive_changed "commented out the default NTP servers in $conf"
  hive_restart_if_running "$unit"
fi
block=""
for server in $HIVE_NTP_SERVERS; do
  block+="server $server iburst # hive"$'\n'
done
hive_block_in_file "$conf" "hive ntp servers" "${block%$'\n'}"
if hive_wrote; then
  hive_restart_if_running "$unit"
fi
hive_enable_now "$unit"
hive_apply_restarts
hive_done
