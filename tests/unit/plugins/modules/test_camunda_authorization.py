# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import camunda as cm
from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.modules import camunda_authorization as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_camunda import (
    AUTHORIZATIONS as BASE, CLUSTER_REST as REST, CLUSTER_TOKEN as TOKEN, FakeCluster)

ADMIN_SECRET = "AdminSecret-S3cret"


def client(sleeps):
    options = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
    options.update(oauth_url="https://login.test/oauth/token")
    return cm.CamundaClient(options, sleep=sleeps, clock=lambda: 0.0)


def params(**overrides):
    out = dict(cluster_id=None, region=None, cluster_rest_url=REST, client_id="authz-admin", client_secret=ADMIN_SECRET,
               access_token=None, audience=None, token_url=None, owner_type="CLIENT", owner_id="spoke-client",
               resource_type=None, resource_id="*", permissions=None, authorizations=None, preset="servicenow_spoke",
               process_ids=["*"], message_names=["*"], exact=False, state="present")
    out.update(overrides)
    return out


SPOKE_ROWS = [("MESSAGE", "*", ["CREATE"]), ("PROCESS_DEFINITION", "*", [
    "CANCEL_PROCESS_INSTANCE", "CREATE_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION", "UPDATE_PROCESS_INSTANCE"])]


def test_preset_grants_the_spoke_then_nothing(fake_http, sleeps):
    cluster = FakeCluster(fake_http)
    result, warnings = mod.run(params(), client(sleeps), False)
    assert result["changed"] is True and warnings == []
    assert [(a["resource_type"], a["result"]) for a in result["authorizations"]] == [
        ("PROCESS_DEFINITION", "created"), ("MESSAGE", "created")]
    assert cluster.client_rows() == SPOKE_ROWS
    assert result["diff"] == {"before": {"PROCESS_DEFINITION:*": [], "MESSAGE:*": []},
                              "after": {"PROCESS_DEFINITION:*": SPOKE_ROWS[1][2], "MESSAGE:*": ["CREATE"]}}
    assert result["readable"] is True
    token_call = fake_http.requests_to("/oauth/token")[0]
    assert token_call.form["audience"] == "zeebe.camunda.io" and token_call.form["client_id"] == "authz-admin"
    assert fake_http.requests_to(BASE)[0].json == {
        "ownerId": "spoke-client", "ownerType": "CLIENT", "resourceId": "*", "resourceType": "PROCESS_DEFINITION",
        "permissionTypes": SPOKE_ROWS[1][2]}
    writes = len(cluster.writes())
    again, dummy = mod.run(params(), client(sleeps), False)
    assert again["changed"] is False
    assert [a["result"] for a in again["authorizations"]] == ["unchanged", "unchanged"]
    assert len(cluster.writes()) == writes
    assert ADMIN_SECRET not in json.dumps(result) and TOKEN not in json.dumps(result)


def test_check_mode_writes_nothing(fake_http, sleeps):
    cluster = FakeCluster(fake_http)
    result, dummy = mod.run(params(), client(sleeps), True)
    assert result["changed"] is True
    assert [a["result"] for a in result["authorizations"]] == ["created", "created"]
    assert cluster.writes() == []


def test_missing_permission_is_added_to_the_record(fake_http, sleeps):
    cluster = FakeCluster(fake_http)
    mod.run(params(preset=None, resource_type="MESSAGE", permissions=["READ"]), client(sleeps), False)
    result, dummy = mod.run(params(preset=None, resource_type="MESSAGE", permissions=["CREATE"]), client(sleeps), False)
    assert result["authorizations"][0]["result"] == "updated"
    assert result["diff"] == {"before": {"MESSAGE:*": ["READ"]}, "after": {"MESSAGE:*": ["CREATE", "READ"]}}
    assert cluster.client_rows() == [("MESSAGE", "*", ["CREATE", "READ"])]
    exact, dummy = mod.run(params(preset=None, resource_type="MESSAGE", permissions=["CREATE"], exact=True),
                           client(sleeps), False)
    assert exact["changed"] is True and cluster.client_rows() == [("MESSAGE", "*", ["CREATE"])]


def test_absent_removes_and_then_is_absent(fake_http, sleeps):
    cluster = FakeCluster(fake_http)
    mod.run(params(), client(sleeps), False)
    gone, dummy = mod.run(params(state="absent"), client(sleeps), False)
    assert [a["result"] for a in gone["authorizations"]] == ["deleted", "deleted"]
    assert cluster.client_rows() == []
    again, dummy = mod.run(params(state="absent"), client(sleeps), False)
    assert again["changed"] is False and [a["result"] for a in again["authorizations"]] == ["absent", "absent"]


def test_search_lag_409_means_already_there(fake_http, sleeps):
    cluster = FakeCluster(fake_http, lag=5)
    mod.run(params(), client(sleeps), False)
    before = len(cluster.writes())
    again, warnings = mod.run(params(), client(sleeps), False)
    # nothing visible yet: the create gets 409, each permission alone too, so nothing was added
    assert again["changed"] is False
    assert [a["result"] for a in again["authorizations"]] == ["unchanged", "unchanged"]
    assert cluster.client_rows() == SPOKE_ROWS
    # the process: one create and one per permission; the message has one permission, so its 409 says it all
    assert len(cluster.writes()) == before + 1 + 4 + 1
    assert warnings == []


