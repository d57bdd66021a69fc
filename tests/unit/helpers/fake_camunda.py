# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""THE Camunda fake of the unit tests: the Console API of one cluster (API clients, the cluster document, connector
secrets) and the Keycloak admin API of one realm, in memory, recording every call; and :class:`FakeCamunda`, a real
:class:`CamundaClient` (options, tokens, secrets, URLs) whose Console and Keycloak are these fakes, on a fake clock.

Tests that need the wire (status codes, headers, retries) use the ``fake_http`` fixture and the real API classes
instead. A module builds its APIs as ``ConsoleAPI(client, cluster_id)`` and ``KeycloakAdmin(client)``; call
``install(monkeypatch, module)`` (an autouse fixture) so that the module gets the fakes for a FakeCamunda client and
the real classes for any other client (:class:`FakeCluster` is the cluster's authorizations API on the wire, for
the ``fake_http`` fixture)::

    @pytest.fixture(autouse=True)
    def fakes(monkeypatch):
        fake_camunda.install(monkeypatch, mod)

    console = FakeConsole(clients=[...])
    mod.ensure(params, FakeCamunda(console=console), False)
    assert console.writes() == [("create", "servicenow-g1")]
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import RetryPolicy

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"


def cluster_doc(cluster_id=CLUSTER, ready=True, version="8.8.0", region="bru-2"):
    """A Console cluster document as GET /clusters/{id} returns it."""
    return {"uuid": cluster_id, "name": "prod", "generation": {"name": "Camunda " + version},
            "links": {"zeebe": "{0}.{1}.zeebe.camunda.io:443".format(cluster_id, region)},
            "status": {"ready": "Healthy" if ready else "Suspended", "zeebeStatus": "Healthy" if ready else "Suspended"}}


class FakeTransport:
    """The recovery of a lost create as the real transport does it (RetryPolicy), without waiting; the waits it would
    make are in ``waits``."""

    def __init__(self, settle=5.0):
        self.policy = RetryPolicy()
        self.settle = settle
        self.waits = []

    def create(self, post, lookup, errors=None):
        return self.policy.create(post, lookup, sleep=self.waits.append, settle=self.settle, errors=errors)

    def look_again(self, lookup, error):
        return self.policy.look_again(lookup, error, sleep=self.waits.append, settle=self.settle)


class FakeConsole:
    """The Console API of one cluster.

    ``clients``: the cluster's API clients (``{name, clientId, permissions}``); ``fail_create``: errors the next
    creates raise in turn (``commit_failed_create``: the server committed the client before the reply was lost);
    ``fail_delete``: the error every delete raises; ``secrets``: the connector secrets by name; ``conflict``: a
    create of a secret answers 409 after someone else created it."""

    host = "console.test"

    def __init__(self, clients=(), cluster=None, fail_create=(), fail_delete=None, commit_failed_create=False,
                 secrets=None, conflict=False, cluster_id=CLUSTER):
        self.cluster_id = cluster_id
        self.clients = [dict(c) for c in clients]
        self.cluster = cluster or cluster_doc(cluster_id)
        self.fail_create = list(fail_create)
        self.fail_delete = fail_delete
        self.commit_failed_create = commit_failed_create
        self.secrets = dict(secrets or {})
        self.conflict = conflict
        self.calls = []
        self.counter = 0
        self.transport = FakeTransport()

    # -- the cluster and its API clients ----------------------------------------------------------------------
    def get_cluster(self):
        self.calls.append(("cluster",))
        return self.cluster

    def list_clients(self, fresh=False):  # pylint: disable=unused-argument
        self.calls.append(("list",))
        return [dict(c) for c in self.clients]

    def create_client(self, name, permissions=None):
        self.calls.append(("create", name))
        self.counter += 1
        client_id = "new-id-{0}".format(self.counter)
        row = {"clientId": client_id, "name": name, "permissions": list(permissions or [])}
        if self.fail_create:
            error = self.fail_create.pop(0)
            if self.commit_failed_create:
                self.clients.append(row)  # the server committed, the reply was lost
            raise error
        self.clients.append(row)
        return dict(row, clientSecret="new-secret-{0}".format(self.counter))

    def delete_client(self, client_id):
        self.calls.append(("delete", client_id))
        if self.fail_delete:
            raise self.fail_delete
        self.clients = [c for c in self.clients if c["clientId"] != client_id]

    # -- connector secrets ----------------------------------------------------------------------------------------
    def get_secrets(self):
        self.calls.append(("GET",))
        return dict(self.secrets)

    def create_secret(self, name, value):
        self.calls.append(("POST", name))
        if self.conflict:
            self.secrets[name] = "someone else's"
            raise CamundaError("Creating connector secret {0!r} of cluster c1 failed: HTTP 409".format(name), status=409)
        self.secrets[name] = value

    def update_secret(self, name, value):
        self.calls.append(("PUT", name))
        self.secrets[name] = value

    def delete_secret(self, name):
        self.calls.append(("DELETE", name))
        self.secrets.pop(name, None)

    def writes(self):
        return [c for c in self.calls if c[0] in ("create", "delete", "POST", "PUT", "DELETE")]


