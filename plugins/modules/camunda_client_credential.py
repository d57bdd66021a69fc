#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_client_credential
short_description: Ensure a Camunda cluster API client (the credential ServiceNow uses) exists
version_added: 0.1.0
description:
  - Step 1 of the Camunda side of Camunda's ServiceNow "Setup & configuration" guide, an API client of the cluster
    for ServiceNow connectivity, with everything the ServiceNow OAuth profile and connection need (token URL,
    audience, region host, base path, cluster REST URL).
  - B(SaaS) (O(camunda.deployment=saas)), through the Console (Administration) API. The client is found by its
    exact O(name) among the cluster's clients. It is created with O(permissions) when absent. Camunda shows a
    client's secret only once, so RV(client_secret) is returned B(only when the client is created) (or
    rotated); store it right away (for example in the ServiceNow OAuth profile in the same play, or in a vault).
  - B(Rotation on SaaS.) Client names are unique per cluster and a client cannot be renamed, so O(rotate=true)
    creates the new client as V(<name>-r<UTC timestamp YYYYMMDDHHMMSS>) (for example V(servicenow-r20250102030405)),
    returns its secret, and deletes the previous client only after the creation succeeded. From then on the
    module manages the newest client of the family (the client named exactly O(name) and its
    V(<name>-r<timestamp>) successors); older family members left by an interrupted rotation are deleted on the
    next run. O(state=absent) deletes the whole family.
  - A 400 "Client names must be unique" on creation means another run created the client meanwhile; the module
    looks again and adopts it (its secret is then not available).
  - The Console API has no update call. When an existing client's permissions differ from O(permissions) the
    module warns and leaves it; use O(rotate=true) to replace it.
  - B(Self-Managed) (O(camunda.deployment=self_managed)), through the Keycloak admin API of
    O(camunda.keycloak_realm). The client is found by its C(clientId) (= O(name)) and created as a confidential
    client with service accounts enabled and an audience mapper for O(audience). Keycloak can read a secret
    again, so RV(client_secret) is always returned. O(rotate=true) regenerates the secret (the old secret stops
    working at once). On Camunda 8.8 and later, grant the client its authorizations in the Orchestration Cluster
    Identity afterwards.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
attributes:
  check_mode:
    support: full
    description: Reads happen in check mode; nothing is written and no secret is returned.
  diff_mode:
    support: full
    description: The diff shows the client's name, id and permissions, never its secret.
options:
  cluster_id:
    description:
      - SaaS only. The cluster's id as Console shows it (a UUID).
    type: str
  name:
    description:
      - The client's name (SaaS) or C(clientId) (Self-Managed). No whitespace, at most 50 characters
        (34 when O(rotate=true) on SaaS, to leave room for the rotation suffix).
    type: str
    required: true
  permissions:
    description:
      - SaaS only. Permissions of a new client.
      - The default V(Zeebe) is what the Camunda Spoke needs (the Orchestration Cluster API, called C(Zeebe) in
        the Console API) and is accepted by Camunda 8.6 to 8.8 clusters.
      - An empty list creates the client with all permissions available (the Console API's own default).
    type: list
    elements: str
    default: [Zeebe]
  audience:
    description:
      - The audience ServiceNow requests tokens for, returned as RV(audience).
      - When not set, O(camunda.cluster_audience), which defaults to V(zeebe.camunda.io) on SaaS and
        V(orchestration-api) on Self-Managed. On Self-Managed the client gets an audience mapper for it.
    type: str
  rotate:
    description:
      - Replace the client's secret. On SaaS a new client replaces the old one (see the description for its
        name); on Self-Managed the secret is regenerated.
      - The task then reports C(changed) on every run; use it with a condition.
    type: bool
    default: false
  state:
    description:
      - V(present) ensures the client exists, V(absent) deletes it (on SaaS with every rotated successor).
    type: str
    choices: [present, absent]
    default: present
notes:
  - The organization API client in O(camunda) needs the C(Zeebe Client) scope on SaaS; the Keycloak admin user
    needs the C(manage-clients) role on Self-Managed.
  - Run the task with C(no_log=true); RV(client_secret) is a secret.
