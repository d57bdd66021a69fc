# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ServiceNow connection layer: the one table of connection options (argument spec, environment fallbacks and doc
fragment are derived from it), authentication, and the Table and Batch APIs on top of the shared transport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import difflib
import hashlib
import json
import re
import time

try:
    from urllib.parse import urlencode, urlsplit
except ImportError:  # pragma: no cover
    from urllib import urlencode  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import env_fallback

from ansible_collections.camunda.servicenow.plugins.module_utils import records, shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils.records import find_exact, normalize
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import (
    READ_RETRY_STATUSES,
    Response,
    Transport,
    TransportError,
)

SERVICE = "ServiceNow"
DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
GRANT_TYPES = ("password", "refresh_token", "client_credentials")

# The one table of ServiceNow connection options: the sub-options of ``instance``. Names and SN_* variables are
# servicenow.itsm's, so the credentials users keep for that collection (AWX/AAP credential types too) work here.
# Each entry: type, env (environment variables, first set wins), default, no_log, choices, required, description.
SERVICENOW_OPTIONS = {
    "host": dict(
        type="str", required=True, env=["SN_HOST"],
        description=["The ServiceNow instance address, for example C(https://dev12345.service-now.com).",
                     "A bare host name gets C(https://). A path (other than a trailing C(/)), a space or a port "
                     "outside 1-65535 is refused before any request.",
                     "C(http://) is refused for any host but a loopback address (C(localhost), C(127.0.0.1), "
                     "C(::1)) unless O(instance.allow_http=true): it would send the password or token in clear."]),
    "allow_http": dict(
        type="bool", default=False,
        description=["Allow an C(http://) O(instance.host) that is not a loopback address (a test instance behind "
                     "a trusted network). Credentials then cross the network unencrypted."]),
    "username": dict(
        type="str", env=["SN_USERNAME"],
        description=["User name for Basic authentication, or for the OAuth C(password) grant."]),
    "password": dict(
        type="str", no_log=True, env=["SN_PASSWORD"],
        description=["Password of O(instance.username)."]),
    "grant_type": dict(
        type="str", choices=list(GRANT_TYPES), env=["SN_GRANT_TYPE"],
        description=["The OAuth grant used with O(instance.client_id) and O(instance.client_secret) to get a token "
                     "from C(/oauth_token.do), once per module run.",
                     "When not set: C(password) if O(instance.username) is set (as servicenow.itsm does), "
                     "C(refresh_token) if only O(instance.refresh_token) is set, else C(client_credentials)."]),
    "client_id": dict(
        type="str", env=["SN_CLIENT_ID"],
        description=["Client ID of the instance's OAuth application (Application Registry); enables OAuth."]),
    "client_secret": dict(
        type="str", no_log=True, env=["SN_CLIENT_SECRET", "SN_SECRET_ID"],
        description=["Client secret of O(instance.client_id). C(SN_SECRET_ID) is read too, for servicenow.itsm "
                     "compatibility."]),
    "refresh_token": dict(
        type="str", no_log=True, env=["SN_REFRESH_TOKEN"],
        description=["Refresh token for the OAuth C(refresh_token) grant."]),
    "access_token": dict(
        type="str", no_log=True, env=["SN_ACCESS_TOKEN"],
        description=["An OAuth access token obtained earlier, sent as C(Authorization: Bearer); no token request "
                     "is made.", "Mutually exclusive with O(instance.api_key)."]),
    "api_key": dict(
        type="str", no_log=True, env=["SN_API_KEY"],
        description=["A REST API key, sent in the C(x-sn-apikey) header. The instance needs a REST API Access "
                     "Policy that covers the Table and Batch APIs."]),
    "client_certificate_file": dict(
        type="path", env=["SN_CLIENT_CERTIFICATE_FILE"],
        description=["PEM file with the client certificate for mutual TLS (certificate-based authentication)."]),
    "client_key_file": dict(
        type="path", env=["SN_CLIENT_KEY_FILE"],
        description=["PEM file with the private key of O(instance.client_certificate_file), when the certificate "
                     "file does not hold it."]),
    "timeout": dict(
        type="float", default=DEFAULT_TIMEOUT, env=["SN_TIMEOUT"],
        description=["Seconds to wait for an answer (the read timeout; connecting times out after at most 10 s).",
                     "ServiceNow's own transaction limit is 60 s.",
                     "A request that times out is tried once more at most; the error says how many attempts were "
                     "made and how long they took in all. Must be more than 0."]),
    "validate_certs": dict(
        type="bool", default=True, env=["SN_VALIDATE_CERTS"],
        description=["Whether to verify the instance's TLS certificate. Set to V(false) only for a test "
                     "instance; prefer O(instance.ca_path)."]),
    "ca_path": dict(
        type="path", env=["SN_CA_PATH"],
        description=["PEM file of the CA (or bundle) that signed the instance's certificate.",
                     "Takes precedence over C(REQUESTS_CA_BUNDLE) and the system store."]),
    "proxy": dict(
        type="str", env=["SN_PROXY"],
        description=["Proxy URL for all requests to the instance, for example C(http://proxy.example.com:3128).",
                     "When not set, the C(HTTPS_PROXY) and C(NO_PROXY) environment variables apply."]),
    "custom_headers": dict(
        type="dict",
        description=["HTTP headers added to every request, the token request included (for API gateways)."]),
    "api_path": dict(
        type="str", default="api/now", env=["SN_API_PATH"],
        description=["Path of the REST API on the instance, for instances behind an API gateway."]),
}

