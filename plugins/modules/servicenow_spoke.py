#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the camunda.servicenow collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: servicenow_spoke
short_description: Verify, or install through the CI/CD API, the Camunda Spoke (or another Store application)
version_added: 0.1.0
description:
  - Verifies that an application is installed and active on a ServiceNow instance, by its scope (the Camunda Spoke,
    C(x_camun_camunda), by default), and reports its version. This is step 1 and 2 of Camunda's
    "Setup & configuration" page.
  - With O(state=present) and O(verify_only=false) (the default), a missing application is installed through the
    CI/CD API (C(POST /api/sn_cicd/app/batch/install)); the module then polls the installation's progress for at
    most O(wait_timeout) seconds and, when the installation fails, reports what the instance said (for example that
    it is not entitled to the application).
  - With O(verify_only=true) nothing is ever installed; the module fails, saying what to do, when the application is
    missing or inactive. Use it where the application is installed by hand in Application Manager.
  - O(state=absent) only asserts that the application is not installed; the CI/CD API documents no uninstall, so the
    module fails when it is installed (uninstall it in Application Manager).
  - A run where nothing changes makes exactly one request to ServiceNow (plus a token request with OAuth).
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
seealso:
  - module: camunda.servicenow.servicenow_spoke_info
  - module: camunda.servicenow.servicenow_connection_alias
  - name: Camunda Spoke setup and configuration
    description: The documented ServiceNow steps (step 1 installs the spoke).
    link: https://docs.camunda.io/docs/components/camunda-integrations/servicenow/setup-and-configuration/
  - name: ServiceNow CI/CD API
    description: The batch install and progress endpoints this module calls.
    link: https://www.servicenow.com/docs/bundle/yokohama-api-reference/page/integrate/inbound-rest/concept/cicd-api.html
attributes:
  check_mode:
    description: Can run in check mode and return the changed status without modifying the instance.
    support: full
    details: In check mode the module reports that it would install the application and calls no CI/CD endpoint.
  diff_mode:
    description: Returns the managed fields before and after in RV(diff).
    support: full
options:
  state:
    description:
      - V(present) makes sure the application is installed and active (see O(verify_only)).
      - V(absent) asserts that the application is not installed; it never uninstalls.
    type: str
    choices: [present, absent]
    default: present
  scope:
    description: The application's scope.
    type: str
    default: x_camun_camunda
  verify_only:
    description:
      - With V(true), only verify; fail (saying what to do) when the application is missing, inactive or not at
        O(version), and never call the CI/CD API.
      - With V(false), install the application (or the O(version) asked for) when it is missing or at another version.
    type: bool
    default: false
  app_id:
    description:
      - The application's ID for the CI/CD batch install (C(packages[].id)), its Store sys_id.
      - The default is the ID of the Camunda Spoke's ServiceNow Store listing.
    type: str
    default: aac1b64fc3803290ef46d0af050131d0
  version:
    description:
      - The version to install (C(requested_version), which the CI/CD API requires for an application).
      - When the application is installed at another version, it is installed at this one (an upgrade) unless
        O(verify_only=true), which fails instead.
      - When omitted, any installed version is accepted; an installation needs it (the module fails and says so,
        since C(sys_scope) does not tell which Store versions the instance is entitled to).
    type: str
  load_demo_data:
    description: Whether the installation loads the application's demo data.
    type: bool
    default: false
  wait_timeout:
    description: How long, in seconds, to wait for the installation to finish.
    type: int
    default: 900
  poll_interval:
    description: Seconds between two progress requests.
    type: int
    default: 5
  plugins:
    description:
      - Plugins (by exact name, never a guessed id) to make active first, through the CI/CD API's plugin activation,
        as M(camunda.servicenow.servicenow_plugin) does (O(wait_timeout) per plugin). All are looked up before
        anything is activated; an inactive plugin only ServiceNow staff may activate (Integration Hub,
        C(com.glide.hub.*)) fails the module before any write, naming the plugin and the request to file.
    type: list
    elements: str
    default: []
notes:
  - Installing needs the role C(sn_cicd.sys_ci_automation) (or C(admin)), the CI/CD REST API plugin
    C(com.glide.continuousdelivery), and an instance entitled to the application in the ServiceNow Store
    (a Personal Developer Instance is not entitled to Store applications).
