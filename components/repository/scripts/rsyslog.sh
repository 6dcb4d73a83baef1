#!/usr/bin/env bash
# rsyslog receiving the services' logs on the syslog port into /var/log/services/<service>.log, with
# logrotate.
#
# Environment:
#   HIVE_RSYSLOG_CONF    content of /etc/rsyslog.d/hive-services.conf (required)
#   HIVE_LOGROTATE_CONF  content of /etc/logrotate.d/hive-services (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_RSYSLOG_CONF HIVE_LOGROTATE_CONF
hive_pkg_install rsyslog logrotate
if [ ! -d "$ROOT/var/log/services" ]; then
  mkdir -p "$ROOT/var/log/services"
  chmod 0750 "$ROOT/var/log/services"
  hive_changed "created /var/log/services"
fi
mkdir -p "$ROOT/etc/rsyslog-services.d"
hive_install_file /etc/rsyslog.d/hive-services.conf 0644 "$HIVE_RSYSLOG_CONF"
if hive_wrote; then hive_restart_if_running rsyslog; fi
hive_install_file /etc/logrotate.d/hive-services 0644 "$HIVE_LOGROTATE_CONF"
rsyslogd -N1 -f "$ROOT/etc/rsyslog.conf"
hive_enable_now rsyslog
hive_apply_restarts
hive_done
