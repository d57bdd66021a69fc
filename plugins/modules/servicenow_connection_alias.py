#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the camunda.servicenow collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servicenow_connection_alias
short_description: Check the Camunda Spoke's connection alias and manage its HTTP connection
version_added: 0.1.0
description:
  - Checks that the connection alias (C(sys_alias)) shipped with the Camunda Spoke exists, is a connection alias of
    type HTTP and belongs to the spoke's application scope. The alias itself is never created, changed or deleted;
    it belongs to the spoke.
  - Manages the alias's HTTP(s) connection (C(http_connection)) as step 5 of Camunda's
    "Setup & configuration" page documents it, in the spoke's application scope
    ("ensure you are editing a record in the Camunda Spoke application").
  - Respects the one-active-connection rule of ServiceNow aliases; see O(conflict).
  - Reads the alias, the scope, the credential and the connections in one round trip; a run where nothing
    changes makes exactly one request to ServiceNow (plus a token request with OAuth).
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes
seealso:
  - module: camunda.servicenow.servicenow_spoke
  - module: camunda.servicenow.servicenow_spoke_info
  - module: camunda.servicenow.servicenow_oauth_profile
  - module: camunda.servicenow.servicenow_credential
  - name: Camunda Spoke setup and configuration
    description: The documented ServiceNow steps this module automates (step 5).
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/setup-and-configuration/
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
options:
  state:
    description:
      - V(present) creates or updates the connection; V(absent) deletes the connection called O(name).
      - The alias is only checked, never deleted.
    type: str
    choices: [present, absent]
    default: present
  alias:
    description:
      - The connection alias ID (C(sys_alias.id)), C(<scope>.<alias name>).
    type: str
    default: x_camun_camunda.Camunda
  scope:
    description:
      - The application scope the alias must belong to; the connection is created in that scope (C(app_scope)).
    type: str
    default: x_camun_camunda
  name:
    description:
      - The connection's name (unique on the C(sys_connection) table).
      - An empty name, or one with leading or trailing spaces, is refused before anything is written.
    type: str
    default: Camunda API Connection
  credential:
    description:
      - The credential the connection uses, by name or sys_id (a record of C(discovery_credentials) or one of its
        child tables, such as the OAuth 2.0 credential that M(camunda.servicenow.servicenow_credential) manages).
      - Matched exactly; two credentials with that name are an error.
      - Required when O(state=present).
    type: str
  credential_table:
    description:
      - The table the credential is looked up in. The base table C(discovery_credentials) includes every
        credential type.
    type: str
    default: discovery_credentials
  domain:
    description:
      - The connection's domain (C(sys_domain)), as a sys_id; V(global) is the global domain.
    type: str
    default: global
  url_builder:
    description:
      - Whether the connection URL is built from O(protocol), O(host), O(port) and O(base_path) (the form's
        "URL Builder" box).
      - The module always sends the derived C(connection_url) as well, because ServiceNow computes it in the form only.
    type: bool
    default: true
  host:
    description:
      - The Camunda cluster host, C(<region>.zeebe.camunda.io) for Camunda SaaS, for example V(lhr-1.zeebe.camunda.io).
      - A host name only. A scheme (C(https://)), a path, a trailing C(/), a port or a space is refused before
        anything is written (the scheme goes in O(protocol), the port in O(port), the path in O(base_path)).
      - Required when O(state=present).
    type: str
  protocol:
    description:
      - The protocol of the connection URL.
    type: str
    choices: [https, http]
    default: https
  port:
    description:
      - The port, when not the protocol's default; it becomes part of the connection URL.
      - When omitted, the port column is not managed (an empty integer column reads back as C(0) on the instance),
        and the connection URL has no port.
      - From 1 to 65535; another value is refused before anything is written.
    type: int
  base_path:
    description:
      - The base path, C(/<clusterId>) for Camunda SaaS, for example V(/6b6b3969-a65c-4bdd-905e-c29102eebded).
      - A leading C(/) is added when missing; a trailing C(/) is removed.
    type: str
    default: ""
  active:
    description:
      - Whether the connection is active.
    type: bool
    default: true
  conflict:
    description:
      - What to do when the alias allows only one active connection (C(multiple_connections=false)) and an active
        connection other than O(name) is already attached to it, while this connection is to be active.
      - V(adopt) updates that existing connection in place (it is renamed to O(name) and gets every managed value)
        instead of adding a second one, and warns, naming the connection and its old name. It applies only when
        no connection called O(name) exists yet, exactly one other connection is active on the alias, and that
        connection is the same integration (it already uses the same credential, or the same host and base path).
        A connection that points at another credential B(and) another cluster is someone else's integration, so the
        module fails, names it, and changes nothing (set V(deactivate) to take the alias over explicitly).
      - V(deactivate) sets the other active connections to inactive (what the ServiceNow form offers) and then
        creates or updates O(name).
      - V(fail) changes nothing and fails, naming the active connection and how to resolve the conflict.
      - Ignored when the alias allows multiple active connections or when O(active=false).
    type: str
    choices: [adopt, deactivate, fail]
    default: adopt
notes:
  - The connection is found by O(name) and, on a single-connection alias, by the alias's active connection.
  - A create whose answer is lost (a 5xx, a dropped connection, a timeout) is not repeated blindly. The module looks
    the connection up by O(name) and creates it again only when it is still absent.
    A connection called O(name) that is attached to another alias is an error (names are unique on the table).
  - Role C(connection_admin) (or C(admin)) is needed to write connections; reading the alias needs
    C(connection_admin) or C(credential_admin).
"""

EXAMPLES = r"""
- name: Create the Camunda API Connection on the spoke's alias (documented step 5)
  camunda.servicenow.servicenow_connection_alias:
    instance:
      host: https://dev12345.service-now.com
      username: admin
      password: "{{ servicenow_password }}"
    name: Camunda API Connection
    alias: x_camun_camunda.Camunda
    credential: Camunda Connection
    domain: global
    url_builder: true
    host: lhr-1.zeebe.camunda.io
    protocol: https
    base_path: /6b6b3969-a65c-4bdd-905e-c29102eebded

- name: Fail instead of updating another active connection on the alias
  camunda.servicenow.servicenow_connection_alias:
    credential: Camunda Connection
    host: lhr-1.zeebe.camunda.io
    base_path: /6b6b3969-a65c-4bdd-905e-c29102eebded
    conflict: fail

- name: Remove the connection (the alias stays, it belongs to the spoke)
  camunda.servicenow.servicenow_connection_alias:
    name: Camunda API Connection
    state: absent
"""

RETURN = r"""
connection:
  description:
    - The connection's managed fields as ServiceNow saved them (references as sys_ids); in check mode, the
      prediction. Empty after O(state=absent).
  returned: always
  type: dict
  sample:
    sys_id: 0d2b2f3e1b2a4e10a1b2c3d4e5f60718
    name: Camunda API Connection
    connection_alias: 5f0c3b2a1b2a4e10a1b2c3d4e5f60718
    credential: 7c1d2e3f1b2a4e10a1b2c3d4e5f60718
    sys_domain: global
    url_builder: "true"
    host: lhr-1.zeebe.camunda.io
    protocol: https
    port: "0"
    base_path: /6b6b3969-a65c-4bdd-905e-c29102eebded
    connection_url: https://lhr-1.zeebe.camunda.io/6b6b3969-a65c-4bdd-905e-c29102eebded
    active: "true"
    app_scope: 9a8b7c6d1b2a4e10a1b2c3d4e5f60718
alias:
  description: The connection alias that was checked.
  returned: always
  type: dict
  sample:
    sys_id: 5f0c3b2a1b2a4e10a1b2c3d4e5f60718
    id: x_camun_camunda.Camunda
    name: Camunda
    type: connection
    connection_type: http_connection
    multiple_connections: "false"
    sys_scope: 9a8b7c6d1b2a4e10a1b2c3d4e5f60718
deactivated:
  description: The sys_ids of other connections set inactive because of O(conflict=deactivate).
  returned: always
  type: list
  elements: str
  sample: []
action:
  description: What was done (or would be done in check mode) to the connection.
  returned: always
  type: str
  choices: [create, update, delete, none]
  sample: update
diff:
  description: The managed fields before and after (only those that differ).
  returned: always
  type: dict
  sample:
    before: {host: bru-2.zeebe.camunda.io}
    after: {host: lhr-1.zeebe.camunda.io}
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.records import (
    find_exact,
    normalize,
    plan,
    verify_saved,
)

from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    escape_query_value as encode_value,
    find_by_name_or_sys_id,
    name_or_sys_id_query,
    servicenow_argument_spec,
)

ALIAS_TABLE = "sys_alias"
SCOPE_TABLE = "sys_scope"
CONNECTION_TABLE = "http_connection"
CONNECTION_WHAT = "connection (http_connection)"

ALIAS_FIELDS = ["sys_id", "id", "name", "type", "connection_type", "multiple_connections", "sys_scope"]
SCOPE_FIELDS = ["sys_id", "scope", "name", "active", "version"]
CREDENTIAL_FIELDS = ["sys_id", "name", "active", "sys_class_name"]
MANAGED_FIELDS = [
    "name", "connection_alias", "credential", "sys_domain", "url_builder", "host", "protocol", "port",
    "base_path", "connection_url", "active", "app_scope",
]
CONNECTION_FIELDS = ["sys_id"] + MANAGED_FIELDS

MODULE_OPTIONS = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    alias=dict(type="str", default="x_camun_camunda.Camunda"),
    scope=dict(type="str", default="x_camun_camunda"),
    name=dict(type="str", default="Camunda API Connection"),
    credential=dict(type="str"),
    credential_table=dict(type="str", default="discovery_credentials"),
    domain=dict(type="str", default="global"),
    url_builder=dict(type="bool", default=True),
    host=dict(type="str"),
    protocol=dict(type="str", choices=["https", "http"], default="https"),
    port=dict(type="int"),
    base_path=dict(type="str", default=""),
    active=dict(type="bool", default=True),
    conflict=dict(type="str", choices=["adopt", "deactivate", "fail"], default="adopt"),
)


