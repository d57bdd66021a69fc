"""One emulated ServiceNow instance: routing, authentication, rate limiting, persistence.

Requests to one instance are served one at a time (the instance lock is held for the whole request), which
keeps every business rule and CI/CD step atomic; the server still runs instances and connections in parallel.
"""

import math
import os
import re
import secrets
import time

from ..store import JsonStore
from . import auth, batch, cicd, flags as flag_defs, table_api, users
from .db import SEQ, Database
from .errors import error, not_authenticated
from .schema import Schema
from .seed import SPOKE, apply_flags, seed

SCHEMA = Schema()
TABLE_PATH = re.compile(r"^/api/now/(?:(v1|v2)/)?table/([^/]+)(?:/([^/]+))?/?$")
BATCH_PATH = re.compile(r"^/api/now/(?:v1/)?batch/?$")


class ServiceNowInstance:
    kind = "servicenow"
    server_header = "ServiceNow"  # the Server: header a real instance sends

    def __init__(self, name, state_dir, flags, base_url=""):
        self.name = name
        self.base_url = base_url  # set by serve.py once the port is bound; used in links and Location
        self.control = None  # the control plane, set by serve.py, so batch items are logged and faulted
        self.startup_flags = dict(flags)
        self.flags = dict(flags)
        self.store = JsonStore(os.path.join(state_dir, "%s.json" % name), initial=dict)
        self.lock = self.store.lock
        self.rate = {}
        self.rule_id = secrets.token_hex(16)  # the sys_rate_limit_rules row X-RateLimit-Rule names (§4)
        self.user, self.roles, self.dirty = None, set(), False
        self._open()

    def _open(self):
        self.data = self.store.data
        self.db = Database(self.data, SCHEMA)
        if "published" not in self.data:
            self.data["published"] = seed(self.db, self.data, self.flags)
            self.store.save()

    # --- the service interface (docs/architecture.md) ---

    def handle(self, request):
        with self.lock:
            self.user, self.roles, self.dirty = None, set(), False
            self.db.flags = self.flags
            cicd.complete_due(self)
            response = self._handle(request)
            if self.dirty:
                self.store.save()
            return response

    def reset(self):
        with self.lock:
            published = self.data["published"]
            self.data.clear()
            self.flags = dict(self.startup_flags)
            self.rate = {}
            self.db = Database(self.data, SCHEMA)
            self.data["published"] = seed(self.db, self.data, self.flags, published)
            self.store.save()

    def expire_tokens(self, include_refresh=False):
        with self.lock:
            auth.expire_all(self.data, include_refresh)
            self.store.save()

    def snapshot(self):
        with self.lock:
            tables = {name: [{k: v for k, v in row.items() if k != SEQ} for row in rows.values()]
                      for name, rows in sorted(self.data["tables"].items())}
            now = time.time()
            tokens = self.data.get("tokens", {}).values()
            return {"kind": self.kind, "url": self.base_url, "flags": dict(self.flags), "tables": tables,
                    "tokens": {"access_valid": sum(1 for t in tokens if t["kind"] == "access" and t["expires"] > now),
                               "refresh_valid": sum(1 for t in tokens if t["kind"] == "refresh" and t["expires"] > now)},
                    "cicd": list(self.data.get("cicd", {}).values())}

    def set_flags(self, changes):
        with self.lock:
            coerced = {name: flag_defs.coerce(name, value) for name, value in (changes or {}).items()}
            self.flags.update(coerced)
            if coerced:
                apply_flags(self.db, self.flags, set(coerced))
                self.rate = {}
                self.store.save()
            return dict(self.flags)

    def describe(self):
        """This instance's entry in sandbox.json."""
        published = self.data["published"]
        return {"name": self.name, "url": self.base_url,
                "users": {k: {"username": v["username"], "password": v["password"], "roles": v["roles"]}
                          for k, v in published["users"].items()},
                "oauth_client": dict(published["oauth_client"]), "api_key": published["api_key"],
                "token_url": "%s/oauth_token.do" % self.base_url,
                "spoke": {"scope": SPOKE["scope"], "sys_id": SPOKE["sys_id"], "name": SPOKE["name"],
                          "version": self.flags["spoke_version"], "alias_id": "%s.Camunda" % SPOKE["scope"]},
                "flags": dict(self.flags)}

    # --- routing ---

    def _handle(self, request):
        override = request.headers.get("X-HTTP-Method-Override")
        if override and request.method == "POST":
            request.method = override.upper()  # §4: X-http-method-override is supported
        if request.path == "/oauth_token.do":
            response = auth.token_endpoint(self.db, self.data, self.flags, request)
            self.dirty = self.dirty or response.status == 200
            return response
        if request.path == "/login.do":
            return users.ui_login(self, request)
        if not request.path.startswith("/api/"):
            return error(404, "Not Found", "The sandbox instance serves /api/ and /oauth_token.do only")
        user = auth.authenticate(self.db, self.data, request)
        if user is None:
            return not_authenticated()
        request.principal = user
        self.user = user
        self.roles = auth.user_roles(self.db, user)
        limited, headers = self._rate_limit(user)
        response = limited or self.route(request)
        for key, value in headers.items():
            response.headers[key] = value
        return response

    def _rate_limit(self, user):
        """§4 Rate limiting: a fixed window per user; the denied request gets 429 and Retry-After."""
        limit = int(self.flags["rate_limit"])
        if limit <= 0:
            return None, {}
        window = max(int(self.flags["rate_limit_window"]), 1)
        now = time.time()
        start = math.floor(now / window) * window
        reset = start + window
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": str(int(reset)), "X-RateLimit-Rule": self.rule_id}
        key = (user, start)
        used = self.rate.get(key, 0)
        if used >= limit:
            headers["Retry-After"] = str(max(int(math.ceil(reset - now)), 1))
            return error(429, "Rate limit exceeded", "The rate limit for user %s has been exceeded; retry after the time "
                         "given in Retry-After" % user), headers
        self.rate = {k: v for k, v in self.rate.items() if k[1] == start}
        self.rate[key] = used + 1
        return None, headers

    def route(self, request):
        """Run an authenticated request as ``self.user`` (used directly and for every batch item)."""
        match = TABLE_PATH.match(request.path)
        if (match or BATCH_PATH.match(request.path)) and users.rest_api_denied(self):
            return users.rest_api_denied(self)
        if match:
            version = match.group(1) or "v2"  # the unversioned path is the latest version (§4)
            return table_api.handle(self, request, version, match.group(2), match.group(3))
        if BATCH_PATH.match(request.path) and not self.flags["batch_api"]:
            # An instance that does not serve the Batch API answers as for any unknown URI (flag batch_api).
            return error(400, "Requested URI does not represent any resource", None)
        if BATCH_PATH.match(request.path):
            if request.method != "POST":
                return error(405, "Method not Supported", "The Batch API accepts POST only")
            problem = table_api.check_headers(request)
            return problem or batch.handle(self, request, self._route_item, self._run_inner)
        if request.path.startswith("/api/sn_cicd/"):
            problem = table_api.check_headers(request) if request.headers.get("Accept") is None else None
            return problem or cicd.handle(self, request, request.path[len("/api/sn_cicd/"):])
        return error(400, "Requested URI does not represent any resource", None)

    def _route_item(self, request):
        if BATCH_PATH.match(request.path):
            return error(400, "Bad Request", "A batch request cannot contain another batch request")
        return self.route(request)

    def _run_inner(self, request, handler):
        if self.control is None:
            return handler(request)
        return self.control.run_inner(self.name, request, handler)
