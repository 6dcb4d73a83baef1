#!/usr/bin/env bash
# Site CA and this host's certificate (signed by the site CA in the program) for Docker's TLS API and
# the registry; the CA is added to the system trust store.
#
# Environment:
#   HIVE_FQDN     the host's inventory name; files are /etc/pki/tls/{certs,private}/<fqdn>_{cert,key}.pem
#   HIVE_CA_CERT  PEM of the site CA certificate (required)
#   HIVE_CERT     PEM of the host certificate (required)
#   HIVE_ADMIN_USER  the admin user, whose docker client (~/.docker) gets the CA and this host's certificate
# Standard input (secret): HIVE_KEY=<base64 of the host's private key PEM>
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi

hive_require HIVE_FQDN HIVE_CA_CERT HIVE_CERT
HIVE_KEY=""
hive_read_secrets HIVE_KEY

changed=0
hive_install_file /etc/pki/tls/certs/hive-ca.pem 0644 "$HIVE_CA_CERT"
if hive_wrote; then changed=1; fi
hive_install_file "/etc/pki/tls/certs/${HIVE_FQDN}_cert.pem" 0644 "$HIVE_CERT"
if hive_wrote; then changed=1; fi
hive_install_file "/etc/pki/tls/private/${HIVE_FQDN}_key.pem" 0600 "$HIVE_KEY"
if hive_wrote; then changed=1; fi

# The admin user's docker client, as hive-builder's docker-client role set it up: the repository server's
# backups and initialisations reach the hives' docker APIs over TLS with it (the host certificate serves
# client authentication too).
if [ -n "${HIVE_ADMIN_USER:-}" ]; then
  home="$(getent passwd "$HIVE_ADMIN_USER" | cut -d: -f6 || true)"
  home="${home:-/home/$HIVE_ADMIN_USER}"
  client=0
  hive_install_file "$home/.docker/ca.pem" 0600 "$HIVE_CA_CERT"
  if hive_wrote; then client=1; fi
  hive_install_file "$home/.docker/cert.pem" 0600 "$HIVE_CERT"
  if hive_wrote; then client=1; fi
  hive_install_file "$home/.docker/key.pem" 0600 "$HIVE_KEY"
  if hive_wrote; then client=1; fi
  if [ "$client" -eq 1 ]; then chown -R "$HIVE_ADMIN_USER:" "$ROOT$home/.docker"; fi
fi

if [ "$HIVE_OS" = el ]; then
  hive_install_file /etc/pki/ca-trust/source/anchors/hive-ca.pem 0644 "$HIVE_CA_CERT"
  if hive_wrote; then hive_mark_pending ca-trust; fi
  if hive_pending ca-trust; then
    update-ca-trust extract
    hive_clear_pending ca-trust
    hive_changed "trusted the site CA"
  fi
else
  hive_install_file /usr/local/share/ca-certificates/hive-ca.crt 0644 "$HIVE_CA_CERT"
  if hive_wrote; then hive_mark_pending ca-trust; fi
  if hive_pending ca-trust; then
    update-ca-certificates
    hive_clear_pending ca-trust
    hive_changed "trusted the site CA"
  fi
fi
# Docker reads its certificates only at start.
if [ "$changed" -eq 1 ] && systemctl is-active --quiet docker 2>/dev/null; then
  hive_mark_restart docker
fi
hive_apply_restarts
hive_done
