#!/usr/bin/env bash
# The EC2 emulator of the AWS suite: moto's server from PyPI at a pinned version, in a virtualenv under
# ~/.cache/hive/moto (outside the repository), listening on loopback only.
#
#   moto.sh install          create the virtualenv once (pip install moto[server]==$MOTO_VERSION)
#   moto.sh start PORT PIDFILE LOG   start the server on 127.0.0.1:PORT and wait until it answers
#   moto.sh stop PIDFILE     stop the server started with that pid file
#   moto.sh python           print the virtualenv's python (it has boto3, for reading the emulator)
#
# HIVE_MOTO_CACHE: where the virtualenv goes (default ~/.cache/hive/moto).
set -euo pipefail
MOTO_VERSION=5.2.5
cache=${HIVE_MOTO_CACHE:-$HOME/.cache/hive/moto}
venv=$cache/venv-$MOTO_VERSION

install() {
  if [ -f "$venv/complete" ]; then return 0; fi
  command -v python3 >/dev/null || { echo "python3 is needed for the EC2 emulator (moto)" >&2; exit 1; }
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  touch "$venv/complete"
}

case "${1:-}" in
  install) install ;;
  start)
    port=$2 pidfile=$3 log=$4
    install
    # test/aws/moto_server.py: moto's server with its EC2 model corrected where it departs from AWS.
    "$venv/bin/python3" "$(dirname "$0")/../../test/aws/moto_server.py" -H 127.0.0.1 -p "$port" > "$log" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 1 100); do
      if curl -fs -o /dev/null "http://127.0.0.1:$port/moto-api/"; then exit 0; fi
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "moto did not start:" >&2; cat "$log" >&2; exit 1; fi
      sleep 0.2
    done
    echo "moto did not answer on 127.0.0.1:$port" >&2
    exit 1
    ;;
  python) echo "$venv/bin/python3" ;;
  stop)
    pidfile=$2
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
    ;;
  *)
    echo "usage: moto.sh install | start PORT PIDFILE LOG | stop PIDFILE | python" >&2
    exit 2
    ;;
esac