class ConnectionAliasError(ModuleError):
    """A failure with a message a user can act on."""


def normalize_base_path(base_path):
    path = (base_path or "").strip()
    if not path:
        return ""
    path = path.rstrip("/")
    if not path.startswith("/"):
        path = "/" + path
    return path


def build_connection_url(protocol, host, port, base_path):
    """protocol://host[:port]base_path, the URL the form's URL builder computes."""
    url = "%s://%s" % (protocol, host)
    if port:
        url += ":%s" % port
    return url + normalize_base_path(base_path)


HOST_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def check_params(params):
    """Refuse, before any request, the inputs that would be written wrong (one sentence, nothing written)."""
    name = params["name"]
    for option in ("name", "host", "credential", "alias"):
        value = params.get(option)
        if isinstance(value, str) and re.match(r"^(\[.*\]|\{.*\})$", value, re.S):
            raise ConnectionAliasError("The %s option is %s, which looks like a list or a dictionary that Ansible turned "
                                       "into text; give a single string, nothing was written." % (option, value))
    if not isinstance(name, str) or not name.strip():
        raise ConnectionAliasError("The connection name is empty; give the connection's name in name (default "
                                   "'Camunda API Connection'), nothing was written.")
    if name != name.strip():
        raise ConnectionAliasError("The connection name %r has leading or trailing spaces, which would make a "
                                   "near-duplicate of %r; remove them, nothing was written." % (name, name.strip()))
    if params["state"] != "present":
        return
    host = params["host"]
    port = params["port"]
    problem = None
    if "://" in host:
        problem = "has a scheme: give the scheme in protocol and only the host name in host (for example %r)" % (
            host.split("://", 1)[1].split("/", 1)[0] or "lhr-1.zeebe.camunda.io")
    elif "/" in host:
        problem = "has a path or a trailing '/': give only the host name in host and the path in base_path"
    elif ":" in host:
        problem = "has a port: give only the host name in host and the port in port"
    elif not HOST_NAME_RE.match(host):
        problem = "is not a host name (letters, digits, '.' and '-' only, no spaces)"
    if problem:
        raise ConnectionAliasError("The connection host %r %s; nothing was written." % (host, problem))
    if port is not None and not 1 <= port <= 65535:
        raise ConnectionAliasError("The connection port %s is out of range: give a port from 1 to 65535, or leave port "
                                   "out for the protocol's default; nothing was written." % port)


