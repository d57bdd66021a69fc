# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.camunda.servicenow.plugins.module_utils import plugins as pl
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient

HOST = "sn.example.test"
PLUGIN = {"id": "com.glide.tokenbased_auth", "name": "API Key and HMAC Authentication"}
ACTIVATE = "/api/sn_cicd/plugin/com.glide.tokenbased_auth/activate"
PROGRESS = "/api/sn_cicd/progress/p1"


def client():
    return ServiceNowClient({"host": HOST, "username": "admin", "password": "pw-123"}, sleep=lambda s: None)


def test_staff_only_is_integration_hub():
    assert pl.staff_only("com.glide.hub.flow_trigger.rest")
    assert pl.staff_only("com.glide.hub.integrations.enterprise")
    assert not pl.staff_only("com.glide.tokenbased_auth")
    assert not pl.staff_only(None)


def test_plugin_view_prefers_v_plugin_and_falls_back_to_sys_plugins():
    v_rows = [{"id": "x.y", "name": "X", "active": "inactive", "version": "1"}]
    assert pl.plugin_view(v_rows, [], "X") == {"id": "x.y", "name": "X", "active": False, "version": "1",
                                               "source_table": "v_plugin"}
    sys_rows = [{"source": "x.y", "name": "X", "active": "1"}, {"source": "x.z", "name": "X Two", "active": "0"}]
    assert pl.plugin_view([], sys_rows, "X")["active"] is True
    assert pl.plugin_view([], sys_rows, "x") is None  # exact, never a guess
    with pytest.raises(RecordError):
        pl.plugin_view([{"id": "a", "name": "X"}, {"id": "b", "name": "X"}], [], "X")


def test_similar_names_deduplicated():
    assert pl.similar_names([{"id": "a.b", "name": "A B"}], [{"source": "a.b", "name": "A B"}, {"source": "c", "name": "C"}]) \
        == ["A B (a.b)", "C (c)"]


def test_activate_follows_the_progress(fake_http):
    fake_http.add("POST", ACTIVATE, json={"result": {"links": {"progress": {"id": "p1"}}, "status": "0"}})
    fake_http.add("GET", PROGRESS, json={"result": {"status": "1", "percent_complete": 40}})
    fake_http.add("GET", PROGRESS, json={"result": {"status": "2", "percent_complete": 100}})
    sleeps = []
    final, seen = pl.activate(client(), PLUGIN, HOST, poll_interval=2, sleep=sleeps.append, clock=lambda: 0)
    assert final["status"] == "2" and [p["status"] for p in seen] == ["0", "1", "2"]
    assert [p["status_label"] for p in seen] == ["Pending", "Running", "Successful"]
    assert sleeps == [2]


@pytest.mark.parametrize("active", [True, False])
def test_activation_whose_answer_was_lost_is_not_requested_again_once_the_plugin_is_active(fake_http, active):
    fake_http.add("POST", ACTIVATE, exc=requests.exceptions.ReadTimeout("Read timed out."))
    fake_http.add("POST", ACTIVATE, json={"result": {"links": {"progress": {"id": "p1"}}, "status": "0"}})
    fake_http.add("GET", PROGRESS, json={"result": {"status": "2", "percent_complete": 100}})
    sn = client()
    row = {"id": PLUGIN["id"], "name": PLUGIN["name"], "active": "active" if active else "inactive", "version": "1"}
    sn.batch_get = lambda requests: [[row], []]
    final, seen = pl.activate(sn, PLUGIN, HOST, sleep=lambda s: None, clock=lambda: 0)
    posts = fake_http.requests_to(ACTIVATE, "POST")
    if active:  # the activation ran although its answer never came
        assert len(posts) == 1 and final["status"] == "2" and "the plugin was found active" in final["status_message"]
    else:  # nothing ran: requested again (after looking during one more timeout)
        assert len(posts) == 2 and [p["status"] for p in seen] == ["0", "2"]


def test_activate_failure_and_timeout(fake_http):
    fake_http.add("POST", ACTIVATE, json={"result": {"links": {"progress": {"url": "https://x/api/sn_cicd/progress/p1"}}}})
    fake_http.add("GET", PROGRESS, json={"result": {"status": "3", "error": "Not entitled.", "status_message": "Not entitled"}})
    with pytest.raises(pl.PluginError) as err:
        pl.activate(client(), PLUGIN, HOST, sleep=lambda s: None, clock=lambda: 0)
    assert str(err.value) == ("Activating plugin API Key and HMAC Authentication (com.glide.tokenbased_auth) through "
                              "the CI/CD API on sn.example.test failed: Not entitled; check the plugin in All > System "
                              "Applications > All Available Applications and the instance's entitlements")


def test_activate_times_out(fake_http):
    fake_http.add("POST", ACTIVATE, json={"result": {"links": {"progress": {"id": "p1"}}}})
    fake_http.add("GET", PROGRESS, json={"result": {"status": "1", "percent_complete": 10}})
    with pytest.raises(pl.PluginError) as err:
        pl.activate(client(), PLUGIN, HOST, wait_timeout=3, poll_interval=5, sleep=lambda s: None, clock=lambda: 0)
    assert "did not finish within 3 s (last status Running, 10% complete, progress id p1)" in str(err.value)


@pytest.mark.parametrize("status, tail", [
    (405, "the CI/CD functionality is inactive on the instance, activate the CI/CD REST API plugin "
          "com.glide.continuousdelivery"),
    (409, "the plugin id is not unique on the instance, activate it in All > System Applications > All Available "
          "Applications"),
])
def test_documented_refusals(fake_http, status, tail):
    fake_http.add("POST", ACTIVATE, status=status, json={"error": {"message": "Refused", "detail": "Said so."}})
    with pytest.raises(pl.PluginError) as err:
        pl.activate(client(), PLUGIN, HOST, sleep=lambda s: None, clock=lambda: 0)
    assert str(err.value) == ("Activating plugin API Key and HMAC Authentication (com.glide.tokenbased_auth) through "
                              "the CI/CD API on sn.example.test failed with HTTP {0}: Said so; {1}".format(status, tail))
