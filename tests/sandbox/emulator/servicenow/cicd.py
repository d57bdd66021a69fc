"""The CI/CD API (servicenow-api.md §3): install the Camunda Spoke from the Store, activate plugins, poll progress.

Work is asynchronous as on an instance: a call answers status "0" (Pending) with a progress link; polling shows
"1" (Running) with a rising ``percent_complete`` for ``install_seconds``, then "2" (Successful) or "3" (Failed).
The outcome is decided when the request is accepted and applied when the job's time is up (jobs persist, so a
restart in the middle finishes them).
"""

import secrets
import time

from ..http import json_response
from . import acl
from .errors import error, not_authorized
from .seed import PLUGINS, SPOKE, install_spoke, release_at_least

STATUS_LABELS = {"0": "Pending", "1": "Running", "2": "Successful", "3": "Failed", "4": "Canceled"}


def _jobs(ctx):
    return ctx.data.setdefault("cicd", {})


def _release_ok(release):
    # §1 CAM-PREREQ: the spoke needs Yokohama or newer.
    return release_at_least(release, "Yokohama")


def _spoke_problem(ctx, version):
    flags = ctx.flags
    if not flags["entitled"]:
        # INFERRED (§3): without a Store entitlement the install fails; the wording is ours.
        return ("The instance is not entitled to %s (%s); request the entitlement in the ServiceNow Store "
                "and try again" % (SPOKE["name"], SPOKE["scope"]))
    if not _release_ok(flags["release"]):
        return "%s requires ServiceNow Yokohama or later; this instance runs %s" % (SPOKE["name"], flags["release"])
    if version and version != flags["spoke_version"]:
        return "Version %s of %s is not available; available: %s" % (version, SPOKE["name"], flags["spoke_version"])
    return None


def _plugin_problem(ctx, plugin_id):
    if plugin_id not in PLUGINS:
        return "Plugin %s was not found" % plugin_id
    if plugin_id == "com.glide.hub.integrations.enterprise" and not ctx.flags["entitled"]:
        return "The instance is not entitled to %s; it is a licensed plugin" % PLUGINS[plugin_id][0]  # §3 INFERRED
    return None


def _new_job(ctx, kind, items, name=""):
    job_id = secrets.token_hex(16)
    job = {"id": job_id, "kind": kind, "name": name, "created": time.time(), "duration": float(ctx.flags["install_seconds"]),
           "items": items, "done": False, "user": ctx.user, "results_id": secrets.token_hex(16),
           "rollback_id": secrets.token_hex(16)}
    _jobs(ctx)[job_id] = job
    ctx.dirty = True
    return job


def _links(ctx, job):
    links = {"progress": {"id": job["id"], "url": "%s/api/sn_cicd/progress/%s" % (ctx.base_url, job["id"])},
             "rollback": {"id": job["rollback_id"]}}
    if job["kind"] == "batch":
        links["results"] = {"id": job["results_id"],
                            "url": "%s/api/sn_cicd/app/batch/results/%s" % (ctx.base_url, job["results_id"])}
    return links


def _failed(job):
    return [item for item in job["items"] if item.get("problem")]


def _state(job):
    """(status, percent, message, error) of a job right now."""
    elapsed = time.time() - job["created"]
    if not job["done"]:
        if elapsed < job["duration"] * 0.1:
            return "0", 0, "Pending", ""
        return "1", min(max(int(100 * elapsed / max(job["duration"], 0.001)), 1), 99), "Running", ""
    failed = _failed(job)
    if failed:
        detail = "; ".join(item["problem"] for item in failed)
        return "3", 100, "Failed", detail
    return "2", 100, "Completed successfully", ""


def progress_body(ctx, job):
    status, percent, message, err = _state(job)
    body = {"links": _links(ctx, job), "status": status, "status_label": STATUS_LABELS[status],
            "status_message": err or message, "status_detail": "", "error": err, "percent_complete": percent}
    if job["kind"] == "app":
        body["rollback_version"] = job.get("rollback_version", "")
    return {"result": body}


