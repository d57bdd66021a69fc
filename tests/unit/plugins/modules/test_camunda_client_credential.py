# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.modules import camunda_client_credential as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers import fake_camunda
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_camunda import (
    FakeCamunda, FakeConsole, FakeKeycloak, cluster_doc)

CLUSTER = fake_camunda.CLUSTER
BASE = "servicenow-sn1"


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    fake_camunda.install(monkeypatch, mod)


def gen(n, client_id=None, base=BASE):
    return {"name": "{0}-g{1}".format(base, n), "clientId": client_id or "id{0}".format(n), "permissions": ["Zeebe"]}


def params(**overrides):
    out = {"cluster_id": CLUSTER, "name": BASE, "held_client_id": "", "mode": "per_instance", "leader": True,
           "cluster_held_client_ids": [], "limited": False, "client_secret": None, "rotate": False,
           "delete_orphans": True, "create": True, "prove": False, "minimum_version": "8.6", "permissions": ["Zeebe"],
           "audience": None, "vocabulary": {}, "state": "present", "authorizations": None, "required": {},
           "cluster_agreement": {}}
    out.update(overrides)
    return out


def run(console, check_mode=False, **overrides):
    result, warnings = mod.ensure(params(**overrides), FakeCamunda(console=console, cluster_api_url="https://cluster.test"), check_mode)
    assert warnings == []
    return result


# ------------------------------------------------------------------------------------------------ SaaS

def test_first_run_creates_g1_and_returns_everything_servicenow_needs():
    console = FakeConsole()
    result = run(console)
    assert console.writes() == [("create", BASE + "-g1")]
    assert result["changed"] is True and result["created"] is True and result["pairing"] == "created"
    assert (result["name"], result["client_id"], result["client_secret"]) == (BASE + "-g1", "new-id-1", "new-secret-1")
    # the configured token service (camunda.oauth_url's default), never a URL the Console reports
    assert result["token_url"] == "https://login.cloud.camunda.io/oauth/token"
    assert result["audience"] == "zeebe.camunda.io"
    assert (result["host"], result["base_path"]) == ("bru-2.zeebe.camunda.io", "/" + CLUSTER)
    assert result["cluster_rest_url"] == "https://cluster.test/" + CLUSTER
    assert result["cluster"]["version"] == "8.8.0" and result["cluster"]["ready"] is True
    assert result["diff"] == {"before": {"clients": []}, "after": {"clients": [BASE + "-g1"]}}
    assert "new-secret-1" not in json.dumps(result["diff"])


def test_token_url_is_the_configured_one():
    console = FakeConsole()
    result, _w = mod.ensure(params(), FakeCamunda(console=console, cluster_api_url="https://cluster.test", oauth_url="https://mirror.test/oauth/token"), False)
    assert result["token_url"] == "https://mirror.test/oauth/token"


def test_trusted_pair_reads_two_things_and_writes_nothing_and_returns_no_secret():
    console = FakeConsole([gen(1)])
    result = run(console, held_client_id="id1")
    assert console.calls == [("cluster",), ("list",)]
    assert result["changed"] is False and result["pairing"] == "trusted" and "client_secret" not in result
    assert result["client_id"] == "id1" and result["deleted"] == []
    assert result["not_proven"].startswith("the secret ServiceNow holds")
    assert result["proven"] == "client {0}-g1 exists on cluster {1}; the cluster is ready on Camunda 8.8.0 (Console " \
                               "API)".format(BASE, CLUSTER)


def test_orphans_are_deleted_before_anything_is_created():
    console = FakeConsole([gen(1), gen(2)])
    result = run(console, held_client_id="")
    assert console.writes() == [("delete", "id1"), ("delete", "id2"), ("create", BASE + "-g3")]
    assert result["deleted"] == [BASE + "-g1", BASE + "-g2"] and result["client_secret"] == "new-secret-1"


