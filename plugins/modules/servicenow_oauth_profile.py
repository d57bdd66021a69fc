#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the camunda.servicenow collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: servicenow_oauth_profile
short_description: Manage the ServiceNow Application Registry record that connects to Camunda's OAuth provider
version_added: 0.1.0
description:
  - Creates, updates or deletes the Application Registry record of type C(Connect to a third-party OAuth Provider)
    (table C(oauth_entity), C(type=oauth_provider)) that the Camunda Spoke uses to fetch tokens from Camunda, as in
    step 3 of Camunda's ServiceNow setup.
  - The record is found by its O(name), matched exactly.
  - The OAuth API script (O(oauth_api_script)) is resolved by name to the script include in the spoke's application
    scope (O(scope)); the module fails with a clear message when it is missing, which usually means the
    Camunda Spoke is not installed.
  - It also ensures the entity's default OAuth entity profile (table C(oauth_entity_profile)), named
    C(<name> default_profile), with C(default=true) and the entity's grant type. ServiceNow normally creates that
    profile when the entity is saved; the module creates it when the instance did not, and corrects its grant type
    when it differs.
  - An entity has only one default profile. When another profile of the entity is also (or still) its default, the
    module makes it non-default first and shows it in the diff under C(other_default_profiles). When the instance
    refuses to make the profile the default because of another default profile, the module fails with a sentence
    naming that profile.
  - ServiceNow may compare names case-insensitively. A record whose name differs from O(name) (or the profile's
    name) only in letter case is neither adopted nor duplicated; the module fails and names it.
  - When nothing needs to change, the module reads the entity, the script include and the profile in one round
    trip (the Batch API) and writes nothing.
  - The client secret is write-only in ServiceNow, so it cannot be compared; O(update_secret) decides whether it
    is written to an existing record.
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
    description:
      - Name of the Application Registry record, its natural key.
      - The default profile is named C(<name> default_profile).
    type: str
    default: Camunda OAuth
  client_id:
    description:
      - Client ID of the Camunda API client (created in Camunda Console or Identity).
      - Required with O(state=present).
    type: str
  client_secret:
    description:
      - Client secret of the Camunda API client.
      - Required when the record is created. ServiceNow never returns it, so it is compared with nothing;
        see O(update_secret).
      - Never returned, logged or shown in a diff.
    type: str
  update_secret:
    description:
      - V(on_create) writes O(client_secret) when the record is created, and when the record's client ID changes
        to O(client_id). A new client ID always comes with its secret, so the module fails before writing anything
        when the client ID would change and O(client_secret) is not given.
      - V(always) also writes it to an existing record on every run, which then always reports a change.
    type: str
    choices: [on_create, always]
    default: on_create
  oauth_api_script:
    description:
      - Name of the OAuth API script include (C(sys_script_include)) that customises the token request.
      - Resolved to the script include of that name in the application scope O(scope).
    type: str
    default: OAuthCamundaUtil
  scope:
    description:
      - Application scope of the Camunda Spoke, in which O(oauth_api_script) is looked up.
    type: str
    default: x_camun_camunda
    aliases: [spoke_scope]
  default_grant_type:
    description:
      - Default grant type of the entity, also set on its default profile.
    type: str
    default: client_credentials
    choices:
      - client_credentials
      - password
      - authorization_code
      - urn:ietf:params:oauth:grant-type:jwt-bearer
      - urn:ietf:params:oauth:grant-type:saml2-bearer
  token_url:
    description:
      - Token URL of the OAuth provider.
      - The default is Camunda SaaS; for Self-Managed use the Identity (Keycloak) realm's token endpoint.
    type: str
    default: https://login.cloud.camunda.io/oauth/token
  refresh_token_lifespan:
    description: Refresh token lifespan in seconds.
    type: int
    default: 8640000
  access_token_lifespan:
    description: Access token lifespan in seconds.
    type: int
    default: 1800
  active:
    description: Whether the record is active.
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the record and its default profile.
      - V(absent) deletes the default profile and the record. The profile is deleted explicitly first, so the
        result does not depend on whether the instance cascades the delete of the entity to its profiles.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs the C(oauth_admin) or C(admin) role on the instance.
