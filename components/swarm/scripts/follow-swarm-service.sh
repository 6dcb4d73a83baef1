#!/usr/bin/env bash
# The swarm extension daemon (follow-swarm-service) on one hive: the tools it needs, then its files
# and unit through install-follow-swarm-service.sh (enabled and running).
#
# Environment:
#   HIVE_FSS_DAEMON   text of the daemon (required)
#   HIVE_FSS_UNIT     text of its systemd unit (required)
#   HIVE_FSS_INSTALL  text of install-follow-swarm-service.sh (required)
# docker comes from the docker step and iptables from the firewall step.
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_FSS_DAEMON HIVE_FSS_UNIT HIVE_FSS_INSTALL
unit=follow-swarm-service.service
daemon_path=/usr/local/lib/hive/follow-swarm-service.py
unit_path="/etc/systemd/system/$unit"

if [ "$HIVE_OS" = el ]; then
  hive_pkg_install python3 iproute iputils
else
  hive_pkg_install python3 iproute2 iputils-arping iputils-ping
fi

work="$(mktemp -d "$ROOT/tmp/hive-follow-swarm-service.XXXXXX")"
trap 'rm -rf "$work"' EXIT
printf '%s' "$HIVE_FSS_DAEMON" >"$work/daemon.py"
printf '%s' "$HIVE_FSS_UNIT" >"$work/unit"
printf '%s' "$HIVE_FSS_INSTALL" >"$work/install.sh"

# A changed file owes a reload and a restart; the mark keeps that debt when a run stops before them.
if cmp -s "$work/daemon.py" "$ROOT$daemon_path" && cmp -s "$work/unit" "$ROOT$unit_path"; then
  if hive_pending restart; then
    systemctl daemon-reload
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl restart "$unit"
      hive_changed "restarted $unit (left over from an interrupted run)"
    fi
    hive_clear_pending restart
  fi
else
  hive_mark_pending restart
fi
was_enabled=0
was_active=0
systemctl is-enabled --quiet "$unit" 2>/dev/null && was_enabled=1
systemctl is-active --quiet "$unit" 2>/dev/null && was_active=1

out="$(DAEMON_SRC="$work/daemon.py" UNIT_SRC="$work/unit" ROOT="$ROOT" bash "$work/install.sh")" ||
  hive_die "install-follow-swarm-service.sh failed"
installed=0
while IFS= read -r line; do
  case "$line" in
    "installed $ROOT"/*)
      installed=1
      hive_changed "installed ${line#"installed $ROOT"}"
      ;;
    ?*) hive_log "$line" ;;
  esac
done <<<"$out"

if [ "$installed" -eq 1 ] && [ "$was_active" -eq 1 ]; then hive_changed "restarted $unit"; fi
hive_clear_pending restart
[ "$was_enabled" -eq 1 ] || hive_changed "enabled $unit"
[ "$was_active" -eq 1 ] || hive_changed "started $unit"
hive_done
