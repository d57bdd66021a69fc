# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secret audit of every module: no secret in a result, diff, warning or failure message, with the real clients
and transport over a fake HTTP layer whose "server" echoes each request (body, auth headers, query) back into its
answers, the way misbehaving services and proxies do. Also: no_log on every secret option, and secret return values
only where they must be, documented as such."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient
from ansible_collections.camunda.servicenow.plugins.modules import (
    camunda_client_credential,
    camunda_client_info,
    camunda_cluster_info,
    camunda_connector_secret,
    camunda_token,
    servicenow_connection_alias,
    servicenow_credential,
    servicenow_oauth_profile,
    servicenow_oauth_profile_info,
    servicenow_spoke,
    servicenow_spoke_info,
)
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_http import FakeAnswer
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import FakeModule

SN_MODULES = [servicenow_connection_alias, servicenow_credential, servicenow_oauth_profile,
              servicenow_oauth_profile_info, servicenow_spoke, servicenow_spoke_info]
CAMUNDA_MODULES = [camunda_client_credential, camunda_client_info, camunda_cluster_info, camunda_connector_secret,
                   camunda_token]
ALL_MODULES = SN_MODULES + CAMUNDA_MODULES

SN_PASSWORD = "SNpass-S3cret"
SN_CLIENT_SECRET = "SNclient-S3cret"
SN_REFRESH = "SNrefresh-S3cret"
SN_ACCESS = "SNaccess-S3cret"
SN_API_KEY = "SNapikey-S3cret"
SN_TOKEN = "SNtoken-S3cret"
SN_NEW_REFRESH = "SNnewrefresh-S3cret"
PROFILE_SECRET = "OAuthProfile-S3cret"
CAM_SECRET = "CAMclient-S3cret"
CAM_ACCESS = "CAMaccess-S3cret"
KC_PASSWORD = "KCadmin-S3cret"
CAM_TOKEN = "CAMtoken-S3cret"
KC_TOKEN = "KCtoken-S3cret"
CREATED_SECRET = "CREATED-S3cret"
CONNECTOR_VALUES = ["CONNuser-S3cret", "CONNpwd-S3cret"]
CLUSTER_SECRET = "CLUSTERclient-S3cret"

SN_AUTH = {
    "basic": dict(username="admin", password=SN_PASSWORD),
    "oauth_password": dict(username="admin", password=SN_PASSWORD, client_id="sn-client", client_secret=SN_CLIENT_SECRET),
    "oauth_refresh": dict(client_id="sn-client", client_secret=SN_CLIENT_SECRET, refresh_token=SN_REFRESH,
                          grant_type="refresh_token"),
    "oauth_client_credentials": dict(client_id="sn-client", client_secret=SN_CLIENT_SECRET,
                                     grant_type="client_credentials"),
    "access_token": dict(access_token=SN_ACCESS),
    "api_key": dict(api_key=SN_API_KEY),
}


def forbidden():
    """Every secret of this file, and the forms they travel in (Basic auth)."""
    values = [SN_PASSWORD, SN_CLIENT_SECRET, SN_REFRESH, SN_ACCESS, SN_API_KEY, SN_TOKEN, SN_NEW_REFRESH, PROFILE_SECRET,
              CAM_SECRET, CAM_ACCESS, KC_PASSWORD, CAM_TOKEN, KC_TOKEN, CREATED_SECRET, CLUSTER_SECRET] + CONNECTOR_VALUES
    values.append(base64.b64encode(("admin:" + SN_PASSWORD).encode()).decode())
    return values


def assert_clean(*texts, **allowed):
    """No secret (except the ``allowed`` values that a module must return) in any of ``texts``."""
    keep = set(allowed.get("allow", ()))
    blob = "\n".join(t if isinstance(t, str) else json.dumps(t, default=str, sort_keys=True) for t in texts)
    leaked = [s for s in forbidden() if s not in keep and s in blob]
    assert leaked == [], blob


# -- capturing a module's argument spec and building its params ---------------------------------------------------

