#!/usr/bin/env bash
# Base system of every server: packages, hostname, timezone, locale, SELinux mode, sshd hardening.
#
# Environment:
#   HIVE_HOSTNAME  short host name to set (required)
#   HIVE_TIMEZONE  e.g. Asia/Tokyo (optional: left as is when empty)
#   HIVE_LOCALE    e.g. ja_JP.utf8 (optional)
#   HIVE_SELINUX   enforcing | permissive | disabled (EL only; default permissive)
#   HIVE_SSHD_CONF content of /etc/ssh/sshd_config.d/00-hive.conf (required)
#   HIVE_ENVIRONMENT  lines for the hive block of /etc/environment (proxy, pip index; optional, the
#                  block is removed when empty); every later step exports them (lib.sh)
#   HIVE_HTTP_PROXY   proxy URL for the package manager's own configuration (apt.conf.d, dnf.conf; optional)
#   HIVE_APT_URL      mirror of the Debian or Ubuntu archive replacing deb.debian.org / archive.ubuntu.com
#                  in the apt sources (optional)
#   HIVE_YUM_URL      mirror of AlmaLinux or Rocky Linux replacing the mirror list in the repo files (optional)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_HOSTNAME HIVE_SSHD_CONF
family="$HIVE_OS"

# Package sources first: everything below may download.
if [ -n "${HIVE_ENVIRONMENT:-}" ]; then
  hive_block_in_file /etc/environment "hive environment" "$HIVE_ENVIRONMENT"
else
  hive_remove_block /etc/environment "hive environment"
fi
hive_load_environment
if [ "$family" = el ]; then
  if [ -n "${HIVE_HTTP_PROXY:-}" ]; then
    hive_set_option /etc/dnf/dnf.conf proxy "$HIVE_HTTP_PROXY" "="
  elif [ -f "$ROOT/etc/dnf/dnf.conf" ] && grep -E '^proxy=' "$ROOT/etc/dnf/dnf.conf" >/dev/null; then
    sed -i -E '/^proxy=/d' "$ROOT/etc/dnf/dnf.conf"
    hive_changed "removed the proxy from /etc/dnf/dnf.conf"
  fi
  hive_mirror_sources "${HIVE_YUM_URL:-}" "$ROOT"/etc/yum.repos.d/almalinux*.repo "$ROOT"/etc/yum.repos.d/rocky*.repo
else
  if [ -n "${HIVE_HTTP_PROXY:-}" ]; then
    hive_install_file /etc/apt/apt.conf.d/80hive-proxy 0644 \
      "Acquire::http::Proxy \"$HIVE_HTTP_PROXY\";"$'\n'"Acquire::https::Proxy \"$HIVE_HTTP_PROXY\";"
  elif [ -f "$ROOT/etc/apt/apt.conf.d/80hive-proxy" ]; then
    rm -f "$ROOT/etc/apt/apt.conf.d/80hive-proxy"
    hive_changed "removed /etc/apt/apt.conf.d/80hive-proxy"
  fi
  hive_mirror_sources "${HIVE_APT_URL:-}" "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/*.sources "$ROOT"/etc/apt/sources.list.d/*.list
fi

if [ "$family" = el ]; then
  hive_pkg_install chrony rsyslog logrotate lsof tcpdump sysstat tar lvm2 conntrack-tools
else
  hive_pkg_install chrony rsyslog logrotate lsof tcpdump sysstat tar lvm2 conntrack
fi

if [ "$(hostnamectl hostname)" != "$HIVE_HOSTNAME" ]; then
  hostnamectl set-hostname "$HIVE_HOSTNAME"
  hive_changed "hostname $HIVE_HOSTNAME"
fi
if [ -d "$ROOT/etc/cloud" ]; then
  hive_install_file /etc/cloud/cloud.cfg.d/99-hive-hostname.cfg 0644 "preserve_hostname: true"
fi

if [ -n "${HIVE_TIMEZONE:-}" ] && [ "$(timedatectl show -p Timezone --value)" != "$HIVE_TIMEZONE" ]; then
  timedatectl set-timezone "$HIVE_TIMEZONE"
  hive_changed "timezone $HIVE_TIMEZONE"
fi

if [ -n "${HIVE_LOCALE:-}" ]; then
  if [ "$family" = el ]; then
    hive_pkg_install "glibc-langpack-${HIVE_LOCALE%%_*}"
  fi
  if ! localectl status | grep -F "LANG=$HIVE_LOCALE" >/dev/null; then
    localectl set-locale "LANG=$HIVE_LOCALE"
    hive_changed "locale $HIVE_LOCALE"
  fi
fi

if [ "$family" = el ]; then
  selinux="${HIVE_SELINUX:-permissive}"
  case "$selinux" in enforcing | permissive | disabled) ;; *) hive_die "HIVE_SELINUX must be enforcing, permissive or disabled, not '$selinux'" ;; esac
  hive_set_option /etc/selinux/config SELINUX "$selinux" "="
  current="$(getenforce)"
  if [ "$selinux" = permissive ] && [ "$current" = Enforcing ]; then
    setenforce 0
    hive_changed "SELinux permissive now"
  elif [ "$selinux" = enforcing ] && [ "$current" = Permissive ]; then
    setenforce 1
    hive_changed "SELinux enforcing now"
  fi
fi

sshd_unit=sshd
[ "$family" = debian ] && sshd_unit=ssh
hive_install_file /etc/ssh/sshd_config.d/00-hive.conf 0600 "$HIVE_SSHD_CONF"
if hive_wrote; then hive_mark_restart "$sshd_unit"; fi
sshd -t
hive_apply_restarts
hive_done
