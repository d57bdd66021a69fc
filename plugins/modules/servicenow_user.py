#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: servicenow_user
short_description: Ensure the ServiceNow integration user the Camunda connectors log in with
version_added: 0.1.0
description:
  - Ensures a ServiceNow user (table C(sys_user)) for the Camunda ServiceNow connectors (the C(snUser)/C(snPwd)
    connector secrets), found by its O(user_name) - web-service access only (it cannot log in to the UI), active,
    with the roles in O(roles) granted directly (table C(sys_user_has_role)).
  - The password is write-only on an instance, so it cannot be compared. It is set when the user is created, and
    on an existing user only with O(update_password=always). It is sent with C(sysparm_input_display_value=true),
    without which an instance stores it unhashed and no login works.
  - With O(verify_login=true) (the default) the module then proves that the user can log in to the Table API with
    O(password), with one read-only call as that user (it reads its own C(sys_user) record), and fails with one
    sentence when it cannot (a password that differs from the instance's, a missing role, inactive REST API access).
  - Nothing of the password appears in the result, the diff or an error.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes
attributes:
  check_mode:
    support: full
    details: The user and its roles are read and compared; the login check runs (it is read-only) unless the
      password would change.
  diff_mode:
    support: full
    details: The managed fields and the direct roles; the password only as a fixed mask when it will be written.
options:
  user_name:
    description: The user's User ID (C(user_name)), its natural key.
    type: str
    required: true
  password:
    description:
      - The user's password (from a vault). Required to create the user and for O(verify_login).
    type: str
  update_password:
    description:
      - V(on_create) sets the password only when the user is created; V(always) sets it on every run (and reports
        a change).
    type: str
    choices: [on_create, always]
    default: on_create
  first_name:
    description: First name.
    type: str
    default: Camunda
  last_name:
    description: Last name.
    type: str
    default: Connectors
  email:
    description: Email address; not managed when not set.
    type: str
  web_service_access_only:
    description:
      - Whether the user may only use its credentials for API calls (C(web_service_access_only)); it cannot log in
        to the UI, SSO or the portal.
    type: bool
    default: true
  roles:
    description:
      - Roles granted directly to the user. The default is the least the connector templates need for their
        default tables (incident, change_request, change_task, sc_request, sc_req_item, sc_task), C(itil), which
        contains C(snc_platform_rest_api_access). This is INFERRED, not documented by Camunda; add the roles a Flow
        Starter trigger lists under "Requires roles", and expect a delete on task tables to need more than C(itil).
    type: list
    elements: str
    default: [itil]
  purge_roles:
    description:
      - Remove direct roles that are not in O(roles). Inherited roles (from groups or containing roles) are never
        touched. When false, extra direct roles are reported in RV(extra_roles) and a warning.
    type: bool
    default: false
  verify_login:
    description: Prove that the user can call the Table API with O(password) (one read-only request as the user).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the user; V(absent) deletes its direct role grants and the user.
    type: str
    choices: [present, absent]
    default: present
  created_by:
    description:
      - With O(state=absent), remove the user only when its C(sys_created_by) is this user name (for example the
        account the caller logs in with, so that only a user the caller created is removed); otherwise it stays and
        RV(kept) says why. An empty value removes nothing.
    type: str
notes:
  - Creating users and granting roles needs C(user_admin) (or C(admin)); setting a password needs C(admin) (or an
    ACL on C(sys_user.user_password)); an instance drops the field for other callers without an error, which the
    login check then reports.
  - New roles take effect in a new session; the login check is one.
seealso:
  - module: camunda.servicenow.camunda_connector_secret
  - name: ServiceNow docs, non-interactive users
    description: What web-service access only means.
    link: https://www.servicenow.com/docs/bundle/yokohama-platform-security/page/integrate/authentication/concept/c_NonInteractiveSessions.html
"""

EXAMPLES = r"""
- name: The connectors' integration user
  camunda.servicenow.servicenow_user:
    instance:
      host: https://example.service-now.com
      username: admin
      password: "{{ servicenow_admin_password }}"
    user_name: camunda.connectors
    password: "{{ vault_camunda_connectors_password }}"
  register: connector_user

- name: Store it in the connector secrets
  camunda.servicenow.camunda_connector_secret:
    cluster_id: "{{ camunda_cluster_id }}"
    secrets:
      - name: snUser
        value: camunda.connectors
      - name: snPwd
        value: "{{ vault_camunda_connectors_password }}"

- name: Rotate the password and keep only the listed roles
  camunda.servicenow.servicenow_user:
    user_name: camunda.connectors
    password: "{{ vault_camunda_connectors_password_new }}"
    update_password: always
    roles: [itil, x_acme_flow_trigger_user]
    purge_roles: true
"""

RETURN = r"""
kept:
  description: With O(state=absent) and O(created_by), why the user was not removed; empty when it was (or was gone).
  returned: when O(state=absent)
  type: str
  sample: user camunda.connectors on https://example.service-now.com was created by admin2, not by admin, so it stays
record:
  description: The user after the run (managed fields and C(sys_id)); never the password. Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    sys_id: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    user_name: camunda.connectors
    first_name: Camunda
    last_name: Connectors
    web_service_access_only: "true"
    active: "true"
roles:
  description: The user's direct roles after the run (predicted in check mode), sorted.
  returned: always
  type: list
  elements: str
  sample: [itil]
extra_roles:
  description: Direct roles the user holds beyond O(roles) and kept (O(purge_roles=false)).
  returned: always
  type: list
  elements: str
  sample: []
login_verified:
  description: Whether the login check ran and passed.
  returned: always
  type: bool
  sample: true
diff:
  description: Managed fields and direct roles before and after; the password only as a fixed mask.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    escape_query_value as quote,
    instance_host,
    servicenow_argument_spec,
)
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

