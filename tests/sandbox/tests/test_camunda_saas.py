"""Camunda 8 SaaS emulation, called through handle() (camunda-api.md sections 2 and 3)."""

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import camunda, jwt_tokens  # noqa: E402  pylint: disable=wrong-import-position
from emulator.http import Headers, Request  # noqa: E402  pylint: disable=wrong-import-position

URLS = {name: "https://127.0.0.1:%d" % (42000 + i) for i, name in enumerate(camunda.SERVICE_NAMES)}


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def parse(argv=()):
    parser = argparse.ArgumentParser()
    camunda.add_arguments(parser)
    return parser.parse_args(list(argv))


class Saas:
    """The five services over one state dir, with a controllable clock."""

    def __init__(self, state_dir, argv=("--no-camunda-token-rate-limit",)):
        self.state_dir = state_dir
        self.services = camunda.build_services(state_dir, parse(argv))
        self.by_name = {s.name: s for s in self.services}
        self.info = camunda.describe(self.services, URLS)["saas"]
        self.clock = Clock()
        state = self.by_name["camunda_login"].state
        state.clock = self.clock
        state.monotonic = self.clock
        self.state = state

    def call(self, service, method, path, body=None, form=None, token=None, headers=None, query=None, address="127.0.0.1"):
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
        request = Request(method, path, query=query or {}, headers=hdrs, body=raw, client_address=address)
        response = self.by_name[service].handle(request)
        payload = None
        if response.body:
            payload = json.loads(response.body)
        return response, payload, request

    def token(self, client_id, secret, audience, json_body=False, address="127.0.0.1"):
        fields = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
                  "audience": audience}
        if json_body:
            return self.call("camunda_login", "POST", "/oauth/token", body=fields, address=address)
        return self.call("camunda_login", "POST", "/oauth/token", form=fields, address=address)

    def org_token(self, which="organization_client"):
        client = self.info[which]
        response, payload, dummy = self.token(client["client_id"], client["client_secret"], "api.cloud.camunda.io")
        assert response.status == 200, payload
        return payload["access_token"]

    def cluster(self, index=0):
        return self.info["clusters"][index]["id"]

    def create_client(self, name="sn-client", permissions=None, cluster_index=0):
        body = {"clientName": name}
        if permissions is not None:
            body["permissions"] = permissions
        response, payload, dummy = self.call("camunda_console", "POST", "/clusters/%s/clients" % self.cluster(cluster_index),
                                             body=body, token=self.org_token())
        assert response.status == 200, payload
        return payload


@pytest.fixture
def saas(tmp_path):
    return Saas(tmp_path)


# ------------------------------------------------------------------------------------------------ token service
def test_token_form_body(saas):
    org = saas.info["organization_client"]
    response, payload, request = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert response.status == 200
    assert set(payload) == {"access_token", "token_type", "expires_in", "scope"}
    assert payload["token_type"] == "Bearer"
    assert payload["expires_in"] == 86400
    assert payload["scope"].split() == org["scopes"]
    assert request.principal == org["client_id"]
    assert response.headers["Cache-Control"] == "no-store"


def basic_token_request(saas):
    import base64  # pylint: disable=import-outside-toplevel
    org = saas.info["organization_client"]
    basic = base64.b64encode(("%s:%s" % (org["client_id"], org["client_secret"])).encode()).decode()
    return saas.call("camunda_login", "POST", "/oauth/token", headers={"Authorization": "Basic " + basic},
                     form={"grant_type": "client_credentials", "audience": "api.cloud.camunda.io"})


def test_token_json_body_and_no_basic_auth_by_default(saas):
    org = saas.info["organization_client"]
    response, payload, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io", json_body=True)
    assert response.status == 200 and payload["access_token"]
    response, payload, dummy = basic_token_request(saas)
    assert (response.status, payload) == (401, {"error": "access_denied", "error_description": "Unauthorized"})


def test_token_basic_auth_flag(tmp_path):
    saas = Saas(tmp_path, argv=("--no-camunda-token-rate-limit", "--camunda-token-basic-auth"))
    response, payload, dummy = basic_token_request(saas)
    assert response.status == 200 and payload["access_token"]
    saas.state.set_flags({"token_basic_auth": False})
    assert basic_token_request(saas)[0].status == 401


