#!/usr/bin/env bash
# Installs the swarm extension daemon (follow-swarm-service) on a hive and keeps it running.
#
# Inputs (environment):
#   DAEMON_SRC  the daemon's source, already copied to this host (required)
#   UNIT_SRC    its systemd unit, already copied to this host (required)
#   ROOT        prefix of every installed path (default: none); tests point it at a temp dir
#
# Idempotent: when both files are unchanged and the unit is enabled and active, it changes
# nothing and calls no mutating systemctl command. A changed file restarts the daemon, which
# then reconciles node labels and VIPs from docker's view.
set -euo pipefail

: "${DAEMON_SRC:?DAEMON_SRC must name the daemon source file}"
: "${UNIT_SRC:?UNIT_SRC must name the unit file}"
ROOT="${ROOT:-}"

unit=follow-swarm-service.service
daemon_dst="$ROOT/usr/local/lib/hive/follow-swarm-service.py"
unit_dst="$ROOT/etc/systemd/system/$unit"

for cmd in python3 docker ip; do
  if ! command -v "$cmd" >/dev/null; then
    echo "follow-swarm-service needs $cmd on this host" >&2
    exit 1
  fi
done
for cmd in arping iptables; do
  if ! command -v "$cmd" >/dev/null; then
    echo "warning: $cmd is not installed; follow-swarm-service works without it but cannot use it" >&2
  fi
done

# copy $1 to $2 with mode $3 unless $2 already has the same content; status 0 when copied
install_changed() {
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    return 1
  fi
  install -D -m "$3" "$1" "$2"
  echo "installed $2"
}

changed=false
if install_changed "$DAEMON_SRC" "$daemon_dst" 0755; then changed=true; fi
if install_changed "$UNIT_SRC" "$unit_dst" 0644; then
  changed=true
  systemctl daemon-reload
fi

if ! systemctl is-enabled --quiet "$unit"; then
  systemctl enable "$unit"
fi
if ! systemctl is-active --quiet "$unit"; then
  systemctl start "$unit"
elif [ "$changed" = true ]; then
  systemctl restart "$unit"
fi
