"""The request/response shapes every emulated service speaks.

Each emulated service (a ServiceNow instance, the Camunda login, Console and cluster APIs, Keycloak) is an object
with ``handle(request) -> Response``; the server in ``server.py`` turns HTTP into a ``Request``, applies the
control plane (request log, faults, latency, rate limits) and writes the ``Response`` back.  Keeping services free
of sockets lets the sandbox's own tests call them directly as well as over TLS.
"""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs


class Headers(dict):
    """Case-insensitive header mapping (keys stored lower-case)."""

    def __init__(self, items=()):
        super().__init__()
        for key, value in (items.items() if hasattr(items, "items") else items):
            self[key] = value

    def __setitem__(self, key, value):
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return super().__contains__(key.lower())

    def get(self, key, default=None):
        return super().get(key.lower(), default)


@dataclass
class Request:
    method: str
    path: str  # without the query string, percent-decoded
    query: dict = field(default_factory=dict)  # name -> list of values, as parse_qs gives
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client_address: str = "127.0.0.1"
    # Filled in by the service that authenticates the request, read by the request log.
    principal: str = ""

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8") or "null")

    def form(self):
        """The body parsed as application/x-www-form-urlencoded, one value per name."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: Headers = field(default_factory=Headers)


def json_response(status, payload, headers=None):
    out = Headers(headers or {})
    out["Content-Type"] = "application/json;charset=UTF-8"
    return Response(status, json.dumps(payload).encode("utf-8"), out)


def empty_response(status, headers=None):
    return Response(status, b"", Headers(headers or {}))