seealso:
  - module: camunda.servicenow.servicenow_spoke
  - module: camunda.servicenow.servicenow_credential
  - module: camunda.servicenow.servicenow_connection_alias
  - name: Camunda ServiceNow setup and configuration
    description: The documented steps these modules automate (step 3 is this module).
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/setup-and-configuration/
"""

EXAMPLES = r"""
- name: Create the Camunda OAuth profile (documented values)
  camunda.servicenow.servicenow_oauth_profile:
    instance:
      host: https://example.service-now.com
      username: admin
      password: "{{ servicenow_password }}"
    name: Camunda OAuth
    client_id: "{{ camunda_client_id }}"
    client_secret: "{{ camunda_client_secret }}"
    oauth_api_script: OAuthCamundaUtil
    default_grant_type: client_credentials
    token_url: https://login.cloud.camunda.io/oauth/token
    refresh_token_lifespan: 8640000
  register: camunda_oauth

- name: Show the default profile the credential will use
  ansible.builtin.debug:
    msg: "{{ camunda_oauth.profile.name }} ({{ camunda_oauth.profile.sys_id }})"

- name: Rotate the client secret on the existing record
  camunda.servicenow.servicenow_oauth_profile:
    client_id: "{{ camunda_client_id }}"
    client_secret: "{{ new_camunda_client_secret }}"
    update_secret: always

- name: Remove the OAuth profile and its default profile
  camunda.servicenow.servicenow_oauth_profile:
    name: Camunda OAuth
    state: absent
"""

RETURN = r"""
record:
  description:
    - The Application Registry record after the run (managed fields and C(sys_id)); empty after O(state=absent).
    - In check mode, what would be written (C(sys_id) is null for a record that would be created).
    - C(oauth_api_script) is the script include's sys_id. The client secret is never returned.
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
profile:
  description:
    - The entity's default OAuth entity profile, to give to M(camunda.servicenow.servicenow_credential).
    - C(sys_id) is null in check mode when the profile would be created.
  returned: when O(state=present)
  type: dict
  sample:
    sys_id: 6d5c4b3a29180f7e6d5c4b3a29180f7e
    name: Camunda OAuth default_profile