seealso:
  - module: camunda.servicenow.camunda_cluster_info
  - module: camunda.servicenow.camunda_token
  - module: camunda.servicenow.camunda_connector_secret
  - name: Camunda docs, manage API clients
    description: Creating cluster API clients in Console.
    link: https://docs.camunda.io/docs/components/console/manage-clusters/manage-api-clients/
"""

EXAMPLES = r"""
- name: Ensure the ServiceNow API client of the cluster exists (SaaS)
  camunda.servicenow.camunda_client_credential:
    camunda:
      client_id: "{{ camunda_org_client_id }}"
      client_secret: "{{ camunda_org_client_secret }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow
  register: camunda_client
  no_log: true

- name: Rotate its secret (creates servicenow-r<timestamp>, then deletes the old client)
  camunda.servicenow.camunda_client_credential:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow
    rotate: true
  register: camunda_client
  no_log: true

- name: Self-Managed, Keycloak realm camunda-platform
  camunda.servicenow.camunda_client_credential:
    camunda:
      deployment: self_managed
      keycloak_url: https://keycloak.example.com/auth
      keycloak_admin_username: admin
      keycloak_admin_password: "{{ keycloak_admin_password }}"
      cluster_api_url: https://camunda.example.com/orchestration
    name: servicenow
  register: camunda_client
  no_log: true

- name: Remove the client
  camunda.servicenow.camunda_client_credential:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow
    state: absent
"""

RETURN = r"""
client_id:
  description: The OAuth client id (on SaaS of the newest client of the family).
  returned: when O(state=present)
  type: str
  sample: 9WoCAA~Fh9Gs.0s~sSB-w4yBBTdTe~Mq
client_secret:
  description:
    - The client's secret. B(Sensitive); run the task with C(no_log=true).
    - SaaS, only when the client was created or rotated in this run (Camunda never shows it again).
      Self-Managed, always. Never in check mode.
  returned: see description
  type: str
  sample: "(secret)"
name:
  description: The client's name (on SaaS it carries the rotation suffix after a rotation).
  returned: when O(state=present)
  type: str
  sample: servicenow
previous_client_id:
  description: The client id that a SaaS rotation deleted.
  returned: when a SaaS rotation happened
  type: str
  sample: 2OGPrPG5~ZHh2tCDz3_M7e6ELwkPZT7V
cluster_id:
  description: The cluster's id (SaaS).
  returned: when O(state=present) on SaaS
  type: str
  sample: 6b6b3969-a65c-4bdd-905e-c29102eebded
region:
  description: The region id, read from the client's C(ZEEBE_ADDRESS).
  returned: when O(state=present) on SaaS and known
  type: str
  sample: bru-2