def test_tokens_are_signed_jwts_with_the_documented_claims(saas):
    org = saas.info["organization_client"]
    first, second = saas.org_token(), saas.org_token()
    assert first != second
    assert org["client_secret"] not in first
    header, claims = jwt_tokens.decode_unverified(first)
    assert header["alg"] == "RS256" and header["typ"] == "JWT" and header["kid"]
    assert claims["iss"] == URLS["camunda_login"] + "/"
    assert claims["aud"] == "api.cloud.camunda.io"
    assert claims["azp"] == org["client_id"] and claims["sub"] == org["client_id"] + "@clients"
    assert claims["exp"] - claims["iat"] == 86400 and claims["iat"] == int(saas.clock.now)
    assert claims["scope"].split() == org["scopes"]
    assert claims["gty"] == "client-credentials"
    # The signature verifies with the published key (what a resource server does).
    response, jwks, dummy = saas.call("camunda_login", "GET", "/.well-known/jwks.json")
    assert response.status == 200 and jwks["keys"][0]["kid"] == header["kid"]
    assert saas.state.signer.verify(first, saas.state.data["token_generation"], saas.clock.now)["azp"] == org["client_id"]


def test_console_validates_signature_issuer_and_expiry(saas):
    token = saas.org_token()
    header, claims = jwt_tokens.decode_unverified(token)
    head, body, signature = token.split(".")
    forged_claims = dict(claims, scope=claims["scope"] + " Extra")
    forged = "%s.%s.%s" % (head, jwt_tokens.b64url(json.dumps(forged_claims).encode()), signature)
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters", token=forged)
    assert response.status == 401 and "signature is invalid" in payload["message"]
    other = jwt_tokens.Signer(saas.state_dir / "other", "x") if (saas.state_dir / "other").mkdir() is None else None
    foreign = other.sign(claims, saas.state.data["token_generation"])
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters", token=foreign)
    assert response.status == 401 and "unknown or retired key" in payload["message"]
    wrong_issuer = saas.state.signer.sign(dict(claims, iss="https://elsewhere/"), saas.state.data["token_generation"])
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters", token=wrong_issuer)
    assert response.status == 401 and "issued by https://elsewhere/" in payload["message"]
    assert saas.call("camunda_console", "GET", "/clusters", token="not-a-jwt")[0].status == 401
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 200
    saas.clock.now += 86400
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters", token=token)
    assert response.status == 401 and "expired" in payload["message"]


@pytest.mark.parametrize("secret_ok,client_ok", [(False, True), (True, False), (False, False)])
def test_token_bad_credentials_401(saas, secret_ok, client_ok):
    org = saas.info["organization_client"]
    client_id = org["client_id"] if client_ok else "nobody"
    secret = org["client_secret"] if secret_ok else "wrong"
    response, payload, dummy = saas.token(client_id, secret, "api.cloud.camunda.io")
    assert response.status == 401
    assert payload == {"error": "access_denied", "error_description": "Unauthorized"}


def test_token_missing_credentials_401(saas):
    response, payload, dummy = saas.call("camunda_login", "POST", "/oauth/token",
                                         form={"grant_type": "client_credentials", "audience": "api.cloud.camunda.io"})
    assert response.status == 401 and payload["error"] == "access_denied"


def test_token_grant_types(saas):
    org = saas.info["organization_client"]
    base = {"client_id": org["client_id"], "client_secret": org["client_secret"], "audience": "api.cloud.camunda.io"}
    response, payload, dummy = saas.call("camunda_login", "POST", "/oauth/token", form=dict(base, grant_type="password"))
    assert (response.status, payload["error"]) == (403, "unauthorized_client")
    response, payload, dummy = saas.call("camunda_login", "POST", "/oauth/token", form=dict(base, grant_type="magic"))
    assert (response.status, payload["error"]) == (400, "unsupported_grant_type")
    response, payload, dummy = saas.call("camunda_login", "POST", "/oauth/token", form=base)
    assert (response.status, payload["error"]) == (400, "invalid_request")
    assert payload["error_description"] == "Missing required parameter: grant_type"


def test_token_content_types(saas):
    org = saas.info["organization_client"]
    body = urlencode({"grant_type": "client_credentials", "client_id": org["client_id"],
                      "client_secret": org["client_secret"], "audience": "api.cloud.camunda.io"}).encode()
    for ctype in (None, "text/plain"):
        headers = Headers({"Content-Type": ctype} if ctype else {})
        response = saas.by_name["camunda_login"].handle(Request("POST", "/oauth/token", headers=headers, body=body))
        assert response.status == 400
        assert json.loads(response.body)["error"] == "invalid_request"
    headers = Headers({"Content-Type": "application/json"})
    response = saas.by_name["camunda_login"].handle(Request("POST", "/oauth/token", headers=headers, body=b"{nope"))
    assert response.status == 400
    response = saas.by_name["camunda_login"].handle(Request("GET", "/oauth/token"))
    assert response.status == 405
    response = saas.by_name["camunda_login"].handle(Request("POST", "/oauth/other"))
    assert response.status == 404


