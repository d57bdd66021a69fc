# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible.module_utils.basic import env_fallback

from ansible_collections.camunda.servicenow.plugins.doc_fragments.camunda import ModuleDocFragment
from ansible_collections.camunda.servicenow.plugins.module_utils import camunda as cm
from ansible_collections.camunda.servicenow.plugins.module_utils import camunda_cluster
from ansible_collections.camunda.servicenow.plugins.module_utils import camunda_console
from ansible_collections.camunda.servicenow.plugins.module_utils import camunda_keycloak
from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.module_utils import records

ORG_ID = "org-client"
ORG_SECRET = "org-secret-value-123"
TOKEN = "console-token-abcdef"
CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"


def options(**overrides):
    out = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
    out.update(client_id=ORG_ID, client_secret=ORG_SECRET, console_url="https://console.test",
               oauth_url="https://login.test/oauth/token")
    out.update(overrides)
    return out


def client(sleeps, clock=None, **overrides):
    return cm.CamundaClient(options(**overrides), sleep=sleeps, clock=clock or (lambda: 1000.0))


# ---------------------------------------------------------------------------------------------- the option table

def fragment_options():
    return yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["camunda"]["suboptions"]


def test_doc_fragment_documents_exactly_the_table():
    docs = fragment_options()
    assert sorted(docs) == sorted(cm.CAMUNDA_OPTIONS)
    for name, entry in cm.CAMUNDA_OPTIONS.items():
        doc = docs[name]
        assert doc["type"] == entry["type"], name
        assert doc.get("default") == entry.get("default"), name
        assert doc.get("choices") == entry.get("choices"), name
        text = " ".join(doc["description"])
        if "env" in entry:
            assert "E({0})".format(entry["env"]) in text, name
        else:
            assert "environment variable is used" not in text, name


def test_argument_spec_from_the_table():
    spec = cm.camunda_argument_spec()["camunda"]
    assert spec["type"] == "dict" and spec["apply_defaults"] is True
    sub = spec["options"]
    assert sub["client_id"]["fallback"] == (env_fallback, ["CAMUNDA_CONSOLE_CLIENT_ID"])
    assert sub["client_secret"]["fallback"] == (env_fallback, ["CAMUNDA_CONSOLE_CLIENT_SECRET"])
    assert sub["console_url"] == {"type": "str", "default": "https://api.cloud.camunda.io",
                                  "fallback": (env_fallback, ["CAMUNDA_CONSOLE_BASE_URL"])}
    assert sub["console_audience"]["default"] == "api.cloud.camunda.io"
    assert sub["console_audience"]["fallback"] == (env_fallback, ["CAMUNDA_CONSOLE_OAUTH_AUDIENCE"])
    assert sub["oauth_url"]["default"] == "https://login.cloud.camunda.io/oauth/token"
    assert sub["oauth_url"]["fallback"] == (env_fallback, ["CAMUNDA_OAUTH_URL"])
    assert sub["keycloak_realm"]["default"] == "camunda-platform"
    no_log = sorted(n for n, s in sub.items() if s.get("no_log"))
    assert no_log == ["access_token", "client_secret", "keycloak_admin_password"]


def test_env_fallbacks_reach_the_module(monkeypatch):
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    monkeypatch.setenv("CAMUNDA_CONSOLE_CLIENT_ID", "from-env")
    monkeypatch.setenv("CAMUNDA_VALIDATE_CERTS", "false")
    result = ArgumentSpecValidator(cm.camunda_argument_spec()).validate({})
    assert result.error_messages == []
    camunda = result.validated_parameters["camunda"]
    assert camunda["client_id"] == "from-env"
    assert camunda["validate_certs"] is False
    assert camunda["deployment"] == "saas"


# ---------------------------------------------------------------------------------------------- pure helpers

