#!/usr/bin/env bash
# The Python virtualenv holding Ansible on the repository server, used by image builds and service
# initialisation (`$HIVE_ANSIBLE_VENV/bin/ansible-playbook -c community.docker.docker`).
# The `ansible` package from PyPI (or the site's pip index) bundles its collections, community.docker
# among them, so nothing comes from Ansible Galaxy at run time. Ansible 11 (ansible-core 2.18) needs
# Python 3.11 or later on the controller: EL 8 and 9 have it as python3.12, EL 10, Debian 13 and Ubuntu
# 24.04 as python3. pip goes through the site's proxy and pip index (/etc/environment, lib.sh).
#
# Environment:
#   HIVE_ANSIBLE_VENV           path of the venv (required)
#   HIVE_ANSIBLE_VERSION        pinned version of the ansible package (required)
#   HIVE_DOCKER_PY_VERSION      pinned version of the docker Python package (required)
set -euo pipefail
if ! declare -F hive_changed >/dev/null; then
  # shellcheck source-path=SCRIPTDIR source=../../host/scripts/lib.sh
  . "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/lib.sh"
fi

hive_require HIVE_ANSIBLE_VENV HIVE_ANSIBLE_VERSION HIVE_DOCKER_PY_VERSION
venv="$ROOT$HIVE_ANSIBLE_VENV"
if [ "$HIVE_OS" = el ] && [ "$HIVE_OS_MAJOR" -lt 10 ]; then
  hive_pkg_install python3.12 python3.12-pip jq
  python=python3.12
elif [ "$HIVE_OS" = el ]; then
  hive_pkg_install python3 python3-pip jq
  python=python3
else
  hive_pkg_install python3-venv python3-pip jq
  python=python3
fi

# A venv whose python or pip does not run (an interrupted creation, a removed interpreter) is made anew.
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  "$python" -m venv --clear "$venv"
  hive_changed "created the virtualenv $HIVE_ANSIBLE_VENV"
fi

wanted=("ansible==$HIVE_ANSIBLE_VERSION" "docker==$HIVE_DOCKER_PY_VERSION")
installed="$("$venv/bin/python" -m pip freeze --all 2>/dev/null || true)"
missing=()
for req in "${wanted[@]}"; do
  grep -qixF -- "$req" <<<"$installed" || missing+=("$req")
done
if [ "${#missing[@]}" -gt 0 ]; then
  "$venv/bin/python" -m pip install --disable-pip-version-check "${missing[@]}"
  hive_changed "installed ${missing[*]} in $HIVE_ANSIBLE_VENV"
fi
hive_done
