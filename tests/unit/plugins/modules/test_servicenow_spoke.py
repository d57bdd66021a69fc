# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_spoke as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance, FakeModule

SCOPE_ID = "a" * 32
APP = dict(sys_id=SCOPE_ID, scope="x_camun_camunda", name="Camunda Spoke", version="1.2.0", active="true")


STARTED = {"links": {"progress": {"id": "p1", "url": "https://%s/api/sn_cicd/progress/p1" % HOST},
                     "results": {"id": "r1", "url": "https://%s/api/sn_cicd/app/batch/results/r1" % HOST}},
           "status": "0"}


def instance(apps, progress=(), results=None, post_error=None, started=None):
    """The shared fake. ``apps``: what each read of the application returns, in turn; the CI/CD API answers the
    batch install with ``started`` (or raises ``post_error``), each progress read with the next of ``progress``."""
    return FakeInstance(ignore_queries=True, reads={"sys_scope": apps}, answers={
        ("POST", "/api/sn_cicd/app/batch/install"): [post_error or {"result": started or STARTED}],
        ("GET", "/api/sn_cicd/progress/"): [{"result": answer} for answer in progress],
        ("GET", "/api/sn_cicd/app/batch/results/"): [{"result": results or {}}]})


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def params(**overrides):
    out = dict(instance=dict(host="https://" + HOST), state="present", scope="x_camun_camunda", verify_only=False,
               app_id="aac1b64fc3803290ef46d0af050131d0", version=None, load_demo_data=False, wait_timeout=60,
               poll_interval=5, plugins=[])
    out.update(overrides)
    return out


def run(client, check_mode=False, clock=None, **overrides):
    clock = clock or Clock()
    return mod.run(FakeModule(params(**overrides), check_mode), client, sleep=clock.sleep, clock=clock.time)


def test_installed_is_one_request_and_reports_version():
    client = instance([[APP]])
    result = run(client)
    assert client.calls == [("GET", "sys_scope", "scope=x_camun_camunda")]
    assert result["changed"] is False and result["installed"] is True and result["action"] == "none"
    assert result["application"] == dict(sys_id=SCOPE_ID, scope="x_camun_camunda", name="Camunda Spoke",
                                         version="1.2.0", active="true")


def test_other_scope_rows_are_ignored():
    client = instance([[dict(APP, scope="x_camun_camunda_other")]])
    with pytest.raises(mod.SpokeError) as err:
        run(client, verify_only=True)
    assert "is not installed on sn.example.test and verify_only is true" in str(err.value)


def test_verify_only_never_installs():
    client = instance([[]])
    with pytest.raises(mod.SpokeError) as err:
        run(client, verify_only=True, version="1.2.0")
    assert str(err.value).startswith("The application x_camun_camunda is not installed on sn.example.test and "
                                     "verify_only is true: install it from All > Application Manager")
    assert client.api_calls() == []


def test_verify_only_with_other_version_fails():
    client = instance([[APP]])
    with pytest.raises(mod.SpokeError) as err:
        run(client, verify_only=True, version="2.0.0")
    assert "is at version 1.2.0, not 2.0.0, and verify_only is true" in str(err.value)


def test_inactive_fails():
    client = instance([[dict(APP, active="false")]])
    with pytest.raises(mod.SpokeError) as err:
        run(client)
    assert "is installed on sn.example.test but inactive" in str(err.value)


def test_check_mode_reports_install_without_calling_cicd():
    client = instance([[]])
    result = run(client, check_mode=True, version="1.2.0")
    assert result["changed"] is True and result["action"] == "install"
    assert result["diff"] == dict(before=dict(version="", active=""), after=dict(version="1.2.0", active="true"))
    assert client.api_calls() == []


def test_missing_version_without_latest_fails():
    client = instance([[]])
    with pytest.raises(mod.SpokeError) as err:
        run(client)
    assert "no version was given: set the version option" in str(err.value)
    assert client.api_calls() == []


