# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import camunda as cm
from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.modules import camunda_token as mod

NOW = 1767323045.0


def client(sleeps, **overrides):
    options = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
    options.update(client_id="org", client_secret="org-secret", oauth_url="https://login.test/oauth/token")
    options.update(overrides)
    return cm.CamundaClient(options, sleep=sleeps, clock=lambda: NOW)


def params(**overrides):
    out = {"client_id": None, "client_secret": None, "audience": None, "token_url": None}
    out.update(overrides)
    return out


def test_console_token_of_the_organization_client(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "tok", "expires_in": 86400, "token_type": "Bearer",
                                                "scope": "Cluster ZeebeClient"})
    result = mod.fetch(params(), client(sleeps))
    assert result == {"changed": False, "access_token": "tok", "token_type": "Bearer", "audience": "api.cloud.camunda.io",
                      "token_url": "https://login.test/oauth/token", "client_id": "org", "expires_in": 86400,
                      "expires_at": "2026-01-03T03:04:05Z", "expires_at_epoch": 1767409445, "scope": "Cluster ZeebeClient"}
    assert fake_http.calls[0].form["audience"] == "api.cloud.camunda.io"
    assert len(fake_http.calls) == 1


def test_cluster_token_for_a_given_client(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 3600})
    result = mod.fetch(params(client_id="cc", client_secret="cs"), client(sleeps))
    assert fake_http.calls[0].form == {"grant_type": "client_credentials", "client_id": "cc", "client_secret": "cs",
                                       "audience": "zeebe.camunda.io"}
    assert result["access_token"] == "ctok" and result["client_id"] == "cc" and result["audience"] == "zeebe.camunda.io"


def test_self_managed_without_client_is_the_keycloak_admin_token(fake_http, sleeps):
    fake_http.add("POST", "/auth/realms/master/protocol/openid-connect/token", json={"access_token": "kc", "expires_in": 60})
    result = mod.fetch(params(), client(sleeps, deployment="self_managed", keycloak_url="https://kc.test/auth",
                                        keycloak_admin_username="admin", keycloak_admin_password="pw"))
    assert result["access_token"] == "kc" and result["client_id"] == "admin" and result["audience"] == ""
    assert fake_http.calls[0].form["grant_type"] == "password"


def test_wrong_credentials_fail_once_without_the_secret(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", status=401, json={"error": "access_denied", "error_description": "Unauthorized"})
    with pytest.raises(errors.CamundaError) as err:
        mod.fetch(params(), client(sleeps))
    assert len(fake_http.calls) == 1 and sleeps == []
    assert "org-secret" not in str(err.value)
    assert str(err.value).startswith("Fetching the Console API token for client 'org' failed: Camunda token service POST "
                                     "/oauth/token on login.test failed with HTTP 401")
