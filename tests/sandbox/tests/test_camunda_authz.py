"""Orchestration Cluster authorizations in the sandbox (emulator/camunda_authz.py): flag-switched modes (disabled,
upgraded, fresh), the 409/400/404/403 answers, the empty 200 of a search without READ, search lag, and the Spoke's
calls with and without grants."""

import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position


class Box:
    def __init__(self, state_dir):
        self.sandbox = start_sandbox(state_dir, instances=1, tls=True,
                                     extra_args=["--no-camunda-token-rate-limit", "--max-lifetime", "900"])
        self.info = self.sandbox.info
        self.ca = self.info["ca_file"]
        self.saas = self.info["camunda"]["saas"]
        self.cluster = self.saas["clusters"][0]["id"]
        self.base = "%s/%s/v2" % (self.saas["cluster_rest_url"], self.cluster)

    def req(self, method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        return requests.request(method, url, verify=self.ca, **kwargs)

    def control(self, method, path, **kwargs):
        return self.req(method, self.info["control_url"] + path, **kwargs)

    def flags(self, **values):
        resp = self.control("POST", "/services/camunda_cluster/flags", json=values)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def token(self, client_id, secret, audience):
        resp = self.req("POST", self.saas["token_url"], data={
            "grant_type": "client_credentials", "audience": audience, "client_id": client_id, "client_secret": secret})
        assert resp.status_code == 200, resp.text
        return resp.json()["access_token"]

    def new_client(self, name):
        org = self.saas["organization_client"]
        token = self.token(org["client_id"], org["client_secret"], "api.cloud.camunda.io")
        resp = self.req("POST", "%s/clusters/%s/clients" % (self.saas["console_url"], self.cluster),
                        headers={"Authorization": "Bearer " + token}, json={"clientName": name, "permissions": ["Zeebe"]})
        assert resp.status_code == 200, resp.text
        data = resp.json()
        return data["clientId"], self.token(data["clientId"], data["clientSecret"], "zeebe.camunda.io")

    def call(self, token, method, path, body=None):
        return self.req(method, self.base + path, headers={"Authorization": "Bearer " + token}, json=body)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = Box(tmp_path_factory.mktemp("camunda-authz"))
    yield sandbox
    sandbox.sandbox.stop()


@pytest.fixture
def clients(box):
    box.sandbox.restore("camunda_cluster")
    admin_id, admin = box.new_client("authz-admin")
    spoke_id, spoke = box.new_client("spoke")
    box.flags(authorization_admins=[admin_id])
    return {"admin_id": admin_id, "admin": admin, "spoke_id": spoke_id, "spoke": spoke}


def grant(box, token, owner, rtype, rid, perms):
    return box.call(token, "POST", "/authorizations", {"ownerId": owner, "ownerType": "CLIENT", "resourceType": rtype,
                                                       "resourceId": rid, "permissionTypes": perms})


def search(box, token, **flt):
    return box.call(token, "POST", "/authorizations/search", {"filter": flt} if flt else {})


PUBLISH = {"name": "probe", "timeToLive": 0}


def test_disabled_by_default_everything_is_allowed(box, clients):
    assert box.flags()["authorizations"] == "disabled"
    resp = box.call(clients["spoke"], "POST", "/messages/publication", PUBLISH)
    assert resp.status_code == 200 and resp.json()["tenantId"] == "<default>"


def test_upgraded_cluster_refuses_until_granted(box, clients):
    box.flags(authorizations="upgraded")
    refused = box.call(clients["spoke"], "POST", "/messages/publication", PUBLISH)
    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == ("Command 'PUBLISH' rejected with code 'FORBIDDEN': Insufficient permissions to "
                                        "perform operation 'CREATE' on resource 'MESSAGE', required resource "
                                        "identifiers are one of '[*, probe]'")
    start = box.call(clients["spoke"], "POST", "/process-instances", {"processDefinitionId": "p1"})
    assert start.status_code == 403
    created = grant(box, clients["admin"], clients["spoke_id"], "MESSAGE", "*", ["CREATE"])
    assert created.status_code == 201
    assert isinstance(created.json()["authorizationKey"], str)
    assert box.call(clients["spoke"], "POST", "/messages/publication", PUBLISH).status_code == 200
    grant(box, clients["admin"], clients["spoke_id"], "PROCESS_DEFINITION", "p1", ["CREATE_PROCESS_INSTANCE"])
    assert box.call(clients["spoke"], "POST", "/process-instances", {"processDefinitionId": "p1"}).status_code == 404
    assert box.call(clients["spoke"], "POST", "/process-instances", {"processDefinitionId": "p2"}).status_code == 403


def test_fresh_cluster_allows_console_clients_invisibly(box, clients):
    box.flags(authorizations="fresh")
    assert box.call(clients["spoke"], "POST", "/messages/publication", PUBLISH).status_code == 200
    assert box.call(clients["spoke"], "POST", "/process-instances", {"processDefinitionId": "any"}).status_code == 404
    rows = search(box, clients["admin"], ownerId=clients["spoke_id"]).json()["items"]
    assert rows == []  # the rule that allows it is not an authorization anyone can see
    refused = grant(box, clients["spoke"], clients["spoke_id"], "MESSAGE", "*", ["CREATE"])
    assert refused.status_code == 403
    assert refused.json()["detail"].endswith("Insufficient permissions to perform operation 'CREATE' on resource "
                                             "'AUTHORIZATION'")


def test_duplicate_is_409_and_update_replaces(box, clients):
    box.flags(authorizations="upgraded")
    first = grant(box, clients["admin"], clients["spoke_id"], "PROCESS_DEFINITION", "*",
                  ["CREATE_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION"])
    key = first.json()["authorizationKey"]
    again = grant(box, clients["admin"], clients["spoke_id"], "PROCESS_DEFINITION", "*",
                  ["READ_PROCESS_DEFINITION", "CANCEL_PROCESS_INSTANCE"])
    assert again.status_code == 409
    assert again.json()["title"] == "ALREADY_EXISTS"
    assert "an authorization for this resource identifier already exists" in again.json()["detail"]
    body = {"ownerId": clients["spoke_id"], "ownerType": "CLIENT", "resourceType": "PROCESS_DEFINITION",
            "resourceId": "*", "permissionTypes": ["CANCEL_PROCESS_INSTANCE"]}
    assert box.call(clients["admin"], "PUT", "/authorizations/" + key, body).status_code == 204
    assert box.call(clients["admin"], "GET", "/authorizations/" + key).json()["permissionTypes"] == [
        "CANCEL_PROCESS_INSTANCE"]
    assert box.call(clients["admin"], "DELETE", "/authorizations/" + key).status_code == 204
    missing = box.call(clients["admin"], "DELETE", "/authorizations/" + key)
    assert missing.status_code == 404 and missing.json()["title"] == "NOT_FOUND"


def test_invalid_requests(box, clients):
    box.flags(authorizations="upgraded")
    wrong = grant(box, clients["admin"], clients["spoke_id"], "MESSAGE", "*", ["CREATE_PROCESS_INSTANCE"])
    assert wrong.status_code == 400 and wrong.json()["title"] == "INVALID_ARGUMENT"
    body = {"ownerId": "x", "ownerType": "CLIENT", "resourceType": "MESSAGE", "resourceId": "*",
            "permissionTypes": ["CREATE"], "resourcePropertyName": "y"}
    extra = box.call(clients["admin"], "POST", "/authorizations", body)
    assert extra.status_code == 400 and "resourcePropertyName" in extra.json()["detail"]
    role = box.call(clients["admin"], "POST", "/authorizations", {
        "ownerId": "no-such-role", "ownerType": "ROLE", "resourceType": "MESSAGE", "resourceId": "*",
        "permissionTypes": ["CREATE"]})
    assert role.status_code == 404
    typo = grant(box, clients["admin"], "a-client-id-with-a-typo", "MESSAGE", "*", ["CREATE"])
    assert typo.status_code == 201  # CLIENT owners are never checked


def test_search_without_read_is_an_empty_200(box, clients):
    box.flags(authorizations="upgraded")
    assert grant(box, clients["admin"], clients["spoke_id"], "AUTHORIZATION", "*", ["CREATE"]).status_code == 201
    mine = search(box, clients["spoke"])
    assert mine.status_code == 200 and mine.json()["items"] == []
    everything = search(box, clients["admin"]).json()
    assert everything["page"]["totalItems"] > 0
    assert {"ROLE"} <= {row["ownerType"] for row in everything["items"]}
    found = search(box, clients["admin"], ownerId=clients["spoke_id"], ownerType="CLIENT",
                   resourceType="AUTHORIZATION", resourceIds=["*"]).json()["items"]
    assert [row["permissionTypes"] for row in found] == [["CREATE"]]
    # the writer may create, and its own duplicate still says 409
    assert grant(box, clients["spoke"], "other", "MESSAGE", "*", ["CREATE"]).status_code == 201
    assert grant(box, clients["spoke"], "other", "MESSAGE", "*", ["CREATE"]).status_code == 409


def test_search_lag(box, clients):
    box.flags(authorizations="upgraded", authorization_search_lag=1)
    grant(box, clients["admin"], clients["spoke_id"], "MESSAGE", "*", ["CREATE"])
    assert search(box, clients["admin"], ownerId=clients["spoke_id"]).json()["items"] == []
    assert len(search(box, clients["admin"], ownerId=clients["spoke_id"]).json()["items"]) == 1


def test_paging_and_flags_validation(box, clients):
    first = box.call(clients["admin"], "POST", "/authorizations/search", {"page": {"limit": 2}}).json()
    assert len(first["items"]) == 2 and first["page"]["endCursor"] == "2"
    second = box.call(clients["admin"], "POST", "/authorizations/search",
                      {"page": {"limit": 2, "after": first["page"]["endCursor"]}}).json()
    assert second["items"][0]["authorizationKey"] != first["items"][0]["authorizationKey"]
    bad = box.control("POST", "/services/camunda_cluster/flags", json={"authorizations": "maybe"})
    assert bad.status_code == 400
    restored = box.sandbox.restore("camunda_cluster")
    assert restored["flags"]["camunda_cluster"]["authorizations"] == "disabled"
    assert restored["flags"]["camunda_cluster"]["authorization_admins"] == []


def test_legacy_cluster_has_no_authorizations_api(box, clients):
    legacy = [c for c in box.saas["clusters"] if c["legacy"]][0]["id"]
    resp = box.req("POST", "%s/%s/v2/authorizations/search" % (box.saas["cluster_rest_url"], legacy), json={},
                   headers={"Authorization": "Bearer x"})
    assert resp.status_code == 404
