# shellcheck shell=bash
# Helpers shared by every host step. The program sends this file in front of each step's script, so
# a step runs as one self-contained text on the server; a step run from a checkout sources it instead.
#
# Common parameters (environment):
#   ROOT      prefix for every file path (default empty: the real /); tests point it at a temp dir.
#   HIVE_STEP name of the step, used in messages.
# Secrets never arrive in the environment or the command text: they come on standard input as
# lines `NAME=<base64 of the value>`, read with hive_read_secrets.

set -euo pipefail
ROOT="${ROOT:-}"
HIVE_STEP="${HIVE_STEP:-$(basename "$0" .sh)}"
HIVE_CHANGES=0

hive_log() { printf '%s: %s\n' "$HIVE_STEP" "$*"; }

# Records and prints one change the step made.
hive_changed() {
  HIVE_CHANGES=$((HIVE_CHANGES + 1))
  printf '%s: changed: %s\n' "$HIVE_STEP" "$*"
}

hive_die() {
  printf '%s: error: %s\n' "$HIVE_STEP" "$*" >&2
  exit 1
}

# Prints the final line: how many changes this run made.
hive_done() {
  if [ "$HIVE_CHANGES" -eq 0 ]; then
    hive_log "no change"
  else
    hive_log "$HIVE_CHANGES change(s)"
  fi
}

# Fails with a clear message when a required parameter is empty.
hive_require() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || hive_die "parameter $name is required"
  done
}

# Reads `NAME=<base64>` lines from standard input and sets each listed NAME to the decoded value.
# Every listed name must arrive.
hive_read_secrets() {
  local line name value wanted
  while IFS= read -r line || [ -n "$line" ]; do
    name="${line%%=*}"
    value="${line#*=}"
    for wanted in "$@"; do
      if [ "$name" = "$wanted" ]; then
        printf -v "$name" '%s' "$(printf '%s' "$value" | base64 -d)"
      fi
    done
  done
  for wanted in "$@"; do
    [ -n "${!wanted:-}" ] || hive_die "secret $wanted missing on standard input"
  done
}

# The operating system from os-release: HIVE_OS is the family, el (AlmaLinux, RHEL, Rocky) or debian
# (Debian, Ubuntu); HIVE_OS_ID the distribution (almalinux, rhel, rocky, debian, ubuntu); HIVE_OS_MAJOR
# its major version (8, 9, 10; 13; 24). Supported: EL 8, 9 and 10, Debian 13, Ubuntu 24.04; another version
# of these distributions runs with a warning, another distribution stops the step.
hive_os_detect() {
  local id="" id_like="" version=""
  [ -r "$ROOT/etc/os-release" ] || hive_die "$ROOT/etc/os-release not found: cannot tell the OS family"
  # shellcheck disable=SC1091
  id="$(. "$ROOT/etc/os-release" && printf '%s' "${ID:-}")"
  # shellcheck disable=SC1091
  id_like="$(. "$ROOT/etc/os-release" && printf '%s' "${ID_LIKE:-}")"
  # shellcheck disable=SC1091
  version="$(. "$ROOT/etc/os-release" && printf '%s' "${VERSION_ID:-}")"
  HIVE_OS_ID="$id"
  HIVE_OS_MAJOR="${version%%.*}"
  case " $id $id_like " in
    *" rhel "* | *" fedora "* | *" centos "* | *" almalinux "*) HIVE_OS=el ;;
    *" debian "* | *" ubuntu "*) HIVE_OS=debian ;;
    *) hive_die "unsupported OS '$id' (supported: AlmaLinux, RHEL or Rocky Linux 8, 9 and 10; Debian 13; Ubuntu 24.04)" ;;
  esac
  case "$HIVE_OS:$id:$HIVE_OS_MAJOR" in
    el:*:8 | el:*:9 | el:*:10 | debian:debian:13 | debian:ubuntu:24) ;;
    *) printf '%s: warning: %s %s is not a tested version (tested: EL 8, 9, 10; Debian 13; Ubuntu 24.04)\n' "$HIVE_STEP" "$id" "$version" >&2 ;;
  esac
}