@pytest.mark.parametrize("address, expected", [
    (CLUSTER + ".bru-2.zeebe.camunda.io:443", {"cluster_id": CLUSTER, "region": "bru-2", "host": "bru-2.zeebe.camunda.io"}),
    (CLUSTER + ".syd-1.zeebe.camunda.io", {"cluster_id": CLUSTER, "region": "syd-1", "host": "syd-1.zeebe.camunda.io"}),
    ("localhost:26500", None),
    ("", None),
])
def test_parse_zeebe_address(address, expected):
    assert camunda_console.parse_zeebe_address(address) == expected


def test_cluster_rest_url_and_split():
    assert camunda_cluster.saas_cluster_rest_url(CLUSTER, "bru-2") == "https://bru-2.zeebe.camunda.io/" + CLUSTER
    assert camunda_cluster.saas_cluster_rest_url(CLUSTER, None, "https://127.0.0.1:9/") == "https://127.0.0.1:9/" + CLUSTER
    assert camunda_cluster.saas_cluster_rest_url(CLUSTER, None) is None
    assert camunda_cluster.split_rest_url("https://bru-2.zeebe.camunda.io/" + CLUSTER) == ("bru-2.zeebe.camunda.io", "/" + CLUSTER)
    assert camunda_cluster.split_rest_url("http://localhost:8080") == ("localhost:8080", "/")


@pytest.mark.parametrize("name, ok", [("snUser", True), ("a-b_c9", True), ("x" * 49, True), ("x" * 50, False),
                                      ("sn user", False), ("sn.user", False), ("", False)])
def test_validate_secret_name(name, ok):
    assert (camunda_console.validate_secret_name(name) is None) is ok


def test_version_tuple():
    assert cm.version_tuple("8.8.0") == (8, 8, 0)
    assert cm.version_tuple("8.9.0-alpha1") == (8, 9, 0)
    assert cm.version_tuple("8.6") == (8, 6, 0)
    assert cm.version_tuple("8.10.1-SNAPSHOT") > cm.version_tuple("8.6")


def test_token_repr_hides_the_token():
    token = cm.Token("very-secret-token", 60, now=100)
    assert "very-secret-token" not in repr(token)
    assert token.expires_at == 160
    assert cm.Token("t", 86400, now=0).expires_at_iso() == "1970-01-02T00:00:00Z"


# ---------------------------------------------------------------------------------------------- tokens

