#!/usr/bin/env bash
# The doctor (camunda.servicenow.integration_info through playbooks/doctor.yml) against the sandbox:
#   setup.yml    restore sn1, sn2 and the Camunda SaaS services, write a two-host inventory
#   site.yml     --limit sn1: sn1 is a healthy integration; sn2 stays unconfigured (broken)
#   check.yml    the doctor over both hosts, then breakages injected into sn1 (plugin, cluster, connector password)
#                and the doctor again; each run reads the sandbox's request log and asserts it wrote nothing
#   cleanup.yml  restore the services again, whatever happened (trap)
set -eux
set -o pipefail

config=../../integration_config.yml
if [ ! -f "$config" ]; then
    echo "integration_info: $config is missing; run \`make integration\`." >&2
    exit 1
fi

work=$(mktemp -d)
export ANSIBLE_ROLES_PATH=..
export ANSIBLE_NOCOLOR=1

cleanup() {
    ansible-playbook cleanup.yml -e "@$config" "$@" || echo "integration_info: restoring the sandbox failed" >&2
    rm -rf "$work"
}
trap 'cleanup "$@"' EXIT

ansible-playbook setup.yml -e "@$config" -e "doctor_work_dir=$work" "$@"
ansible-playbook camunda.servicenow.site -i "$work/inventory.yml" --limit sn1 "$@"
ansible-playbook check.yml -i "$work/inventory.yml" -e "@$config" -e "doctor_report_dir=$work/report" "$@"