def test_token_missing_audience_403(saas):
    org = saas.info["organization_client"]
    response, payload, dummy = saas.call("camunda_login", "POST", "/oauth/token", form={
        "grant_type": "client_credentials", "client_id": org["client_id"], "client_secret": org["client_secret"]})
    assert response.status == 403 and payload["error"] == "access_denied"
    assert payload["error_description"] == ("No audience parameter was provided, and no default audience has been "
                                            "configured")


def test_org_client_cannot_get_cluster_audience_403(saas):
    org = saas.info["organization_client"]
    response, payload, dummy = saas.token(org["client_id"], org["client_secret"], "zeebe.camunda.io")
    assert response.status == 403
    assert payload == {"error": "access_denied", "error_description": 'Client "%s" is not authorized to access '
                       '"zeebe.camunda.io". You need to create a client-grant associated to this API.' % org["client_id"]}


def test_cluster_client_audiences(saas):
    created = saas.create_client(permissions=["Zeebe"])
    response, payload, request = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")
    assert response.status == 200 and payload["expires_in"] == 86400 and payload["scope"] == "Zeebe"
    assert request.principal == created["clientId"]
    response, payload, dummy = saas.token(created["clientId"], created["clientSecret"], "api.cloud.camunda.io")
    assert response.status == 403 and payload["error"] == "access_denied"
    response, payload, dummy = saas.token(created["clientId"], created["clientSecret"], "operate.camunda.io")
    assert response.status == 403
    response, payload, dummy = saas.token(created["clientId"], "wrong", "zeebe.camunda.io")
    assert response.status == 401


def test_cluster_client_without_zeebe_permission_gets_no_zeebe_token(saas):
    created = saas.create_client(permissions=["Secrets"])
    response, dummy, dummy = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")
    assert response.status == 403
    response, dummy, dummy = saas.token(created["clientId"], created["clientSecret"], "secrets.camunda.io")
    assert response.status == 200


def test_rate_limit_429_with_retry_after(tmp_path):
    saas = Saas(tmp_path, argv=())
    org = saas.info["organization_client"]
    first, dummy, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert first.status == 200
    saas.clock.now += 0.3
    limited, payload, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "1"
    assert payload["error"] == "too_many_requests"
    # Another address is not limited.
    other, dummy, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io", address="127.0.0.2")
    assert other.status == 200
    # Waiting Retry-After after the refused request is enough.
    saas.clock.now += 1.0
    again, dummy, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert again.status == 200


def test_rate_limit_counts_failed_requests(tmp_path):
    saas = Saas(tmp_path, argv=())
    org = saas.info["organization_client"]
    failed, dummy, dummy = saas.token(org["client_id"], "wrong", "api.cloud.camunda.io")
    assert failed.status == 401
    saas.clock.now += 0.5
    response, dummy, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert response.status == 429


def test_rate_limit_runtime_toggle_and_interval(tmp_path):
    saas = Saas(tmp_path, argv=())
    org = saas.info["organization_client"]
    flags = saas.by_name["camunda_login"].set_flags({"token_rate_limit": False})
    assert flags["token_rate_limit"] is False
    for dummy in range(3):
        assert saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")[0].status == 200
    saas.by_name["camunda_console"].set_flags({"token_rate_limit": True, "token_rate_interval": 5})
    saas.clock.now += 2
    response, dummy, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert response.status == 429 and response.headers["Retry-After"] == "3"


