#!/usr/bin/env bash
# Three disposable test servers for the end-to-end suite, built only from Debian packages.
#
#   scripts/e2e/servers.sh up       build (or reuse) the image and start s1..s3
#   scripts/e2e/servers.sh status   show what runs and check ssh + docker on each server
#   scripts/e2e/servers.sh down     stop and remove everything `up` started
#
# Each server is a container of a private dockerd (own socket, data root and bridge, so it
# cannot clash with another dockerd on the machine) on a bridge network with a fixed IP. Inside
# run sshd (user `admin`, key in the cache, passwordless sudo; root logs in with the password in the
# cache, as on a server prepared for hive's root_password) and a nested dockerd, which is
# enough for swarm, overlay networks and nested containers. Needs root and the Debian packages
# docker.io, debootstrap and openssh-client.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HIVE_E2E_CACHE:-$HOME/.cache/hive/e2e}
# Kept short: unix socket paths are limited to 108 bytes.
RUN=${HIVE_E2E_RUN:-/tmp/hive-e2e}
SOCK=$RUN/docker.sock
IMAGE=hive-e2e-server
NETWORK=hive-e2e
BRIDGE=hive-e2e0
SUBNET=10.88.0.0/24
GATEWAY=10.88.0.1
SERVERS=(s1:10.88.0.11 s2:10.88.0.12 s3:10.88.0.13)
SUITE=bookworm
KEY=$CACHE/ssh/id_ed25519
ROOT_PASSWORD=$CACHE/ssh/root_password
ROOTFS_TAR=$CACHE/rootfs-$SUITE.tar
# Image inside the servers for nested containers and swarm services (no registry is reachable).
WORKLOAD_IMAGE=hive-e2e/busybox:latest
BUSYBOX_TAR=$CACHE/busybox-rootfs.tar

# Every capability the machine's container runtime grants and Debian's docker 20.10 knows (it
# has no name for BPF, PERFMON or CHECKPOINT_RESTORE). CAP_SYS_RESOURCE is not granted, which is
# why the containers cannot be --privileged.
CAPS=(AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND CHOWN DAC_OVERRIDE DAC_READ_SEARCH
  FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD
  NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW SETFCAP SETGID SETPCAP SETUID SYS_ADMIN
  SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_TIME
  SYS_TTY_CONFIG SYSLOG WAKE_ALARM)

dk() { docker -H "unix://$SOCK" "$@"; }

log() { printf '[servers] %s\n' "$*" >&2; }

ssh_to() {
  local ip=$1
  shift
  ssh -i "$KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=5 -o BatchMode=yes "admin@$ip" "$@"
}

start_dockerd() {
  mkdir -p "$RUN" "$CACHE/docker"
  if [ -S "$SOCK" ] && dk version >/dev/null 2>&1; then
    return
  fi
  log "starting dockerd on $SOCK"
  # No default bridge and no iptables rules: the servers' network is a user-defined bridge
  # and the host's firewall stays untouched.
  nohup dockerd --storage-driver vfs --data-root "$CACHE/docker/data" --exec-root "$RUN/exec" \
    --pidfile "$RUN/dockerd.pid" -H "unix://$SOCK" --bridge none --iptables=false \
    --ip-masq=false >"$RUN/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    if dk version >/dev/null 2>&1; then
      return
    fi
    sleep 1
  done
  log "dockerd did not start; see $RUN/dockerd.log"
  exit 1
}

build_rootfs() {
  if [ -f "$ROOTFS_TAR" ]; then
    return
  fi
  local root
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  # mktemp makes the folder 0700; it becomes the servers' "/".
  chmod 755 "$root"
  log "debootstrap $SUITE into $root"
  debootstrap --variant=minbase \
    --include=openssh-server,docker.io,iproute2,iptables,procps,ca-certificates,python3,sudo \
    "$SUITE" "$root" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1
  tar -C "$root" -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$root"
}

ensure_image() {
  if dk image inspect "$IMAGE" >/dev/null 2>&1; then
    return
  fi
  build_rootfs
  log "importing $IMAGE"
  dk import "$ROOTFS_TAR" "$IMAGE" >/dev/null
}

ensure_key() {
  if [ -f "$KEY" ]; then
    return
  fi
  mkdir -p "$(dirname "$KEY")"
  ssh-keygen -q -t ed25519 -N '' -C hive-e2e -f "$KEY"
}

ensure_root_password() {
  if [ -f "$ROOT_PASSWORD" ]; then
    return
  fi
  mkdir -p "$(dirname "$ROOT_PASSWORD")"
  (umask 077 && head -c 18 /dev/urandom | base64 >"$ROOT_PASSWORD")
}