def test_rotation_keeps_the_previous_generation_until_servicenow_holds_the_new_one():
    console = FakeConsole([gen(1)])
    result = run(console, held_client_id="id1", rotate=True)
    assert console.writes() == [("create", BASE + "-g2")]
    assert result["previous"] == [BASE + "-g1"] and result["pairing"] == "rotated"
    again = run(console, held_client_id=result["client_id"])  # the retire step: ServiceNow now holds g2
    assert console.writes()[-1] == ("delete", "id1") and again["deleted"] == [BASE + "-g1"]
    assert again["changed"] is True and "client_secret" not in again


def test_check_mode_predicts_without_writing_and_without_a_placeholder_id():
    console = FakeConsole([gen(1)])
    result = run(console, check_mode=True)
    assert console.writes() == []
    assert result["changed"] is True and result["created"] is True and result["client_id"] == ""
    assert result["name"] == BASE + "-g2" and result["deleted"] == [BASE + "-g1"] and "client_secret" not in result
    assert result["diff"] == {"before": {"clients": [BASE + "-g1"]}, "after": {"clients": [BASE + "-g2"]}}


def test_create_false_refuses_before_writing_when_a_client_would_be_needed():
    console = FakeConsole([gen(1)])
    with pytest.raises(CamundaError) as err:
        run(console, create=False, vocabulary={"instance": "sn1", "create": "run both steps"})
    assert str(err.value) == (
        "ServiceNow instance sn1 holds no usable Camunda client on cluster {0} (it holds none), and the new client "
        "{1}-g2 is created only where ServiceNow receives its secret in the same run: run both steps.".format(
            CLUSTER, BASE))
    assert console.writes() == []


def test_create_false_with_a_trusted_pair_is_fine():
    console = FakeConsole([gen(1)])
    assert run(console, create=False, held_client_id="id1")["client_id"] == "id1"


@pytest.mark.parametrize("doc, message", [
    (cluster_doc(ready=False), "Camunda cluster {0} on console.test is not ready (Suspended); the ServiceNow integration "
                               "needs a healthy cluster: wait for it (camunda.cluster_ready_timeout) or resume it in Console."),
    (cluster_doc(version="8.5.1"), "Camunda cluster {0} on console.test runs Camunda 8.5.1, below the minimum 8.6 of "
                                   "the ServiceNow integration: update it in Console."),
])
def test_cluster_gate_fails_before_anything_is_written(doc, message):
    console = FakeConsole(cluster=doc)
    with pytest.raises(CamundaError) as err:
        run(console)
    assert str(err.value) == message.format(CLUSTER)
    assert console.writes() == [] and ("list",) not in console.calls


@pytest.mark.parametrize("status", [None, 500, 502, 503, 504])
def test_lost_create_reply_deletes_the_half_made_client_and_creates_again(status):
    console = FakeConsole(fail_create=[CamundaError("Creating API client failed: reply lost", status=status)],
                          commit_failed_create=True)
    result = run(console)
    assert console.writes() == [("create", BASE + "-g1"), ("delete", "new-id-1"), ("create", BASE + "-g1")]
    assert (result["client_id"], result["client_secret"]) == ("new-id-2", "new-secret-2")
    assert [c["name"] for c in console.clients] == [BASE + "-g1"]


# ------------------------------------------------------------------------------------------------ region given

def test_a_trusted_pair_with_the_region_given_does_not_read_the_cluster():
    console = FakeConsole([gen(1)])
    result = run(console, held_client_id="id1", region="bru-2")
    assert console.calls == [("list",)] and console.writes() == []
    assert result["changed"] is False and "cluster" not in result
    assert (result["host"], result["base_path"]) == ("bru-2.zeebe.camunda.io", "/" + CLUSTER)
    assert result["proven"] == ("client {0}-g1 exists on cluster {1} (the cluster itself was not read: nothing was "
                                "written and the region was given)".format(BASE, CLUSTER))


@pytest.mark.parametrize("clients, held, writes", [
    ([], "", [("create", BASE + "-g1")]),                            # a create
    ([gen(1), gen(2)], "id2", [("delete", "id1")]),                   # an orphan deleted
])
def test_with_the_region_given_a_run_that_writes_reads_and_checks_the_cluster_first(clients, held, writes):
    console = FakeConsole(clients)
    result = run(console, held_client_id=held, region="bru-2")
    assert console.calls.index(("cluster",)) < console.calls.index(writes[0])
    assert console.writes() == writes and result["cluster"]["region"] == "bru-2"


