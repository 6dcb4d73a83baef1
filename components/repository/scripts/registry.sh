#!/usr/bin/env bash
# Private registry (registry:2 on port 5000, TLS with the host's certificate from the site CA, htpasswd
# user hive) as the compose project "registry" in /var/lib/hive/registry.
#
# Environment:
#   HIVE_REGISTRY_COMPOSE  content of /var/lib/hive/registry/compose.yml (required)
#   HIVE_REGISTRY_USER     htpasswd user (default hive)
#   HIVE_MODE        up (default) or down (stops the project, keeps the images' volume)
# Standard input (secret, with up): HIVE_REGISTRY_PASSWORD=<base64 of the password>
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi
if ! declare -F hive_compose_up >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=compose-lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/compose-lib.sh"
fi

dir=/var/lib/hive/registry
if [ "${HIVE_MODE:-up}" = down ]; then
  hive_compose_down registry "$dir/compose.yml"
  hive_done
  exit 0
fi
hive_require HIVE_REGISTRY_COMPOSE
HIVE_REGISTRY_PASSWORD=""
hive_read_secrets HIVE_REGISTRY_PASSWORD
user="${HIVE_REGISTRY_USER:-hive}"
if [ "$HIVE_OS" = el ]; then hive_pkg_install httpd-tools; else hive_pkg_install apache2-utils; fi

changed=0
hive_install_file "$dir/compose.yml" 0644 "$HIVE_REGISTRY_COMPOSE"
if hive_wrote; then changed=1; fi
if [ ! -f "$ROOT$dir/htpasswd" ] || ! htpasswd -v -i "$ROOT$dir/htpasswd" "$user" <<<"$HIVE_REGISTRY_PASSWORD" >/dev/null 2>&1; then
  mkdir -p "$ROOT$dir"
  htpasswd -c -i -B "$ROOT$dir/htpasswd" "$user" <<<"$HIVE_REGISTRY_PASSWORD"
  chmod 0644 "$ROOT$dir/htpasswd"
  hive_changed "registry password of $user"
  changed=1
fi
hive_compose_up registry "$dir/compose.yml" "$changed" registry_server
hive_done
