#!/usr/bin/env bash
# Images of the repository server's parts (registry, Zabbix and its database) for the end-to-end
# test site, built only from Debian packages: the test servers cannot pull from Docker Hub.
#
#   scripts/e2e/images.sh build [--docker unix:///path]   build (or reuse) the images
#   scripts/e2e/images.sh clean                           remove the cache
#
# Each image is a root file system (debootstrap --variant=minbase + the image's packages + our
# entrypoint from scripts/e2e/images/) kept as a tar in the cache, named with a hash of everything
# it is made from, so that a change of a package list, an entrypoint or a setup step rebuilds only
# that image. With a dockerd (DOCKER_HOST, or --docker), the tars are imported under their names
# (hive-e2e/...) and saved together into repository.tar, with the names in repository.names, for
# `docker load` on the test servers. Needs root and the Debian packages debootstrap and docker.io.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${HIVE_E2E_CACHE:-$HOME/.cache/hive/e2e}/images
SUITE=trixie
MIRROR=${HIVE_E2E_MIRROR:-http://deb.debian.org/debian}
IMAGES=(registry zabbix-db zabbix-server zabbix-web debian)
ARCHIVE=$CACHE/repository.tar
NAMES=$CACHE/repository.names
# Label of an imported image: the key of the tar it came from, to tell a current image from an old one.
LABEL=org.hive.e2e.key
# The folder being built, for the exit trap (a chroot's /proc must be unmounted before removal).
BUILD_DIR=

log() { printf '[images] %s\n' "$*" >&2; }

image_ref() {
  case $1 in
    registry) echo hive-e2e/registry:2 ;;
    zabbix-db) echo hive-e2e/zabbix-db:11 ;;
    zabbix-server) echo hive-e2e/zabbix-server-mysql:7.0 ;;
    zabbix-web) echo hive-e2e/zabbix-web-nginx-mysql:7.0 ;;
    debian) echo hive-e2e/debian:trixie ;;
  esac
}

# Packages on top of minbase, installed without their recommendations.
image_packages() {
  case $1 in
    registry) echo docker-registry ca-certificates ;;
    zabbix-db) echo mariadb-server mariadb-client ;;
    zabbix-server) echo zabbix-server-mysql mariadb-client fping ca-certificates ;;
    # php8.4 depends on "libapache2-mod-php8.4 | php8.4-fpm | ..."; naming php-fpm and refusing
    # apache2-bin (the trailing "-") keeps apache out of the image.
    zabbix-web) echo zabbix-frontend-php php-fpm php-mysql nginx apache2-bin- ;;
    debian) echo python3 ;;
  esac
}

# `docker import --change` instructions, one a line.
image_changes() {
  echo 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  echo 'ENV LANG=C.UTF-8'
  case $1 in
    registry)
      echo 'ENTRYPOINT ["/usr/local/bin/hive-entrypoint"]'
      echo 'CMD ["/etc/docker/registry/config.yml"]'
      echo 'EXPOSE 5000'
      echo 'VOLUME /var/lib/registry'
      ;;
    zabbix-db)
      echo 'ENTRYPOINT ["/usr/local/bin/hive-entrypoint"]'
      echo 'CMD ["mariadbd"]'
      echo 'EXPOSE 3306'
      echo 'VOLUME /var/lib/mysql'
      ;;
    zabbix-server)
      echo 'ENTRYPOINT ["/usr/local/bin/hive-entrypoint"]'
      echo 'CMD ["zabbix_server"]'
      echo 'EXPOSE 10051'
      ;;
    zabbix-web)
      echo 'ENTRYPOINT ["/usr/local/bin/hive-entrypoint"]'
      echo 'EXPOSE 8080'
      ;;
    debian)
      echo 'CMD ["bash"]'
      ;;
  esac
}

image_entrypoint() {
  case $1 in
    debian) ;;
    *) echo "$HERE/images/$1-entrypoint.sh" ;;
  esac
}

# --- setup steps of each image, run after its packages are installed ($1: the root folder) ---

# The configuration of the official registry:2 image (Debian's keeps its data elsewhere and
# turns on htpasswd auth without a user), and its `registry` command name.
setup_registry() {
  cat >"$1/etc/docker/registry/config.yml" <<'YAML'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML
  rm -f "$1/etc/docker/registry/htpasswd"
  mkdir -p "$1/var/lib/registry"
  ln -s /usr/bin/docker-registry "$1/usr/local/bin/registry"
}

