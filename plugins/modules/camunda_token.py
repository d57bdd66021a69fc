#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_token
short_description: Fetch one Camunda OAuth access token so later tasks and hosts reuse it
version_added: 0.1.0
description:
  - Fetches an OAuth 2.0 access token once (client credentials, form-encoded) and returns it with its expiry, so
    later tasks pass it as O(camunda.access_token) (Console API, Keycloak admin API) or as the C(access_token)
    option of M(camunda.servicenow.camunda_cluster_info) instead of fetching a token each.
  - The SaaS token service allows about one token request per second per address and answers 429 beyond that
    (and blocks addresses that repeat failed requests). With C(run_once=true) a play over many hosts makes one
    token request; a task registered with C(run_once) sets the result on every host of the play.
  - Which token is fetched; with O(client_id) set, a token for that client (for example the cluster client
    from M(camunda.servicenow.camunda_client_credential)) for O(audience), by default the cluster audience.
    Without O(client_id), the token the other Camunda modules would fetch for themselves; on SaaS the
    organization client's Console API token (O(camunda.client_id), audience O(camunda.console_audience)); on
    Self-Managed the Keycloak admin token (password grant of O(camunda.keycloak_admin_username)).
  - A 401 is not retried (a wrong credential does not get better, and the SaaS service punishes loops); a 429
    is retried honouring C(Retry-After).
  - B(Why a module and not a lookup plugin.) A lookup runs on the controller every time its result is
    templated, so a token lookup referenced by several tasks or hosts would request a token each time unless the
    user remembers C(set_fact); it also could not use C(module_defaults) for the action group, the C(camunda)
    options' environment fallbacks, or run where the Camunda endpoints are reachable (C(delegate_to)). A module
    with C(run_once) and C(register) requests exactly once per play and keeps the token in a registered
    variable that C(no_log) protects.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
attributes:
  check_mode:
    support: full
    description: Fetching a token changes nothing, so it also happens in check mode (later tasks need it).
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
options:
  client_id:
    description:
      - The client to fetch a token for. Without it, see the description.
    type: str
  client_secret:
    description:
      - Secret of O(client_id).
    type: str
  audience:
    description:
      - Audience of the token. With O(client_id), defaults to O(camunda.cluster_audience) (V(zeebe.camunda.io)
        on SaaS, V(orchestration-api) on Self-Managed); without it, O(camunda.console_audience).
    type: str
  token_url:
    description:
      - Token endpoint. Defaults to O(camunda.oauth_url) (on Self-Managed, the realm's token endpoint).
    type: str
notes:
  - The task result holds the token; run the task with C(no_log=true).
seealso:
  - module: camunda.servicenow.camunda_cluster_info
  - module: camunda.servicenow.camunda_client_credential
  - name: Camunda docs, Administration API authentication (rate limit)
    description: The token service allows about one request per second per address.
    link: https://docs.camunda.io/docs/apis-tools/administration-api/authentication/
"""

EXAMPLES = r"""
- name: One Console API token for the whole play
  camunda.servicenow.camunda_token:
    camunda:
      client_id: "{{ camunda_org_client_id }}"
      client_secret: "{{ camunda_org_client_secret }}"
  run_once: true
  delegate_to: localhost
  register: console_token
  no_log: true

- name: Every host uses it
  camunda.servicenow.camunda_connector_secret:
    camunda:
      access_token: "{{ console_token.access_token }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: snUser
    value: camunda.integration

- name: A cluster token for the ServiceNow client
  camunda.servicenow.camunda_token:
    client_id: "{{ camunda_client.client_id }}"
    client_secret: "{{ camunda_client_secret }}"
    audience: zeebe.camunda.io
  run_once: true
  register: cluster_token
  no_log: true
"""

RETURN = r"""
access_token:
  description: The access token. B(Sensitive); run the task with C(no_log=true).
  returned: success
  type: str
  sample: "(token)"
token_type:
  description: The token type.
  returned: success
  type: str
  sample: Bearer
expires_in:
  description: Lifetime in seconds as the token service reported it (24 hours on SaaS).
  returned: when the token service reports it
  type: int
  sample: 86400
expires_at:
  description: When the token expires, UTC, ISO 8601.
  returned: when the token service reports a lifetime
  type: str
  sample: "2026-01-02T03:04:05Z"
expires_at_epoch:
  description: When the token expires, seconds since the epoch (compare with C(now().timestamp())).
  returned: when the token service reports a lifetime
  type: int
  sample: 1767323045
audience:
  description: The audience requested (empty for the Keycloak admin token).
  returned: success
  type: str
  sample: api.cloud.camunda.io
token_url:
  description: The token endpoint used.
  returned: success
  type: str
  sample: https://login.cloud.camunda.io/oauth/token
client_id:
  description: The client (or Keycloak admin user) the token belongs to.
  returned: success
  type: str
  sample: 9WoCAA~Fh9Gs.0s~sSB-w4yBBTdTe~Mq
scope:
  description: The scopes the token service granted, when it reports them.
  returned: when reported
  type: str
  sample: Zeebe
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module


def fetch(params, client):
    """The token result (changed is always False); raises CamundaError."""
    if params.get("client_id"):
        token_url = params.get("token_url") or client.token_url()
        audience = params.get("audience") or client.cluster_audience()
        client_id = params["client_id"]
        token = client.fetch_token(token_url, client_id, params.get("client_secret"), audience, what="cluster")
    elif client.deployment == SELF_MANAGED:
        token_url = params.get("token_url") or client.keycloak_admin_token_url()
        audience = ""
        client_id = client.opt("keycloak_admin_username")
        token = client.fetch_password_token(token_url, client.opt("keycloak_admin_client_id"), client_id,
                                            client.opt("keycloak_admin_password"))
    else:
        token_url = params.get("token_url") or client.opt("oauth_url")
        audience = params.get("audience") or client.opt("console_audience")
        client_id = client.opt("client_id")
        token = client.fetch_token(token_url, client_id, client.opt("client_secret"), audience, what="Console API")
    result = {"changed": False, "access_token": token.access_token, "token_type": token.token_type,
              "audience": audience, "token_url": token_url, "client_id": client_id}
    if token.expires_in is not None:
        result["expires_in"] = token.expires_in
        result["expires_at"] = token.expires_at_iso()
        result["expires_at_epoch"] = int(token.expires_at)
    if token.scope:
        result["scope"] = token.scope
    return result


def main():
    argument_spec = camunda_argument_spec()
    argument_spec.update(
        client_id=dict(type="str"),
        client_secret=dict(type="str", no_log=True),
        audience=dict(type="str"),
        token_url=dict(type="str", no_log=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_together=[("client_id", "client_secret")])
    run_module(module, lambda: fetch(module.params, CamundaClient(module.params["camunda"])))


if __name__ == "__main__":
    main()
