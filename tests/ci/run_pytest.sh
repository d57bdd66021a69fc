#!/usr/bin/env bash
# Run one pytest gate and handle "no tests" explicitly instead of letting exit code 5 slip through.
#
#   tests/ci/run_pytest.sh NAME DIR [pytest arguments...]
#
# * DIR holds no test_*.py / *_test.py file yet: prints "NAME: no tests yet in DIR" and exits 0 (a visible skip).
# * DIR holds test files but pytest collects none (exit code 5): that is a broken suite, exit 1.
# * Any other pytest exit code is passed through.
set -euo pipefail

name=$1
dir=$2
shift 2
python=${PYTHON:-python}

if [ ! -e "$dir" ] || [ -z "$(find "$dir" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit)" ]; then
    echo "$name: no tests yet in $dir (skipped)"
    exit 0
fi

rc=0
"$python" -m pytest "$dir" "$@" || rc=$?

if [ "$rc" -eq 5 ]; then
    echo "$name: pytest collected no tests in $dir although test files exist: failing." >&2
    exit 1
fi

exit "$rc"