class FakeKeycloak:
    """The Keycloak admin API of one realm: clients ``{clientId, id}``; a client's secret is ``kc-secret-<clientId>``."""

    realm = "camunda-platform"

    def __init__(self, clients=()):
        self.clients = [dict(c) for c in clients]
        self.calls = []
        self.transport = FakeTransport()

    def list_clients(self, prefix=None):
        self.calls.append(("list", prefix))
        return [dict(c) for c in self.clients if not prefix or c["clientId"].startswith(prefix)]

    def find_client(self, client_id):
        return ([c for c in self.clients if c["clientId"] == client_id] or [None])[0]

    def create_client(self, representation):
        self.calls.append(("create", representation["clientId"], representation))
        self.clients.append({"clientId": representation["clientId"], "id": "uuid-" + representation["clientId"]})
        return "uuid-" + representation["clientId"]

    def get_secret(self, uuid, client_id):
        self.calls.append(("secret", uuid))
        return "kc-secret-" + client_id

    def delete_client(self, uuid, client_id):
        self.calls.append(("delete", uuid))
        self.clients = [c for c in self.clients if c["clientId"] != client_id]


class FakeCamunda(CamundaClient):
    """A real CamundaClient on a fake clock (``sleep`` moves ``now``) whose Console API is ``console`` and whose
    Keycloak admin API is ``keycloak``."""

    def __init__(self, console=None, keycloak=None, **options):
        self.now = [1000.0]
        super(FakeCamunda, self).__init__(options, sleep=lambda s: self.now.__setitem__(0, self.now[0] + s),
                                          clock=lambda: self.now[0])
        self.fake_console = console
        self.fake_keycloak = keycloak

    def console_api(self, cluster_id):
        assert self.fake_console is not None, "this FakeCamunda has no Console"
        assert cluster_id == self.fake_console.cluster_id, cluster_id
        return self.fake_console

    def keycloak_api(self):
        assert self.fake_keycloak is not None, "this FakeCamunda has no Keycloak"
        return self.fake_keycloak


# The REST API of one cluster on the wire (the ``fake_http`` fixture): /v2/authorizations, for camunda_authorization.
CLUSTER_REST = "https://zeebe.test/c1"
AUTHORIZATIONS = "/c1/v2/authorizations"
CLUSTER_TOKEN = "ClusterToken-S3cret"
ROLE_ROW = {"authorizationKey": "1", "ownerType": "ROLE", "ownerId": "admin", "resourceType": "AUTHORIZATION",
            "resourceId": "*", "permissionTypes": ["CREATE", "READ", "UPDATE", "DELETE"]}


