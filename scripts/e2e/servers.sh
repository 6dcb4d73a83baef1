#!/usr/bin/env bash
# Three disposable test servers for the end-to-end suite, built only from Debian packages.
#
#   scripts/e2e/servers.sh up           build (or reuse) the image, start the proxy and s1..s3
#   scripts/e2e/servers.sh status       show what runs and check ssh, systemd and docker on each server
#   scripts/e2e/servers.sh down         stop and remove everything `up` started
#   scripts/e2e/servers.sh proxy        print the proxy's URL (what a site's hive_http_proxy names)
#   scripts/e2e/servers.sh load-images  load the repository images into s3 (`up` does it too)
#
# Each server is a container of a private dockerd (own socket, data root and bridge, so it
# cannot clash with another dockerd on the machine) on a bridge network with a fixed IP. It boots
# Debian trixie's systemd, which starts sshd (user `admin`, key in the cache, passwordless sudo; root
# logs in with the password in the cache, as on a server prepared for hive's root_password) and
# Debian's docker.io, as on a server an operator installed with Docker from the distribution.
# The servers' only way out is a forward proxy on the bridge's host side: what hive installs on
# them comes through it. Needs root and the Debian packages docker.io, debootstrap,
# openssh-client and tinyproxy.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HIVE_E2E_CACHE:-$HOME/.cache/hive/e2e}
# Kept short: unix socket paths are limited to 108 bytes.
RUN=${HIVE_E2E_RUN:-/tmp/hive-e2e}
SOCK=$RUN/docker.sock
SUITE=trixie
# Tagged with the suite, so that an image of another root file system is never reused.
IMAGE=hive-e2e-server:$SUITE
NETWORK=hive-e2e
BRIDGE=hive-e2e0
SUBNET=10.88.0.0/24
GATEWAY=10.88.0.1
SERVERS=(s1:10.88.0.11 s2:10.88.0.12 s3:10.88.0.13)
KEY=$CACHE/ssh/id_ed25519
ROOT_PASSWORD=$CACHE/ssh/root_password
ROOTFS_TAR=$CACHE/rootfs-$SUITE.tar
# What a minimal Debian server with ssh has, plus Docker from the distribution (docker.io with
# its cli and compose v2 plugin) as an operator would have installed it. Nothing that hive's own
# steps install (chrony, rsyslog, lvm2, ...): that must come through the proxy. dbus carries
# hostnamectl, timedatectl and localectl; tzdata holds the zones timedatectl sets.
PACKAGES=systemd,systemd-sysv,dbus,openssh-server,sudo,python3,ca-certificates,iproute2,procps
PACKAGES+=,curl,gnupg,tzdata,docker.io,docker-cli,docker-compose
# Units that cannot work in a container; masked in the root file system (see docs/e2e.md).
MASKED_UNITS=(systemd-modules-load.service)
# The forward proxy on the bridge's host side, the servers' only way out. The suite reads its
# log to show that the servers' downloads went through it.
PROXY_PORT=8888
PROXY_URL=http://$GATEWAY:$PROXY_PORT
PROXY_CONF=$RUN/proxy.conf
PROXY_LOG=$RUN/proxy.log
PROXY_PID=$RUN/proxy.pid
# Images another script (scripts/e2e/images.sh) saves for the repository server, which has no
# registry to pull them from: a `docker save` archive and the image names in it, one a line.
REPOSITORY_SERVER=s3
REPOSITORY_TAR=$CACHE/images/repository.tar
REPOSITORY_NAMES=$CACHE/images/repository.names
# Certificate authorities the test machine trusts besides Debian's (Debian's place for local
# ones). Where the network re-signs https with its own CA, https through the proxy then works
# on the servers as it does on the machine.
LOCAL_CAS=/usr/local/share/ca-certificates
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
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" \
    http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1
  prepare_rootfs "$root"
  tar -C "$root" -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$root"
}

