# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient, CamundaError
from ansible_collections.camunda.servicenow.plugins.modules import camunda_client_credential as mod

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"
NOW = 1767323045  # 2026-01-02T03:04:05Z


class FakeConsole:
    """The Console API of one cluster, in memory, recording every call."""

    host = "console.test"

    def __init__(self, clients=(), fail_create=None, fail_delete=None):
        self.clients = [dict(c) for c in clients]
        self.calls = []
        self.fail_create = fail_create
        self.fail_delete = fail_delete
        self.counter = 0

    def list_clients(self):
        self.calls.append(("list",))
        return [dict(c) for c in self.clients]

    def create_client(self, name, permissions=None):
        self.calls.append(("create", name, list(permissions or [])))
        if self.fail_create:
            error, self.fail_create = self.fail_create, None
            raise error
        self.counter += 1
        client_id = "new-id-{0}".format(self.counter)
        row = {"clientId": client_id, "name": name, "permissions": list(permissions or ["Zeebe", "Operate"])}
        self.clients.append(row)
        return dict(row, clientSecret="new-secret-{0}".format(self.counter), uuid="u")

    def get_client(self, client_id):
        self.calls.append(("get", client_id))
        row = [c for c in self.clients if c["clientId"] == client_id][0]
        return {"name": row["name"], "ZEEBE_CLIENT_ID": client_id,
                "ZEEBE_ADDRESS": "{0}.bru-2.zeebe.camunda.io:443".format(CLUSTER),
                "ZEEBE_AUTHORIZATION_SERVER_URL": "https://login.cloud.camunda.io/oauth/token"}

    def delete_client(self, client_id):
        self.calls.append(("delete", client_id))
        if self.fail_delete:
            raise self.fail_delete
        self.clients = [c for c in self.clients if c["clientId"] != client_id]

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "delete")]


class Client(CamundaClient):
    def __init__(self, console, **options):
        super(Client, self).__init__(options)
        self.fake = console

    def console(self, cluster_id):
        assert cluster_id == CLUSTER
        return self.fake


def params(**overrides):
    out = {"cluster_id": CLUSTER, "name": "servicenow", "permissions": ["Zeebe"], "audience": None, "rotate": False,
           "state": "present"}
    out.update(overrides)
    return out


def row(client_id, name, permissions=("Zeebe",)):
    return {"clientId": client_id, "name": name, "permissions": list(permissions)}


def test_rotation_name_and_family():
    assert mod.rotation_name("servicenow", NOW) == "servicenow-r20260102030405"
    clients = [row("c", "servicenow-r20260102030405"), row("a", "servicenow"), row("x", "servicenow-dev"),
               row("b", "servicenow-r20250101000000"), row("y", "servicenow-r2025"), row("z", "servicenow2")]
    assert [c["clientId"] for c in mod.family(clients, "servicenow")] == ["a", "b", "c"]
    assert mod.family([], "servicenow") == []


@pytest.mark.parametrize("name, rotate, deployment, reason", [
    ("servicenow", False, "saas", None),
    ("x" * 50, False, "saas", None),
    ("x" * 51, False, "saas", "has 51 characters; at most 50 are allowed"),
    ("x" * 35, True, "saas", "at most 34 are allowed with rotate=true"),
    ("x" * 35, True, "self_managed", None),
    ("service now", False, "saas", "must be non-empty and contain no whitespace"),
])
def test_validate_name(name, rotate, deployment, reason):
    result = mod.validate_name(name, rotate, deployment)
    if reason is None:
        assert result is None
    else:
        assert reason in result


def test_create_returns_the_secret_and_what_servicenow_needs():
    console = FakeConsole()
    result, warnings = mod.ensure_saas(params(), Client(console), False, NOW)
    assert warnings == []
    assert console.writes() == [("create", "servicenow", ["Zeebe"])]
    assert result == {
        "changed": True, "deleted_client_ids": [], "client_id": "new-id-1", "client_secret": "new-secret-1",
        "name": "servicenow", "permissions": ["Zeebe"], "cluster_id": CLUSTER, "region": "bru-2",
        "host": "bru-2.zeebe.camunda.io", "base_path": "/" + CLUSTER,
        "cluster_rest_url": "https://bru-2.zeebe.camunda.io/" + CLUSTER,
        "zeebe_address": CLUSTER + ".bru-2.zeebe.camunda.io:443",
        "token_url": "https://login.cloud.camunda.io/oauth/token", "audience": "zeebe.camunda.io",
        "diff": {"before": {}, "after": {"name": "servicenow", "permissions": ["Zeebe"]}},
    }


