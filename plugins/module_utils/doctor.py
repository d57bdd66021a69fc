# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The diagnosis of one Camunda <-> ServiceNow integration: each check turns facts (read by
``integration_info``, never written) into a status and, when something is wrong, the fix in one sentence.

``evaluate(facts, expected)`` is pure: ``facts`` holds what the instance and Camunda answered (a fact that could not
be read is ``{"error": sentence}``), ``expected`` what the integration should look like. Statuses: ``ok``, ``fail``,
``warn`` (works, but not as it should), ``unknown`` (the fact could not be read), ``skipped`` (not asked for).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import version_tuple
from ansible_collections.camunda.servicenow.plugins.module_utils.plugins import request_sentence, staff_only

CHECKS = ("release", "plugins", "spoke", "connection", "connection_url", "token_url", "client", "cluster",
          "authorizations", "connector_secrets", "connector_login")
RELEASES = ("tokyo", "utah", "vancouver", "washingtondc", "xanadu", "yokohama", "zurich", "australia")
STATUSES = ("ok", "warn", "fail", "unknown", "skipped")


def check(name, status, detail, fix=""):
    return {"name": name, "status": status, "detail": detail, "fix": fix if status != "ok" else ""}


def release_family(buildname):
    """'Yokohama', 'glide-yokohama-12-18-2024__patch4' -> 'yokohama'; None when no known family is named."""
    text = str(buildname or "").lower()
    for family in RELEASES:
        if family in text:
            return family
    return None


def _unknown(name, fact):
    if isinstance(fact, dict) and fact.get("error"):
        return check(name, "unknown", fact["error"], "Fix the access problem this sentence names and run the doctor "
                     "again.")
    return None


def check_release(facts, expected):
    fact = facts.get("release")
    if _unknown("release", fact):
        return _unknown("release", fact)
    family = release_family(fact)
    minimum = expected.get("min_release", "yokohama").lower()
    if family is None:
        return check("release", "unknown", "The instance names no known release (glide.buildname {0!r}).".format(fact),
                     "Check glide.buildname on the instance; the Camunda Spoke needs {0} or later.".format(
                         minimum.capitalize()))
    if RELEASES.index(family) < RELEASES.index(minimum):
        return check("release", "fail", "The instance runs {0}.".format(family.capitalize()),
                     "Upgrade the instance to {0} or later; the Camunda Spoke does not install on older "
                     "releases.".format(minimum.capitalize()))
    return check("release", "ok", "The instance runs {0}.".format(family.capitalize()))


def check_plugins(facts, expected):
    fact = facts.get("plugins")
    if _unknown("plugins", fact):
        return _unknown("plugins", fact)
    missing = [p for p in fact or [] if not p.get("active")]
    if not missing:
        return check("plugins", "ok", "Active: {0}.".format(", ".join(p["name"] for p in fact or []) or "none asked"))
    first = missing[0]
    if first.get("id") is None:
        fix = "Check the plugin name {0!r}; no plugin has it on the instance.".format(first["name"])
    elif staff_only(first["id"]):
        fix = request_sentence(first["name"], first["id"], expected.get("host", "the instance")) + "."
    else:
        fix = "Activate {0} with camunda.servicenow.servicenow_plugin.".format(first["name"])
    return check("plugins", "fail", "Not active: {0}.".format(", ".join(p["name"] for p in missing)), fix)


def check_spoke(facts, expected):
    fact = facts.get("spoke")
    if _unknown("spoke", fact):
        return _unknown("spoke", fact)
    if not fact:
        return check("spoke", "fail", "The Camunda Spoke ({0}) is not installed.".format(expected.get("scope")),
                     "Install the Camunda Spoke from the ServiceNow Store (or run site.yml with setup_spoke_install: "
                     "true).")
    if fact.get("active") != "true":
        return check("spoke", "fail", "The Camunda Spoke {0} is installed but inactive.".format(fact.get("version")),
                     "Activate the Camunda Spoke in All > Application Manager.")
    return check("spoke", "ok", "The Camunda Spoke {0} is installed.".format(fact.get("version")))


def check_connection(facts, expected):
    fact = facts.get("connection")
    if _unknown("connection", fact):
        return _unknown("connection", fact)
    alias = expected.get("alias")
    if not (fact or {}).get("alias"):
        return check("connection", "fail", "The connection alias {0} does not exist.".format(alias),
                     "Install the Camunda Spoke; it brings the alias {0}.".format(alias))
    active = [c for c in fact.get("connections") or [] if c.get("active") == "true"]
    if not active:
        return check("connection", "fail", "No active connection on alias {0}.".format(alias),
                     "Activate the connection on {0} (Connections & Credentials) or run site.yml.".format(alias))
    return check("connection", "ok", "Connection {0!r} is active on {1}.".format(active[0].get("name"), alias))


def check_connection_url(facts, expected):
    fact = facts.get("connection")
    if _unknown("connection_url", fact):
        return _unknown("connection_url", fact)
    active = [c for c in (fact or {}).get("connections") or [] if c.get("active") == "true"]
    if not active:
        return check("connection_url", "skipped", "No active connection to compare.", "See the connection check.")
    have = (active[0].get("host"), active[0].get("base_path"))
    want = (expected.get("cluster_host"), expected.get("cluster_base_path"))
    if have != want:
        return check("connection_url", "fail", "The connection calls {0}{1}, the cluster is at {2}{3}.".format(
            have[0], have[1], want[0], want[1]), "Run site.yml, or set the connection's host to {0} and base path to "
            "{1} (the cluster's region and id).".format(want[0], want[1]))
    return check("connection_url", "ok", "The connection calls {0}{1}.".format(*have))


