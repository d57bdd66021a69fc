"""Camunda 8 SaaS Console / Administration API (``api.cloud.camunda.io``), camunda-api.md sections 2.3 to 2.5.

Bearer tokens from the login service with audience ``api.cloud.camunda.io`` only (other audiences, unknown or
expired tokens: 401).  The organization client must hold the scope of the call (403 naming the scope):
``Cluster`` for /clusters, ``ZeebeClient`` for /clusters/{id}/clients..., ``ConnectorSecrets`` for .../secrets...
"""

import re
import uuid

from .camunda_common import StateBackedService, bearer_token, nest_error, parse_json_body, random_client_id, random_secret
from .camunda_saas_state import CLIENT_NAME, CONSOLE_AUDIENCE, ORG_SCOPES, PERMISSIONS, REGIONS
from .http import empty_response, json_response

SECRET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
ROUTE = re.compile(r"^/clusters(?:/(?P<cluster>[^/]+)(?:/(?P<kind>clients|secrets)(?:/(?P<item>[^/]+))?)?)?$")


class ConsoleService(StateBackedService):
    name = "camunda_console"

    def snapshot(self):
        snap = self.state.snapshot()
        return {"clusters": snap["clusters"]}

    # ------------------------------------------------------------------------------------------------ routing
    def handle(self, request):
        match = ROUTE.match(request.path)
        if not match:
            return nest_error(404, "Cannot %s %s" % (request.method, request.path))
        cluster_id, kind, item = match.group("cluster"), match.group("kind"), match.group("item")
        allowed = self._allowed_methods(cluster_id, kind, item)
        if request.method not in allowed:
            return nest_error(405, "Method %s is not allowed on %s" % (request.method, request.path))
        scope = {None: "Cluster", "clients": "ZeebeClient", "secrets": "ConnectorSecrets"}[kind]
        denied = self._authorize(request, scope)
        if denied:
            return denied
        with self.state.lock:
            if cluster_id is None:
                return json_response(200, [self._cluster_view(c) for c in self.state.clusters()])
            cluster = self.state.data["clusters"].get(cluster_id)
            if cluster is None:
                return nest_error(404, "Cluster not found")
            if kind is None:
                return json_response(200, self._cluster_view(cluster))
            if kind == "clients":
                return self._clients(request, cluster, item)
            return self._secrets(request, cluster, item)

    @staticmethod
    def _allowed_methods(cluster_id, kind, item):
        if cluster_id is None or kind is None:
            return ("GET",)
        if kind == "clients":
            return ("GET", "DELETE") if item else ("GET", "POST")
        return ("PUT", "DELETE") if item else ("GET", "POST")

    def _authorize(self, request, scope):
        token = bearer_token(request)
        if token is None:
            return self._unauthorized("Unauthorized: send an Authorization: Bearer token issued for audience %s"
                                      % CONSOLE_AUDIENCE, 'Bearer realm="%s"' % CONSOLE_AUDIENCE)
        reasons = []
        record = self.state.lookup_token(token, reasons)
        challenge = 'Bearer realm="%s", error="invalid_token"' % CONSOLE_AUDIENCE
        if record is None:
            return self._unauthorized("Unauthorized: the bearer token is invalid or expired (%s)" % reasons[0], challenge)
        request.principal = record["client_id"]
        if record["audience"] != CONSOLE_AUDIENCE or record["kind"] != "organization":
            return self._unauthorized("Unauthorized: the bearer token's audience is %s; the Administration API accepts only %s"
                                      % (record["audience"], CONSOLE_AUDIENCE), challenge)
        if scope not in record["scope"].split():
            return nest_error(403, 'Forbidden: this Administration API client lacks the "%s" scope (%s) needed for %s %s'
                              % (ORG_SCOPES[scope], scope, request.method, request.path))
        return None

    @staticmethod
    def _unauthorized(message, challenge):
        resp = nest_error(401, message)
        resp.headers["WWW-Authenticate"] = challenge
        return resp

    # ----------------------------------------------------------------------------------------------- clusters
    def _cluster_view(self, cluster):
        cid, region = cluster["uuid"], cluster["region"]
        ready = self.state.cluster_ready(cid)
        status = "Healthy" if ready else "Creating"
        return {
            "uuid": cid,
            "name": cluster["name"],
            "region": {"uuid": "region-" + region, "name": REGIONS.get(region, region)},
            "generation": {"uuid": "generation-" + cluster["version"], "name": "Camunda " + cluster["version"]},
            "channel": {"uuid": "channel-stable", "name": "Stable"},
            "planType": {"uuid": "plantype-enterprise", "name": "Enterprise"},
            "status": {"ready": status, "zeebeStatus": status, "operateStatus": status,
                       "tasklistStatus": status, "optimizeStatus": status},
            "links": self._links(cluster),
            "labels": {},
            "ipallowlist": [],
        }

    def _links(self, cluster):
        cid, region = cluster["uuid"], cluster["region"]
        return {
            "zeebe": "%s.%s.zeebe.camunda.io" % (cid, region),
            "operate": "https://%s.operate.camunda.io/%s" % (region, cid),
            "tasklist": "https://%s.tasklist.camunda.io/%s" % (region, cid),
            "optimize": "https://%s.optimize.camunda.io/%s" % (region, cid),
            "connectors": "https://%s.connectors.camunda.io/%s" % (region, cid),
            "console": "https://console.cloud.camunda.io/org/%s/cluster/%s" % (self.state.data["seed"]["organization"], cid),
            "oauth": self.state.reported_token_url(),
        }

    # ------------------------------------------------------------------------------------------------ clients
    def _clients(self, request, cluster, client_id):
        clients = cluster["clients"]
        if client_id is None and request.method == "GET":
            return json_response(200, [{"clientId": c["clientId"], "name": c["name"], "permissions": list(c["permissions"])}
                                       for c in self.state.clients(cluster)])
        if client_id is None:
            return self._create_client(request, cluster)
        client = clients.get(client_id)
        if client is None:
            return nest_error(404, "Cluster or client not found")
        if request.method == "DELETE":
            del clients[client_id]
            # Choice: deleting a client also revokes the tokens it holds (a real cluster might accept an already
            # issued JWT until it expires; the sandbox is strict so stale credentials are caught).
            self.state.drop_client_tokens(client_id)
            self.state.store.save()
            return empty_response(204)
        if not self.state.cluster_ready(cluster["uuid"]):
            return nest_error(412, "The cluster is not ready; try again later")
        return json_response(200, {
            "name": client["name"],
            "ZEEBE_ADDRESS": "%s.%s.zeebe.camunda.io:443" % (cluster["uuid"], cluster["region"]),
            "ZEEBE_CLIENT_ID": client["clientId"],
            "ZEEBE_AUTHORIZATION_SERVER_URL": self.state.reported_token_url(),
        })

    def _create_client(self, request, cluster):
        body, problem = parse_json_body(request)
        if problem == "unsupported-media-type":
            return nest_error(415, "Content-Type must be application/json")
        if problem or not isinstance(body, dict):
            return nest_error(400, "The request body must be a JSON object {clientName, permissions}")
        name = body.get("clientName")
        if not isinstance(name, str) or not name.strip():
            return nest_error(400, "clientName is required and must be a non-empty string")
        if self.state.flags["client_name_validation"] and not CLIENT_NAME.match(name):
            return nest_error(400, "Client name must be 1 to 50 characters: letters, digits, spaces, '.', '_' and '-', "
                              "starting with a letter or digit")
        permissions = body.get("permissions")
        if permissions == [] and not self.state.flags["empty_permissions_mean_all"]:
            return nest_error(400, "permissions must not be empty; omit it to create the client with all permissions")
        if permissions is None or permissions == []:
            permissions = list(PERMISSIONS)  # "created with all the permissions available" (2.3)
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            return nest_error(400, "permissions must be a list of: %s" % ", ".join(PERMISSIONS))
        unknown = [p for p in permissions if p not in PERMISSIONS]
        if unknown:
            return nest_error(400, "permissions must be a list of: %s (got %s)" % (", ".join(PERMISSIONS), ", ".join(unknown)))
        permissions = [p for p in PERMISSIONS if p in permissions]
        clients = cluster["clients"]
        if any(c["name"] == name for c in clients.values()):
            return nest_error(400, "Client names must be unique")
        limit = self.state.flags["max_clients_per_cluster"]
        if limit and len(clients) >= limit:
            return nest_error(403, "Maximum number of clients reached or cluster is not yours")
        client_id, secret = random_client_id(), random_secret()
        while self.state.find_cluster_client(client_id)[1] or client_id in self.state.data["org_clients"]:
            client_id = random_client_id()
        record = {"uuid": str(uuid.uuid4()), "clientId": client_id, "name": name, "permissions": permissions,
                  "secret": secret, "order": self.state.next_order()}
        clients[client_id] = record
        self.state.store.save()
        return json_response(200, {"uuid": record["uuid"], "clientId": client_id, "clientSecret": secret, "name": name,
                                   "permissions": list(permissions), "links": self._links(cluster)})

    # ------------------------------------------------------------------------------------------------ secrets
    def _secrets(self, request, cluster, name):
        store = cluster["secrets"]
        if name is None and request.method == "GET":
            return json_response(200, dict(store))
        if request.method == "DELETE":
            if name not in store:
                status = self.state.flags["missing_secret_delete_status"]
                return empty_response(204) if status == 204 else nest_error(404, "Secret not found")
            del store[name]
            self.state.store.save()
            return empty_response(204)
        body, problem = parse_json_body(request)
        if problem == "unsupported-media-type":
            return nest_error(415, "Content-Type must be application/json")
        if problem or not isinstance(body, dict):
            return nest_error(400, "The request body must be a JSON object")
        value = body.get("secretValue")
        if not isinstance(value, str):
            return nest_error(400, "secretValue is required and must be a string")
        if request.method == "PUT":
            if name not in store:
                return nest_error(404, "Secret not found")
            store[name] = value
            self.state.store.save()
            return empty_response(204)
        new_name = body.get("secretName")
        if not isinstance(new_name, str) or not new_name:
            return nest_error(400, "secretName is required and must be a string")
        if len(new_name) >= 50:
            return nest_error(400, "Secret name must be less than 50 characters")
        if not SECRET_NAME.match(new_name):
            return nest_error(400, "Secret name may contain only letters, digits, '_' and '-'")
        if new_name in store:
            return nest_error(409, "Secret names must be unique")
        store[new_name] = value
        self.state.store.save()
        return empty_response(204)
