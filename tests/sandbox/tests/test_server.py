"""The server process: TLS, restart persistence, lifecycle, start-up with every service wired, many instances, load, ctl.py."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
import requests

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position

JSON = {"Accept": "application/json", "Content-Type": "application/json"}


def _admin(instance):
    return (instance["users"]["admin"]["username"], instance["users"]["admin"]["password"])


def test_tls_verified_with_ca_and_refused_without(sandbox):
    instance = sandbox.info["servicenow"][0]
    assert sandbox.info["tls"] is True and os.path.isfile(sandbox.ca_file)
    response = requests.get(instance["url"] + "/api/now/table/sys_user", auth=_admin(instance), headers=JSON,
                            verify=sandbox.ca_file, timeout=10, params={"sysparm_limit": "1"})
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(instance["url"] + "/api/now/table/sys_user", auth=_admin(instance), headers=JSON, verify=True, timeout=10)
    # the server keeps serving after a refused handshake
    assert requests.get(sandbox.info["control_url"] + "/services", verify=sandbox.ca_file, timeout=10).status_code == 200


def test_restart_keeps_records_tokens_urls_and_ca(tmp_path):
    state = tmp_path / "restart"
    with start_sandbox(state, instances=2, extra_args=["--no-camunda", "--max-lifetime", "120"]) as first:
        instance = first.info["servicenow"][1]
        created = requests.post(instance["url"] + "/api/now/table/sys_properties", json={"name": "survives", "value": "1"},
                                auth=_admin(instance), headers=JSON, verify=first.ca_file, timeout=10)
        assert created.status_code == 201
        client = instance["oauth_client"]
        token = requests.post(instance["url"] + "/oauth_token.do", verify=first.ca_file, timeout=10, data={
            "grant_type": "password", "client_id": client["client_id"], "client_secret": client["client_secret"],
            "username": "admin", "password": _admin(instance)[1]}).json()["access_token"]
        with open(first.ca_file, "rb") as handle:
            ca_before = handle.read()
        before = first.info
    assert not (state / "sandbox.json").exists()  # removed on a clean stop
    with start_sandbox(state, instances=2, extra_args=["--no-camunda", "--max-lifetime", "120"]) as second:
        assert second.pid != before["pid"]
        assert [i["url"] for i in second.info["servicenow"]] == [i["url"] for i in before["servicenow"]]
        assert second.info["servicenow"] == before["servicenow"]  # same credentials
        with open(second.ca_file, "rb") as handle:
            assert handle.read() == ca_before
        instance = second.info["servicenow"][1]
        response = requests.get(instance["url"] + "/api/now/table/sys_properties", params={"sysparm_query": "name=survives"},
                                headers=dict(JSON, Authorization="Bearer " + token), verify=first.ca_file, timeout=10)
        assert response.status_code == 200
        assert response.json()["result"][0]["sys_id"] == created.json()["result"]["sys_id"]


def test_sigterm_and_max_lifetime(tmp_path):
    box = start_sandbox(tmp_path / "life", extra_args=["--no-camunda", "--max-lifetime", "1.5"])
    assert box.process.wait(10) == 0  # exits by itself
    assert not (tmp_path / "life" / "sandbox.json").exists()
    box.stop()
    box = start_sandbox(tmp_path / "term", extra_args=["--no-camunda"])
    box.process.terminate()
    assert box.process.wait(10) == 0
    box.stop()


def test_starts_with_camunda_wired(tmp_path):
    # How fast it starts is a benchmark figure (`make bench`), not a test: a loaded machine must not fail this.
    with start_sandbox(tmp_path / "fast", instances=3) as box:
        names = box.control("GET", "/services")
        assert names == sorted(["sn1", "sn2", "sn3", "camunda_login", "camunda_console", "camunda_cluster", "keycloak", "sm_cluster"])
        assert box.info["camunda"]["saas"]["token_url"].startswith("https://127.0.0.1:")
        assert len(set(box.info["services"].values())) == 8  # one port per service


def test_fifty_instances_answer(tmp_path):
    # Memory is a benchmark figure (`make bench` reports the sandbox's RSS), not a threshold here.
    with start_sandbox(tmp_path / "fifty", instances=50, extra_args=["--max-lifetime", "120"], timeout=30) as box:
        session = requests.Session()
        for instance in box.info["servicenow"]:
            response = session.get(instance["url"] + "/api/now/table/sys_properties", auth=_admin(instance), headers=JSON,
                                   verify=box.ca_file, timeout=10, params={"sysparm_limit": "1"})
            assert response.status_code == 200
        session.close()
        assert box.process.poll() is None


def test_load_twenty_clients_two_thousand_requests(sandbox):
    sandbox.control("POST", "/reset", json={"service": "sn2"})
    errors, counts = [], []
    lock = threading.Lock()

    def client(number):
        instance = sandbox.info["servicenow"][number % 2]
        session = requests.Session()
        done = 0
        try:
            for index in range(100):
                if index % 10 == 0:
                    response = session.post(instance["url"] + "/api/now/table/sys_properties", auth=_admin(instance),
                                            headers=JSON, json={"name": "load.%d.%d" % (number, index)}, verify=sandbox.ca_file,
                                            timeout=30)
                    ok = response.status_code == 201
                else:
                    response = session.get(instance["url"] + "/api/now/table/sys_properties", auth=_admin(instance),
                                           headers=JSON, params={"sysparm_limit": "5", "sysparm_query": "nameSTARTSWITHglide"},
                                           verify=sandbox.ca_file, timeout=30)
                    ok = response.status_code == 200 and len(response.json()["result"]) == 2
                if not ok:
                    with lock:
                        errors.append((response.status_code, response.text[:200]))
                done += 1
        except requests.RequestException as err:
            with lock:
                errors.append(repr(err))
        finally:
            session.close()
            with lock:
                counts.append(done)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert errors == []
    assert sum(counts) == 2000


def test_ctl_start_config_stop(tmp_path):
    state = tmp_path / "ctl"
    ctl = [sys.executable, os.path.join(HERE, "ctl.py")]
    out = subprocess.run(ctl + ["start", "--state-dir", str(state), "--tls", "--instances", "2", "--max-lifetime", "120"],
                         capture_output=True, text=True, timeout=60, check=True)
    info_path = out.stdout.strip()
    assert info_path == str(state / "sandbox.json")
    with open(info_path, encoding="utf-8") as handle:
        info = json.load(handle)
    try:
        assert len(info["servicenow"]) == 2
        config = tmp_path / "integration_config.yml"
        subprocess.run(ctl + ["integration-config", "--state-dir", str(state), "--out", str(config)], check=True, timeout=30,
                       capture_output=True)
        with open(config, encoding="utf-8") as handle:
            values = json.load(handle)
        sn = info["servicenow"][0]
        assert values["sn_host"] == sn["url"] and values["sn_username"] == "admin"
        assert values["sn_password"] == sn["users"]["admin"]["password"]
        assert values["sn_ca_path"] == info["ca_file"] and values["sandbox_control_url"] == info["control_url"]
        assert values["sn_oauth_admin_username"] == "oauth.admin"
        assert values["camunda_console_url"] == info["camunda"]["saas"]["console_url"]
        assert values["camunda_client_id"] == info["camunda"]["saas"]["organization_client"]["client_id"]
        assert len(values["sn_instances"]) == 2
    finally:
        subprocess.run(ctl + ["stop", "--state-dir", str(state)], check=True, timeout=30)
    deadline = time.monotonic() + 10
    while os.path.exists(info_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(info_path)
    with pytest.raises(OSError):
        os.kill(info["pid"], 0)
