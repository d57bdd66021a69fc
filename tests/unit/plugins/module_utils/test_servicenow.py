# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the ServiceNow connection layer.

When the options table changes, regenerate plugins/doc_fragments/servicenow.py from it: the body of DOCUMENTATION
is ``render_doc_fragment()`` below (test_doc_fragment_matches_table prints it when they differ).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit  # type: ignore

import pytest
import requests
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.camunda.servicenow.plugins.doc_fragments.servicenow import ModuleDocFragment
from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils import servicenow_docs
from ansible_collections.camunda.servicenow.plugins.module_utils import servicenow as sn
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

HOST = "https://sn.example.com"
TABLE = "/api/now/table/oauth_entity"
BATCH = "/api/now/v1/batch"
ENV_VARS = ["SN_HOST", "SN_USERNAME", "SN_PASSWORD", "SN_CLIENT_ID", "SN_CLIENT_SECRET", "SN_SECRET_ID", "SN_GRANT_TYPE",
            "SN_REFRESH_TOKEN", "SN_ACCESS_TOKEN", "SN_API_KEY", "SN_TIMEOUT", "SN_CLIENT_CERTIFICATE_FILE",
            "SN_CLIENT_KEY_FILE", "SN_VALIDATE_CERTS", "SN_CA_PATH", "SN_PROXY", "SN_API_PATH"]


def render_doc_fragment():
    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow=False, indentless=False):
            return super(Dumper, self).increase_indent(flow, False)

    return yaml.dump({"options": servicenow_docs.servicenow_doc_options()}, Dumper=Dumper, sort_keys=False, width=110,
                     default_flow_style=False)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def validate(instance):
    result = ArgumentSpecValidator(sn.servicenow_argument_spec()).validate({"instance": instance})
    return result


def errors(instance):
    return [str(e) for e in validate(instance).errors]


# -- the options table -------------------------------------------------------------------------------------------

class TestOptionsTable:
    def test_itsm_names_and_env(self):
        expected = {"host": ["SN_HOST"], "username": ["SN_USERNAME"], "password": ["SN_PASSWORD"],
                    "grant_type": ["SN_GRANT_TYPE"], "client_id": ["SN_CLIENT_ID"],
                    "client_secret": ["SN_CLIENT_SECRET", "SN_SECRET_ID"], "refresh_token": ["SN_REFRESH_TOKEN"],
                    "access_token": ["SN_ACCESS_TOKEN"], "api_key": ["SN_API_KEY"], "timeout": ["SN_TIMEOUT"],
                    "client_certificate_file": ["SN_CLIENT_CERTIFICATE_FILE"], "client_key_file": ["SN_CLIENT_KEY_FILE"],
                    "validate_certs": ["SN_VALIDATE_CERTS"], "ca_path": ["SN_CA_PATH"], "proxy": ["SN_PROXY"],
                    "custom_headers": [], "api_path": ["SN_API_PATH"], "allow_http": []}
        assert dict((k, v.get("env", [])) for k, v in sn.SERVICENOW_OPTIONS.items()) == expected

    def test_secrets_are_no_log(self):
        no_log = sorted(k for k, v in sn.SERVICENOW_OPTIONS.items() if v.get("no_log"))
        assert no_log == ["access_token", "api_key", "client_secret", "password", "refresh_token"]
        options = sn.servicenow_argument_spec()["instance"]["options"]
        assert sorted(k for k, v in options.items() if v.get("no_log")) == no_log

    def test_argument_spec_derived_from_table(self):
        spec = sn.servicenow_argument_spec()["instance"]
        assert spec["type"] == "dict" and spec["apply_defaults"] is True
        for name, option in sn.SERVICENOW_OPTIONS.items():
            sub = spec["options"][name]
            assert sub["type"] == option["type"]
            assert sub.get("default") == option.get("default")
            assert sub.get("choices") == option.get("choices")
            assert sub.get("required", False) == option.get("required", False)
            if option.get("env"):
                assert sub["fallback"][1] == option["env"]
            else:
                assert "fallback" not in sub

    def test_argument_spec_is_a_fresh_copy(self):
        first = sn.servicenow_argument_spec()
        first["instance"]["options"]["host"]["required"] = False
        first["instance"]["required_together"].append(["a", "b"])
        assert sn.servicenow_argument_spec()["instance"]["options"]["host"]["required"] is True
        assert ["a", "b"] not in sn.SERVICENOW_REQUIRED_TOGETHER

    def test_defaults(self):
        assert sn.SERVICENOW_OPTIONS["timeout"]["default"] >= 30
        assert sn.SERVICENOW_OPTIONS["validate_certs"]["default"] is True

    def test_doc_fragment_matches_table(self):
        documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
        assert documented == {"options": servicenow_docs.servicenow_doc_options()}, render_doc_fragment()
        assert ModuleDocFragment.DOCUMENTATION.strip() == render_doc_fragment().strip()

    def test_doc_mentions_every_env_var(self):
        text = ModuleDocFragment.DOCUMENTATION
        for name in ENV_VARS:
            assert "E({0})".format(name) in text


# -- cross-field rules ----------------------------------------------------------------------------------------------