"""

EXAMPLES = r"""
- name: Make sure the Camunda Spoke is installed (install it through the CI/CD API when missing)
  camunda.servicenow.servicenow_spoke:
    instance:
      host: https://dev12345.service-now.com
      username: admin
      password: "{{ servicenow_password }}"
    version: 1.0.0

- name: Only verify that the Camunda Spoke is installed and active (it is installed in Application Manager)
  camunda.servicenow.servicenow_spoke:
    verify_only: true
  register: spoke

- name: Show the spoke's version
  ansible.builtin.debug:
    msg: "Camunda Spoke {{ spoke.application.version }}"
"""

RETURN = r"""
plugins:
  description: The plugins of O(plugins), each with C(name), C(id) and C(status) (V(active) or V(activated)).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "API Key and HMAC Authentication", "id": "com.glide.tokenbased_auth", "status": "activated"}]
application:
  description: The application as the instance shows it after the run (empty when it is not installed).
  returned: always
  type: dict
  sample:
    sys_id: 9a8b7c6d1b2a4e10a1b2c3d4e5f60718
    scope: x_camun_camunda
    name: Camunda Spoke
    version: 1.0.0
    active: "true"
installed:
  description: Whether the application is installed and active after the run (in check mode, before it).
  returned: always
  type: bool
action:
  description: V(install) when the module installed (or in check mode would install) the application, else V(none).
  returned: always
  type: str
  sample: install
progress:
  description: The last progress the CI/CD API reported (status, status_label, status_message, percent_complete).
  returned: when the application was installed
  type: dict
  sample: {status: "2", status_label: Successful, status_message: "", percent_complete: 100}
diff:
  description: The application's version and active flag before and after.
  returned: always
  type: dict
  sample: {before: {version: ""}, after: {version: 1.0.0}}
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import plugins as pl
from ansible_collections.camunda.servicenow.plugins.module_utils.plugins import link_id, progress_view
from ansible_collections.camunda.servicenow.plugins.module_utils.progress import Reporter
from ansible_collections.camunda.servicenow.plugins.module_utils.records import find_exact, normalize
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    escape_query_value,
    servicenow_argument_spec,
)
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

APP_TABLE = "sys_scope"
APP_WHAT = "application (sys_scope)"
APP_FIELDS = ["sys_id", "scope", "name", "version", "active", "sys_class_name"]
RESULT_FIELDS = ["sys_id", "scope", "name", "version", "active"]
BATCH_INSTALL_PATH = "/api/sn_cicd/app/batch/install"
PROGRESS_PATH = "/api/sn_cicd/progress/%s"
RESULTS_PATH = "/api/sn_cicd/app/batch/results/%s"
CICD_ROLE_HINT = ("the user needs the role sn_cicd.sys_ci_automation (or admin) and the CI/CD REST API plugin "
                  "com.glide.continuousdelivery must be active")

MODULE_OPTIONS = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    scope=dict(type="str", default="x_camun_camunda"),
    verify_only=dict(type="bool", default=False),
    app_id=dict(type="str", default="aac1b64fc3803290ef46d0af050131d0"),
    version=dict(type="str"),
    load_demo_data=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=900),
    poll_interval=dict(type="int", default=5),
    plugins=dict(type="list", elements="str", default=[]),
)


class SpokeError(ModuleError):
    """A failure with a message a user can act on."""


def find_application(rows, scope):
    """The one application row with exactly this scope, or None; two are an error."""
    # Duplicates raise the shared RecordError sentence; the runner names the instance in it.
    return find_exact(rows, {"scope": scope}, APP_WHAT)


def application_view(row):
    if not row:
        return {}
    return dict((field, normalize(row.get(field))) for field in RESULT_FIELDS)


def decide(app, params, host):
    """What to do about the application: "none" or "install"; raises SpokeError when only a human can fix it."""
    scope = params["scope"]
    installed = app is not None
    active = installed and normalize(app.get("active")) == "true"
    version = normalize(app.get("version")) if installed else ""
    if params["state"] == "absent":
        if installed:
            raise SpokeError(
                "The application %s is installed on %s (version %s) but state is absent: the CI/CD API documents no "
                "uninstall, so uninstall it in All > Application Manager." % (scope, host, version or "unknown"))
        return "none"
    wanted = params["version"]
    if installed and not active:
        raise SpokeError(
            "The application %s is installed on %s but inactive: activate it in All > Application Manager (the module "
            "does not reinstall an inactive application)." % (scope, host))
    if installed and (not wanted or wanted == version):
        return "none"
    if params["verify_only"]:
        if installed:
            raise SpokeError(
                "The application %s on %s is at version %s, not %s, and verify_only is true: upgrade it in All > "
                "Application Manager or set verify_only to false." % (scope, host, version or "unknown", wanted))
        raise SpokeError(
            "The application %s is not installed on %s and verify_only is true: install it from All > Application "
            "Manager (search for the Camunda Spoke) or set verify_only to false to install it through the CI/CD API."
            % (scope, host))
    return "install"


