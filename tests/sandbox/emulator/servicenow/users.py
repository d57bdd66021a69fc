"""Integration users (camunda-servicenow-additions.md §4, "the sheet"): passwords written over the Table API, the UI
login that web-service-only users may not use, and the REST API ACLs.

* ``sys_user.user_password`` is write-only. With ``sysparm_input_display_value=true`` the value is stored as a
  password and Basic auth with it works; without the flag the plain string is stored as if it were the hash, so no
  password matches it (the sheet, 3rd-party VERIFIED). Only ``admin`` may write it [I how it fails, flag
  ``password_write_denied``]: ``drop`` (default) ignores the field without an error, as field ACLs do; ``403``
  refuses the whole write with the ACL sentence. The field is never returned.
* ``POST /login.do`` (form ``user_name``, ``user_password``) stands for the UI login: a user with
  ``web_service_access_only`` is refused (403, "Non-interactive users cannot log in to the user interface" [I]; the
  sheet: such users "can't log in to the ServiceNow UI"), others get 302 to ``/navpage.do``; bad credentials 200 with
  the login page's message. Basic auth to ``/api/`` works for web-service-only users (what they are for).
* Flag ``rest_api_acls`` (off by default, as on an instance: the Table, Import Set, Aggregate and Attachment API ACLs
  are inactive by default): when on, Table and Batch API calls need ``snc_platform_rest_api_access``, a role that
  contains it (``itil``) or ``admin``; otherwise 403 "User Not Authorized".
"""

from ..http import Headers, Response
from . import acl
from .errors import error, not_authorized

PASSWORD_FIELD = "user_password"
REST_ROLE = "snc_platform_rest_api_access"
# §4 VERIFIED: itil contains snc_platform_rest_api_access (among others).
REST_ROLE_HOLDERS = {"admin", "itil", REST_ROLE}
UNUSABLE = "\0stored unhashed"


def pop_password(table, body):
    """Take ``user_password`` out of a sys_user write body (it is not a readable column); the value or None."""
    if table != "sys_user" or not isinstance(body, dict):
        return None
    return body.pop(PASSWORD_FIELD, None)


def password_refused(ctx, password):
    """The 403 for a non-admin password write when flag ``password_write_denied`` is ``403``, else None."""
    if password is None or "admin" in ctx.roles or ctx.flags.get("password_write_denied") != "403":
        return None
    return error(403, **acl.write_denied("Update"))


def store_password(ctx, table, row, password, request):
    """Apply a password taken by ``pop_password`` to the user ``row`` after the write."""
    if table != "sys_user" or password is None or row is None or "admin" not in ctx.roles:
        return
    display = (request.arg("sysparm_input_display_value") or "").lower() == "true"
    ctx.data.setdefault("passwords", {})[row.get("user_name", "")] = str(password) if display else UNUSABLE
    ctx.dirty = True


def rest_api_denied(ctx):
    """A 403 when the REST API ACLs are on and the caller holds none of the roles they need, else None."""
    if not ctx.flags.get("rest_api_acls") or ctx.roles & REST_ROLE_HOLDERS:
        return None
    return not_authorized("The REST API ACLs are active and require the snc_platform_rest_api_access role")


def _page(status, text, headers=None):
    out = Headers(headers or {})
    out["Content-Type"] = "text/html;charset=UTF-8"
    return Response(status, ("<html><body>%s</body></html>" % text).encode("utf-8"), out)


def ui_login(ctx, request):
    """``POST /login.do``: the interactive login."""
    from . import auth  # pylint: disable=import-outside-toplevel

    form = request.form() if request.method == "POST" else {}
    user_name = form.get("user_name", "")
    if not auth.check_password(ctx.db, ctx.data, user_name, form.get("user_password", "")):
        return _page(200, "User name or password invalid")
    user = ctx.db.select("sys_user", "", [("user_name", user_name)])[0][0]
    request.principal = user_name
    if user.get("web_service_access_only") == "true":
        return _page(403, "Non-interactive users cannot log in to the user interface")
    return _page(302, "Redirecting", {"Location": "/navpage.do"})