def complete_due(ctx):
    """Finish every job whose time is up. Called on each request, so no background thread is needed."""
    now = time.time()
    for job in _jobs(ctx).values():
        if job["done"] or now < job["created"] + job["duration"]:
            continue
        job["done"] = True
        ctx.dirty = True
        for item in job["items"]:
            if item.get("problem"):
                item["state"] = "Failed"
                item["status_message"] = item["problem"]
                continue
            if item["type"] == "application":
                install_spoke(ctx.db, item["version"] or ctx.flags["spoke_version"], job["user"])
            else:
                flag = PLUGINS[item["id"]][1]
                if flag:
                    ctx.flags[flag] = True  # keep the flag in step with the plugin's state
                for table, key, value in (("v_plugin", "id", "active"), ("sys_plugins", "source", "1")):
                    for row in ctx.db.select(table, "", [(key, item["id"])])[0]:
                        ctx.db.update(row, {"active": value}, job["user"])
            item["state"] = "Installed"
            item["status_message"] = "Installed"
            item["install_date"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def _app_item(ctx, app_id, version):
    if app_id not in (SPOKE["sys_id"], SPOKE["scope"]):
        return None
    return {"id": SPOKE["sys_id"], "name": SPOKE["name"], "type": "application", "version": version or "",
            "state": "In progress", "status_message": "", "problem": _spoke_problem(ctx, version)}


def app_repo_install(ctx, request):
    """``POST /api/sn_cicd/app_repo/install?scope=|sys_id=&version=`` (§3: parameters in the query string)."""
    app_id = request.arg("sys_id") or request.arg("scope")
    if not app_id:
        return error(400, "Bad Request", "Provide the sys_id or scope query parameter of the application to install")
    item = _app_item(ctx, app_id, request.arg("version"))
    if item is None:
        return error(404, "Not Found", "No application with sys_id or scope %s is available to this instance" % app_id)
    current = ctx.db.select("sys_store_app", "", [("scope", SPOKE["scope"])])[0]
    job = _new_job(ctx, "app", [item], SPOKE["name"])
    job["rollback_version"] = current[0]["version"] if current else ""
    return json_response(200, progress_body(ctx, job))


def batch_install(ctx, request):
    """``POST /api/sn_cicd/app/batch/install`` with ``{name, notes, packages: [...]}`` (§3)."""
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    packages = body.get("packages") if isinstance(body, dict) else None
    if not isinstance(packages, list) or not packages:
        return error(400, "Bad Request", "The request body must be JSON with a non-empty packages list")
    items = []
    for package in packages:
        kind = package.get("type")
        if kind == "application":
            if not package.get("requested_version"):
                return error(400, "Bad Request", "requested_version is required for package %s of type application"
                             % package.get("id"))
            item = _app_item(ctx, package.get("id", ""), package["requested_version"])
            if item is None:
                item = {"id": package.get("id", ""), "name": package.get("id", ""), "type": "application",
                        "version": package["requested_version"], "state": "In progress", "status_message": "",
                        "problem": "Application %s was not found in the ServiceNow Store" % package.get("id")}
        elif kind == "plugin":
            item = {"id": package.get("id", ""), "name": PLUGINS.get(package.get("id"), (package.get("id"),))[0],
                    "type": "plugin", "version": "", "state": "In progress", "status_message": "",
                    "problem": _plugin_problem(ctx, package.get("id", ""))}
        else:
            return error(400, "Bad Request", "Package type must be application or plugin, not %s" % kind)
        items.append(item)
    job = _new_job(ctx, "batch", items, body.get("name", ""))
    job["notes"] = body.get("notes", "")
    return json_response(200, progress_body(ctx, job))


def plugin_activate(ctx, plugin_id):
    """``POST /api/sn_cicd/plugin/{id}/activate`` (§3)."""
    if plugin_id not in PLUGINS:
        return error(404, "Not Found", "Plugin %s was not found" % plugin_id)
    item = {"id": plugin_id, "name": PLUGINS[plugin_id][0], "type": "plugin", "version": "", "state": "In progress",
            "status_message": "", "problem": _plugin_problem(ctx, plugin_id)}
    return json_response(200, progress_body(ctx, _new_job(ctx, "plugin", [item], plugin_id)))


def batch_results(ctx, results_id):
    for job in _jobs(ctx).values():
        if job["kind"] == "batch" and job["results_id"] == results_id:
            break
    else:
        return error(404, "Not Found", "No batch install results with id %s" % results_id)
    failed = _failed(job)
    if not job["done"]:
        state = "In progress"
    elif not failed:
        state = "Installed"
    else:
        state = "Failed" if len(failed) == len(job["items"]) else "Partial Install"
    plan = {"id": job["id"], "name": job["name"], "notes": job.get("notes", ""), "state": state,
            "url": "%s/api/sn_cicd/app/batch/results/%s" % (ctx.base_url, results_id)}
    items = [{k: v for k, v in item.items() if k != "problem"} for item in job["items"]]
    return json_response(200, {"result": {"batch_plan": plan, "batch_items": items}})


def handle(ctx, request, rest):
    """``rest`` is the path after ``/api/sn_cicd/``."""
    if not acl.can_use_cicd(ctx.roles):
        # §3: the CI/CD API needs admin or sn_cicd.sys_ci_automation.
        return not_authorized("The CI/CD API requires the admin or sn_cicd.sys_ci_automation role")
    parts = rest.strip("/").split("/")
    method = request.method
    if method == "POST" and parts == ["app_repo", "install"]:
        return app_repo_install(ctx, request)
    if method == "POST" and parts == ["app", "batch", "install"]:
        return batch_install(ctx, request)
    if method == "POST" and len(parts) == 3 and parts[0] == "plugin" and parts[2] == "activate":
        return plugin_activate(ctx, parts[1])
    if method == "GET" and len(parts) == 2 and parts[0] == "progress":
        job = _jobs(ctx).get(parts[1])
        if job is None:
            return error(404, "Not Found", "No progress record with id %s" % parts[1])
        return json_response(200, progress_body(ctx, job))
    if method == "GET" and len(parts) == 4 and parts[:3] == ["app", "batch", "results"]:
        return batch_results(ctx, parts[3])
    return error(400, "Requested URI does not represent any resource", None)