# What makes one root file system boot as three different servers under systemd.
prepare_rootfs() {
  local root=$1 unit
  # Every server makes its own host keys and machine id (an empty machine-id gets a new one at
  # boot), as a freshly installed server does.
  rm -f "$root"/etc/ssh/ssh_host_*
  : >"$root/etc/machine-id"
  # The downloaded packages, as `apt-get clean` leaves it: less for vfs to copy per server.
  rm -f "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin
  # dbus's postinst wrote an id of its own, which systemd would take for all three servers.
  ln -sf /etc/machine-id "$root/var/lib/dbus/machine-id"
  # The sources of an installed server: the release, its security and its stable updates.
  cat >"$root/etc/apt/sources.list" <<LIST
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian-security $SUITE-security main
deb http://deb.debian.org/debian $SUITE-updates main
LIST
  for unit in "${MASKED_UNITS[@]}"; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  # The suite's access set-up (server-init.sh, bind-mounted, so that changing it needs no new
  # root file system) runs before sshd accepts logins.
  cat >"$root/etc/systemd/system/hive-e2e-init.service" <<'UNIT'
[Unit]
Description=hive end-to-end set-up: admin user, root password, own /etc/hosts
Before=ssh.service docker.service systemd-hostnamed.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/bash /hive-e2e/init.sh

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/hive-e2e-init.service \
    "$root/etc/systemd/system/multi-user.target.wants/hive-e2e-init.service"
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
  if [ "$(dk container inspect -f '{{.State.Running}}' "hive-e2e-$name" 2>/dev/null)" = true ]; then
    return
  fi
  # A stopped one (left by a `down` that found no dockerd to ask) is started anew.
  dk rm -f "hive-e2e-$name" >/dev/null 2>&1 || true
  local caps=() cas=()
  local cap
  for cap in "${CAPS[@]}"; do
    caps+=(--cap-add "$cap")
  done
  if [ -d "$LOCAL_CAS" ]; then
    cas=(-v "$LOCAL_CAS:/hive-e2e/ca-certificates:ro")
  fi
  log "starting $name at $ip"
  # systemd as PID 1: tmpfs on /run and /run/lock, the machine's cgroup tree read-write (the
  # machine has cgroup v1 controllers with a v2 tree beside them, and systemd runs "hybrid" in
  # the container's own cgroup), `container` set as container managers do, and SIGRTMIN+3, which
  # makes systemd shut down. container_uuid becomes the machine id, which would otherwise be the
  # same on all three. /tmp is a tmpfs as on an installed trixie.
  dk run -d --name "hive-e2e-$name" --hostname "$name" --network "$NETWORK" --ip "$ip" \
    "${caps[@]}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp -e container=docker \
    -e "container_uuid=$(cat /proc/sys/kernel/random/uuid)" --stop-signal SIGRTMIN+3 \
    -v "$HERE/server-init.sh:/hive-e2e/init.sh:ro" -v "$KEY.pub:/hive-e2e/authorized_keys:ro" \
    -v "$ROOT_PASSWORD:/hive-e2e/root_password:ro" "${cas[@]}" \
    "$IMAGE" /sbin/init >/dev/null
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

# tinyproxy as a process of its own with its own config: only the servers' bridge may use it,
# it listens on the bridge's host side only, and it resolves names for the servers, which need
# no DNS of their own for package sources.
start_proxy() {
  if proxy_running; then
    return
  fi
  cat >"$PROXY_CONF" <<CONF
Listen $GATEWAY
Port $PROXY_PORT
Allow $SUBNET
Timeout 600
MaxClients 100
LogFile "$PROXY_LOG"
LogLevel Info
PidFile "$PROXY_PID"
DefaultErrorFile "/usr/share/tinyproxy/default.html"
# CONNECT (https) only to the https port.
ConnectPort 443
CONF
  log "starting tinyproxy on $PROXY_URL"
  # It runs as the calling user (root, for the pid and log files under $RUN) and daemonizes.
  tinyproxy -c "$PROXY_CONF"
  for _ in $(seq 1 20); do
    if proxy_running; then
      return
    fi
    sleep 0.5
  done
  log "tinyproxy did not start; see $PROXY_LOG"
  exit 1
}

# Its pid is alive and something listens on its address (asked of the kernel, not by
# connecting, which would write a line into the log the suite reads).
proxy_running() {
  [ -f "$PROXY_PID" ] && kill -0 "$(cat "$PROXY_PID")" 2>/dev/null &&
    [ -n "$(ss -Hltn src "$GATEWAY:$PROXY_PORT")" ]
}

# Stops the process of a pid file and waits up to SECONDS for it to end: stop_pid_file FILE SECONDS.
stop_pid_file() {
  local file=$1 seconds=$2 pid
  if [ ! -f "$file" ]; then
    return
  fi
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 "$seconds"); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
}

