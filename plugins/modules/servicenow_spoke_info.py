#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the camunda.servicenow collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servicenow_spoke_info
short_description: Preflight of a ServiceNow instance for the Camunda Spoke
version_added: 0.1.0
description:
  - Reads, without changing anything, what the Camunda Spoke needs on a ServiceNow instance and says plainly
    which prerequisite is missing.
  - The instance release (system property C(glide.buildname)), compared with the minimum release (Yokohama).
  - The spoke (installed, active, version, scope sys_id), its connection alias and its C(OAuthCamundaUtil) script
    include.
  - The required plugins (Integration Hub Starter Pack, Integration Hub Action Step - REST) and the optional ones
    the Flow Starter needs (Integration Hub Enterprise Pack, Integration Hub Flow Trigger - REST), from C(v_plugin),
    falling back to C(sys_plugins) when C(v_plugin) returns nothing (its ACLs hide it from many users).
  - Everything is read in one round trip (the Batch API).
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes.info_module
  - camunda.servicenow.query
seealso:
  - module: camunda.servicenow.servicenow_spoke
  - module: camunda.servicenow.servicenow_connection_alias
  - name: Camunda Spoke prerequisites
    description: The release and plugins the Camunda Spoke needs.
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/prerequisites/
  - name: Camunda Spoke setup and configuration
    description: The documented ServiceNow steps.
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/setup-and-configuration/
options:
  scope:
    description: The spoke's application scope.
    type: str
    default: x_camun_camunda
  alias:
    description: The ID of the connection alias the spoke ships.
    type: str
    default: x_camun_camunda.Camunda
  script_include:
    description: The name of the OAuth API script the spoke ships (used by the OAuth profile).
    type: str
    default: OAuthCamundaUtil
  minimum_release:
    description:
      - The oldest ServiceNow release family the spoke supports, by name.
    type: str
    default: Yokohama
  check_optional:
    description:
      - Also check the optional plugins of the Flow Starter (reported in RV(missing_optional), never in RV(missing)).
    type: bool
    default: true
  oauth_profile:
    description:
      - Also read the Application Registry record of this name (in the same request) and return it as
        RV(oauth_profile), with the Camunda client id ServiceNow holds.
    type: str
  spoke_install:
    description:
      - A later step installs the spoke when it is missing. A missing spoke, and the alias and script include that
        come with it, are then not counted in RV(missing); O(spoke_version) is required for that install.
    type: bool
    default: false
  spoke_version:
    description:
      - The spoke version a later step installs (with O(spoke_install)).
    type: str
  fail_when_not_ready:
    description:
      - Fail with the sentences of RV(missing) when a requirement is not met, so that a setup stops before it writes
        anything.
    type: bool
    default: false
  check_access:
    description:
      - Also tell whether the account of O(instance) may write what the Camunda setup writes (the Application
        Registry record and its profile, the OAuth 2.0 credential, the HTTP(s) connection) and read the connection
        alias, from the roles it holds (C(sys_user_has_role), read in the same request) and the roles those tables'
        ACLs ask for (C(oauth_admin), C(credential_admin), C(connection_admin), or C(admin); C(snc_read_only) allows
        no write).
      - A missing role is one sentence of RV(missing) naming the role to grant. Roles that cannot be read (an account
        without a user name, or one that may not read C(sys_user_has_role)) are a sentence of RV(unknown), never a
        guess.
    type: bool
    default: false
  vocabulary:
    description:
      - How the sentences name O(spoke_install), O(spoke_version) and O(instance) for a caller that wraps this module
        (the C(camunda.servicenow.setup) role names its own variables). Keys C(spoke_install), C(spoke_version),
        C(instance).
    type: dict
    default: {}
notes:
  - The Flow Trigger - REST plugin's ID is not published; it is matched by the guessed ID
    C(com.glide.hub.flow_trigger.rest) and by a name containing "Flow Trigger" and "REST".
  - The Starter Pack is accepted under both IDs ServiceNow documents, C(com.glide.hub.integrations) and
    C(com.glide.hub.integrations.starter).
"""

EXAMPLES = r"""
- name: Check the prerequisites of the Camunda Spoke
  camunda.servicenow.servicenow_spoke_info:
    instance:
      host: https://dev12345.service-now.com
      username: admin
      password: "{{ servicenow_password }}"
  register: preflight

