#!/usr/bin/env bash
# Zabbix 7.0 LTS server, web (port 10052) and database as the compose project "zabbix" in
# /var/lib/hive/zabbix; the database password is kept in its .env file (0600).
#
# Environment:
#   HIVE_ZABBIX_COMPOSE  content of /var/lib/hive/zabbix/compose.yml (required)
#   HIVE_MODE      up (default) or down (stops the project, keeps the database volume)
# Standard input (secret, with up): HIVE_ZABBIX_DB_PASSWORD=<base64 of the database password>
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi
if ! declare -F hive_compose_up >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=compose-lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/compose-lib.sh"
fi

dir=/var/lib/hive/zabbix
if [ "${HIVE_MODE:-up}" = down ]; then
  hive_compose_down zabbix "$dir/compose.yml"
  hive_done
  exit 0
fi
hive_require HIVE_ZABBIX_COMPOSE
HIVE_ZABBIX_DB_PASSWORD=""
hive_read_secrets HIVE_ZABBIX_DB_PASSWORD

changed=0
hive_install_file "$dir/compose.yml" 0644 "$HIVE_ZABBIX_COMPOSE"
if hive_wrote; then changed=1; fi
# MariaDB takes its passwords only when it initialises an empty data volume, and the volume outlives
# a destroy of the site. A database that exists already keeps the password recorded beside it: a new
# site on the same server (a new generated password) would otherwise be refused by its own database.
if [ -f "$ROOT$dir/.env" ] && docker volume inspect zabbix_zabbix-db >/dev/null 2>&1; then
  if ! grep -qxF "ZABBIX_DB_PASSWORD=$HIVE_ZABBIX_DB_PASSWORD" "$ROOT$dir/.env"; then
    hive_log "the database volume zabbix_zabbix-db was made with the password in $dir/.env: that one is kept"
  fi
else
  hive_install_file "$dir/.env" 0600 "ZABBIX_DB_PASSWORD=$HIVE_ZABBIX_DB_PASSWORD"
  if hive_wrote; then changed=1; fi
fi
hive_compose_up zabbix "$dir/compose.yml" "$changed" zabbix-db zabbix-server zabbix-web
hive_done
