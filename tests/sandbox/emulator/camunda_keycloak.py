"""Camunda 8 Self-Managed identity: a Keycloak with the ``/auth`` context path (camunda-api.md 4.1, 4.2).

* ``POST /auth/realms/{realm}/protocol/openid-connect/token`` (form-urlencoded only, as Keycloak): the master realm
  gives the admin user a token through the public client ``admin-cli`` (password grant); the ``camunda-platform``
  realm gives confidential clients with ``serviceAccountsEnabled`` a client_credentials token with audience
  ``orchestration-api`` (with the flag ``keycloak_audience_mapper_required`` only clients holding an
  ``oidc-audience-mapper`` for it get that audience).
* Admin REST under ``/auth/admin/realms/{realm}``: clients list (``?clientId=`` exact, ``search=true`` substring,
  ``first``/``max``), create (201 + Location), get, update (PUT), delete, ``client-secret`` GET/POST.  Needs a
  master-realm admin token, otherwise 401 ``{"error": "HTTP 401 Unauthorized"}``.
* Access tokens are RS256 JWTs (jwt_tokens.py) with Keycloak's claims: ``iss`` (``<keycloak>/auth/realms/<realm>``),
  ``aud``, ``azp``, ``client_id`` (client-credentials tokens; camunda-servicenow-additions.md: the claim the
  Orchestration Cluster reads by default), ``sub``, ``preferred_username``, ``typ``, ``scope``, ``iat``, ``exp``.
  Keys: ``/auth/realms/{realm}/protocol/openid-connect/certs``.
"""

import copy
import os
import re
import threading
import time
import uuid
from urllib.parse import parse_qs

from .camunda_common import (FlagError, StateBackedService, basic_credentials, bearer_token, check_flag_type, content_type,
                             mask, parse_json_body, random_secret, random_token)
from .http import empty_response, json_response
from .jwt_tokens import InvalidToken, Signer, audiences
from .store import JsonStore

REALM = "camunda-platform"
AUDIENCE = "orchestration-api"
TOKEN_ROUTE = re.compile(r"^/auth/realms/(?P<realm>[^/]+)/protocol/openid-connect/token$")
CERTS_ROUTE = re.compile(r"^/auth/realms/(?P<realm>[^/]+)/protocol/openid-connect/certs$")
WELL_KNOWN = re.compile(r"^/auth/realms/(?P<realm>[^/]+)/\.well-known/openid-configuration$")
ADMIN_ROUTE = re.compile(r"^/auth/admin/realms/(?P<realm>[^/]+)"
                         r"(?P<clients>/clients(?:/(?P<uuid>[^/]+)(?P<secret>/client-secret)?)?)?$")
CLIENT_FIELDS = {
    "id", "clientId", "name", "description", "type", "rootUrl", "adminUrl", "baseUrl", "surrogateAuthRequired",
    "enabled", "alwaysDisplayInConsole", "clientAuthenticatorType", "secret", "registrationAccessToken",
    "defaultRoles", "redirectUris", "webOrigins", "notBefore", "bearerOnly", "consentRequired",
    "standardFlowEnabled", "implicitFlowEnabled", "directAccessGrantsEnabled", "serviceAccountsEnabled",
    "authorizationServicesEnabled", "directGrantsOnly", "publicClient", "frontchannelLogout", "protocol",
    "attributes", "authenticationFlowBindingOverrides", "fullScopeAllowed", "nodeReRegistrationTimeout",
    "registeredNodes", "protocolMappers", "clientTemplate", "useTemplateConfig", "useTemplateScope",
    "useTemplateMappers", "defaultClientScopes", "optionalClientScopes", "authorizationSettings", "access", "origin",
}
CLIENT_DEFAULTS = {
    "name": "", "description": "", "rootUrl": "", "adminUrl": "", "baseUrl": "", "surrogateAuthRequired": False,
    "enabled": True, "alwaysDisplayInConsole": False, "clientAuthenticatorType": "client-secret", "redirectUris": [],
    "webOrigins": [], "notBefore": 0, "bearerOnly": False, "consentRequired": False, "standardFlowEnabled": True,
    "implicitFlowEnabled": False, "directAccessGrantsEnabled": False, "serviceAccountsEnabled": False,
    "publicClient": False, "frontchannelLogout": True, "protocol": "openid-connect", "attributes": {},
    "authenticationFlowBindingOverrides": {}, "fullScopeAllowed": True, "nodeReRegistrationTimeout": -1,
    "defaultClientScopes": ["web-origins", "acr", "profile", "roles", "email"],
    "optionalClientScopes": ["address", "phone", "offline_access", "microprofile-jwt"],
}


