#!/usr/bin/env bash
# Builds the Pulumi CLI (and deployment engine) from the Go module proxy alone, into
# ~/.cache/hive/engine/<version>/bin (outside the repository), and reuses it when present.
#
# Only the CLI is built here. The Node.js language host and the resource providers the program
# uses (command, random, tls, docker) are plugins a user installs like any other: the suite finds
# them on PATH or in PULUMI_HOME and lists what is missing (missingForEngine in test/e2e/harness.ts).
#
# Environment: PULUMI_ENGINE_VERSION (default v3.276.0), HIVE_ENGINE_CACHE (default
# ~/.cache/hive/engine), GO_BUILD_JOBS (default 1: the machines are small and shared).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION=${PULUMI_ENGINE_VERSION:-v3.276.0}
ROOT=${HIVE_ENGINE_CACHE:-$HOME/.cache/hive/engine}/$VERSION
BIN=$ROOT/bin
SRC=$ROOT/src
JOBS=${GO_BUILD_JOBS:-1}

# The cache is reused only if it was built by this very script.
STAMP=$(sha256sum "$HERE/build-engine.sh" | cut -c1-16)
if [ "$(cat "$ROOT/complete" 2>/dev/null)" = "$STAMP" ] && [ -x "$BIN/pulumi" ]; then
  echo "cached: $BIN/pulumi"
  exit 0
fi

start=$SECONDS
step() { printf '[build-engine] %4ds %s\n' "$((SECONDS - start))" "$*"; }

mkdir -p "$BIN" "$SRC"
cd "$SRC"

# A dependency's replace directives do not apply outside its own build, so the one pkg/v3
# needs from a module (its clipboard fork) is repeated here; its `sdk/v3 => ../sdk` is replaced
# by requiring the sdk at the same version.
cat >go.mod <<MOD
module hive.local/engine

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 $VERSION
	github.com/pulumi/pulumi/sdk/v3 $VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

step "resolving modules for pulumi $VERSION"
GOFLAGS=-mod=mod go mod tidy

step "building pulumi"
GOFLAGS="-mod=mod -buildvcs=false -p=$JOBS" nice -n 19 go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

"$BIN/pulumi" version
echo "$STAMP" >"$ROOT/complete"
step "done: $BIN/pulumi"
