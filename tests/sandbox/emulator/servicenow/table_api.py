"""The Table API: ``/api/now/table``, ``/api/now/v1/table``, ``/api/now/v2/table`` (servicenow-api.md §4)."""

from urllib.parse import urlencode

from ..http import Headers, empty_response, json_response
from . import acl, rules, users
from .db import is_sys_id
from .errors import business_rule_abort, error, invalid_table, no_record_list, no_record_single

WRITES = ("POST", "PUT", "PATCH", "DELETE")
DEFAULT_LIMIT = 10000  # §4 sysparm_limit default


def _accepts_json(accept):
    return any(part.split(";")[0].strip() in ("application/json", "application/*", "*/*", "")
               for part in accept.split(","))


def check_headers(request):
    """§4 Headers: Accept is required, and Content-Type on POST/PUT/PATCH/DELETE; missing ones give 400."""
    accept = request.headers.get("Accept")
    if accept is None:
        return error(400, "Missing header", "Accept header is required; send Accept: application/json")
    if not _accepts_json(accept):
        return error(406, "Not Acceptable", "This API can only produce application/json; check the Accept header")
    if request.method in WRITES:
        content_type = request.headers.get("Content-Type")
        if content_type is None:
            return error(400, "Missing header", "Content-Type header is required; send Content-Type: application/json")
        if content_type.split(";")[0].strip() != "application/json":
            return error(415, "Unsupported Media Type", "This API only accepts application/json; check the Content-Type header")
    return None


def _flag(request, name):
    return (request.arg(name) or "").lower() == "true"


def _display(request):
    value = (request.arg("sysparm_display_value") or "false").lower()
    return value if value in ("true", "all") else "false"


def _fields(request):
    text = request.arg("sysparm_fields")
    if not text:
        return None
    return [f.strip() for f in text.split(",") if f.strip()]


def _format(ctx, table, row, request):
    return ctx.db.format(table, row, _fields(request), _display(request), _flag(request, "sysparm_exclude_reference_link"),
                         ctx.base_url)


def _int(text, default):
    try:
        return max(int(text), 0)
    except (TypeError, ValueError):
        return default


