#!/bin/bash
# Gives the site key its way in to one prepared server. Runs on the machine that runs hive, with the
# OpenSSH client, as a local command of the host fleet; every later step logs in with the site key.
#
# grant (create and update): log in with what works, in this order — the site key, the key it replaces,
# root with the root password — and make sure the admin user, its sudo rule and the site key are there;
# then check that the site key logs in and gets sudo, and only then retire the replaced key. Password
# login is turned off later by the host's base step, so the password stays a way in until the key works.
# release (delete: the site or the server leaves the stack): when the root password opened the server,
# turn password login back on, check that the password works, and only then remove the site key. A site
# destroyed and built again (a new key) gets in the way it first did. Without a root password the site
# key was the operator's to install, and stays.
#
# Parameters (environment): HIVE_ACTION (grant | release), HIVE_HOST, HIVE_ADMIN_USER, HIVE_USER_SCRIPT
# (admin-user.sh, run as root on the server), HIVE_PORT (22), HIVE_DIAL_TRIES (attempts while the server
# does not answer, 5 s apart).
# Secrets (standard input, lines NAME=<base64>): HIVE_KEY (the site's private key), HIVE_RETIRED_KEY and
# HIVE_ROOT_PASSWORD (both optional).
set -euo pipefail

: "${HIVE_ACTION:?}" "${HIVE_HOST:?}" "${HIVE_ADMIN_USER:?}" "${HIVE_USER_SCRIPT:?}"
port="${HIVE_PORT:-22}"
tries="${HIVE_DIAL_TRIES:-30}"
target="$HIVE_ADMIN_USER@$HIVE_HOST"

say() { printf 'access %s: %s\n' "$HIVE_HOST" "$*"; }
fail() {
  printf 'access %s: error: %s\n' "$HIVE_HOST" "$*" >&2
  exit 1
}

HIVE_KEY="" HIVE_RETIRED_KEY="" HIVE_ROOT_PASSWORD=""
while IFS= read -r line || [ -n "$line" ]; do
  case "${line%%=*}" in
    HIVE_KEY | HIVE_RETIRED_KEY | HIVE_ROOT_PASSWORD) printf -v "${line%%=*}" '%s' "$(printf '%s' "${line#*=}" | base64 -d)" ;;
  esac
done
[ -n "$HIVE_KEY" ] || fail "the site key is missing on standard input"
export HIVE_ROOT_PASSWORD

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
printf '%s\n' "$HIVE_KEY" >"$work/site"
site_pub="$(ssh-keygen -y -f "$work/site" 2>/dev/null)" || fail "the site key is not a private key ssh can use (or has a passphrase)"
retired_pub=""
if [ -n "$HIVE_RETIRED_KEY" ]; then
  printf '%s\n' "$HIVE_RETIRED_KEY" >"$work/retired"
  retired_pub="$(ssh-keygen -y -f "$work/retired" 2>/dev/null)" || retired_pub=""
  [ "$retired_pub" != "$site_pub" ] || retired_pub=""
fi
# ssh runs this to read the root password: it never appears on a command line.
# shellcheck disable=SC2016 # expanded by the askpass script, not here
printf '#!/bin/sh\nprintf "%%s\\n" "$HIVE_ROOT_PASSWORD"\n' >"$work/askpass"
chmod 700 "$work/askpass"

common=(-F /dev/null -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  -o ConnectTimeout=10 -o ServerAliveInterval=15)

# with_key FILE USER COMMAND… / with_password COMMAND…: one ssh session; standard input goes to COMMAND.
with_key() {
  local key=$1 user=$2
  shift 2
  ssh "${common[@]}" -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o PasswordAuthentication=no \
    -o KbdInteractiveAuthentication=no -i "$key" "$user@$HIVE_HOST" "$@"
}
with_password() {
  SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force ssh "${common[@]}" -o BatchMode=no -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password,keyboard-interactive -o NumberOfPasswordPrompts=1 "root@$HIVE_HOST" "$@"
}

# probe WAY: 0 = logged in, 1 = refused, 2 = the server does not answer.
probe() {
  local rc=0
  case "$1" in
    site) with_key "$work/site" "$HIVE_ADMIN_USER" true </dev/null 2>"$work/err" || rc=$? ;;
    retired) with_key "$work/retired" "$HIVE_ADMIN_USER" true </dev/null 2>"$work/err" || rc=$? ;;
    password) with_password true </dev/null 2>"$work/err" || rc=$? ;;
  esac
  if [ "$rc" -eq 0 ]; then return 0; fi
  if [ "$rc" -eq 255 ] && grep -qiE 'permission denied|authentication|too many' "$work/err"; then return 1; fi
  # Any other failure (refused or timed out connection, no route) counts as not answering.
  return 2
}