# The OS, detected once when the helpers load (a step on an unsupported OS stops here).
# shellcheck disable=SC2034 # HIVE_OS_ID and HIVE_OS_MAJOR are read by the steps
HIVE_OS="" HIVE_OS_ID="" HIVE_OS_MAJOR=""
hive_os_detect

# The package sources of a site (proxy, pip index) live in the hive block of /etc/environment, which
# the base step writes first. Every step exports them, so apt, dnf, curl, pip and ansible-galaxy of
# every step go through the site's proxy; sudo does not pass /etc/environment on by itself.
hive_load_environment() {
  local line
  [ -r "$ROOT/etc/environment" ] || return 0
  while IFS= read -r line; do
    case "$line" in
      [A-Za-z_]*=*) export "${line?}" ;;
    esac
  done < <(awk '$0 == "# BEGIN hive environment" { on = 1; next } $0 == "# END hive environment" { on = 0 } on' "$ROOT/etc/environment")
}
hive_load_environment

hive_pkg_installed() {
  if [ "$HIVE_OS" = el ]; then
    rpm -q "$1" >/dev/null 2>&1
  else
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
  fi
}

# Runs a command that uses the package database (dnf, rpm, apt-get, dpkg, add-apt-repository). The
# steps of one server run at the same time and these tools refuse to run twice at once ("Could not get
# lock /var/lib/dpkg/lock-frontend"), so every such command of every step takes one lock in turn.
hive_pkg_locked() {
  mkdir -p "$ROOT/var/lib/hive"
  DEBIAN_FRONTEND=noninteractive flock "$ROOT/var/lib/hive/pkg.lock" "$@"
}

# The package manager of the OS (dnf on EL, apt-get on Debian/Ubuntu) with its arguments, locked.
hive_pkg() {
  if [ "$HIVE_OS" = el ]; then
    hive_pkg_locked dnf "$@"
  else
    hive_pkg_locked apt-get "$@"
  fi
}

# The package lists are refreshed before an install when a step changed the sources (mark
# /var/lib/hive/sources-changed, shared by every step of the server: apt-get update, dnf makecache) or,
# on apt, when there are none yet (a fresh server); an apt install that fails on stale lists refreshes
# them and tries once more.
HIVE_SOURCES_MARK="$ROOT/var/lib/hive/sources-changed"
hive_refresh_lists() {
  if [ "$HIVE_OS" = el ]; then hive_pkg makecache; else hive_pkg update; fi
  rm -f "$HIVE_SOURCES_MARK"
}
hive_sources_changed() {
  mkdir -p "$ROOT/var/lib/hive"
  touch "$HIVE_SOURCES_MARK"
}

# Installs the packages that are not installed yet.
hive_pkg_install() {
  local missing=() pkg lists
  for pkg in "$@"; do
    hive_pkg_installed "$pkg" || missing+=("$pkg")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  if [ "$HIVE_OS" = el ]; then
    if [ -e "$HIVE_SOURCES_MARK" ]; then hive_refresh_lists; fi
    hive_pkg install -y "${missing[@]}"
  else
    lists="$(find "$ROOT/var/lib/apt/lists" -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n 1 || true)"
    if [ -z "$lists" ] || [ -e "$HIVE_SOURCES_MARK" ]; then hive_refresh_lists; fi
    if ! hive_pkg install -y "${missing[@]}"; then
      hive_log "install failed: refreshing the package lists and trying again"
      hive_refresh_lists
      hive_pkg install -y "${missing[@]}"
    fi
  fi
  hive_changed "installed ${missing[*]}"
}

# The file helpers below set HIVE_WROTE to 1 when they changed the file, else 0; test it with
# hive_wrote. They return 0 so that a failure inside them stops the step (set -e does not apply
# inside a function called as a condition).
HIVE_WROTE=0
hive_wrote() { [ "$HIVE_WROTE" -eq 1 ]; }

# Writes CONTENT to ROOT+PATH with MODE when the file differs.
hive_install_file() {
  local path="$ROOT$1" mode="$2" content tmp
  # The file gets the content with exactly one final newline.
  content="$(printf '%s' "$3")"
  HIVE_WROTE=0
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ] &&
    [ "$(stat -c '%a' "$path")" = "${mode#0}" ]; then
    return 0
  fi
  mkdir -p "$(dirname "$path")"
  tmp="$(mktemp "$path.XXXXXX")"
  chmod "$mode" "$tmp"
  printf '%s\n' "$content" >"$tmp"
  mv -f "$tmp" "$path"
  HIVE_WROTE=1
  hive_changed "wrote $1"
}