def lookup_requests(params):
    """The reads of one run, all sent in one batch: alias, scope, connections, credential (present only)."""
    alias_id = encode_value(params["alias"])
    requests = [
        dict(table=ALIAS_TABLE, query="id=%s" % alias_id, fields=ALIAS_FIELDS, limit=5),
        dict(table=SCOPE_TABLE, query="scope=%s" % encode_value(params["scope"]), fields=SCOPE_FIELDS, limit=5),
        dict(table=CONNECTION_TABLE,
             query="name=%s^ORconnection_alias.id=%s" % (encode_value(params["name"]), alias_id),
             fields=CONNECTION_FIELDS, limit=50),
    ]
    if params["state"] == "present":
        requests.append(dict(table=params["credential_table"], query=name_or_sys_id_query(params["credential"]),
                             fields=CREDENTIAL_FIELDS, limit=5))
    return requests


def check_alias(alias_rows, scope_rows, alias_id, scope, host, who=None):
    """Return (alias, scope_record) or raise ConnectionAliasError saying what is wrong and what to check."""
    # Duplicates raise the shared RecordError sentence; the runner names the instance in it.
    scope_record = find_exact(scope_rows, {"scope": scope}, "application scope")
    alias = find_exact(alias_rows, {"id": alias_id}, "connection alias")
    if scope_record is None:
        raise ConnectionAliasError(
            "The application scope %s was not found on %s: install the Camunda Spoke (camunda.servicenow.servicenow_spoke) "
            "or check the scope option." % (scope, host))
    if alias is None:
        raise ConnectionAliasError(
            "The connection alias %s was not found on %s although the application %s is installed; check that %s may "
            "read connection aliases (role connection_admin or credential_admin; writing the connection needs "
            "connection_admin or admin), that the Camunda Spoke is installed completely, and that the alias option is "
            "the alias ID (<scope>.<alias name>)." % (alias_id, host, scope, who or "the ServiceNow account"))
    if normalize(alias.get("type")) != "connection":
        raise ConnectionAliasError(
            "%s on %s is a credential alias (type %s), not a connection alias: the connection needs an alias of type "
            "'Connection and Credential'." % (alias_id, host, normalize(alias.get("type")) or "empty"))
    if normalize(alias.get("connection_type")) != "http_connection":
        raise ConnectionAliasError(
            "%s on %s has connection type %s, not HTTP (http_connection): check the alias option."
            % (alias_id, host, normalize(alias.get("connection_type")) or "empty"))
    if normalize(alias.get("sys_scope")) != normalize(scope_record.get("sys_id")):
        raise ConnectionAliasError(
            "The connection alias %s on %s does not belong to the application %s (its scope is %s): check the alias "
            "and scope options." % (alias_id, host, scope, normalize(alias.get("sys_scope")) or "empty"))
    return alias, scope_record


