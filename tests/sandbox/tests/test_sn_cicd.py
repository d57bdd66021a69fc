"""Installing the Camunda Spoke through the CI/CD API (§3) and what the install leaves behind (§1, §2.4, §2.6, §2.7)."""

import time

SPOKE_ID = "aac1b64fc3803290ef46d0af050131d0"


def _poll(sn, progress_url, user="admin", timeout=10):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = sn.request("GET", progress_url[len(sn.url):], user=user).json()["result"]
        seen.append((result["status"], result["percent_complete"]))
        if int(result["status"]) >= 2:
            return result, seen
        time.sleep(0.15)
    raise AssertionError("install did not finish: %s" % seen)


def test_app_repo_install_succeeds(sn):
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", params={"scope": "x_camun_camunda", "version": "1.2.0"}, json={})
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["status"] == "0" and result["status_label"] == "Pending" and result["percent_complete"] == 0
    assert result["rollback_version"] == ""
    progress_url = result["links"]["progress"]["url"]
    assert progress_url == "%s/api/sn_cicd/progress/%s" % (sn.url, result["links"]["progress"]["id"])
    final, seen = _poll(sn, progress_url)
    assert final["status"] == "2" and final["status_label"] == "Successful" and final["percent_complete"] == 100
    percents = [p for dummy, p in seen]
    assert percents == sorted(percents)  # rising
    assert any(status == "1" and 0 < p < 100 for status, p in seen)  # and visibly running on the way
    app = sn.one("sys_store_app", "scope=x_camun_camunda", sysparm_fields="sys_id,version,active,name")
    assert app == {"sys_id": SPOKE_ID, "version": "1.2.0", "active": "true", "name": "Camunda Spoke"}
    alias = sn.one("sys_alias", "id=x_camun_camunda.Camunda", sysparm_exclude_reference_link="true",
                   sysparm_fields="name,type,connection_type,multiple_connections,sys_scope")
    assert alias == {"name": "Camunda", "type": "connection", "connection_type": "http_connection",
                     "multiple_connections": "false", "sys_scope": SPOKE_ID}
    script = sn.one("sys_script_include", "name=OAuthCamundaUtil", sysparm_exclude_reference_link="true",
                    sysparm_fields="api_name,sys_scope,active")
    assert script == {"api_name": "x_camun_camunda.OAuthCamundaUtil", "sys_scope": SPOKE_ID, "active": "true"}


def test_not_entitled_fails_with_status_3(sn):
    sn.flags(entitled=False)
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", params={"sys_id": SPOKE_ID}, json={})
    final, dummy = _poll(sn, response.json()["result"]["links"]["progress"]["url"])
    assert final["status"] == "3" and final["status_label"] == "Failed"
    assert "not entitled" in final["error"] and final["status_message"] == final["error"]
    assert sn.table("sys_store_app", sysparm_query="scope=x_camun_camunda").json()["result"] == []


def test_unavailable_version_and_old_release_fail(sn):
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", params={"scope": "x_camun_camunda", "version": "9.9.9"}, json={})
    final, dummy = _poll(sn, response.json()["result"]["links"]["progress"]["url"])
    assert final["status"] == "3" and "9.9.9" in final["error"]
    sn.flags(release="Xanadu")
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", params={"scope": "x_camun_camunda"}, json={})
    final, dummy = _poll(sn, response.json()["result"]["links"]["progress"]["url"])
    assert final["status"] == "3" and "Yokohama or later" in final["error"]


def test_unknown_app_is_404(sn):
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", params={"scope": "x_nope"}, json={})
    assert response.status_code == 404 and response.json()["status"] == "failure"


def test_batch_install_and_results(sn):
    body = {"name": "Camunda spoke", "notes": "sandbox", "packages": [
        {"id": SPOKE_ID, "type": "application", "requested_version": "1.2.0"},
        {"id": "com.glide.hub.integrations.enterprise", "type": "plugin"}]}
    response = sn.request("POST", "/api/sn_cicd/app/batch/install", json=body)
    assert response.status_code == 200
    links = response.json()["result"]["links"]
    results = sn.request("GET", links["results"]["url"][len(sn.url):]).json()["result"]
    assert results["batch_plan"]["state"] == "In progress"
    final, dummy = _poll(sn, links["progress"]["url"])
    assert final["status"] == "2"
    results = sn.request("GET", links["results"]["url"][len(sn.url):]).json()["result"]
    assert results["batch_plan"]["state"] == "Installed" and results["batch_plan"]["name"] == "Camunda spoke"
    assert [(i["id"], i["state"]) for i in results["batch_items"]] == [
        (SPOKE_ID, "Installed"), ("com.glide.hub.integrations.enterprise", "Installed")]
    plugin = sn.one("v_plugin", "id=com.glide.hub.integrations.enterprise", sysparm_fields="active")
    assert plugin == {"active": "active"}


def test_batch_partial_when_not_entitled(sn):
    sn.flags(entitled=False)
    body = {"name": "b", "packages": [{"id": SPOKE_ID, "type": "application", "requested_version": "1.2.0"},
                                      {"id": "com.glide.hub.action_step.rest", "type": "plugin"}]}
    links = sn.request("POST", "/api/sn_cicd/app/batch/install", json=body).json()["result"]["links"]
    final, dummy = _poll(sn, links["progress"]["url"])
    assert final["status"] == "3"
    results = sn.request("GET", links["results"]["url"][len(sn.url):]).json()["result"]
    assert results["batch_plan"]["state"] == "Partial Install"
    assert results["batch_items"][0]["state"] == "Failed" and "not entitled" in results["batch_items"][0]["status_message"]


def test_batch_validation(sn):
    response = sn.request("POST", "/api/sn_cicd/app/batch/install", json={"packages": [{"id": SPOKE_ID, "type": "application"}]})
    assert response.status_code == 400 and "requested_version" in response.json()["error"]["detail"]
    assert sn.request("POST", "/api/sn_cicd/app/batch/install", json={}).status_code == 400
    assert sn.request("GET", "/api/sn_cicd/progress/0123").status_code == 404


def test_preinstalled_flag(sn):
    sn.flags(spoke_installed=True)
    assert sn.one("sys_store_app", "scope=x_camun_camunda", sysparm_fields="version") == {"version": "1.2.0"}
    sn.flags(spoke_installed=False)
    assert sn.table("sys_alias", sysparm_query="id=x_camun_camunda.Camunda").json()["result"] == []
