"""Camunda 8 Self-Managed emulation (Keycloak with /auth, cluster REST), through handle() (camunda-api.md section 4)."""

import argparse
import base64
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import camunda  # noqa: E402  pylint: disable=wrong-import-position
from emulator.http import Headers, Request  # noqa: E402  pylint: disable=wrong-import-position

URLS = {name: "https://127.0.0.1:%d" % (43000 + i) for i, name in enumerate(camunda.SERVICE_NAMES)}
MASTER_TOKEN = "/auth/realms/master/protocol/openid-connect/token"
REALM_TOKEN = "/auth/realms/camunda-platform/protocol/openid-connect/token"
CLIENTS = "/auth/admin/realms/camunda-platform/clients"


class Clock:
    def __init__(self):
        self.now = 2_000_000.0

    def __call__(self):
        return self.now


class Sm:
    def __init__(self, state_dir, argv=()):
        parser = argparse.ArgumentParser()
        camunda.add_arguments(parser)
        self.services = camunda.build_services(state_dir, parser.parse_args(list(argv)))
        self.by_name = {s.name: s for s in self.services}
        self.info = camunda.describe(self.services, URLS)["self_managed"]
        self.state = self.by_name["keycloak"].state
        self.clock = Clock()
        self.state.clock = self.clock

    def call(self, service, method, path, body=None, form=None, token=None, headers=None, query=None):
        hdrs = Headers(headers or {})
        raw = b""
        if form is not None:
            raw = urlencode(form).encode()
            hdrs.setdefault("content-type", "application/x-www-form-urlencoded")
        elif body is not None:
            raw = json.dumps(body).encode()
            hdrs.setdefault("content-type", "application/json")
        if token:
            hdrs["Authorization"] = "Bearer " + token
        request = Request(method, path, query={k: [v] for k, v in (query or {}).items()}, headers=hdrs, body=raw)
        response = self.by_name[service].handle(request)
        return response, (json.loads(response.body) if response.body else None), request

    def admin_token(self):
        admin = self.info["admin"]
        response, payload, dummy = self.call("keycloak", "POST", MASTER_TOKEN, form={
            "grant_type": "password", "client_id": "admin-cli", "username": admin["username"], "password": admin["password"]})
        assert response.status == 200, payload
        return payload["access_token"]

    def create(self, client_id, **extra):
        rep = {"clientId": client_id, "publicClient": False, "serviceAccountsEnabled": True, "standardFlowEnabled": False}
        rep.update(extra)
        response, payload, dummy = self.call("keycloak", "POST", CLIENTS, body=rep, token=self.admin_token())
        assert response.status == 201, payload
        return response.headers["Location"].rsplit("/", 1)[1]

    def client_token(self, client_id, secret):
        return self.call("keycloak", "POST", REALM_TOKEN, form={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})


@pytest.fixture
def sm(tmp_path):
    return Sm(tmp_path)


def test_describe_self_managed(sm):
    assert sm.info["keycloak_url"] == URLS["keycloak"] + "/auth"
    assert sm.info["token_url"] == URLS["keycloak"] + REALM_TOKEN
    assert sm.info["admin_token_url"] == URLS["keycloak"] + MASTER_TOKEN
    assert sm.info["realm"] == "camunda-platform" and sm.info["audience"] == "orchestration-api"
    assert sm.info["cluster_rest_url"] == URLS["sm_cluster"]
    assert sm.info["admin"]["username"] == "admin" and len(sm.info["admin"]["password"]) >= 16


def test_admin_token(sm):
    admin = sm.info["admin"]
    response, payload, request = sm.call("keycloak", "POST", MASTER_TOKEN, form={
        "grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": admin["password"]})
    assert response.status == 200
    assert payload["expires_in"] == 60 and payload["token_type"] == "Bearer" and payload["refresh_token"]
    assert request.principal == "admin"


def test_admin_token_failures(sm):
    admin = sm.info["admin"]
    base = {"grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": admin["password"]}
    cases = [
        (dict(base, password="wrong"), 401, "invalid_grant", "Invalid user credentials"),
        (dict(base, username="ghost"), 401, "invalid_grant", "Invalid user credentials"),
        (dict(base, client_id="nope"), 401, "invalid_client", "Invalid client or Invalid client credentials"),
        ({k: v for k, v in base.items() if k != "grant_type"}, 400, "invalid_request", "Missing form parameter: grant_type"),
        (dict(base, grant_type="client_credentials"), 401, "unauthorized_client",
         "Public client not allowed to retrieve service account"),
        (dict(base, grant_type="magic"), 400, "unsupported_grant_type", "Unsupported grant_type"),
    ]
    for form, status, error, description in cases:
        response, payload, dummy = sm.call("keycloak", "POST", MASTER_TOKEN, form=form)
        assert (response.status, payload) == (status, {"error": error, "error_description": description}), form