class Captured(Exception):
    def __init__(self, kwargs):
        super(Captured, self).__init__("captured")
        self.kwargs = kwargs


def module_kwargs(mod, monkeypatch):
    """The AnsibleModule(...) keyword arguments of ``mod.main()``."""
    def capture(**kwargs):
        raise Captured(kwargs)
    monkeypatch.setattr(mod, "AnsibleModule", capture)
    with pytest.raises(Captured) as got:
        mod.main()
    return got.value.kwargs


def module_params(mod, monkeypatch, params):
    spec = module_kwargs(mod, monkeypatch)["argument_spec"]
    result = ArgumentSpecValidator(spec).validate(params)
    assert [str(e) for e in result.errors.errors] == []
    return result.validated_parameters


def fail_text(exc):
    """What the module would send back for ``exc`` (fail_json's keyword arguments)."""
    assert isinstance(exc, errors.USER_ERRORS), repr(exc)
    return errors.fail_json_kwargs(exc)


# -- the echoing server -------------------------------------------------------------------------------------------

def echo(call):
    """An error body that repeats the request: body in the message, credentials and query in the detail."""
    creds = " ".join("{0}: {1}".format(h, call.headers.get(h)) for h in ("Authorization", "x-sn-apikey")
                     if call.headers.get(h))
    return {"error": {"message": "you sent " + (call.body or "nothing"), "detail": creds + " " + call.url}}


def b64(obj):
    return base64.b64encode(json.dumps(obj).encode()).decode()


class EchoServiceNow:
    """ServiceNow that answers reads from ``tables`` (batch or single) and fails ``fail`` (Table API methods, or "all")
    with ``status`` and an echo of the request; the token endpoint works unless ``token_status`` is set."""

    def __init__(self, fake_http, tables=None, fail="all", status=400, token_status=None):
        self.tables = tables or {}
        self.fail = fail
        self.status = status
        self.token_status = token_status
        fake_http._answer = self.answer

    def answer(self, call):
        if call.path == "/oauth_token.do":
            if self.token_status:
                return FakeAnswer(self.token_status, json={"error": "invalid_client", "error_description": call.body})
            return FakeAnswer(200, json={"access_token": SN_TOKEN, "refresh_token": SN_NEW_REFRESH, "expires_in": 1800})
        if self.fail == "all" or (call.method in self.fail and "/table/" in call.path):
            return FakeAnswer(self.status, json=echo(call))
        if call.path == "/api/now/v1/batch":
            served = []
            for item in call.json["rest_requests"]:
                table = item["url"].split("?", 1)[0].rsplit("/", 1)[-1]
                served.append({"id": item["id"], "status_code": 200,
                               "body": b64({"result": self.tables.get(table, [])})})
            return FakeAnswer(200, json={"batch_request_id": "1", "serviced_requests": served})
        if call.path.startswith("/api/now/table/"):
            return FakeAnswer(200, json={"result": self.tables.get(call.path.rsplit("/", 1)[-1], [])})
        return FakeAnswer(self.status, json=echo(call))


SN_PARAMS = {
    servicenow_connection_alias: dict(credential="Camunda Connection", host="lhr-1.zeebe.camunda.io"),
    servicenow_credential: {},
    servicenow_oauth_profile: dict(client_id="camunda-client", client_secret=PROFILE_SECRET, update_secret="always"),
    servicenow_oauth_profile_info: {},
    servicenow_spoke: dict(version="1.0.0"),
    servicenow_spoke_info: {},
}


def sn_prepare(mod, monkeypatch, auth, check_mode=False, **extra):
    """A function that runs the module once (the params are validated here, outside any pytest.raises)."""
    instance = dict(host="https://sn.example.test")
    instance.update(SN_AUTH[auth])
    params = dict(SN_PARAMS[mod], instance=instance)
    params.update(extra)
    module = FakeModule(module_params(mod, monkeypatch, params), check_mode)

    def go():
        client = ServiceNowClient(module, sleep=lambda s: None)
        if mod is servicenow_spoke:
            return mod.run(module, client, sleep=lambda s: None, clock=lambda: 0.0), module
        return mod.run(module, client), module
    return go


