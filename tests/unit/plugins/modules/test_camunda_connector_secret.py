# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.modules import camunda_connector_secret as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers import fake_camunda
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_camunda import FakeCamunda, FakeConsole

CLUSTER = fake_camunda.CLUSTER
OLD = "old-password-value"
NEW = "new-password-value"


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    fake_camunda.install(monkeypatch, mod)


def params(**overrides):
    out = {"cluster_id": CLUSTER, "name": None, "value": None, "secrets": None, "state": "present"}
    out.update(overrides)
    return out


BOTH = [{"name": "snUser", "value": "integration"}, {"name": "snPwd", "value": NEW}]


def test_create_both_with_one_read():
    console = FakeConsole()
    result = mod.ensure_secrets(params(secrets=BOTH), FakeCamunda(console=console), False)
    assert console.calls == [("GET",), ("POST", "snUser"), ("POST", "snPwd")]
    assert result == {"changed": True,
                      "secrets": [{"name": "snUser", "result": "created"}, {"name": "snPwd", "result": "created"}],
                      "diff": {"before": {}, "after": {"snUser": "********", "snPwd": "********"}}}
    assert console.secrets == {"snUser": "integration", "snPwd": NEW}


def test_equal_values_are_left_alone():
    console = FakeConsole(secrets={"snUser": "integration", "snPwd": NEW})
    result = mod.ensure_secrets(params(secrets=BOTH), FakeCamunda(console=console), False)
    assert console.calls == [("GET",)]
    assert result["changed"] is False
    assert result["secrets"] == [{"name": "snUser", "result": "unchanged"}, {"name": "snPwd", "result": "unchanged"}]


def test_drifted_value_is_put_and_never_shown():
    console = FakeConsole(secrets={"snUser": "integration", "snPwd": OLD})
    result = mod.ensure_secrets(params(secrets=BOTH), FakeCamunda(console=console), False)
    assert console.calls == [("GET",), ("PUT", "snPwd")]
    assert result["secrets"][1] == {"name": "snPwd", "result": "updated"}
    assert result["diff"]["before"]["snPwd"] == "******** (current value, hidden)"
    assert result["diff"]["after"]["snPwd"] == "********"
    dumped = json.dumps(result)
    assert OLD not in dumped and NEW not in dumped and "integration" not in dumped


def test_check_mode_reads_only():
    console = FakeConsole(secrets={"snPwd": OLD})
    result = mod.ensure_secrets(params(secrets=BOTH), FakeCamunda(console=console), True)
    assert console.calls == [("GET",)]
    assert result["changed"] is True
    assert [s["result"] for s in result["secrets"]] == ["created", "updated"]


def test_single_name_and_value():
    console = FakeConsole()
    result = mod.ensure_secrets(params(name="snUser", value="integration"), FakeCamunda(console=console), False)
    assert result["secrets"] == [{"name": "snUser", "result": "created"}]


def test_conflict_on_create_is_written_with_put():
    console = FakeConsole(conflict=True)
    mod.ensure_secrets(params(name="snPwd", value=NEW), FakeCamunda(console=console), False)
    assert console.calls == [("GET",), ("POST", "snPwd"), ("PUT", "snPwd")]
    assert console.secrets == {"snPwd": NEW}


def test_absent_twice():
    console = FakeConsole(secrets={"snUser": "integration", "snPwd": OLD, "other": "x"})
    p = params(secrets=[{"name": "snUser", "value": None}, {"name": "snPwd", "value": None}], state="absent")
    result = mod.ensure_secrets(p, FakeCamunda(console=console), False)
    assert result["changed"] is True and console.secrets == {"other": "x"}
    assert [s["result"] for s in result["secrets"]] == ["deleted", "deleted"]
    assert result["diff"] == {"before": {"snUser": "********", "snPwd": "********"}, "after": {}}
    again = mod.ensure_secrets(p, FakeCamunda(console=console), False)
    assert again["changed"] is False and [s["result"] for s in again["secrets"]] == ["absent", "absent"]


