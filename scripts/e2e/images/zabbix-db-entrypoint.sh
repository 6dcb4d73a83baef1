#!/usr/bin/env bash
# Entrypoint of hive-e2e/zabbix-db:11 (Debian's mariadb-server), a small subset of the official
# mariadb image's entrypoint:
#   - arguments starting with "-" are options for mariadbd (e.g. --character-set-server=utf8mb4);
#   - on the first start (no system tables in /var/lib/mysql) it initialises the data folder, sets the
#     root password (root@localhost and root@'%'), creates MARIADB_DATABASE and MARIADB_USER@'%' with
#     MARIADB_PASSWORD, all through a server that listens on no TCP port until it is done;
#   - then mariadbd runs in the foreground (the image's config listens on 0.0.0.0:3306).
# The MYSQL_* names of the same variables are accepted too. No password is ever printed.
set -euo pipefail

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

log() { printf '[zabbix-db] %s\n' "$*" >&2; }

# A value for a single-quoted SQL string literal.
sql_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

# A name for a backquoted SQL identifier.
sql_name() {
  local q='`'
  printf '%s%s%s' "$q" "${1//$q/$q$q}" "$q"
}

# The SQL of the first start; read by the client from stdin, so no secret is on a command line.
init_sql() {
  local root_pw db user pw
  root_pw=$(sql_string "$ROOT_PASSWORD")
  # Only the accounts set up here (as in the official image): no anonymous or other root users.
  printf '%s\n' \
    "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');" \
    "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';" \
    "FLUSH PRIVILEGES;" \
    "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_pw;" \
    "CREATE USER 'root'@'%' IDENTIFIED BY $root_pw;" \
    "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  if [ -n "$DATABASE" ]; then
    db=$(sql_name "$DATABASE")
    printf 'CREATE DATABASE IF NOT EXISTS %s;\n' "$db"
  fi
  if [ -n "$USER_NAME" ] && [ -n "$USER_PASSWORD" ]; then
    user=$(sql_string "$USER_NAME")
    pw=$(sql_string "$USER_PASSWORD")
    printf "CREATE USER %s@'%%' IDENTIFIED BY %s;\n" "$user" "$pw"
    if [ -n "$DATABASE" ]; then
      printf "GRANT ALL ON %s.* TO %s@'%%';\n" "$db" "$user"
    fi
  fi
}

wait_for_socket() {
  local pid=$1
  for _ in $(seq 1 60); do
    if mariadb-admin --socket="$SOCKET" --user=root ping >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the initialising server stopped"
      exit 1
    fi
    sleep 1
  done
  log "the initialising server did not answer in 60 s"
  exit 1
}

initialise() {
  if [ -z "$ROOT_PASSWORD" ]; then
    log "the database is uninitialised and MARIADB_ROOT_PASSWORD is not set"
    exit 1
  fi
  log "initialising $DATADIR"
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal "$@" >/dev/null
  # No TCP while the accounts are made: clients (the Zabbix server) wait until the real start.
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$SOCKET" "$@" &
  local pid=$!
  wait_for_socket "$pid"
  init_sql | mariadb --socket="$SOCKET" --user=root
  kill "$pid"
  wait "$pid"
  log "initialised (database ${DATABASE:-none}, user ${USER_NAME:-none})"
}

main() {
  if [ "$#" -eq 0 ] || [ "${1:0:1}" = - ]; then
    set -- mariadbd "$@"
  fi
  if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
    exec "$@"
  fi
  shift
  ROOT_PASSWORD=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  DATABASE=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
  USER_NAME=${MARIADB_USER:-${MYSQL_USER:-}}
  USER_PASSWORD=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
  mkdir -p /run/mysqld "$DATADIR"
  chown mysql:mysql /run/mysqld "$DATADIR"
  if [ ! -d "$DATADIR/mysql" ]; then
    initialise "$@"
  fi
  exec mariadbd --user=mysql --datadir="$DATADIR" "$@"
}

main "$@"
