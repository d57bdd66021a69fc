#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the camunda.servicenow collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: servicenow_credential
short_description: Manage the ServiceNow OAuth 2.0 credential the Camunda Spoke's connection uses
version_added: 0.1.0
description:
  - Creates, updates or deletes a credential of type C(OAuth 2.0 Credentials) (table C(oauth_2_0_credentials)) that
    points at an OAuth entity profile, as in step 4 of Camunda's ServiceNow setup.
  - The credential is found by its O(name), matched exactly.
  - The OAuth entity profile is given by name or sys_id and resolved on the instance; the module fails with a clear
    message when it does not exist (create it with M(camunda.servicenow.servicenow_oauth_profile)).
  - When nothing needs to change, the credential and the profile are read in one round trip (the Batch API) and
    nothing is written.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  name:
    description: Name of the credential, its natural key.
    type: str
    default: Camunda Connection
  oauth_entity_profile:
    description:
      - The OAuth entity profile (C(oauth_entity_profile)) the credential fetches tokens with, by name or sys_id.
      - M(camunda.servicenow.servicenow_oauth_profile) creates C(<entity name> default_profile) and returns it.
    type: str
    default: Camunda OAuth default_profile
  active:
    description: Whether the credential is active.
    type: bool
    default: true
  order:
    description: Order in which ServiceNow tries credentials (lower first).
    type: int
    default: 100
  applies_to:
    description: Which MID Servers the credential applies to (stored value, V(all) for all of them).
    type: str
    default: all
  state:
    description:
      - V(present) creates or updates the credential; V(absent) deletes it (the profile is left alone).
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: camunda.servicenow.servicenow_oauth_profile
  - module: camunda.servicenow.servicenow_connection_alias
  - module: camunda.servicenow.servicenow_spoke
  - name: Camunda ServiceNow setup and configuration
    description: The documented steps these modules automate (step 4 is this module).
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/setup-and-configuration/
"""

EXAMPLES = r"""
- name: Create the Camunda credential (documented values)
  camunda.servicenow.servicenow_credential:
    instance:
      host: https://example.service-now.com
      username: admin
      password: "{{ servicenow_password }}"
    name: Camunda Connection
    oauth_entity_profile: Camunda OAuth default_profile

- name: Use the profile returned by servicenow_oauth_profile
  camunda.servicenow.servicenow_credential:
    name: Camunda Connection
    oauth_entity_profile: "{{ camunda_oauth.profile.sys_id }}"

- name: Remove the credential
  camunda.servicenow.servicenow_credential:
    name: Camunda Connection
    state: absent
"""

RETURN = r"""
record:
  description:
    - The credential after the run (managed fields and C(sys_id)); empty after O(state=absent).
    - In check mode, what would be written (C(sys_id) is null for a credential that would be created).
  returned: always
  type: dict
  sample:
    sys_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    name: Camunda Connection
    oauth_entity_profile: 6d5c4b3a29180f7e6d5c4b3a29180f7e
    active: "true"
    order: "100"
    applies_to: all
profile:
  description: The OAuth entity profile the credential points at.
  returned: when O(state=present)
  type: dict
  sample:
    sys_id: 6d5c4b3a29180f7e6d5c4b3a29180f7e
    name: Camunda OAuth default_profile
diff:
  description: Managed fields before and after.
  returned: always
  type: dict
  sample:
    before: {order: "200"}
    after: {order: "100"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    escape_query_value as quote,
    find_by_name_or_sys_id,
    name_or_sys_id_query,
    servicenow_argument_spec,
)

CREDENTIAL_TABLE = "oauth_2_0_credentials"
PROFILE_TABLE = "oauth_entity_profile"
CREDENTIAL_FIELDS = ("sys_id", "name", "oauth_entity_profile", "active", "order", "applies_to")
PROFILE_FIELDS = ("sys_id", "name", "oauth_entity")
LOOKUP_LIMIT = 10
# How the record is named in messages ("Found 2 ... records matching name='...'").
CREDENTIAL_WHAT = "OAuth 2.0 credential (oauth_2_0_credentials)"


