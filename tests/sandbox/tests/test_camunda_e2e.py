"""Camunda emulation end to end: serve.py (through harness.start_sandbox) over TLS, clients verifying its CA."""

import json
import os
import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position


class Box:
    def __init__(self, state_dir, *extra):
        self.state_dir = state_dir
        self.sandbox = start_sandbox(state_dir, instances=1, tls=True, extra_args=list(extra))
        self.info = self.sandbox.info
        self.ca = self.info["ca_file"]
        self.saas = self.info["camunda"]["saas"]
        self.sm = self.info["camunda"]["self_managed"]

    def req(self, method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        return requests.request(method, url, verify=self.ca, **kwargs)

    def control(self, method, path, **kwargs):
        return self.req(method, self.info["control_url"] + path, **kwargs)

    def org_token(self, which="organization_client"):
        client = self.saas[which]
        for dummy in range(5):
            resp = self.req("POST", self.saas["token_url"], data={
                "grant_type": "client_credentials", "audience": "api.cloud.camunda.io",
                "client_id": client["client_id"], "client_secret": client["client_secret"]})
            if resp.status_code != 429:
                break
            time.sleep(float(resp.headers["Retry-After"]))
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def close(self):
        self.sandbox.stop()


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = Box(tmp_path_factory.mktemp("camunda-e2e"))
    yield sandbox
    sandbox.close()


def test_rate_limit_over_http_and_request_log(box):
    box.control("POST", "/services/camunda_login/flags", json={"token_rate_limit": True})
    org = box.saas["organization_client"]
    time.sleep(1.05)
    body = {"grant_type": "client_credentials", "audience": "api.cloud.camunda.io",
            "client_id": org["client_id"], "client_secret": org["client_secret"]}
    first = box.req("POST", box.saas["token_url"], json=body)
    second = box.req("POST", box.saas["token_url"], data=body)
    assert first.status_code == 200 and first.json()["expires_in"] == 86400
    assert second.status_code == 429 and second.headers["Retry-After"] == "1"
    time.sleep(1.05)
    third = box.req("POST", box.saas["token_url"], data=body)
    assert third.status_code == 200
    log = box.control("GET", "/log", params={"service": "camunda_login"}).json()
    assert [e["status"] for e in log[-3:]] == [200, 429, 200]
    assert {e["principal"] for e in log[-3:] if e["status"] == 200} == {org["client_id"]}
    assert org["client_secret"] not in json.dumps(log)


def test_console_client_then_topology_over_tls(box):
    box.control("POST", "/services/camunda_login/flags", json={"token_rate_limit": False})
    token = box.org_token()
    cluster, other = box.saas["clusters"][0]["id"], box.saas["clusters"][1]["id"]
    auth = {"Authorization": "Bearer " + token}
    created = box.req("POST", "%s/clusters/%s/clients" % (box.saas["console_url"], cluster), headers=auth,
                      json={"clientName": "e2e", "permissions": ["Zeebe"]})
    assert created.status_code == 200
    client = created.json()
    again = box.req("POST", "%s/clusters/%s/clients" % (box.saas["console_url"], cluster), headers=auth,
                    json={"clientName": "e2e"})
    assert (again.status_code, again.json()["message"]) == (400, "Client names must be unique")
    details = box.req("GET", "%s/clusters/%s/clients/%s" % (box.saas["console_url"], cluster, client["clientId"]),
                      headers=auth).json()
    assert details["ZEEBE_AUTHORIZATION_SERVER_URL"] == "https://login.cloud.camunda.io/oauth/token"  # as the real Console
    # The configured token service, never the Console's reported (public) URL: that is how the collection works too.
    zeebe = box.req("POST", box.saas["token_url"], data={
        "grant_type": "client_credentials", "audience": "zeebe.camunda.io",
        "client_id": client["clientId"], "client_secret": client["clientSecret"]}).json()["access_token"]
    topo = box.req("GET", "%s/%s/v2/topology" % (box.saas["cluster_rest_url"], cluster),
                   headers={"Authorization": "Bearer " + zeebe})
    assert topo.status_code == 200 and topo.json()["gatewayVersion"] == box.saas["clusters"][0]["version"]
    wrong = box.req("GET", "%s/%s/v2/topology" % (box.saas["cluster_rest_url"], other),
                    headers={"Authorization": "Bearer " + zeebe})
    assert wrong.status_code == 401 and wrong.headers["Content-Type"] == "application/problem+json"
    assert box.req("GET", "%s/%s/v2/status" % (box.saas["cluster_rest_url"], cluster)).status_code == 204
    limited = box.org_token("limited_organization_client")
    denied = box.req("GET", "%s/clusters/%s/secrets" % (box.saas["console_url"], cluster),
                     headers={"Authorization": "Bearer " + limited})
    assert denied.status_code == 403 and "Connector Secrets" in denied.json()["message"]


def test_runtime_flags_and_expire_tokens_through_control_plane(box):
    box.control("POST", "/services/camunda_login/flags", json={"token_rate_limit": False})
    token = box.org_token()
    cluster = box.saas["clusters"][0]["id"]
    auth = {"Authorization": "Bearer " + token}
    client = box.req("POST", "%s/clusters/%s/clients" % (box.saas["console_url"], cluster), headers=auth,
                     json={"clientName": "flagged"}).json()
    url = "%s/clusters/%s/clients/%s" % (box.saas["console_url"], cluster, client["clientId"])
    flags = box.control("POST", "/services/camunda_console/flags", json={"cluster_not_ready": True})
    assert flags.status_code == 200 and flags.json()["cluster_not_ready"] is True
    resp = box.req("GET", url, headers=auth)
    assert (resp.status_code, resp.json()["message"]) == (412, "The cluster is not ready; try again later")
    box.control("POST", "/services/camunda_console/flags", json={"cluster_not_ready": False})
    assert box.req("GET", url, headers=auth).status_code == 200
    bad = box.control("POST", "/services/camunda_console/flags", json={"no_such_flag": 1})
    assert bad.status_code == 400
    assert box.control("POST", "/expire-tokens", json={"service": "camunda_console"}).status_code == 200
    assert box.req("GET", url, headers=auth).status_code == 401


def test_self_managed_over_tls(box):
    admin = box.sm["admin"]
    admin_token = box.req("POST", box.sm["admin_token_url"], data={
        "grant_type": "password", "client_id": "admin-cli", "username": admin["username"],
        "password": admin["password"]}).json()["access_token"]
    auth = {"Authorization": "Bearer " + admin_token}
    clients_url = "%s/admin/realms/%s/clients" % (box.sm["keycloak_url"], box.sm["realm"])
    created = box.req("POST", clients_url, headers=auth, json={
        "clientId": "servicenow-e2e", "publicClient": False, "serviceAccountsEnabled": True})
    assert created.status_code == 201
    location = created.headers["Location"]
    assert location.startswith(clients_url + "/")
    assert box.req("POST", clients_url, headers=auth, json={"clientId": "servicenow-e2e"}).status_code == 409
    found = box.req("GET", clients_url, headers=auth, params={"clientId": "servicenow-e2e"}).json()
    assert [c["id"] for c in found] == [location.rsplit("/", 1)[1]]
    secret = box.req("GET", location + "/client-secret", headers=auth).json()
    assert secret["type"] == "secret"
    token = box.req("POST", box.sm["token_url"], data={
        "grant_type": "client_credentials", "client_id": "servicenow-e2e", "client_secret": secret["value"]})
    assert token.status_code == 200
    topo = box.req("GET", box.sm["cluster_rest_url"] + "/v2/topology",
                   headers={"Authorization": "Bearer " + token.json()["access_token"]})
    assert topo.status_code == 200 and topo.json()["gatewayVersion"] == box.sm["cluster_version"]
    assert box.req("GET", clients_url).status_code == 401


def test_restart_keeps_state(tmp_path):
    first = Box(tmp_path, "--no-camunda-token-rate-limit")
    try:
        token = first.org_token()
        cluster = first.saas["clusters"][0]["id"]
        auth = {"Authorization": "Bearer " + token}
        assert first.req("POST", "%s/clusters/%s/secrets" % (first.saas["console_url"], cluster), headers=auth,
                         json={"secretName": "snUser", "secretValue": "svc"}).status_code == 204
        assert first.req("POST", "%s/clusters/%s/clients" % (first.saas["console_url"], cluster), headers=auth,
                         json={"clientName": "kept"}).status_code == 200
    finally:
        first.close()
    second = Box(tmp_path, "--no-camunda-token-rate-limit")
    try:
        assert second.saas["clusters"] == first.saas["clusters"]
        auth = {"Authorization": "Bearer " + token}  # tokens survive a restart until they expire
        secrets = second.req("GET", "%s/clusters/%s/secrets" % (second.saas["console_url"], cluster), headers=auth)
        assert secrets.status_code == 200 and secrets.json() == {"snUser": "svc"}
        clients = second.req("GET", "%s/clusters/%s/clients" % (second.saas["console_url"], cluster), headers=auth)
        assert [c["name"] for c in clients.json()] == ["kept"]
    finally:
        second.close()
    assert not os.path.exists(tmp_path / "sandbox.json")


def test_server_header_is_per_service(box):
    """Only the ServiceNow ports say ``Server: ServiceNow``; a Camunda port never claims to be ServiceNow."""
    services = box.info["services"]
    sn = box.info["servicenow"][0]
    response = box.req("GET", sn["url"] + "/api/now/table/sys_user", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.headers["Server"] == "ServiceNow"
    for name in ("camunda_login", "camunda_console", "camunda_cluster", "keycloak", "sm_cluster"):
        response = box.req("GET", services[name] + "/no-such-path")
        assert "Server" not in response.headers, (name, response.headers.get("Server"))
        assert "Python" not in json.dumps(dict(response.headers))
