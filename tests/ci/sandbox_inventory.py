#!/usr/bin/env python
"""Write an Ansible inventory for the sandbox: one host per ServiceNow instance, all sharing one Camunda cluster.

    python tests/ci/sandbox_inventory.py SANDBOX_JSON OUT_YAML [--hosts N] [--cluster INDEX] [--no-install-spoke]
        [--self-managed]

With --hosts larger than the number of sandbox instances the instances are reused round-robin (each host still
gets its own Camunda client name), which is what the 20-hosts-one-organization test needs. --self-managed points the
hosts at the sandbox's Self-Managed services instead (Keycloak admin API, the Self-Managed orchestration cluster). The secrets are the
sandbox's throw-away credentials; a real inventory keeps them in Ansible Vault (see playbooks/inventory.example.yml).
"""

import argparse
import json
import os
import sys


def self_managed_vars(info):
    """The role's Camunda variables for the sandbox's Keycloak-shaped Self-Managed services."""
    sm = info["camunda"]["self_managed"]
    camunda = {
        "deployment": "self_managed",
        "keycloak_url": sm["keycloak_url"],
        "keycloak_realm": sm["realm"],
        "keycloak_admin_username": sm["admin"]["username"],
        "keycloak_admin_password": sm["admin"]["password"],
        "cluster_api_url": sm["cluster_rest_url"],
        "cluster_audience": sm["audience"],
    }
    if info.get("ca_file"):
        camunda["ca_path"] = info["ca_file"]
    return {"setup_camunda_platform": "self_managed", "setup_camunda": camunda}


def build(info, hosts=None, cluster=0, install_spoke=True, self_managed=False, region=False):
    saas = info["camunda"]["saas"]
    instances = info["servicenow"]
    count = hosts or len(instances)
    camunda = {
        "client_id": saas["organization_client"]["client_id"],
        "client_secret": saas["organization_client"]["client_secret"],
        "console_url": saas["console_url"],
        "oauth_url": saas["token_url"],
        "cluster_api_url": saas["cluster_rest_url"],
        "ca_path": info.get("ca_file") or None,
    }
    camunda = dict((k, v) for k, v in camunda.items() if v is not None)
    first = instances[0]
    group_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "setup_camunda": camunda,
        "setup_camunda_cluster_id": saas["clusters"][cluster]["id"],
        "setup_connector_user": first["users"]["admin"]["username"],
        "setup_connector_password": first["users"]["admin"]["password"],
        "setup_spoke_install": bool(install_spoke),
        "setup_spoke_install_timeout": 120,
    }
    if region:  # as a user who copies CAMUNDA_CLUSTER_REGION from Console: a run that changes no client skips the cluster
        group_vars["setup_camunda_region"] = saas["clusters"][cluster]["region"]
    if self_managed:
        group_vars.update(self_managed_vars(info))
        del group_vars["setup_camunda_cluster_id"]
    if install_spoke and (first.get("spoke") or {}).get("version"):
        group_vars["setup_spoke_version"] = first["spoke"]["version"]
    host_vars = {}
    for index in range(count):
        sn = instances[index % len(instances)]
        name = sn["name"] if count <= len(instances) else "sn%02d" % (index + 1)
        instance = {"host": sn["url"], "username": sn["users"]["admin"]["username"],
                    "password": sn["users"]["admin"]["password"]}
        if info.get("ca_file"):
            instance["ca_path"] = info["ca_file"]
        host_vars[name] = {"setup_servicenow_instance": instance}
        if count > len(instances):
            # Several hosts on one emulated instance: give each its own records so they do not collide.
            host_vars[name].update({
                "setup_oauth_profile_name": "Camunda OAuth %s" % name,
                "setup_credential_name": "Camunda Connection %s" % name,
                "setup_connection_name": "Camunda API Connection %s" % name,
            })
    return {"servicenow": {"vars": group_vars, "hosts": host_vars}}


def dump(data):
    """YAML is a superset of JSON: write JSON, which needs no third-party module here."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("sandbox_json")
    parser.add_argument("out")
    parser.add_argument("--hosts", type=int, default=None)
    parser.add_argument("--cluster", type=int, default=0)
    parser.add_argument("--no-install-spoke", action="store_true")
    parser.add_argument("--self-managed", action="store_true")
    args = parser.parse_args(argv)
    with open(args.sandbox_json, encoding="utf-8") as handle:
        info = json.load(handle)
    data = build(info, args.hosts, args.cluster, not args.no_install_spoke, args.self_managed)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(dump(data))
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