- name: Stop with the list of what is missing
  ansible.builtin.assert:
    that: preflight.ready
    fail_msg: "{{ preflight.missing | join(' ') }}"
"""

RETURN = r"""
release:
  description: The instance release.
  returned: always
  type: dict
  contains:
    buildname: {description: The value of C(glide.buildname)., type: str, sample: Yokohama}
    war: {description: The value of C(glide.war) (the exact build)., type: str, sample: glide-yokohama-12-18-2024__patch3.zip}
    family: {description: "The release family, lower case without spaces; empty when unknown.", type: str, sample: yokohama}
    minimum: {description: The minimum family (O(minimum_release))., type: str, sample: yokohama}
    supported: {description: Whether the family is the minimum or newer; null when it cannot be told., type: bool, sample: true}
spoke:
  description: The spoke application.
  returned: always
  type: dict
  sample: {installed: true, active: true, version: 1.2.0, scope: x_camun_camunda, sys_id: 9a8b7c6d1b2a4e10a1b2c3d4e5f60718,
           name: Camunda Spoke}
alias:
  description: The connection alias.
  returned: always
  type: dict
  sample: {present: true, sys_id: 5f0c3b2a1b2a4e10a1b2c3d4e5f60718, id: x_camun_camunda.Camunda, in_scope: true,
           multiple_connections: "false"}
script_include:
  description: The OAuth API script include.
  returned: always
  type: dict
  sample: {present: true, sys_id: 3e3a3a11c333210016194ffe5bba8f70, name: OAuthCamundaUtil, in_scope: true}
plugins:
  description:
    - C(required) and C(optional) plugins, each with C(key), C(name), C(ids) (the IDs accepted), C(present),
      C(active) (null when the plugins could not be read), C(id) and C(version) of the plugin found.
    - C(source) is the table they were read from (C(v_plugin) or C(sys_plugins)), null when neither was readable.
  returned: always
  type: dict
