#!/usr/bin/env bash
# Zabbix agent with the rendered configuration: 7.0 LTS from repo.zabbix.com (default), or the agent
# of the distribution's own archive (Debian 13: 7.0; Ubuntu 24.04: 6.0; EL has none).
#
# Environment:
#   HIVE_ZABBIX_AGENT_CONF    content of /etc/zabbix/zabbix_agentd.conf (required)
#   HIVE_ZABBIX_AGENT_SOURCE  zabbix (default) or distribution
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_ZABBIX_AGENT_CONF
case "${HIVE_ZABBIX_AGENT_SOURCE:-zabbix}" in
  zabbix)
    if ! hive_pkg_installed zabbix-release; then
      if [ "$HIVE_OS" = el ]; then
        # One release package per EL major version; AlmaLinux and Rocky use Zabbix's RHEL builds.
        case "$HIVE_OS_MAJOR" in 8 | 9 | 10) ;; *) hive_die "no Zabbix 7.0 repository for EL $HIVE_OS_MAJOR (EL 8, 9 and 10 have one)" ;; esac
        hive_pkg_locked dnf install -y "https://repo.zabbix.com/zabbix/7.0/rhel/$HIVE_OS_MAJOR/x86_64/zabbix-release-latest-7.0.el$HIVE_OS_MAJOR.noarch.rpm"
      else
        case "$HIVE_OS_ID:$HIVE_OS_MAJOR" in
          ubuntu:24) release="ubuntu/pool/main/z/zabbix-release/zabbix-release_latest_7.0+ubuntu24.04_all.deb" ;;
          debian:13) release="debian/pool/main/z/zabbix-release/zabbix-release_latest_7.0+debian13_all.deb" ;;
          *) hive_die "no Zabbix 7.0 repository known for $HIVE_OS_ID $HIVE_OS_MAJOR: set hive_zabbix_agent_source: distribution" ;;
        esac
        deb="$ROOT/tmp/zabbix-release.deb"
        curl -fsSL -o "$deb" "https://repo.zabbix.com/zabbix/7.0/$release"
        hive_pkg_locked dpkg -i "$deb"
        rm -f "$deb"
        hive_sources_changed
      fi
      hive_changed "added the Zabbix 7.0 repository"
    fi
    ;;
  distribution)
    [ "$HIVE_OS" = debian ] || hive_die "hive_zabbix_agent_source: distribution needs Debian or Ubuntu ($HIVE_OS_ID has no Zabbix agent in its own repositories); use zabbix"
    ;;
  *) hive_die "HIVE_ZABBIX_AGENT_SOURCE must be zabbix or distribution, not '$HIVE_ZABBIX_AGENT_SOURCE'" ;;
esac
hive_pkg_install zabbix-agent
hive_install_file /etc/zabbix/zabbix_agentd.conf 0644 "$HIVE_ZABBIX_AGENT_CONF"
if hive_wrote; then hive_restart_if_running zabbix-agent; fi
hive_enable_now zabbix-agent
hive_apply_restarts
hive_done