def account(params):
    """How the module authenticates, in words ("user 'admin'", "the OAuth client 'x'"), for permission hints."""
    instance = params.get("instance") or {}
    if instance.get("username") and not instance.get("access_token") and not instance.get("api_key"):
        return "user %r" % instance["username"]
    if instance.get("client_id") and not instance.get("access_token") and not instance.get("api_key"):
        return "the OAuth client %r" % instance["client_id"]
    return None


def resolve_credential(rows, reference, table, host, who=None):
    """The sys_id of the credential named (or with the sys_id) ``reference``; exact match, never a guess."""
    found = find_by_name_or_sys_id(rows, reference, "credential")
    if found is None:
        raise ConnectionAliasError(
            "The credential %s was not found in %s on %s: create it first (camunda.servicenow.servicenow_credential), "
            "check the credential option (a name or a sys_id), and check that %s may read credentials (role "
            "credential_admin or admin)." % (reference, table, host, who or "the ServiceNow account"))
    return normalize(found["sys_id"])


def desired_connection(params, alias, scope_record, credential_sys_id):
    base_path = normalize_base_path(params["base_path"])
    port = None if params["port"] is None else str(params["port"])  # None: not managed
    return dict(
        name=params["name"],
        connection_alias=normalize(alias["sys_id"]),
        credential=credential_sys_id,
        sys_domain=params["domain"],
        url_builder=normalize(params["url_builder"]),
        host=params["host"],
        protocol=params["protocol"],
        port=port,
        base_path=base_path,
        connection_url=build_connection_url(params["protocol"], params["host"], port, base_path),
        active=normalize(params["active"]),
        app_scope=normalize(scope_record["sys_id"]),
    )


