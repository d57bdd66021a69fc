# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ServiceNow plugins: find one by its name (never by a guessed id), tell whether the CI/CD API may activate it,
activate it and follow the progress (servicenow-api.md §2.8, §3; camunda-servicenow-additions.md §3).

Integration Hub plugins (ids ``com.glide.hub.*``) "must be activated by ServiceNow personnel": for them the answer
is the request to file, never an activation call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.camunda.servicenow.plugins.module_utils.progress import Reporter
from ansible_collections.camunda.servicenow.plugins.module_utils.records import find_exact, normalize
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import escape_query_value
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

V_PLUGIN_FIELDS = ("id", "name", "active", "version", "entitled")
SYS_PLUGINS_FIELDS = ("source", "name", "active", "version")
STAFF_ONLY_PREFIX = "com.glide.hub."
ACTIVATE_PATH = "/api/sn_cicd/plugin/%s/activate"
PROGRESS_PATH = "/api/sn_cicd/progress/%s"
STATUS_LABELS = {"0": "Pending", "1": "Running", "2": "Successful", "3": "Failed", "4": "Canceled"}
CICD_ROLE_HINT = ("the user needs the role sn_cicd.sys_ci_automation (or admin), and the CI/CD REST API plugin "
                  "com.glide.continuousdelivery must be active")


class PluginError(ModuleError):
    """A condition the user must fix, with a one-sentence message."""


def staff_only(plugin_id):
    """True for the plugins only ServiceNow personnel activate: Integration Hub (ids ``com.glide.hub.*``)."""
    return str(plugin_id or "").startswith(STAFF_ONLY_PREFIX)


def request_sentence(name, plugin_id, host):
    """What to do about a staff-only plugin that is not active (one sentence)."""
    return ("Plugin {0} ({1}) is not active on {2}, and ServiceNow activates Integration Hub plugins only on request: "
            "as admin open All > System Applications > All Available Applications, find {0} and choose Request "
            "plugin (Now Support schedules it; a Personal Developer Instance can preview Integration Hub)".format(
                name, plugin_id, host))


def lookup_requests(name):
    """The batch_get items that find a plugin by exact name in v_plugin and in sys_plugins (either may be hidden by
    ACLs: v_plugin is read-only and often readable by admin only)."""
    query = "name={0}".format(escape_query_value(name))
    return [dict(table="v_plugin", query=query, fields=V_PLUGIN_FIELDS, limit=10, optional=True),
            dict(table="sys_plugins", query=query, fields=SYS_PLUGINS_FIELDS, limit=10, optional=True)]


def similar_requests(name):
    """Items that list plugins whose name contains ``name`` (for the message when none is named exactly that)."""
    query = "nameLIKE{0}".format(escape_query_value(name))
    return [dict(table="v_plugin", query=query, fields=("id", "name"), limit=5, optional=True),
            dict(table="sys_plugins", query=query, fields=("source", "name"), limit=5, optional=True)]


def plugin_view(v_rows, sys_rows, name):
    """``{id, name, active, version, source_table}`` of the plugin named exactly ``name``, or None. v_plugin wins;
    sys_plugins is the fallback (``source`` is the id there, ``active`` "1"/"0")."""
    found = find_exact(v_rows or [], {"name": name}, "plugin (v_plugin)", id_fields=("id",))
    if found is not None:
        return {"id": normalize(found.get("id")), "name": name, "active": normalize(found.get("active")) == "active",
                "version": normalize(found.get("version")), "source_table": "v_plugin"}
    found = find_exact(sys_rows or [], {"name": name}, "plugin (sys_plugins)", id_fields=("source",))
    if found is not None:
        return {"id": normalize(found.get("source")), "name": name,
                "active": normalize(found.get("active")) in ("1", "true", "active"),
                "version": normalize(found.get("version")), "source_table": "sys_plugins"}
    return None