def test_rate_limit_off_by_flag(tmp_path):
    saas = Saas(tmp_path, argv=("--no-camunda-token-rate-limit",))
    org = saas.info["organization_client"]
    statuses = [saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")[0].status for dummy in range(3)]
    assert statuses == [200, 200, 200]


def test_token_lifetime_flag_and_expiry(tmp_path):
    saas = Saas(tmp_path, argv=("--no-camunda-token-rate-limit", "--camunda-token-lifetime", "60"))
    org = saas.info["organization_client"]
    response, payload, dummy = saas.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
    assert payload["expires_in"] == 60
    token = payload["access_token"]
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 200
    saas.clock.now += 61
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 401
    assert response.status == 200


def test_expire_tokens_invalidates_all(saas):
    token = saas.org_token()
    created = saas.create_client(permissions=["Zeebe"])
    cluster_token = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[1]["access_token"]
    saas.by_name["camunda_cluster"].expire_tokens()
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 401
    path = "/%s/v2/topology" % saas.cluster()
    assert saas.call("camunda_cluster", "GET", path, token=cluster_token)[0].status == 401


# --------------------------------------------------------------------------------------------------- Console API
def test_console_requires_bearer(saas):
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters")
    assert response.status == 401 and payload["statusCode"] == 401
    assert "WWW-Authenticate" in response.headers
    response, dummy, dummy = saas.call("camunda_console", "GET", "/clusters", token="not-a-token")
    assert response.status == 401


def test_console_rejects_cluster_audience(saas):
    created = saas.create_client(permissions=["Zeebe"])
    token = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[1]["access_token"]
    response, payload, request = saas.call("camunda_console", "GET", "/clusters", token=token)
    assert response.status == 401
    assert "api.cloud.camunda.io" in payload["message"]
    assert request.principal == created["clientId"]


def test_list_and_get_clusters(saas):
    token = saas.org_token()
    response, payload, request = saas.call("camunda_console", "GET", "/clusters", token=token)
    assert response.status == 200
    assert request.principal == saas.info["organization_client"]["client_id"]
    assert [c["uuid"] for c in payload] == [c["id"] for c in saas.info["clusters"]]
    response, cluster, dummy = saas.call("camunda_console", "GET", "/clusters/" + saas.cluster(), token=token)
    assert response.status == 200
    assert cluster["name"] == "sandbox-1"
    assert cluster["region"]["name"] == "Belgium, Europe (europe-west1)"
    assert cluster["links"]["zeebe"] == "%s.bru-2.zeebe.camunda.io" % saas.cluster()
    assert cluster["status"]["ready"] == "Healthy"
    assert cluster["generation"]["name"] == "Camunda 8.8.0"


def test_unknown_cluster_404(saas):
    token = saas.org_token()
    for path in ("/clusters/nope", "/clusters/nope/clients", "/clusters/nope/secrets"):
        response, payload, dummy = saas.call("camunda_console", "GET", path, token=token)
        assert response.status == 404
        assert payload["message"] == "Cluster not found"


def test_limited_client_403_names_scope(saas):
    token = saas.org_token("limited_organization_client")
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 200
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters/%s/clients" % saas.cluster(), token=token)
    assert response.status == 403
    assert '"Zeebe Client" scope' in payload["message"]
    response, payload, dummy = saas.call("camunda_console", "POST", "/clusters/%s/secrets" % saas.cluster(), token=token,
                                         body={"secretName": "a", "secretValue": "b"})
    assert response.status == 403
    assert '"Connector Secrets" scope' in payload["message"]


def test_create_client_secret_shown_once(saas):
    created = saas.create_client(name="servicenow", permissions=["Zeebe", "Operate"])
    assert set(created) == {"uuid", "clientId", "clientSecret", "name", "permissions", "links"}
    assert created["name"] == "servicenow" and created["permissions"] == ["Zeebe", "Operate"]
    assert created["links"]["oauth"] == "https://login.cloud.camunda.io/oauth/token"
    token = saas.org_token()
    path = "/clusters/%s/clients" % saas.cluster()
    listing = saas.call("camunda_console", "GET", path, token=token)[1]
    assert listing == [{"clientId": created["clientId"], "name": "servicenow", "permissions": ["Zeebe", "Operate"]}]
    response, details, dummy = saas.call("camunda_console", "GET", path + "/" + created["clientId"], token=token)
    assert response.status == 200
    assert details == {
        "name": "servicenow",
        "ZEEBE_ADDRESS": "%s.bru-2.zeebe.camunda.io:443" % saas.cluster(),
        "ZEEBE_CLIENT_ID": created["clientId"],
        "ZEEBE_AUTHORIZATION_SERVER_URL": "https://login.cloud.camunda.io/oauth/token",
    }
    for resp in (listing, details, saas.by_name["camunda_console"].snapshot()):
        assert created["clientSecret"] not in json.dumps(resp)


def test_console_reports_the_real_token_url_unless_flagged(tmp_path):
    saas = Saas(tmp_path, argv=("--no-camunda-token-rate-limit", "--camunda-console-sandbox-token-url"))
    created = saas.create_client(name="servicenow", permissions=["Zeebe"])
    assert created["links"]["oauth"] == URLS["camunda_login"] + "/oauth/token"
    details = saas.call("camunda_console", "GET", "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"]),
                        token=saas.org_token())[1]
    assert details["ZEEBE_AUTHORIZATION_SERVER_URL"] == URLS["camunda_login"] + "/oauth/token"
    saas.state.set_flags({"console_reports_real_token_url": True})
    details = saas.call("camunda_console", "GET", "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"]),
                        token=saas.org_token())[1]
    assert details["ZEEBE_AUTHORIZATION_SERVER_URL"] == "https://login.cloud.camunda.io/oauth/token"
    # Whatever the Console reports, the tokens come from (and are issued by) the sandbox's token service.
    assert saas.info["token_url"] == URLS["camunda_login"] + "/oauth/token"