class CredentialError(ModuleError):
    """A condition the user must fix, with a one-sentence message."""


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(
        name=dict(type="str", default="Camunda Connection"),
        oauth_entity_profile=dict(type="str", default="Camunda OAuth default_profile"),
        active=dict(type="bool", default=True),
        order=dict(type="int", default=100),
        applies_to=dict(type="str", default="all"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    return spec


def credential_request(name):
    return dict(table=CREDENTIAL_TABLE, query="name={0}".format(quote(name)), fields=CREDENTIAL_FIELDS, limit=LOOKUP_LIMIT)


def profile_request(profile):
    return dict(table=PROFILE_TABLE, query=name_or_sys_id_query(profile), fields=PROFILE_FIELDS, limit=LOOKUP_LIMIT)


def find_profile(rows, profile, host, who="the ServiceNow account"):
    """The profile given by sys_id or name, checked exactly; a CredentialError when it is missing."""
    found = find_by_name_or_sys_id(rows, profile, "OAuth entity profile (oauth_entity_profile)")
    if found is None:
        raise CredentialError(
            "The OAuth entity profile '{0}' was not found on {1}; create it first with "
            "camunda.servicenow.servicenow_oauth_profile (it creates '<name> default_profile'), check "
            "oauth_entity_profile, and check that {2} may read OAuth entity profiles (role oauth_admin or "
            "admin).".format(profile, host, who)
        )
    return found


def desired_credential(params, profile_sys_id):
    return dict(
        name=params["name"],
        oauth_entity_profile=profile_sys_id,
        active=params["active"],
        order=params["order"],
        applies_to=params["applies_to"],
    )


def public_record(record):
    if not record:
        return {}
    out = dict((k, record.get(k)) for k in CREDENTIAL_FIELDS)
    out["oauth_entity_profile"] = records.normalize(out.get("oauth_entity_profile")) or None
    return out


def write_plan(client, the_plan, check_mode, name):
    """Carry out a Plan; a POST that failed in a retryable way is only repeated when the credential is still
    absent. Returns the standard result {changed, diff, record}."""

    def lookup():
        rows = client.get_records(CREDENTIAL_TABLE, "name={0}".format(quote(name)), CREDENTIAL_FIELDS, LOOKUP_LIMIT)
        return records.find_exact(rows, {"name": name}, CREDENTIAL_WHAT, refuse_case_variants=True)

    return client.apply_plan(CREDENTIAL_TABLE, the_plan, check_mode, CREDENTIAL_FIELDS, CREDENTIAL_WHAT, lookup=lookup)


def ensure_present(client, params, check_mode, host):
    rows_credential, rows_profile = client.batch_get([credential_request(params["name"]),
                                                      profile_request(params["oauth_entity_profile"])])
    current = records.find_exact(rows_credential, {"name": params["name"]}, CREDENTIAL_WHAT, refuse_case_variants=True)
    profile = find_profile(rows_profile, params["oauth_entity_profile"], host, records.account(params.get("instance")))
    the_plan = records.plan(current, desired_credential(params, profile["sys_id"]), state="present")
    result = write_plan(client, the_plan, check_mode, params["name"])
    return dict(
        changed=result["changed"],
        record=public_record(result["record"]),
        profile=dict(sys_id=profile["sys_id"], name=profile.get("name")),
        diff=the_plan.diff,
    )


def ensure_absent(client, params, check_mode, host):
    rows = client.get_records(CREDENTIAL_TABLE, "name={0}".format(quote(params["name"])), CREDENTIAL_FIELDS, LOOKUP_LIMIT)
    current = records.find_exact(rows, {"name": params["name"]}, CREDENTIAL_WHAT, refuse_case_variants=True)
    the_plan = records.plan(current, desired_credential(params, None), state="absent")
    return write_plan(client, the_plan, check_mode, params["name"])


def run(module, client):
    params = module.params
    records.check_name(params["name"], "OAuth 2.0 credential", "Camunda Connection")
    if params["state"] == "absent":
        return ensure_absent(client, params, module.check_mode, client.host)
    return ensure_present(client, params, module.check_mode, client.host)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