class TestRules:
    @pytest.mark.parametrize("instance", [
        {"host": HOST, "username": "u", "password": "p"},
        {"host": HOST, "client_id": "c", "client_secret": "s", "username": "u", "password": "p"},
        {"host": HOST, "client_id": "c", "client_secret": "s", "grant_type": "client_credentials"},
        {"host": HOST, "client_id": "c", "client_secret": "s", "grant_type": "refresh_token", "refresh_token": "r"},
        {"host": HOST, "access_token": "t"},
        {"host": HOST, "api_key": "k"},
        {"host": HOST, "client_certificate_file": "/c.pem", "client_key_file": "/k.pem"},
    ])
    def test_valid(self, instance):
        assert errors(instance) == []

    @pytest.mark.parametrize("instance,message", [
        ({"username": "u", "password": "p"}, "missing required arguments: host found in instance"),
        ({"host": HOST}, "one of the following is required: username, client_id, access_token, api_key, "
                         "client_certificate_file found in instance"),
        ({"host": HOST, "username": "u"}, "parameters are required together: username, password found in instance"),
        ({"host": HOST, "client_id": "c"}, "parameters are required together: client_id, client_secret found in instance"),
        ({"host": HOST, "access_token": "t", "api_key": "k"},
         "parameters are mutually exclusive: access_token|api_key found in instance"),
        ({"host": HOST, "client_id": "c", "client_secret": "s", "grant_type": "password"},
         "grant_type is password but all of the following are missing: username, password found in instance"),
        ({"host": HOST, "client_id": "c", "client_secret": "s", "grant_type": "refresh_token"},
         "grant_type is refresh_token but all of the following are missing: refresh_token found in instance"),
        ({"host": HOST, "username": "u", "password": "p", "grant_type": "client_credentials"},
         "grant_type is client_credentials but all of the following are missing: client_id, client_secret found in instance"),
        ({"host": HOST, "username": "u", "password": "p", "client_key_file": "/k.pem"},
         "missing parameter(s) required by 'client_key_file': client_certificate_file found in instance"),
        ({"host": HOST, "username": "u", "password": "p", "grant_type": "implicit"},
         "value of grant_type must be one of: password, refresh_token, client_credentials, got: implicit found in instance"),
    ])
    def test_invalid(self, instance, message):
        assert message in errors(instance)

    def test_every_required_if_uses_a_valid_choice(self):
        choices = sn.SERVICENOW_OPTIONS["grant_type"]["choices"]
        assert sorted(rule[1] for rule in sn.SERVICENOW_REQUIRED_IF) == sorted(choices)
        for rule in sn.SERVICENOW_REQUIRED_IF:
            assert all(name in sn.SERVICENOW_OPTIONS for name in rule[2])
        for group in sn.SERVICENOW_REQUIRED_TOGETHER + sn.SERVICENOW_MUTUALLY_EXCLUSIVE + sn.SERVICENOW_REQUIRED_ONE_OF:
            assert all(name in sn.SERVICENOW_OPTIONS for name in group)

    def test_env_fallbacks(self, monkeypatch):
        monkeypatch.setenv("SN_HOST", HOST)
        monkeypatch.setenv("SN_USERNAME", "admin")
        monkeypatch.setenv("SN_PASSWORD", "pw")
        monkeypatch.setenv("SN_TIMEOUT", "45")
        monkeypatch.setenv("SN_SECRET_ID", "legacy")
        monkeypatch.setenv("SN_CLIENT_ID", "cid")
        result = ArgumentSpecValidator(sn.servicenow_argument_spec()).validate({})
        assert result.errors.errors == []
        instance = result.validated_parameters["instance"]
        assert (instance["host"], instance["username"], instance["password"]) == (HOST, "admin", "pw")
        assert instance["timeout"] == 45.0
        assert instance["client_secret"] == "legacy"
        assert "pw" in result._no_log_values and "legacy" in result._no_log_values

    def test_explicit_value_beats_env(self, monkeypatch):
        monkeypatch.setenv("SN_HOST", "https://env.example.com")
        instance = validate({"host": HOST, "api_key": "k"}).validated_parameters["instance"]
        assert instance["host"] == HOST

    def test_auth_precedence(self):
        assert sn.auth_method({"access_token": "t", "client_id": "c", "username": "u"}) == "access_token"
        assert sn.auth_method({"api_key": "k", "client_id": "c", "username": "u"}) == "api_key"
        assert sn.auth_method({"client_id": "c", "username": "u"}) == "oauth"
        assert sn.auth_method({"username": "u"}) == "basic"
        assert sn.auth_method({"client_certificate_file": "/c"}) == "certificate"
        assert sn.auth_method({}) is None
        assert sn.effective_grant_type({"username": "u", "password": "p"}) == "password"
        assert sn.effective_grant_type({"refresh_token": "r"}) == "refresh_token"
        assert sn.effective_grant_type({}) == "client_credentials"
        assert sn.effective_grant_type({"grant_type": "client_credentials", "username": "u", "password": "p"}) == \
            "client_credentials"


# -- query encoding ------------------------------------------------------------------------------------------------

class TestQuery:
    def test_encode(self):
        assert sn.encode_query({"name": "a^b", "active": True, "parent": None}) == "active=true^name=a^^b^parentISEMPTY"
        assert sn.encode_query("name=x^ORsys_id=y") == "name=x^ORsys_id=y"
        assert sn.encode_query(None) == ""

    def test_table_params(self):
        assert sn.table_params({"name": "x"}, ["sys_id", "name"], 2) == [
            ("sysparm_exclude_reference_link", "true"), ("sysparm_query", "name=x"),
            ("sysparm_fields", "sys_id,name"), ("sysparm_limit", "2"), ("sysparm_no_count", "true")]


# -- the client ----------------------------------------------------------------------------------------------------

def client(sleeps, **instance):
    instance.setdefault("host", HOST)
    return sn.ServiceNowClient({"instance": instance}, sleep=sleeps)


class Module:
    def __init__(self, params):
        self.params = params