def test_create_client_default_permissions_all(saas):
    assert saas.create_client(name="all")["permissions"] == ["Zeebe", "Operate", "Tasklist", "Optimize", "Secrets"]


def test_empty_permissions_refused_unless_flagged(saas):
    path = "/clusters/%s/clients" % saas.cluster()
    response, payload, dummy = saas.call("camunda_console", "POST", path, token=saas.org_token(),
                                         body={"clientName": "empty", "permissions": []})
    assert (response.status, payload["message"]) == (
        400, "permissions must not be empty; omit it to create the client with all permissions")
    saas.state.set_flags({"empty_permissions_mean_all": True})
    assert saas.create_client(name="empty", permissions=[])["permissions"] == [
        "Zeebe", "Operate", "Tasklist", "Optimize", "Secrets"]


@pytest.mark.parametrize("name", ["", " leading-space", "a" * 51, "semi;colon", "sl/ash", "\u00e9t\u00e9"])
def test_client_name_validation_both_branches(saas, name):
    path = "/clusters/%s/clients" % saas.cluster()
    response, payload, dummy = saas.call("camunda_console", "POST", path, token=saas.org_token(),
                                         body={"clientName": name, "permissions": ["Zeebe"]})
    assert response.status == 400
    saas.state.set_flags({"client_name_validation": False})
    if name.strip():
        assert saas.create_client(name=name, permissions=["Zeebe"])["name"] == name
    else:  # an empty name is refused whatever the flag says (clientName is required)
        assert saas.call("camunda_console", "POST", path, token=saas.org_token(),
                         body={"clientName": name})[0].status == 400


def test_client_name_validation_accepts_the_collections_names(saas):
    for name in ("servicenow-sn1-g1", "ServiceNow sn1.g2", "a" * 50, "x_y"):
        assert saas.create_client(name=name, permissions=["Zeebe"])["name"] == name


def test_create_client_validation(saas):
    token = saas.org_token()
    path = "/clusters/%s/clients" % saas.cluster()
    saas.create_client(name="dup")
    response, payload, dummy = saas.call("camunda_console", "POST", path, token=token, body={"clientName": "dup"})
    assert (response.status, payload["message"]) == (400, "Client names must be unique")
    response, payload, dummy = saas.call("camunda_console", "POST", path, token=token,
                                         body={"clientName": "x", "permissions": ["Zeebe", "Orchestration"]})
    assert response.status == 400 and "Orchestration" in payload["message"]
    response, dummy, dummy = saas.call("camunda_console", "POST", path, token=token, body={"permissions": ["Zeebe"]})
    assert response.status == 400
    response, dummy, dummy = saas.call("camunda_console", "POST", path, token=token, body={"clientName": "y", "permissions": "Zeebe"})
    assert response.status == 400
    response = saas.by_name["camunda_console"].handle(Request(
        "POST", path, headers=Headers({"Authorization": "Bearer " + token, "Content-Type": "text/plain"}), body=b"x"))
    assert response.status == 415
    # The same name on another cluster is fine: names are unique per cluster.
    assert saas.create_client(name="dup", cluster_index=1)["name"] == "dup"


def test_max_clients_flag(saas):
    saas.state.set_flags({"max_clients_per_cluster": 1})
    saas.create_client(name="one")
    response, payload, dummy = saas.call("camunda_console", "POST", "/clusters/%s/clients" % saas.cluster(),
                                         token=saas.org_token(), body={"clientName": "two"})
    assert (response.status, payload["message"]) == (403, "Maximum number of clients reached or cluster is not yours")


def test_get_client_412_when_not_ready(saas):
    created = saas.create_client()
    token = saas.org_token()
    path = "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"])
    saas.by_name["camunda_console"].set_flags({"cluster_not_ready": True})
    response, payload, dummy = saas.call("camunda_console", "GET", path, token=token)
    assert (response.status, payload["message"]) == (412, "The cluster is not ready; try again later")
    cluster = saas.call("camunda_console", "GET", "/clusters/" + saas.cluster(), token=token)[1]
    assert cluster["status"]["ready"] == "Creating"
    saas.state.set_flags({"cluster_not_ready": [saas.cluster(1)]})
    assert saas.call("camunda_console", "GET", path, token=token)[0].status == 200
    saas.state.set_flags({"cluster_not_ready": False})
    assert saas.call("camunda_console", "GET", path, token=token)[0].status == 200


def test_cluster_not_ready_cli_flag(tmp_path):
    saas = Saas(tmp_path, argv=("--no-camunda-token-rate-limit", "--camunda-cluster-not-ready"))
    created = saas.create_client()
    path = "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"])
    assert saas.call("camunda_console", "GET", path, token=saas.org_token())[0].status == 412
    assert saas.call("camunda_cluster", "GET", "/%s/v2/status" % saas.cluster())[0].status == 503