# Cross-field rules of the ``instance`` option, declared once (and unit-tested).
SERVICENOW_REQUIRED_TOGETHER = [
    ["username", "password"],
    ["client_id", "client_secret"],
]
SERVICENOW_MUTUALLY_EXCLUSIVE = [
    ["access_token", "api_key"],
]
SERVICENOW_REQUIRED_IF = [
    ["grant_type", "password", ["client_id", "client_secret", "username", "password"]],
    ["grant_type", "refresh_token", ["client_id", "client_secret", "refresh_token"]],
    ["grant_type", "client_credentials", ["client_id", "client_secret"]],
]
SERVICENOW_REQUIRED_BY = {
    "client_key_file": ["client_certificate_file"],
    "refresh_token": ["client_id"],
}
SERVICENOW_REQUIRED_ONE_OF = [
    ["username", "client_id", "access_token", "api_key", "client_certificate_file"],
]

SERVICENOW_HINTS = {
    401: "check the instance credentials (username and password, the OAuth client and grant, the access token or "
         "the API key)",
    403: "check that the user has the roles this table needs (for example admin, or the roles of the table's "
         "ACLs) and, with an API key, that a REST API Access Policy covers this API",
    404: "check the instance address and that the table or record exists and is visible to this user",
    429: "the instance rate-limited the requests (Rate Limit Rules), wait and try again",
}
TOKEN_HINTS = {
    400: "check instance.grant_type and the OAuth values it needs",
    401: "check instance.client_id and instance.client_secret (and username/password for the password grant, the "
         "refresh token for the refresh_token grant); the client_credentials grant also needs the "
         "glide.oauth.inbound.client.credential.grant_type.enabled property and an OAuth Application User",
}


def servicenow_argument_spec():
    """The argument spec of the ``instance`` option (a fresh copy: callers ``update`` it with their own options).

    Called by every ServiceNow module's ``main()`` before it builds its AnsibleModule; in a module run it first
    refuses unknown keys of ``instance`` (:func:`refuse_unknown_instance_keys`)."""
    refuse_unknown_instance_keys()
    options = {}
    for name, option in SERVICENOW_OPTIONS.items():
        spec = dict(type=option["type"])
        for key in ("required", "default", "no_log", "choices"):
            if key in option:
                spec[key] = copy.deepcopy(option[key])
        if option.get("env"):
            spec["fallback"] = (env_fallback, list(option["env"]))
        options[name] = spec
    return dict(
        instance=dict(
            type="dict",
            apply_defaults=True,
            options=options,
            required_together=copy.deepcopy(SERVICENOW_REQUIRED_TOGETHER),
            mutually_exclusive=copy.deepcopy(SERVICENOW_MUTUALLY_EXCLUSIVE),
            required_if=copy.deepcopy(SERVICENOW_REQUIRED_IF),
            required_by=copy.deepcopy(SERVICENOW_REQUIRED_BY),
            required_one_of=copy.deepcopy(SERVICENOW_REQUIRED_ONE_OF),
        )
    )


