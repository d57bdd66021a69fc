"""The Batch API ``POST /api/now/v1/batch`` (servicenow-api.md §5 "Batch API").

Each item runs through the same routing, ACL and Table API code as a direct request, as the batch's caller.
Items are logged by the control plane as batch items (and fault rules apply to them). An item that would start
after the batch's transaction quota has been used up is not run and is listed in ``unserviced_requests``.
"""

import base64
import binascii
import time
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

from ..http import Headers, Request, json_response
from .errors import error


def _status_text(code):
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _inner_request(outer, item):
    split = urlsplit(item.get("url", ""))
    headers = Headers((h.get("name", ""), h.get("value", "")) for h in item.get("headers") or [] if isinstance(h, dict))
    body = base64.b64decode(item["body"]) if item.get("body") else b""
    return Request(method=str(item.get("method", "GET")).upper(), path=unquote(split.path),
                   query=parse_qs(split.query, keep_blank_values=True), headers=headers, body=body,
                   client_address=outer.client_address, principal=outer.principal)


def handle(ctx, request, route, run_inner):
    """``route(request) -> Response`` runs one item as ``ctx.user``; ``run_inner`` wraps it for the control plane."""
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    items = body.get("rest_requests") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return error(400, "Exception while reading request", "The body must be JSON with a rest_requests list")
    started = time.monotonic()
    quota = ctx.flags["batch_time_quota_ms"] / 1000.0
    serviced, unserviced = [], []
    for item in items:
        item_id = str(item.get("id", ""))
        if time.monotonic() - started > quota:
            unserviced.append(item_id)
            continue
        try:
            inner = _inner_request(request, item)
        except (binascii.Error, ValueError):
            serviced.append({"id": item_id, "status_code": 400, "status_text": "Bad Request", "headers": [], "body": "",
                             "execution_time": 0, "error_message": "The body of this request is not valid base64",
                             "redirect_url": ""})
            continue
        item_started = time.monotonic()
        response = run_inner(inner, route)
        out = {"id": item_id, "status_code": response.status, "status_text": _status_text(response.status),
               "headers": [] if item.get("exclude_response_headers") else
               [{"name": k.title(), "value": v} for k, v in response.headers.items()],
               "body": base64.b64encode(response.body).decode("ascii"),
               "execution_time": int((time.monotonic() - item_started) * 1000), "redirect_url": ""}
        if response.status >= 400:
            out["error_message"] = _status_text(response.status)
        serviced.append(out)
    return json_response(200, {"batch_request_id": str(body.get("batch_request_id", "")), "serviced_requests": serviced,
                               "unserviced_requests": unserviced})
