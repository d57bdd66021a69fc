"""Orchestration Cluster authorizations (Camunda 8.8+) on the SaaS cluster REST API, and the calls the Camunda Spoke
makes (camunda-servicenow-additions.md §1, "the sheet" below).

``AuthzClusterService`` is the SaaS ``camunda_cluster`` service with these routes in front of it:

* ``POST /{cid}/v2/authorizations`` (201 ``{authorizationKey}``; 409 for a permission the owner already holds on the
  resource; 400 for a field other than the five of 8.8, an unknown enum or a permission the resource type does not
  take; 404 for an unknown ROLE owner; CLIENT owners are never checked), ``PUT|GET|DELETE
  /{cid}/v2/authorizations/{key}`` and ``POST /{cid}/v2/authorizations/search`` (a caller without
  ``AUTHORIZATION:READ`` gets 200 with no items, never 403).
* The Spoke's calls: ``POST /{cid}/v2/process-instances`` (``PROCESS_DEFINITION:CREATE_PROCESS_INSTANCE``, then 404:
  nothing is deployed), ``POST /{cid}/v2/process-instances/{key}/cancellation`` (``CANCEL_PROCESS_INSTANCE``, then
  404), ``POST /{cid}/v2/messages/publication`` (``MESSAGE:CREATE``, 200), ``POST /{cid}/v2/messages/correlation``
  (no subscription: 404, no check), ``POST /{cid}/v2/signals/broadcast`` (nothing subscribed: 200, no check) and
  ``POST /{cid}/v2/process-definitions/search`` (200 with no items, with or without ``READ_PROCESS_DEFINITION``).

Runtime flags (on ``camunda_cluster``):

* ``authorizations``: ``disabled`` (the default, every call is allowed), ``upgraded`` (a cluster upgraded from 8.7:
  a Console client holds nothing until it is granted, #54704) or ``fresh`` (a fresh 8.8 cluster: Console clients of
  the cluster are also allowed the Spoke's calls through a SaaS-managed rule that no search shows [I]); one mode for
  every cluster, or ``{clusterId: mode}``.
* ``authorization_admins``: client ids holding the ``admin`` role (the one-time grant made by hand in Identity).
* ``authorization_search_lag``: how many searches a new record stays invisible to (eventual consistency, default 0).

Each cluster starts with the default roles' authorizations (``admin``, ``readonly-admin``, ``connectors``), so a
caller that may read sees records even when nothing was granted yet. Keys are strings, as in 8.8.
"""

import copy
import re

from .camunda_cluster import ClusterService
from .camunda_common import FlagError, bearer_token, parse_json_body, problem, version_tuple
from .camunda_saas_state import CLUSTER_AUDIENCE
from .http import empty_response, json_response

ROUTE = re.compile(r"^/(?P<cluster>[^/]+)/v2/(?P<rest>authorizations(?:/search|/[^/]+)?|process-instances"
                   r"(?:/[^/]+/cancellation)?|messages/(?:publication|correlation)|signals/broadcast"
                   r"|process-definitions/search)$")