LOOPBACK_HOSTS = ("localhost", "::1", "[::1]")


def is_loopback(hostname):
    """True for localhost, 127.0.0.0/8 and ::1 (where http:// never leaves the machine)."""
    hostname = (hostname or "").lower().strip("[]")
    return hostname in ("localhost", "::1") or bool(re.match(r"^127(\.\d{1,3}){3}$", hostname))


def instance_base_url(params):
    """The instance's base URL (``https://host[:port]``) from the options, or a TransportError whose sentence says
    what is wrong with ``instance.host`` (nothing has been sent). A bare host name gets ``https://``."""
    host = params.get("host")
    if not isinstance(host, str) or not host.strip():
        raise TransportError("The ServiceNow instance address is missing; set instance.host or SN_HOST.",
                             kind="connection")
    host = host.strip()
    shown = strip_url_secrets(host)
    url = host if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", host) else "https://" + host
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "has the scheme {0}://".format(parts.scheme)
    elif re.search(r"\s", host):
        problem = "contains a space"
    elif parts.username or parts.password:
        problem = "contains credentials (they belong in instance.username and instance.password)"
    elif not parts.hostname:
        problem = "has no host name"
    elif parts.path.strip("/") or parts.query or parts.fragment:
        problem = "has a path ({0}; a gateway's API prefix belongs in instance.api_path)".format(parts.path or "?")
    else:
        try:
            port = parts.port
        except ValueError:
            port = -1
        if port is not None and not 1 <= port <= 65535:
            problem = "has a port that is not a number from 1 to 65535"
    if problem:
        raise TransportError("The ServiceNow instance address {0!r} {1}; give it as https://host[:port], for example "
                             "https://dev12345.service-now.com (nothing was sent).".format(shown, problem),
                             kind="connection")
    if parts.scheme == "http" and not is_loopback(parts.hostname) and not params.get("allow_http"):
        raise TransportError(
            "The ServiceNow instance address {0} uses http://, which would send the credentials in clear; use "
            "https://, or set instance.allow_http to true for a test instance on a network you trust (nothing was "
            "sent).".format(shown), kind="connection")
    return "{0}://{1}".format(parts.scheme, parts.netloc)


def strip_url_secrets(url):
    """``url`` without a ``user:password@`` part (for messages)."""
    return re.sub(r"//[^/@\s]*@", "//", url or "")


def unknown_instance_keys(instance):
    """The keys of an ``instance`` dict that are not options (sorted), for a sentence that names them and never
    their values."""
    if not isinstance(instance, dict):
        return []
    return sorted(str(key) for key in instance if key not in SERVICENOW_OPTIONS)


def unknown_keys_message(keys):
    """One sentence naming the unknown ``instance`` keys (never their values) and the closest option names."""
    hints = []
    for key in keys:
        close = difflib.get_close_matches(key, list(SERVICENOW_OPTIONS), n=1)
        if close:
            hints.append("{0!r} (did you mean {1!r}?)".format(key, close[0]))
        else:
            hints.append(repr(key))
    return ("The instance option has unknown key{0} {1}, whose value{0} {2} not shown; the keys are {3}.".format(
        "s" if len(keys) > 1 else "", ", ".join(hints), "are" if len(keys) > 1 else "is",
        ", ".join(sorted(SERVICENOW_OPTIONS))))