def sn_run(mod, monkeypatch, auth, check_mode=False, **extra):
    return sn_prepare(mod, monkeypatch, auth, check_mode, **extra)()


def failure(go):
    """fail_json's keyword arguments for the user error that ``go()`` raises."""
    with pytest.raises(Exception) as err:
        go()
    return fail_text(err.value)


@pytest.mark.parametrize("auth", sorted(SN_AUTH))
@pytest.mark.parametrize("status", [400, 401, 403, 500])
@pytest.mark.parametrize("mod", SN_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_servicenow_failure_echoing_the_request_shows_no_secret(fake_http, monkeypatch, mod, status, auth):
    EchoServiceNow(fake_http, status=status)
    kwargs = failure(sn_prepare(mod, monkeypatch, auth))
    assert kwargs["msg"].startswith("ServiceNow ") and "sn.example.test" in kwargs["msg"]
    assert "you sent" in kwargs["msg"] or status != 400  # the server's words are kept, the secrets are not
    assert_clean(kwargs)


@pytest.mark.parametrize("auth", ["oauth_password", "oauth_refresh", "oauth_client_credentials"])
def test_servicenow_token_failure_echoing_the_form_shows_no_secret(fake_http, monkeypatch, auth):
    EchoServiceNow(fake_http, token_status=401)
    kwargs = failure(sn_prepare(servicenow_oauth_profile, monkeypatch, auth))
    assert kwargs["msg"].startswith("ServiceNow POST /oauth_token.do on sn.example.test failed with HTTP 401")
    assert_clean(kwargs)


def profile_tables(entity=True):
    tables = {"sys_script_include": [dict(sys_id="s" * 32, name="OAuthCamundaUtil",
                                          api_name="x_camun_camunda.OAuthCamundaUtil", sys_scope="x" * 32)]}
    if entity:
        # A hostile instance also returns the secret it was never asked for.
        tables["oauth_entity"] = [dict(sys_id="e" * 32, name="Camunda OAuth", type="oauth_provider",
                                       client_id="camunda-client", client_secret=PROFILE_SECRET,
                                       oauth_api_script="s" * 32, default_grant_type="client_credentials",
                                       token_url="https://login.cloud.camunda.io/oauth/token",
                                       refresh_token_lifespan="8640000", access_token_lifespan="1800", active="true")]
        tables["oauth_entity_profile"] = [dict(sys_id="p" * 32, name="Camunda OAuth default_profile",
                                               oauth_entity="e" * 32, grant_type="client_credentials", default="true")]
    return tables


@pytest.mark.parametrize("entity", [True, False], ids=["update", "create"])
@pytest.mark.parametrize("status", [400, 500])
def test_oauth_profile_write_failure_echoing_the_secret_payload(fake_http, monkeypatch, entity, status):
    """The POST/PATCH carries client_secret; the server's answer repeats it; the message must not."""
    EchoServiceNow(fake_http, tables=profile_tables(entity), fail=("POST", "PATCH"), status=status)
    kwargs = failure(sn_prepare(servicenow_oauth_profile, monkeypatch, "basic"))
    assert kwargs["msg"].startswith("ServiceNow {0} /api/now/table/oauth_entity".format("PATCH" if entity else "POST"))
    writes = [c for c in fake_http.calls if c.method in ("POST", "PATCH") and c.path.startswith("/api/now/table/")]
    assert writes and PROFILE_SECRET in writes[0].body  # it was sent, and echoed ...
    assert_clean(kwargs)  # ... but not shown


def test_oauth_profile_verify_saved_failure_and_success_show_no_secret(fake_http, monkeypatch):
    """verify_saved's RecordError, the result, the record and the diff of a write whose answer holds the secret."""
    server = EchoServiceNow(fake_http, tables=profile_tables(True), fail=())

    def answer(call):
        if call.method == "PATCH":
            saved = dict(profile_tables(True)["oauth_entity"][0])
            saved.update(call.json)
            saved["active"] = "true"  # a business rule keeps it active
            return FakeAnswer(200, json={"result": saved})
        return server.answer(call)
    fake_http._answer = answer
    kwargs = failure(sn_prepare(servicenow_oauth_profile, monkeypatch, "basic", active=False))
    assert "saved the Application Registry (oauth_entity)" in kwargs["msg"]
    assert_clean(kwargs)

    EchoServiceNow(fake_http, tables=profile_tables(True), fail=())
    fake_http._answer = lambda call: (FakeAnswer(200, json={"result": dict(call.json, sys_id="e" * 32)})
                                      if call.method == "PATCH" else server.answer(call))
    for check_mode in (True, False):
        result, module = sn_run(servicenow_oauth_profile, monkeypatch, "oauth_password", check_mode=check_mode)
        assert result["changed"] is True and result["diff"]["after"]["client_secret"] == "********"
        assert "client_secret" not in result["record"]
        assert_clean(result, module.warnings)


@pytest.mark.parametrize("mod", SN_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("check_mode", [True, False])
def test_servicenow_success_results_show_no_secret(fake_http, monkeypatch, mod, check_mode):
    """A hostile instance that returns secrets in every row it is asked for: results, diffs and warnings hold none."""
    tables = profile_tables(True)
    secret_row = dict(sys_id="f" * 32, name="Camunda Connection", password=SN_PASSWORD, client_secret=SN_CLIENT_SECRET)
    tables["oauth_2_0_credentials"] = [dict(secret_row, oauth_entity_profile="p" * 32, active="true", order="100",
                                            applies_to="all")]
    tables["oauth_entity_profile"][0]["client_secret"] = SN_CLIENT_SECRET
    tables["discovery_credentials"] = [dict(secret_row, active="true")]
    tables["sys_scope"] = [dict(sys_id="x" * 32, scope="x_camun_camunda", name="Camunda Spoke", version="1.0.0",
                                active="true", api_key=SN_API_KEY)]
    tables["sys_alias"] = [dict(sys_id="a" * 32, id="x_camun_camunda.Camunda", type="connection",
                                connection_type="http_connection", multiple_connections="false", sys_scope="x" * 32)]
    server = EchoServiceNow(fake_http, tables=tables, fail=())
    fake_http._answer = lambda call: (FakeAnswer(201 if call.method == "POST" else 200,
                                                 json={"result": dict(call.json or {}, sys_id="n" * 32,
                                                                      client_secret=PROFILE_SECRET)})
                                      if call.method in ("POST", "PATCH") and "/table/" in call.path
                                      else server.answer(call))
    result, module = sn_run(mod, monkeypatch, "oauth_password", check_mode=check_mode)
    assert_clean(result, module.warnings)


# -- Camunda ------------------------------------------------------------------------------------------------------

CONSOLE = "https://console.test"
CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"


def camunda_options(deployment="saas", **extra):
    out = dict(deployment=deployment, client_id="org-client", client_secret=CAM_SECRET, console_url=CONSOLE,
               oauth_url="https://login.test/oauth/token", cluster_api_url="https://zeebe.test",
               keycloak_url="https://kc.test/auth", keycloak_admin_username="admin",
               keycloak_admin_password=KC_PASSWORD)
    out.update(extra)
    return out


class EchoCamunda:
    """Token endpoints work (or fail with ``token_status``); every other call fails with ``status`` and an echo,
    except the calls ``ok(call)`` answers."""

    def __init__(self, fake_http, status=400, token_status=None, ok=None):
        self.status = status
        self.token_status = token_status
        self.ok = ok
        fake_http._answer = self.answer

    def answer(self, call):
        if call.path.endswith("/token"):
            if self.token_status:
                return FakeAnswer(self.token_status, json={"error": "unauthorized_client", "error_description": call.body})
            token = KC_TOKEN if "realms" in call.path else CAM_TOKEN
            return FakeAnswer(200, json={"access_token": token, "expires_in": 300})
        if self.ok:
            answer = self.ok(call)
            if answer is not None:
                return answer
        body = echo(call)
        return FakeAnswer(self.status, json={"message": body["error"]["message"] + " " + body["error"]["detail"]})


CAMUNDA_PARAMS = {
    camunda_client_credential: dict(cluster_id=CLUSTER, name="servicenow"),
    camunda_client_info: dict(cluster_id=CLUSTER, include_cluster=True),
    camunda_cluster_info: dict(cluster_id=CLUSTER, region="bru-2", client_id="cluster-client",
                               client_secret=CLUSTER_SECRET),
    camunda_connector_secret: dict(cluster_id=CLUSTER, secrets=[
        dict(name="snUser", value=CONNECTOR_VALUES[0]), dict(name="snPwd", value=CONNECTOR_VALUES[1])]),
    camunda_token: {},
}


def camunda_prepare(mod, monkeypatch, options, check_mode=False, **extra):
    params = dict(CAMUNDA_PARAMS[mod], camunda=options)
    params.update(extra)
    module = FakeModule(module_params(mod, monkeypatch, params), check_mode)

    def go():
        client = CamundaClient(module.params["camunda"], sleep=lambda s: None, clock=lambda: 1000.0)
        if mod is camunda_client_credential:
            result, warnings = mod.ensure(module.params, client, check_mode)
            module.warnings.extend(warnings)
            return result, module
        if mod is camunda_client_info:
            return mod.run(module, client), module
        if mod is camunda_cluster_info:
            return mod.check(module.params, client), module
        if mod is camunda_connector_secret:
            return mod.ensure_secrets(module.params, client, check_mode), module
        return mod.fetch(module.params, client), module
    return go


def camunda_run(mod, monkeypatch, options, check_mode=False, **extra):
    return camunda_prepare(mod, monkeypatch, options, check_mode, **extra)()


CAMUNDA_CASES = [
    (camunda_client_credential, "saas", {}), (camunda_client_credential, "self_managed", {}),
    (camunda_client_info, "saas", {}), (camunda_client_info, "self_managed", {}),
    (camunda_cluster_info, "saas", {}),
    (camunda_cluster_info, "saas", {"access_token": CAM_ACCESS, "client_id": None, "client_secret": None}),
    (camunda_connector_secret, "saas", {}),
    (camunda_token, "saas", {}), (camunda_token, "self_managed", {}),
    (camunda_token, "saas", {"client_id": "cluster-client", "client_secret": CLUSTER_SECRET}),
]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
@pytest.mark.parametrize("mod,deployment,extra", CAMUNDA_CASES,
                         ids=lambda v: v.__name__.rsplit(".", 1)[-1] if hasattr(v, "__name__") else str(v))
def test_camunda_failure_echoing_the_request_shows_no_secret(fake_http, monkeypatch, mod, deployment, extra, status):
    EchoCamunda(fake_http, status=status, token_status=status if mod is camunda_token else None)
    assert_clean(failure(camunda_prepare(mod, monkeypatch, camunda_options(deployment), **extra)))


@pytest.mark.parametrize("mod,deployment,extra", [c for c in CAMUNDA_CASES if c[0] is not camunda_token],
                         ids=lambda v: v.__name__.rsplit(".", 1)[-1] if hasattr(v, "__name__") else str(v))
def test_camunda_token_failure_echoing_the_form_shows_no_secret(fake_http, monkeypatch, mod, deployment, extra):
    EchoCamunda(fake_http, token_status=401)
    kwargs = failure(camunda_prepare(mod, monkeypatch, camunda_options(deployment), **extra))
    assert "401" in kwargs["msg"] or "HTTP" in kwargs["msg"]
    assert_clean(kwargs)


def test_camunda_access_token_option_is_never_echoed(fake_http, monkeypatch):
    EchoCamunda(fake_http, status=403)
    options = camunda_options(client_id=None, client_secret=None, access_token=CAM_ACCESS)
    kwargs = failure(camunda_prepare(camunda_connector_secret, monkeypatch, options))
    assert fake_http.calls[0].headers["Authorization"] == "Bearer " + CAM_ACCESS
    assert_clean(kwargs)


def keycloak_ok(secret_status=200, secret=CREATED_SECRET):
    def ok(call):
        if call.method == "GET" and call.path == "/auth/admin/realms/camunda-platform/clients":
            return FakeAnswer(200, json=[{"id": "u1", "clientId": "servicenow-g1", "enabled": True, "publicClient": False,
                                          "serviceAccountsEnabled": True, "standardFlowEnabled": False,
                                          "directAccessGrantsEnabled": False, "implicitFlowEnabled": False,
                                          "protocol": "openid-connect", "clientAuthenticatorType": "client-secret",
                                          "protocolMappers": [{"protocolMapper": "oidc-audience-mapper", "config": {
                                              "included.custom.audience": "orchestration-api"}}]}])
        if call.path == "/auth/admin/realms/camunda-platform/clients/u1/client-secret" and secret_status == 200:
            return FakeAnswer(200, json={"type": "secret", "value": secret})
        return None
    return ok


def test_keycloak_secret_read_failure_shows_no_secret(fake_http, monkeypatch):
    EchoCamunda(fake_http, status=500, ok=keycloak_ok(secret_status=500))
    kwargs = failure(camunda_prepare(camunda_client_credential, monkeypatch, camunda_options("self_managed"),
                                     mode="shared"))
    assert kwargs["msg"].startswith("Reading the secret of client 'servicenow-g1' in realm 'camunda-platform' failed")
    assert_clean(kwargs)


def test_keycloak_secret_is_returned_and_only_there(fake_http, monkeypatch):
    EchoCamunda(fake_http, ok=keycloak_ok())
    # a shared client this instance does not hold yet: Keycloak shows its secret again, and ServiceNow must get it
    result, module = camunda_run(camunda_client_credential, monkeypatch, camunda_options("self_managed"),
                                 mode="shared", prove=False)
    assert result["client_secret"] == CREATED_SECRET and result["changed"] is False
    rest = dict(result)
    rest.pop("client_secret")
    assert_clean(rest, module.warnings)
    result, module = camunda_run(camunda_client_credential, monkeypatch, camunda_options("self_managed"),
                                 check_mode=True, mode="shared")
    assert "client_secret" not in result
    assert_clean(result, module.warnings)


def console_ok(lose_first_create=False):
    state = {"clients": [], "creates": 0}

    def ok(call):
        base = "/clusters/" + CLUSTER + "/clients"
        if call.method == "GET" and call.path == "/clusters/" + CLUSTER:
            return FakeAnswer(200, json={"uuid": CLUSTER, "generation": {"name": "Camunda 8.8.0"},
                                         "links": {"zeebe": CLUSTER + ".bru-2.zeebe.camunda.io:443"},
                                         "status": {"ready": "Healthy", "zeebeStatus": "Healthy"}})
        if call.method == "GET" and call.path == base:
            return FakeAnswer(200, json=state["clients"])
        if call.method == "POST" and call.path == base:
            state["creates"] += 1
            client_id = "new-id-{0}".format(state["creates"])
            state["clients"].append({"clientId": client_id, "name": call.json["clientName"], "permissions": ["Zeebe"]})
            if lose_first_create and state["creates"] == 1:
                return None  # committed, but the answer is an error echoing the request
            return FakeAnswer(201, json={"clientId": client_id, "name": call.json["clientName"],
                                         "clientSecret": CREATED_SECRET, "permissions": ["Zeebe"]})
        if call.method == "DELETE":
            state["clients"] = [c for c in state["clients"] if not call.path.endswith("/" + c["clientId"])]
            return FakeAnswer(204, text="")
        return None
    return ok


def test_lost_create_reply_is_recreated_and_shows_no_secret(fake_http, monkeypatch):
    """A create answered with a 500 (the client was made anyway) is deleted and made again; only the new client's
    secret is returned, and nothing else holds a secret."""
    EchoCamunda(fake_http, status=500, ok=console_ok(lose_first_create=True))
    result, module = camunda_run(camunda_client_credential, monkeypatch, camunda_options(), prove=False)
    assert result["client_secret"] == CREATED_SECRET and result["client_id"] == "new-id-2"
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in fake_http.calls if c.method in ("POST", "DELETE")
            and "token" not in c.path] == [("POST", "clients"), ("DELETE", "new-id-1"), ("POST", "clients")]
    rest = dict(result)
    rest.pop("client_secret")
    assert_clean(rest, module.warnings)
    assert_clean(result["diff"])


def test_connector_secrets_never_in_result_or_diff(fake_http, monkeypatch):
    def ok(call):
        if call.method == "GET" and call.path.endswith("/secrets"):
            return FakeAnswer(200, json={"snUser": "old-" + CONNECTOR_VALUES[0]})
        if call.method in ("POST", "PUT"):
            return FakeAnswer(204, text="")
        return None
    for check_mode in (True, False):
        EchoCamunda(fake_http, ok=ok)
        result, module = camunda_run(camunda_connector_secret, monkeypatch, camunda_options(), check_mode=check_mode)
        assert result["changed"] is True
        assert [s["result"] for s in result["secrets"]] == ["updated", "created"]
        assert_clean(result, module.warnings)
        assert "old-" + CONNECTOR_VALUES[0] not in json.dumps(result)


def test_camunda_token_returns_the_token_and_no_other_secret(fake_http, monkeypatch):
    EchoCamunda(fake_http)
    result, module = camunda_run(camunda_token, monkeypatch, camunda_options())
    assert result["access_token"] == CAM_TOKEN
    assert_clean(result, module.warnings, allow=[CAM_TOKEN])


# -- argument specs and return documentation ----------------------------------------------------------------------

SECRET_OPTION_NAMES = ("password", "client_secret", "access_token", "refresh_token", "api_key",
                       "keycloak_admin_password", "value")


def walk_options(spec, prefix=""):
    for name, option in spec.items():
        yield prefix + name, option
        for sub in ("options",):
            if option.get(sub):
                yield from walk_options(option[sub], prefix + name + ".")


@pytest.mark.parametrize("mod", ALL_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_secret_option_is_no_log(monkeypatch, mod):
    spec = module_kwargs(mod, monkeypatch)["argument_spec"]
    secrets = sorted(path for path, option in walk_options(spec) if option.get("no_log") is True)
    expected = sorted(path for path, _option in walk_options(spec) if path.rsplit(".", 1)[-1] in SECRET_OPTION_NAMES)
    assert secrets == expected
    if mod in SN_MODULES:
        assert set(["instance.password", "instance.client_secret", "instance.refresh_token", "instance.access_token",
                    "instance.api_key"]) <= set(secrets)
    else:
        assert set(["camunda.client_secret", "camunda.access_token", "camunda.keycloak_admin_password"]) <= set(secrets)


SECRET_RETURNS = {("camunda_client_credential", "client_secret"), ("camunda_token", "access_token")}


@pytest.mark.parametrize("mod", ALL_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_only_the_necessary_return_values_are_secrets_and_say_so(mod):
    name = mod.__name__.rsplit(".", 1)[-1]
    returns = yaml.safe_load(mod.RETURN) or {}

    def walk(values, prefix=""):
        for key, doc in (values or {}).items():
            yield prefix + key, doc
            yield from walk(doc.get("contains"), prefix + key + ".")
    secretish = set(k for k, _d in walk(returns) if k.rsplit(".", 1)[-1] in SECRET_OPTION_NAMES + ("secret", "token"))
    assert secretish == set(k for m, k in SECRET_RETURNS if m == name)
    for key in secretish:
        text = " ".join(returns[key]["description"]) if isinstance(returns[key]["description"], list) \
            else returns[key]["description"]
        assert "no_log" in text and ("Sensitive" in text or "secret" in text.lower())
    if secretish:
        examples = yaml.safe_load(mod.EXAMPLES)
        assert any(task.get("no_log") is True for task in examples)
