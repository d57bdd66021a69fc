# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import doctor

EXPECTED = {"host": "sn.example.test", "scope": "x_camun_camunda", "alias": "x_camun_camunda.Camunda",
            "oauth_name": "Camunda OAuth", "min_release": "yokohama", "min_version": "8.6",
            "cluster_host": "bru-2.zeebe.camunda.io", "cluster_base_path": "/c1",
            "token_url": "https://login.cloud.camunda.io/oauth/token", "secret_names": ["snUser", "snPwd"]}
HEALTHY = {
    "release": "Yokohama",
    "plugins": [{"name": "IntegrationHub Action Step - REST", "id": "com.glide.hub.action_step.rest", "active": True}],
    "spoke": {"version": "1.2.0", "active": "true"},
    "connection": {"alias": "a1", "connections": [{"name": "Camunda API Connection", "active": "true",
                                                   "host": "bru-2.zeebe.camunda.io", "base_path": "/c1"}]},
    "oauth": {"client_id": "cid", "token_url": "https://login.cloud.camunda.io/oauth/token"},
    "clients": ["cid", "other"],
    "cluster": {"ready": True, "status": "Healthy", "version": "8.8.0", "region": "bru-2"},
    "authorizations": {"readable": True, "missing": []},
    "connector_secrets": {"names": ["snPwd", "snUser"]},
    "connector_login": {"user": "camunda.connectors", "status": 200},
}


def statuses(facts):
    return dict((c["name"], c["status"]) for c in doctor.evaluate(facts, EXPECTED))


def broken(**changes):
    facts = copy.deepcopy(HEALTHY)
    facts.update(changes)
    return facts


def test_healthy_is_all_ok():
    checks = doctor.evaluate(HEALTHY, EXPECTED)
    assert [c["name"] for c in checks] == list(doctor.CHECKS)
    assert set(c["status"] for c in checks) == {"ok"} and all(c["fix"] == "" for c in checks)
    assert doctor.summary(checks) == "ok"


@pytest.mark.parametrize("changes, name, fix", [
    ({"release": "glide-xanadu-07-02-2024__patch7"}, "release",
     "Upgrade the instance to Yokohama or later; the Camunda Spoke does not install on older releases."),
    ({"plugins": [{"name": "IntegrationHub Action Step - REST", "id": "com.glide.hub.action_step.rest",
                   "active": False}]}, "plugins",
     "Plugin IntegrationHub Action Step - REST (com.glide.hub.action_step.rest) is not active on sn.example.test, and "
     "ServiceNow activates Integration Hub plugins only on request: as admin open All > System Applications > All "
     "Available Applications, find IntegrationHub Action Step - REST and choose Request plugin (Now Support schedules "
     "it; a Personal Developer Instance can preview Integration Hub)."),
    ({"spoke": None}, "spoke",
     "Install the Camunda Spoke from the ServiceNow Store (or run site.yml with setup_spoke_install: true)."),
    ({"connection": {"alias": "a1", "connections": [{"name": "c", "active": "false"}]}}, "connection",
     "Activate the connection on x_camun_camunda.Camunda (Connections & Credentials) or run site.yml."),
    ({"connection": {"alias": "a1", "connections": [{"name": "c", "active": "true", "host": "jfk-1.zeebe.camunda.io",
                                                     "base_path": "/c1"}]}}, "connection_url",
     "Run site.yml, or set the connection's host to bru-2.zeebe.camunda.io and base path to /c1 (the cluster's region "
     "and id)."),
    ({"oauth": {"client_id": "cid", "token_url": "https://login.example/oauth/token"}}, "token_url",
     "Set the OAuth application's token URL to https://login.cloud.camunda.io/oauth/token (run site.yml)."),
    ({"clients": ["other"]}, "client",
     "Run site.yml; it creates a new client and stores its secret in ServiceNow."),
    ({"cluster": {"ready": False, "status": "Suspended"}}, "cluster",
     "Resume or wake the cluster in Camunda Console and wait until it is healthy."),
    ({"cluster": {"ready": True, "version": "8.5.16"}}, "cluster", "Upgrade the cluster to Camunda 8.6 or later."),
    ({"authorizations": {"readable": True, "missing": ["CREATE on MESSAGE *"]}}, "authorizations",
     "Run camunda.servicenow.camunda_authorization with preset servicenow_spoke (or site.yml)."),
    ({"connector_secrets": {"names": ["snUser"]}}, "connector_secrets",
     "Run site.yml with setup_connector_user and setup_connector_password."),
    ({"connector_login": {"user": "u", "status": 401}}, "connector_login",
     "Set the account's password with camunda.servicenow.servicenow_user (update_password: always) and store the "
     "same value in the snPwd connector secret."),
])
def test_each_breakage_fails_its_check_with_the_fix(changes, name, fix):
    checks = doctor.evaluate(broken(**changes), EXPECTED)
    failed = [c for c in checks if c["status"] not in ("ok", "skipped")]
    assert [c["name"] for c in failed] == [name]
    assert failed[0]["status"] == "fail" and failed[0]["fix"] == fix
    assert doctor.summary(checks) == "fail"


def test_unreadable_facts_are_unknown_not_ok():
    facts = broken(release={"error": "ServiceNow GET ... failed with HTTP 401."}, authorizations=None,
                   connector_login=None)
    by_name = statuses(facts)
    assert by_name["release"] == "unknown"
    assert by_name["authorizations"] == "skipped" and by_name["connector_login"] == "skipped"
    assert doctor.summary(doctor.evaluate(facts, EXPECTED)) == "unknown"


def test_release_family():
    assert doctor.release_family("glide-zurich-07-01-2025__patch1") == "zurich"
    assert doctor.release_family("Yokohama") == "yokohama"
    assert doctor.release_family("") is None