def refuse_unknown_instance_keys():
    """Inside a module run: fail at once, naming the unknown keys of ``instance``, before AnsibleModule validates
    the arguments. Ansible's own check names another problem first and shows every unknown key's value in the
    task result (a misspelt ``passwd`` would print the password at -vvv). Does nothing outside a module run."""
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel
    if getattr(basic, "_ANSIBLE_ARGS", None) is None:
        return
    try:
        args = basic._load_params()  # pylint: disable=protected-access
    except Exception:  # AnsibleModule reports unreadable arguments itself  # pylint: disable=broad-except
        return
    instance = (args or {}).get("instance")
    keys = unknown_instance_keys(instance)
    if not keys:
        return
    # A module that only reports the failure: every argument taken as it is, ``instance`` (and so every value in it)
    # masked in the task result, as Ansible masks no_log options.
    spec = dict((name, dict(type="raw")) for name in args if not str(name).startswith("_ansible_"))
    spec["instance"] = dict(type="raw", no_log=True)
    from ansible.module_utils.basic import AnsibleModule  # pylint: disable=import-outside-toplevel
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    module.fail_json(msg=unknown_keys_message(keys))


def instance_params(module_or_params):
    """The ``instance`` dict from an AnsibleModule, a module params dict, or the instance dict itself."""
    params = getattr(module_or_params, "params", module_or_params)
    if isinstance(params, dict) and isinstance(params.get("instance"), dict):
        params = params["instance"]
    out = dict((name, option.get("default")) for name, option in SERVICENOW_OPTIONS.items())
    out.update(dict((k, v) for k, v in (params or {}).items() if v is not None))
    return out


def instance_host(module_or_params):
    """The host[:port] the instance options point at (for error sentences), or None when none is set."""
    host = (instance_params(module_or_params).get("host") or "").strip()
    if not host:
        return None
    return urlsplit(host if re.match(r"^https?://", host) else "https://" + host).netloc or None


def auth_method(params):
    """Which authentication the options select: access_token, api_key, oauth, basic or certificate (in that
    order of precedence); None when there is none."""
    if params.get("access_token"):
        return "access_token"
    if params.get("api_key"):
        return "api_key"
    if params.get("client_id"):
        return "oauth"
    if params.get("username"):
        return "basic"
    if params.get("client_certificate_file"):
        return "certificate"
    return None


def effective_grant_type(params):
    if params.get("grant_type"):
        return params["grant_type"]
    if params.get("username") and params.get("password"):
        return "password"
    if params.get("refresh_token"):
        return "refresh_token"
    return "client_credentials"


def escape_query_value(value):
    """A value for an encoded query: normalised, with ``^`` doubled (a literal ``^`` is written ``^^``)."""
    return normalize(value).replace("^", "^^")


def encode_query(query):
    """``{"field": value, ...}`` -> ``field=value^field2=value2`` (exact matches, ``^`` escaped, a None value means
    ``fieldISEMPTY``); a string is returned as it is (already an encoded query)."""
    if query is None:
        return ""
    if isinstance(query, str):
        return query
    parts = []
    for field in sorted(query):
        value = query[field]
        if value is None:
            parts.append("{0}ISEMPTY".format(field))
        else:
            parts.append("{0}={1}".format(field, escape_query_value(value)))
    return "^".join(parts)


def table_params(query=None, fields=None, limit=None):
    """Query parameters of a Table API read (always without reference links and without the count)."""
    params = [("sysparm_exclude_reference_link", "true")]
    encoded = encode_query(query)
    if encoded:
        params.append(("sysparm_query", encoded))
    if fields:
        params.append(("sysparm_fields", fields if isinstance(fields, str) else ",".join(fields)))
    if limit:
        params.append(("sysparm_limit", str(int(limit))))
    params.append(("sysparm_no_count", "true"))
    return params


def _normalize_request(item):
    """A batch_get item (a dict with table/query/fields/limit[/id], or an (id, table, query, fields, limit) tuple)."""
    if isinstance(item, dict):
        return dict(id=item.get("id"), table=item["table"], query=item.get("query"), fields=item.get("fields"),
                    limit=item.get("limit"), optional=bool(item.get("optional")))
    item = tuple(item)
    if len(item) == 5:
        return dict(id=item[0], table=item[1], query=item[2], fields=item[3], limit=item[4], optional=False)
    if len(item) == 4:
        return dict(id=None, table=item[0], query=item[1], fields=item[2], limit=item[3], optional=False)
    raise ValueError("a batch_get item is a dict or (id, table, query, fields, limit), not a {0} of {1} items".format(
        type(item).__name__, len(item)))


