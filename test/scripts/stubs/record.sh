# shellcheck shell=bash
# Call recording shared by the stubs; source it after setting S (the state dir) and line (the call).
# log K: appends "K<TAB>line" to calls.log (M mutating, R reading, F failed on purpose).
# mutate: records a mutating call, or fails it once when a line of $S/fail-once prefixes it.
# shellcheck disable=SC2154 # S and line are set by the sourcing stub
# A tool that downloads (package managers, curl, pip) records the proxy it was given, if any, at the
# end of its line: "… [proxy http://…]".
log() {
  local via=""
  case "${line%% *}" in
    apt-get | dnf | curl | python3 | python3.12 | */python | ansible-galaxy | */ansible-galaxy)
      [ -z "${https_proxy:-}${http_proxy:-}" ] || via=" [proxy ${https_proxy:-$http_proxy}]"
      ;;
  esac
  printf '%s\t%s%s\n' "$1" "$line" "$via" >>"$S/calls.log"
}
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
