"""Camunda 8 SaaS OAuth token service (``login.cloud.camunda.io``): ``POST /oauth/token`` (camunda-api.md 2.2, 2.7, 3.2).

* client_credentials only, body form-urlencoded or JSON, client id and secret in the body (HTTP Basic client
  authentication only with the flag ``token_basic_auth``; the reference shows the body form only).
* organization (Administration API) clients get only ``api.cloud.camunda.io``; cluster clients get the audience of
  each permission they hold (``zeebe.camunda.io`` for Zeebe).  Any other audience, or none: 403 ``access_denied``
  (Auth0's answer); wrong client credentials: 401 ``access_denied``.
* tokens are RS256 JWTs (jwt_tokens.py); the public key is served at ``/.well-known/jwks.json``.
* about one request per second per client address (every request counts, refused ones too): 429 + Retry-After.
* errors use the Auth0 envelope ``{"error", "error_description"}`` (the service is Auth0-based; INFERRED).
"""

import math
from urllib.parse import parse_qs

from .camunda_common import StateBackedService, basic_credentials, content_type
from .camunda_saas_state import CONSOLE_AUDIENCE, PERMISSION_AUDIENCE
from .http import json_response

KNOWN_GRANTS = ("password", "refresh_token", "authorization_code", "implicit",
                "urn:ietf:params:oauth:grant-type:device_code")


def _oauth_error(status, error, description, headers=None):
    base = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    base.update(headers or {})
    return json_response(status, {"error": error, "error_description": description}, base)


class LoginService(StateBackedService):
    name = "camunda_login"

    def snapshot(self):
        snap = self.state.snapshot()
        return {"organization_clients": snap["organization_clients"], "active_tokens": snap["active_tokens"],
                "flags": {k: snap["flags"][k] for k in ("token_rate_limit", "token_rate_interval", "token_lifetime")}}

    def handle(self, request):
        if request.path == "/.well-known/jwks.json" and request.method == "GET":
            with self.state.lock:
                return json_response(200, self.state.signer.jwks(self.state.data.get("token_generation", 0)))
        if request.path != "/oauth/token":
            return json_response(404, {"error": "not_found", "error_description": "Not Found"})
        if request.method != "POST":
            return _oauth_error(405, "invalid_request", "Only POST is allowed on /oauth/token", {"Allow": "POST"})
        wait = self.state.rate_limited(request.client_address)
        if wait > 0:
            return _oauth_error(429, "too_many_requests",
                                "Too many token requests from this address; cache the token for its lifetime.",
                                {"Retry-After": str(max(1, int(math.ceil(wait))))})
        params, problem = self._params(request)
        if problem:
            return _oauth_error(400, "invalid_request", problem)
        user, password = basic_credentials(request)
        if user is not None and not self.state.flags["token_basic_auth"]:
            user = password = None  # HTTP Basic is not a way to authenticate here: only the body counts
        client_id = params.get("client_id") or user
        client_secret = params.get("client_secret") or password
        request.principal = client_id or ""
        grant = params.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            if grant in KNOWN_GRANTS:
                return _oauth_error(403, "unauthorized_client", "Grant type '%s' not allowed for the client." % grant)
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type: %s" % grant)
        if not client_id or not client_secret:
            return _oauth_error(401, "access_denied", "Unauthorized")
        audience = params.get("audience")
        with self.state.lock:
            org = self.state.data["org_clients"].get(client_id)
            cluster, cluster_client = self.state.find_cluster_client(client_id)
            if org is not None and org["secret"] == client_secret:
                if audience != CONSOLE_AUDIENCE:
                    return self._audience_refused(client_id, audience)
                token, lifetime = self.state.issue_token(client_id, "organization", audience, " ".join(org["scopes"]))
                scope = " ".join(org["scopes"])
            elif cluster_client is not None and cluster_client["secret"] == client_secret:
                allowed = [PERMISSION_AUDIENCE[p] for p in cluster_client["permissions"]]
                if audience not in allowed:
                    return self._audience_refused(client_id, audience)
                scope = " ".join(cluster_client["permissions"])
                token, lifetime = self.state.issue_token(client_id, "cluster", audience, scope, cluster["uuid"])
            else:
                return _oauth_error(401, "access_denied", "Unauthorized")
        return json_response(200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime,
                                   "scope": scope}, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    @staticmethod
    def _audience_refused(client_id, audience):
        """403, as Auth0 answers a client_credentials request for an audience the client has no grant for (a
        missing audience is the same case: no API is granted for "no audience")."""
        if not audience:
            return _oauth_error(403, "access_denied", "No audience parameter was provided, and no default audience "
                                "has been configured")
        return _oauth_error(403, "access_denied", 'Client "%s" is not authorized to access "%s". You need to create a '
                            'client-grant associated to this API.' % (client_id, audience))

    @staticmethod
    def _params(request):
        kind = content_type(request)
        if kind == "application/x-www-form-urlencoded":
            try:
                parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(request.body))
            except (ValueError, UnicodeDecodeError):
                return None, "The request body is not valid application/x-www-form-urlencoded data."
            return {k: v[0] for k, v in parsed.items()}, None
        if kind == "application/json":
            try:
                payload = request.json()
            except (ValueError, UnicodeDecodeError):
                return None, "The request body is not valid JSON."
            if not isinstance(payload, dict):
                return None, "The request body must be a JSON object."
            return {k: v if isinstance(v, str) else str(v) for k, v in payload.items() if v is not None}, None
        return None, "Content-Type must be application/x-www-form-urlencoded or application/json."