def test_token_is_form_encoded_and_fetched_once_per_run(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 86400, "token_type": "Bearer"})
    fake_http.add("GET", "/clusters/{0}/clients".format(CLUSTER), json=[])
    fake_http.add("GET", "/clusters/{0}/secrets".format(CLUSTER), json={})
    c = client(sleeps)
    console = camunda_console.ConsoleAPI(c, CLUSTER)
    assert console.list_clients() == []
    assert console.get_secrets() == {}
    token_calls = fake_http.requests_to("/oauth/token")
    assert len(token_calls) == 1
    assert token_calls[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token_calls[0].form == {"grant_type": "client_credentials", "client_id": ORG_ID, "client_secret": ORG_SECRET,
                                   "audience": "api.cloud.camunda.io"}
    assert [call.headers["Authorization"] for call in fake_http.calls[1:]] == ["Bearer " + TOKEN] * 2


def test_access_token_means_no_token_request(fake_http, sleeps):
    fake_http.add("GET", "/clusters/{0}/secrets".format(CLUSTER), json={"snUser": "x"})
    c = client(sleeps, access_token="given-token", client_id=None, client_secret=None)
    assert camunda_console.ConsoleAPI(c, CLUSTER).get_secrets() == {"snUser": "x"}
    assert [call.path for call in fake_http.calls] == ["/clusters/{0}/secrets".format(CLUSTER)]
    assert fake_http.calls[0].headers["Authorization"] == "Bearer given-token"


def test_401_from_the_token_endpoint_is_never_retried(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", status=401, json={"error": "access_denied", "error_description": "Unauthorized"})
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps).console_token()
    assert len(fake_http.calls) == 1
    assert sleeps == []
    message = str(err.value)
    assert err.value.status == 401
    assert "Fetching the Console API token for client 'org-client' failed" in message
    assert message == (
        "Fetching the Console API token for client 'org-client' failed: Camunda token service POST /oauth/token on "
        "login.test failed with HTTP 401: \"access_denied\" and \"Unauthorized\"; check client_id 'org-client' and its "
        "client_secret, they were not accepted; a rejected token request is never repeated, because the token service "
        "locks out addresses that repeat failed requests.")
    assert ORG_SECRET not in message


def test_401_after_a_429_retry_says_only_the_rejected_request_is_never_repeated(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", status=429, json={"error": "too_many_requests"}, headers={"Retry-After": "1"})
    fake_http.add("POST", "/oauth/token", status=401, json={"error": "access_denied", "error_description": "Unauthorized"})
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps).console_token()
    assert len(fake_http.calls) == 2 and sleeps == [1.0]
    message = str(err.value)
    assert message.endswith(
        "failed with HTTP 401: \"access_denied\" and \"Unauthorized\" (after 2 attempts); check client_id 'org-client' "
        "and its client_secret, they were not accepted; a rejected token request is never repeated, because the token "
        "service locks out addresses that repeat failed requests.")
    assert "not retried" not in message and ORG_SECRET not in message


def test_429_honours_retry_after(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", status=429, json={"error": "too_many_requests"}, headers={"Retry-After": "2"})
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    token = client(sleeps).fetch_token("https://login.test/oauth/token", "cid", "csecret", "zeebe.camunda.io")
    assert token.access_token == TOKEN and token.expires_in == 60 and token.expires_at == 1060.0
    assert sleeps == [2.0]
    assert len(fake_http.calls) == 2


def test_429_that_persists_names_the_rate_limit_and_the_remedy(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", status=429, json={"error": "too_many_requests"}, headers={"Retry-After": "1"})
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps).console_token()
    assert len(fake_http.calls) == 5  # one try and four retries
    assert sleeps == [1.0, 1.0, 1.0, 1.0]
    assert "camunda.servicenow.camunda_token" in str(err.value)
    assert ORG_SECRET not in str(err.value)


def test_token_answer_without_access_token(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"nope": 1})
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps).console_token()
    assert str(err.value) == ("The token service at login.test answered without an access_token for client "
                              "'org-client'; check that camunda.oauth_url is the token endpoint")


def test_missing_credentials_fail_before_any_request(fake_http, sleeps):
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps, client_id=None, client_secret=None).console_token()
    assert "set client_id and client_secret, or pass an access_token" in str(err.value)
    assert fake_http.calls == []


def test_keycloak_admin_token_is_a_password_grant(fake_http, sleeps):
    fake_http.add("POST", "/auth/realms/master/protocol/openid-connect/token", json={"access_token": "kc", "expires_in": 300})
    c = client(sleeps, deployment="self_managed", keycloak_url="https://kc.test/auth", keycloak_admin_username="admin",
               oauth_url=cm.DEFAULT_OAUTH_URL,
               keycloak_admin_password="adminpw")
    assert c.keycloak_token() == "kc"
    assert fake_http.calls[0].form == {"grant_type": "password", "client_id": "admin-cli", "username": "admin",
                                       "password": "adminpw"}
    assert c.token_url() == "https://kc.test/auth/realms/camunda-platform/protocol/openid-connect/token"
    assert c.cluster_audience() == "orchestration-api"


# ---------------------------------------------------------------------------------------------- Console API

def test_412_is_retried_for_a_bounded_time(fake_http, sleeps):
    now = [0.0]

    def clock():
        return now[0]

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("GET", "/clusters/{0}/clients/abc".format(CLUSTER), status=412,
                  json={"statusCode": 412, "message": "The cluster is not ready; try again later"})
    c = cm.CamundaClient(options(cluster_ready_timeout=20), sleep=sleep, clock=clock)
    with pytest.raises(errors.CamundaError) as err:
        camunda_console.ConsoleAPI(c, CLUSTER).get_client("abc")
    assert sleeps == [2.0, 4.0, 8.0]
    assert err.value.status == 412
    said = ("Camunda Console API GET /clusters/{0}/clients/abc on console.test failed with HTTP 412: \"The cluster is "
            "not ready; try again later\"; the cluster is not ready (creating, updating or "
            "suspended); wait for it to be healthy or raise camunda.cluster_ready_timeout.".format(CLUSTER))
    assert str(err.value) == "Reading API client 'abc' of cluster {0} failed: {1}".format(CLUSTER, said)
    assert err.value.reason == said