MODES = ("disabled", "fresh", "upgraded")
FLAG_DEFAULTS = {"authorizations": "disabled", "authorization_admins": [], "authorization_search_lag": 0}
OWNER_TYPES = ("USER", "CLIENT", "ROLE", "GROUP", "MAPPING_RULE", "UNSPECIFIED")
_CRUD = ["CREATE", "READ", "UPDATE", "DELETE"]
# 8.8 (CD-AUTHZ88): permissions per resource type; other combinations are refused with 400.
PERMISSIONS = {
    "PROCESS_DEFINITION": ["CANCEL_PROCESS_INSTANCE", "CREATE_PROCESS_INSTANCE", "DELETE_PROCESS_INSTANCE",
                           "MODIFY_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION", "READ_PROCESS_INSTANCE",
                           "READ_USER_TASK", "UPDATE_PROCESS_INSTANCE", "UPDATE_USER_TASK"],
    "MESSAGE": ["CREATE", "READ"],
    "RESOURCE": ["CREATE", "READ", "DELETE_DRD", "DELETE_FORM", "DELETE_PROCESS", "DELETE_RESOURCE"],
    "COMPONENT": ["ACCESS"], "SYSTEM": ["READ", "READ_USAGE_METRIC", "UPDATE"], "DOCUMENT": ["CREATE", "READ", "DELETE"],
    "AUTHORIZATION": _CRUD, "GROUP": _CRUD, "ROLE": _CRUD, "USER": _CRUD, "TENANT": _CRUD, "MAPPING_RULE": _CRUD,
    "BATCH": ["CREATE", "READ", "UPDATE"],
    "DECISION_DEFINITION": ["CREATE_DECISION_INSTANCE", "DELETE_DECISION_INSTANCE", "READ_DECISION_DEFINITION",
                            "READ_DECISION_INSTANCE"],
    "DECISION_REQUIREMENTS_DEFINITION": ["READ"],
}
FIELDS = {"ownerId", "ownerType", "resourceId", "resourceType", "permissionTypes"}
ROLES = ("admin", "readonly-admin", "connectors", "app-integrations", "rpa")
# The default roles' authorizations (CD-AUTHZ88 §1.7), seeded on every cluster.
DEFAULT_GRANTS = ([("admin", rtype, perms) for rtype, perms in sorted(PERMISSIONS.items())]
                  + [("readonly-admin", rtype, [p for p in perms if p.startswith("READ")])
                     for rtype, perms in sorted(PERMISSIONS.items()) if any(p.startswith("READ") for p in perms)]
                  + [("connectors", "PROCESS_DEFINITION", ["READ_PROCESS_DEFINITION", "UPDATE_PROCESS_INSTANCE"]),
                     ("connectors", "MESSAGE", ["CREATE"]), ("connectors", "DOCUMENT", ["CREATE", "READ", "DELETE"])])
# What the invisible rule of a fresh cluster allows a Console client of that cluster [I]: the Spoke's calls.
FRESH_ALLOWED = {"PROCESS_DEFINITION": {"CREATE_PROCESS_INSTANCE", "UPDATE_PROCESS_INSTANCE",
                                        "CANCEL_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION"},
                 "MESSAGE": {"CREATE"}}
KEY_BASE = 2251799813684000


def _rejected(status, title, intent, reason, path):
    """The engine's rejection as ProblemDetail (REM): detail "Command '<INTENT>' rejected with code '<TYPE>': …"."""
    return problem(status, title, "Command '%s' rejected with code '%s': %s" % (intent, title, reason), path)


def _forbidden(intent, operation, resource_type, path, resource_id=None):
    reason = "Insufficient permissions to perform operation '%s' on resource '%s'" % (operation, resource_type)
    if resource_id is not None:
        reason += ", required resource identifiers are one of '[*, %s]'" % resource_id
    return _rejected(403, "FORBIDDEN", intent, reason, path)


