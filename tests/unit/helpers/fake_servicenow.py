# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""THE ServiceNow fake of the unit tests: an in-memory instance with the surface of ``ServiceNowClient`` that the
modules use (``get_records``, ``batch_get``, ``create``, ``update``, ``delete``, ``request``; ``apply_plan`` and
``call_json`` are the real ones, running on this fake), every call recorded.

Tests that need the wire (headers, status codes, retries, the Batch API envelope) use the ``fake_http`` fixture and
a real ``ServiceNowClient`` instead.

* Tables are lists of rows (dicts of strings). Encoded queries: ``^`` (and), ``^OR`` (or), ``field=value``,
  ``fieldINa,b``, ``fieldLIKEtext``, ``fieldSTARTSWITHtext``, dot-walks through the reference columns in
  ``REFERENCES`` (``oauth_entity.name``, ``user.user_name``, ``role.name``); a dict query is exact field=value pairs.
* ``ignore_queries``: every read returns every row of the table (an instance that drops unknown query fields), so a
  module's exact matching in Python is what a test checks. ``fold_case``: values compare case-insensitively.
* ``refuse``: tables the account may not read (403); an optional batch item of such a table reads as None, as
  ``ServiceNowClient.batch_get`` promises. ``rewrite``: fields the instance sets on every saved record.
* Business rules: ``on_create(fake, table, row)`` runs after an insert (the default OAuth profile),
  ``before_update(fake, table, sys_id, payload)`` before an update (raise to refuse it, as an abort does) and
  ``after_update(fake, table, row)`` after one.
* ``reads``: per table, the row lists successive reads return in turn (the last one repeats): a record that changes
  between reads (an install in progress).
* ``answers``: other APIs (CI/CD), ``{(method, path prefix): [answer, ...]}`` given in turn (the last one repeats); an
  answer is the JSON body, an exception to raise, or a callable ``answer(fake, method, path, body)`` returning
  the body (what the call changes on the instance, an activation say).
* ``auth``, ``grant_type``: how the client signed in (``ServiceNowClient.auth``).

Calls: ``("GET", table, query)``, ``("BATCH", ((table, query), ...))``, ``("POST", table, payload)``,
``("PATCH", table, sys_id, payload)``, ``("DELETE", table, sys_id)`` and ``(method, path, body)`` for other APIs;
``reads_asked``: ``(table, query, fields, limit)`` of every read, batch items included.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import RetryPolicy, TransportError

HOST = "sn.example.test"  # host[:port], as ServiceNowClient.host and every message name the instance

# Reference columns a query or a field may dot-walk through: column -> table.
REFERENCES = {"oauth_entity": "oauth_entity", "sys_scope": "sys_scope", "user": "sys_user", "role": "sys_user_role",
              "oauth_entity_profile": "oauth_entity_profile", "connection_alias": "sys_alias"}

TERM_RE = re.compile(r"^([a-z0-9_.]+?)(=|IN|LIKE|STARTSWITH)(.*)$")


class FakeResponse:
    def __init__(self, payload, status=200):
        self.payload = payload
        self.status = status

    def json(self):
        return self.payload


def refused(method, table, host=HOST):
    """The TransportError a real client raises when the instance's ACLs refuse a table (403)."""
    return TransportError("ServiceNow %s /api/now/table/%s on %s failed with HTTP 403." % (method, table, host),
                          status=403, method=method, url="https://%s/api/now/table/%s" % (host, table))