class TestAuth:
    def test_basic(self, fake_http, sleeps):
        fake_http.add("GET", TABLE, json={"result": []})
        c = sn.ServiceNowClient(Module({"instance": {"host": "sn.example.com", "username": "admin", "password": "pw"}}),
                                sleep=sleeps)
        assert c.get_records("oauth_entity", {"name": "x"}) == []
        call = fake_http.calls[0]
        assert call.host == "sn.example.com"
        assert call.headers["Authorization"] == "Basic " + base64.b64encode(b"admin:pw").decode()

    @pytest.mark.parametrize("grant,instance,form", [
        ("password", {"username": "u", "password": "p"},
         {"grant_type": "password", "client_id": "cid", "client_secret": "cs", "username": "u", "password": "p"}),
        ("refresh_token", {"refresh_token": "rt"},
         {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "cs", "refresh_token": "rt"}),
        ("client_credentials", {}, {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "cs"}),
    ])
    def test_oauth_one_token_per_run(self, fake_http, sleeps, grant, instance, form):
        fake_http.add("POST", "/oauth_token.do", json={"access_token": "tok-123456789", "expires_in": 1799})
        fake_http.add("GET", TABLE, json={"result": []})
        c = client(sleeps, client_id="cid", client_secret="cs", grant_type=grant, custom_headers={"x-gw": "1"}, **instance)
        c.get_records("oauth_entity", {"name": "x"})
        c.get_records("oauth_entity", {"name": "y"})
        assert [x.method for x in fake_http.calls] == ["POST", "GET", "GET"]
        token_call = fake_http.calls[0]
        assert token_call.form == form
        assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert token_call.headers["x-gw"] == "1"
        assert "Authorization" not in token_call.headers
        assert all(x.headers["Authorization"] == "Bearer tok-123456789" for x in fake_http.calls[1:])

    def test_token_401_not_retried_and_explained(self, fake_http, sleeps):
        body = {"error": "access_denied", "error_description": "cs-secret-value is wrong"}
        fake_http.add("POST", "/oauth_token.do", status=401, json=body)
        c = client(sleeps, client_id="cid", client_secret="cs-secret-value")
        with pytest.raises(TransportError) as err:
            c.get_records("oauth_entity", {"name": "x"})
        assert len(fake_http.calls) == 1 and sleeps == []
        assert str(err.value).startswith(
            'ServiceNow POST /oauth_token.do on sn.example.com failed with HTTP 401: "access_denied" and "******** is '
            'wrong"; check instance.client_id and instance.client_secret')
        assert "cs-secret-value" not in str(err.value)

    def test_token_429_retried(self, fake_http, sleeps):
        fake_http.add("POST", "/oauth_token.do", status=429, headers={"Retry-After": "2"})
        fake_http.add("POST", "/oauth_token.do", json={"access_token": "tok"})
        fake_http.add("GET", TABLE, json={"result": []})
        client(sleeps, client_id="cid", client_secret="cs").get_records("oauth_entity")
        assert sleeps == [2.0]
        assert [x.method for x in fake_http.calls] == ["POST", "POST", "GET"]

    def test_token_without_access_token(self, fake_http, sleeps):
        fake_http.add("POST", "/oauth_token.do", json={"error": None})
        with pytest.raises(TransportError) as err:
            client(sleeps, client_id="cid", client_secret="cs").get_records("oauth_entity")
        assert str(err.value) == ("ServiceNow POST /oauth_token.do on sn.example.com answered without an access_token; "
                                  "check instance.grant_type and the OAuth application's settings.")

    def test_access_token_and_api_key(self, fake_http, sleeps):
        fake_http.add("GET", TABLE, json={"result": []})
        client(sleeps, access_token="at").get_records("oauth_entity")
        client(sleeps, api_key="key").get_records("oauth_entity")
        assert fake_http.calls[0].headers["Authorization"] == "Bearer at"
        assert fake_http.calls[1].headers["x-sn-apikey"] == "key"
        assert "Authorization" not in fake_http.calls[1].headers

    def test_client_certificate_only(self, fake_http, sleeps, tmp_path):
        c, k, ca = [str(tmp_path / n) for n in ("c.pem", "k.pem", "ca.pem")]
        for path in (c, k, ca):
            open(path, "w").close()
        fake_http.add("GET", TABLE, json={"result": []})
        client(sleeps, client_certificate_file=c, client_key_file=k, ca_path=ca,
               proxy="http://p:1").get_records("oauth_entity")
        call = fake_http.calls[0]
        assert call.cert == (c, k) and call.verify == ca
        assert call.proxies["https"] == "http://p:1"
        assert "Authorization" not in call.headers

    def test_timeout_option(self, fake_http, sleeps):
        fake_http.add("GET", TABLE, json={"result": []})
        client(sleeps, username="u", password="p", timeout=90).get_records("oauth_entity")
        client(sleeps, username="u", password="p").get_records("oauth_entity")
        assert fake_http.calls[0].timeout == (10.0, 90.0)
        assert fake_http.calls[1].timeout == (10.0, 60.0)

    def test_missing_host(self, sleeps):
        with pytest.raises(TransportError) as err:
            sn.ServiceNowClient({"instance": {"username": "u"}}, sleep=sleeps)
        assert str(err.value) == "The ServiceNow instance address is missing; set instance.host or SN_HOST."