def test_install_polls_until_successful():
    clock = Clock()
    progress = [dict(status="1", percent_complete=10), dict(status="1", percent_complete=60),
                dict(status="2", status_label="Successful", percent_complete=100)]
    client = instance([[], [APP]], progress=progress)
    result = run(client, clock=clock, version="1.2.0")
    post = client.calls[1]
    assert post == ("POST", "/api/sn_cicd/app/batch/install", {
        "name": "Install x_camun_camunda 1.2.0",
        "notes": "Installed by the camunda.servicenow.servicenow_spoke Ansible module",
        "packages": [{"id": "aac1b64fc3803290ef46d0af050131d0", "type": "application", "requested_version": "1.2.0",
                      "load_demo_data": False, "notes": "scope x_camun_camunda"}]})
    assert [c[1] for c in client.calls[2:5]] == ["/api/sn_cicd/progress/p1"] * 3
    assert clock.sleeps == [5, 5]
    assert result["changed"] is True and result["installed"] is True
    assert result["application"]["version"] == "1.2.0"
    assert result["progress"]["status"] == "2"


def test_install_version_is_the_version_option():
    assert mod.install_version(params(version="1.2.0"), HOST) == "1.2.0"


def test_install_without_a_version_fails_and_says_which_option():
    with pytest.raises(mod.SpokeError) as err:
        mod.install_version(params(), HOST)
    assert str(err.value) == (
        "The application x_camun_camunda is not installed on %s and no version was given: set the version option (the "
        "CI/CD batch install requires the version to install, see the application's Store listing)." % HOST)


def test_inactive_row_with_latest_version_is_not_reinstalled():
    client = instance([[dict(APP, active="false")]], progress=[dict(status="2")])
    with pytest.raises(mod.SpokeError) as err:
        run(client)
    assert "but inactive" in str(err.value)
    assert client.api_calls() == []


def test_failed_install_reports_the_instance_words():
    client = instance([[]], progress=[dict(status="3", status_label="Failed", status_message="Batch install failed")],
                      results={"batch_items": [
                          {"name": "Camunda Spoke", "status_message": "Application is not entitled to this instance."}]})
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert str(err.value) == (
        "Installing x_camun_camunda (aac1b64fc3803290ef46d0af050131d0) on sn.example.test failed: Batch install failed; "
        "Camunda Spoke: Application is not entitled to this instance; request the entitlement in the ServiceNow Store "
        "and try again (a Personal Developer Instance cannot be entitled to Store applications).")
    assert client.calls[-1][1] == "/api/sn_cicd/app/batch/results/r1"


def test_not_entitled_advice_is_given_once_when_the_instance_already_gives_it():
    said = "The instance is not entitled to Camunda Spoke (x_camun_camunda); request the entitlement in the ServiceNow Store and try again"
    client = instance([[]], progress=[dict(status="3", status_label="Failed", status_message=said)])
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert str(err.value) == (
        "Installing x_camun_camunda (aac1b64fc3803290ef46d0af050131d0) on sn.example.test failed: " + said
        + " (a Personal Developer Instance cannot be entitled to Store applications).")
    assert str(err.value).lower().count("store") == 2 and str(err.value).count("request") == 1


def test_canceled_install():
    client = instance([[]], progress=[dict(status="4", status_message="Canceled by admin")])
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert "was canceled: Canceled by admin; check the installation in All > Application Manager" in str(err.value)


def test_install_times_out():
    clock = Clock()
    client = instance([[]], progress=[dict(status="1", status_label="Running", percent_complete=40)])
    with pytest.raises(mod.SpokeError) as err:
        run(client, clock=clock, version="1.2.0", wait_timeout=12, poll_interval=5)
    assert str(err.value) == ("Installing x_camun_camunda on sn.example.test did not finish within 12 s (last status "
                              "Running, 40% complete, progress id p1): raise wait_timeout or follow the installation "
                              "in All > Application Manager.")
    assert clock.sleeps == [5, 5]


