#!/usr/bin/env bash
# Lints every shell script of the project with shellcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null; then
  echo "shellcheck is not installed (apt-get install shellcheck)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.sh' '.ci/run')
if [ "${#files[@]}" -gt 0 ]; then shellcheck -x "${files[@]}"; fi