def _result_rows(data):
    result = data.get("result") if isinstance(data, dict) else None
    if isinstance(result, dict):
        return [result]
    return result if isinstance(result, list) else []


# Columns whose saved value may differ from the one sent without the write having been refused (verify-after-write):
# the instance computes them (servicenow-api.md §2.5: connection_url from the URL builder's parts).
COMPUTED_COLUMNS = ("connection_url",)


def may_differ_on_save(field):
    """Why ``field`` may be saved differently than sent, or None (records.verify_saved): ``sys_*`` columns are read-only
    and an instance may ignore them (§4 "sys_* fields are generally not writable"; sys_scope on insert), computed
    columns are the instance's to set."""
    if field.startswith("sys_"):
        return "the instance ignores this read-only system column"
    if field in COMPUTED_COLUMNS:
        return "the instance computes this column"
    return None


# Statuses of POST /api/now/v1/batch that mean "this instance does not serve the Batch API here": 400 "Requested URI
# does not represent any resource" (not installed or not routed), 403 (refused by policy), 404 (not found).
BATCH_UNAVAILABLE = (400, 403, 404)


def _table_refused(error):
    """A read refused because of its table: 403 (an ACL) or 400 "Invalid table" (the instance has no such table)."""
    if error.status == 403:
        return True
    return error.status == 400 and "invalid table" in (error.service_message or "").lower()


