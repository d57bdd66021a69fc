# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX credential types inject exactly the environment variables the modules read, and nothing breaks when AWX
sets the variables of unset fields to empty strings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

import awx_credential_types as act

KINDS = ("servicenow", "camunda")


@pytest.mark.parametrize("kind", KINDS)
def test_definition_agrees_with_the_options_table(kind):
    assert act.check(act.load(kind), act.options_table(kind), act.EXCLUDED[kind]) == []


@pytest.mark.parametrize("kind", KINDS)
def test_definition_shape(kind):
    definition = act.load(kind)
    assert sorted(definition) == ["description", "injectors", "inputs", "kind", "name"]
    assert definition["kind"] == "cloud"
    assert list(definition["injectors"]) == ["env"]
    assert definition["name"].endswith("(camunda.servicenow)")
    for field in definition["inputs"]["fields"]:
        assert set(field) <= {"id", "label", "type", "secret", "help_text", "choices", "default"}, field
        assert field["type"] == "string" and field["label"], field


@pytest.mark.parametrize("kind", KINDS)
def test_excluded_options_are_explained_in_the_file(kind):
    comment = act.header_comment(kind)
    for name in act.EXCLUDED[kind]:
        assert name in comment, name


def test_secret_and_required_fields():
    servicenow = act.load("servicenow")
    secrets = sorted(f["id"] for f in servicenow["inputs"]["fields"] if f.get("secret"))
    assert secrets == ["api_key", "client_secret", "password", "refresh_token"]
    assert servicenow["inputs"]["required"] == ["host"]
    camunda = act.load("camunda")
    secrets = sorted(f["id"] for f in camunda["inputs"]["fields"] if f.get("secret"))
    assert secrets == ["client_secret", "keycloak_admin_password"]
    assert camunda["inputs"]["required"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_secret_fields_go_into_variables_awx_masks_in_the_stored_job_environment(kind):
    """AWX stores a job's environment with values of names matching API|TOKEN|KEY|SECRET|PASS masked."""
    definition = act.load(kind)
    secret = set(f["id"] for f in definition["inputs"]["fields"] if f.get("secret"))
    for env, template in definition["injectors"]["env"].items():
        if act.TEMPLATE_FIELD.match(template).group(1) in secret:
            assert re.search("API|TOKEN|KEY|SECRET|PASS", env, re.I), env


def test_empty_credential_renders_the_module_defaults():
    assert act.render_env(act.load("servicenow"), {}) == {
        "SN_HOST": "", "SN_USERNAME": "", "SN_PASSWORD": "", "SN_CLIENT_ID": "", "SN_CLIENT_SECRET": "",
        "SN_REFRESH_TOKEN": "", "SN_API_KEY": "", "SN_VALIDATE_CERTS": "true", "SN_CA_PATH": "",
        "SN_PROXY": ""}
    assert act.render_env(act.load("camunda"), {}) == {
        "CAMUNDA_DEPLOYMENT": "saas", "CAMUNDA_CONSOLE_CLIENT_ID": "", "CAMUNDA_CONSOLE_CLIENT_SECRET": "",
        "CAMUNDA_OAUTH_URL": "https://login.cloud.camunda.io/oauth/token",
        "CAMUNDA_CONSOLE_BASE_URL": "https://api.cloud.camunda.io", "CAMUNDA_CLUSTER_API_URL": "",
        "CAMUNDA_KEYCLOAK_URL": "", "CAMUNDA_KEYCLOAK_REALM": "camunda-platform",
        "CAMUNDA_KEYCLOAK_ADMIN_USERNAME": "", "CAMUNDA_KEYCLOAK_ADMIN_PASSWORD": "", "CAMUNDA_VALIDATE_CERTS": "true",
        "CAMUNDA_CA_PATH": ""}


def test_values_are_rendered_verbatim():
    env = act.render_env(act.load("servicenow"), {"host": "https://sn.example.com", "username": "u", "password": "p w{%",
                                                  "validate_certs": "false"})
    assert (env["SN_HOST"], env["SN_USERNAME"], env["SN_PASSWORD"], env["SN_VALIDATE_CERTS"]) == (
        "https://sn.example.com", "u", "p w{%", "false")


def validate(spec, monkeypatch, env):
    for name in list(act.os.environ):
        if name.startswith(("SN_", "CAMUNDA_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(copy.deepcopy(spec)).validate({})
    return [str(e) for e in result.errors], result.validated_parameters


SERVICENOW_CREDENTIALS = [
    {"host": "https://sn.example.com", "username": "admin", "password": "pw"},
    {"host": "https://sn.example.com", "username": "admin", "password": "pw", "client_id": "c", "client_secret": "s"},
    {"host": "https://sn.example.com", "client_id": "c", "client_secret": "s", "validate_certs": "false", "ca_path": "/ca.pem"},
    {"host": "https://sn.example.com", "client_id": "c", "client_secret": "s", "refresh_token": "r"},
    {"host": "https://sn.example.com", "api_key": "k", "proxy": "http://proxy:3128"},
]


@pytest.mark.parametrize("inputs", SERVICENOW_CREDENTIALS, ids=lambda i: "+".join(sorted(i)))
def test_servicenow_injected_env_equals_setting_only_the_given_fields(inputs, monkeypatch):
    """AWX also sets the variables of the unset fields (to ""): the modules must read that as "not set"."""
    servicenow = act.import_module_utils("servicenow")
    spec = servicenow.servicenow_argument_spec()
    injected = act.render_env(act.load("servicenow"), inputs)
    errors, params = validate(spec, monkeypatch, injected)
    assert errors == []
    only_given = dict((k, v) for k, v in injected.items() if v)
    errors, expected = validate(spec, monkeypatch, only_given)
    assert errors == []
    got = dict((k, v) for k, v in params["instance"].items() if v not in ("", None))
    want = dict((k, v) for k, v in expected["instance"].items() if v not in ("", None))
    assert got == want
    assert servicenow.auth_method(params["instance"]) == servicenow.auth_method(expected["instance"])
    assert servicenow.effective_grant_type(params["instance"]) == servicenow.effective_grant_type(expected["instance"])
    assert params["instance"]["validate_certs"] is (inputs.get("validate_certs") != "false")


CAMUNDA_CREDENTIALS = [
    {"client_id": "c", "client_secret": "s"},
    {"client_id": "c", "client_secret": "s", "oauth_url": "https://login.example/oauth/token",
     "console_url": "https://console.example", "cluster_api_url": "https://zeebe.example", "ca_path": "/ca.pem"},
    {"deployment": "self_managed", "keycloak_url": "https://kc.example/auth", "keycloak_admin_username": "admin",
     "keycloak_admin_password": "pw", "validate_certs": "false"},
]


@pytest.mark.parametrize("inputs", CAMUNDA_CREDENTIALS, ids=lambda i: "+".join(sorted(i)))
def test_camunda_injected_env_equals_setting_only_the_given_fields(inputs, monkeypatch):
    camunda = act.import_module_utils("camunda")
    spec = camunda.camunda_argument_spec()
    injected = act.render_env(act.load("camunda"), inputs)
    errors, params = validate(spec, monkeypatch, injected)
    assert errors == []
    errors, expected = validate(spec, monkeypatch, dict((k, v) for k, v in injected.items() if v))
    assert errors == []
    got = dict((k, v) for k, v in params["camunda"].items() if v not in ("", None))
    want = dict((k, v) for k, v in expected["camunda"].items() if v not in ("", None))
    assert got == want
    assert params["camunda"]["deployment"] == inputs.get("deployment", "saas")
    assert params["camunda"]["validate_certs"] is (inputs.get("validate_certs") != "false")
    for name, option in camunda.CAMUNDA_OPTIONS.items():
        if option.get("default") is not None and "env" in option:
            assert params["camunda"][name] not in ("", None), name


# --- the checker itself catches every kind of drift -------------------------------------------------------------

def mutated(kind, change):
    definition = copy.deepcopy(act.load(kind))
    change(definition)
    return act.check(definition, act.options_table(kind), act.EXCLUDED[kind])


def test_check_reports_an_env_var_no_module_reads():
    def change(d):
        d["injectors"]["env"]["SN_HOSTNAME"] = "{{ host }}"
    assert mutated("servicenow", change) == ["SN_HOSTNAME is injected but no module reads it"]


def test_check_reports_an_alias_instead_of_the_primary_name():
    def change(d):
        d["injectors"]["env"]["SN_SECRET_ID"] = d["injectors"]["env"].pop("SN_CLIENT_SECRET")
    assert mutated("servicenow", change) == ["SN_SECRET_ID is an alias; inject SN_CLIENT_SECRET for client_secret"]


def test_check_reports_a_field_rendered_into_the_wrong_variable():
    def change(d):
        d["injectors"]["env"]["SN_USERNAME"] = "{{ password }}"
    assert mutated("servicenow", change) == ["SN_USERNAME must render the field username, as '{{ username }}'",
                                             "field username is injected into no environment variable",
                                             "options read from the environment but neither injected nor excluded: username"]


def test_check_reports_a_secret_that_is_not_marked_secret():
    def change(d):
        [f for f in d["inputs"]["fields"] if f["id"] == "password"][0].pop("secret")
    assert mutated("servicenow", change) == ["field password: secret is False but the option's no_log is True"]


def test_check_reports_a_missing_or_wrong_default():
    def drop(d):
        d["injectors"]["env"]["CAMUNDA_OAUTH_URL"] = "{{ oauth_url }}"

    def wrong(d):
        d["injectors"]["env"]["CAMUNDA_KEYCLOAK_REALM"] = "{{ keycloak_realm | default('master', true) }}"
    assert mutated("camunda", drop) == [
        "CAMUNDA_OAUTH_URL would be empty when the field is unset, not the default "
        "'https://login.cloud.camunda.io/oauth/token'; add | default('https://login.cloud.camunda.io/oauth/token', true)"]
    assert mutated("camunda", wrong) == [
        "CAMUNDA_KEYCLOAK_REALM renders default 'master', the module's default is 'camunda-platform'"]


def test_check_reports_an_option_neither_injected_nor_excluded():
    def change(d):
        del d["injectors"]["env"]["SN_PROXY"]
        d["inputs"]["fields"] = [f for f in d["inputs"]["fields"] if f["id"] != "proxy"]
    assert mutated("servicenow", change) == ["options read from the environment but neither injected nor excluded: proxy"]


def test_check_reports_a_field_without_injector_and_a_boolean_field():
    def change(d):
        d["inputs"]["fields"].append({"id": "timeout", "label": "Timeout", "type": "string"})
        [f for f in d["inputs"]["fields"] if f["id"] == "validate_certs"][0]["type"] = "boolean"
    assert mutated("servicenow", change) == [
        "field timeout is injected into no environment variable",
        "field validate_certs is boolean: AWX renders an unset boolean as False; use choices true/false"]


def test_render_env_treats_an_unset_boolean_as_false():
    definition = {"inputs": {"fields": [{"id": "flag", "type": "boolean"}]}, "injectors": {"env": {"X": "{{ flag }}"}}}
    assert act.render_env(definition, {}) == {"X": "False"}
    assert act.render_env(definition, {"flag": True}) == {"X": "True"}
