#!/usr/bin/env bash
# Installs one generated file on the repository server and restarts a unit when it changed; HIVE_ACTION=delete
# removes it. Writes nothing when the content is already there.
#
# Environment: HIVE_FILE_PATH, HIVE_FILE_CONTENT, HIVE_FILE_MODE (default 0644), HIVE_RESTART_UNIT (optional),
#              ROOT (prefix for file paths, tests), HIVE_ACTION (create|delete)
#              HIVE_FILE_FROM_STDIN=1: the content (a secret) comes on standard input instead of HIVE_FILE_CONTENT
#              HIVE_FILE_OWNER (optional): the user that owns the file (who must read a private one)
set -euo pipefail

: "${HIVE_FILE_PATH:?}"
ROOT="${ROOT:-}"
path="$ROOT$HIVE_FILE_PATH"

restart() {
  if [ -n "${HIVE_RESTART_UNIT:-}" ] && systemctl is-active "$HIVE_RESTART_UNIT" >/dev/null 2>&1; then
    systemctl restart "$HIVE_RESTART_UNIT"
  fi
}

if [ "${HIVE_ACTION:-create}" = delete ]; then
  if [ -e "$path" ]; then
    rm -f "$path"
    restart
  fi
  exit 0
fi

# Command substitution drops trailing newlines on both sides, so the comparison is exact line-wise.
if [ "${HIVE_FILE_FROM_STDIN:-0}" = 1 ]; then
  want="$(cat)"
else
  : "${HIVE_FILE_CONTENT?}"
  want="$(printf '%s' "$HIVE_FILE_CONTENT")"
fi
if [ -f "$path" ] && [ "$(cat "$path")" = "$want" ]; then
  if [ -n "${HIVE_FILE_OWNER:-}" ] && [ "$(stat -c %U "$path")" != "$HIVE_FILE_OWNER" ]; then chown "$HIVE_FILE_OWNER" "$path"; fi
  exit 0
fi
mkdir -p "$(dirname "$path")"
# Created private, then given its mode: a secret is never readable by others, not even for a moment.
(umask 077 && printf '%s\n' "$want" >"$path.hive-new")
chmod "${HIVE_FILE_MODE:-0644}" "$path.hive-new"
if [ -n "${HIVE_FILE_OWNER:-}" ]; then chown "$HIVE_FILE_OWNER" "$path.hive-new"; fi
mv "$path.hive-new" "$path"
restart
