#!/usr/bin/env bash
# Stand-in for python3 / python3.12 (venv creation), a venv's python (pip) and ansible-galaxy (collection
# install), called by stub.sh with the invoked path and the arguments. A venv is simulated under ROOT:
# pyvenv.cfg, bin/python and, once ansible-core is installed, bin/ansible-galaxy and bin/ansible-playbook
# (links to the stub), with the installed packages listed in <venv>/stub-freeze.
set -euo pipefail
S="${STUB_STATE:?}"
ROOT="${ROOT:-}"
invoked="$1"
shift
stub="$(dirname "$(readlink -f "$0")")/stub.sh"
if [ -n "$ROOT" ] && [[ "$invoked" == "$ROOT"/* ]]; then name="${invoked#"$ROOT"}"; else name="$(basename "$invoked")"; fi
line="$name $*"
# shellcheck source-path=SCRIPTDIR source=record.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/record.sh"
# The venv a tool under <venv>/bin belongs to.
venv="$(dirname "$(dirname "$invoked")")"

case "$(basename "$invoked") ${1:-} ${2:-}" in
  "python3 -m venv" | "python3.12 -m venv")
    mutate
    dir="$(printf '%s\n' "$@" | tail -1)"
    [ "$3" != --clear ] || rm -rf "$dir"
    mkdir -p "$dir/bin"
    printf 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n' >"$dir/pyvenv.cfg"
    ln -sf "$stub" "$dir/bin/python"
    ;;
  "python -m pip")
    case "$3" in
      --version) log R && [ -f "$venv/pyvenv.cfg" ] && echo "pip 24.0 from $venv (python 3.12)" ;;
      freeze) log R && echo "pip==24.0" && cat "$venv/stub-freeze" 2>/dev/null ;;
      install)
        mutate
        printf '%s\n' "https_proxy=${https_proxy:-} PIP_INDEX_URL=${PIP_INDEX_URL:-}" >"$S/pip-env"
        shift 3
        for req in "$@"; do
          case "$req" in
            -*) continue ;;
            *==*) ;;
            *) echo "stub pip: unpinned requirement $req" >&2 && exit 2 ;;
          esac
          { grep -v "^${req%%==*}==" "$venv/stub-freeze" 2>/dev/null || true; echo "$req"; } | sort >"$venv/stub-freeze.new"
          mv "$venv/stub-freeze.new" "$venv/stub-freeze"
          if [ "${req%%==*}" = ansible-core ] || [ "${req%%==*}" = ansible ]; then
            ln -sf "$stub" "$venv/bin/ansible-galaxy"
            ln -sf "$stub" "$venv/bin/ansible-playbook"
          fi
        done
        ;;
      *) echo "stub pip: unknown $3" >&2 && exit 2 ;;
    esac
    ;;
  "ansible-galaxy collection install")
    mutate
    [ -n "${ANSIBLE_COLLECTIONS_PATH:-}" ] || { echo "stub ansible-galaxy: ANSIBLE_COLLECTIONS_PATH not set" >&2 && exit 2; }
    args=("$@")
    dir=""
    for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" != -p ] || dir="${args[i + 1]}"; done
    spec="${args[${#args[@]} - 1]}"
    if [ -z "$dir" ] || [[ "$spec" != community.docker:==* ]]; then
      echo "stub ansible-galaxy: unexpected $*" >&2
      exit 2
    fi
    mkdir -p "$dir/ansible_collections/community/docker"
    printf '{"collection_info": {"namespace": "community", "name": "docker", "version": "%s"}, "format": 1}\n' "${spec#*==}" \
      >"$dir/ansible_collections/community/docker/MANIFEST.json"
    ;;
  *) echo "stub python: no behaviour for $line" >&2 && exit 2 ;;
esac