# Replaces (or appends) the block between `# BEGIN <marker>` and `# END <marker>` in ROOT+PATH.
hive_block_in_file() {
  local path="$ROOT$1" marker="$2" block="$3" current="" updated
  HIVE_WROTE=0
  [ -f "$path" ] && current="$(cat "$path")"
  updated="$(printf '%s\n' "$current" | awk -v b="# BEGIN $marker" -v e="# END $marker" '
    $0 == b { skip = 1; next }
    $0 == e { skip = 0; next }
    !skip { print }')"
  updated="$(printf '%s\n' "$updated" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')"
  [ -n "$updated" ] && updated="$updated"$'\n'
  updated="$updated# BEGIN $marker"$'\n'"$block"$'\n'"# END $marker"
  if [ -f "$path" ] && [ "$current" = "$updated" ]; then return 0; fi
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$updated" >"$path.hive-new"
  mv -f "$path.hive-new" "$path"
  HIVE_WROTE=1
  hive_changed "updated block '$marker' in $1"
}

# Removes the block between `# BEGIN <marker>` and `# END <marker>` from ROOT+PATH, when it is there.
hive_remove_block() {
  local path="$ROOT$1" marker="$2"
  [ -f "$path" ] && grep -xF "# BEGIN $marker" "$path" >/dev/null || return 0
  awk -v b="# BEGIN $marker" -v e="# END $marker" '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' \
    "$path" >"$path.hive-new"
  mv -f "$path.hive-new" "$path"
  hive_changed "removed block '$marker' from $1"
}

# Points the distribution's package sources at a mirror: hive_mirror_sources <url or ""> <file>...
# The first run keeps each file as it came under /var/lib/hive/sources/, and every run writes the kept
# file with the official archive replaced by the mirror (or the kept file itself when the mirror is
# unset), so a changed or removed mirror comes out right. apt: deb.debian.org/debian and
# [cc.]archive.ubuntu.com/ubuntu (not the security archives); AlmaLinux and Rocky: the commented
# baseurl is set to the mirror and the mirrorlist commented out. A change refreshes the package lists.
hive_mirror_sources() {
  local url="${1%/}" file rel orig wanted esc
  shift
  esc="$(printf '%s' "$url" | sed -e 's/[#&\\]/\\&/g')"
  for file in "$@"; do
    [ -f "$file" ] || continue
    rel="${file#"$ROOT"}"
    orig="$ROOT/var/lib/hive/sources$rel"
    if [ ! -f "$orig" ]; then
      [ -n "$url" ] || continue
      mkdir -p "$(dirname "$orig")"
      cp -p "$file" "$orig"
    fi
    if [ -z "$url" ]; then
      wanted="$(cat "$orig")"
    elif [ "$HIVE_OS" = el ]; then
      wanted="$(sed -E -e 's#^mirrorlist=#\#mirrorlist=#' \
        -e "s#^\\#[[:space:]]*baseurl=https?://repo\.almalinux\.org/almalinux/#baseurl=$esc/#" \
        -e "s#^\\#[[:space:]]*baseurl=https?://dl\.rockylinux\.org/\\\$contentdir/#baseurl=$esc/#" "$orig")"
    else
      wanted="$(sed -E -e "s#https?://deb\.debian\.org/debian/?([[:space:]]|\$)#$esc\1#g" \
        -e "s#https?://([a-z]{2}\.)?archive\.ubuntu\.com/ubuntu/?([[:space:]]|\$)#$esc\2#g" "$orig")"
    fi
    if [ "$(cat "$file")" != "$wanted" ]; then
      printf '%s\n' "$wanted" >"$file.hive-new"
      chmod --reference="$file" "$file.hive-new" 2>/dev/null || chmod 0644 "$file.hive-new"
      mv -f "$file.hive-new" "$file"
      hive_sources_changed
      if [ -n "$url" ]; then hive_changed "package sources of $rel point to $url"; else hive_changed "package sources of $rel restored"; fi
    fi
  done
}

