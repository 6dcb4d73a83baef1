#!/usr/bin/env bash
# Runs the AWS suite (test/aws/*.test.ts): the real engine and plugins of the end-to-end suite, an aws
# resource plugin (pulumi-aws on PATH or in PULUMI_HOME, else the stand-in of build-standin.sh, built or
# reused here), and moto's EC2 emulator started on 127.0.0.1 for the run and always stopped after.
# Extra arguments go to node's test runner (e.g. one file: scripts/aws/run.sh test/aws/solo.test.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v pulumi-resource-aws >/dev/null; then bash scripts/aws/build-standin.sh; fi
bash scripts/aws/moto.sh install

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/hive-aws-run.XXXXXX")
trap 'bash scripts/aws/moto.sh stop "$run_dir/moto.pid"; rm -rf "$run_dir"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The AMIs the emulator offers: official AlmaLinux 9 images (the program looks them up by owner and name).
MOTO_AMIS_PATH=$PWD/test/aws/fixtures/amis.json bash scripts/aws/moto.sh start "$port" "$run_dir/moto.pid" "$run_dir/moto.log"

export HIVE_MOTO_ENDPOINT=http://127.0.0.1:$port
HIVE_MOTO_PYTHON=$(bash scripts/aws/moto.sh python)
export HIVE_MOTO_PYTHON
if [ "$#" -eq 0 ]; then
  set -- test/aws/*.test.ts
fi
node --import tsx --test --test-reporter=spec --test-concurrency=1 "$@"
