# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Camunda side of the collection: the one table of connection options, token fetch/reuse, and the Console
(Administration) API, Keycloak admin API and cluster REST calls, all on top of :mod:`transport`.

Every Camunda module builds one :class:`CamundaClient` per run. The client fetches at most one token per
(token URL, client id, audience) and run, or uses a supplied ``access_token``. A 401 from a token endpoint is never
retried (the SaaS token service punishes loops); 429 is retried honouring ``Retry-After`` by the transport.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import re
import time

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import env_fallback

from ansible_collections.camunda.servicenow.plugins.module_utils import shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError, find_exact
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import ModuleError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import (
    Transport, TransportError, parse_service_error)


SAAS = "saas"
SELF_MANAGED = "self_managed"

DEFAULT_CONSOLE_URL = "https://api.cloud.camunda.io"
DEFAULT_OAUTH_URL = "https://login.cloud.camunda.io/oauth/token"
DEFAULT_CONSOLE_AUDIENCE = "api.cloud.camunda.io"
DEFAULT_SAAS_CLUSTER_AUDIENCE = "zeebe.camunda.io"
DEFAULT_SM_AUDIENCE = "orchestration-api"
DEFAULT_REALM = "camunda-platform"

# The one table of Camunda connection options: the `camunda` option's sub-options. It yields the argument spec
# (camunda_argument_spec), the environment fallbacks, and is checked against plugins/doc_fragments/camunda.py by
# tests/unit/plugins/module_utils/test_camunda.py. Keys: type, default, choices, env, no_log, elements.
CAMUNDA_OPTIONS = {
    "deployment": {"type": "str", "default": SAAS, "choices": [SAAS, SELF_MANAGED], "env": "CAMUNDA_DEPLOYMENT"},
    "client_id": {"type": "str", "env": "CAMUNDA_CONSOLE_CLIENT_ID"},
    "client_secret": {"type": "str", "no_log": True, "env": "CAMUNDA_CONSOLE_CLIENT_SECRET"},
    "access_token": {"type": "str", "no_log": True},
    "console_url": {"type": "str", "default": DEFAULT_CONSOLE_URL, "env": "CAMUNDA_CONSOLE_BASE_URL"},
    "console_audience": {"type": "str", "default": DEFAULT_CONSOLE_AUDIENCE, "env": "CAMUNDA_CONSOLE_OAUTH_AUDIENCE"},
    "oauth_url": {"type": "str", "default": DEFAULT_OAUTH_URL, "env": "CAMUNDA_OAUTH_URL"},
    "cluster_api_url": {"type": "str", "env": "CAMUNDA_CLUSTER_API_URL"},
    "cluster_audience": {"type": "str", "env": "CAMUNDA_CLUSTER_AUDIENCE"},
    "keycloak_url": {"type": "str", "no_log": False, "env": "CAMUNDA_KEYCLOAK_URL"},
    "keycloak_realm": {"type": "str", "no_log": False, "default": DEFAULT_REALM, "env": "CAMUNDA_KEYCLOAK_REALM"},
    "keycloak_admin_realm": {"type": "str", "no_log": False, "default": "master"},
    "keycloak_admin_client_id": {"type": "str", "no_log": False, "default": "admin-cli"},
    "keycloak_admin_username": {"type": "str", "no_log": False, "env": "CAMUNDA_KEYCLOAK_ADMIN_USERNAME"},
    "keycloak_admin_password": {"type": "str", "no_log": True, "env": "CAMUNDA_KEYCLOAK_ADMIN_PASSWORD"},
    "validate_certs": {"type": "bool", "default": True, "env": "CAMUNDA_VALIDATE_CERTS"},
    "ca_path": {"type": "path", "env": "CAMUNDA_CA_PATH"},
    "timeout": {"type": "float", "default": 30.0, "env": "CAMUNDA_TIMEOUT"},
    "proxy": {"type": "str"},
    "custom_headers": {"type": "dict"},
    "cluster_ready_timeout": {"type": "int", "default": 120},
}


