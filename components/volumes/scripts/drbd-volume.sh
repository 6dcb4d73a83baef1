#!/usr/bin/env bash
# Creates or converges one DRBD-replicated volume on this hive. Idempotent: every step is guarded by a probe,
# so a second run with the same inputs changes nothing.
#
# Environment:
#   HIVE_VOLUME, HIVE_MINOR, HIVE_FSTYPE (xfs|ext4), HIVE_SIZE (LVM size), HIVE_VG, HIVE_POOL
#   HIVE_RES        content of /etc/drbd.d/<volume>.res
#   HIVE_SIGNATURE  minor, size, fstype and hive set the replica was created with
#   HIVE_DISKLESS=1 this hive has no local replica (disk none)
#   HIVE_FORMAT=1   this hive is the one node allowed to create the filesystem
#   HIVE_NO_FORMAT=1 never format (stack config hive:noFormat; rebuilding a lost node)
#   ROOT            prefix for every file path (tests)
#   HIVE_ACTION=delete  take the resource down and remove its configuration (the LV and its data are kept)
set -euo pipefail

: "${HIVE_VOLUME:?}" "${HIVE_MINOR:?}"
ROOT="${ROOT:-}"
vol="$HIVE_VOLUME"
res="$ROOT/etc/drbd.d/$vol.res"
sig="$ROOT/etc/drbd.d/$vol.hive-signature"
unit_file="$ROOT/etc/systemd/system/drbd-resource@.service"
unit="drbd-resource@$vol.service"
dev="/dev/drbd$HIVE_MINOR"

log() { echo "drbd-volume[$vol]: $*" >&2; }

if [ "${HIVE_ACTION:-create}" = delete ]; then
  # Pulumi also runs this before re-creating the command (a changed SSH connection replaces it). A resource that is
  # Primary here is mounted by a running task: leave it alone, the create that follows converges it again.
  if [ "$(drbdadm role "$vol" 2>/dev/null || true)" = Primary ]; then
    log "in use (Primary) on this node; left as is"
    exit 0
  fi
  if systemctl is-enabled "$unit" >/dev/null 2>&1; then systemctl disable --now "$unit"; fi
  if drbdadm dstate "$vol" >/dev/null 2>&1; then drbdadm down "$vol" </dev/null; fi
  rm -f "$res" "$sig"
  log "removed (logical volume $HIVE_VG/$vol and its data are kept; lvremove it by hand when no longer needed)"
  exit 0
fi

: "${HIVE_FSTYPE:?}" "${HIVE_SIZE:?}" "${HIVE_VG:?}" "${HIVE_POOL:?}" "${HIVE_RES:?}" "${HIVE_SIGNATURE:?}"

# A replica created for another size or hive set cannot be converged in place: node-ids and peers would change
# under live data, and a size change needs lvextend + drbdadm resize + a filesystem grow on the Primary.
if [ -f "$sig" ] && [ "$(cat "$sig")" != "$HIVE_SIGNATURE" ]; then
  log "this volume was created with '$(cat "$sig")' but the inventory now says '$HIVE_SIGNATURE'."
  log "Changing the size or the hive set of a DRBD volume is not done automatically. Safe path: back the data up,"
  log "remove the volume from the stage (and its services), run pulumi up, re-add it with the new settings, restore."
  exit 3
fi

mkdir -p "$ROOT/etc/drbd.d" "$ROOT/etc/systemd/system"
# Command substitution drops trailing newlines on both sides, so the comparison is exact line-wise.
want_res="$(printf '%s' "$HIVE_RES")"
if [ ! -f "$res" ] || [ "$(cat "$res")" != "$want_res" ]; then
  printf '%s\n' "$want_res" >"$res"
  log "wrote $res"
fi
[ -f "$sig" ] || printf '%s\n' "$HIVE_SIGNATURE" >"$sig"

unit_text="[Unit]
Description=DRBD resource %i
After=network-online.target
Wants=network-online.target
Before=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/drbdadm adjust %i
ExecStop=/usr/sbin/drbdadm down %i

[Install]
WantedBy=multi-user.target"
if [ ! -f "$unit_file" ] || [ "$(cat "$unit_file")" != "$unit_text" ]; then
  printf '%s\n' "$unit_text" >"$unit_file"
  systemctl daemon-reload
fi

if [ "${HIVE_DISKLESS:-0}" != 1 ]; then
  if ! lvs "$HIVE_VG/$vol" >/dev/null 2>&1; then
    lvcreate -V "$HIVE_SIZE" -T "$HIVE_VG/$HIVE_POOL" -n "$vol"
  fi
  if ! drbdadm dstate "$vol" >/dev/null 2>&1 && ! drbdadm dump-md "$vol" >/dev/null 2>&1; then
    drbdadm create-md --force "$vol" </dev/null
  fi
fi

if [ -n "$(drbdadm adjust -d "$vol" 2>/dev/null)" ]; then
  drbdadm adjust "$vol" </dev/null
fi

# The filesystem is created once, by one node, before the unit is first enabled, and only on an empty device.
if [ "${HIVE_FORMAT:-0}" = 1 ] && [ "${HIVE_NO_FORMAT:-0}" != 1 ] && ! systemctl is-enabled "$unit" >/dev/null 2>&1; then
  existing="$(blkid -o value -s TYPE "$dev" 2>/dev/null || true)"
  if [ -z "$existing" ]; then
    drbdadm primary --force "$vol" </dev/null
    "mkfs.$HIVE_FSTYPE" "$dev"
    drbdadm secondary "$vol" </dev/null
    log "created $HIVE_FSTYPE on $dev"
  else
    log "$dev already holds a $existing filesystem; not formatting"
  fi
fi

if ! systemctl is-enabled "$unit" >/dev/null 2>&1; then
  systemctl enable --now "$unit"
fi
