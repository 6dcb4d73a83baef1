#!/usr/bin/env bash
# Builds the Pulumi engine used by the end-to-end suite from the Go module proxy alone, into
# ~/.cache/hive/engine/<version>/bin (outside the repository), and reuses it when present.
#
#   pulumi                         the CLI and deployment engine (github.com/pulumi/pulumi/pkg/v3)
#   pulumi-language-nodejs         the suite's own Node.js language host (scripts/e2e/langhost)
#   pulumi-resource-pulumi-nodejs  launcher of @pulumi/pulumi's dynamic-provider plugin
#   pulumi-resource-<provider>     each resource provider the proxy serves (see docs/e2e.md)
#
# Environment: PULUMI_ENGINE_VERSION (default v3.259.0, the newest pkg/v3 whose source the proxy
# serves), HIVE_ENGINE_CACHE (default ~/.cache/hive/engine), GO_BUILD_JOBS (default 1: the
# machines are small and shared).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION=${PULUMI_ENGINE_VERSION:-v3.259.0}
ROOT=${HIVE_ENGINE_CACHE:-$HOME/.cache/hive/engine}/$VERSION
BIN=$ROOT/bin
SRC=$ROOT/src
JOBS=${GO_BUILD_JOBS:-1}

# Providers the hive program uses, at the versions of the npm SDKs in package.json:
# name, Go module of the provider, version, package path of its version variable.
PROVIDERS=(
  "command github.com/pulumi/pulumi-command/provider v1.2.1 pkg/version"
  "random github.com/pulumi/pulumi-random/provider/v4 v4.21.2 pkg/version"
  "tls github.com/pulumi/pulumi-tls/provider/v5 v5.6.1 pkg/version"
  "docker github.com/pulumi/pulumi-docker/provider/v5 v5.2.0 pkg/version"
)

# The cache is reused only if it was built by these very sources.
STAMP=$(cat "$HERE/build-engine.sh" "$HERE/langhost/main.go" "$HERE/dynamic-provider.sh" | sha256sum | cut -c1-16)
if [ "$(cat "$ROOT/complete" 2>/dev/null)" = "$STAMP" ]; then
  echo "cached: $BIN"
  cat "$ROOT/providers.txt"
  exit 0
fi

start=$SECONDS
step() { printf '[build-engine] %4ds %s\n' "$((SECONDS - start))" "$*"; }

go_build() {
  GOFLAGS="-mod=mod -buildvcs=false -p=$JOBS" nice -n 19 go build -trimpath "$@"
}

mkdir -p "$BIN" "$SRC/langhost"
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
cp "$HERE/langhost/main.go" langhost/main.go

step "resolving modules for pulumi $VERSION"
GOFLAGS=-mod=mod go mod tidy

step "building pulumi"
go_build -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
  -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

step "building pulumi-language-nodejs"
go_build -ldflags "-s -w -X main.version=${VERSION#v}" -o "$BIN/pulumi-language-nodejs" ./langhost

install -m 755 "$HERE/dynamic-provider.sh" "$BIN/pulumi-resource-pulumi-nodejs"

# Tries to build one provider; prints one line for providers.txt either way.
build_provider() {
  local name=$1 module=$2 version=$3 versionpkg=$4
  local dir=$ROOT/provider-$name log=$ROOT/provider-$name.log
  mkdir -p "$dir"
  if ! (cd "$dir" && GOFLAGS=-mod=mod go mod download -json "$module@$version") >"$log" 2>&1; then
    echo "$name $version unavailable: $(grep -o '"Error": *"[^"]*"' "$log" | head -1 | cut -d'"' -f4)"
    return
  fi
  # The provider's go.mod replace directives that point at other modules are needed here too;
  # ones that point at folders of its repository cannot be satisfied from the proxy.
  local gomod
  gomod=$(cd "$dir" && go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    printf 'module hive.local/provider-%s\n\ngo 1.26\n\nrequire %s %s\n' "$name" "$module" "$version"
    awk '/^replace \(/{block=1; next} block && /^\)/{block=0} block{print "replace " $0} /^replace [^(]/{print}' "$gomod"
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/pulumi-resource-%s"\n' "$module" "$name" >"$dir/tools.go"
  if (cd "$dir" && GOFLAGS=-mod=mod go mod tidy && go_build \
    -ldflags "-s -w -X $module/$versionpkg.Version=${version#v}" \
    -o "$BIN/pulumi-resource-$name" "$module/cmd/pulumi-resource-$name") >>"$log" 2>&1; then
    echo "$name $version built"
  else
    echo "$name $version failed: $(grep -v '^go: downloading' "$log" | tail -1)"
  fi
}

: >"$ROOT/providers.txt"
for entry in "${PROVIDERS[@]}"; do
  read -r name module version versionpkg <<<"$entry"
  step "provider $name $version"
  build_provider "$name" "$module" "$version" "$versionpkg" | tee -a "$ROOT/providers.txt"
done

"$BIN/pulumi" version
echo "$STAMP" >"$ROOT/complete"
step "done: $BIN"