class AuthzClusterService(ClusterService):
    """The SaaS cluster service with authorizations and the Spoke's calls (see the module docstring)."""

    def __init__(self, state):
        super().__init__(state)
        # Kept in the shared state's flags, so every SaaS service shows them and a restore puts them back.
        state.initial_flags.update(copy.deepcopy(FLAG_DEFAULTS))
        state.flags.update(copy.deepcopy(FLAG_DEFAULTS))

    # ----------------------------------------------------------------------------------------- flags
    def flags(self):
        out = dict(FLAG_DEFAULTS)
        out.update({k: v for k, v in self.state.flags.items() if k in FLAG_DEFAULTS})
        return out

    def set_flags(self, changes):
        changes = dict(changes or {})
        mine = {name: changes.pop(name) for name in list(changes) if name in FLAG_DEFAULTS}
        for name, value in mine.items():
            self._check_flag(name, value)
        out = super().set_flags(changes)
        with self.state.lock:
            self.state.flags.update(mine)
        out.update(self.flags())
        return out

    def _check_flag(self, name, value):
        if name == "authorizations":
            modes = value.values() if isinstance(value, dict) else [value]
            if not all(m in MODES for m in modes):
                raise FlagError("flag authorizations must be one of %s, or {clusterId: mode}" % ", ".join(MODES))
            unknown = [c for c in (value if isinstance(value, dict) else []) if c not in self.state.data["clusters"]]
            if unknown:
                raise FlagError("flag authorizations names unknown clusters: %s" % ", ".join(unknown))
        elif name == "authorization_admins":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FlagError("flag authorization_admins expects a list of client ids")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FlagError("flag authorization_search_lag expects a number of searches (0 or more)")

    def mode(self, cluster_id, version):
        if version_tuple(version) < (8, 8, 0):
            return "disabled"
        value = self.flags()["authorizations"]
        return value.get(cluster_id, "disabled") if isinstance(value, dict) else value

    def snapshot(self):
        out = super().snapshot()
        with self.state.lock:
            out["authorizations"] = {cid: sorted(self._records(c).values(), key=lambda r: int(r["authorizationKey"]))
                                     for cid, c in self.state.data["clusters"].items()}
        out["authorization_flags"] = self.flags()
        return out

    # ----------------------------------------------------------------------------------------- records
    def _records(self, cluster):
        """The cluster's records (seeded with the default roles' ones on first use, and again after a reset)."""
        if "authorizations" not in cluster:
            cluster["authorizations"] = {}
            for role, rtype, perms in DEFAULT_GRANTS:
                self._add(cluster, "ROLE", role, rtype, "*", perms)
        return cluster["authorizations"]

    def _add(self, cluster, owner_type, owner_id, rtype, rid, perms, lag=0):
        cluster["next_authorization"] = cluster.get("next_authorization", 0) + 1
        key = str(KEY_BASE + cluster["next_authorization"])
        cluster["authorizations"][key] = {"authorizationKey": key, "ownerType": owner_type, "ownerId": owner_id,
                                          "resourceType": rtype, "resourceId": rid, "permissionTypes": list(perms),
                                          "hidden_searches": lag}
        return key

    def allowed(self, cluster, client_id, rtype, rid, permission):
        mode = self.mode(cluster["uuid"], cluster["version"])
        if mode == "disabled":
            return True
        owners = {("CLIENT", client_id)}
        if client_id in self.flags()["authorization_admins"]:
            owners.add(("ROLE", "admin"))
        for record in self._records(cluster).values():
            if ((record["ownerType"], record["ownerId"]) in owners and record["resourceType"] == rtype
                    and record["resourceId"] in ("*", rid) and permission in record["permissionTypes"]):
                return True
        return mode == "fresh" and client_id in cluster["clients"] and permission in FRESH_ALLOWED.get(rtype, ())

    # ----------------------------------------------------------------------------------------- routing
    def handle(self, request):
        match = ROUTE.match(request.path)
        if not match:
            return super().handle(request)
        with self.state.lock:
            cluster = self.state.data["clusters"].get(match.group("cluster"))
            if cluster is None or version_tuple(cluster["version"]) < (8, 6, 0) or (
                    match.group("rest").startswith("authorizations") and version_tuple(cluster["version"]) < (8, 8, 0)):
                return problem(404, "Not Found", "No endpoint %s %s" % (request.method, request.path), request.path)
            caller, refused = self._caller(request, cluster)
            if refused is not None:
                return refused
            response = self._route(request, cluster, caller, match.group("rest"))
            self.state.store.save()
            return response

    def _caller(self, request, cluster):
        """(client id, None) for a valid token of a client of this cluster, else (None, the 401/503 answer)."""
        token = bearer_token(request)
        record = self.state.lookup_token(token) if token else None
        if record is None:
            return None, problem(401, "Unauthorized", "The bearer token is missing, invalid or expired", request.path,
                                 {"WWW-Authenticate": "Bearer"})
        request.principal = record["client_id"]
        if record["audience"] != CLUSTER_AUDIENCE or record["cluster"] != cluster["uuid"]:
            return None, problem(401, "Unauthorized", "The bearer token was not issued for this cluster", request.path,
                                 {"WWW-Authenticate": "Bearer"})
        if not self.state.cluster_ready(cluster["uuid"]):
            return None, problem(503, "Service Unavailable", "The cluster is not ready; try again later", request.path,
                                 {"Retry-After": "5"})
        return record["client_id"], None

    def _route(self, request, cluster, caller, rest):
        parts = rest.split("/")
        method = request.method
        if method not in ("POST", "PUT", "GET", "DELETE"):
            return problem(405, "Method Not Allowed", "%s is not allowed on %s" % (method, request.path), request.path)
        if method in ("POST", "PUT"):
            body, reason = parse_json_body(request)
            if reason is not None or not isinstance(body, dict):
                return problem(415 if reason == "unsupported-media-type" else 400, "Bad Request",
                               "The request body must be a JSON object (application/json)", request.path)
        else:
            body = {}
        if parts[0] == "authorizations":
            return self._authorizations(request, cluster, caller, parts[1:], body)
        if method != "POST":
            return problem(405, "Method Not Allowed", "Only POST is allowed on %s" % request.path, request.path)
        return self._spoke_call(request, cluster, caller, rest, body)

    # ----------------------------------------------------------------------------------------- /v2/authorizations
    def _authorizations(self, request, cluster, caller, rest, body):
        path, method = request.path, request.method
        records = self._records(cluster)
        if rest == ["search"] and method == "POST":
            return self._search(cluster, caller, body)
        if not rest and method == "POST":
            problem_response = self._invalid(body, path, "CREATE")
            if problem_response is not None:
                return problem_response
            if not self.allowed(cluster, caller, "AUTHORIZATION", "*", "CREATE"):
                return _forbidden("CREATE", "CREATE", "AUTHORIZATION", path)
            if body["ownerType"] == "ROLE" and body["ownerId"] not in ROLES:
                return _rejected(404, "NOT_FOUND", "CREATE", "Expected to create authorization for owner '%s', but a "
                                 "role with this ID does not exist." % body["ownerId"], path)
            for record in records.values():
                if ((record["ownerType"], record["ownerId"], record["resourceType"], record["resourceId"])
                        == (body["ownerType"], body["ownerId"], body["resourceType"], body["resourceId"])
                        and set(record["permissionTypes"]) & set(body["permissionTypes"])):
                    return _rejected(409, "ALREADY_EXISTS", "CREATE", "Expected to create authorization for owner "
                                     "'%s' for resource identifier '%s', but an authorization for this resource "
                                     "identifier already exists." % (body["ownerId"], body["resourceId"]), path)
            key = self._add(cluster, body["ownerType"], body["ownerId"], body["resourceType"], body["resourceId"],
                            body["permissionTypes"], lag=self.flags()["authorization_search_lag"])
            return json_response(201, {"authorizationKey": key})
        if len(rest) != 1 or method == "POST":
            return problem(405, "Method Not Allowed", "%s is not allowed on %s" % (method, path), path)
        key = rest[0]
        operation = {"GET": "READ", "PUT": "UPDATE", "DELETE": "DELETE"}[method]
        intent = {"GET": "READ", "PUT": "UPDATE", "DELETE": "DELETE"}[method]
        if method == "PUT":
            problem_response = self._invalid(body, path, "UPDATE")
            if problem_response is not None:
                return problem_response
        if not self.allowed(cluster, caller, "AUTHORIZATION", "*", operation):
            return _forbidden(intent, operation, "AUTHORIZATION", path)
        record = records.get(key)
        if record is None:
            return _rejected(404, "NOT_FOUND", intent, "Expected to %s authorization with key %s, but an "
                             "authorization with this key does not exist" % (intent.lower(), key), path)
        if method == "GET":
            return json_response(200, _public(record))
        if method == "DELETE":
            del records[key]
            return empty_response(204)
        record.update({k: body[k] for k in FIELDS})
        record["permissionTypes"] = list(body["permissionTypes"])
        return empty_response(204)

    def _invalid(self, body, path, intent):
        """A 400 ProblemDetail for a body 8.8 refuses, or None."""
        extra = sorted(set(body) - FIELDS)
        missing = sorted(FIELDS - set(body))
        if extra or missing:
            said = []
            if missing:
                said.append("No %s provided" % ", ".join(missing))
            if extra:
                said.append("Unrecognized field(s) %s (additionalProperties is false)" % ", ".join(extra))
            return problem(400, "Bad Request", "; ".join(said), path)
        if body["ownerType"] not in OWNER_TYPES:
            return problem(400, "Bad Request", "Unexpected value '%s' for enum field 'ownerType'" % body["ownerType"], path)
        if body["resourceType"] not in PERMISSIONS:
            return problem(400, "Bad Request", "Unexpected value '%s' for enum field 'resourceType'"
                           % body["resourceType"], path)
        perms = body["permissionTypes"]
        allowed = PERMISSIONS[body["resourceType"]]
        if not isinstance(perms, list) or not perms or not all(isinstance(p, str) for p in perms):
            return problem(400, "Bad Request", "No permissionTypes provided", path)
        if set(perms) - set(allowed):
            return _rejected(400, "INVALID_ARGUMENT", intent, "Expected to %s authorization with permission types "
                             "'%s' and resource type '%s', but these permissions are not supported. Supported "
                             "permission types are: '%s'" % (intent.lower(), perms, body["resourceType"], allowed), path)
        return None

    def _search(self, cluster, caller, body):
        flt = body.get("filter") or {}
        page = body.get("page") or {}
        limit = int(page.get("limit") or 100)
        start = int(page.get("after") or 0)
        if not self.allowed(cluster, caller, "AUTHORIZATION", "*", "READ"):
            rows = []  # the sheet §1.3: no READ, no rows, and still 200
        else:
            rows = []
            for record in sorted(self._records(cluster).values(), key=lambda r: int(r["authorizationKey"])):
                if record.get("hidden_searches"):
                    record["hidden_searches"] -= 1  # eventually consistent: not visible to this search yet
                    continue
                if all(_matches(record, name, value) for name, value in flt.items()):
                    rows.append(record)
        items = [_public(r) for r in rows[start:start + limit]]
        end = start + len(items)
        return json_response(200, {"items": items, "page": {
            "totalItems": len(rows), "hasMoreTotalItems": False,
            "startCursor": str(start) if items else None, "endCursor": str(end) if items else None}})

    # ----------------------------------------------------------------------------------------- the Spoke's calls
    def _spoke_call(self, request, cluster, caller, rest, body):
        path = request.path
        if rest == "messages/publication":
            name = body.get("name")
            if not name:
                return problem(400, "Bad Request", "No name provided", path)
            if not self.allowed(cluster, caller, "MESSAGE", name, "CREATE"):
                return _forbidden("PUBLISH", "CREATE", "MESSAGE", path, name)
            return json_response(200, {"messageKey": str(KEY_BASE * 2 + len(path)), "tenantId": "<default>"})
        if rest == "messages/correlation":
            reason = ("Expected to find subscription for message with name '%s' and correlation key '%s', but none was "
                      "found." % (body.get("name"), body.get("correlationKey", "")))
            return _rejected(404, "NOT_FOUND", "CORRELATE", reason, path)
        if rest == "signals/broadcast":
            return json_response(200, {"signalKey": str(KEY_BASE * 3), "tenantId": "<default>"})
        if rest == "process-definitions/search":
            return json_response(200, {"items": [], "page": {"totalItems": 0, "hasMoreTotalItems": False,
                                                             "startCursor": None, "endCursor": None}})
        if rest == "process-instances":
            process_id = body.get("processDefinitionId") or body.get("bpmnProcessId") or ""
            if not self.allowed(cluster, caller, "PROCESS_DEFINITION", process_id, "CREATE_PROCESS_INSTANCE"):
                return _forbidden("CREATE", "CREATE_PROCESS_INSTANCE", "PROCESS_DEFINITION", path, process_id)
            return _rejected(404, "NOT_FOUND", "CREATE", "Expected to find process definition with process ID '%s', "
                             "but none found" % process_id, path)
        key = rest.split("/")[1]
        if not self.allowed(cluster, caller, "PROCESS_DEFINITION", "*", "CANCEL_PROCESS_INSTANCE"):
            return _forbidden("CANCEL", "CANCEL_PROCESS_INSTANCE", "PROCESS_DEFINITION", path)
        return _rejected(404, "NOT_FOUND", "CANCEL", "Expected to cancel a process instance with key '%s', but no such "
                         "process was found" % key, path)


def _public(record):
    return {k: v for k, v in record.items() if k != "hidden_searches"}


def _matches(record, name, value):
    if name == "resourceIds":
        return record["resourceId"] in (value or [])
    if name in ("ownerId", "ownerType", "resourceType"):
        return record[name] == value
    return True