def test_get_and_delete_unknown_client_404(saas):
    token = saas.org_token()
    path = "/clusters/%s/clients/unknown" % saas.cluster()
    for method in ("GET", "DELETE"):
        response, payload, dummy = saas.call("camunda_console", method, path, token=token)
        assert (response.status, payload["message"]) == (404, "Cluster or client not found")


def test_delete_client_204_and_revokes(saas):
    created = saas.create_client(permissions=["Zeebe"])
    cluster_token = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[1]["access_token"]
    topology = "/%s/v2/topology" % saas.cluster()
    assert saas.call("camunda_cluster", "GET", topology, token=cluster_token)[0].status == 200
    path = "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"])
    response, payload, dummy = saas.call("camunda_console", "DELETE", path, token=saas.org_token())
    assert response.status == 204 and payload is None and response.body == b""
    assert saas.call("camunda_cluster", "GET", topology, token=cluster_token)[0].status == 401
    assert saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[0].status == 401
    assert saas.call("camunda_console", "GET", "/clusters/%s/clients" % saas.cluster(), token=saas.org_token())[1] == []


def test_console_method_not_allowed(saas):
    token = saas.org_token()
    assert saas.call("camunda_console", "DELETE", "/clusters", token=token)[0].status == 405
    assert saas.call("camunda_console", "PUT", "/clusters/%s/clients" % saas.cluster(), token=token)[0].status == 405
    assert saas.call("camunda_console", "GET", "/nothing", token=token)[0].status == 404


# ----------------------------------------------------------------------------------------------- connector secrets
def secrets_path(saas, name=None):
    path = "/clusters/%s/secrets" % saas.cluster()
    return path + "/" + name if name else path


def test_secrets_lifecycle(saas):
    token = saas.org_token()
    assert saas.call("camunda_console", "GET", secrets_path(saas), token=token)[1] == {}
    response, payload, dummy = saas.call("camunda_console", "POST", secrets_path(saas), token=token,
                                         body={"secretName": "snUser", "secretValue": "integration"})
    assert response.status == 204 and payload is None
    saas.call("camunda_console", "POST", secrets_path(saas), token=token, body={"secretName": "snPwd", "secretValue": "p1"})
    assert saas.call("camunda_console", "GET", secrets_path(saas), token=token)[1] == {"snUser": "integration", "snPwd": "p1"}
    response, dummy, dummy = saas.call("camunda_console", "PUT", secrets_path(saas, "snPwd"), token=token, body={"secretValue": "p2"})
    assert response.status == 204
    assert saas.call("camunda_console", "GET", secrets_path(saas), token=token)[1]["snPwd"] == "p2"
    response, dummy, dummy = saas.call("camunda_console", "DELETE", secrets_path(saas, "snPwd"), token=token)
    assert response.status == 204
    assert saas.call("camunda_console", "GET", secrets_path(saas), token=token)[1] == {"snUser": "integration"}
    # Secrets are per cluster.
    other = "/clusters/%s/secrets" % saas.cluster(1)
    assert saas.call("camunda_console", "GET", other, token=token)[1] == {}
    assert "integration" not in json.dumps(saas.by_name["camunda_console"].snapshot())


def test_secret_errors(saas):
    token = saas.org_token()
    saas.call("camunda_console", "POST", secrets_path(saas), token=token, body={"secretName": "dup", "secretValue": "v"})
    cases = [
        ({"secretName": "dup", "secretValue": "v"}, 409, "Secret names must be unique"),
        ({"secretName": "a" * 50, "secretValue": "v"}, 400, "Secret name must be less than 50 characters"),
        ({"secretName": "has space", "secretValue": "v"}, 400, "Secret name may contain only letters, digits, '_' and '-'"),
        ({"secretName": "dot.name", "secretValue": "v"}, 400, "Secret name may contain only letters, digits, '_' and '-'"),
        ({"secretName": "noValue"}, 400, "secretValue is required and must be a string"),
        ({"secretValue": "v"}, 400, "secretName is required and must be a string"),
    ]
    for body, status, message in cases:
        response, payload, dummy = saas.call("camunda_console", "POST", secrets_path(saas), token=token, body=body)
        assert (response.status, payload["message"]) == (status, message), body
    response, dummy, dummy = saas.call("camunda_console", "POST", secrets_path(saas), token=token,
                                       body={"secretName": "A" * 49, "secretValue": "v"})
    assert response.status == 204
    response, dummy, dummy = saas.call("camunda_console", "POST", secrets_path(saas), token=token,
                                       body={"secretName": "ok_Name-1", "secretValue": "v"})
    assert response.status == 204
    response, payload, dummy = saas.call("camunda_console", "PUT", secrets_path(saas, "absent"), token=token,
                                         body={"secretValue": "v"})
    assert (response.status, payload["message"]) == (404, "Secret not found")
    response, payload, dummy = saas.call("camunda_console", "DELETE", secrets_path(saas, "absent"), token=token)
    assert (response.status, payload["message"]) == (404, "Secret not found")
    saas.state.set_flags({"missing_secret_delete_status": 204})
    assert saas.call("camunda_console", "DELETE", secrets_path(saas, "absent"), token=token)[0].status == 204