@pytest.mark.parametrize("name, reason", [
    ("x" * 50, "has 50 characters; the Console API accepts fewer than 50"),
    ("sn.user", "may only contain letters, digits, '_' and '-'"),
    ("", "must not be empty"),
])
def test_invalid_names_fail_before_any_request(name, reason):
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        mod.ensure_secrets(params(name=name, value=NEW), FakeCamunda(console=console), False)
    assert reason in str(err.value)
    assert str(err.value).startswith("Invalid connector secrets, nothing was sent: ")
    assert console.calls == []
    assert NEW not in str(err.value)


def test_missing_value_and_duplicates_are_reported_together():
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        mod.ensure_secrets(params(secrets=[{"name": "snUser", "value": None}, {"name": "snUser", "value": "a"}]),
                           FakeCamunda(console=console), False)
    assert str(err.value) == ("Invalid connector secrets, nothing was sent: connector secret 'snUser' has no value (value "
                              "is required with state=present); connector secret 'snUser' is given twice")
    assert console.calls == []


def test_self_managed_says_what_to_do_instead():
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        mod.ensure_secrets(params(secrets=BOTH), FakeCamunda(console=console, deployment="self_managed"), False)
    message = str(err.value)
    assert message.startswith("Camunda Self-Managed has no connector secret API: connector secrets are environment "
                              "variables of the connectors runtime, so set SECRET_snUser, SECRET_snPwd")
    assert "before 8.9 the variables are named snUser, snPwd" in message
    assert NEW not in message and "integration" not in message
    assert console.calls == []


# -- a create whose answer is lost: read again, create again only when absent ---------------------------------------

CONSOLE = "https://console.test"
SECRETS_PATH = "/clusters/{0}/secrets".format(CLUSTER)


def real_client(sleeps):
    return CamundaClient({"access_token": "org-token", "console_url": CONSOLE}, sleep=sleeps, clock=lambda: 0.0)


@pytest.mark.parametrize("fault", ["timeout", 500, 502, 503, 504])
def test_lost_create_is_found_on_the_second_read(fake_http, sleeps, fault):
    import requests
    stored = {}

    def get(call):
        return 200, dict(stored)

    def post(call):
        stored[call.json["secretName"]] = call.json["secretValue"]  # committed; the answer is lost
        if fault == "timeout":
            raise requests.exceptions.ReadTimeout("Read timed out.")
        return fault, {"message": "upstream trouble"}
    fake_http.handle("GET", SECRETS_PATH, get)
    fake_http.handle("POST", SECRETS_PATH, post)
    result = mod.ensure_secrets(params(name="snPwd", value=NEW), real_client(sleeps), False)
    assert result["secrets"] == [{"name": "snPwd", "result": "created"}]
    assert stored == {"snPwd": NEW}
    assert [c.method for c in fake_http.calls] == ["GET", "POST", "GET"]
    assert sleeps == [1.0]


def test_lost_create_that_did_not_happen_is_posted_again(fake_http, sleeps):
    fake_http.add("GET", SECRETS_PATH, json={})
    fake_http.add("POST", SECRETS_PATH, status=503, json={"message": "unavailable"})
    fake_http.add("POST", SECRETS_PATH, status=201, json={})
    result = mod.ensure_secrets(params(name="snPwd", value=NEW), real_client(sleeps), False)
    assert result["secrets"] == [{"name": "snPwd", "result": "created"}]
    assert [c.method for c in fake_http.calls] == ["GET", "POST", "GET", "POST"]


def test_a_rejected_create_is_not_retried(fake_http, sleeps):
    fake_http.add("GET", SECRETS_PATH, json={})
    fake_http.add("POST", SECRETS_PATH, status=400, json={"message": "secretValue must not be empty"})
    with pytest.raises(CamundaError) as err:
        mod.ensure_secrets(params(name="snPwd", value=NEW), real_client(sleeps), False)
    assert err.value.status == 400
    assert [c.method for c in fake_http.calls] == ["GET", "POST"] and sleeps == []


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_value_is_refused_before_any_request(value):
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        mod.ensure_secrets(params(name="snPwd", value=value), FakeCamunda(console=console), False)
    assert str(err.value) == ("Invalid connector secrets, nothing was sent: connector secret 'snPwd' has an empty value "
                              "(the connectors would read an empty credential)")
    assert console.calls == []
