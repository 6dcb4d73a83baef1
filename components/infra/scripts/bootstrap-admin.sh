#!/bin/bash
# Creates the admin user of a prepared server: group, user, passwordless sudo and the site's SSH key.
# Runs once as root (password login); every step is guarded, so a second run changes nothing.
# Inputs (prepended by the caller): HIVE_ADMIN_USER, HIVE_ADMIN_PUBKEY; HIVE_SUDOERS_DIR only for tests.
set -euo pipefail

: "${HIVE_ADMIN_USER:?}" "${HIVE_ADMIN_PUBKEY:?}"
sudoers_dir="${HIVE_SUDOERS_DIR:-/etc/sudoers.d}"

if ! getent group "$HIVE_ADMIN_USER" >/dev/null; then
  groupadd "$HIVE_ADMIN_USER"
  echo "created group $HIVE_ADMIN_USER"
fi
if ! id -u "$HIVE_ADMIN_USER" >/dev/null 2>&1; then
  useradd -m -g "$HIVE_ADMIN_USER" -s /bin/bash "$HIVE_ADMIN_USER"
  echo "created user $HIVE_ADMIN_USER"
fi

sudoers="$sudoers_dir/$HIVE_ADMIN_USER"
rule="%$HIVE_ADMIN_USER ALL=(ALL) NOPASSWD: ALL"
if [ ! -f "$sudoers" ] || [ "$(cat "$sudoers")" != "$rule" ]; then
  printf '%s\n' "$rule" >"$sudoers.tmp"
  chmod 0440 "$sudoers.tmp"
  visudo -cf "$sudoers.tmp" >/dev/null
  mv "$sudoers.tmp" "$sudoers"
  echo "wrote $sudoers"
fi

home="$(getent passwd "$HIVE_ADMIN_USER" | cut -d: -f6)"
keys="$home/.ssh/authorized_keys"
if [ ! -d "$home/.ssh" ]; then
  install -d -m 0700 -o "$HIVE_ADMIN_USER" -g "$HIVE_ADMIN_USER" "$home/.ssh"
fi
if ! grep -qxF "$HIVE_ADMIN_PUBKEY" "$keys" 2>/dev/null; then
  printf '%s\n' "$HIVE_ADMIN_PUBKEY" >>"$keys"
  chown "$HIVE_ADMIN_USER:$HIVE_ADMIN_USER" "$keys"
  chmod 0600 "$keys"
  echo "installed the site key for $HIVE_ADMIN_USER"
fi