class TestTableApi:
    def test_get_records_params(self, fake_http, sleeps):
        fake_http.add("GET", TABLE, json={"result": [{"sys_id": "1", "name": "a^b"}]})
        rows = client(sleeps, username="u", password="p").get_records(
            "oauth_entity", {"name": "a^b"}, ["sys_id", "name"], 5)
        assert rows == [{"sys_id": "1", "name": "a^b"}]
        assert fake_http.calls[0].params == {"sysparm_exclude_reference_link": "true", "sysparm_query": "name=a^^b",
                                             "sysparm_fields": "sys_id,name", "sysparm_limit": "5",
                                             "sysparm_no_count": "true"}

    def test_get_records_no_record_404_is_empty(self, fake_http, sleeps):
        body = {"error": {"message": "No Record found", "detail": "Records matching query not found"}}
        fake_http.add("GET", TABLE, status=404, json=body)
        assert client(sleeps, username="u", password="p").get_records("oauth_entity", {"name": "x"}) == []

    def test_get_records_403(self, fake_http, sleeps):
        body = {"error": {"message": "User Not Authorized", "detail": "ACL restricts the record retrieval"}}
        fake_http.add("GET", TABLE, status=403, json=body)
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").get_records("oauth_entity", {"name": "x"})
        assert str(err.value) == (
            'ServiceNow GET /api/now/table/oauth_entity on sn.example.com failed with HTTP 403: "User Not Authorized" '
            'and "ACL restricts the record retrieval"; check that the user has the roles this table needs (for '
            "example admin, or the roles of the table's ACLs) and, with an API key, that a REST API Access Policy "
            "covers this API.")

    def test_create_returns_saved_without_reading_again(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, status=201, json={"result": {"sys_id": "new", "name": "x"}})
        saved = client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"})
        assert saved == {"sys_id": "new", "name": "x"}
        assert len(fake_http.calls) == 1
        assert fake_http.calls[0].json == {"name": "x"}
        assert fake_http.calls[0].headers["Content-Type"] == "application/json"

    def test_create_not_retried_without_lookup(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, status=503)
        with pytest.raises(TransportError):
            client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"})
        assert len(fake_http.calls) == 1

    def test_create_looks_again_and_adopts(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, status=502)
        looked = []

        def lookup():
            looked.append(1)
            return {"sys_id": "made-meanwhile"}

        saved = client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"}, lookup=lookup)
        assert saved == {"sys_id": "made-meanwhile"}
        assert looked == [1] and len(fake_http.calls) == 1 and sleeps == [1.0]

    def test_create_looks_again_then_posts_again(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, status=429, headers={"Retry-After": "3"})
        fake_http.add("POST", TABLE, status=201, json={"result": {"sys_id": "new"}})
        saved = client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"}, lookup=lambda: None)
        assert saved == {"sys_id": "new"}
        assert sleeps == [3.0] and len(fake_http.calls) == 2

    def test_create_after_a_500_looks_again_and_finds_the_record(self, fake_http, sleeps):
        # A 500 on a write is never repeated blindly; the lookup proves the record was saved.
        fake_http.add("POST", TABLE, status=500, json={"error": {"message": "Internal error"}})
        saved = client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"},
                                                                  lookup=lambda: {"sys_id": "saved-anyway"})
        assert saved == {"sys_id": "saved-anyway"}
        assert len(fake_http.requests_to(TABLE, "POST")) == 1 and sleeps == [1.0]

    def test_create_whose_reply_timed_out_is_posted_again_only_when_absent(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, exc=requests.exceptions.ReadTimeout("Read timed out."))
        fake_http.add("POST", TABLE, status=201, json={"result": {"sys_id": "new"}})
        looks = []
        saved = client(sleeps, username="u", password="p", timeout=60).create(
            "oauth_entity", {"name": "x"}, lookup=lambda: looks.append(1))
        assert saved == {"sys_id": "new"}
        # the policy's wait, then the record is looked for during one more read timeout (60 s) before the new POST
        assert sleeps == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0, 29.0] and len(looks) == 7
        assert len(fake_http.requests_to(TABLE, "POST")) == 2

    def test_create_whose_reply_timed_out_finds_a_late_commit_and_posts_once(self, fake_http, sleeps):
        # the instance commits after the client gave up and after its first look (the fault matrix's "lost" reply)
        fake_http.add("POST", TABLE, exc=requests.exceptions.ReadTimeout("Read timed out."))
        answers = [None, None, {"sys_id": "late"}]
        saved = client(sleeps, username="u", password="p", timeout=5).create(
            "oauth_entity", {"name": "x"}, lookup=lambda: answers.pop(0))
        assert saved == {"sys_id": "late"}
        assert len(fake_http.requests_to(TABLE, "POST")) == 1 and sleeps == [1.0, 1.0, 2.0] and answers == []

    def test_create_answered_503_is_looked_up_once_not_waited_for(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, status=503, json={"error": {"message": "busy"}})
        fake_http.add("POST", TABLE, status=201, json={"result": {"sys_id": "new"}})
        looks = []
        saved = client(sleeps, username="u", password="p").create(
            "oauth_entity", {"name": "x"}, lookup=lambda: looks.append(1))
        assert saved == {"sys_id": "new"} and sleeps == [1.0] and len(looks) == 1

    def test_create_gives_up_after_a_second_timeout(self, fake_http, sleeps):
        fake_http.add("POST", TABLE, exc=requests.exceptions.ReadTimeout("Read timed out."))
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").create("oauth_entity", {"name": "x"}, lookup=lambda: None)
        assert err.value.kind == "timeout"
        assert len(fake_http.requests_to(TABLE, "POST")) == 2

    def test_update_and_delete(self, fake_http, sleeps):
        fake_http.add("PATCH", TABLE + "/abc", json={"result": {"sys_id": "abc", "active": "false"}})
        fake_http.add("DELETE", TABLE + "/abc", status=204)
        fake_http.add("DELETE", TABLE + "/gone", status=404, json={"error": {"message": "No Record found"}})
        c = client(sleeps, username="u", password="p")
        assert c.update("oauth_entity", "abc", {"active": "false"}) == {"sys_id": "abc", "active": "false"}
        assert fake_http.calls[0].json == {"active": "false"}
        assert c.delete("oauth_entity", "abc") is True
        assert fake_http.calls[1].headers["Content-Type"] == "application/json"
        assert fake_http.calls[1].body == ""
        assert c.delete("oauth_entity", "gone") is False


