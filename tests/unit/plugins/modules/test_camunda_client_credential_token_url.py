# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""camunda_client_credential hands ServiceNow the configured token service (camunda.oauth_url), never the token URL
the Console reports as ZEEBE_AUTHORIZATION_SERVER_URL (issue 10, item 6)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient
from ansible_collections.camunda.servicenow.plugins.modules import camunda_client_credential as mod

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"
DETAILS = {"name": "servicenow", "ZEEBE_CLIENT_ID": "abc",
           "ZEEBE_ADDRESS": "{0}.bru-2.zeebe.camunda.io:443".format(CLUSTER),
           "ZEEBE_AUTHORIZATION_SERVER_URL": "https://login.cloud.camunda.io/oauth/token"}


def test_connection_uses_the_configured_token_service_not_the_consoles_value():
    options = CamundaClient({"oauth_url": "https://login.mirror.example/oauth/token"})
    out = mod.saas_connection({"clientId": "abc", "name": "servicenow"}, CLUSTER, DETAILS, options, "zeebe.camunda.io")
    assert out["token_url"] == "https://login.mirror.example/oauth/token"
    assert out["host"] == "bru-2.zeebe.camunda.io" and out["region"] == "bru-2"


def test_connection_without_details_uses_the_configured_token_service():
    options = CamundaClient({"oauth_url": "https://login.mirror.example/oauth/token"})
    out = mod.saas_connection(None, CLUSTER, None, options, "zeebe.camunda.io")
    assert out["token_url"] == "https://login.mirror.example/oauth/token"
