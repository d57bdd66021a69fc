#!/usr/bin/env bash
# `make integration`: run the ansible-test integration targets against the sandbox.
#
#   tests/ci/integration.sh REPO COLLECTION_FARM PYTHON_VERSION [ansible-test arguments...]
#
# Starts the sandbox (TLS, 2 ServiceNow instances) with tests/sandbox/ctl.py, writes
# tests/integration/integration_config.yml from it, mirrors it into the farm, runs
# `ansible-test integration --local`, and always stops the sandbox, whatever happened.
# No targets yet: says so and exits 0. Targets present: any sandbox failure fails the gate.
set -euo pipefail

repo=$1
farm=$2
pyver=$3
shift 3

python=${PYTHON:-python}
state_dir="$repo/build/sandbox"
ctl="$repo/tests/sandbox/ctl.py"
config="$repo/tests/integration/integration_config.yml"

if [ -z "$(find "$repo/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null)" ]; then
    echo "integration: no integration targets yet in tests/integration/targets (skipped)"
    exit 0
fi

if [ ! -f "$ctl" ]; then
    echo "integration: targets exist but $ctl is missing: cannot start the sandbox." >&2
    exit 1
fi

stop_sandbox() {
    "$python" "$ctl" stop --state-dir "$state_dir" || echo "integration: stopping the sandbox failed (state dir $state_dir)" >&2
}

if [ -f "$state_dir/sandbox.json" ]; then
    stop_sandbox  # a sandbox left over from an interrupted run
fi
rm -rf "$state_dir"
trap stop_sandbox EXIT
"$python" "$ctl" start --state-dir "$state_dir" --tls --instances 2
"$python" "$ctl" integration-config --state-dir "$state_dir" --out "$config"

"$python" "$repo/tests/ci/farm.py" "$repo" "$repo/build"
cd "$farm"
ansible-test integration --local --python "$pyver" --continue-on-error "$@"