def b64(obj):
    return base64.b64encode(json.dumps(obj).encode()).decode()


def batch_answer(call, bodies, status=None):
    served = []
    for item in call.json["rest_requests"]:
        code = (status or {}).get(item["id"], 200)
        served.append({"id": item["id"], "status_code": code, "status_text": "OK", "body": bodies[item["id"]],
                       "execution_time": 3})
    return {"batch_request_id": call.json["batch_request_id"], "serviced_requests": served, "unserviced_requests": []}


class TestBatch:
    REQUESTS = [dict(table="sys_alias", query={"id": "x_camun_camunda.Camunda"}, fields=["sys_id", "id"], limit=5),
                ("cred", "oauth_2_0_credentials", "name=Camunda Connection", ["sys_id", "name"], 5)]

    def test_encode_and_decode(self, fake_http, sleeps):
        bodies = {"1": b64({"result": [{"sys_id": "a1", "id": "x_camun_camunda.Camunda"}]}),
                  "cred": b64({"result": []})}
        fake_http.handle("POST", BATCH, lambda call: (200, batch_answer(call, bodies)))
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS) == [[{"sys_id": "a1", "id": "x_camun_camunda.Camunda"}], []]
        assert len(fake_http.calls) == 1
        sent = fake_http.calls[0].json
        assert sent["batch_request_id"] == "1"
        first, second = sent["rest_requests"]
        assert (first["id"], first["method"], first["exclude_response_headers"]) == ("1", "GET", True)
        assert first["headers"] == [{"name": "Accept", "value": "application/json"}]
        url = urlsplit(first["url"])
        assert url.path == "/api/now/table/sys_alias"
        assert parse_qs(url.query) == {"sysparm_exclude_reference_link": ["true"], "sysparm_query": ["id=x_camun_camunda.Camunda"],
                                       "sysparm_fields": ["sys_id,id"], "sysparm_limit": ["5"], "sysparm_no_count": ["true"]}
        assert second["id"] == "cred"
        assert parse_qs(urlsplit(second["url"]).query)["sysparm_query"] == ["name=Camunda Connection"]

    @pytest.mark.parametrize("status, message", [
        (400, "Requested URI does not represent any resource"), (403, "Forbidden"), (404, "Not Found")])
    def test_fallback_once_per_run(self, fake_http, sleeps, status, message):
        fake_http.add("POST", BATCH, status=status, json={"error": {"message": message, "detail": None},
                                                          "status": "failure"})
        fake_http.add("GET", "/api/now/table/sys_alias", json={"result": [{"sys_id": "a1"}]})
        fake_http.add("GET", "/api/now/table/oauth_2_0_credentials", json={"result": []})
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS) == [[{"sys_id": "a1"}], []]
        assert c.batch_unavailable is True
        assert c.batch_get(self.REQUESTS) == [[{"sys_id": "a1"}], []]
        assert [(x.method, x.path) for x in fake_http.calls] == [
            ("POST", BATCH), ("GET", "/api/now/table/sys_alias"), ("GET", "/api/now/table/oauth_2_0_credentials"),
            ("GET", "/api/now/table/sys_alias"), ("GET", "/api/now/table/oauth_2_0_credentials")]

    def test_batch_401_is_an_error(self, fake_http, sleeps):
        fake_http.add("POST", BATCH, status=401, json={"error": {"message": "User Not Authenticated"}})
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").batch_get(self.REQUESTS)
        assert err.value.status == 401 and len(fake_http.calls) == 1

    def test_single_item_is_a_plain_get(self, fake_http, sleeps):
        fake_http.add("GET", "/api/now/table/sys_alias", json={"result": []})
        assert client(sleeps, username="u", password="p").batch_get(self.REQUESTS[:1]) == [[]]
        assert [x.method for x in fake_http.calls] == ["GET"]
        assert client(sleeps, username="u", password="p").batch_get([]) == []

    def test_inner_error_is_parsed(self, fake_http, sleeps):
        bodies = {"1": b64({"error": {"message": "User Not Authorized", "detail": "ACL restricts"}}),
                  "cred": b64({"result": []})}
        fake_http.handle("POST", BATCH, lambda call: (200, batch_answer(call, bodies, {"1": 403})))
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").batch_get(self.REQUESTS)
        assert str(err.value).startswith('ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP '
                                         '403: "User Not Authorized" and "ACL restricts"; check that the user has the roles')

    def test_inner_no_record_and_unserviced(self, fake_http, sleeps):
        def answer(call):
            item = call.json["rest_requests"][0]
            return 200, {"batch_request_id": "1", "serviced_requests": [{
                "id": item["id"], "status_code": 404, "body": b64({"error": {"message": "No Record found"}})}],
                "unserviced_requests": ["cred"]}

        fake_http.handle("POST", BATCH, answer)
        fake_http.add("GET", "/api/now/table/oauth_2_0_credentials", json={"result": [{"sys_id": "c"}]})
        assert client(sleeps, username="u", password="p").batch_get(self.REQUESTS) == [[], [{"sys_id": "c"}]]

    @pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
    def test_inner_transient_status_is_read_again_on_its_own(self, fake_http, sleeps, status):
        # the item's own rate limit or failure: one GET of that item (retried by the transport), not a failed run
        bodies = {"1": b64({"error": {"message": "Too many requests" if status == 429 else "busy"}}),
                  "cred": b64({"result": [{"sys_id": "c"}]})}
        fake_http.handle("POST", BATCH, lambda call: (200, batch_answer(call, bodies, {"1": status})))
        fake_http.add("GET", "/api/now/table/sys_alias", status=status, json={"error": {"message": "again"}})
        fake_http.add("GET", "/api/now/table/sys_alias", json={"result": [{"sys_id": "a1"}]})
        assert client(sleeps, username="u", password="p").batch_get(self.REQUESTS) == [[{"sys_id": "a1"}],
                                                                                       [{"sys_id": "c"}]]
        assert [(x.method, x.path) for x in fake_http.calls] == [
            ("POST", BATCH), ("GET", "/api/now/table/sys_alias"), ("GET", "/api/now/table/sys_alias")]
        assert sleeps == [1.0]

    def test_bad_items(self, sleeps):
        c = client(sleeps, username="u", password="p")
        with pytest.raises(ValueError):
            c.batch_get([("a", "b")])
        with pytest.raises(ValueError):
            c.batch_get([("x", "t", None, None, 1), ("x", "t", None, None, 1)])


