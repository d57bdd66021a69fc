# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ServiceNowClient against the sandbox ServiceNow instance over TLS (loopback only).

Starts ``tests/sandbox/serve.py`` (the command from ``harness.serve_command`` when the harness is there) in a child
that dies with the test process: ``ansible-test units`` runs each test in a fork that leaves with os._exit, so
fixture teardown alone would leave servers behind (``harness.start_sandbox`` does not guard against that). Also
stopped at teardown, and by itself after --max-lifetime. Skipped with a reason when the sandbox is not in the tree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import requests

from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

SANDBOX_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "sandbox"))
SERVE = os.path.join(SANDBOX_DIR, "serve.py")


def _die_with_parent():
    """In the child: get SIGTERM when the test process goes away (``ansible-test units`` runs tests in forked
    processes that leave with os._exit, skipping fixture teardown and atexit)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _command(state_dir):
    extra = ["--no-camunda", "--max-lifetime", "120"]
    try:
        import harness  # pylint: disable=import-outside-toplevel,import-error
        return harness.serve_command(state_dir, 1, True, extra)
    except (ImportError, AttributeError):
        return [sys.executable, SERVE, "--state-dir", state_dir, "--instances", "1", "--tls"] + extra


def _start_with_serve(state_dir):
    process = subprocess.Popen(_command(state_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=_die_with_parent)  # pylint: disable=subprocess-popen-preexec-fn
    atexit.register(_stop, process)
    info_file = os.path.join(state_dir, "sandbox.json")
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None:
        if os.path.exists(info_file):
            with open(info_file) as handle:
                return process, json.load(handle)
        time.sleep(0.2)
    process.kill()
    process.wait(10)
    pytest.skip("the sandbox (tests/sandbox/serve.py) did not start: %s" % process.stderr.read().decode()[-300:])
    return None, None


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def sandbox():
    if not os.path.exists(SERVE) and not os.path.exists(os.path.join(SANDBOX_DIR, "harness.py")):
        pytest.skip("the sandbox (tests/sandbox/harness.py or serve.py) is not in this tree")
    sys.path.insert(0, SANDBOX_DIR)
    try:
        with tempfile.TemporaryDirectory() as state_dir:
            process, info = _start_with_serve(state_dir)
            try:
                yield info
            finally:
                _stop(process)
                process.stderr.close()
    finally:
        sys.path.remove(SANDBOX_DIR)


def control(sandbox, method, path, body=None):
    response = requests.request(method, sandbox["control_url"] + path, json=body, verify=sandbox["ca_file"], timeout=10)
    assert response.status_code < 300, response.text
    return response.json() if response.text else None


@pytest.fixture
def sn(sandbox):
    control(sandbox, "DELETE", "/faults")
    control(sandbox, "DELETE", "/log")
    return sandbox["servicenow"][0]


def instance(sandbox, sn, **auth):
    out = dict(host=sn["url"], ca_path=sandbox["ca_file"], timeout=30)
    out.update(auth)
    return {"instance": out}


def service_log(sandbox):
    return [(e["method"], e["path"]) for e in control(sandbox, "GET", "/log") if not e.get("batch_item")]


ALIAS = dict(table="sys_alias", query={"id": "x_camun_camunda.Camunda"}, fields=["sys_id", "id", "name"], limit=5)
USERS = dict(table="sys_user", query={"user_name": "admin"}, fields=["sys_id", "user_name"], limit=5)


def test_basic_auth_over_tls(sandbox, sn):
    admin = sn["users"]["admin"]
    client = ServiceNowClient(instance(sandbox, sn, username=admin["username"], password=admin["password"]))
    rows = client.get_records("sys_user", {"user_name": admin["username"]}, ["sys_id", "user_name"], 5)
    assert [r["user_name"] for r in rows] == [admin["username"]]
    assert service_log(sandbox) == [("GET", "/api/now/table/sys_user")]


def test_wrong_password(sandbox, sn):
    client = ServiceNowClient(instance(sandbox, sn, username="admin", password="wrong-password"))
    with pytest.raises(TransportError) as err:
        client.get_records("sys_user", {"user_name": "admin"}, ["sys_id"], 5)
    assert err.value.status == 401
    assert "wrong-password" not in str(err.value)
    assert str(err.value).startswith("ServiceNow GET /api/now/table/sys_user on 127.0.0.1:")


def test_oauth_password_grant_one_token(sandbox, sn):
    admin = sn["users"]["admin"]
    client = ServiceNowClient(instance(sandbox, sn, username=admin["username"], password=admin["password"],
                                       client_id=sn["oauth_client"]["client_id"],
                                       client_secret=sn["oauth_client"]["client_secret"], grant_type="password"))
    client.get_records(**USERS)
    client.get_records(**USERS)
    assert service_log(sandbox) == [("POST", "/oauth_token.do"), ("GET", "/api/now/table/sys_user"),
                                    ("GET", "/api/now/table/sys_user")]


def test_api_key(sandbox, sn):
    client = ServiceNowClient(instance(sandbox, sn, api_key=sn["api_key"]))
    assert client.get_records(**USERS)[0]["user_name"] == "admin"


def test_batch_get_is_one_request(sandbox, sn):
    admin = sn["users"]["admin"]
    client = ServiceNowClient(instance(sandbox, sn, username=admin["username"], password=admin["password"]))
    alias_rows, user_rows = client.batch_get([ALIAS, USERS])
    assert [r["user_name"] for r in user_rows] == ["admin"]
    assert isinstance(alias_rows, list)
    assert service_log(sandbox) == [("POST", "/api/now/v1/batch")]
    assert client.batch_unavailable is False


def test_batch_forbidden_falls_back_once(sandbox, sn):
    control(sandbox, "POST", "/faults", {"service": sn["name"], "method": "POST", "path": "^/api/now/v1/batch$",
                                         "status": 403, "times": 0})
    admin = sn["users"]["admin"]
    client = ServiceNowClient(instance(sandbox, sn, username=admin["username"], password=admin["password"]))
    first = client.batch_get([ALIAS, USERS])
    second = client.batch_get([ALIAS, USERS])
    assert first == second and [r["user_name"] for r in first[1]] == ["admin"]
    assert client.batch_unavailable is True
    assert service_log(sandbox) == [("POST", "/api/now/v1/batch"), ("GET", "/api/now/table/sys_alias"),
                                    ("GET", "/api/now/table/sys_user"), ("GET", "/api/now/table/sys_alias"),
                                    ("GET", "/api/now/table/sys_user")]


def test_bad_certificate(sandbox, sn):
    client = ServiceNowClient({"instance": dict(host=sn["url"], username="admin", password="x", timeout=10)})
    with pytest.raises(TransportError) as err:
        client.get_records(**USERS)
    assert err.value.kind == "tls"
    assert "check validate_certs and ca_path" in str(err.value)