missing:
  description: One plain sentence per missing required prerequisite; empty when the instance is ready.
  returned: always
  type: list
  elements: str
  sample: ["The required plugin Integration Hub Action Step - REST (com.glide.hub.action_step.rest) is inactive on
            https://dev12345.service-now.com, and ServiceNow activates Integration Hub plugins only on request: ..."]
missing_optional:
  description: One sentence per missing optional prerequisite (the Flow Starter plugins).
  returned: always
  type: list
  elements: str
unknown:
  description: One sentence per prerequisite that could not be checked (for example plugins hidden by ACLs).
  returned: always
  type: list
  elements: str
ready:
  description: True when nothing required is missing or unknown.
  returned: always
  type: bool
oauth_profile:
  description: The Application Registry record named O(oauth_profile) (never its secret).
  returned: when O(oauth_profile) is set
  type: dict
  contains:
    exists:
      description: Whether the record exists.
      type: bool
    sys_id:
      description: Its sys_id (empty when it does not exist).
      type: str
    client_id:
      description: The Camunda client id ServiceNow holds (empty when none).
      type: str
    type:
      description: The record's type (C(oauth_provider) for a third-party provider).
      type: str
  sample: {"exists": true, "sys_id": "0b1c...", "client_id": "9WoCAA~Fh9Gs", "type": "oauth_provider"}
access:
  description: Whether the account may do what the setup does (O(check_access)).
  returned: when O(check_access) is true
  type: dict
  contains:
    checked: {description: Always true when returned., type: bool}
    account: {description: The user name the roles were read for; empty for an account without one., type: str}
    known: {description: Whether the account's roles could be read; when false the other keys are empty., type: bool}
    roles: {description: "The relevant roles it holds (admin, snc_read_only, oauth_admin, credential_admin,
                          connection_admin).", type: list, elements: str}
    denied: {description: "What it may not do: C(table), C(operation) (C(write) or C(read)) and the C(roles) that
                           would allow it.", type: list, elements: dict}
    grant: {description: The fewest roles to grant for RV(access.denied)., type: list, elements: str}
  sample: {"checked": true, "account": "readonly", "known": true, "roles": ["snc_read_only"],
           "denied": [{"table": "oauth_entity", "operation": "write", "roles": ["oauth_admin"]}],
           "grant": ["oauth_admin"]}
query_result:
  description: The answer of O(query) over this result (C(null) when nothing matches).
  returned: when O(query) is set
  type: raw
  sample: ["servicenow-dev12345-g1"]
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.plugins import staff_only
from ansible_collections.camunda.servicenow.plugins.module_utils.query import QUERY_ARGUMENT_SPEC
from ansible_collections.camunda.servicenow.plugins.module_utils.records import find_exact, normalize
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils import servicenow_access as access
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    escape_query_value,
    servicenow_argument_spec,
)

# Release families in order (the names restart at A after Zurich: Australia is newer than Zurich).
RELEASE_FAMILIES = [
    "aspen", "berlin", "calgary", "dublin", "eureka", "fuji", "geneva", "helsinki", "istanbul", "jakarta",
    "kingston", "london", "madrid", "newyork", "orlando", "paris", "quebec", "rome", "sandiego", "tokyo", "utah",
    "vancouver", "washingtondc", "xanadu", "yokohama", "zurich", "australia",
]

REQUIRED_PLUGINS = [
    dict(key="integration_hub_starter", name="Integration Hub Starter Pack",
         ids=["com.glide.hub.integrations", "com.glide.hub.integrations.starter"]),
    dict(key="action_step_rest", name="Integration Hub Action Step - REST", ids=["com.glide.hub.action_step.rest"]),
]
OPTIONAL_PLUGINS = [
    dict(key="integration_hub_enterprise", name="Integration Hub Enterprise Pack",
         ids=["com.glide.hub.integrations.enterprise"]),
    dict(key="flow_trigger_rest", name="Integration Hub Flow Trigger - REST", ids=["com.glide.hub.flow_trigger.rest"],
         name_words=("flow trigger", "rest")),
]
FLOW_TRIGGER_LIKE = "Flow Trigger"

SPOKE_TABLE = "sys_scope"
SPOKE_FIELDS = ["sys_id", "scope", "name", "version", "active"]
ALIAS_FIELDS = ["sys_id", "id", "name", "type", "connection_type", "multiple_connections", "sys_scope"]
SCRIPT_FIELDS = ["sys_id", "name", "api_name", "active", "sys_scope"]
V_PLUGIN_FIELDS = ["id", "name", "active", "version", "state"]
SYS_PLUGINS_FIELDS = ["sys_id", "source", "name", "active", "version"]
PROFILE_FIELDS = ["sys_id", "name", "type", "client_id"]

MODULE_OPTIONS = dict(
    scope=dict(type="str", default="x_camun_camunda"),
    alias=dict(type="str", default="x_camun_camunda.Camunda"),
    script_include=dict(type="str", default="OAuthCamundaUtil"),
    minimum_release=dict(type="str", default="Yokohama"),
    check_optional=dict(type="bool", default=True),
    oauth_profile=dict(type="str"),
    spoke_install=dict(type="bool", default=False),
    spoke_version=dict(type="str"),
    fail_when_not_ready=dict(type="bool", default=False),
    check_access=dict(type="bool", default=False),
    vocabulary=dict(type="dict", default={}),
)


# -- release --------------------------------------------------------------------------------------------------------

def release_key(name):
    """'Washington DC' -> 'washingtondc', 'San Diego' -> 'sandiego'."""
    return re.sub(r"[^a-z]", "", (name or "").lower())


def parse_release_family(buildname, war=""):
    """The release family of an instance from glide.buildname (or, failing that, glide.war), or ""."""
    key = release_key(buildname)
    for family in sorted(RELEASE_FAMILIES, key=len, reverse=True):
        if key.startswith(family):
            return family
    match = re.search(r"glide-([a-z]+)", (war or "").lower())
    if match and match.group(1) in RELEASE_FAMILIES:
        return match.group(1)
    return ""


def release_supported(family, minimum):
    """True/False when both families are known, None when one of them is not."""
    minimum = release_key(minimum)
    if family not in RELEASE_FAMILIES or minimum not in RELEASE_FAMILIES:
        return None
    return RELEASE_FAMILIES.index(family) >= RELEASE_FAMILIES.index(minimum)


def release_facts(property_rows, minimum):
    values = dict((normalize(row.get("name")), normalize(row.get("value"))) for row in property_rows or [])
    buildname = values.get("glide.buildname", "")
    war = values.get("glide.war", "")
    family = parse_release_family(buildname, war)
    return dict(buildname=buildname, war=war, family=family, minimum=release_key(minimum),
                supported=release_supported(family, minimum))


# -- spoke, alias, script include -----------------------------------------------------------------------------------

def spoke_facts(rows, scope):
    """Installed/active/version of the application with that scope; a duplicate scope is an error."""
    row = find_exact(rows, {"scope": scope}, "application (sys_scope)")  # duplicates: RecordError
    if row is None:
        return dict(installed=False, active=False, version="", scope=scope, sys_id="", name="")
    return dict(installed=True, active=normalize(row.get("active")) == "true", version=normalize(row.get("version")),
                scope=scope, sys_id=normalize(row.get("sys_id")), name=normalize(row.get("name")))


def alias_facts(rows, alias_id, scope_sys_id):
    found = [row for row in rows or [] if normalize(row.get("id")) == alias_id]
    if not found:
        return dict(present=False, sys_id="", id=alias_id, in_scope=False, type="", connection_type="",
                    multiple_connections="")
    row = found[0]
    return dict(present=True, sys_id=normalize(row.get("sys_id")), id=alias_id,
                in_scope=bool(scope_sys_id) and normalize(row.get("sys_scope")) == scope_sys_id,
                type=normalize(row.get("type")), connection_type=normalize(row.get("connection_type")),
                multiple_connections=normalize(row.get("multiple_connections")))


def script_include_facts(rows, name, scope_sys_id):
    found = [row for row in rows or [] if normalize(row.get("name")) == name]
    in_scope = [row for row in found if scope_sys_id and normalize(row.get("sys_scope")) == scope_sys_id]
    row = (in_scope or found or [None])[0]
    if row is None:
        return dict(present=False, sys_id="", name=name, api_name="", in_scope=False)
    return dict(present=True, sys_id=normalize(row.get("sys_id")), name=name, api_name=normalize(row.get("api_name")),
                in_scope=bool(in_scope))


# -- plugins ----------------------------------------------------------------------------------------------------------

def all_plugin_specs(check_optional=True):
    return REQUIRED_PLUGINS + (OPTIONAL_PLUGINS if check_optional else [])


def plugin_ids(specs):
    ids = []
    for spec in specs:
        ids.extend(spec["ids"])
    return ids


def plugin_queries(specs):
    """Encoded queries for v_plugin (by id) and sys_plugins (by source), plus the name match for Flow Trigger."""
    ids = ",".join(plugin_ids(specs))
    like = "^ORnameLIKE%s" % FLOW_TRIGGER_LIKE if any(spec.get("name_words") for spec in specs) else ""
    return "idIN%s%s" % (ids, like), "sourceIN%s%s" % (ids, like)


def plugin_is_active(value):
    """v_plugin.active is "active"/"inactive"; sys_plugins.active may be a boolean or "1"/"0"."""
    return normalize(value).lower() in ("active", "true", "1")


def name_matches(name, words):
    text = re.sub(r"[\s\u2013\u2014-]+", " ", (name or "").lower())
    return all(word in text for word in words)


def plugin_status(spec, rows, id_field):
    """The status of one plugin spec among the rows of one table (exact ID match; name match for Flow Trigger)."""
    found = [row for row in rows if normalize(row.get(id_field)) in spec["ids"]]
    if not found and spec.get("name_words"):
        found = [row for row in rows if name_matches(normalize(row.get("name")), spec["name_words"])]
    active = [row for row in found if plugin_is_active(row.get("active"))]
    row = (active or found or [None])[0]
    return dict(key=spec["key"], name=spec["name"], ids=list(spec["ids"]), present=bool(found), active=bool(active),
                id=normalize(row.get(id_field)) if row else "", version=normalize(row.get("version")) if row else "")


def plugin_facts(v_plugin_rows, sys_plugins_rows, check_optional=True):
    """Required/optional plugin status from v_plugin, or from sys_plugins when v_plugin returned nothing.

    ``None`` for a table means it could not be read. When neither table returned a row the status is unknown
    (``active`` None): an instance always has some of these plugins, so no rows means an ACL hid them.
    """
    if v_plugin_rows:
        rows, id_field, source = v_plugin_rows, "id", "v_plugin"
    elif sys_plugins_rows:
        rows, id_field, source = sys_plugins_rows, "source", "sys_plugins"
    else:
        rows, id_field, source = None, "id", None
    out = dict(source=source, required=[], optional=[])
    for group, specs in (("required", REQUIRED_PLUGINS), ("optional", OPTIONAL_PLUGINS if check_optional else [])):
        for spec in specs:
            if rows is None:
                out[group].append(dict(key=spec["key"], name=spec["name"], ids=list(spec["ids"]), present=None,
                                       active=None, id="", version=""))
            else:
                out[group].append(plugin_status(spec, rows, id_field))
    return out


# -- the preflight ----------------------------------------------------------------------------------------------------

def lookup_requests(params, account=None):
    """Every read of the preflight, sent as one batch (the account's roles last, with O(check_access))."""
    v_query, sys_query = plugin_queries(all_plugin_specs(params["check_optional"]))
    return [
        dict(table="sys_properties", query="nameINglide.buildname,glide.war", fields=["name", "value"], limit=5),
        dict(table=SPOKE_TABLE, query="scope=%s" % escape_query_value(params["scope"]), fields=SPOKE_FIELDS, limit=5),
        dict(table="sys_alias", query="id=%s" % escape_query_value(params["alias"]), fields=ALIAS_FIELDS, limit=5),
        dict(table="sys_script_include", query="name=%s" % escape_query_value(params["script_include"]),
             fields=SCRIPT_FIELDS, limit=20),
        dict(table="v_plugin", query=v_query, fields=V_PLUGIN_FIELDS, limit=50, optional=True),
        dict(table="sys_plugins", query=sys_query, fields=SYS_PLUGINS_FIELDS, limit=50, optional=True),
    ] + ([dict(table="oauth_entity", query="name=%s" % escape_query_value(params["oauth_profile"]),
               fields=PROFILE_FIELDS, limit=5)] if params.get("oauth_profile") else []) + (
        [access.roles_request(account)] if params.get("check_access") and account else [])


DEFAULT_WORDS = {"spoke_install": "spoke_install", "spoke_version": "spoke_version", "instance": "instance.username"}


def word(params, key):
    return (params.get("vocabulary") or {}).get(key) or DEFAULT_WORDS[key]


def profile_facts(rows, name):
    """The Application Registry record named ``name``: exists, sys_id and the client id ServiceNow holds."""
    row = find_exact(rows or [], {"name": name}, "Application Registry record (oauth_entity)")
    if row is None:
        return dict(exists=False, sys_id="", client_id="", type="")
    return dict(exists=True, sys_id=normalize(row.get("sys_id")), client_id=normalize(row.get("client_id")),
                type=normalize(row.get("type")))


def missing_sentences(facts, params, host):
    """(missing, missing_optional, unknown): plain sentences naming each prerequisite that is not met."""
    missing, optional, unknown = [], [], []
    release = facts["release"]
    if release["supported"] is False:
        missing.append("%s runs ServiceNow %s, older than %s, the oldest release the Camunda Spoke supports: upgrade "
                       "the instance." % (host, release["buildname"] or release["family"], params["minimum_release"]))
    elif release["supported"] is None:
        unknown.append("The release of %s could not be told from glide.buildname '%s': check that it is %s or newer."
                       % (host, release["buildname"], params["minimum_release"]))
    spoke = facts["spoke"]
    install = word(params, "spoke_install")
    version = word(params, "spoke_version")
    installing = not spoke["installed"] and params.get("spoke_install")
    if installing and not params.get("spoke_version"):
        missing.append("The Camunda Spoke (scope %s) is not installed on %s and %s is true, but %s is not set: set it to "
                       "the version to install (the CI/CD batch install needs it; see the spoke's Store listing)."
                       % (params["scope"], host, install, version))
    elif installing:
        pass  # the next step installs it
    elif not spoke["installed"]:
        missing.append("The Camunda Spoke (scope %s) is not installed on %s: install it from All > Application Manager, "
                       "or set %s: true and %s to install it through the CI/CD API."
                       % (params["scope"], host, install, version))
    elif not spoke["active"]:
        missing.append("The Camunda Spoke (scope %s) is installed on %s but inactive: activate it in Application "
                       "Manager." % (params["scope"], host))
    alias = facts["alias"]
    if installing:
        pass  # the alias and the script include come with the spoke the next step installs
    elif not alias["present"]:
        missing.append("The connection alias %s does not exist on %s: it comes with the Camunda Spoke, so install or "
                       "repair the spoke." % (params["alias"], host))
    elif spoke["installed"] and not alias["in_scope"]:
        missing.append("The connection alias %s on %s does not belong to the application %s: check the alias and scope."
                       % (params["alias"], host, params["scope"]))
    script = facts["script_include"]
    if installing:
        pass
    elif not script["present"]:
        missing.append("The script include %s does not exist on %s: it comes with the Camunda Spoke, so install or "
                       "repair the spoke." % (params["script_include"], host))
    elif spoke["installed"] and not script["in_scope"]:
        missing.append("The script include %s on %s is not in the application %s: install or repair the Camunda Spoke."
                       % (params["script_include"], host, params["scope"]))
    plugins = facts["plugins"]
    if plugins["source"] is None:
        unknown.append("The plugins of %s could not be read (v_plugin and sys_plugins returned no rows): check them in "
                       "All > System Definition > Plugins or give the user read access to v_plugin." % host)
        return missing, optional, unknown
    for status in plugins["required"]:
        if not status["active"] and all(staff_only(plugin_id) for plugin_id in status["ids"]):
            # Only ServiceNow staff activate Integration Hub plugins: name the request to file, never pretend.
            missing.append("The required plugin %s (%s) is %s on %s, and ServiceNow activates Integration Hub plugins "
                           "only on request: as admin open All > System Applications > All Available Applications, "
                           "find %s and choose Request plugin (Now Support schedules it; a Personal Developer Instance "
                           "can preview Integration Hub), then run the setup again." % (
                               status["name"], " or ".join(status["ids"]),
                               "inactive" if status["present"] else "not installed", host, status["name"]))
        elif not status["active"]:
            missing.append("The required plugin %s (%s) is %s on %s: activate it (All > System Definition > Plugins) "
                           "before using the spoke." % (status["name"], " or ".join(status["ids"]),
                                                        "inactive" if status["present"] else "not installed", host))
    for status in plugins["optional"]:
        if not status["active"]:
            optional.append("The optional plugin %s (%s) is %s on %s: the Flow Starter needs it; request and activate it "
                            "if you use the Flow Starter." % (status["name"], " or ".join(status["ids"]),
                                                              "inactive" if status["present"] else "not installed", host))
    return missing, optional, unknown


def preflight(reads, params, host, account=None):
    """Facts and sentences from the reads of ``lookup_requests`` (None for a table that could not be read)."""
    spoke = spoke_facts(reads[1], params["scope"])
    facts = dict(
        release=release_facts(reads[0], params["minimum_release"]),
        spoke=spoke,
        alias=alias_facts(reads[2], params["alias"], spoke["sys_id"]),
        script_include=script_include_facts(reads[3], params["script_include"], spoke["sys_id"]),
        plugins=plugin_facts(reads[4], reads[5], params["check_optional"]),
    )
    missing, optional, unknown = missing_sentences(facts, params, host)
    if params.get("check_access"):
        roles_rows = reads[-1] if account else None
        facts["access"] = access.access_facts(roles_rows, account)
        refused = access.access_sentence(facts["access"], host, word(params, "instance"))
        if refused:
            missing.insert(0, refused)
        not_told = access.unknown_sentence(facts["access"], host)
        if not_told:
            unknown.append(not_told)
    facts.update(missing=missing, missing_optional=optional, unknown=unknown, ready=not missing and not unknown)
    if params.get("oauth_profile"):
        facts["oauth_profile"] = profile_facts(reads[6], params["oauth_profile"])
    return facts


class NotReadyError(ModuleError):
    """The instance does not meet a requirement; nothing was written."""


def run(module, client):
    host = getattr(client, "host", None) or "the ServiceNow instance"
    account = access.account_of(getattr(client, "auth", None), getattr(client, "grant_type", None),
                                (module.params.get("instance") or {}).get("username"))
    reads = client.batch_get(lookup_requests(module.params, account))
    result = preflight(reads, module.params, host, account)
    result["changed"] = False
    if module.params.get("fail_when_not_ready") and result["missing"]:
        raise NotReadyError("ServiceNow instance %s is not ready for the Camunda setup, nothing was written: %s"
                            % (host, " ".join(result["missing"])))
    return result


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(MODULE_OPTIONS)
    spec.update(QUERY_ARGUMENT_SPEC)
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
