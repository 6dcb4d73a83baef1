#!/usr/bin/env bash
# Docker CE listening on the unix socket and on tcp 2376 with TLS (certificates from the tls step),
# daemon.json, the systemd drop-in with --bip, and the admin user in the docker group.
#
# Environment:
#   HIVE_DAEMON_JSON     content of /etc/docker/daemon.json (required)
#   HIVE_DOCKER_DROPIN   content of /etc/systemd/system/docker.service.d/hive.conf (required)
#   HIVE_ADMIN_USER      login user added to the docker group (required)
#   HIVE_FQDN            the host's name; its certificate must be installed already
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_DAEMON_JSON HIVE_DOCKER_DROPIN HIVE_ADMIN_USER HIVE_FQDN
for f in "/etc/pki/tls/certs/${HIVE_FQDN}_cert.pem" "/etc/pki/tls/private/${HIVE_FQDN}_key.pem" /etc/pki/tls/certs/hive-ca.pem; do
  [ -f "$ROOT$f" ] || hive_die "$f is missing: the tls step must run first"
done

if [ "$HIVE_OS" = el ]; then
  if [ ! -f "$ROOT/etc/yum.repos.d/docker-ce.repo" ]; then
    mkdir -p "$ROOT/etc/yum.repos.d"
    curl -fsSL -o "$ROOT/etc/yum.repos.d/docker-ce.repo.tmp" https://download.docker.com/linux/centos/docker-ce.repo
    mv -f "$ROOT/etc/yum.repos.d/docker-ce.repo.tmp" "$ROOT/etc/yum.repos.d/docker-ce.repo"
    hive_changed "added the docker-ce repository"
  fi
else
  if [ ! -f "$ROOT/etc/apt/keyrings/docker.asc" ]; then
    mkdir -p "$ROOT/etc/apt/keyrings"
    curl -fsSL -o "$ROOT/etc/apt/keyrings/docker.asc.tmp" https://download.docker.com/linux/ubuntu/gpg
    mv -f "$ROOT/etc/apt/keyrings/docker.asc.tmp" "$ROOT/etc/apt/keyrings/docker.asc"
    hive_changed "added the docker apt key"
  fi
  # shellcheck disable=SC1091
  codename="$(. "$ROOT/etc/os-release" && printf '%s' "${VERSION_CODENAME:-noble}")"
  hive_install_file /etc/apt/sources.list.d/docker.list 0644 \
    "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $codename stable"
  if hive_wrote; then hive_mark_pending apt-update; fi
  if hive_pending apt-update; then
    hive_pkg update
    hive_clear_pending apt-update
  fi
fi
hive_pkg_install docker-ce docker-ce-cli containerd.io docker-compose-plugin

restart=0
hive_install_file /etc/docker/daemon.json 0600 "$HIVE_DAEMON_JSON"
if hive_wrote; then restart=1; fi
hive_install_file /etc/systemd/system/docker.service.d/hive.conf 0644 "$HIVE_DOCKER_DROPIN"
if hive_wrote; then restart=1; fi
if [ "$restart" -eq 1 ]; then
  if systemctl is-active --quiet docker 2>/dev/null; then hive_mark_restart docker; else hive_mark_pending daemon-reload; fi
fi
if hive_pending daemon-reload; then
  systemctl daemon-reload
  hive_clear_pending daemon-reload
fi
hive_apply_restarts
hive_enable_now docker

if ! id -nG "$HIVE_ADMIN_USER" | tr ' ' '\n' | grep -x docker >/dev/null; then
  usermod -aG docker "$HIVE_ADMIN_USER"
  hive_changed "added $HIVE_ADMIN_USER to the docker group"
fi
hive_done