def test_a_region_that_is_not_the_clusters_fails_before_anything_is_written():
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        run(console, region="lhr-1", vocabulary={"region": "setup_camunda_region"})
    assert str(err.value) == ("Camunda cluster {0} on console.test is in region bru-2, not in lhr-1 as "
                              "setup_camunda_region says: correct setup_camunda_region, nothing was written.".format(CLUSTER))
    assert console.writes() == []


def test_a_region_of_the_wrong_shape_is_refused_before_any_request():
    console = FakeConsole([gen(1)])
    with pytest.raises(CamundaError) as err:
        run(console, held_client_id="id1", region="https://bru-2.zeebe.camunda.io")
    assert str(err.value).startswith("region 'https://bru-2.zeebe.camunda.io' is not a Camunda SaaS region id; ")
    assert console.calls == []


def test_lost_create_reply_that_did_not_commit_creates_again():
    console = FakeConsole(fail_create=[CamundaError("Creating API client failed: 503", status=503)])
    result = run(console)
    assert console.writes() == [("create", BASE + "-g1"), ("create", BASE + "-g1")]
    assert result["client_secret"] == "new-secret-2"


def test_a_refused_create_is_not_repeated():
    console = FakeConsole(fail_create=[CamundaError("Creating API client failed: 403 forbidden", status=403)])
    with pytest.raises(CamundaError) as err:
        run(console)
    assert str(err.value) == "Creating API client failed: 403 forbidden"
    assert console.writes() == [("create", BASE + "-g1")]


def test_second_lost_reply_fails_naming_both_attempts():
    console = FakeConsole(fail_create=[CamundaError("first", status=503, reason="503 one"),
                                       CamundaError("Creating API client failed: 503 two", status=503)])
    with pytest.raises(CamundaError) as err:
        run(console)
    assert str(err.value) == ("Creating API client failed: 503 two (tried twice; the first attempt failed with: "
                              "503 one)")


def test_shared_follower_without_the_secret_refuses_in_the_callers_words():
    console = FakeConsole([gen(1, "s1", base="servicenow-shared")])
    with pytest.raises(CamundaError) as err:
        run(console, name="servicenow-shared", mode="shared", leader=False,
            vocabulary={"instance": "sn2", "client_secret": "setup_camunda_client_secret",
                        "rotate": "run playbooks/rotate.yml"})
    assert str(err.value) == (
        "Camunda client servicenow-shared-g1 on cluster {0} is shared and already exists, but ServiceNow instance sn2 "
        "does not hold it and its secret cannot be read back from Camunda: supply it as setup_camunda_client_secret "
        "(from Ansible Vault), or run playbooks/rotate.yml to create a new generation for every instance of the "
        "cluster.".format(CLUSTER))
    assert console.writes() == []


def test_shared_follower_with_the_leaders_secret_hands_it_on():
    console = FakeConsole([gen(1, "s1", base="servicenow-shared")])
    result = run(console, name="servicenow-shared", mode="shared", leader=False, client_secret="leader-secret")
    # ServiceNow must receive the given secret; the caller has it (the module does not hand it back)
    assert (result["client_id"], result["pairing"]) == ("s1", "supplied") and "client_secret" not in result
    assert result["changed"] is False and console.writes() == []


def test_shared_leader_never_deletes_with_limit():
    console = FakeConsole([gen(1, "s1", base="servicenow-shared")])
    result = run(console, name="servicenow-shared", mode="shared", limited=True, client_secret="vault",
                 cluster_held_client_ids=["", ""])
    assert console.writes() == [] and result["pairing"] == "supplied" and "client_secret" not in result


def test_invalid_base_name():
    with pytest.raises(CamundaError) as err:
        run(FakeConsole(), name="x" * 46)
    assert str(err.value).startswith("Invalid client name: name 'xxx")