def similar_names(v_rows, sys_rows):
    out = []
    for row in (v_rows or []) + (sys_rows or []):
        entry = "{0} ({1})".format(normalize(row.get("name")), normalize(row.get("id") or row.get("source")))
        if entry not in out:
            out.append(entry)
    return out


def link_id(result, name):
    """The id of ``links.<name>`` in a CI/CD answer (from its url when the id is missing)."""
    links = result.get("links") if isinstance(result, dict) else None
    link = links.get(name) if isinstance(links, dict) else None
    link = link if isinstance(link, dict) else {}
    if link.get("id"):
        return str(link["id"])
    url = str(link.get("url") or "").rstrip("/")
    return url.rsplit("/", 1)[-1] if url else ""


def progress_view(result):
    result = result if isinstance(result, dict) else {}
    status = normalize(result.get("status"))
    return dict(status=status, status_label=normalize(result.get("status_label")) or STATUS_LABELS.get(status, ""),
                status_message=normalize(result.get("status_message")), status_detail=normalize(result.get("status_detail")),
                error=normalize(result.get("error")), percent_complete=result.get("percent_complete"))


def cicd_error(exc, what, host):
    """A CI/CD call's TransportError as one sentence per documented status (403 role, 404, 405 inactive, 409)."""
    status = getattr(exc, "status", None)
    said = (getattr(exc, "service_detail", None) or getattr(exc, "service_message", None) or "").rstrip(".")
    said = ": " + said if said else ""
    if status == 403:
        return PluginError("{0} on {1} was refused (HTTP 403{2}); {3}".format(what, host, said, CICD_ROLE_HINT))
    if status == 404:
        return PluginError("{0} on {1} failed with HTTP 404{2}; the plugin id is unknown to the CI/CD API, or the CI/CD "
                           "REST API plugin com.glide.continuousdelivery is not active".format(what, host, said))
    if status == 405:
        return PluginError("{0} on {1} failed with HTTP 405{2}; the CI/CD functionality is inactive on the instance, "
                           "activate the CI/CD REST API plugin com.glide.continuousdelivery".format(what, host, said))
    if status == 409:
        return PluginError("{0} on {1} failed with HTTP 409{2}; the plugin id is not unique on the instance, activate "
                           "it in All > System Applications > All Available Applications".format(what, host, said))
    return exc


def activate(client, plugin, host, wait_timeout=900, poll_interval=5, sleep=time.sleep, clock=time.time):
    """POST the activation and poll its progress until it is finished; returns ``(final progress, [progress
    seen])``. PluginError with the instance's words when it fails, is canceled or does not finish in time."""
    what = "Activating plugin {0} ({1}) through the CI/CD API".format(plugin["name"], plugin["id"])

    def active_meanwhile():
        # The answer to the activation was lost (5xx, a timeout, a dropped connection): an activation that ran anyway
        # shows as the active plugin; otherwise the activation is requested again.
        now = plugin_view(*client.batch_get(lookup_requests(plugin["name"])), name=plugin["name"])
        return {"active_meanwhile": True} if now is not None and now["active"] else None

    try:
        started = client.recover_create(
            lambda: client.call_json("POST", ACTIVATE_PATH % plugin["id"], expected=(200, 201, 202)), active_meanwhile)
    except TransportError as exc:
        raise cicd_error(exc, what, host)
    if isinstance(started, dict) and started.get("active_meanwhile"):
        final = dict(status="2", status_label="Complete", status_message="active (the answer to the activation request "
                     "was lost; the plugin was found active)", status_detail="", error="", percent_complete=100)
        return final, [final]
    progress_id = link_id(started, "progress")
    if not progress_id:
        raise PluginError("{0} on {1} returned no progress link (status {2}); check the CI/CD API on the "
                          "instance".format(what, host, normalize((started or {}).get("status")) or "unknown"))
    seen = [progress_view(started)]
    deadline = clock() + max(0, wait_timeout)
    interval = max(1, poll_interval)
    shown = Reporter("Activating plugin {0} on {1}".format(plugin["name"], host))
    while True:
        try:
            progress = progress_view(client.call_json("GET", PROGRESS_PATH % progress_id))
        except TransportError as exc:
            raise cicd_error(exc, "Reading the activation progress {0}".format(progress_id), host)
        seen.append(progress)
        shown.update(progress)
        if progress["status"] == "2":
            return progress, seen
        if progress["status"] in ("3", "4"):
            words = [w.rstrip(".") for w in (progress["error"], progress["status_message"], progress["status_detail"])
                     if w]
            raise PluginError("{0} on {1} {2}: {3}; check the plugin in All > System Applications > All Available "
                              "Applications and the instance's entitlements".format(
                                  what, host, "was canceled" if progress["status"] == "4" else "failed",
                                  "; ".join(dict.fromkeys(words)) or "no message"))
        if clock() + interval > deadline:
            raise PluginError("{0} on {1} did not finish within {2} s (last status {3}, {4}% complete, progress id "
                              "{5}); raise wait_timeout or follow it in All > System Applications".format(
                                  what, host, wait_timeout, progress["status_label"] or progress["status"],
                                  progress["percent_complete"] if progress["percent_complete"] is not None else "?",
                                  progress_id))
        sleep(interval)


