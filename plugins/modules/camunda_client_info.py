#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: camunda_client_info
short_description: List the API clients of a Camunda cluster
version_added: 0.1.0
description:
  - Lists the API clients of a Camunda 8 SaaS cluster through the Console (Administration) API, or the clients of
    the Camunda Identity realm through the Keycloak admin API on Self-Managed.
  - Read-only; never returns a client secret (the Console API never shows one again).
  - The C(camunda.servicenow.setup) role uses it to tell an instance's client generations apart (trusted, orphaned,
    previous) before it creates or deletes anything.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
  - camunda.servicenow.attributes.info_module
  - camunda.servicenow.query
options:
  cluster_id:
    description:
      - The cluster's id as Console shows it. Required on SaaS; ignored on Self-Managed.
    type: str
  name_prefix:
    description:
      - Return only clients whose name (SaaS) or client id (Self-Managed) starts with this string.
    type: str
  name_pattern:
    description:
      - Return only clients whose name (SaaS) or client id (Self-Managed) matches this Python regular expression
        in full.
    type: str
  include_cluster:
    description:
      - Also read the cluster itself (SaaS only, one more request) and return it as RV(cluster), with its region,
        the regional host and the Camunda version, for a preflight check.
    type: bool
    default: false
notes:
  - On SaaS the organization client needs the C(Zeebe Client) scope; on Self-Managed the Keycloak admin needs
    C(view-clients).
seealso:
  - module: camunda.servicenow.camunda_client_credential
"""

EXAMPLES = r"""
- name: List this instance's client generations
  camunda.servicenow.camunda_client_info:
    camunda:
      access_token: "{{ camunda_org_token }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name_pattern: 'servicenow-dev12345-g[0-9]+'
  register: clients

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ clients.clients | map(attribute='name') | list }}"
"""

RETURN = r"""
clients:
  description:
    - The matching clients, sorted by name. Never a secret.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The client's name (SaaS) or client id (Self-Managed).
      type: str
    client_id:
      description: The OAuth client id.
      type: str
    permissions:
      description: The client's permissions (SaaS); empty on Self-Managed.
      type: list
      elements: str
  sample:
    - name: servicenow-dev12345-g1
      client_id: Xb3kT0V~pQ8rN1z
      permissions: [Zeebe]
cluster:
  description:
    - The cluster, when O(include_cluster=true) on SaaS; empty otherwise.
    - C(version) is parsed from the cluster's generation name; C(region) and C(host) from its Zeebe link.
  returned: always
  type: dict
  sample:
    id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: production
    region: lhr-1
    host: lhr-1.zeebe.camunda.io
    version: 8.8.0
    status: Healthy
    ready: true
query_result:
  description: The answer of O(query) over this result (C(null) when nothing matches).
  returned: when O(query) is set
  type: raw
  sample: ["servicenow-dev12345-g1"]
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.query import QUERY_ARGUMENT_SPEC
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_console import ConsoleAPI, cluster_view
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_keycloak import KeycloakAdmin
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module


def select_clients(rows, name_prefix=None, name_pattern=None):
    """Normalise the service's rows to ``{name, client_id, permissions}``, filter and sort them by name."""
    pattern = re.compile(name_pattern) if name_pattern else None
    out = []
    for row in rows or []:
        if not isinstance(row, dict):
            continue
        client_id = row.get("clientId")
        name = row.get("name") if row.get("name") is not None else client_id
        if not isinstance(name, str) or not client_id:
            continue
        if name_prefix and not name.startswith(name_prefix):
            continue
        if pattern is not None and not pattern.fullmatch(name):
            continue
        permissions = row.get("permissions") if isinstance(row.get("permissions"), list) else []
        out.append({"name": name, "client_id": client_id, "permissions": list(permissions)})
    return sorted(out, key=lambda item: item["name"])


def list_rows(client, cluster_id, name_prefix):
    if client.deployment == SELF_MANAGED:
        rows = KeycloakAdmin(client).list_clients(name_prefix)
        return [{"clientId": r.get("clientId"), "name": r.get("clientId")} for r in rows]
    return ConsoleAPI(client, cluster_id).list_clients()


def run(module, client):
    params = module.params
    if params["name_pattern"]:
        try:
            re.compile(params["name_pattern"])
        except re.error as err:
            raise CamundaError("name_pattern '{0}' is not a valid regular expression ({1}); fix the pattern".format(
                params["name_pattern"], err))
    rows = list_rows(client, params["cluster_id"], params["name_prefix"])
    cluster = {}
    if params["include_cluster"] and client.deployment != SELF_MANAGED:
        cluster = cluster_view(ConsoleAPI(client, params["cluster_id"]).get_cluster(), params["cluster_id"])
    return dict(changed=False, clients=select_clients(rows, params["name_prefix"], params["name_pattern"]),
                cluster=cluster)


def main():
    argument_spec = camunda_argument_spec()
    argument_spec.update(
        cluster_id=dict(type="str"),
        name_prefix=dict(type="str"),
        name_pattern=dict(type="str"),
        include_cluster=dict(type="bool", default=False),
    )
    argument_spec.update(QUERY_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda: run(module, CamundaClient(module.params["camunda"])))


if __name__ == "__main__":
    main()