def test_412_then_ready(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("GET", "/clusters/{0}/clients/abc".format(CLUSTER), status=412, json={"message": "not ready"})
    fake_http.add("GET", "/clusters/{0}/clients/abc".format(CLUSTER), json={"name": "x"})
    assert camunda_console.ConsoleAPI(client(sleeps), CLUSTER).get_client("abc") == {"name": "x"}
    assert sleeps == [2.0]


def test_console_errors_name_cluster_call_and_what_to_check(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("GET", "/clusters/{0}/clients".format(CLUSTER), status=404,
                  json={"statusCode": 404, "message": "Cluster not found", "error": "Not Found"})
    with pytest.raises(errors.CamundaError) as err:
        camunda_console.ConsoleAPI(client(sleeps), CLUSTER).list_clients()
    assert str(err.value) == (
        'Listing the API clients of cluster {0} failed: Camunda Console API GET /clusters/{0}/clients on console.test '
        'failed with HTTP 404: "Cluster not found"; check cluster_id and that the cluster belongs to the organization '
        'of camunda.client_id.'.format(CLUSTER))
    assert TOKEN not in str(err.value)


def test_client_ids_are_quoted_in_paths(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("DELETE", "/clusters/{0}/clients/a%2Fb~c.d".format(CLUSTER), status=204)
    camunda_console.ConsoleAPI(client(sleeps), CLUSTER).delete_client("a/b~c.d")
    assert fake_http.calls[-1].path == "/clusters/{0}/clients/a%2Fb~c.d".format(CLUSTER)


def test_tls_options_reach_every_request(fake_http, sleeps, tmp_path):
    ca = str(tmp_path / "ca.pem")
    open(ca, "w").close()
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("GET", "/clusters/{0}/secrets".format(CLUSTER), json={})
    camunda_console.ConsoleAPI(client(sleeps, ca_path=ca, custom_headers={"X-Trace": "1"}), CLUSTER).get_secrets()
    assert [c.verify for c in fake_http.calls] == [ca, ca]
    assert [c.headers.get("X-Trace") for c in fake_http.calls] == ["1", "1"]


# ---------------------------------------------------------------------------------------------- Keycloak list

def keycloak_client(sleeps):
    return client(sleeps, deployment="self_managed", keycloak_url="https://kc.test/auth", access_token="kc-token")


def test_keycloak_list_clients_with_and_without_a_prefix(fake_http, sleeps):
    """KeycloakAdmin.list_clients (was inline in camunda_client_info)."""
    fake_http.add("GET", "/auth/admin/realms/camunda-platform/clients",
                  json=[{"clientId": "servicenow", "id": "u1"}, "junk", {"clientId": "servicenow-r1", "id": "u2"}])
    c = keycloak_client(sleeps)
    assert [r["id"] for r in camunda_keycloak.KeycloakAdmin(c).list_clients("servicenow")] == ["u1", "u2"]
    assert fake_http.calls[0].params == {"clientId": "servicenow", "search": "true"}
    assert fake_http.calls[0].headers["Authorization"] == "Bearer kc-token"
    camunda_keycloak.KeycloakAdmin(c).list_clients()
    assert fake_http.calls[1].params == {}


def test_keycloak_list_clients_failure_is_one_sentence(fake_http, sleeps):
    fake_http.add("GET", "/auth/admin/realms/camunda-platform/clients", status=403,
                  json={"error": "unknown_error", "error_description": "HTTP 403 Forbidden"})
    with pytest.raises(errors.CamundaError) as err:
        camunda_keycloak.KeycloakAdmin(keycloak_client(sleeps)).list_clients()
    assert str(err.value) == (
        "Listing the clients in realm 'camunda-platform' failed: Keycloak admin API GET "
        "/auth/admin/realms/camunda-platform/clients on kc.test failed with HTTP 403: \"unknown_error\" and "
        "\"HTTP 403 Forbidden\"; check that the Keycloak admin user has the manage-clients role in the realm.")
    assert "kc-token" not in str(err.value)


def test_keycloak_find_client_is_exact_and_duplicates_use_the_shared_sentence(fake_http, sleeps):
    fake_http.add("GET", "/auth/admin/realms/camunda-platform/clients",
                  json=[{"clientId": "servicenow", "id": "u1"}, {"clientId": "servicenow-r1", "id": "u2"}])
    fake_http.add("GET", "/auth/admin/realms/camunda-platform/clients",
                  json=[{"clientId": "servicenow", "id": "u1"}, "junk", {"clientId": "servicenow", "id": "u3"}])
    assert camunda_keycloak.KeycloakAdmin(keycloak_client(sleeps)).find_client("servicenow") == {"clientId": "servicenow", "id": "u1"}
    with pytest.raises(records.RecordError) as err:
        camunda_keycloak.KeycloakAdmin(keycloak_client(sleeps)).find_client("servicenow")
    assert str(err.value) == (
        "Found 2 Keycloak client records matching clientId='servicenow' on kc.test in realm camunda-platform (id: u1, u3); "
        "a natural key must identify one record, so remove or rename the duplicates, or identify the record by its id")


def test_keycloak_secret_missing_names_the_host_and_realm(fake_http, sleeps):
    fake_http.add("GET", "/auth/admin/realms/camunda-platform/clients/u1/client-secret", json={"type": "secret"})
    with pytest.raises(errors.CamundaError) as err:
        camunda_keycloak.KeycloakAdmin(keycloak_client(sleeps)).get_secret("u1", "servicenow")
    assert str(err.value) == ("Keycloak on kc.test did not return the secret of client 'servicenow' in realm "
                              "'camunda-platform'; check that the admin user has the manage-clients role")


@pytest.mark.parametrize("status, hint", [
    (400, "check client_id 'org-client', the audience 'api.cloud.camunda.io' and the token URL"),
    (404, "check the token URL (camunda.oauth_url or the task's token_url)"),
    # 403: missing or disallowed audience (the credentials were fine); 401: the credentials were not accepted.
    (403, "the credentials of client 'org-client' were accepted, but it may not request a token for audience "
          "'api.cloud.camunda.io'; check the audience (camunda.console_audience or camunda.cluster_audience) and that "
          "the client is granted that API (Console: the client's scopes)"),
    (401, "check client_id 'org-client' and its client_secret, they were not accepted; a rejected token request is "
          "never repeated, because the token service locks out addresses that repeat failed requests"),
])
def test_token_hints_do_not_repeat_the_token_url(fake_http, sleeps, status, hint):
    fake_http.add("POST", "/oauth/token", status=status, json={"error": "nope"})
    with pytest.raises(errors.CamundaError) as err:
        client(sleeps).console_token()
    said = "Camunda token service POST /oauth/token on login.test failed with HTTP {0}: \"nope\"; {1}.".format(status, hint)
    assert str(err.value) == "Fetching the Console API token for client 'org-client' failed: " + said
    assert err.value.reason == said and "s3cr3t" not in str(err.value)


def test_console_answer_without_object_has_a_reason_naming_the_host(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 60})
    fake_http.add("GET", "/clusters/{0}/clients/abc".format(CLUSTER), json=["x"])
    with pytest.raises(errors.CamundaError) as err:
        camunda_console.ConsoleAPI(client(sleeps), CLUSTER).get_client("abc")
    assert str(err.value) == ("Reading API client 'abc' of cluster {0} returned no JSON object; check camunda.console_url "
                              "console.test".format(CLUSTER))
    assert err.value.reason == "the Console API on console.test returned no JSON object; check camunda.console_url"