def cluster_credential_argument_spec():
    """The options of a module that calls a cluster's REST API with a cluster credential (camunda_cluster_info,
    camunda_authorization): which cluster, and the client id/secret or access token to call it with."""
    return dict(
        cluster_id=dict(type="str"),
        region=dict(type="str"),
        cluster_rest_url=dict(type="str"),
        client_id=dict(type="str"),
        client_secret=dict(type="str", no_log=True),
        access_token=dict(type="str", no_log=True),
        audience=dict(type="str"),
        token_url=dict(type="str", no_log=False),
    )


def camunda_argument_spec():
    """The ``camunda`` option of every Camunda module, built from :data:`CAMUNDA_OPTIONS`."""
    options = {}
    for name, entry in CAMUNDA_OPTIONS.items():
        spec = {"type": entry["type"]}
        for key in ("default", "choices", "no_log", "elements"):
            if key in entry:
                spec[key] = entry[key]
        if "env" in entry:
            spec["fallback"] = (env_fallback, [entry["env"]])
        options[name] = spec
    return {"camunda": {"type": "dict", "apply_defaults": True, "options": options}}


class CamundaError(ModuleError):
    """One sentence a user can act on; never a secret.

    ``reason`` is the part of the sentence that says where and why it failed without the step (for a wrapped
    TransportError its own sentence, which names the call and the host), for callers that put the failure in
    another context (a warning); it defaults to the whole message."""

    def __init__(self, message, status=None, reason=None):
        super(CamundaError, self).__init__(message)
        self.message = message
        self.status = status
        self.reason = reason or message

    def __str__(self):
        return self.message


# ----------------------------------------------------------------------------------------------------------------
# Pure helpers

SECRET_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
CLUSTER_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
REGION_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CLIENT_NAME_RE = re.compile(r"^[^\s]+$")
ZEEBE_ADDRESS_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?P<cluster>[^./:]+)\.(?P<region>[^./:]+)\.zeebe\.(?P<domain>[^:/]+)"
                              r"(?::\d+)?/?$")


def host_of(url):
    """``host[:port]`` of a URL, for error messages (never the query string)."""
    return urlsplit(url or "").netloc or (url or "")


def split_rest_url(url):
    """``(host, base_path)`` of a cluster REST URL: what a ServiceNow connection calls Host and Base path."""
    parts = urlsplit(url or "")
    return parts.netloc, (parts.path.rstrip("/") or "/")


def seg(value):
    """One URL path segment, percent-encoded (client ids carry '.', '-' and '~')."""
    return quote(str(value), safe="")


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


def check_region(region):
    """Raise CamundaError unless ``region`` has the shape of a SaaS region id (``bru-2``, ``lhr-1``)."""
    if not isinstance(region, str) or not REGION_RE.match(region):
        raise CamundaError("region {0!r} is not a Camunda SaaS region id; give the id only, like bru-2 or lhr-1 (the "
                           "part before .zeebe.camunda.io), nothing was sent".format(region))


def parse_zeebe_address(address):
    """``{cluster_id, region, host}`` from a ZEEBE_ADDRESS like ``<clusterId>.<region>.zeebe.camunda.io:443``."""
    match = ZEEBE_ADDRESS_RE.match(str(address or "").strip())
    if not match:
        return None
    return {"cluster_id": match.group("cluster"), "region": match.group("region"),
            "host": "{0}.zeebe.{1}".format(match.group("region"), match.group("domain"))}


def saas_cluster_rest_url(cluster_id, region=None, cluster_api_url=None):
    """The cluster REST base URL (without ``/v2``): ``https://<region>.zeebe.camunda.io/<clusterId>``, or
    ``<cluster_api_url>/<clusterId>`` when the regional host is overridden (other environments, the sandbox)."""
    if cluster_api_url:
        return "{0}/{1}".format(cluster_api_url.rstrip("/"), seg(cluster_id))
    if not region:
        return None
    check_region(region)
    return "https://{0}.zeebe.camunda.io/{1}".format(region, seg(cluster_id))