def check_token_url(facts, expected):
    fact = facts.get("oauth")
    if _unknown("token_url", fact):
        return _unknown("token_url", fact)
    if not fact:
        return check("token_url", "fail", "No OAuth application {0!r}.".format(expected.get("oauth_name")),
                     "Run site.yml; it creates the OAuth application the credential uses.")
    if fact.get("token_url") != expected.get("token_url"):
        return check("token_url", "fail", "The OAuth application asks {0} for tokens, Camunda's token URL is {1}.".format(
            fact.get("token_url"), expected.get("token_url")), "Set the OAuth application's token URL to {0} (run "
            "site.yml).".format(expected.get("token_url")))
    return check("token_url", "ok", "Tokens come from {0}.".format(fact.get("token_url")))


def check_client(facts, expected):
    oauth, clients = facts.get("oauth"), facts.get("clients")
    for name, fact in (("client", oauth), ("client", clients)):
        if _unknown(name, fact):
            return _unknown(name, fact)
    if not oauth or not oauth.get("client_id"):
        return check("client", "fail", "ServiceNow holds no Camunda client id.", "Run site.yml.")
    if oauth["client_id"] not in (clients or []):
        return check("client", "fail", "The client ServiceNow holds ({0}) does not exist in Camunda.".format(
            oauth["client_id"]), "Run site.yml; it creates a new client and stores its secret in ServiceNow.")
    return check("client", "ok", "Client {0} exists in Camunda.".format(oauth["client_id"]))


def check_cluster(facts, expected):
    fact = facts.get("cluster")
    if _unknown("cluster", fact):
        return _unknown("cluster", fact)
    minimum = expected.get("min_version", "8.6")
    if not fact.get("ready"):
        return check("cluster", "fail", "The cluster is not ready ({0}).".format(fact.get("status") or "unknown"),
                     "Resume or wake the cluster in Camunda Console and wait until it is healthy.")
    if fact.get("version") and version_tuple(fact["version"]) < version_tuple(minimum):
        return check("cluster", "fail", "The cluster runs Camunda {0}.".format(fact["version"]),
                     "Upgrade the cluster to Camunda {0} or later.".format(minimum))
    return check("cluster", "ok", "The cluster is ready, Camunda {0}.".format(fact.get("version") or "(version unknown)"))


def check_authorizations(facts, expected):
    fact = facts.get("authorizations")
    if fact is None:
        return check("authorizations", "skipped", "No credential to read authorizations with was given.",
                     "Set doctor_authorization_client_id and _secret to check them.")
    if _unknown("authorizations", fact):
        return _unknown("authorizations", fact)
    if not fact.get("readable"):
        return check("authorizations", "unknown", "The credential cannot read authorizations.",
                     "Grant it READ on the Authorization resource.")
    missing = fact.get("missing") or []
    if missing:
        return check("authorizations", "fail", "The client lacks: {0}.".format("; ".join(missing)),
                     "Run camunda.servicenow.camunda_authorization with preset servicenow_spoke (or site.yml).")
    return check("authorizations", "ok", "The client holds what the Camunda Spoke needs.")


def check_connector_secrets(facts, expected):
    fact = facts.get("connector_secrets")
    if fact is None:
        return check("connector_secrets", "skipped", "Not checked on Self-Managed (the secrets are environment "
                     "variables of the connectors runtime).", "Check the connectors runtime's environment.")
    if _unknown("connector_secrets", fact):
        return _unknown("connector_secrets", fact)
    missing = [n for n in expected.get("secret_names", ()) if n not in fact.get("names", ())]
    if missing:
        return check("connector_secrets", "fail", "Missing connector secrets: {0}.".format(", ".join(missing)),
                     "Run site.yml with setup_connector_user and setup_connector_password.")
    return check("connector_secrets", "ok", "Connector secrets {0} exist.".format(", ".join(expected.get(
        "secret_names", ()))))


def check_connector_login(facts, expected):
    fact = facts.get("connector_login")
    if fact is None:
        return check("connector_login", "skipped", "No connector secrets to log in with.",
                     "See the connector_secrets check.")
    if fact.get("status") == 200:
        return check("connector_login", "ok", "The connector account {0} logs in to the Table API.".format(
            fact.get("user")))
    if fact.get("status") == 401:
        return check("connector_login", "fail", "The connector account {0} cannot log in (HTTP 401).".format(
            fact.get("user")), "Set the account's password with camunda.servicenow.servicenow_user (update_password: "
            "always) and store the same value in the snPwd connector secret.")
    return check("connector_login", "fail", "The connector account {0} cannot use the Table API: {1}".format(
        fact.get("user"), fact.get("error") or "HTTP {0}".format(fact.get("status"))),
        "Give the account the roles the connectors need (camunda.servicenow.servicenow_user roles).")


EVALUATORS = (check_release, check_plugins, check_spoke, check_connection, check_connection_url, check_token_url,
              check_client, check_cluster, check_authorizations, check_connector_secrets, check_connector_login)


def evaluate(facts, expected):
    """Every check in CHECKS order."""
    return [evaluator(facts, expected) for evaluator in EVALUATORS]


def summary(checks):
    """The worst status of ``checks``: fail > unknown > warn > ok (skipped counts as ok)."""
    statuses = set(c["status"] for c in checks)
    for status in ("fail", "unknown", "warn"):
        if status in statuses:
            return status
    return "ok"
