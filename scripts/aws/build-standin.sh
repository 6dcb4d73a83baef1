#!/usr/bin/env bash
# Builds the stand-in aws resource plugin (scripts/aws/standin: the Terraform AWS provider's EC2/EBS part
# behind the Terraform bridge, under pulumi-aws's names) from the Go module proxy into
# ~/.cache/hive/aws-standin/pulumi-resource-aws. Reuses the cached binary while the sources are unchanged.
# A cold build needs about 6 GB of memory and 10–25 minutes on two cores; it runs under nice with at most
# two compile jobs (HIVE_GO_JOBS, default 2).
#
# HIVE_AWS_STANDIN_CACHE: where the binary goes (default ~/.cache/hive/aws-standin).
set -euo pipefail
src=$(cd "$(dirname "$0")/standin" && pwd)
out=${HIVE_AWS_STANDIN_CACHE:-$HOME/.cache/hive/aws-standin}
bin=$out/pulumi-resource-aws
stamp=$out/source.sha256
jobs=${HIVE_GO_JOBS:-2}

sum=$(cd "$src" && cat go.mod go.sum main.go | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
  echo "stand-in aws plugin is cached: $bin"
  exit 0
fi
command -v go >/dev/null || { echo "go is not installed; the stand-in is built from Go modules" >&2; exit 1; }
mkdir -p "$out"
start=$SECONDS
echo "building the stand-in aws plugin into $bin (go $(go env GOVERSION), -p=$jobs)"
(cd "$src" && GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 go build -p="$jobs" -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
echo "$sum" > "$stamp"
echo "built in $((SECONDS - start)) s: $bin"