def describe(row):
    return "'%s' (%s)" % (row.get("name"), normalize(row.get("sys_id")))


def choose_target(connections, params, alias, host):
    """Pick the connection to manage and the ones to deactivate.

    Returns (target_or_None, to_deactivate). Raises ConnectionAliasError for the conflicts the module must not
    resolve on its own. The rules are documented under the ``conflict`` option.
    """
    name = params["name"]
    alias_sys_id = normalize(alias["sys_id"])
    named = find_exact(connections, {"name": name}, "connection")
    if named is not None and normalize(named.get("connection_alias")) != alias_sys_id:
        raise ConnectionAliasError(
            "The connection %s on %s is attached to another alias (%s), not %s: choose another name or move or delete "
            "that connection." % (describe(named), host, normalize(named.get("connection_alias")) or "none", params["alias"]))
    if params["state"] == "absent":
        return named, []
    multiple = normalize(alias.get("multiple_connections")) == "true"
    if multiple or not params["active"]:
        return named, []
    others = [
        row for row in connections
        if normalize(row.get("connection_alias")) == alias_sys_id and normalize(row.get("active")) == "true"
        and (named is None or normalize(row.get("sys_id")) != normalize(named.get("sys_id")))
    ]
    if not others:
        return named, []
    if params["conflict"] == "deactivate":
        return named, others
    listed = ", ".join(describe(row) for row in others)
    if named is None and len(others) == 1 and params["conflict"] == "adopt":
        return others[0], []
    if named is None and len(others) == 1:
        what = "adding '%s' would make a second one" % name
    elif named is None:
        what = "they are ambiguous, so none of them is adopted as '%s'" % name
    else:
        what = "activating %s would make a second one" % describe(named)
    raise ConnectionAliasError(
        "The alias %s on %s allows only one active connection and already has %s; %s: set conflict to 'adopt' "
        "to update the existing connection in place, to 'deactivate' to deactivate it, or deactivate or delete it in "
        "ServiceNow." % (params["alias"], host, listed, what))


def same_integration(row, desired):
    """True when an active connection ``row`` already serves what ``desired`` describes: the same credential, or the
    same host and base path (the same cluster). Only such a connection is adopted."""
    if normalize(row.get("credential")) == desired["credential"]:
        return True
    return (normalize(row.get("host")) == desired["host"]
            and normalize_base_path(normalize(row.get("base_path"))) == desired["base_path"])


