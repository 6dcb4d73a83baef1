#!/usr/bin/env bash
# Entrypoint of hive-e2e/zabbix-web-nginx-mysql:7.0 (Debian's zabbix-frontend-php on nginx and
# php-fpm), a subset of the official zabbix/zabbix-web-nginx-mysql image:
#   DB_SERVER_HOST, DB_SERVER_PORT, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD  the database
#   ZBX_SERVER_HOST, ZBX_SERVER_PORT, ZBX_SERVER_NAME  the Zabbix server the frontend talks to
#   PHP_TZ  PHP's date.timezone
# It writes /etc/zabbix/zabbix.conf.php (where Debian's frontend reads it) and runs php-fpm and nginx
# (port 8080, the frontend at /) in the foreground; when either stops, the other is stopped too and
# the container exits, so that its restart policy starts both again. No password is ever printed.
set -euo pipefail

log() { printf '[zabbix-web] %s\n' "$*" >&2; }

# A value as a single-quoted PHP string literal.
php_string() {
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\\\'}"
}

write_frontend_conf() {
  local conf=/etc/zabbix/zabbix.conf.php
  {
    echo '<?php'
    echo '// Written by the container entrypoint from its environment.'
    echo "\$DB['TYPE'] = 'MYSQL';"
    echo "\$DB['SERVER'] = $(php_string "${DB_SERVER_HOST:-mysql-server}");"
    echo "\$DB['PORT'] = $(php_string "${DB_SERVER_PORT:-3306}");"
    echo "\$DB['DATABASE'] = $(php_string "${MYSQL_DATABASE:-zabbix}");"
    echo "\$DB['USER'] = $(php_string "${MYSQL_USER:-zabbix}");"
    echo "\$DB['PASSWORD'] = $(php_string "${MYSQL_PASSWORD:-}");"
    echo "\$DB['SCHEMA'] = '';"
    echo "\$DB['ENCRYPTION'] = false;"
    echo "\$DB['DOUBLE_IEEE754'] = true;"
    echo "\$ZBX_SERVER = $(php_string "${ZBX_SERVER_HOST:-zabbix-server}");"
    echo "\$ZBX_SERVER_PORT = $(php_string "${ZBX_SERVER_PORT:-10051}");"
    echo "\$ZBX_SERVER_NAME = $(php_string "${ZBX_SERVER_NAME:-}");"
    echo "\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;"
  } >"$conf"
  chown root:www-data "$conf"
  chmod 0640 "$conf"
}

# The time zone goes into an ini file of php-fpm (its workers do not see this environment).
write_php_tz() {
  local dir
  for dir in /etc/php/*/fpm/conf.d; do
    printf 'date.timezone = %s\n' "${PHP_TZ:-UTC}" >"$dir/99-timezone.ini"
  done
}

stop_all() {
  kill "$@" 2>/dev/null || true
}

main() {
  if [ "$#" -gt 0 ]; then
    exec "$@"
  fi
  write_frontend_conf
  write_php_tz
  mkdir -p /run/php
  local fpm
  fpm=$(find /usr/sbin -name 'php-fpm*' | head -n 1)
  log "starting $(basename "$fpm") and nginx on :8080"
  "$fpm" --nodaemonize --force-stderr &
  local fpm_pid=$!
  nginx -g 'daemon off;' &
  local nginx_pid=$!
  # A `docker stop` is a clean exit (status 0), a crash of either process is not.
  local stopping=0
  # shellcheck disable=SC2064 # the process ids are known now
  trap "stopping=1; stop_all $fpm_pid $nginx_pid" TERM INT
  local rc=0
  wait -n "$fpm_pid" "$nginx_pid" || rc=$?
  if [ "$stopping" = 0 ]; then
    log "a process stopped (status $rc); stopping the other"
  fi
  stop_all "$fpm_pid" "$nginx_pid"
  wait || true
  if [ "$stopping" = 1 ]; then
    exit 0
  fi
  exit "$rc"
}

main "$@"
