#!/bin/bash
# Runs inside a vagrant machine whose stage sets disk_size: grows the root partition and its file system to the
# size of the (enlarged) disk. Does nothing when they already fill it.
set -euo pipefail
src="$(findmnt -n -o SOURCE /)"
fstype="$(findmnt -n -o FSTYPE /)"
part_dev="$(basename "$src")"
if [ ! -e "/sys/class/block/$part_dev/partition" ]; then
  echo "growfs: / is on $src, not on a partition; left as it is" >&2
  exit 0
fi
disk="/dev/$(lsblk -n -o PKNAME "$src" | head -n 1)"
part="$(cat "/sys/class/block/$part_dev/partition")"
if ! command -v growpart >/dev/null; then
  if command -v dnf >/dev/null; then dnf -y -q install cloud-utils-growpart; else apt-get install -y -q cloud-guest-utils; fi
fi
# growpart exits 1 with NOCHANGE when the partition already fills the disk.
rc=0
growpart "$disk" "$part" || rc=$?
if [ "$rc" -gt 1 ]; then exit "$rc"; fi
case "$fstype" in
  xfs) xfs_growfs / ;;
  ext4) resize2fs "$src" ;;
  *) echo "growfs: file system $fstype of / is not grown" >&2 ;;
esac
