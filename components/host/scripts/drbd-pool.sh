#!/usr/bin/env bash
# LVM thin pool for DRBD volumes on the first empty disk of the search list (hives only).
# A disk is empty when it has no partition and no signature; it gets one GPT partition named
# `hive-drbd`, a physical volume, the volume group and the thin pool. An existing volume group is never
# recreated and no disk holding data is ever touched; a run interrupted after partitioning resumes on
# the disk whose only partition is `hive-drbd`.
#
# Environment:
#   HIVE_DRBD_DEVICES  space-separated candidate disks, in order of preference (required)
#   HIVE_DRBD_VG       volume group name (default drbdvg)
#   HIVE_DRBD_POOL     thin pool name (default drbdpool)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_DRBD_DEVICES
vg="${HIVE_DRBD_VG:-drbdvg}"
pool="${HIVE_DRBD_POOL:-drbdpool}"

partition_of() {
  case "$1" in
    *[0-9]) echo "${1}p1" ;;
    *) echo "${1}1" ;;
  esac
}

# Number of partitions of a disk, and the name of partition 1 (parted machine output).
partitions() { parted -s -m "$1" unit s print 2>/dev/null | grep -c '^[0-9]*:' || true; }
first_partition_name() { parted -s -m "$1" unit s print 2>/dev/null | awk -F: '$1 == "1" { print $6 }'; }

if ! vgs "$vg" >/dev/null 2>&1; then
  disk=""
  for candidate in $HIVE_DRBD_DEVICES; do
    blockdev --getsize64 "$candidate" >/dev/null 2>&1 || continue
    count="$(partitions "$candidate")"
    if [ "$count" = 1 ] && [ "$(first_partition_name "$candidate")" = hive-drbd ]; then
      disk="$candidate"
      break
    fi
    if [ "$count" = 0 ] && ! blkid -p "$candidate" >/dev/null 2>&1; then
      disk="$candidate"
      break
    fi
  done
  [ -n "$disk" ] || hive_die "no empty disk among: $HIVE_DRBD_DEVICES (a disk must have no partition and no signature)"
  part="$(partition_of "$disk")"
  if [ "$(partitions "$disk")" = 0 ]; then
    parted -s "$disk" mklabel gpt mkpart hive-drbd 1MiB 100% set 1 lvm on
    hive_changed "partitioned $disk"
  fi
  if ! pvs "$part" >/dev/null 2>&1; then
    pvcreate "$part"
    hive_changed "physical volume $part"
  fi
  vgcreate "$vg" "$part"
  hive_changed "volume group $vg on $part"
fi

if ! lvs "$vg/$pool" >/dev/null 2>&1; then
  lvcreate --type thin-pool -l 95%FREE --chunksize 1024K --zero n -n "$pool" "$vg"
  hive_changed "thin pool $vg/$pool"
fi
hive_done
