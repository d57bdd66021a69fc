#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_connector_secret
short_description: Ensure Camunda SaaS cluster connector secrets (the ServiceNow credentials the connectors use)
version_added: 0.1.0
description:
  - Ensures connector secrets of a Camunda SaaS cluster by name, through the Console (Administration) API. The
    ServiceNow connector templates reference the ServiceNow user as C({{secrets.snUser}}) and its password as
    C({{secrets.snPwd}}).
  - Secrets are compared B(by value) (the Console API returns the values), so a changed value is detected and
    written with PUT; an equal value is left alone. Values are C(no_log) and are never returned, shown in a diff or
    named in an error.
  - Give one secret with O(name) and O(value), or several with O(secrets); several secrets in one task cost one
    read of the cluster's secrets instead of one per secret.
  - Names are checked before any request; a name must have fewer than 50 characters, all of them letters,
    digits, V(_) or V(-).
  - B(Self-Managed has no connector secret API.) There, connector secrets are environment variables of the
    connectors runtime; from Camunda 8.9 the runtime only reads variables prefixed V(SECRET_) (so
    C({{secrets.snUser}}) is read from E(SECRET_snUser)). With O(camunda.deployment=self_managed) the module
    fails and names the variables to set, instead of pretending to have stored them.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
attributes:
  check_mode:
    support: full
    description: The secrets are read and compared; nothing is written.
  diff_mode:
    support: full
    description: The diff names the secrets that change; values appear only as a fixed mask.
options:
  cluster_id:
    description:
      - The cluster's id as Console shows it.
    type: str
    required: true
  name:
    description:
      - Name of one secret. Mutually exclusive with O(secrets).
    type: str
  value:
    description:
      - Value of the O(name) secret. Required with O(name) when O(state=present).
    type: str
  secrets:
    description:
      - Several secrets at once. Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the secret.
        type: str
        required: true
      value:
        description: Its value; required when O(state=present).
        type: str
  state:
    description:
      - V(present) creates or updates the secrets, V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
notes:
  - The organization API client in O(camunda) needs the C(Connector Secrets) scope.
  - A create whose answer is lost (a 5xx, a dropped connection, a timeout) is not repeated blindly. The module reads
    the cluster's secrets again and creates the secret again only when it is still absent.
seealso:
  - module: camunda.servicenow.camunda_client_credential
  - name: Camunda docs, manage connector secrets
    description: Connector secrets of a SaaS cluster.
    link: https://docs.camunda.io/docs/components/console/manage-clusters/manage-secrets/
  - name: Camunda docs, connectors configuration (Self-Managed)
    description: Secrets as environment variables of the connectors runtime.
    link: https://docs.camunda.io/docs/self-managed/components/connectors/connectors-configuration/
"""

EXAMPLES = r"""
- name: Store the ServiceNow credentials for the ServiceNow connector templates
  camunda.servicenow.camunda_connector_secret:
    camunda:
      client_id: "{{ camunda_org_client_id }}"
      client_secret: "{{ camunda_org_client_secret }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    secrets:
      - name: snUser
        value: camunda.integration
      - name: snPwd
        value: "{{ servicenow_integration_password }}"

- name: One secret
  camunda.servicenow.camunda_connector_secret:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: snUser
    value: camunda.integration

- name: Remove both
  camunda.servicenow.camunda_connector_secret:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    secrets:
      - name: snUser
      - name: snPwd
    state: absent
"""

RETURN = r"""
secrets:
  description: What happened to each secret, in the order given. Values are never returned.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The secret's name.
      type: str
      sample: snPwd
    result:
      description: One of V(created), V(updated), V(unchanged), V(deleted), V(absent).
      type: str
      sample: unchanged
  sample: [{"name": "snUser", "result": "created"}, {"name": "snPwd", "result": "unchanged"}]