# The package's postinst made a data folder; the image's must be empty so that the entrypoint
# initialises a new volume with the container's own passwords. Listen on all addresses, log to
# stderr, and no DNS lookups of clients (as the official image).
setup_zabbix_db() {
  rm -rf "${1:?}/var/lib/mysql" && mkdir -p "$1/var/lib/mysql"
  chroot "$1" chown mysql:mysql /var/lib/mysql
  cat >"$1/etc/mysql/mariadb.conf.d/90-container.cnf" <<'CNF'
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve
host-cache-size = 0
CNF
}

setup_zabbix_server() {
  # Debian's sample configuration; the entrypoint writes the real one.
  rm -f "$1/etc/zabbix/zabbix_server.conf"
}

# nginx on :8080 with the frontend at / (Debian only ships an apache configuration), logging to
# the container's output; PHP settings the frontend checks for.
setup_zabbix_web() {
  rm -f "$1/etc/nginx/sites-enabled/default"
  ln -sf /dev/stdout "$1/var/log/nginx/access.log"
  ln -sf /dev/stderr "$1/var/log/nginx/error.log"
  cat >"$1/etc/nginx/conf.d/zabbix.conf" <<'NGINX'
server {
    listen 8080 default_server;
    root /usr/share/zabbix;
    index index.php;
    client_max_body_size 16m;

    location ~ ^/(conf|app|include|local|locale|vendor)/ {
        deny all;
    }
    location ~ [^/]\.php(/|$) {
        fastcgi_split_path_info ^(.+?\.php)(/.*)$;
        try_files $fastcgi_script_name =404;
        fastcgi_pass unix:/run/php/php-fpm.sock;
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_read_timeout 600;
    }
}
NGINX
  local dir
  for dir in "$1"/etc/php/*/fpm; do
    sed -i 's|^error_log = .*|error_log = /proc/self/fd/2|' "$dir/php-fpm.conf"
    sed -i 's|^listen = .*|listen = /run/php/php-fpm.sock|' "$dir/pool.d/www.conf"
    printf '%s\n' 'memory_limit = 256M' 'post_max_size = 16M' 'upload_max_filesize = 2M' \
      'max_execution_time = 300' 'max_input_time = 300' >"$dir/conf.d/98-zabbix.ini"
  done
}

setup_debian() { :; }

# --- building ---

# What a build of the image depends on; its hash names the tar.
image_inputs() {
  local name=$1 entrypoint
  echo "$SUITE $MIRROR"
  image_packages "$name"
  image_changes "$name"
  entrypoint=$(image_entrypoint "$name")
  if [ -n "$entrypoint" ]; then
    cat "$entrypoint"
  fi
  declare -f "setup_${name//-/_}" build_image in_chroot slim_rootfs
  base_inputs
}

base_inputs() { declare -f build_base; }

hash_of() { sha256sum | cut -c1-16; }

image_key() { image_inputs "$1" | hash_of; }

image_tar() { echo "$CACHE/$1-$(image_key "$1").tar"; }

base_tar() { echo "$CACHE/base-$SUITE-$(base_inputs | hash_of).tar"; }

cleanup() {
  if [ -n "$BUILD_DIR" ] && [ -d "$BUILD_DIR" ]; then
    if mountpoint -q "$BUILD_DIR/root/proc"; then
      umount -l "$BUILD_DIR/root/proc"
    fi
    rm -rf "$BUILD_DIR"
  fi
}

new_build_dir() {
  mkdir -p "$CACHE"
  BUILD_DIR=$(mktemp -d "$CACHE/build.XXXXXX")
  mkdir "$BUILD_DIR/root"
  # It becomes the images' "/".
  chmod 755 "$BUILD_DIR/root"
}

# Runs a command in the root with /proc (package scripts need it), without starting services.
in_chroot() {
  local root=$1
  shift
  mount -t proc proc "$root/proc"
  local rc=0
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 "$@" || rc=$?
  umount "$root/proc"
  return "$rc"
}

# minbase with the package lists, shared by the builds of all images (not an image itself).
build_base() {
  local tar=$1 root start=$SECONDS
  new_build_dir
  root=$BUILD_DIR/root
  log "debootstrap $SUITE (minbase)"
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$BUILD_DIR/debootstrap.log" 2>&1 || {
    tail -n 20 "$BUILD_DIR/debootstrap.log" >&2
    return 1
  }
  # Package scripts must not start daemons in the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  in_chroot "$root" apt-get update -qq
  tar --numeric-owner -C "$root" -cf "$tar.part" .
  mv "$tar.part" "$tar"
  find "$CACHE" -maxdepth 1 -name "base-*.tar" ! -path "$tar" -delete
  cleanup
  BUILD_DIR=
  log "base: built in $((SECONDS - start)) s"
}

# Only what a container needs: no package lists, caches, docs (bar copyrights), man pages or locales.
slim_rootfs() {
  local root=$1
  in_chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/log/apt/* "$root"/var/log/*.log "$root"/tmp/* "$root"/usr/sbin/policy-rc.d
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  # Docker mounts its own; the build machine's must not stay in the image.
  : >"$root/etc/resolv.conf"
}

build_image() {
  local name=$1 tar=$2 base root packages entrypoint
  base=$(base_tar)
  if [ ! -f "$base" ]; then
    build_base "$base"
  fi
  new_build_dir
  root=$BUILD_DIR/root
  tar -C "$root" -xpf "$base"
  read -r -a packages <<<"$(image_packages "$name")"
  log "$name: installing ${packages[*]}"
  in_chroot "$root" apt-get install -y -qq --no-install-recommends "${packages[@]}" \
    >"$BUILD_DIR/apt.log" 2>&1 || {
    tail -n 20 "$BUILD_DIR/apt.log" >&2
    return 1
  }
  entrypoint=$(image_entrypoint "$name")
  if [ -n "$entrypoint" ]; then
    install -m 0755 "$entrypoint" "$root/usr/local/bin/hive-entrypoint"
  fi
  "setup_${name//-/_}" "$root"
  slim_rootfs "$root"
  tar --numeric-owner -C "$root" -cf "$tar.part" .
  mv "$tar.part" "$tar"
  cleanup
  BUILD_DIR=
}

ensure_tar() {
  local name=$1 tar
  tar=$(image_tar "$name")
  if [ -f "$tar" ]; then
    return
  fi
  # The shared base first, so that the time below is the image's own.
  local base
  base=$(base_tar)
  if [ ! -f "$base" ]; then
    build_base "$base"
  fi
  local start=$SECONDS
  build_image "$name" "$tar"
  # Tars of earlier inputs are never used again.
  find "$CACHE" -maxdepth 1 -name "$name-*.tar" ! -path "$tar" -delete
  log "$name: built in $((SECONDS - start)) s ($(du -h "$tar" | cut -f1))"
}

imported_key() {
  docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true
}

ensure_imported() {
  local name=$1 ref key changes=() change
  ref=$(image_ref "$name")
  key=$(image_key "$name")
  if [ "$(imported_key "$ref")" = "$key" ]; then
    return
  fi
  while IFS= read -r change; do
    changes+=(--change "$change")
  done < <(image_changes "$name")
  log "importing $ref"
  docker import "${changes[@]}" --change "LABEL $LABEL=$key" "$(image_tar "$name")" "$ref" >/dev/null
}

# One archive of all images, rewritten only when an image changed (its stamp lists the keys).
ensure_archive() {
  local name refs=() stamp
  stamp=$(for name in "${IMAGES[@]}"; do image_key "$name"; done)
  if [ -f "$ARCHIVE" ] && [ -f "$ARCHIVE.key" ] && [ "$(cat "$ARCHIVE.key")" = "$stamp" ]; then
    return
  fi
  for name in "${IMAGES[@]}"; do
    refs+=("$(image_ref "$name")")
  done
  log "saving ${#refs[@]} images to $ARCHIVE"
  docker save -o "$ARCHIVE.part" "${refs[@]}"
  # docker save makes it private; nothing in it is secret.
  chmod 0644 "$ARCHIVE.part"
  mv "$ARCHIVE.part" "$ARCHIVE"
  printf '%s\n' "${refs[@]}" >"$NAMES"
  printf '%s\n' "$stamp" >"$ARCHIVE.key"
}

cmd_build() {
  while [ "$#" -gt 0 ]; do
    case $1 in
      --docker)
        export DOCKER_HOST=${2:?--docker needs an address such as unix:///path/docker.sock}
        shift 2
        ;;
      *)
        echo "unknown option: $1" >&2
        exit 2
        ;;
    esac
  done
  if [ "$(id -u)" != 0 ]; then
    echo "images.sh build needs root (debootstrap, chroot)" >&2
    exit 1
  fi
  local name
  for name in "${IMAGES[@]}"; do
    ensure_tar "$name"
  done
  if [ -z "${DOCKER_HOST:-}" ]; then
    log "no DOCKER_HOST and no --docker: tars only, in $CACHE"
    return
  fi
  for name in "${IMAGES[@]}"; do
    ensure_imported "$name"
  done
  ensure_archive
  log "ready: $ARCHIVE ($(wc -l <"$NAMES") images)"
}

cmd_clean() {
  rm -rf "$CACHE"
  log "removed $CACHE"
}

trap cleanup EXIT
case ${1:-} in
  build) shift && cmd_build "$@" ;;
  clean) cmd_clean ;;
  *)
    echo "usage: $0 build [--docker unix:///path] | clean" >&2
    exit 2
    ;;
esac