class FakeCluster:
    """/v2/authorizations as the sheet describes it: 409 for a held permission, empty searches without READ, a
    search lag of ``lag`` searches for new records."""

    def __init__(self, fake_http, readable=True, lag=0, forbid=None):
        self.http = fake_http
        self.readable = readable
        self.lag = lag
        self.forbid = forbid
        self.rows = {"1": dict(ROLE_ROW, hidden=0)}
        self.next = 100
        fake_http.add("POST", "/oauth/token", json={"access_token": CLUSTER_TOKEN, "expires_in": 3600})
        fake_http.handle("POST", AUTHORIZATIONS + "/search", self.search)
        fake_http.handle("POST", AUTHORIZATIONS, self.create)

    def search(self, call):
        if not self.readable:
            return 200, {"items": [], "page": {"totalItems": 0}}
        flt = (call.json or {}).get("filter") or {}
        out = []
        for record in sorted(self.rows.values(), key=lambda r: int(r["authorizationKey"])):
            if record["hidden"]:
                record["hidden"] -= 1
                continue
            if (all(record[k] == flt[k] for k in ("ownerId", "ownerType", "resourceType") if k in flt)
                    and ("resourceIds" not in flt or record["resourceId"] in flt["resourceIds"])):
                out.append(dict((k, v) for k, v in record.items() if k != "hidden"))
        limit = (call.json.get("page") or {}).get("limit", 100)
        return 200, {"items": out[:limit], "page": {"totalItems": len(out), "endCursor": None}}

    def create(self, call):
        if self.forbid == "CREATE":
            return 403, {"type": "about:blank", "title": "FORBIDDEN", "status": 403,
                         "detail": "Insufficient permissions to perform operation 'CREATE' on resource 'AUTHORIZATION'"}
        body = call.json
        for record in self.rows.values():
            same = all(record[k] == body[k] for k in ("ownerId", "ownerType", "resourceType", "resourceId"))
            if same and set(record["permissionTypes"]) & set(body["permissionTypes"]):
                return 409, {"title": "ALREADY_EXISTS", "status": 409, "detail": "already exists"}
        self.next += 1
        key = str(self.next)
        self.rows[key] = dict(body, authorizationKey=key, hidden=self.lag)
        self.http.handle("PUT", AUTHORIZATIONS + "/" + key, lambda c, key=key: self.update(c, key))
        self.http.handle("DELETE", AUTHORIZATIONS + "/" + key, lambda c, key=key: self.delete(key))
        return 201, {"authorizationKey": key}

    def update(self, call, key):
        if key not in self.rows:
            return 404, {"title": "NOT_FOUND", "status": 404, "detail": "no such key"}
        self.rows[key].update(call.json)
        return 204, None

    def delete(self, key):
        if self.rows.pop(key, None) is None:
            return 404, {"title": "NOT_FOUND", "status": 404, "detail": "no such key"}
        return 204, None

    def client_rows(self, owner="spoke-client"):
        return sorted((r["resourceType"], r["resourceId"], sorted(r["permissionTypes"]))
                      for r in self.rows.values() if r["ownerId"] == owner)

    def writes(self):
        return [(c.method, c.path) for c in self.http.calls if c.method in ("PUT", "DELETE")
                or (c.method == "POST" and c.path == AUTHORIZATIONS)]


def install(monkeypatch, module):
    """Make ``module`` build the fakes for a FakeCamunda client (the real API classes for any other client)."""
    real_console = getattr(module, "ConsoleAPI", None)
    real_keycloak = getattr(module, "KeycloakAdmin", None)

    def console(client, cluster_id):
        if isinstance(client, FakeCamunda):
            return client.console_api(cluster_id)
        return real_console(client, cluster_id)

    def keycloak(client):
        if isinstance(client, FakeCamunda):
            return client.keycloak_api()
        return real_keycloak(client)
    if real_console is not None:
        monkeypatch.setattr(module, "ConsoleAPI", console)
    if real_keycloak is not None:
        monkeypatch.setattr(module, "KeycloakAdmin", keycloak)
