"""Plugin activation through the CI/CD API (emulator/servicenow/cicd.py) for a plugin the CI/CD API may activate,
switched off with the ``hmac_plugin`` flag, seen in both v_plugin and sys_plugins."""

import time

HMAC = "com.glide.tokenbased_auth"


def state(sn):
    view = sn.one("v_plugin", "id=" + HMAC, sysparm_fields="active")["active"]
    table = sn.one("sys_plugins", "source=" + HMAC, sysparm_fields="active")["active"]
    return view, table


def test_activation_by_id_with_progress(sn):
    assert state(sn) == ("active", "1")
    assert sn.flags(hmac_plugin=False)["hmac_plugin"] is False
    assert state(sn) == ("inactive", "0")
    started = sn.request("POST", "/api/sn_cicd/plugin/%s/activate" % HMAC, user="cicd")
    assert started.status_code == 200
    result = started.json()["result"]
    assert result["status"] == "0" and result["status_label"] == "Pending"
    progress_url = "/api/sn_cicd/progress/" + result["links"]["progress"]["id"]
    seen = []
    for dummy in range(40):
        body = sn.request("GET", progress_url, user="cicd").json()["result"]
        seen.append(body["status"])
        if body["status"] == "2":
            break
        time.sleep(0.1)
    assert seen[-1] == "2" and "1" in seen
    assert state(sn) == ("active", "1")
    assert sn.flags()["hmac_plugin"] is True


def test_activation_needs_the_cicd_role_and_a_known_id(sn):
    refused = sn.request("POST", "/api/sn_cicd/plugin/%s/activate" % HMAC, user="readonly")
    assert refused.status_code == 403
    assert sn.request("POST", "/api/sn_cicd/plugin/com.example.guess/activate", user="cicd").status_code == 404