# Sets `KEY VALUE` (sshd_config style) or `KEY=VALUE` (sep "=") in ROOT+PATH.
hive_set_option() {
  local path="$ROOT$1" key="$2" value="$3" sep="${4:- }" line
  HIVE_WROTE=0
  line="$key$sep$value"
  if [ -f "$path" ] && grep -qxF "$line" "$path"; then
    return 0
  fi
  mkdir -p "$(dirname "$path")"
  touch "$path"
  if grep -qE "^#?[[:space:]]*${key}[[:space:]=]" "$path"; then
    sed -i -E "0,/^#?[[:space:]]*${key}[[:space:]=].*/s||$line|" "$path"
  else
    printf '%s\n' "$line" >>"$path"
  fi
  HIVE_WROTE=1
  hive_changed "set $line in $1"
}

# Enables and starts a systemd unit when it is not yet.
hive_enable_now() {
  local unit="$1"
  if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
    systemctl enable "$unit"
    hive_changed "enabled $unit"
  fi
  if ! systemctl is-active --quiet "$unit" 2>/dev/null; then
    systemctl start "$unit"
    hive_changed "started $unit"
  fi
}

# A unit whose configuration changed is marked, and restarted by hive_apply_restarts; the mark survives
# a failed restart so the next run restarts it again. Marks belong to the step that set them: the steps
# of a server run at the same time, and one step applying another's marks would restart a unit several
# times at once (systemd then refuses it: "start request repeated too quickly").
hive_mark_restart() {
  mkdir -p "$ROOT/var/lib/hive/restart"
  touch "$ROOT/var/lib/hive/restart/$HIVE_STEP@$1"
}

# Marks a unit for restart when it is running (a stopped one reads the new configuration at start).
hive_restart_if_running() {
  if systemctl is-active --quiet "$1" 2>/dev/null; then hive_mark_restart "$1"; fi
}

hive_apply_restarts() {
  local mark unit reloaded=0
  for mark in "$ROOT/var/lib/hive/restart/$HIVE_STEP@"*; do
    [ -e "$mark" ] || continue
    unit="${mark##*@}"
    if [ "$reloaded" -eq 0 ]; then
      systemctl daemon-reload
      reloaded=1
    fi
    systemctl restart "$unit"
    rm -f "$mark"
    hive_changed "restarted $unit"
  done
}

# What a step's delete undoes belongs to the resource that made it last: HIVE_OWNER, the resource's name,
# given to every step that has a delete. hive_claim <object> records it on each run; hive_not_mine
# <object> tells the delete that another resource has taken the object over since (a renamed step: the
# engine runs the new resource's create before the old one's delete), so the delete must leave it alone.
hive_claim() {
  [ -n "${HIVE_OWNER:-}" ] || return 0
  local mark="$ROOT/var/lib/hive/owner/$1"
  if [ ! -f "$mark" ] || [ "$(cat "$mark")" != "$HIVE_OWNER" ]; then
    mkdir -p "$ROOT/var/lib/hive/owner"
    printf '%s\n' "$HIVE_OWNER" >"$mark"
  fi
}
hive_not_mine() {
  local mark="$ROOT/var/lib/hive/owner/$1"
  [ -n "${HIVE_OWNER:-}" ] && [ -f "$mark" ] && [ "$(cat "$mark")" != "$HIVE_OWNER" ]
}
hive_owner_of() { cat "$ROOT/var/lib/hive/owner/$1"; }
hive_release() { rm -f "$ROOT/var/lib/hive/owner/$1"; }

# An action owed after a change (reload a trust store, bring a compose project up…) is marked
# pending first, and the mark is cleared only after the action succeeded: a run interrupted between
# the change and the action does the action on the next run.
hive_mark_pending() {
  mkdir -p "$ROOT/var/lib/hive/pending"
  touch "$ROOT/var/lib/hive/pending/$HIVE_STEP-$1"
}
hive_pending() { [ -e "$ROOT/var/lib/hive/pending/$HIVE_STEP-$1" ]; }
hive_clear_pending() { rm -f "$ROOT/var/lib/hive/pending/$HIVE_STEP-$1"; }
# (Pipelines into grep use `grep … >/dev/null`, not `grep -q`: with pipefail, grep -q exiting early can
# fail the writer with SIGPIPE and turn a match into a mismatch.)