# -- helpers moved down from the modules -------------------------------------------------------------------------

class TestOptionalBatchItems:
    """batch_get items with optional=True: a 403 on their table reads as None (was servicenow_spoke_info's
    batch_get_optional)."""

    REQUESTS = [dict(table="sys_alias", query="id=x", fields=["sys_id"], limit=5),
                dict(table="v_plugin", query="idINa", fields=["id"], limit=50, optional=True),
                dict(table="sys_plugins", query="sourceINa", fields=["source"], limit=50, optional=True)]

    def test_refused_optional_item_is_none_and_costs_one_more_batch(self, fake_http, sleeps):
        bodies = {"1": b64({"result": [{"sys_id": "a1"}]}), "2": b64({"error": {"message": "User Not Authorized"}}),
                  "3": b64({"result": [{"source": "a"}]})}

        def answer(call):
            ids = [item["id"] for item in call.json["rest_requests"]]
            if len(ids) == 3:
                return 200, batch_answer(call, bodies, {"2": 403})
            return 200, batch_answer(call, {"1": bodies["1"], "2": bodies["3"]})
        fake_http.handle("POST", BATCH, answer)
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS) == [[{"sys_id": "a1"}], None, [{"source": "a"}]]
        assert [len(call.json["rest_requests"]) for call in fake_http.calls] == [3, 2]
        assert [urlsplit(item["url"]).path for item in fake_http.calls[1].json["rest_requests"]] == [
            "/api/now/table/sys_alias", "/api/now/table/sys_plugins"]

    def test_refused_optional_item_without_the_batch_api(self, fake_http, sleeps):
        fake_http.add("POST", BATCH, status=404, json={"error": {"message": "Requested URI does not represent any resource"}})
        fake_http.add("GET", "/api/now/table/sys_alias", json={"result": []})
        fake_http.add("GET", "/api/now/table/v_plugin", status=403, json={"error": {"message": "User Not Authorized"}})
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS[:2]) == [[], None]
        assert c.batch_get(self.REQUESTS[1:2]) == [None]

    def test_optional_item_of_an_invalid_table_is_none(self, fake_http, sleeps):
        bodies = {"1": b64({"result": [{"sys_id": "a1"}]}), "2": b64({"result": [{"id": "a"}]}),
                  "3": b64({"error": {"message": "Invalid table sys_plugins", "detail": None}, "status": "failure"})}

        def answer(call):
            ids = [item["id"] for item in call.json["rest_requests"]]
            if len(ids) == 3:
                return 200, batch_answer(call, bodies, {"3": 400})
            return 200, batch_answer(call, {"1": bodies["1"], "2": bodies["2"]})
        fake_http.handle("POST", BATCH, answer)
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS) == [[{"sys_id": "a1"}], [{"id": "a"}], None]
        assert [len(call.json["rest_requests"]) for call in fake_http.calls] == [3, 2]

    def test_optional_item_of_an_invalid_table_without_the_batch_api(self, fake_http, sleeps):
        fake_http.add("POST", BATCH, status=400, json={"error": {"message": "Requested URI does not represent any "
                                                                 "resource", "detail": None}, "status": "failure"})
        fake_http.add("GET", "/api/now/table/v_plugin", json={"result": [{"id": "a"}]})
        fake_http.add("GET", "/api/now/table/sys_plugins", status=400, json={"error": {"message": "Invalid table sys_plugins"}})
        c = client(sleeps, username="u", password="p")
        assert c.batch_get(self.REQUESTS[1:]) == [[{"id": "a"}], None]
        assert [(x.method, x.path) for x in fake_http.calls] == [
            ("POST", BATCH), ("GET", "/api/now/table/v_plugin"), ("GET", "/api/now/table/sys_plugins")]

    def test_a_required_item_of_an_invalid_table_fails(self, fake_http, sleeps):
        fake_http.add("GET", "/api/now/table/sys_alias", status=400, json={"error": {"message": "Invalid table sys_alias"}})
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").batch_get(self.REQUESTS[:1])
        assert err.value.status == 400

    def test_other_400_of_an_optional_item_fails(self, fake_http, sleeps):
        fake_http.add("GET", "/api/now/table/v_plugin", status=400, json={"error": {"message": "Bad query"}})
        c = client(sleeps, username="u", password="p")
        c.batch_unavailable = True
        with pytest.raises(TransportError) as err:
            c.batch_get(self.REQUESTS[1:2])
        assert err.value.status == 400

    def test_every_optional_item_refused(self, fake_http, sleeps):
        fake_http.add("GET", "/api/now/table/v_plugin", status=403, json={"error": {"message": "User Not Authorized"}})
        fake_http.add("GET", "/api/now/table/sys_plugins", status=403, json={"error": {"message": "User Not Authorized"}})
        c = client(sleeps, username="u", password="p")
        c.batch_unavailable = True
        assert c.batch_get(self.REQUESTS[1:]) == [None, None]
        assert len(fake_http.calls) == 2

    @pytest.mark.parametrize("status", [401, 500])
    def test_other_failures_of_an_optional_item_fail(self, fake_http, sleeps, status):
        fake_http.add("GET", "/api/now/table/v_plugin", status=status, json={"error": {"message": "nope"}})
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p", timeout=1).batch_get(self.REQUESTS[1:2])
        assert err.value.status == status

    def test_refused_required_item_fails(self, fake_http, sleeps):
        fake_http.add("GET", "/api/now/table/sys_alias", status=403, json={"error": {"message": "User Not Authorized"}})
        fake_http.add("GET", "/api/now/table/v_plugin", json={"result": []})
        c = client(sleeps, username="u", password="p")
        c.batch_unavailable = True
        with pytest.raises(TransportError) as err:
            c.batch_get(self.REQUESTS[:2])
        assert err.value.status == 403 and err.value.path == "/api/now/table/sys_alias"


