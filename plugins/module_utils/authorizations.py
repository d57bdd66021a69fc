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

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaError, host_of
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

    def _call(self, what, method, path, expected, body=None):
        def call():
            return self.transport.request(method, path, json=body, headers=self.headers, expected=expected)
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
            data = self._call("Searching the authorizations", "POST", "v2/authorizations/search", (200,), body).json()
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
                          {"page": {"limit": 1}}).json()
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
    for part in str(version or "").split("-")[0].split(".")[:2]:
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


def enforced(version, owner_view):
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