def test_403_names_the_cicd_role():
    error = TransportError("ServiceNow POST /api/sn_cicd/app/batch/install on sn.example.test failed with HTTP 403.",
                           status=403, method="POST", url="https://sn.example.test/api/sn_cicd/app/batch/install",
                           service_message="User Not Authorized")
    client = instance([[]], post_error=error)
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert str(err.value) == (
        "Installing x_camun_camunda through the CI/CD API on sn.example.test was refused (HTTP 403: User Not "
        "Authorized): the user needs the role sn_cicd.sys_ci_automation (or admin) and the CI/CD REST API plugin "
        "com.glide.continuousdelivery must be active.")


def test_other_transport_errors_pass_through():
    error = TransportError("ServiceNow POST /api/sn_cicd/app/batch/install on sn.example.test failed with HTTP 500.",
                           status=500, method="POST", url="https://sn.example.test/api/sn_cicd/app/batch/install")
    client = instance([[]], post_error=error)
    with pytest.raises(TransportError) as err:
        run(client, version="1.2.0")
    assert err.value is error


def timed_out():
    return TransportError("ServiceNow POST /api/sn_cicd/app/batch/install on sn.example.test timed out after 5 s.",
                          method="POST", url="https://sn.example.test/api/sn_cicd/app/batch/install", kind="timeout")


def test_install_whose_answer_was_lost_is_found_installed_and_not_requested_again():
    # the instance ran the installation although the answer never came: the module sees it and does not install twice
    client = instance([[], [], [APP]], post_error=timed_out())
    result = run(client, version="1.2.0")
    assert [c[:2] for c in client.api_calls()] == [("POST", "/api/sn_cicd/app/batch/install")]
    assert client.waits == [1.0, 1.0]  # the policy's wait, then one more look within the read timeout
    assert result["changed"] is True and result["installed"] is True
    assert result["progress"]["status"] == "2" and "the answer to the install request was lost" in \
        result["progress"]["status_message"]


def test_install_refused_with_503_is_requested_again_when_nothing_was_installed():
    busy = TransportError("ServiceNow POST /api/sn_cicd/app/batch/install on sn.example.test failed with HTTP 503.",
                          status=503, method="POST", url="https://sn.example.test/api/sn_cicd/app/batch/install")
    client = FakeInstance(ignore_queries=True, reads={"sys_scope": [[], [], [APP]]}, answers={
        ("POST", "/api/sn_cicd/app/batch/install"): [busy, {"result": STARTED}],
        ("GET", "/api/sn_cicd/progress/"): [{"result": dict(status="2", percent_complete=100)}]})
    result = run(client, version="1.2.0")
    assert [c[:2] for c in client.api_calls()] == [("POST", "/api/sn_cicd/app/batch/install")] * 2 + [
        ("GET", "/api/sn_cicd/progress/p1")]
    assert client.waits == [1.0] and result["installed"] is True


def test_no_progress_link():
    client = instance([[]], started={"status": "3"})
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert "returned no progress link (status 3)" in str(err.value)


def test_success_but_still_missing_fails():
    client = instance([[], []], progress=[dict(status="2")])
    with pytest.raises(mod.SpokeError) as err:
        run(client, version="1.2.0")
    assert "reported the installation of x_camun_camunda on sn.example.test as successful, but the application is " \
           "not there" in str(err.value)


def test_upgrade_when_other_version_asked():
    client = instance([[APP], [dict(APP, version="1.3.0")]], progress=[dict(status="2")])
    result = run(client, version="1.3.0")
    assert result["changed"] is True and result["application"]["version"] == "1.3.0"
    assert result["diff"]["before"]["version"] == "1.2.0"


def test_absent_asserts_not_installed():
    assert run(instance([[]]), state="absent")["changed"] is False
    with pytest.raises(mod.SpokeError) as err:
        run(instance([[APP]]), state="absent")
    assert "the CI/CD API documents no uninstall, so uninstall it in All > Application Manager" in str(err.value)