# ------------------------------------------------------------------------------------------------ cluster REST
def cluster_token(saas, cluster_index=0, permissions=("Zeebe",)):
    created = saas.create_client(name="verify-%d" % cluster_index, permissions=list(permissions),
                                 cluster_index=cluster_index)
    return saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[1]["access_token"], created


def test_topology_for_own_cluster_client(saas):
    token, created = cluster_token(saas)
    response, payload, request = saas.call("camunda_cluster", "GET", "/%s/v2/topology" % saas.cluster(), token=token)
    assert response.status == 200
    assert request.principal == created["clientId"]
    assert payload["gatewayVersion"] == "8.8.0"
    assert (payload["clusterSize"], payload["partitionsCount"], payload["replicationFactor"]) == (3, 3, 3)
    assert payload["lastCompletedChangeId"] == "-1"
    assert "clusterId" not in payload
    assert len(payload["brokers"]) == 3
    partitions = [p for b in payload["brokers"] for p in b["partitions"]]
    assert {p["health"] for p in partitions} == {"healthy"}
    assert sorted(p["partitionId"] for p in partitions if p["role"] == "leader") == [1, 2, 3]


def test_topology_rejects_other_tokens(saas):
    token, dummy = cluster_token(saas, cluster_index=1)
    path = "/%s/v2/topology" % saas.cluster(0)
    response, payload, dummy = saas.call("camunda_cluster", "GET", path, token=token)
    assert response.status == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert payload["status"] == 401 and payload["title"] == "Unauthorized" and payload["instance"] == path
    assert saas.call("camunda_cluster", "GET", path, token=saas.org_token())[0].status == 401
    assert saas.call("camunda_cluster", "GET", path)[0].status == 401
    assert saas.call("camunda_cluster", "GET", path, token="junk")[0].status == 401
    created = saas.create_client(name="secrets-only", permissions=["Secrets"])
    token = saas.token(created["clientId"], created["clientSecret"], "secrets.camunda.io")[1]["access_token"]
    assert saas.call("camunda_cluster", "GET", path, token=token)[0].status == 401


def test_status_204_without_auth(saas):
    response, dummy, dummy = saas.call("camunda_cluster", "GET", "/%s/v2/status" % saas.cluster())
    assert response.status == 204 and response.body == b""
    assert saas.call("camunda_cluster", "GET", "/unknown-cluster/v2/status")[0].status == 404


def test_cluster_version_per_cluster_and_legacy(saas):
    legacy = saas.info["clusters"][-1]
    assert legacy["version"] == "8.5.16" and legacy["name"] == "sandbox-legacy"
    index = len(saas.info["clusters"]) - 1
    token, dummy = cluster_token(saas, cluster_index=index)
    assert saas.call("camunda_cluster", "GET", "/%s/v2/topology" % legacy["id"], token=token)[0].status == 404
    response, payload, dummy = saas.call("camunda_cluster", "GET", "/%s/v1/topology" % legacy["id"], token=token)
    assert response.status == 200 and payload["gatewayVersion"] == "8.5.16"
    assert "lastCompletedChangeId" not in payload
    flags = saas.by_name["camunda_cluster"].set_flags({"cluster_version": {legacy["id"]: "8.9.1"}})
    assert flags["cluster_version"][legacy["id"]] == "8.9.1"
    payload = saas.call("camunda_cluster", "GET", "/%s/v2/topology" % legacy["id"], token=token)[1]
    assert payload["gatewayVersion"] == "8.9.1" and payload["clusterId"] == legacy["id"]
    assert saas.call("camunda_cluster", "GET", "/%s/v1/topology" % legacy["id"], token=token)[0].status == 404
    saas.state.set_flags({"cluster_version": "8.7.2"})
    assert saas.state.current_flags()["cluster_version"][saas.cluster()] == "8.7.2"
    assert saas.state.current_flags()["cluster_version"][legacy["id"]] == "8.9.1"


