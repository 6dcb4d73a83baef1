#!/usr/bin/env bash
# Launcher for Pulumi's Node.js dynamic-provider plugin (resources of `pulumi.dynamic.Resource`).
# The engine starts it in the program's directory; the provider itself ships in @pulumi/pulumi.
set -euo pipefail

dir=$PWD
while [ ! -f "$dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js" ]; do
  if [ "$dir" = / ]; then
    echo "pulumi-resource-pulumi-nodejs: no node_modules/@pulumi/pulumi above $PWD" >&2
    exit 1
  fi
  dir=$(dirname "$dir")
done
exec node "$dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "$@"
