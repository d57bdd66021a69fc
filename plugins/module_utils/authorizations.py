# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Camunda 8.8+ Orchestration Cluster authorizations: what the Camunda Spoke's client needs, and the desired-state
logic over ``/v2/authorizations`` (create, search, update, delete).

Facts (camunda-servicenow-additions.md §1): a create that repeats a permission the owner already holds on that
resource is refused with 409 as a whole; an update replaces the permission set; searches and reads are eventually
consistent, and a caller without ``AUTHORIZATION:READ`` gets an empty 200, never a 403. So an empty search proves
nothing on its own: :meth:`AuthorizationAPI.can_read` tells the two cases apart with one unfiltered search (a cluster
with authorizations always holds the default roles' authorizations, so a reader sees at least one).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import SELF_MANAGED, host_of
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_cluster import credential_token, saas_cluster_rest_url
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

OWNER_TYPES = ("USER", "CLIENT", "ROLE", "GROUP", "MAPPING_RULE")
WILDCARD = "*"

# Camunda 8.8: the permissions each resource type accepts (CD-AUTHZ88). The engine refuses other combinations with
# 400; resource types added later (8.9, 8.10) are not checked here and go to the cluster as they are.
_CRUD = ("CREATE", "READ", "UPDATE", "DELETE")
PERMISSIONS_BY_RESOURCE = {
    "PROCESS_DEFINITION": ("CANCEL_PROCESS_INSTANCE", "CREATE_PROCESS_INSTANCE", "DELETE_PROCESS_INSTANCE",
                           "MODIFY_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION", "READ_PROCESS_INSTANCE",
                           "READ_USER_TASK", "UPDATE_PROCESS_INSTANCE", "UPDATE_USER_TASK"),
    "MESSAGE": ("CREATE", "READ"),
    "RESOURCE": ("CREATE", "READ", "DELETE_DRD", "DELETE_FORM", "DELETE_PROCESS", "DELETE_RESOURCE"),
    "COMPONENT": ("ACCESS",),
    "SYSTEM": ("READ", "READ_USAGE_METRIC", "UPDATE"),
    "DOCUMENT": ("CREATE", "READ", "DELETE"),
    "AUTHORIZATION": _CRUD, "GROUP": _CRUD, "ROLE": _CRUD, "USER": _CRUD, "TENANT": _CRUD, "MAPPING_RULE": _CRUD,
    "DECISION_DEFINITION": ("CREATE_DECISION_INSTANCE", "DELETE_DECISION_INSTANCE", "READ_DECISION_DEFINITION",
                            "READ_DECISION_INSTANCE"),
    "DECISION_REQUIREMENTS_DEFINITION": ("READ",),
}

# What the Camunda Spoke calls and the permission each call needs (§1.5): start (CREATE_PROCESS_INSTANCE), cancel
# (CANCEL_PROCESS_INSTANCE), correlate a message to a waiting instance (UPDATE_PROCESS_INSTANCE; CREATE_PROCESS_INSTANCE
# for a message start event), signals (the same two), the module's own check (READ_PROCESS_DEFINITION), and
# MESSAGE:CREATE in case the Spoke publishes messages instead of correlating them (its code is not public).
SPOKE_PROCESS_PERMISSIONS = ("CANCEL_PROCESS_INSTANCE", "CREATE_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION",
                             "UPDATE_PROCESS_INSTANCE")
SPOKE_MESSAGE_PERMISSIONS = ("CREATE",)

# A call the Spoke's client really makes and that needs an authorization (MESSAGE:CREATE), harmless on any cluster:
# a message with time to live 0 that no process waits for is dropped at once.
PROBE_MESSAGE_NAME = "camunda-servicenow-access-check"


def spoke_authorizations(process_ids=None, message_names=None):
    """The authorizations the Camunda Spoke's client needs: ``[{resource_type, resource_id, permissions}]``, one per
    BPMN process id (``*`` for every process, the default) and one per message name (``*`` by default).
    ``RESOURCE:CREATE`` (deployments) is never part of it: the Spoke does not deploy."""
    out = []
    for process_id in _ids(process_ids):
        out.append({"resource_type": "PROCESS_DEFINITION", "resource_id": process_id,
                    "permissions": list(SPOKE_PROCESS_PERMISSIONS)})
    for name in _ids(message_names):
        out.append({"resource_type": "MESSAGE", "resource_id": name, "permissions": list(SPOKE_MESSAGE_PERMISSIONS)})
    return out


def _ids(values):
    values = [str(v) for v in (values or [WILDCARD]) if str(v).strip()]
    if WILDCARD in values:
        return [WILDCARD]
    return sorted(set(values))


def validate(entry):
    """The problems of one wanted authorization ``{resource_type, resource_id, permissions}`` as sentence
    fragments (an empty list when it is fine)."""
    problems = []
    resource_type = entry.get("resource_type")
    resource_id = entry.get("resource_id")
    permissions = entry.get("permissions") or []
    where = "{0} {1!r}".format(resource_type, resource_id)
    if not resource_type:
        problems.append("an authorization has no resource_type")
        return problems
    if not resource_id:
        problems.append("{0} has no resource_id (use '*' for every resource of the type)".format(resource_type))
    elif resource_id != WILDCARD and "*" in str(resource_id):
        problems.append("{0} uses a partial wildcard, which Camunda does not support (only '*' alone)".format(where))
    if not permissions:
        problems.append("{0} has no permissions".format(where))
    allowed = PERMISSIONS_BY_RESOURCE.get(resource_type)
    if allowed is not None:
        wrong = sorted(set(permissions) - set(allowed))
        if wrong:
            problems.append("{0} does not take {1} (it takes {2})".format(where, ", ".join(wrong), ", ".join(allowed)))
    return problems


def _key(row):
    return str(row.get("authorizationKey"))


def plan(rows, wanted, exact=False, state="present"):
    """What to do for one (owner, resource type, resource id): ``(actions, before, after)``.

    ``rows`` are the authorization records found for exactly that owner and resource (several records may split one
    owner's permissions); ``wanted`` the permission set. An action is ``("create", perms)``, ``("update", key,
    perms)`` or ``("delete", key)``. ``before``/``after`` are the sorted permission lists.

    * present: the wanted permissions are added to the first record (or created); with ``exact`` the first record
      gets exactly them and the others are deleted.
    * absent: the wanted permissions are taken out of every record (a record left with none is deleted); an empty
      ``wanted`` removes every record.
    """
    wanted = set(wanted or [])
    current = set()
    for row in rows:
        current.update(row.get("permissionTypes") or [])
    actions = []
    if state == "absent":
        for row in rows:
            have = set(row.get("permissionTypes") or [])
            left = have - wanted if wanted else set()
            if not left:
                actions.append(("delete", _key(row)))
            elif left != have:
                actions.append(("update", _key(row), sorted(left)))
        after = current - wanted if wanted else set()
        return actions, sorted(current), sorted(after)
    if not rows:
        return [("create", sorted(wanted))], [], sorted(wanted)
    first = rows[0]
    have = set(first.get("permissionTypes") or [])
    if exact:
        if have != wanted:
            actions.append(("update", _key(first), sorted(wanted)))
        actions.extend(("delete", _key(row)) for row in rows[1:])
        return actions, sorted(current), sorted(wanted)
    missing = wanted - current
    if missing:
        actions.append(("update", _key(first), sorted(have | missing)))
    return actions, sorted(current), sorted(current | wanted)


def matching(rows, owner_type, owner_id, resource_type, resource_id):
    """The rows for exactly this owner and resource (the search is filtered again here: ids are compared as they
    are, without the server's wildcard or case rules)."""
    return [row for row in rows or [] if isinstance(row, dict) and row.get("ownerType") == owner_type
            and str(row.get("ownerId")) == str(owner_id) and row.get("resourceType") == resource_type
            and str(row.get("resourceId")) == str(resource_id)]


PREREQUISITE = ("grant it once by hand (Camunda Identity > Authorizations, owner type Client, resource Authorization; "
                "or the admin role), the collection never grants itself")


class AuthorizationAPI:
    """``/v2/authorizations`` of one cluster, called with one bearer token."""

    def __init__(self, client, rest_url, access_token, caller):
        self.client = client
        self.rest_url = rest_url.rstrip("/")
        self.caller = caller  # the credential's client id, for messages
        self.host = host_of(self.rest_url)
        hints = {
            401: "the credential does not work for this cluster: check that the client belongs to it and that its "
                 "token was requested for audience {0!r}".format(client.cluster_audience()),
            404: "check that the cluster runs Camunda 8.8 or later (authorizations came with 8.8) and the cluster "
                 "REST URL",
            412: "the cluster is not ready yet, wait for it to be healthy or raise camunda.cluster_ready_timeout",
        }
        self.transport = client.transport(self.rest_url, "Camunda cluster REST API", hints=hints)
        self.transport.add_secret(access_token)
        self.headers = {"Authorization": "Bearer " + access_token}

    def _call(self, what, method, path, expected, body=None, retry=None):
        """``retry=True`` for a read sent as POST (a search): retried like a read, on 5xx and timeouts too."""
        def call():
            return self.transport.request(method, path, json=body, headers=self.headers, expected=expected,
                                          retry=retry)
        try:
            return self.client.wait_ready(call, self.transport)
        except TransportError as err:
            if err.status == 403:
                raise CamundaError(
                    "{0} on {1} was refused (HTTP 403{2}): the credential {3!r} lacks the permission on the "
                    "Authorization resource this needs; {4}".format(
                        what, self.host, ": " + err.service_detail if err.service_detail else "", self.caller,
                        PREREQUISITE), status=403, reason=str(err))
            raise CamundaError("{0} failed: {1}".format(what, err), status=err.status, reason=str(err))

    def search(self, owner_type=None, owner_id=None, resource_type=None, resource_id=None, limit=100):
        """Every record the filter matches (pages followed); an empty list may also mean "not allowed to read"."""
        flt = {}
        if owner_type:
            flt["ownerType"] = owner_type
        if owner_id:
            flt["ownerId"] = owner_id
        if resource_type:
            flt["resourceType"] = resource_type
        if resource_id:
            flt["resourceIds"] = [resource_id]
        rows = []
        after = None
        for dummy in range(100):
            body = {"page": {"limit": limit}}
            if flt:
                body["filter"] = flt
            if after:
                body["page"]["after"] = after
            data = self._call("Searching the authorizations", "POST", "v2/authorizations/search", (200,), body,
                              retry=True).json()
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise CamundaError("Searching the authorizations on {0} returned no items list; check that the URL is "
                                   "the cluster REST API of a Camunda 8.8 or later cluster".format(self.host))
            rows.extend(item for item in items if isinstance(item, dict))
            page = data.get("page") if isinstance(data.get("page"), dict) else {}
            after = page.get("endCursor")
            if len(items) < limit or not after:
                return rows
        return rows

    def can_read(self):
        """True when this credential can read authorizations: an unfiltered search shows at least one record (the
        default roles' authorizations are always there); False when it sees none (the empty 200 of a caller without
        AUTHORIZATION:READ)."""
        data = self._call("Searching the authorizations", "POST", "v2/authorizations/search", (200,),
                          {"page": {"limit": 1}}, retry=True).json()
        items = data.get("items") if isinstance(data, dict) else None
        return isinstance(items, list) and len(items) > 0

    def create(self, owner_type, owner_id, resource_type, resource_id, permissions):
        """The new record's key, or None when the cluster answered 409 (the owner holds one of these permissions on
        this resource already)."""
        body = {"ownerId": owner_id, "ownerType": owner_type, "resourceId": resource_id,
                "resourceType": resource_type, "permissionTypes": sorted(permissions)}
        what = "Granting {0} on {1} {2!r} to {3} {4!r}".format(", ".join(sorted(permissions)), resource_type,
                                                               resource_id, owner_type, owner_id)
        try:
            response = self._call(what, "POST", "v2/authorizations", (200, 201), body)
        except CamundaError as err:
            if err.status == 409:
                return None
            raise
        data = response.json()
        return str(data.get("authorizationKey")) if isinstance(data, dict) and data.get("authorizationKey") else ""

    def update(self, key, owner_type, owner_id, resource_type, resource_id, permissions):
        body = {"ownerId": owner_id, "ownerType": owner_type, "resourceId": resource_id,
                "resourceType": resource_type, "permissionTypes": sorted(permissions)}
        self._call("Updating authorization {0} ({1} {2!r} of {3} {4!r})".format(
            key, resource_type, resource_id, owner_type, owner_id), "PUT", "v2/authorizations/" + key, (200, 204), body)

    def delete(self, key):
        """Delete one record; an already deleted one (404) is fine."""
        self._call("Deleting authorization {0}".format(key), "DELETE", "v2/authorizations/" + key, (200, 204, 404))


# -- Whether the setup grants at all (the role's authorization step; camunda_authorization enforced_only) -----------

MINIMUM_VERSION = (8, 8)
GRANT, PROVE, SKIP, REFUSE = "grant", "prove", "skip", "refuse"
ABSENT = "absent"  # the authorization API answered 404: the cluster has none


def has_authorizations(version):
    """False for a known Camunda version below 8.8 (authorizations came with 8.8); True otherwise, also when the
    version is unknown (the API itself then tells)."""
    numbers = []
    for part in str(version or "").split("-", maxsplit=1)[0].split(".")[:2]:
        if not part.isdigit():
            return True
        numbers.append(int(part))
    return len(numbers) < 2 or tuple(numbers) >= MINIMUM_VERSION


def decide(version, owner_view, can_grant, grant=True):
    """What a setup does about the Spoke's client's authorizations: ``(action, note)``.

    ``version``: the cluster's Camunda version ("" when unknown). ``owner_view``: what an unfiltered authorization
    search showed with the client's own token - True (records: the client may read them without holding any grant,
    so authorizations are not enforced), False (nothing: they are), ``ABSENT`` (the API answered 404) or None (the
    client's secret is not known in this run, so it was not asked). ``can_grant``: a managing credential is given.
    ``grant``: the setup is to grant (False: the grants are made by hand, the setup only proves them).

    * ``skip``: nothing to do, the note says why (an older cluster, authorizations disabled, or not checkable now).
    * ``grant``: ensure the grants (idempotent; harmless where they are not enforced, and in effect once they are).
    * ``prove``: authorizations are enforced and granted by hand: prove them with one of the Spoke's calls.
    * ``refuse``: they are enforced, the setup is to grant, and there is no credential to grant with.
    """
    if not has_authorizations(version):
        return SKIP, "Camunda {0} has no authorizations (they came with 8.8): nothing to grant".format(version)
    if owner_view == ABSENT:
        return SKIP, "the cluster has no authorization API (Camunda before 8.8): nothing to grant"
    if grant and can_grant:
        return GRANT, ("granted; the cluster does not enforce authorizations now, the grants take effect when it does"
                       if owner_view is True else "granted")
    if owner_view is True:
        return SKIP, ("authorizations are disabled on the cluster (the client reads them without a grant): the client "
                      "has the access its scopes give, nothing granted")
    if owner_view is None:
        return SKIP, ("not checked in this run: the client's secret is known only in the run that creates it, and no "
                      "credential to grant with is set")
    if grant:
        return REFUSE, ""
    return PROVE, "granted by hand, proven with one of the Spoke's calls"


def enforcement(version, owner_view):
    """Whether the cluster enforces authorizations: False for an older cluster, a 404 or records the owner reads
    without a grant; True when it reads none; None when the owner was not asked."""
    if not has_authorizations(version) or owner_view == ABSENT or owner_view is True:
        return False
    return True if owner_view is False else None


def owner_view(api):
    """:func:`decide`'s ``owner_view`` from an unfiltered search made with the owner's own token (``api``)."""
    try:
        return api.can_read()
    except CamundaError as err:
        if err.status == 404:
            return ABSENT
        if err.status == 403:
            return False
        raise


def prove_spoke_call(api, owner_id, fix):
    """One call the Camunda Spoke really makes, with the owner's token (``api``): publish a message that no process
    waits for and that lives 0 ms (``MESSAGE:CREATE``, which the Spoke's grants include). Returns the proven sentence;
    CamundaError with ``fix`` when the cluster refuses it (HTTP 403: the client lacks the grant)."""
    body = {"name": PROBE_MESSAGE_NAME, "timeToLive": 0}

    def call():
        return api.transport.request("POST", "v2/messages/publication", json=body, headers=api.headers,
                                     expected=(200, 201, 204))
    try:
        api.client.wait_ready(call, api.transport)
    except TransportError as err:
        if err.status == 403:
            raise CamundaError(
                "Client {0} cannot make the Camunda Spoke's calls on {1} (publishing a message was refused with HTTP "
                "403{2}): the cluster enforces authorizations and the client lacks them; {3}".format(
                    owner_id, api.host, ": " + err.service_detail if err.service_detail else "", fix),
                status=403, reason=str(err))
        raise CamundaError("Client {0} could not make the Camunda Spoke's call (publishing a message) on {1}: {2}".format(
            owner_id, api.host, err), status=err.status, reason=str(err))
    return "client {0} made one of the Camunda Spoke's calls (published a message) on {1}".format(owner_id, api.host)


# -- The desired-state run over the options of camunda_authorization (also reached through camunda_client_credential) --

def wanted_authorizations(params):
    """``[{resource_type, resource_id, permissions}]`` from the options; CamundaError (before any request) when one
    is not valid for Camunda 8.8."""
    if params.get("preset") == "servicenow_spoke":
        entries = spoke_authorizations(params.get("process_ids"), params.get("message_names"))
    elif params.get("authorizations") is not None:
        entries = [dict(resource_type=e["resource_type"], resource_id=e.get("resource_id") or WILDCARD,
                        permissions=list(e.get("permissions") or [])) for e in params["authorizations"]]
    else:
        entries = [dict(resource_type=params["resource_type"], resource_id=params.get("resource_id") or WILDCARD,
                        permissions=list(params.get("permissions") or []))]
    problems = []
    seen = set()
    for entry in entries:
        found = validate(entry)
        if params["state"] == "absent":  # no permissions with state=absent means all of them
            found = [p for p in found if not p.endswith("has no permissions")]
        problems.extend(found)
        key = (entry["resource_type"], entry["resource_id"])
        if key in seen:
            problems.append("{0} {1!r} is given twice".format(*key))
        seen.add(key)
    if not entries:
        problems.append("authorizations is empty")
    if problems:
        raise CamundaError("Invalid authorizations for {0} {1!r}, nothing was sent: {2}".format(
            params["owner_type"], params["owner_id"], "; ".join(problems)))
    return entries


def rest_url_for(params, client):
    if params.get("cluster_rest_url"):
        return params["cluster_rest_url"].rstrip("/")
    if client.deployment == SELF_MANAGED and client.opt("cluster_api_url"):
        return client.opt("cluster_api_url").rstrip("/")
    url = None
    if params.get("cluster_id"):
        url = saas_cluster_rest_url(params["cluster_id"], params.get("region"), client.opt("cluster_api_url"))
    if not url:
        raise CamundaError("No cluster REST URL; set cluster_rest_url, or cluster_id with region (SaaS), or "
                           "camunda.cluster_api_url")
    return url


def managing_token(params, client):
    """``(token, caller)``: a cluster token of the credential that manages authorizations, and its name."""
    return credential_token(params, client, "No credential to manage authorizations with; set client_id and "
                            "client_secret of a cluster client that holds permissions on the Authorization resource, "
                            "or access_token")


class Run:
    """One module run: the owner, the API, whether the credential can read (asked at most once)."""

    def __init__(self, params, api, check_mode):
        self.params = params
        self.api = api
        self.check_mode = check_mode
        self.owner = (params["owner_type"], params["owner_id"])
        self.readable = None
        self.warnings = []

    def can_read(self):
        if self.readable is None:
            self.readable = self.api.can_read()
        return self.readable

    def blind(self, entry, what):
        return CamundaError(
            "The credential {0} cannot read authorizations on {1} (its searches come back empty), so {2} of {3} {4!r} "
            "for {5} {6!r} is impossible; grant it READ on the Authorization resource, or {7}".format(
                self.api.caller, self.api.host, what, entry["resource_type"], entry["resource_id"], self.owner[0],
                self.owner[1], "use exact=false" if what == "an exact check" else "remove the grant by hand"))

    def ensure(self, entry):
        owner_type, owner_id = self.owner
        rtype, rid = entry["resource_type"], entry["resource_id"]
        state, exact = self.params["state"], self.params["exact"]
        rows = matching(self.api.search(owner_type, owner_id, rtype, rid), owner_type, owner_id, rtype, rid)
        if not rows and not self.can_read():
            if state == "absent":
                raise self.blind(entry, "a removal")
            if exact:
                raise self.blind(entry, "an exact check")
            return self.grant_blind(entry)
        actions, before, after = plan(rows, entry["permissions"], exact, state)
        keys = [str(r.get("authorizationKey")) for r in rows]
        if not actions:
            return self.outcome(entry, "absent" if state == "absent" else "unchanged", before, after, keys, False)
        if state == "absent":
            result = "deleted" if not after else "updated"
        else:
            result = "created" if actions[0][0] == "create" else "updated"
        if self.check_mode:
            return self.outcome(entry, result, before, after, keys, True)
        for action in actions:
            if action[0] == "create":
                created, added = self.create(entry, action[1])
                if not added:  # 409: granted already, not yet visible to searches
                    return self.outcome(entry, "unchanged", before, after, keys, False)
                keys.extend(created)
            elif action[0] == "update":
                self.api.update(action[1], owner_type, owner_id, rtype, rid, action[2])
            else:
                self.api.delete(action[1])
                keys.remove(action[1])
        return self.outcome(entry, result, before, after, keys, True)

    def create(self, entry, permissions):
        """Create, and on 409 one permission at a time: ``(keys, added permissions)``."""
        owner_type, owner_id = self.owner
        key = self.api.create(owner_type, owner_id, entry["resource_type"], entry["resource_id"], permissions)
        if key is not None:
            return [key], list(permissions)
        # 409: the owner holds at least one of them; find out which, one permission at a time.
        keys, added = [], []
        if len(permissions) > 1:
            for permission in permissions:
                one = self.api.create(owner_type, owner_id, entry["resource_type"], entry["resource_id"], [permission])
                if one is not None:
                    keys.append(one)
                    added.append(permission)
        return keys, added

    def grant_blind(self, entry):
        """Nothing found and the credential cannot read: create (409 means it is there), or report unknown."""
        perms = sorted(entry["permissions"])
        if self.check_mode:
            self.warnings.append(
                "The credential {0} cannot read authorizations on {1}, so whether {2} {3!r} of {4} {5!r} is already "
                "granted is unknown; a real run creates it, and a 409 answer then means it was there".format(
                    self.api.caller, self.api.host, entry["resource_type"], entry["resource_id"], self.owner[0],
                    self.owner[1]))
            return self.outcome(entry, "unknown", None, perms, [], True)
        keys, added = self.create(entry, perms)
        if not added:
            return self.outcome(entry, "unchanged", None, perms, [], False)
        return self.outcome(entry, "created", None, perms, keys, True)

    def outcome(self, entry, result, before, after, keys, changed):
        return {"resource_type": entry["resource_type"], "resource_id": entry["resource_id"], "result": result,
                "permissions": list(after), "keys": list(keys), "_before": before, "_changed": changed}


def has_manager(params):
    """Whether a managing credential is given explicitly (with O(enforced_only), O(camunda.client_id) is the
    organization's client of the caller, not a cluster credential, so it does not count)."""
    return bool(params.get("access_token") or (params.get("client_id") and params.get("client_secret")))


def owner_api(params, client, rest_url):
    """The API called with the owner's own token (O(owner_secret) of a CLIENT owner), or None."""
    if params.get("owner_token") and params["owner_id"]:  # camunda_client_credential's proof fetched it already
        client.add_secret(params["owner_token"])
        return AuthorizationAPI(client, rest_url, params["owner_token"], params["owner_id"])
    if not (params.get("owner_secret") and params["owner_type"] == "CLIENT" and params["owner_id"]):
        return None
    client.add_secret(params["owner_secret"])
    token = client.fetch_token(params.get("token_url") or client.token_url(), params["owner_id"],
                               params["owner_secret"], params.get("audience") or client.cluster_audience(),
                               what="cluster").access_token
    return AuthorizationAPI(client, rest_url, token, params["owner_id"])


def word(params, key, default):
    return (params.get("vocabulary") or {}).get(key) or default


def refusal(params, host):
    return ("Camunda cluster {0} enforces authorizations (Camunda 8.8+) and client {1} must be granted what the "
            "Camunda Spoke calls, but no credential to grant with is set: set {2} and {3} to a cluster client that "
            "holds permissions on the Authorization resource ({4}), or grant them by hand and set {5}; nothing was "
            "granted").format(host, params["owner_id"], word(params, "client_id", "client_id"),
                              word(params, "client_secret", "client_secret"), PREREQUISITE,
                              word(params, "grant", "grant: false"))


def prove_fix(params):
    if params["grant"]:
        return "check that the grants above reached the cluster (its authorization cache keeps old answers up to 30 s)"
    return ("grant them (camunda.servicenow.camunda_authorization with preset: servicenow_spoke, or Camunda Identity "
            "> Authorizations, owner type Client, id {0}), or let the setup grant them: {1}").format(
                params["owner_id"], word(params, "grant_on", "grant: true with client_id and client_secret"))


def run(params, client, check_mode):
    """The module result and warnings; raises CamundaError."""
    entries = wanted_authorizations(params)
    if not params["owner_id"]:
        if check_mode and params["enforced_only"]:
            return {"changed": False, "authorizations": [], "enforced": None, "readable": None, "proven": "",
                    "note": "the client is created in this run, so its authorizations are checked then",
                    "diff": {"before": {}, "after": {}}}, []
        raise CamundaError("owner_id is empty; pass the id of the client (or other owner) to grant to")
    rest_url = rest_url_for(params, client)
    action, note, owner, enforced = GRANT, "", None, None
    if params["enforced_only"]:
        view = None
        if has_authorizations(params.get("cluster_version")):
            owner = owner_api(params, client, rest_url)
            view = owner_view(owner) if owner is not None else None
        action, note = decide(params.get("cluster_version"), view, has_manager(params), params["grant"])
        enforced = enforcement(params.get("cluster_version"), view)
        if action == REFUSE:
            raise CamundaError(refusal(params, host_of(rest_url)))
    result = {"changed": False, "authorizations": [], "diff": {"before": {}, "after": {}}, "note": note,
              "enforced": enforced, "readable": None, "proven": ""}
    if action == SKIP:
        return result, []
    warnings = []
    if action == GRANT:
        granted, warnings = grant(params, client, check_mode, entries, rest_url)
        result.update(granted)
    if params["prove"] and not check_mode:
        owner = owner or owner_api(params, client, rest_url)
        if owner is not None:
            result["proven"] = prove_spoke_call(owner, params["owner_id"], prove_fix(params))
    return result, warnings


def grant(params, client, check_mode, entries, rest_url):
    """The grants with the managing credential: (result fields, warnings)."""
    token, caller = managing_token(params, client)
    one = Run(params, AuthorizationAPI(client, rest_url, token, caller), check_mode)
    result = {"changed": False, "authorizations": [], "diff": {"before": {}, "after": {}}}
    for entry in entries:
        done = one.ensure(entry)
        label = "{0}:{1}".format(entry["resource_type"], entry["resource_id"])
        before = done.pop("_before")
        result["diff"]["before"][label] = "unknown" if before is None else before
        result["diff"]["after"][label] = done["permissions"]
        result["changed"] = result["changed"] or done.pop("_changed")
        result["authorizations"].append(done)
    result["readable"] = one.readable
    return result, one.warnings


def spoke_step(options, owner_id, owner_secret, owner_token, rest_url, cluster_version, prove=True):
    """camunda_authorization's parameters for the setup's step: the Camunda Spoke's grants for client ``owner_id``,
    decided by :func:`decide` and, with ``prove``, proven with one of the Spoke's calls made with the client's own
    token (a message publication: a write, so the setup makes it only for a client issued in its run).
    ``options``: camunda_client_credential's ``authorizations`` option."""
    return dict(cluster_id=None, region=None, cluster_rest_url=rest_url, client_id=options.get("client_id"),
                client_secret=options.get("client_secret"), access_token=None, audience=None, token_url=None,
                owner_type="CLIENT", owner_id=owner_id or "", resource_type=None, resource_id=WILDCARD,
                permissions=None, authorizations=None, preset="servicenow_spoke",
                process_ids=options.get("process_ids") or [WILDCARD],
                message_names=options.get("message_names") or [WILDCARD], exact=False, state="present",
                owner_secret=owner_secret, owner_token=owner_token, enforced_only=True,
                cluster_version=cluster_version, grant=options.get("grant", True) is not False, prove=bool(prove),
                vocabulary=options.get("vocabulary") or {})
