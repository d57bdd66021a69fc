"""Helpers shared by the Camunda emulators (SaaS login, Console, cluster REST; Keycloak and Self-Managed cluster)."""

import base64
import json
import secrets
import string

from .http import Headers, Response, json_response

_ID_ALPHABET = string.ascii_letters + string.digits
# Console-created client ids carry "-", "." and "~" as well, so a caller that does not quote path segments is caught.
_CLIENT_ID_ALPHABET = _ID_ALPHABET + "-.~"


def random_token():
    """An opaque random string (Keycloak refresh tokens; access tokens are JWTs, see jwt_tokens.py)."""
    return secrets.token_urlsafe(48)


def random_secret(length=64):
    return "".join(secrets.choice(_ID_ALPHABET) for dummy in range(length))


def random_client_id(length=32):
    # First and last characters alphanumeric, like the ids Console shows.
    middle = "".join(secrets.choice(_CLIENT_ID_ALPHABET) for dummy in range(length - 2))
    return secrets.choice(_ID_ALPHABET) + middle + secrets.choice(_ID_ALPHABET)


def version_tuple(version):
    """'8.8.0' -> (8, 8, 0); '8.9.0-alpha1' -> (8, 9, 0); junk parts count as 0."""
    parts = []
    for piece in str(version).split("-", maxsplit=1)[0].split(".")[:3]:
        parts.append(int(piece) if piece.isdigit() else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def content_type(request):
    return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def parse_json_body(request):
    """(payload, None) or (None, reason) for a request whose body must be a JSON document."""
    if content_type(request) != "application/json":
        return None, "unsupported-media-type"
    try:
        return request.json(), None
    except ValueError:
        return None, "invalid-json"


def bearer_token(request):
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    value = request.headers.get("Authorization") or ""
    scheme, dummy, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def basic_credentials(request):
    """(user, password) of an ``Authorization: Basic`` header, or (None, None)."""
    value = request.headers.get("Authorization") or ""
    scheme, dummy, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, dummy, password = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, None
    return user, password


def problem(status, title, detail, instance, headers=None):
    """RFC 9457 ProblemDetail, as the Orchestration Cluster REST API answers errors (camunda-api.md 3.3)."""
    out = Headers(headers or {})
    out["Content-Type"] = "application/problem+json"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": instance}
    return Response(status, json.dumps(body).encode("utf-8"), out)


def mask(value):
    return "********" if value else value


class FlagError(ValueError):
    """Raised by set_flags() for an unknown flag or a value of the wrong type; str() says which."""


def check_flag_type(name, value, kinds):
    # bool is an int subclass: refuse True where a number is expected and numbers where a bool is expected.
    if isinstance(value, bool) and bool not in kinds:
        raise FlagError("flag %s expects %s, got a boolean" % (name, "/".join(k.__name__ for k in kinds)))
    if not isinstance(value, kinds):
        raise FlagError("flag %s expects %s, got %r" % (name, "/".join(k.__name__ for k in kinds), value))


def nest_error(status, message):
    """Console API error body.  The spec documents only the sentences (camunda-api.md 2.3, 2.4); the envelope is a
    NestJS-style {statusCode, message, error} (INFERRED): clients should read ``message``."""
    reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
               409: "Conflict", 412: "Precondition Failed", 415: "Unsupported Media Type"}
    return json_response(status, {"statusCode": status, "message": message, "error": reasons.get(status, "Error")})


class StateBackedService:
    """What every Camunda service shares: it serves one state (SaaS or Self-Managed) that several services share, so
    reset, token expiry and flags act on that state as a whole. Subclasses set ``name`` and add ``handle`` and
    ``snapshot``."""

    name = ""
    server_header = ""  # no Server: header; the reference documents none for Camunda [I]

    def __init__(self, state):
        self.state = state

    def reset(self):
        self.state.reset()

    def expire_tokens(self):
        self.state.expire_tokens()

    def set_flags(self, changes):
        return self.state.set_flags(changes)