def test_token_endpoint_is_form_only(sm):
    admin = sm.info["admin"]
    response, payload, dummy = sm.call("keycloak", "POST", MASTER_TOKEN, body={
        "grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": admin["password"]})
    assert response.status == 400 and payload["error_description"] == "Missing form parameter: grant_type"
    response, payload, dummy = sm.call("keycloak", "POST", "/auth/realms/nope/protocol/openid-connect/token", form={})
    assert (response.status, payload) == (404, {"error": "Realm does not exist"})
    assert sm.call("keycloak", "GET", MASTER_TOKEN)[0].status == 405


def test_admin_api_needs_master_admin_token(sm):
    response, payload, dummy = sm.call("keycloak", "GET", CLIENTS)
    assert (response.status, payload) == (401, {"error": "HTTP 401 Unauthorized"})
    assert sm.call("keycloak", "GET", CLIENTS, token="junk")[0].status == 401
    realm_token = sm.client_token(sm.info["orchestration_client"]["client_id"],
                                  sm.info["orchestration_client"]["client_secret"])[1]["access_token"]
    assert sm.call("keycloak", "GET", CLIENTS, token=realm_token)[0].status == 401
    token = sm.admin_token()
    sm.clock.now += 61
    assert sm.call("keycloak", "GET", CLIENTS, token=token)[0].status == 401


def test_admin_unknown_realm(sm):
    response, payload, dummy = sm.call("keycloak", "GET", "/auth/admin/realms/nope/clients", token=sm.admin_token())
    assert (response.status, payload) == (404, {"error": "Realm not found."})


def test_client_lifecycle(sm):
    token = sm.admin_token()
    response, payload, request = sm.call("keycloak", "POST", CLIENTS, token=token, body={
        "clientId": "servicenow", "publicClient": False, "serviceAccountsEnabled": True, "standardFlowEnabled": False})
    assert response.status == 201 and payload is None
    assert request.principal == "admin"
    location = response.headers["Location"]
    assert location.startswith(URLS["keycloak"] + CLIENTS + "/")
    uid = location.rsplit("/", 1)[1]
    response, listing, dummy = sm.call("keycloak", "GET", CLIENTS, token=token, query={"clientId": "servicenow"})
    assert response.status == 200 and [c["id"] for c in listing] == [uid]
    assert sm.call("keycloak", "GET", CLIENTS, token=token, query={"clientId": "servicenowX"})[1] == []
    assert sm.call("keycloak", "GET", CLIENTS, token=token, query={"clientId": "service"})[1] == []
    found = sm.call("keycloak", "GET", CLIENTS, token=token, query={"clientId": "service", "search": "true"})[1]
    assert [c["clientId"] for c in found] == ["servicenow"]
    response, rep, dummy = sm.call("keycloak", "GET", CLIENTS + "/" + uid, token=token)
    assert response.status == 200
    assert rep["clientId"] == "servicenow" and rep["serviceAccountsEnabled"] is True and rep["enabled"] is True
    assert rep["protocol"] == "openid-connect" and rep["clientAuthenticatorType"] == "client-secret"
    response, secret, dummy = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)
    assert response.status == 200 and secret["type"] == "secret" and secret["value"] == rep["secret"]
    response, dummy, dummy = sm.call("keycloak", "PUT", CLIENTS + "/" + uid, token=token, body={"description": "ServiceNow"})
    assert response.status == 204
    assert sm.call("keycloak", "GET", CLIENTS + "/" + uid, token=token)[1]["description"] == "ServiceNow"
    response, dummy, dummy = sm.call("keycloak", "DELETE", CLIENTS + "/" + uid, token=token)
    assert response.status == 204
    response, payload, dummy = sm.call("keycloak", "GET", CLIENTS + "/" + uid, token=token)
    assert (response.status, payload) == (404, {"error": "Could not find client"})
    assert sm.call("keycloak", "DELETE", CLIENTS + "/" + uid, token=token)[0].status == 404