def install_version(params, host):
    version = params["version"]
    if not version:
        raise SpokeError(
            "The application %s is not installed on %s and no version was given: set the version option (the CI/CD "
            "batch install requires the version to install, see the application's Store listing)." % (params["scope"], host))
    return version


def batch_install_body(params, version):
    return {
        "name": "Install %s %s" % (params["scope"], version),
        "notes": "Installed by the camunda.servicenow.servicenow_spoke Ansible module",
        "packages": [{
            "id": params["app_id"],
            "type": "application",
            "requested_version": version,
            "load_demo_data": bool(params["load_demo_data"]),
            "notes": "scope %s" % params["scope"],
        }],
    }


def failure_message(params, host, progress, results):
    """One sentence: what the instance said about a failed or canceled installation, with the batch items' words."""
    words = [w for w in (progress.get("error"), progress.get("status_message"), progress.get("status_detail")) if w]
    items = results.get("batch_items") if isinstance(results, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        text = normalize(item.get("status_message"))
        if text and text.rstrip(".") not in [w.rstrip(".") for w in words]:
            words.append("%s: %s" % (normalize(item.get("name")) or normalize(item.get("id")) or "item", text))
    said = "; ".join(dict.fromkeys(w.rstrip(".") for w in words)) or "no message"
    advice = "; check the installation in All > Application Manager and the CI/CD logs"
    if "entitle" in said.lower():
        # The advice is given once: the instance's own words may already say to ask the Store.
        advice = " (a Personal Developer Instance cannot be entitled to Store applications)"
        if "store" not in said.lower():
            advice = "; request the entitlement in the ServiceNow Store and try again" + advice
    return "Installing %s (%s) on %s %s: %s%s." % (
        params["scope"], params["app_id"], host,
        "was canceled" if progress.get("status") == "4" else "failed", said, advice)


def cicd_error(exc, what, host):
    """Rewrite a TransportError of a CI/CD call so that a 403 names the role that is missing."""
    if getattr(exc, "status", None) == 403:
        said = getattr(exc, "service_message", None) or "forbidden"
        return SpokeError("%s on %s was refused (HTTP 403: %s): %s." % (what, host, said.rstrip("."), CICD_ROLE_HINT))
    if getattr(exc, "status", None) == 404:
        return SpokeError("%s on %s failed with HTTP 404: the CI/CD REST API plugin com.glide.continuousdelivery is "
                          "probably not active on the instance (%s)." % (what, host, str(exc).rstrip(".")))
    return exc


def wait_for_progress(client, progress_id, params, host, sleep=time.sleep, clock=time.time):
    """Poll /sn_cicd/progress/{id} until it is finished (status 2, 3 or 4) or ``wait_timeout`` passes."""
    deadline = clock() + max(0, params["wait_timeout"])
    interval = max(1, params["poll_interval"])
    shown = Reporter("Installing %s on %s" % (params["scope"], host))
    while True:
        try:
            progress = progress_view(client.call_json("GET", PROGRESS_PATH % progress_id))
        except TransportError as exc:
            raise cicd_error(exc, "Reading the installation progress %s" % progress_id, host)
        shown.update(progress)
        if progress["status"] in ("2", "3", "4"):
            return progress
        if clock() + interval > deadline:
            raise SpokeError(
                "Installing %s on %s did not finish within %d s (last status %s, %s%% complete, progress id %s): "
                "raise wait_timeout or follow the installation in All > Application Manager." % (
                    params["scope"], host, params["wait_timeout"], progress["status_label"] or progress["status"],
                    progress["percent_complete"] if progress["percent_complete"] is not None else "?", progress_id))
        sleep(interval)


def install(client, params, version, host, sleep=time.sleep, clock=time.time):
    """Start the batch install, wait for it, and return the final progress; SpokeError with the instance's words."""
    what = "Installing %s through the CI/CD API" % params["scope"]

    def installed_meanwhile():
        # The answer to the install was lost (5xx, a timeout, a dropped connection): an installation that ran anyway
        # shows as the active application; otherwise the install is requested again.
        app = read_application(client, params["scope"])
        if app is None or normalize(app.get("active")) != "true" or normalize(app.get("version")) != version:
            return None
        return {"installed_meanwhile": True}

    try:
        started = client.recover_create(
            lambda: client.call_json("POST", BATCH_INSTALL_PATH, batch_install_body(params, version)),
            installed_meanwhile)
    except TransportError as exc:
        raise cicd_error(exc, what, host)
    if isinstance(started, dict) and started.get("installed_meanwhile"):
        return dict(status="2", status_label="Complete", status_message="installed (the answer to the install request "
                    "was lost; the application was found installed)", status_detail="", error="", percent_complete=100)
    progress_id = link_id(started, "progress")
    if not progress_id:
        raise SpokeError("%s on %s returned no progress link (status %s): check the CI/CD API on the instance."
                         % (what, host, normalize(started.get("status") if isinstance(started, dict) else None)
                            or "unknown"))
    progress = wait_for_progress(client, progress_id, params, host, sleep=sleep, clock=clock)
    if progress["status"] == "2":
        return progress
    results = None
    results_id = link_id(started, "results")
    if results_id:
        try:
            results = client.call_json("GET", RESULTS_PATH % results_id)
        except TransportError:
            results = None  # the progress message is still worth reporting
    raise SpokeError(failure_message(params, host, progress, results))


def read_application(client, scope):
    rows = client.get_records(APP_TABLE, "scope=%s" % escape_query_value(scope), APP_FIELDS, 5)
    return find_application(rows, scope)


def ensure_plugins(client, params, host, check_mode, sleep=time.sleep, clock=time.time):
    """Activate the plugins of O(plugins) that are inactive (by exact name; all are looked up first, so that one only
    ServiceNow staff may activate stops the run before anything is activated): ``(changed, [{name, id, status}],
    diff before, diff after)``."""
    planned = [pl.ensure_state(pl.find_plugin(client, name, host), host) for name in params["plugins"]]
    if not check_mode:
        for one in planned:
            if one["changed"]:
                pl.carry_out(client, one, host, params["wait_timeout"], params["poll_interval"], sleep, clock)
    view = [dict(name=one["plugin"]["name"], id=one["plugin"]["id"], status=one["status"]) for one in planned]
    return (any(one["changed"] for one in planned), view,
            dict((one["plugin"]["name"], one["diff"]["before"]["active"]) for one in planned),
            dict((one["plugin"]["name"], one["diff"]["after"]["active"]) for one in planned))


def run(module, client, sleep=time.sleep, clock=time.time):
    params = module.params
    host = getattr(client, "host", None) or "the ServiceNow instance"
    app = read_application(client, params["scope"])
    action = decide(app, params, host)
    before = application_view(app)
    result = dict(changed=False, action=action, application=before, installed=bool(app), diff=dict(before={}, after={}),
                  plugins=[])
    if params.get("plugins"):
        changed, result["plugins"], was, will = ensure_plugins(client, params, host, module.check_mode, sleep, clock)
        result["changed"] = changed
        if changed:
            result["diff"] = dict(before=dict(plugins=was), after=dict(plugins=will))
    if action == "none":
        return result
    version = install_version(params, host)
    result["changed"] = True
    result["diff"]["before"].update(version=before.get("version", ""), active=before.get("active", ""))
    result["diff"]["after"].update(version=version, active="true")
    if module.check_mode:
        return result
    result["progress"] = install(client, params, version, host, sleep=sleep, clock=clock)
    app = read_application(client, params["scope"])
    if app is None or normalize(app.get("active")) != "true":
        raise SpokeError("The CI/CD API reported the installation of %s on %s as successful, but the application is %s: "
                         "check All > Application Manager." % (params["scope"], host, "inactive" if app else "not there"))
    result["application"] = application_view(app)
    result["installed"] = True
    if params["version"] and normalize(app.get("version")) != params["version"]:
        raise SpokeError("The CI/CD API installed %s on %s, but its version is %s, not the %s asked for: check the "
                         "version option and All > Application Manager." % (
                             params["scope"], host, normalize(app.get("version")) or "unknown", params["version"]))
    return result


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(MODULE_OPTIONS)
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
