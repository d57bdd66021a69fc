"""The /__sandbox/ control plane (tests/sandbox/README.md "Control plane")."""

import time

import pytest
import requests

from harness import start_sandbox


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


# --- the log position, tail and several services (README "Control plane") ---

def _get(sandbox, path, **params):
    return requests.get(sandbox.info["control_url"] + path, params=params, verify=sandbox.ca_file, timeout=10)


def test_log_seq_tail_and_service_list(sn, sandbox):
    since = sandbox.log_seq()
    assert since == _last_seq(sandbox)
    sn.table("sys_user", sysparm_limit="1")
    sn.table("sys_properties", sysparm_limit="1")
    sn2 = sandbox.info["servicenow"][1]
    requests.get(sn2["url"] + "/api/now/table/sys_user", auth=("admin", sn2["users"]["admin"]["password"]),
                 headers={"Accept": "application/json"}, verify=sandbox.ca_file, timeout=10)
    assert sandbox.log_seq() == since + 3  # the control requests in between are not logged
    assert [(e["seq"], e["path"]) for e in sandbox.control("GET", "/log", params={"since": since, "tail": 2})] == [
        (since + 2, "/api/now/table/sys_properties"), (since + 3, "/api/now/table/sys_user")]
    assert [e["seq"] for e in sandbox.control("GET", "/log", params={"since": since, "tail": 10})] == [
        since + 1, since + 2, since + 3]
    assert sandbox.control("GET", "/log", params={"since": since, "tail": 0}) == []
    assert [e["seq"] for e in sandbox.control("GET", "/log", params={"since": since, "service": "sn1", "tail": 1})] == [since + 2]
    assert [e["service"] for e in sandbox.control("GET", "/log", params={"since": since, "service": "sn1,sn2"})] == [
        "sn1", "sn1", "sn2"]
    bad = _get(sandbox, "/log", tail="-1")
    assert bad.status_code == 400 and bad.json() == {"error": "bad control request: tail must be 0 or more"}
    assert _get(sandbox, "/log", tail="x").status_code == 400
    assert _get(sandbox, "/log/nothing").status_code == 404
    sandbox.control("DELETE", "/log")  # a cleared log keeps its position
    assert sandbox.control("GET", "/log") == [] and sandbox.log_seq() == since + 3
    sn.table("sys_user", sysparm_limit="1")
    assert [e["seq"] for e in sandbox.control("GET", "/log")] == [since + 4]


# --- restore: the start-up state of one service or of everything (README "Restoring the start-up state") ---

def _bearer(sn):
    client = sn.info["oauth_client"]
    token = sn.token(grant_type="password", client_id=client["client_id"], client_secret=client["client_secret"],
                     username="admin", password=sn.creds()[1])
    assert token.status_code == 200
    return {"Authorization": "Bearer " + token.json()["access_token"]}


def test_restore_one_instance(sn, sandbox):
    created = sn.create("sys_properties", {"name": "will.vanish"})
    assert created.status_code == 201
    bearer = _bearer(sn)
    assert sn.request("GET", "/api/now/table/sys_user", user=None, headers=bearer).status_code == 200
    sn.flags(rate_limit=5, auto_default_profile=False)
    aimed = sandbox.control("POST", "/faults", json={"service": "sn1", "path": "^/nothing$", "status": 500})
    other = sandbox.control("POST", "/faults", json={"service": "sn2", "path": "^/nothing$", "status": 500})
    everywhere = sandbox.control("POST", "/faults", json={"path": "^/nothing$", "status": 500})
    sandbox.control("POST", "/latency", json={"ms": 300})
    seq = sandbox.log_seq()
    counters = sandbox.control("GET", "/counters")["sn1"]

    answer = sandbox.restore("sn1")

    assert answer == {"restored": ["sn1"], "faults_removed": [aimed["id"], everywhere["id"]], "latency_ms": 0,
                      "flags": {"sn1": sn.info["flags"]}, "seq": seq}
    assert sandbox.info["latency_ms"] == 0
    assert sandbox.control("GET", "/latency") == {"ms": 0}
    assert [rule["id"] for rule in sandbox.control("GET", "/faults")] == [other["id"]]
    assert sandbox.control("GET", "/services/sn1/flags") == sn.info["flags"]
    # tokens issued before the restore are gone (a fresh instance has none); the seeded credentials still work
    assert sn.request("GET", "/api/now/table/sys_user", user=None, headers=bearer).status_code == 401
    assert sandbox.control("GET", "/state", params={"service": "sn1"})["sn1"]["tokens"] == {"access_valid": 0, "refresh_valid": 0}
    assert sn.table("sys_properties", sysparm_query="name=will.vanish").json()["result"] == []
    # the log and the counters are observations, not state: both are kept
    kept = sandbox.control("GET", "/log", params={"since": seq - 1})[0]
    assert (kept["seq"], kept["path"], kept["status"]) == (seq, "/api/now/table/sys_user", 200)
    assert sandbox.control("GET", "/counters")["sn1"]["requests"] == counters["requests"] + 2
    assert sandbox.control("POST", "/restore", json={"service": "sn1"})["faults_removed"] == []