def test_existing_client_is_left_alone_and_no_secret_is_returned():
    console = FakeConsole([row("old", "servicenow")])
    result, warnings = mod.ensure_saas(params(), Client(console), False, NOW)
    assert console.writes() == []
    assert result["changed"] is False and "client_secret" not in result
    assert result["client_id"] == "old" and result["region"] == "bru-2"
    assert warnings == []


def test_sandbox_style_cluster_api_url_overrides_the_regional_host():
    console = FakeConsole([row("old", "servicenow")])
    result, _w = mod.ensure_saas(params(), Client(console, cluster_api_url="https://127.0.0.1:8443"), False, NOW)
    assert result["cluster_rest_url"] == "https://127.0.0.1:8443/" + CLUSTER
    assert result["host"] == "127.0.0.1:8443" and result["base_path"] == "/" + CLUSTER


def test_different_permissions_warn_and_do_not_write():
    console = FakeConsole([row("old", "servicenow", ["Zeebe", "Operate"])])
    result, warnings = mod.ensure_saas(params(), Client(console), False, NOW)
    assert console.writes() == [] and result["changed"] is False
    assert warnings == ["API client 'servicenow' of cluster {0} on console.test has permissions Operate, Zeebe, not Zeebe; "
                        "the Console API cannot change them, set rotate: true to replace the client".format(CLUSTER)]


def test_check_mode_create_writes_nothing_and_returns_no_secret():
    console = FakeConsole()
    result, _w = mod.ensure_saas(params(), Client(console), True, NOW)
    assert console.writes() == [] and console.calls == [("list",)]
    assert result["changed"] is True and "client_secret" not in result and result["name"] == "servicenow"


def test_rotate_creates_the_successor_then_deletes_the_old_client():
    console = FakeConsole([row("old", "servicenow")])
    result, warnings = mod.ensure_saas(params(rotate=True), Client(console), False, NOW)
    assert console.writes() == [("create", "servicenow-r20260102030405", ["Zeebe"]), ("delete", "old")]
    assert result["client_id"] == "new-id-1" and result["client_secret"] == "new-secret-1"
    assert result["previous_client_id"] == "old" and result["deleted_client_ids"] == ["old"]
    assert result["name"] == "servicenow-r20260102030405"
    assert warnings == []
    # The next run manages the successor without change.
    again, _w = mod.ensure_saas(params(), Client(console), False, NOW + 5)
    assert again["changed"] is False and again["client_id"] == "new-id-1"


def test_rotate_keeps_the_old_client_when_creation_fails():
    console = FakeConsole([row("old", "servicenow")], fail_create=CamundaError("Creating failed: 403", status=403))
    with pytest.raises(CamundaError):
        mod.ensure_saas(params(rotate=True), Client(console), False, NOW)
    assert console.writes() == [("create", "servicenow-r20260102030405", ["Zeebe"])]
    assert [c["clientId"] for c in console.clients] == ["old"]


def test_failed_delete_after_rotation_still_returns_the_new_secret():
    said = ("Camunda Console API DELETE /clusters/{0}/clients/old on console.test failed with HTTP 500; Camunda Console "
            "API had an internal error, check its logs.".format(CLUSTER))
    failure = CamundaError("Deleting API client 'old' of cluster {0} failed: {1}".format(CLUSTER, said), status=500,
                           reason=said)
    console = FakeConsole([row("old", "servicenow")], fail_delete=failure)
    result, warnings = mod.ensure_saas(params(rotate=True), Client(console), False, NOW)
    assert result["client_secret"] == "new-secret-1" and result["deleted_client_ids"] == []
    # The step and the cluster are said once (the warning's context), the call and the host once (the transport's).
    assert warnings == ["API client 'servicenow-r20260102030405' of cluster {0} was created, but deleting the previous "
                        "client 'old' failed (the next run deletes it): Camunda Console API DELETE /clusters/{0}/clients/old "
                        "on console.test failed with HTTP 500; Camunda Console API had an internal error, check its "
                        "logs.".format(CLUSTER)]
    assert "new-secret-1" not in warnings[0]