USER_TABLE = "sys_user"
ROLE_TABLE = "sys_user_role"
GRANT_TABLE = "sys_user_has_role"
USER_FIELDS = ("sys_id", "user_name", "first_name", "last_name", "email", "web_service_access_only", "active")
USER_WHAT = "user (sys_user)"
DISPLAY = [("sysparm_input_display_value", "true"), ("sysparm_exclude_reference_link", "true")]
# The password is write-only: never asked for, never compared.
SECRET = "user_password"


class UserError(ModuleError):
    """A condition the user must fix, with a one-sentence message."""


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(
        user_name=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=list(records.UPDATE_SECRET_CHOICES), default="on_create",
                             no_log=False),
        first_name=dict(type="str", default="Camunda"),
        last_name=dict(type="str", default="Connectors"),
        email=dict(type="str"),
        web_service_access_only=dict(type="bool", default=True),
        roles=dict(type="list", elements="str", default=["itil"]),
        purge_roles=dict(type="bool", default=False),
        verify_login=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        created_by=dict(type="str"),
    )
    return spec


def desired_user(params):
    return dict(user_name=params["user_name"], first_name=params["first_name"], last_name=params["last_name"],
                email=params.get("email"), web_service_access_only=params["web_service_access_only"], active=True,
                user_password=params.get("password"))


def role_plan(granted, wanted, purge):
    """``(add, remove, extra)`` role names: ``granted`` maps a direct role's name to its grant's sys_id."""
    wanted = sorted(set(wanted or []))
    add = [name for name in wanted if name not in granted]
    extra = sorted(name for name in granted if name not in wanted)
    remove = extra if purge else []
    return add, remove, [] if purge else extra