def test_create_client_errors(sm):
    token = sm.admin_token()
    sm.create("dup")
    response, payload, dummy = sm.call("keycloak", "POST", CLIENTS, token=token, body={"clientId": "dup"})
    assert (response.status, payload) == (409, {"errorMessage": "Client dup already exists"})
    response, payload, dummy = sm.call("keycloak", "POST", CLIENTS, token=token, body={"clientId": "x", "bogus": 1})
    assert response.status == 400 and payload["error_description"] == 'Unrecognized field "bogus"'
    assert sm.call("keycloak", "POST", CLIENTS, token=token, body={"name": "no id"})[0].status == 400
    response = sm.by_name["keycloak"].handle(Request("POST", CLIENTS, headers=Headers({
        "Authorization": "Bearer " + token, "Content-Type": "text/plain"}), body=b"{}"))
    assert response.status == 415
    uid = sm.create("other")
    response, dummy, dummy = sm.call("keycloak", "PUT", CLIENTS + "/" + uid, token=token, body={"clientId": "dup"})
    assert response.status == 409


def test_given_secret_is_kept_and_regenerate(sm):
    token = sm.admin_token()
    uid = sm.create("given", secret="s3cret-given-value")
    path = CLIENTS + "/" + uid + "/client-secret"
    assert sm.call("keycloak", "GET", path, token=token)[1] == {"type": "secret", "value": "s3cret-given-value"}
    assert sm.client_token("given", "s3cret-given-value")[0].status == 200
    response, payload, dummy = sm.call("keycloak", "POST", path, token=token)
    assert response.status == 200 and payload["type"] == "secret"
    assert payload["value"] != "s3cret-given-value" and len(payload["value"]) == 32
    assert sm.call("keycloak", "GET", path, token=token)[1]["value"] == payload["value"]
    assert sm.client_token("given", "s3cret-given-value")[0].status == 401
    assert sm.client_token("given", payload["value"])[0].status == 200


def test_realm_client_credentials_token(sm):
    orch = sm.info["orchestration_client"]
    response, payload, request = sm.client_token(orch["client_id"], orch["client_secret"])
    assert response.status == 200
    assert payload["expires_in"] == 300 and payload["refresh_expires_in"] == 0 and payload["token_type"] == "Bearer"
    assert request.principal == "orchestration"
    basic = base64.b64encode(("%s:%s" % (orch["client_id"], orch["client_secret"])).encode()).decode()
    response, dummy, dummy = sm.call("keycloak", "POST", REALM_TOKEN, form={"grant_type": "client_credentials"},
                                     headers={"Authorization": "Basic " + basic})
    assert response.status == 200


def test_realm_token_failures(sm):
    orch = sm.info["orchestration_client"]
    response, payload, dummy = sm.client_token(orch["client_id"], "wrong")
    assert response.status == 401 and payload["error_description"] == "Invalid client or Invalid client credentials"
    assert sm.client_token("ghost", "x")[0].status == 401
    token = sm.admin_token()
    uid = sm.create("no-sa", serviceAccountsEnabled=False)
    secret = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)[1]["value"]
    response, payload, dummy = sm.client_token("no-sa", secret)
    assert (response.status, payload["error_description"]) == (401, "Client not enabled to retrieve service account")
    uid = sm.create("off", enabled=False)
    secret = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)[1]["value"]
    assert sm.client_token("off", secret)[0].status == 401


def test_sm_topology_accepts_realm_tokens_only(sm):
    orch = sm.info["orchestration_client"]
    token = sm.client_token(orch["client_id"], orch["client_secret"])[1]["access_token"]
    response, payload, request = sm.call("sm_cluster", "GET", "/v2/topology", token=token)
    assert response.status == 200 and payload["gatewayVersion"] == "8.8.0" and payload["clusterSize"] == 3
    assert request.principal == "orchestration"
    for bad in (None, "junk", sm.admin_token()):
        response, payload, dummy = sm.call("sm_cluster", "GET", "/v2/topology", token=bad)
        assert response.status == 401 and payload["title"] == "Unauthorized"
        assert response.headers["Content-Type"] == "application/problem+json"
    sm.clock.now += 301
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=token)[0].status == 401
    response, dummy, dummy = sm.call("sm_cluster", "GET", "/v2/status")
    assert response.status == 204
    sm.state.set_flags({"sm_cluster_ready": False})
    assert sm.call("sm_cluster", "GET", "/v2/status")[0].status == 503


def test_sm_new_client_and_delete_revokes(sm):
    token = sm.admin_token()
    uid = sm.create("servicenow")
    secret = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)[1]["value"]
    client_token = sm.client_token("servicenow", secret)[1]["access_token"]
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=client_token)[0].status == 200
    sm.call("keycloak", "DELETE", CLIENTS + "/" + uid, token=token)
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=client_token)[0].status == 401


