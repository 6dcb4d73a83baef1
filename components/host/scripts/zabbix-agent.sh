#!/usr/bin/env bash
# Zabbix agent (7.0 LTS) with the rendered configuration.
#
# Environment:
#   HIVE_ZABBIX_AGENT_CONF  content of /etc/zabbix/zabbix_agentd.conf (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_ZABBIX_AGENT_CONF
if ! hive_pkg_installed zabbix-release; then
  if [ "$HIVE_OS" = el ]; then
    hive_pkg_locked dnf install -y https://repo.zabbix.com/zabbix/7.0/alma/9/x86_64/zabbix-release-latest-7.0.el9.noarch.rpm
  else
    deb="$ROOT/tmp/zabbix-release.deb"
    curl -fsSL -o "$deb" https://repo.zabbix.com/zabbix/7.0/ubuntu/pool/main/z/zabbix-release/zabbix-release_latest_7.0+ubuntu24.04_all.deb
    hive_pkg_locked dpkg -i "$deb"
    rm -f "$deb"
    hive_pkg update
  fi
  hive_changed "added the Zabbix 7.0 repository"
fi
hive_pkg_install zabbix-agent
hive_install_file /etc/zabbix/zabbix_agentd.conf 0644 "$HIVE_ZABBIX_AGENT_CONF"
if hive_wrote; then hive_restart_if_running zabbix-agent; fi
hive_enable_now zabbix-agent
hive_apply_restarts
hive_done
