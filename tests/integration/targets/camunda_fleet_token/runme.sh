#!/usr/bin/env bash
# Issue 4 "Done when": a play over 20 hosts that share one Camunda organization makes ONE request to the token
# service, not one per host or per task; issue 5: the setup role fetches the organization token once per play.
#
# ansible-test runs this script from the target's directory (in its temporary copy of the collection). The sandbox
# vars (tests/integration/integration_config.yml, written by `tests/sandbox/ctl.py integration-config`) are the file
# ../../integration_config.yml; every playbook gets them with -e @. Steps:
#   setup.yml   restore the Camunda SaaS services and the ServiceNow instances, write a 20-host inventory
#   fleet.yml   camunda_token (run_once), then camunda_client_info and camunda_connector_secret on every host
#   role.yml    the setup role's preflight (--tags preflight) on the same 20 hosts
#   cleanup.yml restore the services again, whatever happened (trap)
# fleet.yml and role.yml each read the sandbox's request log of their own play and assert one token request.
set -eux
set -o pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
    echo "camunda_fleet_token: $config is missing; run \`make integration\`, or start the sandbox and write" \
        "tests/integration/integration_config.yml with \`tests/sandbox/ctl.py integration-config\`." >&2
    exit 1
fi

work=$(mktemp -d)
export ANSIBLE_ROLES_PATH=..
export ANSIBLE_NOCOLOR=1
export ANSIBLE_FORKS=20

cleanup() {
    ansible-playbook cleanup.yml -e "@$config" "$@" || echo "camunda_fleet_token: restoring the sandbox failed" >&2
    rm -rf "$work"
}
trap 'cleanup "$@"' EXIT

# Every one of the 20 fleet hosts ends with no failure, no ignored error and nothing unreachable.
check_recap() {
    local hosts
    hosts=$(grep -cE '^sn[0-9]{2} +: ok=[1-9][0-9]* +changed=[0-9]+ +unreachable=0 +failed=0 +skipped=[0-9]+ +rescued=0 +ignored=0 *$' "$1")
    if [ "$hosts" != 20 ]; then
        echo "camunda_fleet_token: $hosts of 20 hosts ended cleanly in $1" >&2
        return 1
    fi
}

ansible-playbook setup.yml -e "@$config" -e "fleet_work_dir=$work" "$@"

ansible-playbook fleet.yml -i "$work/inventory.yml" -e "@$config" "$@" | tee "$work/fleet.out"
check_recap "$work/fleet.out"

ansible-playbook role.yml -i "$work/inventory.yml" -e "@$config" --tags preflight "$@" | tee "$work/role.out"
check_recap "$work/role.out"