def test_leftover_of_an_interrupted_rotation_is_deleted():
    console = FakeConsole([row("old", "servicenow"), row("new", "servicenow-r20260101000000")])
    result, _w = mod.ensure_saas(params(), Client(console), False, NOW)
    assert console.writes() == [("delete", "old")]
    assert result["changed"] is True and result["client_id"] == "new" and "client_secret" not in result


def test_unique_name_race_adopts_the_client():
    console = FakeConsole(fail_create=CamundaError("Creating ... HTTP 400: \"Client names must be unique\"", status=400))
    original = console.create_client

    def create(name, permissions=None):
        try:
            return original(name, permissions)
        finally:
            if not [c for c in console.clients if c["name"] == name]:
                console.clients.append(row("raced", name))
    console.create_client = create
    result, warnings = mod.ensure_saas(params(), Client(console), False, NOW)
    assert result["client_id"] == "raced" and "client_secret" not in result
    assert warnings == ["API client 'servicenow' of cluster {0} on console.test was created by someone else while this "
                        "task ran; it was adopted, so its secret is not available here".format(CLUSTER)]


def test_other_create_errors_are_not_adopted():
    console = FakeConsole(fail_create=CamundaError("Creating failed: HTTP 403 Maximum number of clients", status=403))
    with pytest.raises(CamundaError) as err:
        mod.ensure_saas(params(), Client(console), False, NOW)
    assert "Maximum number" in str(err.value)


def test_absent_deletes_the_family_and_twice_is_a_no_op():
    console = FakeConsole([row("a", "servicenow"), row("b", "servicenow-r20260101000000"), row("x", "other")])
    result, _w = mod.ensure_saas(params(state="absent"), Client(console), False, NOW)
    assert result["changed"] is True and result["deleted_client_ids"] == ["a", "b"]
    assert [c["clientId"] for c in console.clients] == ["x"]
    again, _w = mod.ensure_saas(params(state="absent"), Client(console), False, NOW)
    assert again == {"changed": False, "deleted_client_ids": [], "diff": {"before": {}, "after": {}}}


def test_absent_in_check_mode_writes_nothing():
    console = FakeConsole([row("a", "servicenow")])
    result, _w = mod.ensure_saas(params(state="absent"), Client(console), True, NOW)
    assert result["changed"] is True and console.writes() == []


def test_secret_never_in_diff():
    console = FakeConsole([row("old", "servicenow")])
    result, _w = mod.ensure_saas(params(rotate=True), Client(console), False, NOW)
    assert "new-secret-1" not in json.dumps(result["diff"])


# ---------------------------------------------------------------------------------------------- Self-Managed

class FakeKeycloak:
    def __init__(self, existing=None):
        self.existing = existing
        self.calls = []

    def find_client(self, client_id):
        self.calls.append(("find", client_id))
        return self.existing

    def create_client(self, representation):
        self.calls.append(("create", representation))
        return "uuid-1"

    def update_client(self, uuid, representation):
        self.calls.append(("update", uuid, representation))

    def add_protocol_mapper(self, uuid, client_id, mapper):
        self.calls.append(("mapper", uuid, mapper["config"]["included.custom.audience"]))

    def get_secret(self, uuid, client_id):
        self.calls.append(("secret", uuid))
        return "kc-secret"

    def regenerate_secret(self, uuid, client_id):
        self.calls.append(("regenerate", uuid))
        return "kc-secret-2"

    def delete_client(self, uuid, client_id):
        self.calls.append(("delete", uuid))


class SmClient(CamundaClient):
    def __init__(self, keycloak):
        super(SmClient, self).__init__({"deployment": "self_managed", "keycloak_url": "https://kc.test/auth",
                                        "cluster_api_url": "https://camunda.test/orchestration"})
        self.fake = keycloak

    def keycloak(self):
        return self.fake