def test_partial_409_adds_only_what_is_missing(fake_http, sleeps):
    cluster = FakeCluster(fake_http, readable=False)
    mod.run(params(preset=None, resource_type="MESSAGE", permissions=["READ"]), client(sleeps), False)
    result, dummy = mod.run(params(preset=None, resource_type="MESSAGE", permissions=["CREATE", "READ"]),
                            client(sleeps), False)
    assert result["changed"] is True and result["readable"] is False
    assert result["authorizations"][0]["result"] == "created"
    assert sorted(tuple(r["permissionTypes"]) for r in cluster.rows.values() if r["ownerId"] == "spoke-client") == [
        ("CREATE",), ("READ",)]


def test_blind_credential(fake_http, sleeps):
    FakeCluster(fake_http, readable=False)
    checked, warnings = mod.run(params(), client(sleeps), True)
    assert [a["result"] for a in checked["authorizations"]] == ["unknown", "unknown"]
    assert checked["diff"]["before"] == {"PROCESS_DEFINITION:*": "unknown", "MESSAGE:*": "unknown"}
    assert warnings[0] == (
        "The credential authz-admin cannot read authorizations on zeebe.test, so whether PROCESS_DEFINITION '*' of "
        "CLIENT 'spoke-client' is already granted is unknown; a real run creates it, and a 409 answer then means it "
        "was there")
    created, dummy = mod.run(params(), client(sleeps), False)
    assert [a["result"] for a in created["authorizations"]] == ["created", "created"]
    again, dummy = mod.run(params(), client(sleeps), False)
    assert again["changed"] is False
    with pytest.raises(errors.CamundaError) as err:
        mod.run(params(state="absent"), client(sleeps), False)
    assert str(err.value) == (
        "The credential authz-admin cannot read authorizations on zeebe.test (its searches come back empty), so a "
        "removal of PROCESS_DEFINITION '*' for CLIENT 'spoke-client' is impossible; grant it READ on the Authorization "
        "resource, or remove the grant by hand")


def test_403_on_create_names_the_prerequisite(fake_http, sleeps):
    FakeCluster(fake_http, forbid="CREATE")
    with pytest.raises(errors.CamundaError) as err:
        mod.run(params(), client(sleeps), False)
    assert str(err.value) == (
        "Granting CANCEL_PROCESS_INSTANCE, CREATE_PROCESS_INSTANCE, READ_PROCESS_DEFINITION, UPDATE_PROCESS_INSTANCE on "
        "PROCESS_DEFINITION '*' to CLIENT 'spoke-client' on zeebe.test was refused (HTTP 403: Insufficient permissions "
        "to perform operation 'CREATE' on resource 'AUTHORIZATION'): the credential 'authz-admin' lacks the "
        "permission on the Authorization resource this needs; grant it once by hand (Camunda Identity > "
        "Authorizations, owner type Client, resource Authorization; or the admin role), the collection never grants "
        "itself")


def test_404_on_an_older_cluster(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": TOKEN, "expires_in": 3600})
    fake_http.add("POST", BASE + "/search", status=404, json={"title": "Not Found", "status": 404, "detail": "No endpoint"})
    with pytest.raises(errors.CamundaError) as err:
        mod.run(params(), client(sleeps), False)
    assert str(err.value) == (
        "Searching the authorizations failed: Camunda cluster REST API POST /c1/v2/authorizations/search on zeebe.test "
        "failed with HTTP 404: \"Not Found\" and \"No endpoint\"; check that the cluster runs Camunda 8.8 or later "
        "(authorizations came with 8.8) and the cluster REST URL.")


def test_invalid_input_fails_before_any_request(fake_http, sleeps):
    with pytest.raises(errors.CamundaError) as err:
        mod.run(params(preset=None, authorizations=[
            {"resource_type": "MESSAGE", "resource_id": "*", "permissions": ["DELETE"]},
            {"resource_type": "MESSAGE", "resource_id": "*", "permissions": ["CREATE"]}]), client(sleeps), False)
    assert str(err.value) == ("Invalid authorizations for CLIENT 'spoke-client', nothing was sent: MESSAGE '*' does "
                              "not take DELETE (it takes CREATE, READ); MESSAGE '*' is given twice")
    assert fake_http.calls == []


def test_rest_url_and_credentials(sleeps):
    with pytest.raises(errors.CamundaError) as err:
        mod.rest_url_for(params(cluster_rest_url=None), client(sleeps))
    assert "No cluster REST URL" in str(err.value)
    assert mod.rest_url_for(params(cluster_rest_url=None, cluster_id="c9", region="bru-2"), client(sleeps)) == \
        "https://bru-2.zeebe.camunda.io/c9"
    with pytest.raises(errors.CamundaError) as err:
        mod.managing_token(params(client_id=None, client_secret=None), client(sleeps))
    assert str(err.value).startswith("No credential to manage authorizations with")