def test_audience_mapper_flag(tmp_path):
    sm = Sm(tmp_path, argv=("--camunda-keycloak-audience-mapper-required",))
    token = sm.admin_token()
    uid = sm.create("plain")
    secret = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)[1]["value"]
    plain = sm.client_token("plain", secret)[1]["access_token"]
    response, payload, dummy = sm.call("sm_cluster", "GET", "/v2/topology", token=plain)
    assert response.status == 401 and "orchestration-api" in payload["detail"]
    mapper = {"name": "aud", "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
              "config": {"included.custom.audience": "orchestration-api", "access.token.claim": "true"}}
    uid = sm.create("mapped", protocolMappers=[mapper])
    secret = sm.call("keycloak", "GET", CLIENTS + "/" + uid + "/client-secret", token=token)[1]["value"]
    mapped = sm.client_token("mapped", secret)[1]["access_token"]
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=mapped)[0].status == 200


def test_sm_cluster_version_flag(tmp_path):
    sm = Sm(tmp_path, argv=("--camunda-sm-cluster-version", "8.9.2"))
    orch = sm.info["orchestration_client"]
    token = sm.client_token(orch["client_id"], orch["client_secret"])[1]["access_token"]
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=token)[1]["gatewayVersion"] == "8.9.2"
    sm.by_name["sm_cluster"].set_flags({"sm_cluster_version": "8.5.3"})
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=token)[0].status == 404
    assert sm.call("sm_cluster", "GET", "/v1/topology", token=token)[1]["gatewayVersion"] == "8.5.3"
    with pytest.raises(ValueError):
        sm.state.set_flags({"unknown": 1})


def test_sm_persistence_and_reset(tmp_path):
    first = Sm(tmp_path)
    uid = first.create("kept", secret="kept-secret-value")
    token = first.admin_token()
    second = Sm(tmp_path)
    second.clock.now = first.clock.now
    assert second.info == first.info
    rep = second.call("keycloak", "GET", CLIENTS + "/" + uid, token=token)[1]
    assert rep["clientId"] == "kept" and rep["secret"] == "kept-secret-value"
    second.by_name["sm_cluster"].reset()
    assert second.call("keycloak", "GET", CLIENTS, token=token)[0].status == 401
    listing = second.call("keycloak", "GET", CLIENTS, token=second.admin_token())[1]
    assert [c["clientId"] for c in listing] == ["orchestration"]
    assert "kept-secret-value" not in json.dumps(second.by_name["keycloak"].snapshot())
    assert second.info["admin"]["password"] not in json.dumps(second.by_name["keycloak"].snapshot())


def test_expire_tokens(sm):
    token = sm.admin_token()
    sm.by_name["keycloak"].expire_tokens()
    assert sm.call("keycloak", "GET", CLIENTS, token=token)[0].status == 401


def test_keycloak_tokens_are_signed_jwts_with_keycloak_claims(sm):
    from emulator import jwt_tokens  # pylint: disable=import-outside-toplevel
    orchestration = sm.info["orchestration_client"]
    response, payload, dummy = sm.client_token(orchestration["client_id"], orchestration["client_secret"])
    assert response.status == 200
    header, claims = jwt_tokens.decode_unverified(payload["access_token"])
    assert header["alg"] == "RS256"
    assert claims["iss"] == URLS["keycloak"] + "/auth/realms/camunda-platform"
    assert claims["aud"] == "orchestration-api" and claims["azp"] == "orchestration"
    assert claims["client_id"] == "orchestration"  # the claim the Orchestration Cluster reads by default
    assert claims["preferred_username"] == "service-account-orchestration"
    assert claims["exp"] - claims["iat"] == 300 and claims["typ"] == "Bearer"
    response, jwks, dummy = sm.call("keycloak", "GET", "/auth/realms/camunda-platform/protocol/openid-connect/certs")
    assert response.status == 200 and jwks["keys"][0]["kid"] == header["kid"]
    admin_claims = jwt_tokens.decode_unverified(sm.admin_token())[1]
    assert admin_claims["iss"].endswith("/auth/realms/master") and "client_id" not in admin_claims


def test_sm_cluster_verifies_keycloak_jwts(sm):
    orchestration = sm.info["orchestration_client"]
    token = sm.client_token(orchestration["client_id"], orchestration["client_secret"])[1]["access_token"]
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=token)[0].status == 200
    head, body, signature = token.split(".")
    tampered = "%s.%s.%s" % (head, body, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB"))
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=tampered)[0].status == 401
    # An admin (master realm) token is refused by the cluster: wrong issuer.
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=sm.admin_token())[0].status == 401
    sm.clock.now += 301
    assert sm.call("sm_cluster", "GET", "/v2/topology", token=token)[0].status == 401
