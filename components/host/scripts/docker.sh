#!/usr/bin/env bash
# Docker (CE or the distribution's) listening on the unix socket and on tcp 2376 with TLS (certificates from the tls step),
# daemon.json, the systemd drop-in with --bip, and the admin user in the docker group.
#
# Environment:
#   HIVE_DAEMON_JSON     content of /etc/docker/daemon.json (required)
#   HIVE_DOCKER_DROPIN   content of /etc/systemd/system/docker.service.d/hive.conf (required)
#   HIVE_ADMIN_USER      login user added to the docker group (required)
#   HIVE_FQDN            the host's name; its certificate must be installed already
#   HIVE_DOCKER_SOURCE   docker-ce (default) or distribution
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_DAEMON_JSON HIVE_DOCKER_DROPIN HIVE_ADMIN_USER HIVE_FQDN
for f in "/etc/pki/tls/certs/${HIVE_FQDN}_cert.pem" "/etc/pki/tls/private/${HIVE_FQDN}_key.pem" /etc/pki/tls/certs/hive-ca.pem; do
  [ -f "$ROOT$f" ] || hive_die "$f is missing: the tls step must run first"
done

# Docker CE from download.docker.com (default), or Docker from the distribution's own archive
# (docker.io and its compose v2 plugin; Debian and Ubuntu only: EL has no Docker of its own).
case "${HIVE_DOCKER_SOURCE:-docker-ce}" in
  docker-ce)
    if [ "$HIVE_OS" = debian ] && hive_pkg_installed docker.io; then
      hive_die "docker.io from the distribution is installed: set hive_docker_source: distribution, or remove docker.io to install Docker CE"
    fi
    if [ "$HIVE_OS" = el ]; then
      if [ ! -f "$ROOT/etc/yum.repos.d/docker-ce.repo" ]; then
        mkdir -p "$ROOT/etc/yum.repos.d"
        # Docker's CentOS repository serves EL 8, 9 and 10 ($releasever); RHEL has its own path.
        repo=centos
        [ "$HIVE_OS_ID" = rhel ] && repo=rhel
        curl -fsSL -o "$ROOT/etc/yum.repos.d/docker-ce.repo.tmp" "https://download.docker.com/linux/$repo/docker-ce.repo"
        mv -f "$ROOT/etc/yum.repos.d/docker-ce.repo.tmp" "$ROOT/etc/yum.repos.d/docker-ce.repo"
        hive_changed "added the docker-ce repository"
      fi
    else
      # download.docker.com/linux/debian or /linux/ubuntu, by the distribution's id.
      if [ ! -f "$ROOT/etc/apt/keyrings/docker.asc" ]; then
        mkdir -p "$ROOT/etc/apt/keyrings"
        curl -fsSL -o "$ROOT/etc/apt/keyrings/docker.asc.tmp" "https://download.docker.com/linux/$HIVE_OS_ID/gpg"
        mv -f "$ROOT/etc/apt/keyrings/docker.asc.tmp" "$ROOT/etc/apt/keyrings/docker.asc"
        hive_changed "added the docker apt key"
      fi
      # shellcheck disable=SC1091
      codename="$(. "$ROOT/etc/os-release" && printf '%s' "${VERSION_CODENAME:-}")"
      [ -n "$codename" ] || hive_die "/etc/os-release has no VERSION_CODENAME: cannot choose Docker's apt suite"
      hive_install_file /etc/apt/sources.list.d/docker.list 0644 \
        "deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/$HIVE_OS_ID $codename stable"
      if hive_wrote; then hive_sources_changed; fi
    fi
    hive_pkg_install docker-ce docker-ce-cli containerd.io docker-compose-plugin
    ;;
  distribution)
    [ "$HIVE_OS" = debian ] || hive_die "hive_docker_source: distribution needs Debian or Ubuntu ($HIVE_OS_ID has no Docker in its own repositories); use docker-ce"
    # Debian's compose v2 plugin is the package docker-compose, Ubuntu's docker-compose-v2.
    if [ "$HIVE_OS_ID" = ubuntu ]; then compose=docker-compose-v2; else compose=docker-compose; fi
    hive_pkg_install docker.io "$compose"
    ;;
  *) hive_die "HIVE_DOCKER_SOURCE must be docker-ce or distribution, not '$HIVE_DOCKER_SOURCE'" ;;
esac

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
