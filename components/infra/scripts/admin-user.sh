#!/bin/bash
# The admin user of a prepared server, run as root there (sent by admin-access.sh). HIVE_ACTION:
#   grant     group, user, passwordless sudo and the site key; then the keys in HIVE_ADMIN_RETIRE leave
#             authorized_keys (never the site key)
#   password  password login again: hive's sshd settings go (when the site leaves a server it bootstrapped)
#   drop-key  the site key leaves authorized_keys (after the password has been seen to work again)
# Every change is guarded, so a second run changes nothing.
# Inputs (prepended by the caller): HIVE_ACTION, HIVE_ADMIN_USER, HIVE_ADMIN_PUBKEY, HIVE_ADMIN_RETIRE
# (public keys, one per line, may be empty); HIVE_SUDOERS_DIR and HIVE_SSHD_DIR only for tests.
set -euo pipefail

: "${HIVE_ACTION:?}" "${HIVE_ADMIN_USER:?}" "${HIVE_ADMIN_PUBKEY:?}"
sudoers_dir="${HIVE_SUDOERS_DIR:-/etc/sudoers.d}"
sshd_dir="${HIVE_SSHD_DIR:-/etc/ssh/sshd_config.d}"

# A key is recognised by its base64 body, whatever options or comment its line has.
key_body() { printf '%s\n' "$1" | awk '{ print $2 }'; }

authorized_keys() { printf '%s/.ssh/authorized_keys' "$(getent passwd "$HIVE_ADMIN_USER" | cut -d: -f6)"; }

# remove_key BODY WHAT: drops every line of the admin's authorized_keys that carries BODY.
remove_key() {
  local keys
  keys="$(authorized_keys)"
  [ -n "$1" ] && grep -qF -- " $1" "$keys" 2>/dev/null || return 0
  grep -vF -- " $1" "$keys" >"$keys.tmp" || true
  chown "$HIVE_ADMIN_USER:$HIVE_ADMIN_USER" "$keys.tmp"
  chmod 0600 "$keys.tmp"
  mv "$keys.tmp" "$keys"
  echo "removed $2 ${1:0:16}… of $HIVE_ADMIN_USER"
}

grant() {
  if ! getent group "$HIVE_ADMIN_USER" >/dev/null; then
    groupadd "$HIVE_ADMIN_USER"
    echo "created group $HIVE_ADMIN_USER"
  fi
  if ! id -u "$HIVE_ADMIN_USER" >/dev/null 2>&1; then
    useradd -m -g "$HIVE_ADMIN_USER" -s /bin/bash "$HIVE_ADMIN_USER"
    echo "created user $HIVE_ADMIN_USER"
  fi

  local sudoers="$sudoers_dir/$HIVE_ADMIN_USER" rule="%$HIVE_ADMIN_USER ALL=(ALL) NOPASSWD: ALL"
  if [ ! -f "$sudoers" ] || [ "$(cat "$sudoers")" != "$rule" ]; then
    printf '%s\n' "$rule" >"$sudoers.tmp"
    chmod 0440 "$sudoers.tmp"
    visudo -cf "$sudoers.tmp" >/dev/null
    mv "$sudoers.tmp" "$sudoers"
    echo "wrote $sudoers"
  fi

  local keys home
  keys="$(authorized_keys)"
  home="$(dirname "$(dirname "$keys")")"
  if [ ! -d "$home/.ssh" ]; then
    install -d -m 0700 -o "$HIVE_ADMIN_USER" -g "$HIVE_ADMIN_USER" "$home/.ssh"
  fi
  if ! grep -qxF "$HIVE_ADMIN_PUBKEY" "$keys" 2>/dev/null; then
    printf '%s\n' "$HIVE_ADMIN_PUBKEY" >>"$keys"
    chown "$HIVE_ADMIN_USER:$HIVE_ADMIN_USER" "$keys"
    chmod 0600 "$keys"
    echo "installed the site key for $HIVE_ADMIN_USER"
  fi

  local site retired body
  site="$(key_body "$HIVE_ADMIN_PUBKEY")"
  while IFS= read -r retired; do
    body="$(key_body "$retired")"
    if [ -n "$body" ] && [ "$body" != "$site" ]; then remove_key "$body" "the previous key"; fi
  done <<<"${HIVE_ADMIN_RETIRE:-}"
}

reload_sshd() {
  local unit
  for unit in ssh sshd; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl reload "$unit"
      return
    fi
  done
  # Without systemd: the oldest sshd is the listener, which reads its configuration again on SIGHUP.
  pkill -HUP -o -x sshd
}

case "$HIVE_ACTION" in
  grant) grant ;;
  password)
    if [ -f "$sshd_dir/00-hive.conf" ]; then
      rm -f "$sshd_dir/00-hive.conf"
      sshd -t
      reload_sshd
      echo "password login is back"
    fi
    ;;
  drop-key) remove_key "$(key_body "$HIVE_ADMIN_PUBKEY")" "the site key" ;;
  *)
    echo "HIVE_ACTION must be grant, password or drop-key, not $HIVE_ACTION" >&2
    exit 2
    ;;
esac
