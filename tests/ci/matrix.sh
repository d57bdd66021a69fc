#!/usr/bin/env bash
# One leg of `make test-matrix`: ansible-test sanity + units for one ansible-core release on one Python.
#
#   tests/ci/matrix.sh REPO WORKDIR 'ansible-core>=2.17,<2.18' /path/to/python3.12 [ansible-test arguments...]
#
# WORKDIR gets its own virtual environment (venv/), a stamp so re-runs are cheap, its own collection farm
# (ansible_collections/camunda/servicenow) and the offline get-pip stand-in for that release's pinned pip.
set -euo pipefail

repo=$1
work=$2
core=$3
python=$4
shift 4

if [ ! -x "$python" ]; then
    echo "test-matrix: $python not found; install that Python (pyenv install) or pass MATRIX_*_PYTHON=/path/to/python." >&2
    exit 1
fi

pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv="$work/venv"
stamp="$venv/.stamp-$(printf '%s' "$core" | tr -c 'A-Za-z0-9.' '_')"
requirements=(requests jmespath cryptography pyyaml pytest pytest-mock pytest-xdist mock)

if [ ! -f "$stamp" ] || [ "$repo/requirements.txt" -nt "$stamp" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "$core" "${requirements[@]}"
    "$venv/bin/python" -m pip check
    touch "$stamp"
fi

export PATH="$venv/bin:$PATH"
echo "=== test-matrix: $(ansible --version | head -1) on Python $pyver"
"$venv/bin/python" "$repo/tests/ci/install_get_pip.py"
"$venv/bin/python" "$repo/tests/ci/farm.py" "$repo" "$work"
cd "$work/ansible_collections/camunda/servicenow"

if ls tests/sanity/ignore-*.txt >/dev/null 2>&1; then
    echo "test-matrix: tests/sanity/ignore-*.txt must not exist" >&2
    exit 1
fi

ansible-test sanity --requirements --local --python "$pyver" "$@"

if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    echo "test-matrix: no unit tests yet in tests/unit (skipped)"
else
    ansible-test units --requirements --local --python "$pyver" "$@"
fi
