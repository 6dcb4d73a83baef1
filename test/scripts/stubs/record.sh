# shellcheck shell=bash
# Call recording shared by the stubs; source it after setting S (the state dir) and line (the call).
# log K: appends "K<TAB>line" to calls.log (M mutating, R reading, F failed on purpose).
# mutate: records a mutating call, or fails it once when a line of $S/fail-once prefixes it.
# shellcheck disable=SC2154 # S and line are set by the sourcing stub
log() { printf '%s\t%s\n' "$1" "$line" >>"$S/calls.log"; }
mutate() {
  if [ -f "$S/fail-once" ]; then
    local pattern patterns=()
    mapfile -t patterns <"$S/fail-once"
    for pattern in "${patterns[@]}"; do
      [ -n "$pattern" ] || continue
      if [[ "$line" == "$pattern"* ]]; then
        printf '%s\n' "${patterns[@]}" | grep -vxF "$pattern" >"$S/fail-once.new" || true
        mv "$S/fail-once.new" "$S/fail-once"
        log F
        echo "stub: '$line' failed on purpose" >&2
        exit 1
      fi
    done
  fi
  log M
}