def version_tuple(version):
    """'8.8.0' -> (8, 8, 0); '8.9.0-alpha1' -> (8, 9, 0); missing or junk parts count as 0."""
    parts = []
    core = str(version or "").split("-", 1)[0].split("+", 1)[0]
    for piece in core.split(".")[:3]:
        digits = re.match(r"^\d+", piece)
        parts.append(int(digits.group(0)) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


CLUSTER_VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.]+)?)")


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


class Token:
    """An access token and its expiry. ``repr`` never shows the token."""

    def __init__(self, access_token, expires_in=None, token_type="Bearer", scope=None, now=None):
        self.access_token = access_token
        self.token_type = token_type or "Bearer"
        self.scope = scope
        self.expires_in = int(expires_in) if expires_in is not None else None
        issued = now if now is not None else time.time()
        self.expires_at = issued + self.expires_in if self.expires_in is not None else None

    def expires_at_iso(self):
        if self.expires_at is None:
            return None
        when = datetime.datetime.fromtimestamp(int(self.expires_at), tz=datetime.timezone.utc)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    def __repr__(self):
        return "Token(expires_in={0!r})".format(self.expires_in)


def parse_token_response(data, now=None):
    """A :class:`Token` from a token endpoint's JSON answer, or None when it holds no access token."""
    if not isinstance(data, dict) or not data.get("access_token"):
        return None
    expires_in = data.get("expires_in")
    try:
        expires_in = int(expires_in) if expires_in is not None else None
    except (TypeError, ValueError):
        expires_in = None
    return Token(data["access_token"], expires_in, data.get("token_type"), data.get("scope"), now=now)


def token_hints(client_id, audience):
    """What to check per status of a token request (client ids are not secrets; secrets never appear). The token URL
    is not repeated: the transport's sentence names the call and the host."""
    return {
        400: "check client_id {0!r}, the audience {1!r} and the token URL".format(client_id, audience),
        # True after a 429 retry too ("(after 2 attempts)"): only the rejected request is never repeated.
        401: ("check client_id {0!r} and its client_secret, they were not accepted; a rejected token request is never "
              "repeated, because the token service locks out addresses that repeat failed requests").format(client_id),
        # The token service answers 403 when the audience is missing or not granted to the client: the credentials
        # were accepted, so the hint must not blame the secret.
        403: ("the credentials of client {0!r} were accepted, but it may not request a token for audience {1!r}; check "
              "the audience (camunda.console_audience or camunda.cluster_audience) and that the client is granted that API "
              "(Console: the client's scopes)").format(client_id, audience),
        404: "check the token URL (camunda.oauth_url or the task's token_url)",
        429: ("the token service allows about one token request per second per address; fetch one token with "
              "camunda.servicenow.camunda_token (run_once) and pass it to the other tasks as access_token"),
    }


# ----------------------------------------------------------------------------------------------------------------

