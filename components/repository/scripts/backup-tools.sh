#!/usr/bin/env bash
# The backup tool /usr/local/bin/hive-backup.sh and its nightly systemd timer.
#
# Environment:
#   HIVE_BACKUP_TOOL     text of hive-backup.sh (required)
#   HIVE_BACKUP_DEFAULTS content of /etc/default/hive-backup, the tool's settings (required)
#   HIVE_BACKUP_SERVICE  content of /etc/systemd/system/hive-backup.service (required)
#   HIVE_BACKUP_TIMER    content of /etc/systemd/system/hive-backup.timer (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_BACKUP_TOOL HIVE_BACKUP_DEFAULTS HIVE_BACKUP_SERVICE HIVE_BACKUP_TIMER
hive_install_file /usr/local/bin/hive-backup.sh 0755 "$HIVE_BACKUP_TOOL"
hive_install_file /etc/default/hive-backup 0644 "$HIVE_BACKUP_DEFAULTS"
if [ ! -d "$ROOT/var/lib/hive-backup.d" ]; then
  mkdir -p "$ROOT/var/lib/hive-backup.d"
  hive_changed "created /var/lib/hive-backup.d"
fi
reload=0
hive_install_file /etc/systemd/system/hive-backup.service 0644 "$HIVE_BACKUP_SERVICE"
if hive_wrote; then reload=1; fi
hive_install_file /etc/systemd/system/hive-backup.timer 0644 "$HIVE_BACKUP_TIMER"
if hive_wrote; then reload=1; fi
if [ "$reload" -eq 1 ]; then hive_mark_pending daemon-reload; fi
if hive_pending daemon-reload; then
  systemctl daemon-reload
  hive_clear_pending daemon-reload
fi
hive_enable_now hive-backup.timer
hive_done
