# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Camunda Console (Administration) API of one SaaS cluster: API clients, the cluster document, connector
secrets; and the pure helpers that read or check what it takes and gives (cluster ids, secret names, the cluster's
Zeebe address)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.camunda.servicenow.plugins.module_utils import shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import host_of, seg
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError, parse_service_error

SECRET_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
CLUSTER_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
ZEEBE_ADDRESS_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?P<cluster>[^./:]+)\.(?P<region>[^./:]+)\.zeebe\.(?P<domain>[^:/]+)"
                              r"(?::\d+)?/?$")
CLUSTER_VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)")


def validate_secret_name(name):
    """None when ``name`` is a valid connector secret name, else the reason (one sentence fragment)."""
    if not isinstance(name, str) or not name:
        return "a connector secret name must not be empty"
    if len(name) >= 50:
        return "connector secret name {0!r} has {1} characters; the Console API accepts fewer than 50".format(
            name, len(name))
    if not SECRET_NAME_RE.match(name):
        return "connector secret name {0!r} may only contain letters, digits, '_' and '-'".format(name)
    return None


def check_cluster_id(cluster_id):
    """Raise CamundaError unless ``cluster_id`` has the shape of a SaaS cluster id (a UUID, as Console shows it)."""
    if not isinstance(cluster_id, str) or not CLUSTER_ID_RE.match(cluster_id):
        raise CamundaError("cluster_id {0!r} is not a Camunda SaaS cluster id; give the cluster's id as Console shows "
                           "it, a UUID like 6b6b3969-a65c-4bdd-905e-c29102eebded (nothing was sent)".format(cluster_id))


def parse_zeebe_address(address):
    """``{cluster_id, region, host}`` from a ZEEBE_ADDRESS like ``<clusterId>.<region>.zeebe.camunda.io:443``."""
    match = ZEEBE_ADDRESS_RE.match(str(address or "").strip())
    if not match:
        return None
    return {"cluster_id": match.group("cluster"), "region": match.group("region"),
            "host": "{0}.zeebe.{1}".format(match.group("region"), match.group("domain"))}


def cluster_view(data, cluster_id):
    """The few cluster facts a preflight needs, from the Console API's cluster document: id, name, region and
    regional host (from its Zeebe link), version (from its generation name), status and ready."""
    data = data if isinstance(data, dict) else {}
    links = data.get("links") if isinstance(data.get("links"), dict) else {}
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    generation = data.get("generation") if isinstance(data.get("generation"), dict) else {}
    address = parse_zeebe_address(links.get("zeebe")) or {}
    version = CLUSTER_VERSION_RE.search(str(generation.get("name") or ""))
    return {
        "id": data.get("uuid") or cluster_id,
        "name": data.get("name"),
        "region": address.get("region"),
        "host": address.get("host"),
        "version": version.group(1) if version else None,
        "status": status.get("zeebeStatus") or status.get("ready"),
        "ready": status.get("ready") in (True, "Healthy") or status.get("zeebeStatus") == "Healthy",
    }


def console_error(response):
    """The Console API's own words: its error body is ``{statusCode, message, error}`` where ``message`` is the
    sentence (or a list of them) and ``error`` only the reason phrase; other shapes go to the generic parser."""
    try:
        data = response.json()
    except TransportError:
        data = None
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, list):
            message = "; ".join(str(m) for m in message)
        if isinstance(message, str) and message.strip():
            return message.strip(), None
    return parse_service_error(response)


