# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import authorizations as authz
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
               process_ids=["*"], message_names=["*"], exact=False, state="present", owner_secret=None, enforced_only=False,
               cluster_version=None, grant=True, prove=False, vocabulary={})
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


@pytest.mark.parametrize("status", [500, 503])
def test_a_search_is_a_read_and_is_retried_on_a_server_error(fake_http, sleeps, status):
    cluster = FakeCluster(fake_http)
    answers = [(status, {"title": "busy", "status": status})]

    def search(call):
        return answers.pop(0) if answers else cluster.search(call)
    fake_http.handle("POST", BASE + "/search", search)
    result, dummy = mod.run(params(), client(sleeps), False)
    assert result["changed"] is True and cluster.client_rows() == SPOKE_ROWS
    assert sleeps == [1.0] and answers == []


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
        authz.rest_url_for(params(cluster_rest_url=None), client(sleeps))
    assert "No cluster REST URL" in str(err.value)
    assert authz.rest_url_for(params(cluster_rest_url=None, cluster_id="c9", region="bru-2"), client(sleeps)) == \
        "https://bru-2.zeebe.camunda.io/c9"
    with pytest.raises(errors.CamundaError) as err:
        authz.managing_token(params(client_id=None, client_secret=None), client(sleeps))
    assert str(err.value).startswith("No credential to manage authorizations with")


# -- enforced_only, owner_secret, prove: the setup role's authorization step -------------------------------------------

OWNER_SECRET = "OwnerSecret-S3cret"
PUBLISH = "/c1/v2/messages/publication"


class EnforcingCluster(FakeCluster):
    """FakeCluster with one token per client and the enforcement of a cluster: ``mode`` ``enforced`` (the owner sees
    no records and may publish only with MESSAGE:CREATE), ``disabled`` (everyone sees and may do everything) or
    ``absent`` (no authorization API: 404)."""

    def __init__(self, fake_http, mode="enforced"):
        FakeCluster.__init__(self, fake_http)
        self.mode = mode
        fake_http.handle("POST", "/oauth/token", self.token)
        fake_http.handle("POST", BASE + "/search", self.guarded_search)
        fake_http.handle("POST", PUBLISH, self.publish)

    @staticmethod
    def token(call):
        return 200, {"access_token": "tok-" + call.form["client_id"], "expires_in": 3600}

    @staticmethod
    def caller(call):
        return call.headers["Authorization"].split("tok-", 1)[1]

    def guarded_search(self, call):
        if self.mode == "absent":
            return 404, {"title": "Not Found", "status": 404, "detail": "No endpoint"}
        if self.mode == "enforced" and self.caller(call) != "authz-admin":
            return 200, {"items": [], "page": {"totalItems": 0}}
        return self.search(call)

    def publish(self, call):
        granted = ("MESSAGE", "*", ["CREATE"]) in self.client_rows(self.caller(call))
        if self.mode == "enforced" and not granted:
            return 403, {"title": "FORBIDDEN", "status": 403, "detail": "Insufficient permissions to perform operation "
                         "'CREATE' on resource 'MESSAGE'"}
        return 200, {"messageKey": "1", "tenantId": "<default>"}


def step(**overrides):
    """The options the setup role passes."""
    out = params(owner_secret=OWNER_SECRET, enforced_only=True, cluster_version="8.8.0", grant=True, prove=True,
                 vocabulary={"client_id": "setup_camunda_authorization_client_id",
                             "client_secret": "setup_camunda_authorization_client_secret",
                             "grant": "setup_camunda_authorization_grant: false",
                             "grant_on": "setup_camunda_authorization_grant: true"})
    out.update(overrides)
    return out


def test_enforced_cluster_granted_and_proven(fake_http, sleeps):
    cluster = EnforcingCluster(fake_http)
    result, warnings = mod.run(step(), client(sleeps), False)
    assert result["changed"] is True and result["enforced"] is True and result["note"] == "granted"
    assert cluster.client_rows() == SPOKE_ROWS
    assert result["proven"] == ("client spoke-client made one of the Camunda Spoke's calls (published a message) on "
                                "zeebe.test")
    assert fake_http.requests_to(PUBLISH)[0].json == {"name": "camunda-servicenow-access-check", "timeToLive": 0}
    assert fake_http.requests_to(PUBLISH)[0].headers["Authorization"] == "Bearer tok-spoke-client"
    dumped = json.dumps(result)
    assert OWNER_SECRET not in dumped and "tok-" not in dumped