def test_topology_not_ready_and_health(saas):
    token, dummy = cluster_token(saas)
    path = "/%s/v2/topology" % saas.cluster()
    saas.state.set_flags({"partition_health": "unhealthy"})
    payload = saas.call("camunda_cluster", "GET", path, token=token)[1]
    assert {p["health"] for b in payload["brokers"] for p in b["partitions"]} == {"unhealthy"}
    saas.state.set_flags({"cluster_not_ready": True})
    response, payload, dummy = saas.call("camunda_cluster", "GET", path, token=token)
    assert response.status == 503 and payload["detail"] == "The cluster is not ready; try again later"


def test_set_flags_rejects_unknown_and_bad_types(saas):
    for flags in ({"nope": 1}, {"token_rate_limit": "yes"}, {"token_lifetime": True},
                  {"cluster_version": {"missing": "8.8.0"}}, {"missing_secret_delete_status": 200},
                  {"cluster_not_ready": ["missing"]}):
        with pytest.raises(ValueError):
            saas.state.set_flags(flags)


# ------------------------------------------------------------------------------------------------ persistence
def test_restart_keeps_clients_secrets_and_tokens(tmp_path):
    first = Saas(tmp_path)
    token = first.org_token()
    created = first.create_client(name="kept", permissions=["Zeebe"])
    first.call("camunda_console", "POST", secrets_path(first), token=token, body={"secretName": "k", "secretValue": "v"})
    second = Saas(tmp_path)
    assert second.info["organization_client"] == first.info["organization_client"]
    assert second.info["clusters"] == first.info["clusters"]
    second.clock.now = first.clock.now
    assert second.call("camunda_console", "GET", secrets_path(second), token=token)[1] == {"k": "v"}
    listing = second.call("camunda_console", "GET", "/clusters/%s/clients" % second.cluster(), token=token)[1]
    assert [c["name"] for c in listing] == ["kept"]
    response, dummy, dummy = second.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")
    assert response.status == 200


def test_explicit_cluster_version_applies_on_restart(tmp_path):
    Saas(tmp_path)
    second = Saas(tmp_path, argv=("--no-camunda-token-rate-limit", "--camunda-cluster-version", "8.7.4"))
    versions = [c["version"] for c in second.info["clusters"]]
    assert versions == ["8.7.4", "8.7.4", "8.5.16"]


def test_reset_restores_seed(saas):
    token = saas.org_token()
    saas.create_client(name="gone")
    saas.call("camunda_console", "POST", secrets_path(saas), token=token, body={"secretName": "k", "secretValue": "v"})
    saas.state.set_flags({"cluster_not_ready": True})
    saas.by_name["camunda_console"].reset()
    assert saas.state.flags["cluster_not_ready"] is False
    assert saas.call("camunda_console", "GET", "/clusters", token=token)[0].status == 401
    token = saas.org_token()
    assert saas.call("camunda_console", "GET", secrets_path(saas), token=token)[1] == {}
    assert saas.call("camunda_console", "GET", "/clusters/%s/clients" % saas.cluster(), token=token)[1] == []
    assert camunda.describe(saas.services, URLS)["saas"] == saas.info


def test_cluster_count_flag(tmp_path):
    saas = Saas(tmp_path, argv=("--camunda-clusters", "4", "--camunda-legacy-cluster-version", ""))
    assert [c["name"] for c in saas.info["clusters"]] == ["sandbox-1", "sandbox-2", "sandbox-3", "sandbox-4"]
    assert [c["region"] for c in saas.info["clusters"]] == ["bru-2", "jfk-1", "syd-1", "bru-2"]


def test_expire_tokens_and_deleted_clients_revoke_jwts(saas):
    org_token = saas.org_token()
    created = saas.create_client(name="short-lived", permissions=["Zeebe"])
    cluster_token = saas.token(created["clientId"], created["clientSecret"], "zeebe.camunda.io")[1]["access_token"]
    topology = "/%s/v2/topology" % saas.cluster()
    assert saas.call("camunda_cluster", "GET", topology, token=cluster_token)[0].status == 200
    saas.call("camunda_console", "DELETE", "/clusters/%s/clients/%s" % (saas.cluster(), created["clientId"]), token=org_token)
    response, payload, dummy = saas.call("camunda_cluster", "GET", topology, token=cluster_token)
    assert response.status == 401 and "no longer exists" in payload["detail"]
    assert saas.state.snapshot()["active_tokens"] == 2  # the two organization tokens; the deleted client's is gone
    saas.state.expire_tokens()
    response, payload, dummy = saas.call("camunda_console", "GET", "/clusters", token=org_token)
    assert response.status == 401 and "unknown or retired key" in payload["message"]
    assert saas.state.snapshot()["active_tokens"] == 0
