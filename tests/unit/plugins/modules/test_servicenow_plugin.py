# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import plugins as pl
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_plugin as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance

TRIGGER = "ServiceNow IntegrationHub Flow Trigger - REST"


def activation(become_active):
    """The CI/CD answers: the activation starts, its progress says Successful (and the plugin is then active)."""
    def progress(fake, method, path, body):
        if become_active:
            for row in fake.tables["v_plugin"]:
                row["active"] = "active"
        return {"result": {"status": "2", "percent_complete": 100}}
    return {("POST", "/api/sn_cicd/plugin/"): [{"result": {"links": {"progress": {"id": "p1"}}, "status": "0"}}],
            ("GET", "/api/sn_cicd/progress/"): [progress]}


def instance(plugin_rows, become_active=True):
    """The shared fake: the plugins in v_plugin, sys_plugins empty, the CI/CD API answering."""
    return FakeInstance(dict(v_plugin=plugin_rows, sys_plugins=[]), answers=activation(become_active))


class Module:
    def __init__(self, check_mode=False, **params):
        self.check_mode = check_mode
        self.params = dict(name="API Key and HMAC Authentication", report_only=False, wait_timeout=60, poll_interval=1)
        self.params.update(params)


def rows(active="inactive"):
    return [{"id": "com.glide.tokenbased_auth", "name": "API Key and HMAC Authentication", "active": active},
            {"id": "com.glide.hub.flow_trigger.rest", "name": TRIGGER, "active": "inactive"}]


def test_active_plugin_is_left_alone():
    client = instance(rows("active"))
    result = mod.run(Module(), client, sleep=lambda s: None, clock=lambda: 0)
    assert result["changed"] is False and result["status"] == "active" and len(client.calls) == 1


def test_activation_and_check_mode():
    client = instance(rows())
    checked = mod.run(Module(check_mode=True), client, sleep=lambda s: None, clock=lambda: 0)
    assert checked["changed"] is True and checked["status"] == "activated"
    assert [c for c in client.calls if c[0] in ("POST", "GET")] == []
    result = mod.run(Module(), client, sleep=lambda s: None, clock=lambda: 0)
    assert result["changed"] is True and result["plugin"]["active"] is True
    assert ("POST", "/api/sn_cicd/plugin/com.glide.tokenbased_auth/activate", None) in client.calls
    assert [p["status"] for p in result["progress"]] == ["0", "2"]


def test_success_reported_but_still_inactive():
    client = instance(rows(), become_active=False)
    with pytest.raises(pl.PluginError) as err:
        mod.run(Module(), client, sleep=lambda s: None, clock=lambda: 0)
    assert "as Successful, but the plugin is still inactive" in str(err.value)


def test_integration_hub_is_never_activated():
    client = instance(rows())
    with pytest.raises(pl.PluginError) as err:
        mod.run(Module(name=TRIGGER), client, sleep=lambda s: None, clock=lambda: 0)
    assert str(err.value) == pl.request_sentence(TRIGGER, "com.glide.hub.flow_trigger.rest", HOST)
    report = mod.run(Module(name=TRIGGER, report_only=True), client, sleep=lambda s: None, clock=lambda: 0)
    assert report["status"] == "request_required" and report["changed"] is False
    assert not [c for c in client.calls if c[0] in ("POST", "GET")]


def test_inexact_name_lists_similar_ones():
    client = instance(rows())
    with pytest.raises(pl.PluginError) as err:
        mod.run(Module(name="Flow Trigger - REST"), client, sleep=lambda s: None, clock=lambda: 0)
    assert str(err.value) == ("No plugin is named exactly 'Flow Trigger - REST' on sn.example.test (similar: "
                              "ServiceNow IntegrationHub Flow Trigger - REST (com.glide.hub.flow_trigger.rest)); set "
                              "name to the exact name")