class CamundaClient:
    """One per module run: the ``camunda`` options, one transport per service, one token per credential."""

    def __init__(self, options, sleep=time.sleep, clock=time.time, transport_class=Transport):
        self.options = dict(options or {})
        self.sleep = sleep
        self.clock = clock
        self.transport_class = transport_class
        self._transports = {}
        self._tokens = {}
        self.secrets = set(v for v in (self.options.get("client_secret"), self.options.get("access_token"),
                                       self.options.get("keycloak_admin_password")) if v)

    # -- plumbing -------------------------------------------------------------------------------------------------

    @property
    def deployment(self):
        return self.options.get("deployment") or SAAS

    def opt(self, name):
        value = self.options.get(name)
        if value is None and "default" in CAMUNDA_OPTIONS.get(name, {}):
            value = CAMUNDA_OPTIONS[name]["default"]
        return value

    def transport(self, base_url, service, hints=None, max_retries=4, describe_error=None):
        key = (base_url, service)
        if key not in self._transports:
            self._transports[key] = self.transport_class(
                base_url, service=service, validate_certs=self.opt("validate_certs"), ca_path=self.opt("ca_path"),
                proxy=self.opt("proxy"), timeout=self.opt("timeout"), custom_headers=self.opt("custom_headers"),
                max_retries=max_retries, hints=hints, sleep=self.sleep, clock=self.clock, secrets=tuple(self.secrets),
                describe_error=describe_error)
        return self._transports[key]

    def add_secret(self, value):
        if value:
            self.secrets.add(value)
            for transport in self._transports.values():
                transport.add_secret(value)

    @property
    def calls(self):
        """Every HTTP attempt of this run: (method, url, status)."""
        out = []
        for transport in self._transports.values():
            out.extend(transport.calls)
        return out

    # -- tokens ---------------------------------------------------------------------------------------------------

    def fetch_token(self, token_url, client_id, client_secret, audience=None, what="API"):
        """Client-credentials token (form-encoded), at most one per (token_url, client_id, audience) and run."""
        key = (token_url, client_id, audience)
        if key in self._tokens:
            return self._tokens[key]
        if not token_url:
            raise CamundaError("No token URL is set for the {0} token; set camunda.oauth_url".format(what))
        if not client_id or not client_secret:
            raise CamundaError("No credentials for the {0} token; set client_id and client_secret, or pass an "
                               "access_token".format(what))
        self.add_secret(client_secret)
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if audience:
            form["audience"] = audience
        transport = self.transport(token_url, "Camunda token service", hints=token_hints(client_id, audience))
        try:
            response = transport.request("POST", token_url, data=form, expected=(200,), retry=True)
            token = parse_token_response(response.json(), now=self.clock())
        except TransportError as err:
            raise CamundaError("Fetching the {0} token for client {1!r} failed: {2}".format(what, client_id, err),
                               status=err.status, reason=str(err))
        if token is None:
            raise CamundaError("The token service at {0} answered without an access_token for client {1!r}; check "
                               "that camunda.oauth_url is the token endpoint".format(host_of(token_url), client_id))
        self.add_secret(token.access_token)
        self._tokens[key] = token
        return token

    def fetch_password_token(self, token_url, client_id, username, password, what="Keycloak admin"):
        """Resource-owner password token (Keycloak admin-cli), one per run."""
        key = (token_url, client_id, "password:" + str(username))
        if key in self._tokens:
            return self._tokens[key]
        if not username or not password:
            raise CamundaError("No Keycloak admin credentials; set camunda.keycloak_admin_username and "
                               "camunda.keycloak_admin_password, or pass camunda.access_token")
        self.add_secret(password)
        hints = {401: "check camunda.keycloak_admin_username and its password (user {0!r} in realm {1!r})".format(
            username, self.opt("keycloak_admin_realm")),
            400: "check keycloak_admin_client_id {0!r} and that it allows direct access grants".format(client_id),
            404: "check camunda.keycloak_url (include /auth when Keycloak uses that context path)"}
        transport = self.transport(token_url, "Keycloak token endpoint", hints=hints)
        form = {"grant_type": "password", "client_id": client_id, "username": username, "password": password}
        try:
            response = transport.request("POST", token_url, data=form, expected=(200,), retry=True)
            token = parse_token_response(response.json(), now=self.clock())
        except TransportError as err:
            raise CamundaError("Fetching the {0} token failed: {1}".format(what, err), status=err.status, reason=str(err))
        if token is None:
            raise CamundaError("The Keycloak token endpoint at {0} answered without an access_token; check "
                               "camunda.keycloak_url".format(host_of(token_url)))
        self.add_secret(token.access_token)
        self._tokens[key] = token
        return token

    def console_token(self):
        """Bearer token for the Console API: ``camunda.access_token`` or one fetched with the organization client."""
        if self.opt("access_token"):
            return self.opt("access_token")
        return self.fetch_token(self.opt("oauth_url"), self.opt("client_id"), self.opt("client_secret"),
                                self.opt("console_audience"), what="Console API").access_token

    def keycloak_token(self):
        if self.opt("access_token"):
            return self.opt("access_token")
        return self.fetch_password_token(self.keycloak_admin_token_url(), self.opt("keycloak_admin_client_id"),
                                         self.opt("keycloak_admin_username"),
                                         self.opt("keycloak_admin_password")).access_token

    # -- URLs -----------------------------------------------------------------------------------------------------

    def keycloak_base(self):
        url = self.opt("keycloak_url")
        if not url:
            raise CamundaError("camunda.keycloak_url is not set; Self-Managed needs the Keycloak address "
                               "(for example https://keycloak.example.com/auth)")
        return url.rstrip("/")

    def keycloak_admin_token_url(self):
        return "{0}/realms/{1}/protocol/openid-connect/token".format(
            self.keycloak_base(), seg(self.opt("keycloak_admin_realm")))

    def keycloak_realm_token_url(self):
        return "{0}/realms/{1}/protocol/openid-connect/token".format(
            self.keycloak_base(), seg(self.opt("keycloak_realm")))

    def token_url(self):
        """The token URL a cluster client uses: camunda.oauth_url on SaaS, the realm's endpoint on Self-Managed
        (unless camunda.oauth_url was changed from its SaaS default)."""
        if self.deployment == SELF_MANAGED and self.opt("oauth_url") == DEFAULT_OAUTH_URL and self.opt("keycloak_url"):
            return self.keycloak_realm_token_url()
        return self.opt("oauth_url")

    def cluster_audience(self):
        if self.opt("cluster_audience"):
            return self.opt("cluster_audience")
        return DEFAULT_SM_AUDIENCE if self.deployment == SELF_MANAGED else DEFAULT_SAAS_CLUSTER_AUDIENCE

    # -- APIs -----------------------------------------------------------------------------------------------------

    def console(self, cluster_id):
        return ConsoleAPI(self, cluster_id)

    def keycloak(self):
        return KeycloakAdmin(self)

    def wait_ready(self, call, transport):
        """Run ``call()``; on 412 (cluster not ready) try again until camunda.cluster_ready_timeout runs out, under
        the transport's retry policy (:meth:`RetryPolicy.waiting`)."""
        policy = transport.policy.waiting(max(0, int(self.opt("cluster_ready_timeout") or 0)))
        return policy.run(call, lambda err: err.kind == "http" and err.status == 412, sleep=self.sleep,
                          clock=self.clock)


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
        """The JSON of a GET that holds no secret, read once per run for all hosts (module_utils/shared_reads.py)."""
        def fetch():
            return self._call(what, "GET", path).json()
        return fetch() if self._shared is None else self._shared.read(path, fetch)

    def _path(self, *parts):
        return "/clusters/" + seg(self.cluster_id) + "".join("/" + seg(p) for p in parts)

    def list_clients(self):
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