ensure_network() {
  if dk network inspect "$NETWORK" >/dev/null 2>&1; then
    return
  fi
  dk network create --driver bridge --subnet "$SUBNET" --gateway "$GATEWAY" \
    -o "com.docker.network.bridge.name=$BRIDGE" "$NETWORK" >/dev/null
}

start_server() {
  local name=$1 ip=$2
  if dk container inspect "hive-e2e-$name" >/dev/null 2>&1; then
    return
  fi
  local caps=()
  local cap
  for cap in "${CAPS[@]}"; do
    caps+=(--cap-add "$cap")
  done
  log "starting $name at $ip"
  dk run -d --name "hive-e2e-$name" --hostname "$name" --network "$NETWORK" --ip "$ip" \
    "${caps[@]}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /tmp \
    -v "$HERE/server-init.sh:/hive-e2e/init.sh:ro" -v "$KEY.pub:/hive-e2e/authorized_keys:ro" \
    -v "$ROOT_PASSWORD:/hive-e2e/root_password:ro" \
    "$IMAGE" bash /hive-e2e/init.sh >/dev/null
}

wait_ready() {
  local name=$1 ip=$2
  for _ in $(seq 1 90); do
    if ssh_to "$ip" sudo docker info >/dev/null 2>&1; then
      return
    fi
    sleep 1
  done
  log "$name ($ip) is not ready: ssh or docker failed; container log:"
  dk logs "hive-e2e-$name" >&2 || true
  exit 1
}

# A root file system of Debian's static busybox with every applet linked, e.g. sh, httpd, nc.
build_busybox() {
  if [ -f "$BUSYBOX_TAR" ]; then
    return
  fi
  local work
  work=$(mktemp -d)
  # apt drops to the _apt user for downloads.
  chmod 755 "$work"
  (cd "$work" && apt-get download busybox-static >/dev/null)
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/deb"
  mkdir -p "$work/root/bin" "$work/root/tmp" "$work/root/www"
  install -m 755 "$work/deb/bin/busybox" "$work/root/bin/busybox"
  local applet
  for applet in $("$work/root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$work/root/bin/$applet"
  done
  tar -C "$work/root" -cf "$BUSYBOX_TAR" .
  rm -rf "$work"
}

load_workload_image() {
  local ip=$1
  if ! ssh_to "$ip" sudo docker image inspect "$WORKLOAD_IMAGE" >/dev/null 2>&1; then
    ssh_to "$ip" sudo docker import - "$WORKLOAD_IMAGE" <"$BUSYBOX_TAR" >/dev/null
  fi
}

cmd_up() {
  ensure_key
  ensure_root_password
  start_dockerd
  ensure_image
  build_busybox
  ensure_network
  local entry
  for entry in "${SERVERS[@]}"; do
    start_server "${entry%%:*}" "${entry#*:}"
  done
  for entry in "${SERVERS[@]}"; do
    wait_ready "${entry%%:*}" "${entry#*:}"
    load_workload_image "${entry#*:}"
    log "${entry%%:*} ready at ${entry#*:}"
  done
}

cmd_status() {
  if ! { [ -S "$SOCK" ] && dk version >/dev/null 2>&1; }; then
    echo "down"
    return 1
  fi
  dk ps --filter "name=hive-e2e-" --format '{{.Names}} {{.Status}}'
  local entry rc=0
  for entry in "${SERVERS[@]}"; do
    if ssh_to "${entry#*:}" "sudo docker info --format '{{.ServerVersion}} {{.Swarm.LocalNodeState}}'" \
      >"$RUN/status.out" 2>&1; then
      echo "${entry%%:*} ${entry#*:} ssh ok, docker $(cat "$RUN/status.out")"
    else
      echo "${entry%%:*} ${entry#*:} NOT READY"
      rc=1
    fi
  done
  return "$rc"
}

cmd_down() {
  if [ -S "$SOCK" ] && dk version >/dev/null 2>&1; then
    local entry
    for entry in "${SERVERS[@]}"; do
      dk rm -f "hive-e2e-${entry%%:*}" >/dev/null 2>&1 || true
    done
    dk network rm "$NETWORK" >/dev/null 2>&1 || true
  fi
  if [ -f "$RUN/dockerd.pid" ]; then
    local pid
    pid=$(cat "$RUN/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
  fi
  # The nested dockerds leave mounts under the outer data root's container folders.
  awk -v run="$RUN/" -v data="$CACHE/docker/" \
    'index($2, run) == 1 || index($2, data) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r mnt; do
      umount -l "$mnt" 2>/dev/null || true
    done
  rm -rf "$RUN"
  log "down"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