def test_absent_deletes_every_generation_and_twice_is_a_no_op():
    console = FakeConsole([gen(1), gen(2), {"name": "other", "clientId": "o"}])
    result = run(console, state="absent")
    assert result["deleted"] == [BASE + "-g1", BASE + "-g2"] and result["changed"] is True
    assert ("cluster",) not in console.calls  # teardown does not need a ready cluster to decide
    again = run(console, state="absent")
    assert again["changed"] is False and again["deleted"] == []
    assert [c["name"] for c in console.clients] == ["other"]


def test_absent_in_check_mode_writes_nothing():
    console = FakeConsole([gen(1)])
    result = run(console, check_mode=True, state="absent")
    assert result["changed"] is True and console.writes() == []


def test_proof_uses_the_configured_token_url(monkeypatch):
    console = FakeConsole()
    seen = {}

    def fake_prove(client, params_, client_id, secret, rest_url, token_url, audience, name):
        seen.update(client_id=client_id, secret=secret, rest_url=rest_url, token_url=token_url, audience=audience)
        return "proven", "8.8.0", "tok"
    monkeypatch.setattr(mod, "prove", fake_prove)
    result = run(console, prove=True)
    assert seen == {"client_id": "new-id-1", "secret": "new-secret-1", "rest_url": "https://cluster.test/" + CLUSTER,
                    "token_url": "https://login.cloud.camunda.io/oauth/token", "audience": "zeebe.camunda.io"}
    assert result["gateway_version"] == "8.8.0" and result["not_proven"] == ""


# ------------------------------------------------------------------------------------------------ Self-Managed

def sm_client(keycloak):
    return FakeCamunda(keycloak=keycloak, deployment="self_managed", keycloak_url="https://kc.test/auth",
                       cluster_api_url="https://camunda.test:8443/orchestration")


def test_sm_first_run_creates_a_confidential_client_with_the_audience_mapper():
    keycloak = FakeKeycloak()
    result, _w = mod.ensure(params(cluster_id=None), sm_client(keycloak), False)
    created = [c for c in keycloak.calls if c[0] == "create"][0][2]
    assert created["clientId"] == BASE + "-g1" and created["serviceAccountsEnabled"] is True
    assert created["protocolMappers"][0]["config"]["included.custom.audience"] == "orchestration-api"
    assert result["client_secret"] == "kc-secret-" + BASE + "-g1" and result["client_id"] == BASE + "-g1"
    assert result["token_url"] == "https://kc.test/auth/realms/camunda-platform/protocol/openid-connect/token"
    assert (result["host"], result["port"], result["base_path"]) == ("camunda.test", 8443, "/orchestration")
    assert "cluster" not in result


def test_sm_trusted_pair_reads_the_secret_for_the_proof_but_does_not_hand_it_on():
    keycloak = FakeKeycloak([{"clientId": BASE + "-g1", "id": "u1"}])
    result, _w = mod.ensure(params(cluster_id=None, held_client_id=BASE + "-g1"), sm_client(keycloak), False)
    assert result["changed"] is False and "client_secret" not in result
    assert keycloak.calls == [("list", BASE + "-g"), ("secret", "u1")]


def test_sm_absent():
    keycloak = FakeKeycloak([{"clientId": BASE + "-g1", "id": "u1"}])
    result, _w = mod.ensure(params(cluster_id=None, state="absent"), sm_client(keycloak), False)
    assert result["deleted"] == [BASE + "-g1"] and keycloak.clients == []


def test_a_cluster_that_becomes_ready_is_waited_for():
    console = FakeConsole(cluster=cluster_doc(ready=False))
    reads = []

    def get_cluster():
        reads.append(1)
        return cluster_doc(ready=len(reads) >= 3)
    console.get_cluster = get_cluster
    result = run(console)
    assert len(reads) == 3 and result["cluster"]["ready"] is True and result["created"] is True


# ------------------------------------------------------------------------------------------------ authorizations

AUTHZ = "/{0}/v2/authorizations".format(CLUSTER)
PUBLISH = "/{0}/v2/messages/publication".format(CLUSTER)