host:
  description: The host of the cluster REST API (the ServiceNow connection's C(Host)).
  returned: when O(state=present) and known
  type: str
  sample: bru-2.zeebe.camunda.io
base_path:
  description: The path of the cluster REST API on O(camunda.cluster_api_url) or RV(host) (the ServiceNow connection's C(Base path)).
  returned: when O(state=present) and known
  type: str
  sample: /6b6b3969-a65c-4bdd-905e-c29102eebded
cluster_rest_url:
  description: The cluster REST API base URL (without C(/v2)).
  returned: when O(state=present) and known
  type: str
  sample: https://bru-2.zeebe.camunda.io/6b6b3969-a65c-4bdd-905e-c29102eebded
zeebe_address:
  description: C(ZEEBE_ADDRESS) of the client as Console reports it.
  returned: when O(state=present) on SaaS and known
  type: str
  sample: 6b6b3969-a65c-4bdd-905e-c29102eebded.bru-2.zeebe.camunda.io:443
token_url:
  description: The token endpoint the client uses (the ServiceNow OAuth profile's C(Token URL)).
  returned: when O(state=present)
  type: str
  sample: https://login.cloud.camunda.io/oauth/token
audience:
  description: The audience to request tokens for.
  returned: when O(state=present)
  type: str
  sample: zeebe.camunda.io
permissions:
  description: The client's permissions (SaaS).
  returned: when O(state=present) on SaaS
  type: list
  elements: str
  sample: [Zeebe]
deleted_client_ids:
  description: Client ids deleted in this run (state absent, rotation, leftovers of an interrupted rotation).
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: Before and after of the client's name, id and permissions (never the secret).
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "servicenow", "permissions": ["Zeebe"]}}
"""

import datetime
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, CamundaError, camunda_argument_spec, parse_zeebe_address, saas_cluster_rest_url,
    split_rest_url)
from ansible_collections.camunda.servicenow.plugins.module_utils.records import plan
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module

ROTATION_SUFFIX_LEN = 16  # "-r" + YYYYMMDDHHMMSS
MAX_NAME = 50


def validate_name(name, rotate, deployment):
    """None when ``name`` is usable, else the reason."""
    if not name or re.search(r"\s", name):
        return "name {0!r} must be non-empty and contain no whitespace".format(name)
    limit = MAX_NAME - ROTATION_SUFFIX_LEN if rotate and deployment != SELF_MANAGED else MAX_NAME
    if len(name) > limit:
        return "name {0!r} has {1} characters; at most {2} are allowed{3}".format(
            name, len(name), limit, " with rotate=true (the rotation suffix takes 16)" if limit < MAX_NAME else "")
    return None


def rotation_name(name, now):
    """The name of a rotated successor: ``<name>-r<YYYYMMDDHHMMSS>`` (UTC)."""
    stamp = datetime.datetime.fromtimestamp(int(now), tz=datetime.timezone.utc).strftime("%Y%m%d%H%M%S")
    return "{0}-r{1}".format(name, stamp)


def family(clients, name):
    """The clients of ``name``'s family, oldest first: the client named exactly ``name``, then its rotated
    successors ``<name>-rYYYYMMDDHHMMSS`` by timestamp. The last one is the current client."""
    pattern = re.compile(r"^" + re.escape(name) + r"-r(\d{14})$")
    members = []
    for client in clients or []:
        if not isinstance(client, dict):
            continue
        cname = client.get("name")
        if cname == name:
            members.append(("", client))
        else:
            match = pattern.match(cname or "")
            if match:
                members.append((match.group(1), client))
    members.sort(key=lambda item: item[0])
    return [client for _stamp, client in members]


def client_view(client):
    if not client:
        return None
    return {"name": client.get("name"), "client_id": client.get("clientId"),
            "permissions": sorted(client.get("permissions") or [])}


def saas_connection(client, cluster_id, details, options, audience):
    """What ServiceNow needs, from the Console's connection details (``details`` may be None in check mode)."""
    # The configured token service (camunda.oauth_url), never the Console's ZEEBE_AUTHORIZATION_SERVER_URL: the
    # Console reports the public SaaS URL, which is wrong behind a proxy, on a mirror or in another environment.
    out = {"cluster_id": cluster_id, "audience": audience, "token_url": options.token_url()}
    details = details or {}
    address = details.get("ZEEBE_ADDRESS")
    parsed = parse_zeebe_address(address) if address else None
    if address:
        out["zeebe_address"] = address
    region = parsed["region"] if parsed else None
    if region:
        out["region"] = region
    api_url = options.opt("cluster_api_url")
    rest_url = saas_cluster_rest_url(cluster_id, region, api_url)
    if rest_url:
        out["cluster_rest_url"] = rest_url
        out["host"], out["base_path"] = split_rest_url(rest_url)
    if client:
        out["client_id"] = client.get("clientId")
        out["name"] = client.get("name")
        out["permissions"] = list(client.get("permissions") or [])
    return out


def is_unique_violation(err):
    return err.status == 400 and "unique" in str(err).lower()


def ensure_saas(params, client, check_mode, now):
    """The SaaS logic; returns the module result (without ``failed``)."""
    cluster_id = params["cluster_id"]
    name = params["name"]
    permissions = params["permissions"] or []
    audience = params["audience"] or client.cluster_audience()
    console = client.console(cluster_id)
    members = family(console.list_clients(), name)
    current = members[-1] if members else None
    stale = members[:-1]
    warnings = []
    result = {"changed": False, "deleted_client_ids": []}

    if params["state"] == "absent":
        before = {"clients": [client_view(m) for m in members]} if members else {}
        result["diff"] = {"before": before, "after": {}}
        if members:
            result["changed"] = True
            for member in members:
                if not check_mode:
                    console.delete_client(member["clientId"])
                result["deleted_client_ids"].append(member["clientId"])
        return result, warnings

    desired = {"name": name if current is None else current.get("name")}
    if permissions:
        desired["permissions"] = sorted(permissions)
    the_plan = plan(client_view(current), desired, state="present")
    created = None
    previous = None
    if current is None or params["rotate"]:
        new_name = name if current is None else rotation_name(name, now)
        after = {"name": new_name, "permissions": sorted(permissions) if permissions else "(all)"}
        result["diff"] = {"before": client_view(current) or {}, "after": after}
        result["changed"] = True
        if check_mode:
            connection = saas_connection(None, cluster_id, None, client, audience)
            connection.update({"name": new_name, "permissions": list(permissions)})
            result.update(connection)
            if current is not None:
                result["previous_client_id"] = current.get("clientId")
                result["deleted_client_ids"] = [m.get("clientId") for m in members]
            return result, warnings
        try:
            created = console.create_client(new_name, permissions)
        except CamundaError as err:
            if not is_unique_violation(err):
                raise
            adopted = [c for c in console.list_clients() if c.get("name") == new_name]
            if not adopted:
                raise
            warnings.append("API client {0!r} of cluster {1} on {2} was created by someone else while this task ran; it "
                            "was adopted, so its secret is not available here".format(new_name, cluster_id, console.host))
            created = None
            current_new = adopted[0]
        else:
            client.add_secret(created.get("clientSecret"))
            current_new = {"clientId": created.get("clientId"), "name": created.get("name") or new_name,
                           "permissions": created.get("permissions") or list(permissions)}
        previous = current
        current = current_new
        stale = members  # every older member (the previous client included) goes once the new one exists
    else:
        result["diff"] = the_plan.diff
        if permissions and sorted(current.get("permissions") or []) != sorted(permissions):
            warnings.append("API client {0!r} of cluster {1} on {2} has permissions {3}, not {4}; the Console API cannot "
                            "change them, set rotate: true to replace the client".format(
                                current.get("name"), cluster_id, console.host,
                                ", ".join(sorted(current.get("permissions") or [])), ", ".join(sorted(permissions))))
        if stale:
            result["diff"] = {"before": {"clients": [client_view(m) for m in members]},
                              "after": {"clients": [client_view(current)]}}

    for member in stale:
        if check_mode:
            result["deleted_client_ids"].append(member.get("clientId"))
            result["changed"] = True
            continue
        try:
            console.delete_client(member["clientId"])
        except CamundaError as err:
            if created is None:
                raise
            # The new secret must still reach the user: warn instead of failing after a creation.
            # The reason names the call and the Console host (its transport sentence), so the context does not.
            warnings.append("API client {0!r} of cluster {1} was created, but deleting the previous client {2!r} failed "
                            "(the next run deletes it): {3}".format(current.get("name"), cluster_id,
                                                                    member.get("clientId"), err.reason))
            continue
        result["deleted_client_ids"].append(member["clientId"])
        result["changed"] = True
    if previous is not None:
        result["previous_client_id"] = previous.get("clientId")

    details = None
    if not check_mode:
        try:
            details = console.get_client(current["clientId"])
        except CamundaError as err:
            if created is None:
                raise
            # Failing here would lose the new secret for good (the Console never shows it again): warn instead.
            warnings.append("API client {0!r} of cluster {1} was created and its secret is returned, but reading its "
                            "connection details failed, so the region-derived values (zeebe_address, region, host) "
                            "may be missing: {2}".format(current.get("name"), cluster_id, err.reason))
    result.update(saas_connection(current, cluster_id, details, client, audience))
    if created is not None and created.get("clientSecret"):
        result["client_secret"] = created["clientSecret"]
    return result, warnings


def sm_representation(name):
    return {"clientId": name, "enabled": True, "publicClient": False, "serviceAccountsEnabled": True,
            "standardFlowEnabled": False, "directAccessGrantsEnabled": False, "implicitFlowEnabled": False,
            "protocol": "openid-connect", "clientAuthenticatorType": "client-secret"}


def audience_mapper(audience):
    return {"name": "audience-" + audience, "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
            "config": {"included.custom.audience": audience, "access.token.claim": "true",
                       "id.token.claim": "false"}}


def has_audience_mapper(current, audience):
    for mapper in (current or {}).get("protocolMappers") or []:
        config = mapper.get("config") or {}
        if mapper.get("protocolMapper") == "oidc-audience-mapper" and config.get("included.custom.audience") == audience:
            return True
    return False


def sm_connection(client, name, audience):
    out = {"name": name, "client_id": name, "audience": audience, "token_url": client.token_url()}
    rest_url = client.opt("cluster_api_url")
    if rest_url:
        rest_url = rest_url.rstrip("/")
        out["cluster_rest_url"] = rest_url
        out["host"], out["base_path"] = split_rest_url(rest_url)
    return out


def ensure_self_managed(params, client, check_mode):
    name = params["name"]
    audience = params["audience"] or client.cluster_audience()
    keycloak = client.keycloak()
    current = keycloak.find_client(name)
    result = {"changed": False, "deleted_client_ids": []}
    desired = sm_representation(name)

    if params["state"] == "absent":
        the_plan = plan(current, {"clientId": name}, state="absent")
        result["diff"] = the_plan.diff
        if the_plan.action == "delete":
            result["changed"] = True
            if not check_mode:
                keycloak.delete_client(current["id"], name)
            result["deleted_client_ids"].append(name)
        return result, []

    the_plan = plan(current, desired, state="present")
    result["diff"] = the_plan.diff
    needs_mapper = current is not None and not has_audience_mapper(current, audience)
    if needs_mapper:
        result["diff"]["before"]["audience"] = None
        result["diff"]["after"]["audience"] = audience
    elif the_plan.action == "create":
        result["diff"]["after"]["audience"] = audience
    result["changed"] = the_plan.changed or needs_mapper or params["rotate"]
    result.update(sm_connection(client, name, audience))
    if check_mode:
        return result, []
    if the_plan.action == "create":
        representation = dict(desired)
        representation["protocolMappers"] = [audience_mapper(audience)]
        uuid = keycloak.create_client(representation)
        if not uuid:
            uuid = (keycloak.find_client(name) or {}).get("id")
    else:
        uuid = current["id"]
        if the_plan.action == "update":
            representation = dict(current)
            representation.update(the_plan.payload)
            keycloak.update_client(uuid, representation)
        if needs_mapper:
            keycloak.add_protocol_mapper(uuid, name, audience_mapper(audience))
    if params["rotate"] and the_plan.action != "create":
        result["client_secret"] = keycloak.regenerate_secret(uuid, name)
    else:
        result["client_secret"] = keycloak.get_secret(uuid, name)
    return result, []


def run(module, client, now):
    """Validate, then ensure; returns (result, warnings). Raises CamundaError/RecordError."""
    params = module.params
    reason = validate_name(params["name"], params["rotate"], client.deployment)
    if reason:
        raise CamundaError("Invalid client name: " + reason)
    if client.deployment == SELF_MANAGED:
        return ensure_self_managed(params, client, module.check_mode)
    if not params["cluster_id"]:
        raise CamundaError("cluster_id is required on SaaS (the cluster's id as Console shows it)")
    return ensure_saas(params, client, module.check_mode, now)


def main():
    argument_spec = camunda_argument_spec()
    argument_spec.update(
        cluster_id=dict(type="str"),
        name=dict(type="str", required=True),
        permissions=dict(type="list", elements="str", default=["Zeebe"]),
        audience=dict(type="str"),
        rotate=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    client = CamundaClient(module.params["camunda"])
    run_module(module, lambda: run(module, client, client.clock()))


if __name__ == "__main__":
    main()