class TestCallJson:
    """ServiceNowClient.call_json (was servicenow_spoke's call_json)."""

    def test_result_member_and_json_content_type(self, fake_http, sleeps):
        fake_http.add("POST", "/api/sn_cicd/app/batch/install", json={"result": {"status": "0"}})
        c = client(sleeps, username="u", password="p")
        assert c.call_json("POST", "/api/sn_cicd/app/batch/install", {"packages": []}) == {"status": "0"}
        call = fake_http.calls[0]
        assert call.json == {"packages": []} and call.headers["Content-Type"] == "application/json"

    def test_body_without_result_and_empty_body(self, fake_http, sleeps):
        fake_http.add("GET", "/api/x/plain", json={"status": "ok"})
        fake_http.add("GET", "/api/x/empty", status=204, text="")
        c = client(sleeps, username="u", password="p")
        assert c.call_json("GET", "/api/x/plain") == {"status": "ok"}
        assert c.call_json("GET", "/api/x/empty") is None
        assert fake_http.calls[0].body == ""

    def test_error_is_one_sentence(self, fake_http, sleeps):
        fake_http.add("GET", "/api/sn_cicd/progress/p1", status=403, json={"error": {"message": "Forbidden"}})
        with pytest.raises(TransportError) as err:
            client(sleeps, username="u", password="p").call_json("GET", "/api/sn_cicd/progress/p1")
        assert str(err.value).startswith('ServiceNow GET /api/sn_cicd/progress/p1 on sn.example.com failed with '
                                         'HTTP 403: "Forbidden"; check that the user has the roles')


class TestApplyPlan:
    """ServiceNowClient.apply_plan (was write_plan in servicenow_credential and servicenow_oauth_profile)."""

    def test_create_update_delete_and_check_mode(self, fake_http, sleeps):
        c = client(sleeps, username="u", password="p")
        create = records.plan(None, {"name": "n", "active": True}, state="present")
        assert c.apply_plan("t", create, True, ["sys_id", "name", "active"]) == {
            "changed": True, "diff": {"before": {}, "after": {"name": "n", "active": "true"}},
            "record": {"name": "n", "active": True}}
        assert fake_http.calls == []
        fake_http.add("POST", "/api/now/table/t", status=201, json={"result": {"sys_id": "s1", "name": "n", "active": "true"}})
        assert c.apply_plan("t", create, False, ["sys_id", "name", "active"])["record"] == {
            "sys_id": "s1", "name": "n", "active": "true"}
        assert fake_http.calls[-1].params["sysparm_fields"] == "sys_id,name,active"
        update = records.plan({"sys_id": "s1", "name": "n", "active": "false"}, {"name": "n", "active": True})
        fake_http.add("PATCH", "/api/now/table/t/s1", json={"result": {"sys_id": "s1", "name": "n", "active": "true"}})
        assert c.apply_plan("t", update, False)["changed"] is True
        assert fake_http.calls[-1].json == {"active": True}
        delete = records.plan({"sys_id": "s1", "name": "n"}, {"name": None}, state="absent")
        fake_http.add("DELETE", "/api/now/table/t/s1", status=204, text="")
        assert c.apply_plan("t", delete, False) == {"changed": True, "diff": {"before": {"name": "n"}, "after": {}},
                                                    "record": {}}

    def test_business_rule_names_the_instance(self, fake_http, sleeps):
        c = client(sleeps, username="u", password="p")
        update = records.plan({"sys_id": "s1", "order": "1"}, {"order": 100})
        fake_http.add("PATCH", "/api/now/table/t/s1", json={"result": {"sys_id": "s1", "order": "5"}})
        with pytest.raises(records.RecordError) as err:
            c.apply_plan("t", update, False, what="credential")
        # host[:port] once, where the shared {where} marker puts it (not the full URL, not twice)
        assert str(err.value).startswith("ServiceNow saved the credential s1 on sn.example.com differently than "
                                         "asked: order is '5', not the '100' asked for;")
        assert "https://" not in str(err.value)

    def test_create_passes_the_lookup(self, fake_http, sleeps):
        c = client(sleeps, username="u", password="p")
        fake_http.add("POST", "/api/now/table/t", status=503, json={"error": {"message": "busy"}})
        found = {"sys_id": "s9", "name": "n"}
        result = c.apply_plan("t", records.plan(None, {"name": "n"}), False, lookup=lambda: found)
        assert result["record"] == found and [x.method for x in fake_http.calls] == ["POST"]