class EnforcingCluster:
    """The cluster REST API of an 8.8 cluster that enforces authorizations: the owner's searches are empty, its
    publication needs MESSAGE:CREATE; ``authz-admin`` manages them."""

    def __init__(self, fake_http):
        self.rows = [{"authorizationKey": "1", "ownerType": "ROLE", "ownerId": "admin", "resourceType": "AUTHORIZATION",
                      "resourceId": "*", "permissionTypes": ["CREATE", "READ", "UPDATE", "DELETE"]}]
        fake_http.handle("POST", "/oauth/token", lambda c: (200, {"access_token": "tok-" + c.form["client_id"],
                                                                  "expires_in": 3600}))
        fake_http.handle("POST", AUTHZ + "/search", self.search)
        fake_http.handle("POST", AUTHZ, self.create)
        fake_http.handle("POST", PUBLISH, self.publish)

    @staticmethod
    def caller(call):
        return call.headers["Authorization"].split("tok-", 1)[1]

    def search(self, call):
        if self.caller(call) != "authz-admin":
            return 200, {"items": [], "page": {"totalItems": 0}}
        flt = call.json.get("filter") or {}
        rows = [r for r in self.rows if all(r[k] == flt[k] for k in ("ownerId", "ownerType", "resourceType") if k in flt)]
        return 200, {"items": rows, "page": {"totalItems": len(rows)}}

    def create(self, call):
        assert self.caller(call) == "authz-admin"
        self.rows.append(dict(call.json, authorizationKey=str(len(self.rows) + 1)))
        return 201, {"authorizationKey": str(len(self.rows))}

    def publish(self, call):
        owner = self.caller(call)
        if any(r["ownerId"] == owner and r["resourceType"] == "MESSAGE" for r in self.rows):
            return 200, {"messageKey": "1"}
        return 403, {"title": "FORBIDDEN", "status": 403, "detail": "Insufficient permissions to perform operation "
                     "'CREATE' on resource 'MESSAGE'"}


def proven_with_token(monkeypatch):
    def fake_prove(client, params_, client_id, secret, rest_url, token_url, audience, name):
        return "client {0} called cluster {1} (Camunda 8.8.0)".format(name, rest_url), "8.8.0", "tok-" + client_id
    monkeypatch.setattr(mod, "prove", fake_prove)


def test_a_new_client_is_granted_the_spokes_calls_and_proven_with_one(fake_http, monkeypatch):
    cluster = EnforcingCluster(fake_http)
    proven_with_token(monkeypatch)
    result = run(FakeConsole(), prove=True,
                 authorizations={"client_id": "authz-admin", "client_secret": "admin-secret", "grant": True,
                                 "process_ids": ["*"], "message_names": ["*"], "vocabulary": {}})
    assert result["authorizations"]["note"] == "granted" and result["authorizations"]["enforced"] is True
    assert [(a["resource_type"], a["result"]) for a in result["authorizations"]["authorizations"]] == [
        ("PROCESS_DEFINITION", "created"), ("MESSAGE", "created")]
    assert sorted((r["ownerId"], r["resourceType"]) for r in cluster.rows[1:]) == [
        ("new-id-1", "MESSAGE"), ("new-id-1", "PROCESS_DEFINITION")]
    assert result["proven"].endswith("; client new-id-1 made one of the Camunda Spoke's calls (published a message) on "
                                     "cluster.test")
    assert result["diff"]["after"]["authorizations"]["MESSAGE:*"] == ["CREATE"]
    # the proof's token was reused: one token request, the managing credential's
    assert [c.form["client_id"] for c in fake_http.requests_to("/oauth/token")] == ["authz-admin"]
    assert "admin-secret" not in json.dumps(result) and "tok-" not in json.dumps(result)


def test_without_the_grant_the_new_client_fails_its_proof(fake_http, monkeypatch):
    EnforcingCluster(fake_http)
    proven_with_token(monkeypatch)
    with pytest.raises(CamundaError) as err:
        run(FakeConsole(), prove=True, authorizations={"client_id": None, "client_secret": None, "grant": False,
                                                       "process_ids": ["*"], "message_names": ["*"], "vocabulary": {}})
    assert str(err.value).startswith("Client new-id-1 cannot make the Camunda Spoke's calls on cluster.test "
                                     "(publishing a message was refused with HTTP 403")