diff:
  description:
    - Managed fields before and after; the profile's managed fields under C(profile). Never a secret (a secret
      that is written shows as C(********)).
    - C(other_default_profiles) lists, when there are any, the names of the entity's other default profiles, which
      the module makes non-default (before) and none (after).
  returned: always
  type: dict
  sample:
    before: {token_url: https://old.example/oauth/token, profile: {grant_type: password}}
    after: {token_url: https://login.cloud.camunda.io/oauth/token, profile: {grant_type: client_credentials}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    escape_query_value as quote,
    servicenow_argument_spec,
)

ENTITY_TABLE = "oauth_entity"
PROFILE_TABLE = "oauth_entity_profile"
SCRIPT_TABLE = "sys_script_include"

ENTITY_TYPE = "oauth_provider"
ENTITY_FIELDS = (
    "sys_id", "name", "type", "client_id", "oauth_api_script", "default_grant_type", "token_url",
    "refresh_token_lifespan", "access_token_lifespan", "active",
)
PROFILE_FIELDS = ("sys_id", "name", "oauth_entity", "grant_type", "default")
SCRIPT_FIELDS = ("sys_id", "name", "api_name", "sys_scope")
SECRET_FIELDS = ("client_secret",)
# How records are named in messages ("Found 2 ... records matching name='...'", "saved the ... <sys_id> differently").
ENTITY_WHAT = "Application Registry (oauth_entity)"
PROFILE_WHAT = "OAuth entity profile (oauth_entity_profile)"

# A few rows are enough: names are expected to be unique and duplicates must be reported, not hidden.
LOOKUP_LIMIT = 10
# Profiles of one entity; when the dot-walked query is ignored by the instance, this many unrelated rows come
# back and the module asks again by the entity's sys_id.
PROFILE_LIMIT = 50


class ProfileError(ModuleError):
    """A condition the user must fix, with a one-sentence message."""


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(
        name=dict(type="str", default="Camunda OAuth"),
        client_id=dict(type="str"),
        client_secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        oauth_api_script=dict(type="str", default="OAuthCamundaUtil"),
        scope=dict(type="str", default="x_camun_camunda", aliases=["spoke_scope"]),
        default_grant_type=dict(
            type="str",
            default="client_credentials",
            choices=[
                "client_credentials", "password", "authorization_code",
                "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer",
            ],
        ),
        token_url=dict(type="str", default="https://login.cloud.camunda.io/oauth/token", no_log=False),
        refresh_token_lifespan=dict(type="int", default=8640000, no_log=False),
        access_token_lifespan=dict(type="int", default=1800, no_log=False),
        active=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    return spec


def profile_name(entity_name):
    return "{0} default_profile".format(entity_name)


def ref(value):
    """The sys_id of a reference field, whatever form the instance returned it in."""
    return records.normalize(value)


def read_requests(params, with_script=True):
    """The GETs of one run, read together in one batch: entity, profiles (by dot-walk), script include."""
    name = params["name"]
    reqs = [
        dict(table=ENTITY_TABLE, query="name={0}".format(quote(name)), fields=ENTITY_FIELDS, limit=LOOKUP_LIMIT),
        dict(table=PROFILE_TABLE, query="oauth_entity.name={0}".format(quote(name)), fields=PROFILE_FIELDS,
             limit=PROFILE_LIMIT),
    ]
    if with_script:
        api_name = "{0}.{1}".format(params["scope"], params["oauth_api_script"])
        reqs.append(dict(table=SCRIPT_TABLE, query="api_name={0}".format(quote(api_name)), fields=SCRIPT_FIELDS,
                         limit=LOOKUP_LIMIT))
    return reqs


def find_entity(rows, name, host):
    entity = records.find_exact(rows, {"name": name}, ENTITY_WHAT, refuse_case_variants=True)
    if entity is not None and entity.get("type") != ENTITY_TYPE:
        raise ProfileError(
            "The Application Registry record '{0}' ({1}) on {2} has type '{3}', not '{4}' (a third-party OAuth "
            "provider); rename or delete it, or choose another name.".format(
                name, entity.get("sys_id"), host, entity.get("type"), ENTITY_TYPE)
        )
    return entity


def find_script(rows, params, host):
    """The script include named oauth_api_script in scope, or a ProfileError saying what to check."""
    api_name = "{0}.{1}".format(params["scope"], params["oauth_api_script"])
    script = records.find_exact(rows, {"api_name": api_name}, "script include (sys_script_include)")
    if script is None or script.get("name") != params["oauth_api_script"]:
        raise ProfileError(
            "The OAuth API script include '{0}' was not found in application scope '{1}' on {2}; check that {3} may "
            "read script includes (role oauth_admin or admin), that the Camunda Spoke is installed and active "
            "(camunda.servicenow.servicenow_spoke), or set oauth_api_script and scope.".format(
                params["oauth_api_script"], params["scope"], host, records.account(params.get("instance")))
        )
    return script


def entity_profiles(client, rows, entity_sys_id):
    """The profiles of the entity among the rows of the dot-walked query, checked exactly.

    The instance ignores a query field it does not understand; if the dot-walked filter was dropped, the rows are
    unrelated ones and a full page of them may hide the right one: then ask again by the entity's sys_id.
    """
    mine = [row for row in rows if ref(row.get("oauth_entity")) == entity_sys_id]
    if not mine and len(rows) >= PROFILE_LIMIT:
        again = client.get_records(PROFILE_TABLE, "oauth_entity={0}".format(entity_sys_id), PROFILE_FIELDS, PROFILE_LIMIT)
        mine = [row for row in again if ref(row.get("oauth_entity")) == entity_sys_id]
    return mine


def choose_profile(profiles, wanted_name):
    """The profile to manage: the one named '<name> default_profile', else the entity's default one."""
    # Duplicates raise the shared RecordError sentence; the runner names the instance in it.
    named = records.find_exact(profiles, {"name": wanted_name}, PROFILE_WHAT, refuse_case_variants=True)
    if named is not None:
        return named
    return records.find_exact(profiles, {"default": True}, PROFILE_WHAT)


def other_defaults(profiles, chosen):
    """The entity's default profiles other than ``chosen`` (None: the profile is still to be created)."""
    mine = (chosen or {}).get("sys_id")
    return [row for row in profiles if records.matches(row, {"default": True}) and row.get("sys_id") != mine]


def secret_policy(entity, params, host):
    """The update_secret to plan with: a client_id that changes on an existing record always carries its secret
    (written even with on_create); without client_secret that is refused before anything is written."""
    if entity is None or params["update_secret"] == "always":
        return params["update_secret"]
    old_id = records.normalize(entity.get("client_id"))
    if old_id == params["client_id"]:
        return params["update_secret"]
    if params.get("client_secret") is None:
        raise ProfileError(
            "The client_id of the Application Registry record '{0}' on {1} would change from '{2}' to '{3}' without "
            "its secret; set client_secret to the new client's secret (a changed client_id is always written together "
            "with client_secret), nothing was written.".format(params["name"], host, old_id, params["client_id"]))
    return "always"


def refused_default(client, wanted, entity_name, entity_sys_id, mine, host, error):
    """The error for a 403 on making the profile the default: when another default profile of the entity is the
    cause (there can be only one), a sentence naming it instead of one blaming the account's roles."""
    rows = client.get_records(PROFILE_TABLE, "oauth_entity={0}".format(entity_sys_id), PROFILE_FIELDS, PROFILE_LIMIT)
    others = other_defaults([row for row in rows if ref(row.get("oauth_entity")) == entity_sys_id], {"sys_id": mine})
    if not others:
        return error
    names = "', '".join(row.get("name") or row.get("sys_id") for row in others)
    return ProfileError(
        "ServiceNow on {0} refused to make '{1}' the default profile of '{2}' because '{3}' is already its default "
        "profile and an OAuth entity can have only one; make '{3}' non-default or delete it, then run again "
        "(ServiceNow said: {4}).".format(host, wanted, entity_name, names,
                                         error.service_detail or error.service_message))


def desired_entity(params, script_sys_id):
    desired = dict(
        name=params["name"],
        type=ENTITY_TYPE,
        client_id=params["client_id"],
        oauth_api_script=script_sys_id,
        default_grant_type=params["default_grant_type"],
        token_url=params["token_url"],
        refresh_token_lifespan=params["refresh_token_lifespan"],
        access_token_lifespan=params["access_token_lifespan"],
        active=params["active"],
    )
    if params.get("client_secret") is not None:
        desired["client_secret"] = params["client_secret"]
    return desired


def desired_profile(params, entity_sys_id):
    desired = dict(name=profile_name(params["name"]), default=True, grant_type=params["default_grant_type"])
    if entity_sys_id:
        desired["oauth_entity"] = entity_sys_id
    return desired


def public_entity(record):
    """The entity as returned to the user: managed fields and sys_id (null until created), never the secret."""
    if not record:
        return {}
    out = dict((k, record.get(k)) for k in ENTITY_FIELDS)
    out["oauth_api_script"] = ref(out.get("oauth_api_script")) or None
    return out


def entity_lookup(client, name):
    def lookup():
        rows = client.get_records(ENTITY_TABLE, "name={0}".format(quote(name)), ENTITY_FIELDS, LOOKUP_LIMIT)
        return records.find_exact(rows, {"name": name}, ENTITY_WHAT, refuse_case_variants=True)
    return lookup


def profile_lookup(client, entity_sys_id, name):
    def lookup():
        rows = client.get_records(PROFILE_TABLE, "oauth_entity={0}".format(entity_sys_id), PROFILE_FIELDS, PROFILE_LIMIT)
        return records.find_exact(rows, {"oauth_entity": entity_sys_id, "name": name}, PROFILE_WHAT,
                                  refuse_case_variants=True)
    return lookup


def ensure_present(client, params, check_mode, host):
    client.add_secret(params.get("client_secret"))
    rows_entity, rows_profile, rows_script = client.batch_get(read_requests(params))
    entity = find_entity(rows_entity, params["name"], host)
    script = find_script(rows_script, params, host)

    if entity is None and params.get("client_secret") is None and not check_mode:
        raise ProfileError(
            "client_secret is required to create the Application Registry record '{0}' on {1}.".format(params["name"], host)
        )
    entity_plan = records.plan(entity, desired_entity(params, script["sys_id"]), state="present",
                               secret_fields=SECRET_FIELDS, update_secret=secret_policy(entity, params, host))
    entity_result = client.apply_plan(ENTITY_TABLE, entity_plan, check_mode, ENTITY_FIELDS, ENTITY_WHAT,
                                      lookup=entity_lookup(client, params["name"]))
    entity_sys_id = entity_result["record"].get("sys_id")

    if entity is not None:
        profiles = entity_profiles(client, rows_profile, entity["sys_id"])
    elif entity_sys_id:
        # Just created: the instance may have added the default profile itself (a business rule on insert).
        profiles = client.get_records(PROFILE_TABLE, "oauth_entity={0}".format(entity_sys_id), PROFILE_FIELDS, PROFILE_LIMIT)
        profiles = [row for row in profiles if ref(row.get("oauth_entity")) == entity_sys_id]
    else:
        profiles = []
    wanted = profile_name(params["name"])
    profile = choose_profile(profiles, wanted)
    # There can be only one default profile per entity (§2.2): another default one is made non-default first, so
    # the outcome does not depend on whether the instance refuses, clears or keeps a second default.
    others = other_defaults(profiles, profile)
    other_results = [client.apply_plan(PROFILE_TABLE, records.plan(row, {"default": False}), check_mode, PROFILE_FIELDS,
                                       PROFILE_WHAT) for row in others]
    profile_plan = records.plan(profile, desired_profile(params, entity_sys_id), state="present")
    try:
        profile_result = client.apply_plan(PROFILE_TABLE, profile_plan, check_mode, PROFILE_FIELDS, PROFILE_WHAT,
                                           lookup=profile_lookup(client, entity_sys_id, wanted))
    except TransportError as err:
        if err.status != 403 or not entity_sys_id or "default" not in profile_plan.payload:
            raise
        raise refused_default(client, wanted, params["name"], entity_sys_id, (profile or {}).get("sys_id"), host, err)

    before = dict(entity_plan.diff["before"])
    after = dict(entity_plan.diff["after"])
    # A profile the instance created together with a new entity did not exist before the run either.
    before["profile"] = profile_plan.diff["before"] if entity is not None else {}
    after["profile"] = profile_plan.diff["after"]
    if others:
        before["other_default_profiles"] = sorted(row.get("name") or row.get("sys_id") for row in others)
        after["other_default_profiles"] = []
    result = dict(
        changed=entity_result["changed"] or profile_result["changed"] or bool(others),
        record=public_entity(entity_result["record"]),
        profile=dict(sys_id=profile_result["record"].get("sys_id"), name=profile_result["record"].get("name") or wanted),
        diff=dict(before=before, after=after),
    )
    warnings = [w for res in [entity_result, profile_result] + other_results for w in res.get("warnings", [])]
    if warnings:
        result["warnings"] = warnings
    return result


def ensure_absent(client, params, check_mode, host):
    rows_entity, rows_profile = client.batch_get(read_requests(params, with_script=False))
    # Same check as for present: never delete an OAuth client (type client) that happens to share the name.
    entity = find_entity(rows_entity, params["name"], host)
    profiles = entity_profiles(client, rows_profile, entity["sys_id"]) if entity else []
    the_plan = records.plan(entity, dict((k, None) for k in ENTITY_FIELDS if k != "sys_id"), state="absent")
    if the_plan.action == "delete" and not check_mode:
        # Explicitly, before the entity: the outcome must not depend on whether the instance cascades the delete.
        for profile in profiles:
            client.delete(PROFILE_TABLE, profile["sys_id"])
    result = client.apply_plan(ENTITY_TABLE, the_plan, check_mode, ENTITY_FIELDS, ENTITY_WHAT)
    if profiles:
        result["diff"]["before"]["profiles"] = sorted(row.get("name", "") for row in profiles)
        result["diff"]["after"]["profiles"] = []
    return result


def run(module, client):
    params = module.params
    records.check_name(params["name"], "Application Registry record", "Camunda OAuth")
    if params["state"] == "absent":
        return ensure_absent(client, params, module.check_mode, client.host)
    return ensure_present(client, params, module.check_mode, client.host)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        required_if=[("state", "present", ("client_id",))],
    )
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
