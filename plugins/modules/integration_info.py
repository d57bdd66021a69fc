#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: integration_info
short_description: Diagnose one Camunda - ServiceNow integration, read-only
version_added: 0.1.0
description:
  - Reads the ServiceNow instance and the Camunda cluster of one integration and runs the checks of the
    troubleshooting list, each with a status (V(ok), V(warn), V(fail), V(unknown), V(skipped)) and, when something is
    wrong, the fix in one sentence. It writes nothing, on either side.
  - "Checks: C(release) (Yokohama or later), C(plugins) (Integration Hub plugins the integration needs; the request to
    file when only ServiceNow may activate one), C(spoke) (installed and active), C(connection) (the alias and an
    active connection on it), C(connection_url) (host and base path match the cluster and its region), C(token_url)
    (the OAuth application asks Camunda's token URL), C(client) (the client id ServiceNow holds exists in Camunda),
    C(cluster) (awake and recent enough), C(authorizations) (with O(authorization_client_id): the client holds what
    the Camunda Spoke needs), C(connector_secrets) (present) and C(connector_login) (the connector account logs in to
    the Table API, one read-only call)."
  - The C(camunda.servicenow.doctor) role runs it for every host and writes the fleet table.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.camunda
  - camunda.servicenow.attributes.info_module
  - camunda.servicenow.query
options:
  cluster_id:
    description: The cluster's id (SaaS).
    type: str
    required: true
  scope:
    description: The Camunda Spoke's scope.
    type: str
    default: x_camun_camunda
  alias:
    description: The connection alias of the Camunda Spoke.
    type: str
    default: x_camun_camunda.Camunda
  oauth_name:
    description: Name of the OAuth application (C(oauth_entity)) the Camunda credential uses.
    type: str
    default: Camunda OAuth
  plugins:
    description: Names of the plugins the integration needs on the instance.
    type: list
    elements: str
    default: [IntegrationHub Action Step - REST]
  min_release:
    description: The oldest ServiceNow release accepted.
    type: str
    default: yokohama
  min_version:
    description: The oldest Camunda version accepted.
    type: str
    default: "8.6"
  secret_names:
    description: The connector secrets holding the connector account's user name and password, in that order.
    type: list
    elements: str
    default: [snUser, snPwd]
  connection_host:
    description:
      - The host ServiceNow's connection must call. Defaults to C(<region>.zeebe.camunda.io) for the cluster's region,
        as the C(camunda.servicenow.setup) role sets it.
    type: str
  connection_base_path:
    description: The base path ServiceNow's connection must call. Defaults to C(/<cluster_id>).
    type: str
  token_url:
    description:
      - The token URL ServiceNow's OAuth application must ask. Defaults to the configured token service,
        O(camunda.oauth_url) (the setup role writes that one), never the URL the Console reports.
    type: str
  authorization_client_id:
    description:
      - A cluster client that may read authorizations; when set, the C(authorizations) check runs.
    type: str
  authorization_client_secret:
    description: Secret of O(authorization_client_id).
    type: str
seealso:
  - module: camunda.servicenow.camunda_authorization
  - module: camunda.servicenow.servicenow_plugin
  - module: camunda.servicenow.servicenow_user
"""

EXAMPLES = r"""
- name: Diagnose this host's integration
  camunda.servicenow.integration_info:
    instance: "{{ servicenow_instance }}"
    camunda: "{{ camunda_org }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
  register: diagnosis

- name: What is wrong, and the fix
  ansible.builtin.debug:
    msg: "{{ diagnosis.checks | rejectattr('status', 'in', ['ok', 'skipped']) | map(attribute='fix') | list }}"
"""

RETURN = r"""
checks:
  description: Every check, in a fixed order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check's name.
      type: str
      sample: connection_url
    status:
      description: V(ok), V(warn), V(fail), V(unknown) (a fact could not be read) or V(skipped).
      type: str
      sample: fail
    detail:
      description: What was found, one sentence.
      type: str
    fix:
      description: What to do, one sentence; empty when the status is V(ok).
      type: str
status:
  description: The worst status of the checks (V(fail) before V(unknown) before V(warn) before V(ok)).
  returned: always
  type: str
  sample: ok
query_result:
  description: The answer of O(query) over this result (C(null) when nothing matches).
  returned: when O(query) is set
  type: raw
  sample: ["servicenow-dev12345-g1"]
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.query import QUERY_ARGUMENT_SPEC
from ansible_collections.camunda.servicenow.plugins.module_utils import authorizations as authz
from ansible_collections.camunda.servicenow.plugins.module_utils import doctor
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_cluster import (
    saas_cluster_rest_url, split_rest_url)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_console import ConsoleAPI, parse_zeebe_address
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import USER_ERRORS, CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.records import normalize
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient, escape_query_value as quote, instance_host, servicenow_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(camunda_argument_spec())
    spec.update(QUERY_ARGUMENT_SPEC)
    spec.update(
        cluster_id=dict(type="str", required=True),
        scope=dict(type="str", default="x_camun_camunda"),
        alias=dict(type="str", default="x_camun_camunda.Camunda"),
        oauth_name=dict(type="str", default="Camunda OAuth"),
        plugins=dict(type="list", elements="str", default=["IntegrationHub Action Step - REST"]),
        min_release=dict(type="str", default="yokohama"),
        min_version=dict(type="str", default="8.6"),
        secret_names=dict(type="list", elements="str", default=["snUser", "snPwd"], no_log=False),
        connection_host=dict(type="str"),
        connection_base_path=dict(type="str"),
        token_url=dict(type="str", no_log=False),
        authorization_client_id=dict(type="str"),
        authorization_client_secret=dict(type="str", no_log=True),
    )
    return spec


def gather(fn):
    """``fn()``, or ``{"error": sentence}`` when it fails with a user error."""
    try:
        return fn()
    except USER_ERRORS as err:
        return {"error": str(err)}


def servicenow_facts(sn, params):
    names = list(params["plugins"])
    prop, plugins, apps, aliases, oauth = sn.batch_get([
        dict(table="sys_properties", query="name=glide.buildname", fields=("value",), limit=1),
        dict(table="v_plugin", query="nameIN" + ",".join(quote(n) for n in names), fields=("id", "name", "active"),
             limit=50),
        dict(table="sys_store_app", query={"scope": params["scope"]}, fields=("sys_id", "version", "active"), limit=2),
        dict(table="sys_alias", query={"id": params["alias"]}, fields=("sys_id", "id"), limit=2),
        dict(table="oauth_entity", query={"name": params["oauth_name"]}, fields=("client_id", "token_url"), limit=2)])
    found = dict((normalize(r.get("name")), r) for r in plugins or [])
    facts = {
        "release": normalize(prop[0].get("value")) if prop else None,
        "plugins": [{"name": n, "id": normalize(found[n].get("id")) if n in found else None,
                     "active": n in found and normalize(found[n].get("active")) == "active"} for n in names],
        "spoke": dict((k, normalize(v)) for k, v in apps[0].items()) if apps else None,
        "oauth": dict((k, normalize(v)) for k, v in oauth[0].items()) if oauth else None,
    }
    connection = {"alias": None, "connections": []}
    if aliases:
        connection["alias"] = normalize(aliases[0].get("sys_id"))
        rows = sn.get_records("http_connection", {"connection_alias": connection["alias"]},
                              ("name", "active", "host", "base_path"), 10)
        connection["connections"] = [dict((k, normalize(v)) for k, v in r.items()) for r in rows]
    facts["connection"] = connection
    return facts


def cluster_fact(data):
    data = data if isinstance(data, dict) else {}
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    generation = data.get("generation") if isinstance(data.get("generation"), dict) else {}
    links = data.get("links") if isinstance(data.get("links"), dict) else {}
    version = VERSION_RE.search(str(generation.get("name") or ""))
    return {"ready": status.get("ready") in (True, "Healthy") or status.get("zeebeStatus") == "Healthy",
            "status": status.get("zeebeStatus") or status.get("ready"),
            "version": version.group(1) if version else None,
            "region": (parse_zeebe_address(links.get("zeebe")) or {}).get("region")}


def read_cluster(console):
    """The cluster's facts; a cluster that is not ready (Console 412) is a fact, not an error."""
    try:
        return cluster_fact(console.get_cluster())
    except CamundaError as err:
        if err.status == 412:
            return {"ready": False, "status": "not ready (Console answered HTTP 412)", "version": None, "region": None}
        raise


def connector_login(params, user, password):
    options = dict(params["instance"], username=user, password=password, client_id=None, client_secret=None,
                   access_token=None, api_key=None, refresh_token=None, grant_type=None,
                   client_certificate_file=None, client_key_file=None)
    as_user = ServiceNowClient(options, max_retries=1)
    as_user.add_secret(password)
    try:
        as_user.get_records("sys_user", {"user_name": user}, ("sys_id",), 1)
    except TransportError as err:
        return {"user": user, "status": err.status, "error": str(err)}
    return {"user": user, "status": 200}


def authorization_fact(client, params, rest_url, client_id):
    token = client.fetch_token(client.token_url(), params["authorization_client_id"],
                               params["authorization_client_secret"], client.cluster_audience(), what="cluster").access_token
    api = authz.AuthorizationAPI(client, rest_url, token, params["authorization_client_id"])
    rows = api.search("CLIENT", client_id)
    missing = []
    for entry in authz.spoke_authorizations():
        have = set()
        for row in authz.matching(rows, "CLIENT", client_id, entry["resource_type"], entry["resource_id"]):
            have.update(row.get("permissionTypes") or [])
        lacking = sorted(set(entry["permissions"]) - have)
        if lacking:
            missing.append("{0} on {1} {2}".format(", ".join(lacking), entry["resource_type"], entry["resource_id"]))
    return {"readable": True if rows else api.can_read(), "missing": missing}


def run(module, sn, camunda):
    params = module.params
    facts = {}
    sn_facts = gather(lambda: servicenow_facts(sn, params))
    for key in ("release", "plugins", "spoke", "oauth", "connection"):
        facts[key] = sn_facts.get(key) if "error" not in sn_facts else sn_facts
    console = ConsoleAPI(camunda, params["cluster_id"]) if camunda.deployment != SELF_MANAGED else None
    facts["cluster"] = gather(lambda: read_cluster(console)) if console else {
        "error": "The doctor reads the cluster through the Console API, which Self-Managed has not."}
    clients = gather(console.list_clients) if console else facts["cluster"]
    if not isinstance(clients, dict):
        clients = [c.get("clientId") for c in clients if isinstance(c, dict)]
    facts["clients"] = clients
    region = facts["cluster"].get("region") if "error" not in facts["cluster"] else None
    rest_url = saas_cluster_rest_url(params["cluster_id"], region, camunda.opt("cluster_api_url")) or ""
    # What ServiceNow must call (the public SaaS host), not what this module calls (camunda.cluster_api_url).
    host, base_path = split_rest_url(saas_cluster_rest_url(params["cluster_id"], region) or "")
    host = params.get("connection_host") or host or "(unknown: the cluster's region could not be read)"
    base_path = params.get("connection_base_path") or base_path or "/" + params["cluster_id"]
    expected = {"host": sn.host, "scope": params["scope"], "alias": params["alias"], "oauth_name": params["oauth_name"],
                "min_release": params["min_release"], "min_version": params["min_version"], "cluster_host": host,
                "cluster_base_path": base_path, "token_url": params["token_url"] or camunda.token_url(),
                "secret_names": params["secret_names"]}
    if console:
        secrets = gather(console.get_secrets)
        if "error" in secrets:
            facts["connector_secrets"] = secrets
        else:
            for value in secrets.values():
                camunda.add_secret(value)
            facts["connector_secrets"] = {"names": sorted(secrets)}
            user_name, password_name = (list(params["secret_names"]) + [None, None])[:2]
            if user_name in secrets and password_name in secrets:
                facts["connector_login"] = connector_login(params, secrets[user_name], secrets[password_name])
    oauth = facts.get("oauth") or {}
    if params.get("authorization_client_id") and oauth.get("client_id") and rest_url:
        facts["authorizations"] = gather(lambda: authorization_fact(camunda, params, rest_url, oauth["client_id"]))
    checks = doctor.evaluate(facts, expected)
    return dict(changed=False, checks=checks, status=doctor.summary(checks))


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_together=[("authorization_client_id", "authorization_client_secret")])
    # A diagnosis reports a cluster that is not ready at once instead of waiting for it.
    camunda = CamundaClient(dict(module.params["camunda"] or {}, cluster_ready_timeout=0))
    run_module(module, lambda: run(module, ServiceNowClient(module), camunda),
               where=instance_host(module))


if __name__ == "__main__":
    main()