class FakeInstance:
    apply_plan = ServiceNowClient.apply_plan  # the real one, on this fake's create/update/delete
    call_json = ServiceNowClient.call_json    # the real one, on this fake's request()
    host = HOST
    base_url = "https://" + HOST

    def __init__(self, tables=None, ignore_queries=False, fold_case=False, rewrite=None, refuse=(), on_create=None,
                 reads=None, answers=None, auth="basic", grant_type=None, sys_id=None, before_update=None,
                 after_update=None):
        self.tables = dict((k, [dict(r) for r in v]) for k, v in (tables or {}).items())
        self.ignore_queries = ignore_queries
        self.fold_case = fold_case
        self.rewrite = rewrite or {}
        self.refuse = set(refuse)
        self.on_create = on_create
        self.before_update = before_update
        self.after_update = after_update
        self.reads = dict((k, list(v)) for k, v in (reads or {}).items())
        self.answers = dict((k, list(v)) for k, v in (answers or {}).items())
        self.auth = auth
        self.grant_type = grant_type
        self.sys_id = sys_id  # every created record gets this sys_id (else 000...1, 000...2, ...)
        self.calls = []
        self.lookups = []
        self.reads_asked = []
        self.secrets_registered = []
        self.counter = 0
        self.waits = []

    def add_secret(self, value):
        self.secrets_registered.append(value)

    # -- query evaluation -------------------------------------------------------------------------------------------
    def value(self, row, field):
        if "." in field and field not in row:  # a row may hold a dot-walked value as it comes back (role.name)
            ref_field, sub = field.split(".", 1)
            for other in self.tables.get(REFERENCES.get(ref_field), []):
                if other.get("sys_id") == row.get(ref_field):
                    return self.value(other, sub)
            return None
        return row.get(field)

    def _same(self, a, b):
        a, b = records.normalize(a), records.normalize(b)
        return a.lower() == b.lower() if self.fold_case else a == b

    def _term(self, row, term):
        match = TERM_RE.match(term)
        if not match:
            raise AssertionError("the fake does not know the query term %r" % term)
        field, op, expected = match.groups()
        actual = self.value(row, field)
        if op == "=":
            return self._same(actual, expected)
        if op == "IN":
            return any(self._same(actual, item) for item in expected.split(","))
        text, needle = records.normalize(actual), expected
        if self.fold_case:
            text, needle = text.lower(), needle.lower()
        return needle in text if op == "LIKE" else text.startswith(needle)

    def matches(self, row, query):
        if not query or self.ignore_queries:
            return True
        if isinstance(query, dict):
            return all(self._same(self.value(row, k), v) for k, v in query.items())
        for part in query.replace("^OR", "|").split("^"):
            if not any(self._term(row, alt) for alt in part.split("|")):
                return False
        return True

    def select(self, table, query, fields=None, limit=10):
        self.reads_asked.append((table, query, tuple(fields) if fields is not None else None, limit))
        if table in self.reads:
            queue = self.reads[table]
            rows = queue.pop(0) if len(queue) > 1 else queue[0]
        else:
            rows = self.tables.get(table, [])
        rows = [r for r in rows if self.matches(r, query)][:limit]
        if fields is None:
            return [dict(r) for r in rows]
        return [dict((f, self.value(r, f) if self.value(r, f) is not None else "") for f in fields) for r in rows]

    # -- the ServiceNowClient surface ---------------------------------------------------------------------------
    def get_records(self, table, query=None, fields=None, limit=10):
        self.calls.append(("GET", table, query))
        if table in self.refuse:
            raise refused("GET", table)
        return self.select(table, query, fields, limit)

    def batch_get(self, requests):
        items = [r if isinstance(r, dict) else dict(zip(("id", "table", "query", "fields", "limit"), r))
                 for r in requests]
        self.calls.append(("BATCH", tuple((i["table"], i.get("query")) for i in items)))
        out = []
        for item in items:
            if item["table"] in self.refuse:
                if not item.get("optional"):
                    raise refused("GET", item["table"])
                out.append(None)
                continue
            out.append(self.select(item["table"], item.get("query"), item.get("fields"), item.get("limit") or 10))
        return out

    def _new_sys_id(self):
        self.counter += 1
        return self.sys_id or "{0:x}".format(self.counter).rjust(32, "0")

    def create(self, table, payload, fields=None, lookup=None):
        self.calls.append(("POST", table, dict(payload)))
        self.lookups.append(lookup)
        row = dict((k, records.normalize(v)) for k, v in payload.items())
        row["sys_id"] = self._new_sys_id()
        row.update(self.rewrite)
        self.tables.setdefault(table, []).append(row)
        if self.on_create:
            self.on_create(self, table, row)
        return dict((k, v) for k, v in row.items() if fields is None or k in fields)

    def update(self, table, sys_id, payload, fields=None):
        self.calls.append(("PATCH", table, sys_id, dict(payload)))
        if self.before_update:
            self.before_update(self, table, sys_id, payload)
        for row in self.tables.get(table, []):
            if row["sys_id"] == sys_id:
                row.update((k, records.normalize(v)) for k, v in payload.items())
                row.update(self.rewrite)
                saved = dict(row)
                if self.after_update:
                    self.after_update(self, table, row)
                return saved
        raise AssertionError("no record %s in %s" % (sys_id, table))

    def recover_create(self, post, lookup):
        """The real recovery of a lost answer (RetryPolicy.create), without waiting; the waits are in ``self.waits``."""
        return RetryPolicy().create(post, lookup, sleep=self.waits.append, settle=5)

    def delete(self, table, sys_id):
        self.calls.append(("DELETE", table, sys_id))
        before = len(self.tables.get(table, []))
        self.tables[table] = [r for r in self.tables.get(table, []) if r["sys_id"] != sys_id]
        return len(self.tables[table]) != before

    def request(self, method, path, params=None, json=None, expected=None, retry=None, headers=None):
        self.calls.append((method, path, json))
        keys = [k for k in self.answers if k[0] == method and path.startswith(k[1])]
        if not keys:
            raise AssertionError("the fake has no answer for %s %s" % (method, path))
        queue = self.answers[max(keys, key=lambda k: len(k[1]))]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(self, method, path, json)
        return FakeResponse(answer)

    # -- for assertions ------------------------------------------------------------------------------------------------
    def writes(self):
        """Table API writes (POST/PATCH/DELETE on a table)."""
        return [c for c in self.calls if c[0] in ("POST", "PATCH", "DELETE") and not str(c[1]).startswith("/")]

    def batch_tables(self):
        """The tables of each Batch API call, in order."""
        return [tuple(table for table, _query in c[1]) for c in self.calls if c[0] == "BATCH"]

    def api_calls(self):
        """Calls to APIs other than the Table API (``(method, path, body)``)."""
        return [c for c in self.calls if str(c[1]).startswith("/")]


class FakeModule:
    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)