def find_roles(rows, names, host):
    """``{name: sys_id}`` for ``names``; a UserError naming those the instance does not have."""
    found = dict((records.normalize(r.get("name")), records.normalize(r.get("sys_id"))) for r in rows or [])
    missing = [n for n in names if n not in found]
    if missing:
        raise UserError("The role{0} {1} do{2} not exist on {3}; check roles (role names, not display names)".format(
            "s" if len(missing) > 1 else "", ", ".join(missing), "" if len(missing) > 1 else "es", host))
    return dict((n, found[n]) for n in names)


def direct_grants(client, user_id):
    """``{role name: grant sys_id}`` of the user's direct (not inherited) role grants."""
    rows = client.get_records(GRANT_TABLE, "user={0}^inherited=false".format(quote(user_id)),
                              ("sys_id", "role", "role.name", "inherited"), 1000)
    out = {}
    for row in rows:
        if records.normalize(row.get("inherited")) == "true":
            continue
        out[records.normalize(row.get("role.name"))] = records.normalize(row.get("sys_id"))
    return out


def check_login(client, params, host):
    """One read-only Table API call as the user; UserError when it fails."""
    if not params.get("password"):
        raise UserError("verify_login needs the user's password; set password (from the vault) or verify_login: "
                        "false")
    options = dict(client.params, username=params["user_name"], password=params["password"], client_id=None,
                   client_secret=None, access_token=None, api_key=None, refresh_token=None, grant_type=None,
                   client_certificate_file=None, client_key_file=None)
    as_user = ServiceNowClient(options, sleep=client.transport.sleep, max_retries=2)
    try:
        rows = as_user.get_records(USER_TABLE, {"user_name": params["user_name"]}, ("sys_id",), 1)
    except TransportError as err:
        if err.status == 401:
            raise UserError(
                "User {0} cannot log in to the Table API on {1} (HTTP 401): the password given is not the instance's "
                "(set update_password: always to set it; setting it needs admin) or the user is locked out or "
                "inactive".format(params["user_name"], host))
        if err.status == 403:
            raise UserError(
                "User {0} logs in on {1} but may not use the Table API (HTTP 403: {2}); add snc_platform_rest_api_access "
                "(or itil) to roles when the REST API ACLs are active".format(
                    params["user_name"], host, (err.service_detail or err.service_message or "forbidden").rstrip(".")))
        raise
    if not rows:
        raise UserError("User {0} logs in on {1} but cannot read its own sys_user record; check the ACLs of sys_user "
                        "for its roles".format(params["user_name"], host))
    return True


