#!/usr/bin/env bash
# Stand-in for the system tools the setup scripts call. Installed under each tool's name in a test's
# bin directory; it records every call in $STUB_STATE/calls.log ("M" mutating, "R" reading, "F" failed
# on purpose) and keeps a simulated machine's state under $STUB_STATE. A line in $STUB_STATE/fail-once
# makes the next mutating call starting with that text fail once.
set -euo pipefail
S="${STUB_STATE:?STUB_STATE not set}"
ROOT="${ROOT:-}"
here="$(dirname "$(readlink -f "$0")")"
cmd="$(basename "$0")"
line="$cmd $*"

# shellcheck source-path=SCRIPTDIR source=record.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/record.sh"
reads() { log R; }
key() { printf '%s' "$1" | tr '/' '_'; }
last() { printf '%s' "${!#}"; }
installed() { [ -f "$S/pkgs/$1" ]; }
install_pkg() {
  local p="$1"
  case "$p" in
    -y) return 0 ;;
    http*://*)
      p="$(basename "$p")"
      p="${p%%-[0-9]*}"
      p="${p%%-latest*}"
      ;;
  esac
  mkdir -p "$S/pkgs"
  touch "$S/pkgs/$p"
  if [ "$p" = chrony ]; then
    mkdir -p "$ROOT/etc/chrony"
    [ -f "$ROOT/etc/chrony.conf" ] || printf 'pool 2.almalinux.pool.ntp.org iburst\ndriftfile /var/lib/chrony/drift\n' >"$ROOT/etc/chrony.conf"
    [ -f "$ROOT/etc/chrony/chrony.conf" ] || printf 'pool ntp.ubuntu.com iburst maxsources 4\n' >"$ROOT/etc/chrony/chrony.conf"
  fi
}