# first_way WAY…: prints the first way in that works; waits while the server does not answer at all.
first_way() {
  local attempt way answered
  for attempt in $(seq 1 "$tries"); do
    answered=0
    for way in "$@"; do
      if probe "$way"; then
        printf '%s\n' "$way"
        return 0
      elif [ $? -eq 1 ]; then
        answered=1
      fi
    done
    if [ "$answered" -eq 1 ]; then return 1; fi
    [ "$attempt" -eq "$tries" ] || sleep 5
  done
  return 2
}

# as_root WAY ACTION [RETIRE]: runs admin-user.sh on the server as root through WAY.
as_root() {
  local way=$1 script
  script="$(printf 'HIVE_ACTION=%q\nHIVE_ADMIN_USER=%q\nHIVE_ADMIN_PUBKEY=%q\nHIVE_ADMIN_RETIRE=%q\n' "$2" "$HIVE_ADMIN_USER" "$site_pub" "${3:-}")
$HIVE_USER_SCRIPT"
  case "$way" in
    site) with_key "$work/site" "$HIVE_ADMIN_USER" "sudo -n bash -s" <<<"$script" ;;
    retired) with_key "$work/retired" "$HIVE_ADMIN_USER" "sudo -n bash -s" <<<"$script" ;;
    password) with_password "bash -s" <<<"$script" ;;
  esac
}

grant() {
  local ways=(site) way
  [ -z "$retired_pub" ] || ways+=(retired)
  [ -z "$HIVE_ROOT_PASSWORD" ] || ways+=(password)
  way="$(first_way "${ways[@]}")" || case $? in
    1)
      local tried="the site key"
      [ -z "$retired_pub" ] || tried+=", the previous site key"
      [ -z "$HIVE_ROOT_PASSWORD" ] || tried+=", root with root_password (refused: is PermitRootLogin yes, is it the right password, or has password login been turned off?)"
      fail "cannot log in to $target with $tried: $(tr '\n' ' ' <"$work/err")"
      ;;
    *) fail "$HIVE_HOST:$port does not answer ssh after $tries attempts: $(tr '\n' ' ' <"$work/err")" ;;
  esac
  [ "$way" = site ] || say "logged in with the $( [ "$way" = retired ] && echo "previous site key" || echo "root password")"
  as_root "$way" grant
  if ! with_key "$work/site" "$HIVE_ADMIN_USER" "sudo -n true" </dev/null 2>"$work/err"; then
    fail "the site key was installed for $target but does not log in with sudo: $(tr '\n' ' ' <"$work/err")"
  fi
  if [ -n "$retired_pub" ]; then as_root site grant "$retired_pub"; fi
  say "the site key logs in as $HIVE_ADMIN_USER with sudo"
}

release() {
  if [ -z "$HIVE_ROOT_PASSWORD" ]; then
    say "no root password: the site key stays, as the operator installed it"
    return 0
  fi
  local way
  way="$(first_way site password)" || fail "cannot log in to $target to give password login back (if the server is gone, remove this resource with pulumi state delete): $(tr '\n' ' ' <"$work/err")"
  if [ "$way" = site ]; then as_root site password; fi
  # sshd reads its settings again a moment after the reload.
  local attempt
  for attempt in 1 2 3 4 5 6; do
    if probe password; then break; fi
    [ "$attempt" -lt 6 ] || fail "password login to root@$HIVE_HOST does not work after turning it back on; the site key stays so the server is not locked out"
    sleep 1
  done
  as_root password drop-key
  say "password login is back and the site key is gone"
}

case "$HIVE_ACTION" in
  grant) grant ;;
  release) release ;;
  *) fail "HIVE_ACTION must be grant or release, not $HIVE_ACTION" ;;
esac