def test_without_the_grant_the_proof_fails(fake_http, sleeps):
    cluster = EnforcingCluster(fake_http)
    with pytest.raises(cm.CamundaError) as err:
        mod.run(step(grant=False, client_id=None, client_secret=None), client(sleeps), False)
    assert str(err.value) == (
        "Client spoke-client cannot make the Camunda Spoke's calls on zeebe.test (publishing a message was refused with "
        "HTTP 403: Insufficient permissions to perform operation 'CREATE' on resource 'MESSAGE'): the cluster enforces "
        "authorizations and the client lacks them; grant them (camunda.servicenow.camunda_authorization with preset: "
        "servicenow_spoke, or Camunda Identity > Authorizations, owner type Client, id spoke-client), or let the setup "
        "grant them: setup_camunda_authorization_grant: true")
    assert cluster.writes() == []


def test_enforced_without_a_managing_credential_names_the_prerequisite(fake_http, sleeps):
    cluster = EnforcingCluster(fake_http)
    with pytest.raises(cm.CamundaError) as err:
        mod.run(step(client_id=None, client_secret=None), client(sleeps), False)
    message = str(err.value)
    assert message.startswith("Camunda cluster zeebe.test enforces authorizations (Camunda 8.8+) and client "
                              "spoke-client must be granted what the Camunda Spoke calls, but no credential to grant "
                              "with is set: set setup_camunda_authorization_client_id and "
                              "setup_camunda_authorization_client_secret to a cluster client that holds permissions on "
                              "the Authorization resource (grant it once by hand")
    assert message.endswith("or grant them by hand and set setup_camunda_authorization_grant: false; nothing was granted")
    assert cluster.writes() == [] and fake_http.requests_to(PUBLISH) == []


@pytest.mark.parametrize("mode, version, note", [
    ("disabled", "8.8.0", "authorizations are disabled on the cluster"),
    ("absent", "", "the cluster has no authorization API"),
    ("enforced", "8.7.2", "Camunda 8.7.2 has no authorizations"),
])
def test_nothing_to_grant_is_skipped_with_a_note(fake_http, sleeps, mode, version, note):
    cluster = EnforcingCluster(fake_http, mode)
    result, warnings = mod.run(step(client_id=None, client_secret=None, cluster_version=version), client(sleeps), False)
    assert (result["changed"], result["enforced"], result["authorizations"], result["proven"]) == (False, False, [], "")
    assert result["note"].startswith(note) and warnings == []
    assert cluster.writes() == [] and fake_http.requests_to(PUBLISH) == []
    if version == "8.7.2":
        assert fake_http.calls == []  # not even a token: the version says it all


def test_disabled_cluster_with_a_managing_credential_is_granted_for_later(fake_http, sleeps):
    cluster = EnforcingCluster(fake_http, "disabled")
    result, dummy = mod.run(step(), client(sleeps), False)
    assert result["changed"] is True and result["enforced"] is False
    assert result["note"].startswith("granted; the cluster does not enforce authorizations now")
    assert cluster.client_rows() == SPOKE_ROWS
    # A later run without the client's secret (ServiceNow holds a trusted client) grants nothing new.
    again, dummy = mod.run(step(owner_secret=None), client(sleeps), False)
    assert (again["changed"], again["enforced"], again["proven"]) == (False, None, "")


def test_unknown_secret_and_no_managing_credential_writes_and_asks_nothing(fake_http, sleeps):
    EnforcingCluster(fake_http)
    result, dummy = mod.run(step(owner_secret=None, client_id=None, client_secret=None), client(sleeps), False)
    assert (result["changed"], result["enforced"]) == (False, None)
    assert result["note"].startswith("not checked in this run")
    assert fake_http.calls == []


def test_check_mode_of_a_client_not_created_yet(fake_http, sleeps):
    result, dummy = mod.run(step(owner_id="", owner_secret=None), client(sleeps), True)
    assert result["changed"] is False and result["note"].startswith("the client is created in this run")
    assert fake_http.calls == []
    with pytest.raises(cm.CamundaError) as err:
        mod.run(step(owner_id=""), client(sleeps), False)
    assert str(err.value).startswith("owner_id is empty")


def test_check_mode_predicts_and_does_not_prove(fake_http, sleeps):
    cluster = EnforcingCluster(fake_http)
    result, dummy = mod.run(step(), client(sleeps), True)
    assert result["changed"] is True and result["proven"] == ""
    assert [a["result"] for a in result["authorizations"]] == ["created", "created"]
    assert cluster.writes() == [] and fake_http.requests_to(PUBLISH) == []
