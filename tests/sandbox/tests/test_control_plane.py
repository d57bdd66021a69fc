"""The /__sandbox/ control plane (tests/sandbox/README.md "Control plane")."""

import time

import pytest
import requests


def _last_seq(sandbox):
    log = sandbox.control("GET", "/log")
    return log[-1]["seq"] if log else 0


def test_log_entries_and_filters(sn, sandbox):
    since = _last_seq(sandbox)
    sn.table("sys_user", sysparm_limit="1")
    sn.request("GET", "/api/now/table/sys_user", auth=("admin", "wrong"))
    sn.create("sys_properties", {"name": "logged"})
    entries = sandbox.control("GET", "/log", params={"since": since})
    assert [(e["service"], e["method"], e["path"], e["status"], e["principal"]) for e in entries] == [
        ("sn1", "GET", "/api/now/table/sys_user", 200, "admin"),
        ("sn1", "GET", "/api/now/table/sys_user", 401, ""),
        ("sn1", "POST", "/api/now/table/sys_properties", 201, "admin")]
    assert entries[0]["query"] == "sysparm_limit=1"
    assert all(e["duration_ms"] >= 0 and e["seq"] > since for e in entries)
    assert [e["method"] for e in sandbox.control("GET", "/log", params={"since": since, "method": "post"})] == ["POST"]
    assert sandbox.control("GET", "/log", params={"since": since, "service": "sn2"}) == []
    # control requests are not service traffic
    assert all(not e["path"].startswith("/__sandbox") for e in sandbox.control("GET", "/log"))


def test_secrets_never_in_log(sn, sandbox):
    since = _last_seq(sandbox)
    client = sn.info["oauth_client"]
    sn.token(grant_type="password", client_id=client["client_id"], client_secret=client["client_secret"],
             username="admin", password=sn.creds()[1])
    text = str(sandbox.control("GET", "/log", params={"since": since}))
    assert client["client_secret"] not in text and sn.creds()[1] not in text


def test_counters(sn, sandbox):
    before = sandbox.control("GET", "/counters").get("sn1", {"requests": 0, "by_status": {}})
    sn.table("sys_user", sysparm_limit="1")
    sn.table("no_such_table")
    after = sandbox.control("GET", "/counters")["sn1"]
    assert after["requests"] == before["requests"] + 2
    assert after["by_status"]["400"] == before["by_status"].get("400", 0) + 1


def test_fault_status_with_retry_after_for_k_matches(sn, sandbox):
    rule = sandbox.control("POST", "/faults", json={"service": "sn1", "method": "GET", "path": "^/api/now/table/sys_user$",
                                                    "status": 503, "retry_after": 2, "times": 2})
    assert rule["remaining"] == 2
    first = sn.table("sys_user")
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    assert first.json()["status"] == "failure"
    assert sn.table("sys_properties").status_code == 200  # other paths are untouched
    assert sn.table("sys_user").status_code == 503
    assert sn.table("sys_user").status_code == 200  # used up
    assert sandbox.control("GET", "/faults")[0]["remaining"] == 0


def test_fault_custom_body_and_unlimited(sn, sandbox):
    sandbox.control("POST", "/faults", json={"path": "sys_user", "status": 429, "body": {"error": "custom"}, "times": 0})
    for dummy in range(3):
        response = sn.table("sys_user")
        assert response.status_code == 429 and response.json() == {"error": "custom"}
    sandbox.control("DELETE", "/faults")
    assert sn.table("sys_user").status_code == 200


def test_fault_drop_connection(sn, sandbox):
    sandbox.control("POST", "/faults", json={"path": "^/api/now/table/sys_user$", "drop": True})
    with pytest.raises(requests.exceptions.ConnectionError):
        sn.table("sys_user")
    assert sn.table("sys_user").status_code == 200
    entries = sandbox.control("GET", "/log", params={"path": "sys_user"})[-2:]
    assert [e["status"] for e in entries] == [0, 200]  # a dropped request is logged with status 0
    assert entries[0]["fault"] == sandbox.control("GET", "/faults")[0]["id"]


def test_fault_delay_and_latency(sn, sandbox):
    sandbox.control("POST", "/faults", json={"path": "sys_user", "delay_ms": 400})
    started = time.monotonic()
    assert sn.table("sys_user").status_code == 200
    assert time.monotonic() - started >= 0.4
    sandbox.control("POST", "/latency", json={"ms": 200})
    started = time.monotonic()
    sn.table("sys_properties")
    assert time.monotonic() - started >= 0.2


def test_delete_one_fault_and_bad_rule(sn, sandbox):
    rule = sandbox.control("POST", "/faults", json={"path": "x", "status": 500})
    sandbox.control("DELETE", "/faults/%s" % rule["id"])
    assert sandbox.control("GET", "/faults") == []
    response = requests.post(sandbox.info["control_url"] + "/faults", json={"path": "x"}, verify=sandbox.ca_file, timeout=10)
    assert response.status_code == 400


def test_reset_state_and_flags(sn, sandbox):
    sn.create("sys_properties", {"name": "will.vanish"})
    state = sandbox.control("GET", "/state", params={"service": "sn1"})["sn1"]
    assert any(r["name"] == "will.vanish" for r in state["tables"]["sys_properties"])
    flags = sandbox.control("GET", "/services/sn1/flags")
    assert flags["auto_default_profile"] is True and flags["token_lifetime"] == 1800
    assert sn.flags(auto_default_profile="false")["auto_default_profile"] is False
    sandbox.control("POST", "/reset", json={"service": "sn1"})
    assert sn.table("sys_properties", sysparm_query="name=will.vanish").json()["result"] == []
    assert sandbox.control("GET", "/services/sn1/flags")["auto_default_profile"] is True
    # credentials survive a reset, so sandbox.json stays valid
    assert sn.table("sys_user", sysparm_limit="1").status_code == 200
    response = requests.post(sandbox.info["control_url"] + "/services/sn1/flags", json={"no_such_flag": 1},
                             verify=sandbox.ca_file, timeout=10)
    assert response.status_code == 400


def test_control_on_every_port(sandbox):
    for instance in sandbox.info["servicenow"]:
        response = requests.get(instance["url"] + "/__sandbox/services", verify=sandbox.ca_file, timeout=10)
        assert response.status_code == 200 and response.json() == ["sn1", "sn2"]
    assert requests.get(sandbox.info["control_url"] + "/info", verify=sandbox.ca_file, timeout=10).json()["pid"] == sandbox.pid
