# shellcheck shell=bash
# Environment of the end-to-end suite; source it: `. scripts/e2e/env.sh`.
# Puts the CLI built by build-engine.sh on PATH and keeps the state in a throwaway file backend,
# away from any cloud service. Plugins (the Node.js language host and the providers) are found as
# on any user's machine: on PATH or installed in PULUMI_HOME (default ~/.pulumi).
#
# HIVE_E2E_STATE: folder of the file backend (default: a new temporary folder).

HIVE_ENGINE_VERSION=${PULUMI_ENGINE_VERSION:-v3.276.0}
HIVE_ENGINE_ROOT=${HIVE_ENGINE_CACHE:-$HOME/.cache/hive/engine}/$HIVE_ENGINE_VERSION
HIVE_ENGINE_BIN=$HIVE_ENGINE_ROOT/bin
HIVE_E2E_STATE=${HIVE_E2E_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/hive-e2e-state.XXXXXX")}
export HIVE_ENGINE_VERSION HIVE_ENGINE_ROOT HIVE_ENGINE_BIN HIVE_E2E_STATE

export PATH=$HIVE_ENGINE_BIN:$PATH
export PULUMI_HOME=${PULUMI_HOME:-$HOME/.pulumi}
export PULUMI_BACKEND_URL=file://$HIVE_E2E_STATE
# Only protects throwaway test stacks.
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-hive-e2e-passphrase}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
