#!/usr/bin/env bash
# Entrypoint of hive-e2e/registry:2 (Debian's docker-registry). It takes the same arguments as the
# official registry:2 image, so compose files and `docker exec` calls written for that image work:
#   (no arguments)              serve /etc/docker/registry/config.yml (the image's CMD)
#   FILE.yml                    serve that config file
#   serve|garbage-collect ARGS  run that registry subcommand
#   anything else               run it as a command (sh, tar, ...)
# The binary reads REGISTRY_* variables itself (REGISTRY_AUTH, REGISTRY_HTTP_TLS_CERTIFICATE, ...).
set -euo pipefail

case "${1:-}" in
  *.yml | *.yaml) set -- docker-registry serve "$@" ;;
  serve | garbage-collect | help | --version | -*) set -- docker-registry "$@" ;;
esac
exec "$@"
