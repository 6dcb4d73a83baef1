#!/usr/bin/env bash
# DRBD9 kernel module and utilities, and the global DRBD configuration (hives only).
# EL9: ELRepo's kmod-drbd9x and drbd9x-utils. Ubuntu 24.04: LINBIT's PPA drbd-dkms and drbd-utils.
#
# Environment:
#   HIVE_DRBD_GLOBAL  content of /etc/drbd.d/global_common.conf (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_DRBD_GLOBAL
if [ "$HIVE_OS" = el ]; then
  if ! hive_pkg_installed elrepo-release; then
    hive_pkg_locked rpm --import https://www.elrepo.org/RPM-GPG-KEY-elrepo.org
    hive_pkg_locked dnf install -y https://www.elrepo.org/elrepo-release-9.el9.elrepo.noarch.rpm
    hive_changed "added the ELRepo repository"
  fi
  hive_pkg_install kmod-drbd9x drbd9x-utils
else
  ppa=0
  for f in "$ROOT"/etc/apt/sources.list.d/linbit-ubuntu-linbit-drbd9-stack-*; do
    if [ -e "$f" ]; then ppa=1; fi
  done
  if [ "$ppa" -eq 0 ]; then
    hive_pkg_install software-properties-common
    hive_pkg_locked add-apt-repository -y ppa:linbit/linbit-drbd9-stack
    hive_changed "added the LINBIT DRBD9 PPA"
  fi
  hive_pkg_install drbd-dkms drbd-utils
fi

hive_install_file /etc/drbd.d/global_common.conf 0644 "$HIVE_DRBD_GLOBAL"
hive_install_file /etc/modules-load.d/drbd.conf 0644 "drbd"
if ! lsmod | grep '^drbd ' >/dev/null; then
  modprobe drbd
  hive_changed "loaded the drbd module"
fi
hive_done