def _arg(args, name, default):
    value = getattr(args, name, None) if args is not None else None
    return default if value is None else value


def _client(rep):
    client = copy.deepcopy(CLIENT_DEFAULTS)
    client.update(copy.deepcopy(rep))
    client.setdefault("id", str(uuid.uuid4()))
    if client["publicClient"] or client["bearerOnly"]:
        client.pop("secret", None)
    elif not client.get("secret"):
        client["secret"] = random_secret(32)
    return client


class SmState:
    """Keycloak realms, clients and users plus the Self-Managed cluster flags, in ``DIR/camunda_sm.json``. Tokens are
    signed JWTs (key ``DIR/jwt-keycloak.pem``): a restart keeps them valid until they expire."""

    realm = REALM
    audience = AUDIENCE

    def __init__(self, state_dir, args=None):
        self.clock = time.time
        self.lock = threading.RLock()
        self.urls = {}
        self.signer = Signer(state_dir, "keycloak")
        self.issued = []  # (expires_at, principal) issued by this process, for the state dump only
        self.initial_flags = {
            "sm_cluster_version": str(_arg(args, "camunda_sm_cluster_version", "8.8.0")),
            "sm_cluster_ready": True,
            "keycloak_token_lifetime": int(_arg(args, "camunda_keycloak_token_lifetime", 300)),
            "keycloak_admin_token_lifetime": int(_arg(args, "camunda_keycloak_admin_token_lifetime", 60)),
            "keycloak_audience_mapper_required": bool(_arg(args, "camunda_keycloak_audience_mapper_required", False)),
        }
        self.flags = dict(self.initial_flags)
        self.store = JsonStore(os.path.join(str(state_dir), "camunda_sm.json"), lambda: self._fresh(self._new_seed()))

    @property
    def data(self):
        return self.store.data

    @staticmethod
    def _new_seed():
        return {"admin": {"username": "admin", "password": random_secret(24)},
                "orchestration": {"id": str(uuid.uuid4()), "clientId": "orchestration", "secret": random_secret(32)},
                "admin_cli_id": str(uuid.uuid4())}

    @staticmethod
    def _fresh(seed):
        admin_cli = _client({"id": seed["admin_cli_id"], "clientId": "admin-cli", "name": "${client_admin-cli}",
                             "publicClient": True, "standardFlowEnabled": False, "directAccessGrantsEnabled": True})
        orchestration = _client({"id": seed["orchestration"]["id"], "clientId": "orchestration",
                                 "secret": seed["orchestration"]["secret"], "serviceAccountsEnabled": True,
                                 "standardFlowEnabled": False})
        return {
            "seed": seed,
            "realms": {
                "master": {"users": {seed["admin"]["username"]: {"password": seed["admin"]["password"],
                                                                 "roles": ["admin"]}},
                           "clients": {admin_cli["id"]: admin_cli}},
                REALM: {"users": {}, "clients": {orchestration["id"]: orchestration}},
            },
            "token_generation": 0,
        }

    def reset(self):
        with self.lock:
            generation = self.data.get("token_generation", 0) + 1  # earlier tokens stop verifying
            self.store.data = self._fresh(copy.deepcopy(self.data["seed"]))
            self.store.data["token_generation"] = generation
            self.issued = []
            self.store.save()
            self.flags = dict(self.initial_flags)

    def issuer(self, realm):
        base = self.urls.get("keycloak")
        return "%s/auth/realms/%s" % (base.rstrip("/") if base else "http://localhost:18080", realm)

    def issue_token(self, realm, client_id, principal, audience, lifetime, scope="profile email"):
        with self.lock:
            now = int(self.clock())
            claims = {"exp": now + lifetime, "iat": now, "iss": self.issuer(realm), "typ": "Bearer", "azp": client_id,
                      "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s" % (realm, principal))),
                      "preferred_username": principal, "scope": scope}
            if audience:
                claims["aud"] = audience[0] if len(audience) == 1 else list(audience)
            if principal.startswith("service-account-"):
                claims["client_id"] = client_id
            self.issued = [entry for entry in self.issued if entry[0] > now] + [(now + lifetime, principal)]
            return self.signer.sign(claims, self.data.get("token_generation", 0))

    def lookup_token(self, token, realm=None):
        """``{realm, client_id, principal, audience (list), expires_at}`` of a token that verifies (signature, key
        generation, expiry, issuer of ``realm`` when given) and whose client still exists and is enabled, else None."""
        if not token:
            return None
        with self.lock:
            try:
                claims = self.signer.verify(token, self.data.get("token_generation", 0), self.clock(),
                                            self.issuer(realm) if realm else None)
            except InvalidToken:
                return None
            token_realm = claims.get("iss", "").rsplit("/", 1)[-1]
            clients = self.data["realms"].get(token_realm, {}).get("clients", {}).values()
            client = next((c for c in clients if c["clientId"] == claims.get("azp")), None)
            if client is None or not client.get("enabled", True):
                return None  # a deleted or disabled client's tokens are refused
            return {"realm": token_realm, "client_id": claims.get("azp"), "principal": claims.get("preferred_username"),
                    "audience": audiences(claims), "expires_at": claims["exp"]}

    def expire_tokens(self):
        with self.lock:
            self.data["token_generation"] = self.data.get("token_generation", 0) + 1
            self.issued = []
            self.store.save()

    def set_flags(self, changes):
        kinds = {"sm_cluster_version": (str,), "sm_cluster_ready": (bool,), "keycloak_token_lifetime": (int,),
                 "keycloak_admin_token_lifetime": (int,), "keycloak_audience_mapper_required": (bool,)}
        with self.lock:
            for name, value in (changes or {}).items():
                if name not in kinds:
                    raise FlagError("unknown Camunda Self-Managed flag %r; known: %s" % (name, ", ".join(sorted(kinds))))
                check_flag_type(name, value, kinds[name])
                self.flags[name] = value
            return self.current_flags()

    def current_flags(self):
        return dict(self.flags)


