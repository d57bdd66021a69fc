#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servicenow_oauth_profile_info
short_description: Read the ServiceNow Application Registry record that connects to Camunda's OAuth provider
version_added: 0.1.0
description:
  - Reads the Application Registry record (table C(oauth_entity)) called O(name), matched exactly, and returns its
    managed fields, among them the Camunda client id it holds. Read-only; one request to ServiceNow.
  - The C(camunda.servicenow.setup) role uses it to tell whether ServiceNow already holds a Camunda client (the
    pair is then trusted) or whether a client found in Camunda is an orphan of an interrupted run.
  - The client secret is write-only in ServiceNow and never returned.
  - The record is matched by its exact name. A record whose name differs only in letter case (an instance may
    match names case-insensitively) is not reported as it; a warning names it.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes.info_module
  - camunda.servicenow.query
options:
  name:
    description:
      - Name of the Application Registry record.
    type: str
    default: Camunda OAuth
notes:
  - Needs the C(oauth_admin) or C(admin) role on the instance (or read access to C(oauth_entity)).
seealso:
  - module: camunda.servicenow.servicenow_oauth_profile
"""

EXAMPLES = r"""
- name: Which Camunda client does ServiceNow use?
  camunda.servicenow.servicenow_oauth_profile_info:
    instance:
      host: https://dev12345.service-now.com
      username: admin
      password: "{{ vault_sn_password }}"
  register: profile

- name: Show it
  ansible.builtin.debug:
    msg: "{{ profile.record.client_id | default('no OAuth profile yet') }}"
"""

RETURN = r"""
exists:
  description: Whether the record exists.
  returned: always
  type: bool
  sample: true
record:
  description:
    - The record's managed fields and C(sys_id) (references as sys_ids); empty when it does not exist.
    - Never the client secret.
  returned: always
  type: dict
  sample:
    sys_id: 2f7c1e0a1b2c3d4e5f60718293a4b5c6
    name: Camunda OAuth
    type: oauth_provider
    client_id: my-camunda-client
    oauth_api_script: 9a8b7c6d5e4f30211203f4e5d6c7b8a9
    default_grant_type: client_credentials
    token_url: https://login.cloud.camunda.io/oauth/token
    refresh_token_lifespan: "8640000"
    access_token_lifespan: "1800"
    active: "true"
query_result:
  description: The answer of O(query) over this result (C(null) when nothing matches).
  returned: when O(query) is set
  type: raw
  sample: ["servicenow-dev12345-g1"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.query import QUERY_ARGUMENT_SPEC
from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    servicenow_argument_spec,
)

TABLE = "oauth_entity"
FIELDS = (
    "sys_id", "name", "type", "client_id", "oauth_api_script", "default_grant_type", "token_url",
    "refresh_token_lifespan", "access_token_lifespan", "active",
)


def view(row):
    """The record as returned: FIELDS only, each normalised (references as sys_ids); never a secret."""
    if not row:
        return {}
    return dict((key, records.normalize(row.get(key)) if row.get(key) is not None else None) for key in FIELDS)


WHAT = "Application Registry (oauth_entity)"


def read(client, name):
    """(the record named exactly ``name`` or None, warnings). An instance may match names case-insensitively: a
    record whose name differs only in letter case is not taken for it, and a warning names it."""
    key = {"name": name}
    rows = client.get_records(TABLE, key, FIELDS, limit=5)
    row = records.find_exact(rows, key, WHAT)
    variants = records.case_variants(rows, key) if row is None else []
    warnings = ["No {0} is named exactly '{1}' on {2}; {3} differs only in letter case and is not reported as "
                "it".format(WHAT, name, client.host, ", ".join("'{0}' ({1})".format(
                    records.normalize(v.get("name")), records.record_id(v)) for v in variants))] if variants else []
    return row, warnings


def run(module, client):
    row, warnings = read(client, module.params["name"])
    return dict(changed=False, exists=bool(row), record=view(row)), warnings


def main():
    spec = servicenow_argument_spec()
    spec.update(name=dict(type="str", default="Camunda OAuth"))
    spec.update(QUERY_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
