#!/usr/bin/env bash
# Runs the end-to-end suite: builds (or reuses) the engine, starts new test servers, runs
# test/e2e/*.test.ts, and always stops the servers again. Extra arguments go to node's runner
# (e.g. a single file: scripts/e2e/run.sh test/e2e/engine.test.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash scripts/e2e/build-engine.sh
trap 'bash scripts/e2e/servers.sh down' EXIT
# New servers from the image every run: the tests expect servers no site has touched yet.
bash scripts/e2e/servers.sh down
bash scripts/e2e/servers.sh up

if [ "$#" -eq 0 ]; then
  set -- test/e2e/*.test.ts
fi
node --import tsx --test --test-reporter=spec "$@"