def _token_error(status, error, description):
    return json_response(status, {"error": error, "error_description": description}, {"Cache-Control": "no-store"})


def _has_audience_mapper(client, audience):
    for mapper in client.get("protocolMappers") or []:
        config = mapper.get("config") or {}
        if mapper.get("protocolMapper") == "oidc-audience-mapper" and audience in (
                config.get("included.custom.audience"), config.get("included.client.audience")):
            return True
    return False


class KeycloakService(StateBackedService):
    name = "keycloak"

    def snapshot(self):
        with self.state.lock:
            realms = {}
            for name, realm in self.state.data["realms"].items():
                realms[name] = {
                    "users": sorted(realm["users"]),
                    "clients": [dict({k: c.get(k) for k in ("id", "clientId", "enabled", "publicClient",
                                                            "serviceAccountsEnabled")}, secret=mask(c.get("secret")))
                                for c in realm["clients"].values()],
                }
            now = self.state.clock()
            return {"realms": realms, "active_tokens": sum(1 for entry in self.state.issued if entry[0] > now),
                    "flags": self.state.current_flags()}

    def handle(self, request):
        match = TOKEN_ROUTE.match(request.path)
        if match:
            if request.method != "POST":
                return json_response(405, {"error": "HTTP 405 Method Not Allowed"}, {"Allow": "POST"})
            return self._token(request, match.group("realm"))
        match = WELL_KNOWN.match(request.path)
        if match and request.method == "GET":
            return self._well_known(request, match.group("realm"))
        match = CERTS_ROUTE.match(request.path)
        if match and request.method == "GET":
            if match.group("realm") not in self.state.data["realms"]:
                return json_response(404, {"error": "Realm does not exist"})
            return json_response(200, self.state.signer.jwks(self.state.data.get("token_generation", 0)))
        match = ADMIN_ROUTE.match(request.path)
        if match:
            return self._admin(request, match)
        return json_response(404, {"error": "Unable to find matching target resource method"})

    def _base(self, request):
        base = self.state.urls.get("keycloak")
        return base.rstrip("/") if base else "https://" + (request.headers.get("Host") or "127.0.0.1")

    # ------------------------------------------------------------------------------------------------- tokens
    def _token(self, request, realm_name):
        with self.state.lock:
            realm = self.state.data["realms"].get(realm_name)
            if realm is None:
                return json_response(404, {"error": "Realm does not exist"})
            params = {}
            if content_type(request) == "application/x-www-form-urlencoded":
                try:
                    params = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8"), keep_blank_values=True).items()}
                except UnicodeDecodeError:
                    params = {}
            grant = params.get("grant_type")
            if not grant:
                return _token_error(400, "invalid_request", "Missing form parameter: grant_type")
            user, password = basic_credentials(request)
            client_id = params.get("client_id") or user
            secret = params.get("client_secret") or password
            request.principal = params.get("username") or client_id or ""
            client = next((c for c in realm["clients"].values() if c["clientId"] == client_id), None)
            if client is None or not client["enabled"]:
                return _token_error(401, "invalid_client", "Invalid client or Invalid client credentials")
            if not client["publicClient"] and secret != client.get("secret"):
                return _token_error(401, "unauthorized_client", "Invalid client or Invalid client credentials")
            if grant == "password":
                return self._password_grant(realm_name, realm, client, params)
            if grant == "client_credentials":
                return self._client_credentials(realm_name, client)
            return _token_error(400, "unsupported_grant_type", "Unsupported grant_type")

    def _password_grant(self, realm_name, realm, client, params):
        if not client["directAccessGrantsEnabled"]:
            return _token_error(400, "unauthorized_client", "Client not allowed for direct access grants")
        user = realm["users"].get(params.get("username") or "")
        if user is None or user["password"] != params.get("password"):
            return _token_error(401, "invalid_grant", "Invalid user credentials")
        lifetime = self.state.flags["keycloak_admin_token_lifetime"]
        token = self.state.issue_token(realm_name, client["clientId"], params["username"], [], lifetime)
        return json_response(200, {"access_token": token, "expires_in": lifetime, "refresh_expires_in": 1800,
                                   "refresh_token": random_token(), "token_type": "Bearer", "not-before-policy": 0,
                                   "session_state": str(uuid.uuid4()), "scope": "profile email"},
                             {"Cache-Control": "no-store"})

    def _client_credentials(self, realm_name, client):
        if client["publicClient"]:
            return _token_error(401, "unauthorized_client", "Public client not allowed to retrieve service account")
        if not client["serviceAccountsEnabled"]:
            return _token_error(401, "unauthorized_client", "Client not enabled to retrieve service account")
        audience = []
        if realm_name == REALM and (not self.state.flags["keycloak_audience_mapper_required"]
                                    or _has_audience_mapper(client, AUDIENCE)):
            audience = [AUDIENCE]
        lifetime = self.state.flags["keycloak_token_lifetime"]
        token = self.state.issue_token(realm_name, client["clientId"], "service-account-" + client["clientId"],
                                       audience, lifetime)
        return json_response(200, {"access_token": token, "expires_in": lifetime, "refresh_expires_in": 0,
                                   "token_type": "Bearer", "not-before-policy": 0, "scope": "profile email"},
                             {"Cache-Control": "no-store"})

    def _well_known(self, request, realm_name):
        if realm_name not in self.state.data["realms"]:
            return json_response(404, {"error": "Realm does not exist"})
        issuer = "%s/auth/realms/%s" % (self._base(request), realm_name)
        return json_response(200, {"issuer": issuer, "token_endpoint": issuer + "/protocol/openid-connect/token",
                                   "jwks_uri": issuer + "/protocol/openid-connect/certs",
                                   "grant_types_supported": ["password", "client_credentials"]})

    # -------------------------------------------------------------------------------------------------- admin
    def _admin(self, request, match):
        record = self.state.lookup_token(bearer_token(request), realm="master")
        if record is None:
            return json_response(401, {"error": "HTTP 401 Unauthorized"})
        request.principal = record["principal"]
        with self.state.lock:
            user = self.state.data["realms"]["master"]["users"].get(record["principal"])
            if user is None or "admin" not in user["roles"]:
                return json_response(403, {"error": "HTTP 403 Forbidden"})
            realm = self.state.data["realms"].get(match.group("realm"))
            if realm is None:
                return json_response(404, {"error": "Realm not found."})
            clients = realm["clients"]
            if not match.group("clients"):
                if request.method != "GET":
                    return json_response(405, {"error": "HTTP 405 Method Not Allowed"})
                return json_response(200, {"id": match.group("realm"), "realm": match.group("realm"), "enabled": True})
            cid = match.group("uuid")
            if cid is None:
                if request.method == "GET":
                    return json_response(200, self._list(request, clients))
                if request.method == "POST":
                    return self._create(request, match.group("realm"), clients)
                return json_response(405, {"error": "HTTP 405 Method Not Allowed"})
            client = clients.get(cid)
            if client is None:
                return json_response(404, {"error": "Could not find client"})
            if match.group("secret"):
                return self._client_secret(request, client)
            if request.method == "GET":
                return json_response(200, client)
            if request.method == "DELETE":
                del clients[cid]  # its tokens stop verifying (lookup_token checks that the client exists)
                self.state.store.save()
                return empty_response(204)
            if request.method == "PUT":
                return self._update(request, clients, client)
            return json_response(405, {"error": "HTTP 405 Method Not Allowed"})

    @staticmethod
    def _list(request, clients):
        wanted = request.arg("clientId")
        search = (request.arg("search") or "false").lower() == "true"
        rows = sorted(clients.values(), key=lambda c: c["clientId"])  # Keycloak lists clients ordered by clientId
        if wanted is not None:
            rows = [c for c in rows if (wanted.lower() in c["clientId"].lower() if search else c["clientId"] == wanted)]
        first = int(request.arg("first") or 0)
        maximum = request.arg("max")
        rows = rows[first:] if maximum is None else rows[first:first + int(maximum)]
        return rows

    @staticmethod
    def _validate(request):
        body, problem = parse_json_body(request)
        if problem == "unsupported-media-type":
            return None, json_response(415, {"error": "HTTP 415 Unsupported Media Type"})
        if problem or not isinstance(body, dict):
            return None, json_response(400, {"error": "unknown_error"})
        unknown = sorted(set(body) - CLIENT_FIELDS)
        if unknown:
            return None, json_response(400, {"error": "unknown_error",
                                             "error_description": 'Unrecognized field "%s"' % unknown[0]})
        return body, None

    def _create(self, request, realm_name, clients):
        body, error = self._validate(request)
        if error:
            return error
        if not isinstance(body.get("clientId"), str) or not body["clientId"]:
            return json_response(400, {"error": "invalid_input", "error_description": "Client id is required"})
        if any(c["clientId"] == body["clientId"] for c in clients.values()):
            return json_response(409, {"errorMessage": "Client %s already exists" % body["clientId"]})
        if body.get("id") in clients:
            return json_response(409, {"errorMessage": "Client %s already exists" % body["clientId"]})
        client = _client(body)
        clients[client["id"]] = client
        self.state.store.save()
        location = "%s/auth/admin/realms/%s/clients/%s" % (self._base(request), realm_name, client["id"])
        return empty_response(201, {"Location": location})

    def _update(self, request, clients, client):
        body, error = self._validate(request)
        if error:
            return error
        new_id = body.get("clientId", client["clientId"])
        if any(c["clientId"] == new_id and c["id"] != client["id"] for c in clients.values()):
            return json_response(409, {"errorMessage": "Client %s already exists" % new_id})
        body.pop("id", None)
        client.update(copy.deepcopy(body))
        if client["publicClient"] or client["bearerOnly"]:
            client.pop("secret", None)
        elif not client.get("secret"):
            client["secret"] = random_secret(32)
        self.state.store.save()
        return empty_response(204)

    def _client_secret(self, request, client):
        if request.method not in ("GET", "POST"):
            return json_response(405, {"error": "HTTP 405 Method Not Allowed"})
        if client["publicClient"] or client["bearerOnly"]:
            return json_response(400, {"error": "unknown_error"})
        if request.method == "POST":
            client["secret"] = random_secret(32)
            self.state.store.save()
        return json_response(200, {"type": "secret", "value": client["secret"]})
