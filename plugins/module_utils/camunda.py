# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Camunda side of the collection, shared by every Camunda service: the one table of connection options, one
transport per service, token fetch/reuse and the URLs tokens come from. The services themselves are split the way
the sandbox splits them: :mod:`camunda_console` (Console/Administration API, SaaS), :mod:`camunda_keycloak`
(Keycloak admin API, Self-Managed) and :mod:`camunda_cluster` (the cluster's REST API).

Every Camunda module builds one :class:`CamundaClient` per run. The client fetches at most one token per
(token URL, client id, audience) and run, or uses a supplied ``access_token``. A 401 from a token endpoint is never
retried (the SaaS token service punishes loops); 429 is retried honouring ``Retry-After`` by the transport.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import time

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import env_fallback

from ansible_collections.camunda.servicenow.plugins.module_utils import shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import Transport, TransportError


SAAS = "saas"
SELF_MANAGED = "self_managed"
# Seconds between two token requests of one run to one token service (camunda-api.md 2.7: "about 1 token request per
# second per source IP"; a little more, so that two requests a hair under a second apart are not refused).
TOKEN_SPACING = 1.1

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


# ----------------------------------------------------------------------------------------------------------------
# Pure helpers

def host_of(url):
    """``host[:port]`` of a URL, for error messages (never the query string)."""
    return urlsplit(url or "").netloc or (url or "")


def seg(value):
    """One URL path segment, percent-encoded (client ids carry '.', '-' and '~')."""
    return quote(str(value), safe="")


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
        # the token service allows about one request per second per address: the hosts of a run space theirs out
        shared_reads.pace(("token", token_url), TOKEN_SPACING, self.sleep, self.clock)
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

    # -- waiting for the cluster -----------------------------------------------------------------------------------

    def wait_ready(self, call, transport):
        """Run ``call()``; on 412 (cluster not ready) try again until camunda.cluster_ready_timeout runs out, under
        the transport's retry policy (:meth:`RetryPolicy.waiting`)."""
        policy = transport.policy.waiting(max(0, int(self.opt("cluster_ready_timeout") or 0)))
        return policy.run(call, lambda err: err.kind == "http" and err.status == 412, sleep=self.sleep,
                          clock=self.clock)