def sm_existing(**overrides):
    rep = dict(mod.sm_representation("servicenow"), id="uuid-9",
               protocolMappers=[mod.audience_mapper("orchestration-api")])
    rep.update(overrides)
    return rep


def test_sm_create_confidential_client_with_audience_mapper():
    keycloak = FakeKeycloak()
    result, _w = mod.ensure_self_managed(params(cluster_id=None), SmClient(keycloak), False)
    created = keycloak.calls[1][1]
    assert created["serviceAccountsEnabled"] is True and created["publicClient"] is False
    assert created["protocolMappers"][0]["config"]["included.custom.audience"] == "orchestration-api"
    assert result["client_secret"] == "kc-secret" and result["changed"] is True
    assert result["token_url"] == "https://kc.test/auth/realms/camunda-platform/protocol/openid-connect/token"
    assert result["audience"] == "orchestration-api"
    assert result["host"] == "camunda.test" and result["base_path"] == "/orchestration"
    assert "kc-secret" not in json.dumps(result["diff"])


def test_sm_existing_client_unchanged_still_returns_its_secret():
    keycloak = FakeKeycloak(sm_existing())
    result, _w = mod.ensure_self_managed(params(cluster_id=None), SmClient(keycloak), False)
    assert result["changed"] is False and result["client_secret"] == "kc-secret"
    assert [c[0] for c in keycloak.calls] == ["find", "secret"]


def test_sm_drift_is_updated_and_missing_mapper_added():
    keycloak = FakeKeycloak(sm_existing(serviceAccountsEnabled=False, protocolMappers=[]))
    result, _w = mod.ensure_self_managed(params(cluster_id=None), SmClient(keycloak), False)
    assert result["changed"] is True
    assert [c[0] for c in keycloak.calls] == ["find", "update", "mapper", "secret"]
    assert keycloak.calls[1][2]["serviceAccountsEnabled"] is True


def test_sm_rotate_regenerates():
    keycloak = FakeKeycloak(sm_existing())
    result, _w = mod.ensure_self_managed(params(cluster_id=None, rotate=True), SmClient(keycloak), False)
    assert result["changed"] is True and result["client_secret"] == "kc-secret-2"


def test_sm_absent():
    keycloak = FakeKeycloak(sm_existing())
    result, _w = mod.ensure_self_managed(params(cluster_id=None, state="absent"), SmClient(keycloak), False)
    assert result["changed"] is True and keycloak.calls[-1] == ("delete", "uuid-9")
    keycloak = FakeKeycloak(None)
    result, _w = mod.ensure_self_managed(params(cluster_id=None, state="absent"), SmClient(keycloak), False)
    assert result["changed"] is False and keycloak.calls == [("find", "servicenow")]


class FailingGetConsole(FakeConsole):
    def get_client(self, client_id):
        self.calls.append(("get", client_id))
        said = "Camunda Console API GET /clusters/{0}/clients/new-id-1 on console.test failed with HTTP 503.".format(CLUSTER)
        raise CamundaError("Reading API client 'new-id-1' of cluster {0} failed: {1}".format(CLUSTER, said), status=503,
                           reason=said)


def test_failed_detail_read_after_creation_still_returns_the_new_secret():
    console = FailingGetConsole()
    result, warnings = mod.ensure_saas(params(), Client(console), False, NOW)
    assert result["client_secret"] == "new-secret-1" and result["client_id"] == "new-id-1"
    assert result["changed"] is True and "region" not in result
    assert warnings == [
        "API client 'servicenow' of cluster {0} was created and its secret is returned, but reading its connection "
        "details failed, so the region-derived values (zeebe_address, region, host) may be missing: Camunda Console "
        "API GET /clusters/{0}/clients/new-id-1 on console.test failed with HTTP 503.".format(CLUSTER)]


def test_failed_detail_read_of_an_existing_client_fails():
    console = FailingGetConsole([row("new-id-1", "servicenow")])
    with pytest.raises(CamundaError) as err:
        mod.ensure_saas(params(), Client(console), False, NOW)
    assert "failed with HTTP 503" in str(err.value) and console.writes() == []