case "$cmd" in
  mkdir | mv)
    # File tools pass through to the real ones (the paths are under ROOT); they can be told to fail
    # once, to interrupt a step between two file changes.
    mutate_log=P
    if [ -f "$S/fail-once" ] && grep -qx "$cmd.*" "$S/fail-once"; then
      pattern="$(grep -x "$cmd.*" "$S/fail-once" | head -1)"
      if [[ "$line" == "$pattern"* ]]; then
        grep -vxF "$pattern" "$S/fail-once" >"$S/fail-once.new" || true
        /bin/mv "$S/fail-once.new" "$S/fail-once"
        log F
        echo "stub: '$line' failed on purpose" >&2
        exit 1
      fi
    fi
    log "$mutate_log"
    if [ -x "/usr/bin/$cmd" ]; then exec "/usr/bin/$cmd" "$@"; else exec "/bin/$cmd" "$@"; fi
    ;;
  sudo)
    [ "${1:-}" = -n ] && shift
    exec "$@"
    ;;
  sleep | sshd | rsyslogd | ip | arping | ping) reads ;;
  rpm)
    if [ "$1" = -q ]; then
      reads
      installed "$2"
    else mutate; fi
    ;;
  dpkg-query)
    reads
    if installed "$(last "$@")"; then printf 'install ok installed'; fi
    ;;
  dpkg) mutate && install_pkg zabbix-release ;;
  dnf | apt-get)
    mutate
    case "$1" in
      install) shift && for p in "$@"; do install_pkg "$p"; done ;;
      remove) shift && for p in "$@"; do rm -f "$S/pkgs/$p"; done ;;
    esac
    ;;
  add-apt-repository)
    mutate
    mkdir -p "$ROOT/etc/apt/sources.list.d"
    touch "$ROOT/etc/apt/sources.list.d/linbit-ubuntu-linbit-drbd9-stack-noble.sources"
    ;;
  systemctl)
    mkdir -p "$S/units"
    unit="$(last "$@")"
    case "$1" in
      is-enabled) reads && [ -f "$S/units/$unit.enabled" ] ;;
      is-active) reads && [ -f "$S/units/$unit.active" ] ;;
      enable) mutate && touch "$S/units/$unit.enabled" ;;
      start | restart) mutate && touch "$S/units/$unit.active" ;;
      disable) mutate && rm -f "$S/units/$unit.enabled" "$S/units/$unit.active" ;;
      daemon-reload | kill) mutate ;;
      *) echo "stub systemctl: unknown $1" >&2 && exit 2 ;;
    esac
    ;;
  hostnamectl)
    if [ "$1" = hostname ]; then
      reads
      cat "$S/hostname" 2>/dev/null || echo localhost.localdomain
    else mutate && printf '%s\n' "$2" >"$S/hostname"; fi
    ;;
  timedatectl)
    if [ "$1" = show ]; then
      reads
      cat "$S/timezone" 2>/dev/null || echo UTC
    else mutate && printf '%s\n' "$2" >"$S/timezone"; fi
    ;;
  localectl)
    if [ "$1" = status ]; then
      reads
      echo "   System Locale: $(cat "$S/locale" 2>/dev/null || echo LANG=C.UTF-8)"
    else mutate && printf '%s\n' "$2" >"$S/locale"; fi
    ;;
  getenforce) reads && { cat "$S/selinux" 2>/dev/null || echo Enforcing; } ;;
  setenforce)
    mutate
    if [ "$1" = 0 ]; then echo Permissive >"$S/selinux"; else echo Enforcing >"$S/selinux"; fi
    ;;
  update-ca-trust | update-ca-certificates) mutate ;;
  getent) reads && grep "^$2:" "$S/$1" 2>/dev/null ;;
  groupadd)
    mutate
    printf '%s:x:%s:\n' "$(last "$@")" "$([ "$1" = -g ] && echo "$2" || echo 1000)" >>"$S/group"
    ;;
  useradd)
    mutate
    printf '%s:x:%s\n' "$(last "$@")" "$*" >>"$S/passwd"
    mkdir -p "$ROOT/home/$(last "$@")"
    ;;
  chown) mutate && echo "${*//$ROOT/}" >>"$S/chown.log" ;;
  id) reads && { cat "$S/groups-$2" 2>/dev/null || echo "$2 wheel"; } ;;
  usermod) mutate && echo "$(last "$@") wheel docker" >"$S/groups-$(last "$@")" ;;
  lsmod)
    reads
    for m in "$S"/modules/*; do [ -e "$m" ] && printf '%s 1 0\n' "$(basename "$m")"; done
    true
    ;;
  modprobe) mutate && mkdir -p "$S/modules" && touch "$S/modules/$1" ;;
  # The version of a loaded module: $S/module-version/<name>, default 9.2.12 (DRBD 9).
  modinfo) reads && [ -f "$S/modules/$(last "$@")" ] && { cat "$S/module-version/$(last "$@")" 2>/dev/null || echo 9.2.12; } ;;
  blockdev) reads && cat "$S/disks/$(key "$(last "$@")")/size" 2>/dev/null ;;
  blkid) reads && [ -f "$S/disks/$(key "$(last "$@")")/signature" ] ;;
  parted)
    if [ "$2" = -m ]; then
      reads
      d="$S/disks/$(key "$3")"
      [ -d "$d" ] || exit 1
      echo "BYT;"
      echo "$3:$(cat "$d/size")B:scsi:512:512:gpt:stub:;"
      if [ -f "$d/parts" ]; then cat "$d/parts"; fi
    else
      mutate
      d="$S/disks/$(key "$2")"
      [ -d "$d" ] || { echo "parted: no disk $2" >&2 && exit 1; }
      echo "1:2048s:999999s:997952s::hive-drbd:lvm;" >"$d/parts"
    fi
    ;;
  pvs) reads && [ -f "$S/lvm/pv-$(key "$1")" ] ;;
  pvcreate) mutate && mkdir -p "$S/lvm" && touch "$S/lvm/pv-$(key "$1")" ;;
  vgs) reads && [ -f "$S/lvm/vg-$1" ] ;;
  vgcreate)
    mutate
    [ -f "$S/lvm/pv-$(key "$2")" ] || { echo "vgcreate: $2 is no physical volume" >&2 && exit 5; }
    echo "$2" >"$S/lvm/vg-$1"
    ;;
  lvs) reads && [ -f "$S/lvm/lv-$(key "$1")" ] ;;
  lvcreate)
    mutate
    vg="$(last "$@")"
    [ -f "$S/lvm/vg-$vg" ] || exit 5
    touch "$S/lvm/lv-${vg}_$(printf '%s\n' "$@" | grep -A1 -x -- -n | tail -1)"
    ;;
  htpasswd)
    pw="$(cat)"
    hash="$(printf '%s' "$pw" | sha256sum | cut -c1-16)"
    if [ "$1" = -v ]; then
      reads
      [ -f "$3" ] && [ "$(cat "$3")" = "$4:stub:$hash" ]
    else
      mutate
      printf '%s:stub:%s\n' "$5" "$hash" >"$4"
    fi
    ;;
  iptables)
    mkdir -p "$S/iptables"
    case "$1" in
      -n) reads && [ -f "$S/iptables/$3" ] ;;
      -S)
        reads
        [ -f "$S/iptables/$2" ] || exit 1
        echo "-N $2"
        sed "s/^/-A $2 /" "$S/iptables/$2"
        ;;
      -C)
        reads
        chain="$2"
        shift 2
        [ -f "$S/iptables/$chain" ] && grep -qxF -- "$*" "$S/iptables/$chain"
        ;;
      -I)
        mutate
        chain="$2"
        shift 3
        { echo "$*" && cat "$S/iptables/$chain" 2>/dev/null; } >"$S/iptables/$chain.new" || true
        mv "$S/iptables/$chain.new" "$S/iptables/$chain"
        ;;
      *) echo "stub iptables: unknown $1" >&2 && exit 2 ;;
    esac
    ;;
  iptables-restore)
    mutate
    mkdir -p "$S/iptables"
    input="$(cat)"
    while read -r chain; do : >"$S/iptables/$chain"; done < <(sed -n 's/^:\([^ ]*\) - .*/\1/p' <<<"$input")
    while read -r _ chain rest; do printf '%s\n' "$rest" >>"$S/iptables/$chain"; done < <(grep '^-A ' <<<"$input")
    ;;
  curl)
    out=""
    data=0
    args=("$@")
    for ((i = 0; i < ${#args[@]}; i++)); do
      [ "${args[i]}" = -o ] && out="${args[i + 1]}"
      [ "${args[i]}" = -d ] && data=1
    done
    if [ -n "$out" ]; then
      mutate
      echo "downloaded $(last "$@")" >"$out"
    elif [ "$data" = 1 ]; then
      exec bash "$here/zabbix-api.sh" "$line"
    else
      reads
    fi
    ;;
  docker) exec bash "$here/docker.sh" "$@" ;;
  python3 | python3.12 | python | ansible-galaxy) exec bash "$here/python.sh" "$0" "$@" ;;
  *) echo "stub: no behaviour for $cmd" >&2 && exit 2 ;;
esac