diff:
  description: Secret names before and after; a value is only ever shown as a fixed mask.
  returned: always
  type: dict
  sample: {"before": {"snPwd": "******** (current value, hidden)"}, "after": {"snPwd": "********"}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_console import ConsoleAPI, validate_secret_name
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.records import SECRET_MASK, plan
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module

RESULT_BY_ACTION = {"create": "created", "update": "updated", "delete": "deleted"}


def wanted_secrets(params):
    """``[(name, value)]`` from O(name)/O(value) or O(secrets); raises CamundaError for invalid input."""
    if params.get("secrets") is not None:
        items = [(s.get("name"), s.get("value")) for s in params["secrets"]]
    else:
        items = [(params.get("name"), params.get("value"))]
    if not items:
        raise CamundaError("secrets is empty; give at least one secret")
    problems = []
    seen = set()
    for name, value in items:
        reason = validate_secret_name(name)
        if reason:
            problems.append(reason)
        elif name in seen:
            problems.append("connector secret {0!r} is given twice".format(name))
        seen.add(name)
        if params["state"] == "present" and value is None and not reason:
            problems.append("connector secret {0!r} has no value (value is required with state=present)".format(name))
        elif params["state"] == "present" and not reason and not str(value).strip():
            problems.append("connector secret {0!r} has an empty value (the connectors would read an empty "
                            "credential)".format(name))
    if problems:
        raise CamundaError("Invalid connector secrets, nothing was sent: {0}".format("; ".join(problems)))
    return items


def self_managed_message(names):
    """Why Self-Managed has nothing to call, and which environment variables to set instead."""
    return ("Camunda Self-Managed has no connector secret API: connector secrets are environment variables of the "
            "connectors runtime, so set {0} (Camunda 8.9 and later read only the SECRET_ prefix; before 8.9 the "
            "variables are named {1}) in its environment (Helm: connectors.envFrom with a Kubernetes Secret; "
            "Docker: --env-file) and restart it; nothing was changed".format(
                ", ".join("SECRET_" + n for n in names), ", ".join(names)))


def plan_secret(current_map, name, value, state):
    current = {"value": current_map[name]} if name in current_map else None
    desired = {"value": value if state == "present" else None}
    return plan(current, desired, state=state, secret_fields=("value",), readable_secrets=("value",))


def ensure_secrets(params, client, check_mode):
    """Returns the module result; raises CamundaError."""
    items = wanted_secrets(params)
    if client.deployment == SELF_MANAGED:
        raise CamundaError(self_managed_message([n for n, _v in items]))
    for _name, value in items:
        client.add_secret(value)
    console = ConsoleAPI(client, params["cluster_id"])
    current_map = console.get_secrets()
    result = {"changed": False, "secrets": [], "diff": {"before": {}, "after": {}}}
    for name, value in items:
        the_plan = plan_secret(current_map, name, value, params["state"])
        before, after = result["diff"]["before"], result["diff"]["after"]
        if the_plan.action == "none":
            outcome = "unchanged" if name in current_map else "absent"
            if name in current_map:
                before[name] = after[name] = SECRET_MASK
        else:
            outcome = RESULT_BY_ACTION[the_plan.action]
            result["changed"] = True
            if the_plan.action == "delete":
                before[name] = SECRET_MASK
            else:
                if "value" in the_plan.diff["before"]:
                    before[name] = the_plan.diff["before"]["value"]
                after[name] = the_plan.diff["after"]["value"]
            if not check_mode:
                write(console, the_plan.action, name, value)
        result["secrets"].append({"name": name, "result": outcome})
    return result


def create(console, name, value):
    """POST the secret; when the answer is lost, wait as the retry policy says, read the secrets again (after a timeout,
    for up to one more timeout), and POST again only when the secret is still absent (a secret found with another
    value is updated)."""

    def post():
        try:
            console.create_secret(name, value)
        except CamundaError as err:
            if err.status != 409:
                raise
            console.update_secret(name, value)  # created by someone else meanwhile: make it ours
        return True

    def look_again():
        current = console.get_secrets()
        if name not in current:
            return None
        if current[name] != value:
            console.update_secret(name, value)
        return True

    console.transport.create(post, look_again, errors=(CamundaError,))


def write(console, action, name, value):
    if action == "create":
        create(console, name, value)
    elif action == "update":
        console.update_secret(name, value)
    elif action == "delete":
        console.delete_secret(name)


def main():
    argument_spec = camunda_argument_spec()
    argument_spec.update(
        cluster_id=dict(type="str", required=True),
        name=dict(type="str"),
        value=dict(type="str", no_log=True),
        secrets=dict(type="list", elements="dict", no_log=False, options=dict(
            name=dict(type="str", required=True),
            value=dict(type="str", no_log=True),
        )),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("name", "secrets"), ("value", "secrets")],
                           required_one_of=[("name", "secrets")])
    run_module(module, lambda: ensure_secrets(module.params, CamundaClient(module.params["camunda"]), module.check_mode))


if __name__ == "__main__":
    main()
