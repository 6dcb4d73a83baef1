#!/usr/bin/env bash
# Extra login users (hive_users) with their groups (hive_user_groups), passwordless sudo for those
# groups, and their SSH public keys. Users and groups are created once and never removed.
#
# Environment:
#   HIVE_USERS  lines `<user> <uid or -> <group> <gid or -> <ssh public key>` (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_USERS
while read -r user uid group gid key; do
  [ -n "$user" ] || continue
  if ! getent group "$group" >/dev/null; then
    if [ "$gid" = - ]; then groupadd "$group"; else groupadd -g "$gid" "$group"; fi
    hive_changed "group $group"
  fi
  hive_install_file "/etc/sudoers.d/hive-$group" 0440 "%$group ALL=(ALL) NOPASSWD: ALL"
  if ! getent passwd "$user" >/dev/null; then
    if [ "$uid" = - ]; then useradd -m -g "$group" "$user"; else useradd -m -u "$uid" -g "$group" "$user"; fi
    hive_changed "user $user"
  fi
  if [ -n "$key" ]; then
    hive_install_file "/home/$user/.ssh/authorized_keys" 0600 "$key"
    if hive_wrote; then hive_mark_pending "owner-$user"; fi
    if hive_pending "owner-$user"; then
      chown -R "$user:$group" "$ROOT/home/$user/.ssh"
      hive_clear_pending "owner-$user"
    fi
  fi
done <<<"$HIVE_USERS"
hive_done
