#!/bin/bash
# Writes the stage's Vagrantfile into the context directory and brings the machines up (or halts them).
# Inputs (environment): HIVE_CONTEXT_DIR, HIVE_VAGRANTFILE, HIVE_HALTED (true|false).
set -euo pipefail

: "${HIVE_CONTEXT_DIR:?}" "${HIVE_VAGRANTFILE:?}" "${HIVE_HALTED:?}"
mkdir -p "$HIVE_CONTEXT_DIR"
cd "$HIVE_CONTEXT_DIR"
printf '%s' "$HIVE_VAGRANTFILE" >Vagrantfile
if [ "$HIVE_HALTED" = "true" ]; then
  vagrant halt
else
  vagrant up
fi