class UserRun:
    def __init__(self, module, client):
        self.params = module.params
        self.check_mode = module.check_mode
        self.client = client
        self.host = client.host
        if self.params.get("password"):
            client.add_secret(self.params["password"])

    def lookup(self):
        rows = self.client.get_records(USER_TABLE, {"user_name": self.params["user_name"]}, USER_FIELDS, 10)
        return records.find_exact(rows, {"user_name": self.params["user_name"]}, USER_WHAT)

    def write_user(self, the_plan):
        """Create/update the user: the password with sysparm_input_display_value=true, as a password."""
        client = self.client

        def create(payload):
            response = client.request("POST", client.table_path(USER_TABLE), params=DISPLAY + [
                ("sysparm_fields", ",".join(USER_FIELDS))], json=payload, expected=(200, 201))
            return _result(response)

        def update(payload):
            response = client.request("PATCH", client.table_path(USER_TABLE, the_plan.current["sys_id"]),
                                      params=DISPLAY + [("sysparm_fields", ",".join(USER_FIELDS))], json=payload,
                                      expected=(200,))
            return _result(response)

        try:
            return records.apply_plan(the_plan, self.check_mode, create=create, update=update,
                                      delete=lambda: client.delete(USER_TABLE, the_plan.current["sys_id"]),
                                      what=USER_WHAT, service="ServiceNow", fields=USER_FIELDS)
        except records.RecordError as err:
            raise err.locate(self.host)

    def present(self):
        params = self.params
        wanted_roles = sorted(set(params["roles"] or []))
        rows_user, rows_roles = self.client.batch_get([
            dict(table=USER_TABLE, query={"user_name": params["user_name"]}, fields=USER_FIELDS, limit=10),
            dict(table=ROLE_TABLE, query="nameIN" + ",".join(quote(r) for r in wanted_roles) if wanted_roles
                 else "sys_idISEMPTY", fields=("sys_id", "name"), limit=len(wanted_roles) + 10)])
        current = records.find_exact(rows_user, {"user_name": params["user_name"]}, USER_WHAT)
        role_ids = find_roles(rows_roles, wanted_roles, self.host)
        the_plan = records.plan(current, desired_user(params), secret_fields=(SECRET,),
                                update_secret=params["update_password"])
        if current is None and not params.get("password"):
            raise UserError("User {0} does not exist on {1} and no password was given; set password to create it".format(
                params["user_name"], self.host))
        result = self.write_user(the_plan)
        user_id = records.normalize((result["record"] or {}).get("sys_id"))
        granted = direct_grants(self.client, user_id) if current is not None else {}
        add, remove, extra = role_plan(granted, wanted_roles, params["purge_roles"])
        if not self.check_mode:
            for name in add:
                self.client.create(GRANT_TABLE, {"user": user_id, "role": role_ids[name]}, fields=("sys_id",))
            for name in remove:
                self.client.delete(GRANT_TABLE, granted[name])
        after_roles = sorted((set(granted) | set(add)) - set(remove))
        diff = the_plan.diff
        diff["before"]["roles"] = sorted(granted) if current is not None else []
        diff["after"]["roles"] = after_roles
        warnings = []
        if extra:
            warnings.append("User {0} on {1} holds direct roles beyond roles: {2}; set purge_roles: true to remove "
                            "them".format(params["user_name"], self.host, ", ".join(extra)))
        verified = False
        password_changes = SECRET in the_plan.payload
        if params["verify_login"] and not (self.check_mode and (password_changes or current is None)):
            verified = check_login(self.client, params, self.host)
        return dict(changed=result["changed"] or bool(add or remove), record=_public(result["record"]),
                    roles=after_roles, extra_roles=extra, login_verified=verified, diff=diff), warnings

    def absent(self):
        current = self.lookup()
        creator = self.params.get("created_by")
        if current is not None and creator is not None:
            rows = self.client.get_records(USER_TABLE, {"sys_id": current["sys_id"]}, ("sys_id", "sys_created_by"), 1)
            made_by = records.normalize((rows or [{}])[0].get("sys_created_by"))
            if not creator or made_by != creator:
                return dict(changed=False, record=_public(current), roles=[], extra_roles=[], login_verified=False,
                            kept="user {0} on {1} was created by {2}, not by {3}, so it stays".format(
                                self.params["user_name"], self.host, made_by or "an unknown user",
                                creator or "the account this run logs in with (unknown)"),
                            diff={"before": {}, "after": {}})
        the_plan = records.plan(current, {"user_name": self.params["user_name"]}, state="absent")
        granted = direct_grants(self.client, current["sys_id"]) if current else {}
        if current and not self.check_mode:
            for grant_id in granted.values():
                self.client.delete(GRANT_TABLE, grant_id)
        result = self.write_user(the_plan)
        diff = the_plan.diff
        diff["before"]["roles"] = sorted(granted) if current else []
        diff["after"]["roles"] = []
        return dict(changed=result["changed"], record={}, roles=[], extra_roles=[], login_verified=False, kept="",
                    diff=diff)


def _result(response):
    data = response.json()
    rows = data.get("result") if isinstance(data, dict) else None
    return rows if isinstance(rows, dict) else {}


def _public(record):
    if not record:
        return {}
    return dict((k, records.normalize(record.get(k)) if record.get(k) is not None else None) for k in USER_FIELDS
                if k in record)


def run(module, client):
    one = UserRun(module, client)
    if module.params["state"] == "absent":
        return one.absent()
    return one.present()


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