def _link_header(ctx, request, limit, offset, total, count):
    def url(new_offset):
        params = [(k, v) for k, values in request.query.items() for v in values if k not in ("sysparm_offset", "sysparm_limit")]
        params += [("sysparm_limit", str(limit)), ("sysparm_offset", str(new_offset))]
        return "<%s%s?%s>" % (ctx.base_url, request.path, urlencode(params))

    links = ['%s;rel="first"' % url(0)]
    if offset > 0:
        links.append('%s;rel="prev"' % url(max(offset - limit, 0)))
    if (total is not None and offset + limit < total) or (total is None and count >= limit):
        links.append('%s;rel="next"' % url(offset + limit))
    if total is not None:
        last = ((total - 1) // limit) * limit if total and limit else 0
        links.append('%s;rel="last"' % url(last))
    return ",".join(links)


def _name_value_pairs(request):
    """§4: name=value query parameters filter like ``sysparm_query`` terms (unknown names are ignored)."""
    return [(k, v[0]) for k, v in request.query.items() if not k.startswith("sysparm_") and k != "x-sn-apikey" and v]


def _property(ctx, name):
    rows = ctx.db.select("sys_properties", "", [("name", name)])[0]
    return rows[0].get("value") if rows else None


def list_records(ctx, request, table, version):
    limit = _int(request.arg("sysparm_limit"), DEFAULT_LIMIT) or DEFAULT_LIMIT
    offset = _int(request.arg("sysparm_offset"), 0)
    rows, parsed = ctx.db.select(table, request.arg("sysparm_query") or "", _name_value_pairs(request))
    if parsed.invalid and _property(ctx, "glide.invalid_query.returns_no_rows") == "true":
        rows = []
    total = len(rows)
    page = rows[offset:offset + limit]
    # §4: sysparm_limit applies before ACL filtering, so a page can come back shorter than the limit.
    visible = page if acl.can_read(ctx.roles, table) else []
    if not visible and version == "v1":
        return no_record_list()
    headers = Headers()
    no_count = _flag(request, "sysparm_no_count")
    if not no_count:
        headers["X-Total-Count"] = str(total)
    if not _flag(request, "sysparm_suppress_pagination_header"):
        headers["Link"] = _link_header(ctx, request, limit, offset, None if no_count else total, len(page))
    return json_response(200, {"result": [_format(ctx, table, row, request) for row in visible]}, headers)


def _visible_row(ctx, table, sys_id):
    row = ctx.db.get(table, sys_id)
    if row is None or not acl.can_read(ctx.roles, table):
        return None  # §4: "404 not found: record missing, or hidden by ACL"
    return row


def _body(request):
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        return None, error(400, "Exception while reading request", "The payload is not valid JSON.")
    if not isinstance(body, dict):
        return None, error(400, "Exception while reading request", "The payload must be a JSON object.")
    return body, None


def _created(ctx, table, row, request):
    headers = Headers({"Location": "%s/api/now/table/%s/%s" % (ctx.base_url, table, row["sys_id"])})
    if (request.headers.get("X-no-response-body") or "").lower() == "true":
        return empty_response(201, headers)
    return json_response(201, {"result": _format(ctx, table, row, request)}, headers)


def _read_only_dropped(ctx, body):
    """Flag sys_scope_writable off (the default): sys_scope in a write is ignored, as other sys_* columns are (§4)."""
    if ctx.flags["sys_scope_writable"] or "sys_scope" not in body:
        return body
    return {k: v for k, v in body.items() if k != "sys_scope"}


def create(ctx, request, table):
    body, problem = _body(request)
    if problem:
        return problem
    password = users.pop_password(table, body)
    if not acl.can_write(ctx.roles, table):
        return error(403, **acl.write_denied("Insert"))
    body = _read_only_dropped(ctx, body)
    if users.password_refused(ctx, password):
        return users.password_refused(ctx, password)
    row = ctx.db.new_row(table, body, ctx.user, resolve_display=_flag(request, "sysparm_input_display_value"),
                         sys_id=body.get("sys_id") if is_sys_id(body.get("sys_id")) and not ctx.db.get(table, body["sys_id"]) else None)
    reason = rules.before(ctx.db, table, row, None)
    if reason:
        return business_rule_abort("insert", table, row.get(ctx.db.schema.display_field(table), ""), reason)
    ctx.db.insert(row)
    rules.after_insert(ctx.db, table, row, ctx.flags, ctx.user)
    users.store_password(ctx, table, row, password, request)
    ctx.dirty = True
    return _created(ctx, table, row, request)


def update(ctx, request, table, sys_id):
    body, problem = _body(request)
    if problem:
        return problem
    password = users.pop_password(table, body)
    row = _visible_row(ctx, table, sys_id)
    if row is None:
        return no_record_single()
    if not acl.can_write(ctx.roles, table):
        return error(403, **acl.write_denied("Update"))
    if users.password_refused(ctx, password):
        return users.password_refused(ctx, password)
    changes = ctx.db.changes(row, _read_only_dropped(ctx, body), resolve_display=_flag(request, "sysparm_input_display_value"))
    candidate = dict(row, **changes)
    reason = rules.before(ctx.db, row["sys_class_name"], candidate, row)
    if reason:
        return business_rule_abort("update", row["sys_class_name"], row.get("name", ""), reason)
    changes = {k: v for k, v in candidate.items() if row.get(k) != v}
    if changes:  # a PATCH that changes nothing leaves sys_mod_count and sys_updated_on alone
        ctx.db.update(row, changes, ctx.user)
        if row["sys_class_name"] == "oauth_entity_profile" and changes.get("default") == "true":
            rules.only_one_default(ctx.db, row)
        ctx.dirty = True
    users.store_password(ctx, table, row, password, request)
    return json_response(200, {"result": _format(ctx, table, row, request)})


def delete(ctx, table, sys_id):
    row = _visible_row(ctx, table, sys_id)
    if row is None:
        return no_record_single()
    if not acl.can_write(ctx.roles, table):
        return error(403, **acl.write_denied("Delete"))
    ctx.db.delete(row)
    ctx.dirty = True
    return empty_response(204)


def handle(ctx, request, version, table, sys_id):
    problem = check_headers(request)
    if problem:
        return problem
    if not ctx.db.schema.exists(table) or (table == "sys_plugins" and not ctx.flags["sys_plugins_table"]):
        return invalid_table(table)
    method = request.method
    if sys_id is None:
        if method == "GET":
            return list_records(ctx, request, table, version)
        if method == "POST":
            return create(ctx, request, table)
    else:
        if method == "GET":
            row = _visible_row(ctx, table, sys_id)
            return json_response(200, {"result": _format(ctx, table, row, request)}) if row else no_record_single()
        if method in ("PUT", "PATCH"):
            return update(ctx, request, table, sys_id)
        if method == "DELETE":
            return delete(ctx, table, sys_id)
    return error(405, "Method not Supported", "%s is not supported for this resource" % method)
