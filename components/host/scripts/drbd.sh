#!/usr/bin/env bash
# DRBD9 kernel module and utilities, and the global DRBD configuration (hives only).
# EL 8/9/10: ELRepo's kmod-drbd9x and drbd9x-utils. Ubuntu 24.04: LINBIT's PPA drbd-dkms and drbd-utils.
# Debian 13: Debian's drbd-utils; the DRBD 9 module must be there already.
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
  # ELRepo has one release package per EL major version, and kmod-drbd9x for each.
  case "$HIVE_OS_MAJOR" in 8 | 9 | 10) ;; *) hive_die "no ELRepo DRBD 9 packages for EL $HIVE_OS_MAJOR (EL 8, 9 and 10 have them)" ;; esac
  if ! hive_pkg_installed elrepo-release; then
    hive_pkg_locked rpm --import https://www.elrepo.org/RPM-GPG-KEY-elrepo.org
    hive_pkg_locked dnf install -y "https://www.elrepo.org/elrepo-release-$HIVE_OS_MAJOR.el$HIVE_OS_MAJOR.elrepo.noarch.rpm"
    hive_changed "added the ELRepo repository"
  fi
  hive_pkg_install kmod-drbd9x drbd9x-utils
elif [ "$HIVE_OS_ID" = ubuntu ]; then
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
else
  # Debian ships the DRBD 9 utilities, but its kernel's module is DRBD 8.4: the DRBD 9 module (LINBIT's
  # drbd-dkms) must be installed by the operator, and is checked below.
  hive_pkg_install drbd-utils
fi
hive_install_file /etc/drbd.d/global_common.conf 0644 "$HIVE_DRBD_GLOBAL"
hive_install_file /etc/modules-load.d/drbd.conf 0644 "drbd"
if ! lsmod | grep '^drbd ' >/dev/null; then
  modprobe drbd
  hive_changed "loaded the drbd module"
fi
version="$(modinfo -F version drbd 2>/dev/null || true)"
case "$version" in
  9.*) ;;
  *) hive_die "the drbd kernel module is version '${version:-unknown}', hive needs DRBD 9 (on Debian: LINBIT's drbd-dkms)" ;;
esac
hive_done