def test_a_client_not_issued_in_this_run_is_not_proven_again_with_a_spoke_call(fake_http, monkeypatch):
    """A trusted pair whose secret the run knows (the vault's, or Keycloak's on Self-Managed): the grants are
    ensured, but the Spoke's call, which publishes a message (a write), is made only for a client issued in the run."""
    EnforcingCluster(fake_http)
    proven_with_token(monkeypatch)
    result = run(FakeConsole([gen(1)]), held_client_id="id1", client_secret="the-vaults-secret", prove=True,
                 authorizations={"client_id": "authz-admin", "client_secret": "admin-secret", "grant": True,
                                 "process_ids": ["*"], "message_names": ["*"], "vocabulary": {}})
    assert result["created"] is False
    assert result["authorizations"]["note"] == "granted"
    assert "published a message" not in result["proven"]
    assert [c for c in fake_http.calls if "messages/publication" in c.url] == []


def test_a_trusted_pair_without_a_managing_credential_asks_the_cluster_nothing(fake_http):
    EnforcingCluster(fake_http)
    result = run(FakeConsole([gen(1)]), held_client_id="id1", prove=True,
                 authorizations={"client_id": None, "client_secret": None, "grant": True, "process_ids": ["*"],
                                 "message_names": ["*"], "vocabulary": {}})
    assert result["changed"] is False and result["authorizations"]["enforced"] is None
    assert result["authorizations"]["note"].startswith("not checked in this run")
    assert fake_http.calls == []


def test_check_mode_of_a_first_run_says_when_it_checks(fake_http):
    result = run(FakeConsole(), check_mode=True,
                 authorizations={"client_id": "authz-admin", "client_secret": "admin-secret", "grant": True,
                                 "process_ids": ["*"], "message_names": ["*"], "vocabulary": {}})
    assert result["authorizations"]["note"] == "the client is created in this run, so its authorizations are checked then"
    assert fake_http.calls == []


def test_missing_inputs_and_a_disagreeing_cluster_stop_before_anything_is_read_or_written():
    console = FakeConsole()
    with pytest.raises(CamundaError) as err:
        run(console, vocabulary={"instance": "sn2", "required": "or setup_connector_secrets: false"},
            required={"setup_connector_password": False},
            cluster_agreement={"setup_connector_user": {"sn1": "a", "sn2": "b"}})
    assert str(err.value) == (
        "Nothing was written for sn2: set setup_connector_password (or setup_connector_secrets: false); give every "
        "instance of Camunda cluster " + CLUSTER + " the same setup_connector_user (in the cluster's group vars; now "
        "sn1 / sn2 differ).")
    assert console.calls == []


def test_deleted_generations_lose_their_grants_first(fake_http):
    cluster = EnforcingCluster(fake_http)
    for owner in ("id1", "id2"):
        cluster.rows.append({"authorizationKey": str(len(cluster.rows) + 1), "ownerType": "CLIENT", "ownerId": owner,
                             "resourceType": "MESSAGE", "resourceId": "*", "permissionTypes": ["CREATE"]})
    deleted = []
    fake_http.handle("DELETE", AUTHZ + "/2", lambda c: (deleted.append("2"), (204, None))[1])
    console = FakeConsole([gen(1), gen(2)])
    options = {"client_id": "authz-admin", "client_secret": "admin-secret", "grant": True, "process_ids": ["*"],
               "message_names": ["*"], "vocabulary": {}}
    result = run(console, held_client_id="id2", authorizations=options)
    assert result["deleted"] == [BASE + "-g1"] and result["authorizations_revoked"] == ["id1"]
    assert deleted == ["2"] and console.writes() == [("delete", "id1")]
    again = run(console, state="absent", authorizations=dict(options, client_id=None, client_secret=None))
    assert again["deleted"] == [BASE + "-g2"] and again["authorizations_kept"] == ["id2"]