class KeycloakAdmin:
    """The Keycloak admin API of the Camunda Identity realm (Self-Managed)."""

    def __init__(self, client):
        self.client = client
        self.realm = client.opt("keycloak_realm")
        base = client.keycloak_base()
        hints = {
            401: "check the Keycloak admin credentials (camunda.keycloak_admin_username/password) or the access_token",
            403: "check that the Keycloak admin user has the manage-clients role in the realm",
            404: "check camunda.keycloak_url (include /auth when Keycloak uses that context path) and that the realm "
                 "exists",
        }
        self.transport = client.transport(base, "Keycloak admin API", hints=hints)

    def _call(self, what, method, path, expected=(200,), **kwargs):
        headers = {"Authorization": "Bearer " + self.client.keycloak_token()}
        try:
            return self.transport.request(method, path, headers=headers, expected=expected, **kwargs)
        except TransportError as err:
            raise CamundaError("{0} in realm {1!r} failed: {2}".format(what, self.realm, err), status=err.status,
                               reason=str(err))

    def _path(self, *parts):
        return "/admin/realms/" + seg(self.realm) + "/clients" + "".join("/" + seg(p) for p in parts)

    def list_clients(self, client_id_prefix=None):
        """The realm's clients (``clientId`` starting with ``client_id_prefix`` when given: Keycloak's search)."""
        params = {"clientId": client_id_prefix, "search": "true"} if client_id_prefix else None
        rows = self._call("Listing the clients", "GET", self._path(), params=params).json() or []
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def find_client(self, client_id):
        """The client whose clientId is exactly ``client_id``, or None (Keycloak's search is a prefix search)."""
        rows = self._call("Looking up client {0!r}".format(client_id), "GET", self._path(),
                          params={"clientId": client_id}).json() or []
        try:
            return find_exact(rows if isinstance(rows, list) else [], {"clientId": client_id}, "Keycloak client",
                              id_fields=("id",))
        except RecordError as err:
            raise err.locate("{0} in realm {1}".format(host_of(self.transport.base_url), self.realm))

    def create_client(self, representation):
        response = self._call("Creating client {0!r}".format(representation.get("clientId")), "POST", self._path(),
                              json=representation, expected=(201, 204))
        location = response.headers.get("Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1] or None

    def update_client(self, uuid, representation):
        self._call("Updating client {0!r}".format(representation.get("clientId")), "PUT", self._path(uuid),
                   json=representation, expected=(200, 204))

    def delete_client(self, uuid, client_id):
        self._call("Deleting client {0!r}".format(client_id), "DELETE", self._path(uuid), expected=(200, 204, 404))

    def add_protocol_mapper(self, uuid, client_id, mapper):
        self._call("Adding the audience mapper to client {0!r}".format(client_id), "POST",
                   self._path(uuid, "protocol-mappers", "models"), json=mapper, expected=(200, 201, 204))

    def get_secret(self, uuid, client_id):
        data = self._call("Reading the secret of client {0!r}".format(client_id), "GET",
                          self._path(uuid, "client-secret")).json() or {}
        value = data.get("value") if isinstance(data, dict) else None
        if not value:
            raise CamundaError("Keycloak on {0} did not return the secret of client {1!r} in realm {2!r}; check that "
                               "the admin user has the manage-clients role".format(
                                   host_of(self.transport.base_url), client_id, self.realm))
        self.client.add_secret(value)
        return value

    def regenerate_secret(self, uuid, client_id):
        data = self._call("Regenerating the secret of client {0!r}".format(client_id), "POST",
                          self._path(uuid, "client-secret"), expected=(200, 201)).json() or {}
        value = data.get("value") if isinstance(data, dict) else None
        if not value:
            return self.get_secret(uuid, client_id)
        self.client.add_secret(value)
        return value


def get_topology(client, rest_url, access_token, what, api="v2", quiet=False):
    """GET ``<rest_url>/<api>/topology`` with a bearer token; the JSON document. With ``quiet``, any HTTP error
    gives None (used to probe the 8.5-era ``v1`` endpoint). ``what`` names the cluster without its URL ("cluster
    <id>" or "the cluster"): a failed call's sentence names the call and the host itself."""
    hints = {
        401: "the credential does not work for this cluster: check that the client belongs to it, has the "
             "Orchestration Cluster (Zeebe) scope and that its token was requested for audience {0!r}".format(
                 client.cluster_audience()),
        403: "check the client's scopes and authorizations on the cluster",
        404: "check the cluster id and the cluster REST URL",
        412: "the cluster is not ready yet, wait for it to be healthy or raise camunda.cluster_ready_timeout",
    }
    transport = client.transport(rest_url, "Camunda cluster REST API", hints=hints)
    transport.add_secret(access_token)

    def call():
        return transport.request("GET", api + "/topology", headers={"Authorization": "Bearer " + access_token},
                                 expected=(200,))
    try:
        data = client.wait_ready(call, transport).json()
    except TransportError as err:
        if quiet and err.kind in ("http", "decode"):
            return None
        raise CamundaError("Reading the topology of {0} failed: {1}".format(what, err), status=err.status,
                           reason=str(err))
    if isinstance(data, dict):
        return data
    if quiet:
        return None
    raise CamundaError("The topology of {0} at {1} is not a JSON object; check that the URL is the cluster REST "
                       "API".format(what, rest_url))