def test_link_id_from_url():
    assert mod.link_id({"links": {"progress": {"url": "https://h/api/sn_cicd/progress/abc"}}}, "progress") == "abc"
    assert mod.link_id({}, "progress") == ""


def test_duplicate_scopes_fail_with_the_shared_sentence():
    client = instance([[APP, dict(APP, sys_id="9" * 32)]])
    with pytest.raises(records.RecordError) as err:
        run(client)
    # run_module(where=<host>) names the instance, as for every duplicate the collection reports
    assert str(err.value.locate(HOST)) == (
        "Found 2 application (sys_scope) records matching scope='x_camun_camunda' on sn.example.test (sys_id: {0}, {1}); "
        "a natural key must identify one record, so remove or rename the duplicates, or identify the record by its "
        "id".format(SCOPE_ID, "9" * 32))
    assert client.api_calls() == []


# -- plugins: activated first, by name; one only ServiceNow staff may activate stops everything before a write ------

def fake_plugins(monkeypatch, active):
    """find_plugin answers from ``active`` ({name: (id, active)}); carry_out records what it would activate."""
    activated = []

    def find(client, name, host):
        plugin_id, is_active = active[name]
        return {"id": plugin_id, "name": name, "active": is_active, "version": "1", "source_table": "v_plugin"}

    def carry_out(client, result, host, *args):
        activated.append(result["plugin"]["name"])
        result["plugin"] = dict(result["plugin"], active=True)
        return result
    monkeypatch.setattr(mod.pl, "find_plugin", find)
    monkeypatch.setattr(mod.pl, "carry_out", carry_out)
    return activated


def test_plugins_are_activated_before_the_spoke_is_looked_at_again(monkeypatch):
    activated = fake_plugins(monkeypatch, {"API Key and HMAC Authentication": ("com.glide.tokenbased_auth", False),
                                           "Flow Designer": ("com.glide.hub.flow_designer", True)})
    client = instance([[APP]])
    result = run(client, plugins=["API Key and HMAC Authentication", "Flow Designer"])
    assert activated == ["API Key and HMAC Authentication"]
    assert result["changed"] is True and result["action"] == "none"
    assert result["plugins"] == [
        {"name": "API Key and HMAC Authentication", "id": "com.glide.tokenbased_auth", "status": "activated"},
        {"name": "Flow Designer", "id": "com.glide.hub.flow_designer", "status": "active"}]
    assert result["diff"] == {"before": {"plugins": {"API Key and HMAC Authentication": False, "Flow Designer": True}},
                              "after": {"plugins": {"API Key and HMAC Authentication": True, "Flow Designer": True}}}
    again = fake_plugins(monkeypatch, {"Flow Designer": ("com.glide.hub.flow_designer", True)})
    assert run(instance([[APP]]), plugins=["Flow Designer"])["changed"] is False and again == []


def test_a_plugin_only_servicenow_may_activate_stops_everything_before_a_write(monkeypatch):
    activated = fake_plugins(monkeypatch, {"API Key and HMAC Authentication": ("com.glide.tokenbased_auth", False),
                                           "Integration Hub Enterprise Pack": ("com.glide.hub.integrations.enterprise",
                                                                               False)})
    client = instance([[]])
    with pytest.raises(mod.pl.PluginError) as err:
        run(client, version="1.2.0", plugins=["API Key and HMAC Authentication", "Integration Hub Enterprise Pack"])
    assert "ServiceNow activates Integration Hub plugins only on request" in str(err.value)
    assert "Request plugin" in str(err.value)
    assert activated == [] and client.api_calls() == []


def test_check_mode_predicts_the_activation(monkeypatch):
    activated = fake_plugins(monkeypatch, {"API Key and HMAC Authentication": ("com.glide.tokenbased_auth", False)})
    result = run(instance([[APP]]), check_mode=True, plugins=["API Key and HMAC Authentication"])
    assert result["changed"] is True and activated == []
    assert result["plugins"][0]["status"] == "activated"