def test_reset_keeps_its_old_behaviour(sn, sandbox):
    """/reset of one service still keeps fault rules and latency (restore is the call that removes them)."""
    rule = sandbox.control("POST", "/faults", json={"service": "sn1", "path": "^/nothing$", "status": 500})
    sandbox.control("POST", "/latency", json={"ms": 5})
    assert sandbox.control("POST", "/reset", json={"service": "sn1"}) == {"reset": ["sn1"]}
    assert [r["id"] for r in sandbox.control("GET", "/faults")] == [rule["id"]]
    assert sandbox.control("GET", "/latency") == {"ms": 5}


@pytest.mark.parametrize("body, error", [
    ({"service": "nope"}, "bad control request: 'no service named nope'"),
    ({"services": ["sn1", "nope"]}, "bad control request: 'no service named nope'"),
    ({"services": "sn1"}, "bad control request: services must be a list of service names"),
    ({"services": [""]}, "bad control request: services must be a list of service names"),
    ({"service": "sn1", "services": ["sn2"]}, "bad control request: give service or services, not both"),
    (["sn1"], "bad control request: the body must be a JSON object"),
])
def test_restore_refuses_bad_requests_and_changes_nothing(sn, sandbox, body, error):
    rule = sandbox.control("POST", "/faults", json={"service": "sn1", "path": "^/nothing$", "status": 500})
    response = requests.post(sandbox.info["control_url"] + "/restore", json=body, verify=sandbox.ca_file, timeout=10)
    assert response.status_code == 400 and response.json() == {"error": error}
    assert [r["id"] for r in sandbox.control("GET", "/faults")] == [rule["id"]]


def test_restore_shared_state_and_everything(tmp_path):
    """Camunda services that share a state are restored together; start-up latency comes from --latency-ms."""
    with start_sandbox(tmp_path / "sb", instances=1, tls=False,
                       extra_args=["--latency-ms", "20", "--max-lifetime", "120"]) as box:
        assert box.info["latency_ms"] == 20
        saas = box.info["camunda"]["saas"]
        org = saas["organization_client"]
        token = requests.post(saas["token_url"], data={"grant_type": "client_credentials", "audience": "api.cloud.camunda.io",
                                                       "client_id": org["client_id"], "client_secret": org["client_secret"]},
                              verify=False, timeout=10).json()["access_token"]
        clusters = saas["console_url"] + "/clusters"

        def console_status():
            return requests.get(clusters, headers={"Authorization": "Bearer " + token}, verify=False, timeout=10).status_code

        assert console_status() == 200
        startup_saas = box.control("GET", "/services/camunda_console/flags")
        startup_sm = box.control("GET", "/services/keycloak/flags")
        box.control("POST", "/services/camunda_console/flags", json={"cluster_not_ready": True})
        box.control("POST", "/services/keycloak/flags", json={"sm_cluster_ready": not startup_sm["sm_cluster_ready"]})
        login_rule = box.control("POST", "/faults", json={"service": "camunda_login", "path": "^/nothing$", "status": 500})
        keycloak_rule = box.control("POST", "/faults", json={"service": "keycloak", "path": "^/nothing$", "status": 500})
        sn1_rule = box.control("POST", "/faults", json={"service": "sn1", "path": "^/nothing$", "status": 500})
        box.control("POST", "/latency", json={"ms": 0})

        answer = box.restore("camunda_console")

        assert answer == {"restored": ["camunda_cluster", "camunda_console", "camunda_login"],
                          "faults_removed": [login_rule["id"]], "latency_ms": 20,
                          "flags": {name: startup_saas for name in ("camunda_cluster", "camunda_console", "camunda_login")},
                          "seq": box.log_seq()}
        assert console_status() == 401  # the SaaS tokens went with the state
        assert [r["id"] for r in box.control("GET", "/faults")] == [keycloak_rule["id"], sn1_rule["id"]]
        assert box.control("GET", "/services/keycloak/flags") != startup_sm  # not restored

        everything = box.restore()

        assert everything["restored"] == sorted(box.info["services"])
        assert everything["faults_removed"] == [keycloak_rule["id"], sn1_rule["id"]]
        assert everything["flags"]["keycloak"] == startup_sm == everything["flags"]["sm_cluster"]
        assert everything["flags"]["sn1"] == box.info["servicenow"][0]["flags"]
        assert box.control("GET", "/faults") == [] and box.control("GET", "/latency") == {"ms": 20}
