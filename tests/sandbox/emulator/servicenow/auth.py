"""Who is calling: Basic, Bearer tokens from ``/oauth_token.do``, and the ``x-sn-apikey`` header (§5).

Tokens live in the instance state, so a restart keeps them valid until they expire, as on a real instance.
"""

import base64
import binascii
import secrets
import time

from ..http import json_response
from .seed import CC_PROPERTY, release_at_least


def user_roles(db, user_name):
    users = db.select("sys_user", "", [("user_name", user_name)])[0]
    if not users:
        return set()
    names = set()
    for link in db.select("sys_user_has_role", "", [("user", users[0]["sys_id"])])[0]:
        role = db.get("sys_user_role", link.get("role", ""))
        if role is not None and link.get("state", "active") == "active":
            names.add(role["name"])
    return names


def _active_user(db, user_name):
    rows = db.select("sys_user", "", [("user_name", user_name)])[0]
    return rows[0] if rows and rows[0].get("active") == "true" and rows[0].get("locked_out") != "true" else None


def check_password(db, data, user_name, password):
    return _active_user(db, user_name) is not None and secrets.compare_digest(
        data.get("passwords", {}).get(user_name, "\0").encode("utf-8"), (password or "").encode("utf-8"))


def authenticate(db, data, request):
    """The user name the request acts as, or None (the caller answers 401)."""
    header = request.headers.get("Authorization", "")
    scheme, dummy, credentials = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            user_name, dummy, password = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user_name if check_password(db, data, user_name, password) else None
    if scheme.lower() == "bearer":
        token = data.get("tokens", {}).get(credentials.strip())
        if token and token["kind"] == "access" and token["expires"] > time.time() and _active_user(db, token["user"]):
            return token["user"]
        return None
    api_key = request.headers.get("x-sn-apikey") or request.arg("x-sn-apikey")
    if api_key:
        user_name = data.get("api_keys", {}).get(api_key)
        # INFERRED (§5): the sandbox's REST API Access Policy covers the Table, Batch and CI/CD APIs.
        return user_name if user_name and _active_user(db, user_name) else None
    return None


def _oauth_error(status, error, description):
    # INFERRED (§5): token errors are HTTP 401 with an OAuth-style {"error", "error_description"} body.
    return json_response(status, {"error_description": description, "error": error}, {"Cache-Control": "no-store"})


def _int(text, default):
    """A positive integer column value, or ``default``."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def _issue(data, user_name, client_id, kind, lifetime):
    token = secrets.token_urlsafe(64)
    now = time.time()
    tokens = data.setdefault("tokens", {})
    for key in [k for k, v in tokens.items() if v["expires"] < now - 86400]:
        del tokens[key]  # forget tokens that expired more than a day ago, so the state file stays small
    tokens[token] = {"user": user_name, "client": client_id, "kind": kind, "expires": now + lifetime}
    return token


def token_endpoint(db, data, flags, request):
    """``POST /oauth_token.do``, form-encoded only (§5: a JSON body "results in an unspecified error")."""
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "method not allowed")
    if "application/x-www-form-urlencoded" not in (request.headers.get("Content-Type") or ""):
        return _oauth_error(400, "invalid_request", "the request body must be application/x-www-form-urlencoded")
    form = request.form()
    grant = form.get("grant_type", "")
    clients = [row for row in db.select("oauth_entity", "", [("client_id", form.get("client_id", ""))])[0]
               if row.get("type") == "client" and row.get("active") == "true"]
    client = clients[0] if clients else None
    stored_secret = db.decrypt(client.get("client_secret", "")) if client else ""
    if client is None or not secrets.compare_digest(stored_secret.encode("utf-8"), form.get("client_secret", "").encode("utf-8")):
        return _oauth_error(401, "server_error", "access_denied")
    # §2.1: the client record's access_token_lifespan (default 1800) sets the lifetime; the instance-wide
    # token_lifetime flag caps it, so tests can shorten every token.
    lifetime = min(int(flags["token_lifetime"]), _int(client.get("access_token_lifespan"), 1800))
    refresh_lifetime = int(client.get("refresh_token_lifespan") or 8640000)
    body = {"scope": form.get("scope") or "useraccount", "token_type": "Bearer", "expires_in": lifetime - 1}
    if grant == "password":
        user_name = form.get("username", "")
        if not check_password(db, data, user_name, form.get("password", "")):
            return _oauth_error(401, "server_error", "access_denied")
        body["access_token"] = _issue(data, user_name, client["client_id"], "access", lifetime)
        body["refresh_token"] = _issue(data, user_name, client["client_id"], "refresh", refresh_lifetime)
    elif grant == "refresh_token":
        record = data.get("tokens", {}).get(form.get("refresh_token", ""))
        if (not record or record["kind"] != "refresh" or record["client"] != client["client_id"]
                or record["expires"] <= time.time() or not _active_user(db, record["user"])):
            return _oauth_error(401, "server_error", "access_denied")
        user_name = record["user"]
        body["access_token"] = _issue(data, user_name, client["client_id"], "access", lifetime)
    elif grant == "client_credentials":
        if not release_at_least(flags["release"], "Washingtondc"):
            # §5 (KB1645212): inbound client credentials exist since Washington DC; older releases do not know the grant.
            return _oauth_error(400, "unsupported_grant_type", "unsupported grant type: client_credentials")
        # §5: inbound client credentials only while the property is true and the client has an application user.
        prop = db.select("sys_properties", "", [("name", CC_PROPERTY)])[0]
        app_user = db.get("sys_user", client.get("user", ""))
        if not prop or prop[0].get("value") != "true" or app_user is None:
            return _oauth_error(401, "server_error", "access_denied")
        user_name = app_user["user_name"]
        body["access_token"] = _issue(data, user_name, client["client_id"], "access", lifetime)
    else:
        return _oauth_error(400, "unsupported_grant_type", "unsupported grant type: %s" % (grant or "(none)"))
    request.principal = user_name
    return json_response(200, body, {"Cache-Control": "no-store"})


def expire_all(data, include_refresh=False):
    past = time.time() - 1
    for token in data.get("tokens", {}).values():
        if token["kind"] == "access" or include_refresh:
            token["expires"] = min(token["expires"], past)