def refuse_foreign_adoption(row, desired, params, host):
    """conflict=adopt must not rename and repoint another integration's connection."""
    raise ConnectionAliasError(
        "The alias %s on %s allows only one active connection and already has %s, which uses another credential "
        "(%s) and another cluster (%s); adopting it would repoint it at credential %s and %s, so nothing was written: "
        "set conflict to 'deactivate' to deactivate it and create '%s', or deactivate or delete it in ServiceNow."
        % (params["alias"], host, describe(row), normalize(row.get("credential")) or "none",
           normalize(row.get("connection_url")) or normalize(row.get("host")) or "no URL", desired["credential"],
           desired["connection_url"], params["name"]))


def pick(record, fields):
    return dict((field, normalize(record.get(field))) for field in fields if record is not None and field in record)


def run(module, client):
    """Do the work of one module run; returns the result dict and the warnings."""
    params = module.params
    check_params(params)
    host = getattr(client, "host", None) or "the ServiceNow instance"
    reads = client.batch_get(lookup_requests(params))
    alias, scope_record = check_alias(reads[0], reads[1], params["alias"], params["scope"], host, account(params))
    connections = reads[2]
    target, to_deactivate = choose_target(connections, params, alias, host)
    warnings = []

    result = dict(changed=False, alias=pick(alias, ALIAS_FIELDS), connection={}, deactivated=[], action="none",
                  diff=dict(before={}, after={}))
    current = pick(target, CONNECTION_FIELDS) if target else None

    def lookup():
        """The connection called O(name), read again (a create whose answer was lost may have been saved)."""
        rows = client.get_records(CONNECTION_TABLE, "name=%s" % encode_value(params["name"]), CONNECTION_FIELDS, 5)
        return find_exact(rows, {"name": params["name"]}, CONNECTION_WHAT)

    if params["state"] == "absent":
        # The managed fields, so the diff of a delete shows what is deleted (as every module that deletes does).
        step = plan(current, dict.fromkeys(MANAGED_FIELDS), state="absent")
        done = client.apply_plan(CONNECTION_TABLE, step, module.check_mode, fields=CONNECTION_FIELDS,
                                 what=CONNECTION_WHAT)
        result.update(action=step.action, diff=step.diff, changed=done["changed"])
        return result, warnings

    credential_sys_id = resolve_credential(reads[3], params["credential"], params["credential_table"], host,
                                           account(params))
    desired = desired_connection(params, alias, scope_record, credential_sys_id)
    if current is not None and normalize(current.get("name")) != params["name"]:
        # conflict=adopt chose the alias's one active connection, which has another name.
        if not same_integration(current, desired):
            refuse_foreign_adoption(current, desired, params, host)
        warning = ("Adopted the active connection %s of alias %s on %s: it is renamed to '%s' and gets the managed "
                   "values, because the alias allows only one active connection (set conflict to 'deactivate' or "
                   "'fail' to keep it as it is).")
        warnings.append(warning % (describe(current), params["alias"], host, params["name"]))
    step = plan(current, desired, state="present")
    result["action"] = step.action
    result["diff"] = step.diff
    result["deactivated"] = [normalize(row["sys_id"]) for row in to_deactivate]

    if not module.check_mode:
        for row in to_deactivate:
            saved = client.update(CONNECTION_TABLE, normalize(row["sys_id"]), {"active": "false"})
            verify_saved(saved, {"active": "false"}, what=CONNECTION_WHAT, service="ServiceNow")
    done = client.apply_plan(CONNECTION_TABLE, step, module.check_mode, fields=CONNECTION_FIELDS,
                             what=CONNECTION_WHAT, lookup=lookup)
    result["changed"] = done["changed"] or bool(to_deactivate)
    result["connection"] = pick(done["record"], CONNECTION_FIELDS)
    return result, warnings


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(MODULE_OPTIONS)
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           required_if=[("state", "present", ("credential", "host"))])
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