class TestNameOrSysId:
    SYS_ID = "0123456789abcdef0123456789abcdef"

    def test_query(self):
        assert sn.name_or_sys_id_query(self.SYS_ID) == "sys_id={0}^ORname={0}".format(self.SYS_ID)
        assert sn.name_or_sys_id_query("Camunda ^ Connection") == "name=Camunda ^^ Connection"
        assert sn.is_sys_id(self.SYS_ID) and not sn.is_sys_id(self.SYS_ID.upper()) and not sn.is_sys_id(None)

    def test_find(self):
        rows = [{"sys_id": self.SYS_ID, "name": "other"}, {"sys_id": "b" * 32, "name": self.SYS_ID},
                {"sys_id": "c" * 32, "name": "Camunda"}, {"sys_id": "d" * 32, "name": "camunda"}]
        assert sn.find_by_name_or_sys_id(rows, self.SYS_ID)["name"] == "other"
        assert sn.find_by_name_or_sys_id(rows, "Camunda")["sys_id"] == "c" * 32
        assert sn.find_by_name_or_sys_id(rows, "missing") is None
        assert sn.find_by_name_or_sys_id(None, "missing") is None

    def test_duplicate_names_are_an_error(self):
        rows = [{"sys_id": "c" * 32, "name": "Camunda"}, {"sys_id": "d" * 32, "name": "Camunda"}]
        with pytest.raises(records.RecordError) as err:
            sn.find_by_name_or_sys_id(rows, "Camunda", "credential")
        assert str(err.value) == ("Found 2 credential records matching name='Camunda' (sys_id: {0}, {1}); a natural key "
                                  "must identify one record, so remove or rename the duplicates, or identify the record "
                                  "by its id".format("c" * 32, "d" * 32))


@pytest.mark.parametrize("host, expected", [
    ("https://sn.example.test", "sn.example.test"),
    ("sn.example.test:8443/", "sn.example.test:8443"),
    ("", None),
    (None, None),
])
def test_instance_host_names_the_instance_for_error_sentences(host, expected):
    assert sn.instance_host({"instance": {"host": host}}) == expected


# -- unknown keys in `instance` --------------------------------------------------------------------------------------

def module_args(monkeypatch, args):
    """Expose ``args`` to AnsibleModule as a module run would (ansible-core 2.19+ has a helper; older ones read the
    module-level buffer)."""
    from ansible.module_utils import basic
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", payload)
    if hasattr(basic, "_ANSIBLE_PROFILE"):
        monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")


def test_unknown_instance_key_fails_naming_it_never_its_value(monkeypatch, capsys):
    module_args(monkeypatch, {"instance": {"host": "https://sn.example.com", "username": "admin",
                                           "passwd": "S3cret-typo-value"}, "name": "x"})
    with pytest.raises(SystemExit):
        sn.servicenow_argument_spec()
    printed = capsys.readouterr().out
    result = json.loads(printed)
    assert result["failed"] is True
    assert result["msg"] == (
        "The instance option has unknown key 'passwd' (did you mean 'password'?), whose value is not shown; the keys "
        "are access_token, allow_http, api_key, api_path, ca_path, client_certificate_file, client_id, "
        "client_key_file, client_secret, custom_headers, grant_type, host, password, proxy, refresh_token, timeout, "
        "username, validate_certs.")
    assert "S3cret-typo-value" not in printed


def test_known_instance_keys_pass(monkeypatch):
    module_args(monkeypatch, {"instance": {"host": "https://sn.example.com", "username": "u", "password": "p"}})
    assert "instance" in sn.servicenow_argument_spec()


def test_outside_a_module_run_nothing_is_read():
    assert sn.unknown_instance_keys({"host": "h", "Passwd": "x", "zz": 1}) == ["Passwd", "zz"]
    assert "instance" in sn.servicenow_argument_spec()


@pytest.mark.parametrize("host,message", [
    ("http://sn.example.com", "The ServiceNow instance address http://sn.example.com uses http://, which would send the "
     "credentials in clear; use https://, or set instance.allow_http to true for a test instance on a network you "
     "trust (nothing was sent)."),
    ("https://sn.example.com/now/nav", "The ServiceNow instance address 'https://sn.example.com/now/nav' has a path "
     "(/now/nav; a gateway's API prefix belongs in instance.api_path); give it as https://host[:port], for example "
     "https://dev12345.service-now.com (nothing was sent)."),
    ("https://user:pw@sn.example.com", "The ServiceNow instance address 'https://sn.example.com' contains credentials "
     "(they belong in instance.username and instance.password); give it as https://host[:port], for example "
     "https://dev12345.service-now.com (nothing was sent)."),
])
def test_instance_host_refused(host, message):
    with pytest.raises(TransportError) as err:
        sn.instance_base_url({"host": host})
    assert str(err.value) == message


@pytest.mark.parametrize("host,expected", [
    ("dev1.service-now.com", "https://dev1.service-now.com"), ("https://dev1.service-now.com/", "https://dev1.service-now.com"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("http://localhost", "http://localhost"),
    ("http://[::1]:9", "http://[::1]:9"),
])
def test_instance_host_accepted(host, expected):
    assert sn.instance_base_url({"host": host}) == expected


def test_http_with_the_opt_in():
    assert sn.instance_base_url({"host": "http://sn.lab", "allow_http": True}) == "http://sn.lab"


def test_timeout_zero_is_refused():
    with pytest.raises(TransportError) as err:
        sn.ServiceNowClient({"host": "https://sn.example.com", "username": "u", "password": "p", "timeout": 0})
    assert str(err.value) == ("instance.timeout is 0; give the seconds to wait for an answer, more than 0 (default 60), "
                              "nothing was sent.")


def test_may_differ_on_save_names_read_only_and_computed_columns():
    assert sn.may_differ_on_save("sys_scope") == "the instance ignores this read-only system column"
    assert sn.may_differ_on_save("connection_url") == "the instance computes this column"
    assert sn.may_differ_on_save("host") is None and sn.may_differ_on_save("active") is None