class ConsoleAPI:
    """The Console (Administration) API for one cluster (SaaS)."""

    def __init__(self, client, cluster_id):
        if not cluster_id:
            raise CamundaError("cluster_id is required on SaaS (the cluster's id as Console shows it)")
        check_cluster_id(cluster_id)
        self.client = client
        self.cluster_id = cluster_id
        base = client.opt("console_url")
        hints = {
            401: "check the organization client's credentials (camunda.client_id / camunda.client_secret) or the "
                 "access_token, and that its token was issued for audience {0!r}".format(client.opt("console_audience")),
            403: "check that the organization API client has the needed scopes (Zeebe Client for API clients, "
                 "Connector Secrets for secrets) and that the cluster belongs to its organization",
            404: "check cluster_id and that the cluster belongs to the organization of camunda.client_id",
            412: "the cluster is not ready (creating, updating or suspended); wait for it to be healthy or raise "
                 "camunda.cluster_ready_timeout",
            429: "the Console API rate-limited the requests, try again later",
        }
        self.transport = client.transport(base, "Camunda Console API", hints=hints, describe_error=console_error)
        # the hosts of one task share the cluster and client-list reads of one credential (never across credentials)
        credential = "{0}|{1}".format(client.opt("client_secret"), client.opt("access_token"))
        self._shared = shared_reads.task_scope("console", base, cluster_id, client.opt("client_id"),
                                               hashlib.sha256(credential.encode("utf-8")).hexdigest())

    @property
    def host(self):
        """``host[:port]`` of the Console API, for messages that have no transport sentence naming it."""
        return host_of(self.transport.base_url)

    def _call(self, what, method, path, expected=(200,), **kwargs):
        headers = {"Authorization": "Bearer " + self.client.console_token()}

        def call():
            return self.transport.request(method, path, headers=headers, expected=expected, **kwargs)
        try:
            return self.client.wait_ready(call, self.transport)
        except TransportError as err:
            raise CamundaError("{0} of cluster {1} failed: {2}".format(what, self.cluster_id, err), status=err.status,
                               reason=str(err))
        finally:
            if method != "GET" and self._shared is not None:
                # a write (even a failed one: a lost reply may have committed) to the clients changes their list; any
                # other write may change anything kept for the cluster
                if path.startswith(self._path("clients")):
                    self._shared.forget(self._path("clients"))
                else:
                    self._shared.drop()

    def _get_json(self, what, path):
        """The JSON of a GET that holds no secret, read once per task for all hosts (module_utils/shared_reads.py)."""
        def fetch():
            return self._call(what, "GET", path).json()
        return fetch() if self._shared is None else self._shared.read(path, fetch)

    def _path(self, *parts):
        return "/clusters/" + seg(self.cluster_id) + "".join("/" + seg(p) for p in parts)

    def list_clients(self, fresh=False):
        """The cluster's clients; ``fresh``: read them again even when another host of the task has just read them
        (a create whose answer was lost is looked for in the list as it is now)."""
        if fresh and self._shared is not None:
            self._shared.forget(self._path("clients"))
        data = self._get_json("Listing the API clients", self._path("clients"))
        if not isinstance(data, list):
            raise CamundaError("Listing the API clients of cluster {0} returned no list; check camunda.console_url "
                               "{1}".format(self.cluster_id, host_of(self.transport.base_url)))
        return data

    def create_client(self, name, permissions=None):
        body = {"clientName": name}
        if permissions:
            body["permissions"] = list(permissions)
        data = self._call("Creating API client {0!r}".format(name), "POST", self._path("clients"), json=body,
                          expected=(200, 201)).json()
        return self._object(data, "Creating API client {0!r}".format(name))

    def get_client(self, client_id):
        data = self._call("Reading API client {0!r}".format(client_id), "GET", self._path("clients", client_id)).json()
        return self._object(data, "Reading API client {0!r}".format(client_id))

    def _object(self, data, what):
        """``data`` when it is a JSON object, else a CamundaError naming the call (never the body: it may hold a
        secret)."""
        if isinstance(data, dict):
            return data
        reason = "the Console API on {0} returned no JSON object; check camunda.console_url".format(self.host)
        raise CamundaError("{0} of cluster {1} returned no JSON object; check camunda.console_url {2}".format(
            what, self.cluster_id, self.host), reason=reason)

    def delete_client(self, client_id):
        self._call("Deleting API client {0!r}".format(client_id), "DELETE", self._path("clients", client_id),
                   expected=(200, 204, 404))

    def get_cluster(self):
        return self._get_json("Reading the cluster", self._path())

    def get_secrets(self):
        data = self._call("Reading the connector secrets", "GET", self._path("secrets")).json()
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise CamundaError("Reading the connector secrets of cluster {0} returned no name/value map; check "
                               "camunda.console_url {1}".format(self.cluster_id, host_of(self.transport.base_url)))
        return data

    def create_secret(self, name, value):
        self._call("Creating connector secret {0!r}".format(name), "POST", self._path("secrets"),
                   json={"secretName": name, "secretValue": value}, expected=(200, 201, 204))

    def update_secret(self, name, value):
        self._call("Updating connector secret {0!r}".format(name), "PUT", self._path("secrets", name),
                   json={"secretValue": value}, expected=(200, 204))

    def delete_secret(self, name):
        self._call("Deleting connector secret {0!r}".format(name), "DELETE", self._path("secrets", name),
                   expected=(200, 204, 404))
