#!/usr/bin/env bash
# Entrypoint of hive-e2e/zabbix-server-mysql:7.0 (Debian's zabbix-server-mysql), a subset of the
# official zabbix/zabbix-server-mysql image:
#   DB_SERVER_HOST, DB_SERVER_PORT, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD  the database
#   ZBX_<OPTION> (see OPTIONS below)  server options, e.g. ZBX_VALUECACHESIZE=64M -> ValueCacheSize=64M
#   TZ  the time zone (glibc reads it from the environment)
# It waits for the database, creates the schema when the database has no tables, writes
# /etc/zabbix/zabbix_server.conf and runs zabbix_server in the foreground (port 10051, log on stdout).
# Any other command given as arguments is run instead. No password is ever printed.
set -euo pipefail

CONF=/etc/zabbix/zabbix_server.conf
# Client settings with the password, readable by root only: the password stays off command lines.
CLIENT_CONF=/run/zabbix/client.cnf
SQL=/usr/share/zabbix-server-mysql
# ZBX_<NAME> variable -> option of zabbix_server.conf.
OPTIONS=(CacheSize HistoryCacheSize HistoryIndexCacheSize TrendCacheSize ValueCacheSize
  StartPollers StartPollersUnreachable StartPingers StartTrappers StartDiscoverers
  StartHTTPPollers StartPreprocessors StartAgentPollers StartSNMPPollers StartHTTPAgentPollers
  HousekeepingFrequency MaxHousekeeperDelete Timeout TrapperTimeout UnreachablePeriod
  UnavailableDelay UnreachableDelay DebugLevel CacheUpdateFrequency LogSlowQueries)

log() { printf '[zabbix-server] %s\n' "$*" >&2; }

write_client_conf() {
  # Option files unescape \\ and \" inside double quotes.
  local pw=${DB_PASSWORD//\\/\\\\}
  pw=${pw//\"/\\\"}
  (
    umask 077
    printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\n' \
      "$DB_HOST" "$DB_PORT" "$DB_USER" "$pw" >"$CLIENT_CONF"
  )
}

db() { mariadb --defaults-extra-file="$CLIENT_CONF" "$@"; }

wait_for_db() {
  log "waiting for the database at $DB_HOST:$DB_PORT"
  until db -e 'SELECT 1' "$DB_NAME" >/dev/null 2>&1; do
    sleep 2
  done
}

# The three files of Debian's package, in this order (data refers to images).
create_schema() {
  local tables
  tables=$(db -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()" "$DB_NAME")
  if [ "$tables" != 0 ]; then
    return
  fi
  log "creating the schema in $DB_NAME"
  zcat "$SQL/schema.sql.gz" "$SQL/images.sql.gz" "$SQL/data.sql.gz" | db "$DB_NAME"
  log "schema created"
}

write_conf() {
  local opt var
  {
    echo "# Written by the container's entrypoint from its environment."
    echo "LogType=console"
    echo "PidFile=/run/zabbix/zabbix_server.pid"
    echo "SocketDir=/run/zabbix"
    echo "ListenPort=10051"
    echo "DBHost=$DB_HOST"
    echo "DBPort=$DB_PORT"
    echo "DBName=$DB_NAME"
    echo "DBUser=$DB_USER"
    echo "DBPassword=$DB_PASSWORD"
    echo "FpingLocation=/usr/bin/fping"
    echo "AlertScriptsPath=/etc/zabbix/alert.d"
    for opt in "${OPTIONS[@]}"; do
      var=ZBX_${opt^^}
      if [ -n "${!var:-}" ]; then
        echo "$opt=${!var}"
      fi
    done
  } >"$CONF"
  chown root:zabbix "$CONF"
  chmod 0640 "$CONF"
}

main() {
  if [ "$#" -gt 0 ] && [ "$1" != zabbix_server ]; then
    exec "$@"
  fi
  DB_HOST=${DB_SERVER_HOST:-mysql-server}
  DB_PORT=${DB_SERVER_PORT:-3306}
  DB_NAME=${MYSQL_DATABASE:-zabbix}
  DB_USER=${MYSQL_USER:-zabbix}
  DB_PASSWORD=${MYSQL_PASSWORD:-}
  mkdir -p /run/zabbix
  chown zabbix:zabbix /run/zabbix
  write_client_conf
  wait_for_db
  create_schema
  write_conf
  log "starting zabbix_server"
  # Started as root, zabbix_server switches to the user zabbix itself.
  exec zabbix_server --foreground --config "$CONF"
}

main "$@"