stop_proxy() {
  stop_pid_file "$PROXY_PID" 10
  rm -f "$PROXY_PID"
}

ip_of() {
  local entry
  for entry in "${SERVERS[@]}"; do
    if [ "${entry%%:*}" = "$1" ]; then
      echo "${entry#*:}"
      return
    fi
  done
  return 1
}

# The repository server's images (scripts/e2e/images.sh saves them), loaded only when one of
# the listed names is missing: loading the archive again takes long on these disks.
load_repository_images() {
  if [ ! -f "$REPOSITORY_TAR" ]; then
    return
  fi
  local ip name missing=0
  ip=$(ip_of "$REPOSITORY_SERVER")
  if [ -f "$REPOSITORY_NAMES" ]; then
    while read -r name; do
      [ -n "$name" ] || continue
      ssh_to "$ip" sudo docker image inspect "$name" >/dev/null 2>&1 || missing=1
    done <"$REPOSITORY_NAMES"
  else
    missing=1
  fi
  if [ "$missing" = 1 ]; then
    log "loading $REPOSITORY_TAR into $REPOSITORY_SERVER"
    ssh_to "$ip" sudo docker load <"$REPOSITORY_TAR" >/dev/null
  fi
}

# The repository images, through the private dockerd, which turns them into the archive that
# load_repository_images loads. HIVE_E2E_IMAGES=skip leaves them out (servers alone).
build_images() {
  if [ ! -f "$HERE/images.sh" ] || [ "${HIVE_E2E_IMAGES:-}" = skip ]; then
    return
  fi
  # Builds into the cache; returns at once when that is done already.
  DOCKER_HOST="unix://$SOCK" bash "$HERE/images.sh" build
}

cmd_up() {
  ensure_key
  ensure_root_password
  start_dockerd
  build_images
  ensure_image
  build_busybox
  ensure_network
  # After the network: tinyproxy binds the bridge's address.
  start_proxy
  # In parallel: vfs copies the whole image for each new container, the longest part of a warm up.
  local entry pids=() pid
  for entry in "${SERVERS[@]}"; do
    start_server "${entry%%:*}" "${entry#*:}" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do
    wait "$pid"
  done
  for entry in "${SERVERS[@]}"; do
    wait_ready "${entry%%:*}" "${entry#*:}"
    load_workload_image "${entry#*:}"
    log "${entry%%:*} ready at ${entry#*:}"
  done
  load_repository_images
  log "proxy for the servers: $PROXY_URL (log $PROXY_LOG)"
}

cmd_status() {
  if ! { [ -S "$SOCK" ] && dk version >/dev/null 2>&1; }; then
    echo "down"
    return 1
  fi
  local rc=0
  if proxy_running; then
    echo "proxy $PROXY_URL running, pid $(cat "$PROXY_PID"), log $PROXY_LOG"
  else
    echo "proxy $PROXY_URL NOT RUNNING"
    rc=1
  fi
  dk ps --filter "name=hive-e2e-" --format '{{.Names}} {{.Status}}'
  local entry
  for entry in "${SERVERS[@]}"; do
    # is-system-running exits non-zero when degraded; its word is what matters here.
    # shellcheck disable=SC2016 # expanded on the server
    if ssh_to "${entry#*:}" 'state=$(systemctl is-system-running) || true
      info=$(sudo docker info --format "{{.ServerVersion}} {{.Driver}} {{.Swarm.LocalNodeState}}") &&
      echo "systemd $state, docker $info"' >"$RUN/status.out" 2>&1; then
      echo "${entry%%:*} ${entry#*:} ssh ok, $(cat "$RUN/status.out")"
    else
      echo "${entry%%:*} ${entry#*:} NOT READY"
      rc=1
    fi
  done
  return "$rc"
}

cmd_down() {
  stop_proxy
  if [ -S "$SOCK" ] && dk version >/dev/null 2>&1; then
    local entry
    for entry in "${SERVERS[@]}"; do
      dk rm -f "hive-e2e-${entry%%:*}" >/dev/null 2>&1 || true
    done
    dk network rm "$NETWORK" >/dev/null 2>&1 || true
  fi
  stop_pid_file "$RUN/dockerd.pid" 30
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
  proxy) echo "$PROXY_URL" ;;
  load-images) load_repository_images ;;
  *)
    echo "usage: $0 up|down|status|proxy|load-images" >&2
    exit 2
    ;;
esac