def _int(value):
    """A Batch API item's status code as an int (0 when missing or not a number)."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _is_no_record(error):
    """A v1 list query with no match answers 404 "No Record found"; that is an empty result, not a failure."""
    return error.status == 404 and "no record" in (error.service_message or "").lower()


class ServiceNowClient:
    """One client (one session, at most one token) per module run.

    ``ServiceNowClient(module)`` reads ``module.params["instance"]``; a params dict works too (tests). ``sleep`` is
    handed to the transport (tests pass a recorder). ``transport`` may be injected.
    """

    def __init__(self, module_or_params, sleep=time.sleep, transport=None, max_retries=4):
        params = instance_params(module_or_params)
        host = instance_base_url(params)
        timeout = params.get("timeout")
        if timeout is not None and float(timeout) <= 0:
            raise TransportError("instance.timeout is {0:g}; give the seconds to wait for an answer, more than 0 "
                                 "(default 60), nothing was sent.".format(float(timeout)), kind="connection")
        self.params = params
        self.base_url = host.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.api_path = (params.get("api_path") or "api/now").strip("/")
        self.auth = auth_method(params)
        self.grant_type = effective_grant_type(params) if self.auth == "oauth" else None
        timeout = float(params.get("timeout") or DEFAULT_TIMEOUT)
        secrets = [params.get(k) for k in ("password", "client_secret", "refresh_token", "access_token", "api_key")]
        self.transport = transport or Transport(
            self.base_url, service=SERVICE, validate_certs=params.get("validate_certs", True),
            ca_path=params.get("ca_path"), client_cert=params.get("client_certificate_file"),
            client_key=params.get("client_key_file"), proxy=params.get("proxy"),
            timeout=(min(CONNECT_TIMEOUT, timeout), timeout), custom_headers=params.get("custom_headers"),
            max_retries=max_retries, hints=SERVICENOW_HINTS, sleep=sleep, secrets=secrets)
        self._token = None
        if params.get("validate_certs") is False and hasattr(module_or_params, "warn"):
            module_or_params.warn(
                "instance.validate_certs is false: the TLS certificate of {0} is not checked, so whoever can "
                "intercept the connection can read the credentials; set instance.ca_path to the CA that signed it "
                "instead.".format(self.host))
        # Set once the instance refused the Batch API (400/403/404): the rest of the run uses single GETs. When the
        # module runs in Ansible's worker process, the refusal is kept for the whole ansible-playbook run (every later
        # task on this instance with these credentials skips the Batch API: module_utils/shared_reads.py).
        self._shared = shared_reads.scope("servicenow", self.base_url, hashlib.sha256("|".join(
            str(params.get(k)) for k in ("username", "password", "client_id", "client_secret", "refresh_token",
                                         "access_token", "api_key")).encode("utf-8")).hexdigest())
        self.batch_unavailable = bool(self._shared is not None and self._shared.known("batch_refused"))

    def add_secret(self, value):
        """Register a value the module writes (a record's client secret) so that no error message shows it, even
        when the instance repeats the request in its answer."""
        self.transport.add_secret(value)

    # -- auth -----------------------------------------------------------------------------------------------------

    def token(self):
        """The OAuth access token of this run (fetched once from /oauth_token.do, form-encoded)."""
        if self._token is None:
            params = self.params
            form = {"grant_type": self.grant_type, "client_id": params.get("client_id"),
                    "client_secret": params.get("client_secret")}
            if self.grant_type == "password":
                form.update(username=params.get("username"), password=params.get("password"))
            elif self.grant_type == "refresh_token":
                form.update(refresh_token=params.get("refresh_token"))
            response = self.transport.request("POST", "oauth_token.do", data=form, expected=(200,), retry=True,
                                              hints=TOKEN_HINTS)
            data = response.json()
            token = data.get("access_token") if isinstance(data, dict) else None
            if not token:
                raise TransportError(
                    "ServiceNow POST /oauth_token.do on {0} answered without an access_token; check "
                    "instance.grant_type and the OAuth application's settings.".format(self.host),
                    status=response.status, method="POST", url=self.base_url + "/oauth_token.do")
            self.transport.add_secret(token)
            if isinstance(data.get("refresh_token"), str):
                self.transport.add_secret(data["refresh_token"])
            self._token = token
        return self._token

    def _auth_kwargs(self, headers=None):
        headers = dict(headers or {})
        auth = None
        if self.auth == "access_token":
            headers["Authorization"] = "Bearer " + self.params["access_token"]
        elif self.auth == "api_key":
            headers["x-sn-apikey"] = self.params["api_key"]
        elif self.auth == "oauth":
            headers["Authorization"] = "Bearer " + self.token()
        elif self.auth == "basic":
            auth = (self.params["username"], self.params.get("password") or "")
        return dict(headers=headers, auth=auth)

    def request(self, method, path, params=None, json=None, expected=(200, 201, 204), retry=None, headers=None):
        """An authenticated request to the instance (``path`` relative to the instance root). Writes always carry
        ``Content-Type: application/json``: the Table API answers 400 without it, even for a DELETE with no body."""
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            headers = dict(headers or {})
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json"
        return self.transport.request(method, path, params=params, json=json, expected=expected, retry=retry,
                                      **self._auth_kwargs(headers))

    # -- Table API ------------------------------------------------------------------------------------------------

    def table_path(self, table, sys_id=None):
        path = "{0}/table/{1}".format(self.api_path, table)
        return path + "/" + sys_id if sys_id else path

    def get_records(self, table, query=None, fields=None, limit=10):
        """Rows of ``table`` matching ``query`` (a dict of exact field=value, or an encoded query string), with only
        ``fields``, at most ``limit``. Re-check the rows with records.find_exact: the instance ignores unknown
        query fields."""
        try:
            response = self.request("GET", self.table_path(table), params=table_params(query, fields, limit),
                                    expected=(200,))
        except TransportError as exc:
            if _is_no_record(exc):
                return []
            raise
        return _result_rows(response.json())

    def create(self, table, payload, fields=None, lookup=None):
        """POST a new record and return the saved record (the response; not read again).

        A POST is never repeated blindly (the transport retries it only on 429, which the instance answers before
        doing anything). With ``lookup`` (a callable returning the record or None), a failure that may hide a
        success (5xx, a dropped connection, a timeout: :meth:`RetryPolicy.lost_write`) makes the client wait as the
        retry policy says, look again (after a timeout, for up to one more read timeout: the instance may commit
        late), return the record if it now exists, and POST again only if it is still absent."""
        params = [("sysparm_exclude_reference_link", "true")]
        if fields:
            params.append(("sysparm_fields", ",".join(fields)))

        def post():
            response = self.request("POST", self.table_path(table), params=params, json=payload, expected=(200, 201))
            rows = _result_rows(response.json())
            return rows[0] if rows else {}
        if lookup is None:
            return post()
        return self.recover_create(post, lambda: lookup() or None)

    def recover_create(self, post, lookup):
        """``post()`` something new on the instance (a record, an installation) with the one recovery of a lost
        answer (:meth:`RetryPolicy.create`): wait, ``lookup()`` (after a timeout, for up to one more read timeout),
        post again only when it returned None."""
        return self.transport.create(post, lookup)

    def update(self, table, sys_id, payload, fields=None):
        """PATCH the record and return the saved record (the response; not read again)."""
        params = [("sysparm_exclude_reference_link", "true")]
        if fields:
            params.append(("sysparm_fields", ",".join(fields)))
        response = self.request("PATCH", self.table_path(table, normalize(sys_id)), params=params, json=payload,
                                expected=(200,))
        rows = _result_rows(response.json())
        return rows[0] if rows else {}

    def delete(self, table, sys_id):
        """DELETE the record; True when deleted, False when it was already gone (404)."""
        response = self.request("DELETE", self.table_path(table, normalize(sys_id)), expected=(200, 204, 404))
        return response.status != 404

    def apply_plan(self, table, the_plan, check_mode, fields=None, what="record", lookup=None):
        """Carry out a records.Plan on ``table`` (create/update/delete, nothing in check mode) and return the
        standard result ``{changed, diff, record}`` (saved record verified against the payload, secrets masked).
        ``lookup()`` finds the record again: a POST that failed in a retryable way is repeated only when the record
        is still absent."""
        sys_id = (the_plan.current or {}).get("sys_id")
        try:
            return records.apply_plan(
                the_plan, check_mode,
                create=lambda payload: self.create(table, payload, fields=fields, lookup=lookup),
                update=lambda payload: self.update(table, sys_id, payload, fields=fields),
                delete=lambda: self.delete(table, sys_id),
                what=what, service="ServiceNow", fields=fields, may_differ=may_differ_on_save, where=self.host,
            )
        except records.RecordError as err:
            raise err.locate(self.host)

    # -- other APIs -----------------------------------------------------------------------------------------------

    def call_json(self, method, path, body=None, expected=(200, 201, 204)):
        """A JSON call to an API other than Table/Batch (the CI/CD API, say): the ``result`` member of the answer,
        or the whole parsed body when it has none. ``path`` is relative to the instance root."""
        response = self.request(method, path, json=body, expected=expected)
        payload = response.json()
        if isinstance(payload, dict) and "result" in payload:
            return payload["result"]
        return payload

    # -- Batch API ------------------------------------------------------------------------------------------------

    def batch_get(self, requests):
        """Several Table API reads in one round trip (``POST /api/now/v1/batch``); returns one list of rows per
        request, in order. Items are dicts ``{table, query, fields, limit[, id][, optional]}`` or
        ``(id, table, query, fields, limit)`` tuples. When the instance does not serve the Batch API (400 "Requested
        URI does not represent any resource", 403, 404) the reads are done one by one, and the client remembers that
        for the rest of the run: one refused batch per run, then one GET per read.

        An item with ``optional=True`` whose table the instance refuses (403, an ACL) or does not have (400 "Invalid
        table") reads as None instead of failing the whole call; that costs one more batch without it. A refused
        item that is not optional fails."""
        items = [_normalize_request(item) for item in requests]
        skipped = set()
        while True:
            index = [n for n in range(len(items)) if n not in skipped]
            try:
                rows = self._batch_get([items[n] for n in index])
            except TransportError as exc:
                refused = [n for n in index if items[n]["optional"] and _table_refused(exc)
                           and (exc.path or "").rstrip("/").endswith("/table/" + items[n]["table"])]
                if not refused:
                    raise
                skipped.update(refused)
                continue
            out = [None] * len(items)
            for n, value in zip(index, rows):
                out[n] = value
            return out

    def _batch_get(self, items):
        if not items:
            return []
        if len(items) == 1 or self.batch_unavailable:
            return self._get_each(items)
        ids = [str(i["id"]) if i["id"] is not None else str(n + 1) for n, i in enumerate(items)]
        if len(set(ids)) != len(ids):
            raise ValueError("batch_get ids must be unique: {0}".format(", ".join(ids)))
        body = {"batch_request_id": "1", "rest_requests": []}
        for rid, item in zip(ids, items):
            url = "/{0}?{1}".format(self.table_path(item["table"]),
                                    urlencode(table_params(item["query"], item["fields"], item["limit"])))
            body["rest_requests"].append({
                "id": rid, "method": "GET", "url": url, "exclude_response_headers": True,
                "headers": [{"name": "Accept", "value": "application/json"}]})
        try:
            response = self.request("POST", "{0}/v1/batch".format(self.api_path), json=body, expected=(200,),
                                    retry=True)
        except TransportError as exc:
            if exc.status in BATCH_UNAVAILABLE:
                self.batch_unavailable = True
                if self._shared is not None:
                    self._shared.remember("batch_refused", exc.status)
                return self._get_each(items)
            raise
        data = response.json()
        served_list = data.get("serviced_requests") if isinstance(data, dict) else None
        by_id = {}
        for served in served_list if isinstance(served_list, list) else []:
            if isinstance(served, dict):
                by_id[str(served.get("id"))] = served
        out = []
        for rid, item, sent in zip(ids, items, body["rest_requests"]):
            served = by_id.get(rid)
            # Unserviced (the batch ran out of time), or answered with a status a read is retried on (429, 5xx: the
            # item's own rate limit or failure, not the batch's): read it on its own, with the transport's retries.
            if served is None or _int(served.get("status_code")) in READ_RETRY_STATUSES:
                out.append(self.get_records(item["table"], item["query"], item["fields"], item["limit"]))
                continue
            out.append(self._served_rows(served, sent["url"]))
        return out

    def _get_each(self, items):
        """One GET per item (no Batch API); an optional item whose table is refused reads as None right away."""
        out = []
        for item in items:
            try:
                out.append(self.get_records(item["table"], item["query"], item["fields"], item["limit"]))
            except TransportError as exc:
                if not (item["optional"] and _table_refused(exc)):
                    raise
                out.append(None)
        return out

    def _served_rows(self, served, url):
        status = _int(served.get("status_code"))
        try:
            text = base64.b64decode(served.get("body") or "").decode("utf-8")
        except (ValueError, TypeError, UnicodeDecodeError):
            text = ""
        inner = Response(status, {"Content-Type": "application/json"}, text, method="GET",
                         url=self.base_url + url.split("?", 1)[0])
        if status == 200:
            return _result_rows(inner.json())
        error = self.transport.http_error(inner)
        if _is_no_record(error):
            return []
        if not text and served.get("error_message"):
            error = self.transport.http_error(Response(status, {}, json.dumps({"error": {
                "message": served.get("error_message")}}), method="GET", url=inner.url))
        raise error


SYS_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def is_sys_id(value):
    """True when ``value`` looks like a sys_id (32 lowercase hex digits)."""
    return bool(SYS_ID_RE.match(str(value or "")))


def name_or_sys_id_query(reference):
    """The encoded query that finds a record given by name or by sys_id (an option that takes either)."""
    if is_sys_id(reference):
        return "sys_id={0}^ORname={0}".format(reference)
    return "name={0}".format(escape_query_value(reference))


def find_by_name_or_sys_id(rows, reference, what="record"):
    """The row whose sys_id is ``reference``, else the one row named exactly ``reference``, else None; two rows
    with that name raise RecordError naming their sys_ids (never a silent pick), and so does a row whose name
    differs only in letter case (an instance may match names case-insensitively; it is never adopted)."""
    by_id = [row for row in rows or [] if isinstance(row, dict) and normalize(row.get("sys_id")) == reference]
    if by_id:
        return by_id[0]
    return find_exact(rows, {"name": reference}, what, refuse_case_variants=True)
