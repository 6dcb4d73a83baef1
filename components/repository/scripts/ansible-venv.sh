#!/usr/bin/env bash
# The Python virtualenv holding Ansible on the repository server, used by image builds and service
# initialisation (`$HIVE_ANSIBLE_VENV/bin/ansible-playbook -c community.docker.docker`).
# ansible-core 2.17 needs Python 3.10 or later on the controller: AlmaLinux 9's python3 is 3.9, so
# the venv is made with python3.12 there; Ubuntu 24.04's python3 is 3.12.
#
# Environment:
#   HIVE_ANSIBLE_VENV               path of the venv (required)
#   HIVE_ANSIBLE_CORE_VERSION       pinned ansible-core version (required)
#   HIVE_DOCKER_PY_VERSION          pinned version of the docker Python package (required)
#   HIVE_COMMUNITY_DOCKER_VERSION   pinned community.docker collection version (required); installed
#                                   into <venv>/collections (ANSIBLE_COLLECTIONS_PATH of its users)
#   HIVE_ENVIRONMENT                NAME=value lines exported for pip and ansible-galaxy (proxy, pip
#                                   index; the same block base writes to /etc/environment; optional)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_ANSIBLE_VENV HIVE_ANSIBLE_CORE_VERSION HIVE_DOCKER_PY_VERSION HIVE_COMMUNITY_DOCKER_VERSION
while IFS= read -r line; do
  case "$line" in
    [A-Za-z_]*=*) export "${line?}" ;;
  esac
done <<<"${HIVE_ENVIRONMENT:-}"

venv="$ROOT$HIVE_ANSIBLE_VENV"
if [ "$HIVE_OS" = el ]; then
  hive_pkg_install python3.12 python3.12-pip jq
  python=python3.12
else
  hive_pkg_install python3-venv python3-pip jq
  python=python3
fi

# A venv whose python or pip does not run (an interrupted creation, a removed interpreter) is made anew.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  "$python" -m venv --clear "$venv"
  hive_changed "created the virtualenv $HIVE_ANSIBLE_VENV"
fi

wanted=("ansible-core==$HIVE_ANSIBLE_CORE_VERSION" "docker==$HIVE_DOCKER_PY_VERSION")
installed="$("$venv/bin/python" -m pip freeze --all 2>/dev/null || true)"
missing=()
for req in "${wanted[@]}"; do
  grep -qixF -- "$req" <<<"$installed" || missing+=("$req")
done
if [ "${#missing[@]}" -gt 0 ]; then
  "$venv/bin/python" -m pip install --disable-pip-version-check "${missing[@]}"
  hive_changed "installed ${missing[*]} in $HIVE_ANSIBLE_VENV"
fi

collections="$venv/collections"
manifest="$collections/ansible_collections/community/docker/MANIFEST.json"
current=""
[ ! -f "$manifest" ] || current="$(jq -r '.collection_info.version // ""' "$manifest" 2>/dev/null || true)"
if [ "$current" != "$HIVE_COMMUNITY_DOCKER_VERSION" ]; then
  ANSIBLE_COLLECTIONS_PATH="$collections" "$venv/bin/ansible-galaxy" collection install --force -p "$collections" "community.docker:==$HIVE_COMMUNITY_DOCKER_VERSION"
  hive_changed "installed the collection community.docker $HIVE_COMMUNITY_DOCKER_VERSION"
fi
hive_done
