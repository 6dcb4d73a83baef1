#!/bin/bash
# Destroys the stage's vagrant machines; a context directory without a Vagrantfile means nothing is left.
# Inputs (environment): HIVE_CONTEXT_DIR.
set -euo pipefail

: "${HIVE_CONTEXT_DIR:?}"
if [ -f "$HIVE_CONTEXT_DIR/Vagrantfile" ]; then
  cd "$HIVE_CONTEXT_DIR"
  vagrant destroy -f
fi