def find_plugin(client, name, host):
    """The plugin named exactly ``name`` (:func:`plugin_view`); PluginError listing similar names when none is."""
    v_rows, sys_rows = client.batch_get(lookup_requests(name))
    plugin = plugin_view(v_rows, sys_rows, name)
    if plugin is not None:
        return plugin
    similar = similar_names(*client.batch_get(similar_requests(name)))
    if similar:
        raise PluginError("No plugin is named exactly {0!r} on {1} (similar: {2}); set name to the exact name".format(
            name, host, ", ".join(similar)))
    raise PluginError("No plugin named {0!r} is visible on {1}; check the name in All > System Applications > All "
                      "Available Applications, and that the user may read v_plugin or sys_plugins (admin)".format(
                          name, host))


def ensure_state(plugin, host, report_only=False):
    """The result of ensuring one plugin found by :func:`find_plugin` is active, before anything is activated:
    ``{changed, plugin, status, fix, diff}``; PluginError (the request to file) for an inactive plugin only
    ServiceNow staff may activate, unless ``report_only``."""
    result = dict(changed=False, plugin=plugin, status="active", fix="",
                  diff=dict(before=dict(active=plugin["active"]), after=dict(active=plugin["active"])))
    if plugin["active"]:
        return result
    if staff_only(plugin["id"]):
        result.update(status="request_required", fix=request_sentence(plugin["name"], plugin["id"], host))
        if report_only:
            return result
        raise PluginError(result["fix"])
    if report_only:
        result.update(status="inactive", fix=(
            "Plugin {0} ({1}) is not active on {2}; activate it with camunda.servicenow.servicenow_plugin (the CI/CD "
            "API, role sn_cicd.sys_ci_automation) or in All > System Applications > All Available Applications".format(
                plugin["name"], plugin["id"], host)))
        return result
    result.update(changed=True, status="activated")
    result["diff"]["after"]["active"] = True
    return result


def carry_out(client, result, host, wait_timeout=900, poll_interval=5, sleep=time.sleep, clock=time.time):
    """Activate the plugin of a result of :func:`ensure_state` that says ``activated``, wait, and read it again."""
    plugin = result["plugin"]
    final, seen = activate(client, plugin, host, wait_timeout, poll_interval, sleep, clock)
    result["progress"] = seen
    after = plugin_view(*client.batch_get(lookup_requests(plugin["name"])), name=plugin["name"])
    if after is None or not after["active"]:
        raise PluginError("The CI/CD API reported the activation of plugin {0} ({1}) on {2} as {3}, but the plugin "
                          "is {4}; check it in All > System Applications > All Available Applications".format(
                              plugin["name"], plugin["id"], host, final["status_label"] or "finished",
                              "still inactive" if after else "no longer visible"))
    result["plugin"] = after
    return result
