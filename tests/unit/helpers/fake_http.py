# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A fake HTTP layer for unit tests: it replaces ``requests.adapters.HTTPAdapter.send`` so every Session (the
transport's included) talks to it instead of the network, while everything above the adapter (requests' merging of
``verify``/``proxies`` with the environment, headers, auth, timeouts) runs for real.

Use the ``fake_http`` fixture from tests/unit/conftest.py::

    def test_x(fake_http):
        fake_http.add("GET", "/api/now/table/sys_alias", json={"result": []})
        fake_http.add("GET", "/api/now/table/x", status=503, headers={"Retry-After": "2"})
        fake_http.add("POST", "/oauth_token.do", exc=requests.exceptions.ConnectionError("refused"))
        ... fake_http.calls[0].verify, .headers, .params, .json, .form

A route answers in order (each ``add`` queues one answer; the last one repeats). ``handler=callable(call)``
computes an answer (a FakeAnswer, a (status, json) tuple, or raises). Unrouted requests answer 599 and are recorded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json as _json

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit  # type: ignore

import requests
from requests.structures import CaseInsensitiveDict


class FakeAnswer:
    def __init__(self, status=200, json=None, text=None, headers=None, exc=None):
        self.status = status
        self.json = json
        self.text = text
        self.headers = headers or {}
        self.exc = exc


class Call:
    """One request as the adapter saw it."""

    def __init__(self, prepared, kwargs):
        self.method = prepared.method
        self.url = prepared.url
        parts = urlsplit(prepared.url)
        self.host = parts.netloc
        self.path = parts.path
        self.params = dict((k, v[0]) for k, v in parse_qs(parts.query, keep_blank_values=True).items())
        self.headers = CaseInsensitiveDict(prepared.headers)
        body = prepared.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        self.body = body or ""
        self.verify = kwargs.get("verify")
        self.cert = kwargs.get("cert")
        self.proxies = kwargs.get("proxies")
        self.timeout = kwargs.get("timeout")

    @property
    def json(self):
        return _json.loads(self.body) if self.body else None

    @property
    def form(self):
        return dict((k, v[0]) for k, v in parse_qs(self.body, keep_blank_values=True).items())

    def __repr__(self):
        return "Call({0} {1})".format(self.method, self.path)


class FakeHTTP:
    def __init__(self):
        self.routes = {}
        self.handlers = {}
        self.calls = []

    def add(self, method, path, status=200, json=None, text=None, headers=None, exc=None):
        self.routes.setdefault((method.upper(), path), []).append(FakeAnswer(status, json, text, headers, exc))
        return self

    def handle(self, method, path, handler):
        self.handlers[(method.upper(), path)] = handler
        return self

    def requests_to(self, path=None, method=None):
        return [c for c in self.calls if (path is None or c.path == path) and (method is None or c.method == method)]

    def _answer(self, call):
        key = (call.method, call.path)
        if key in self.handlers:
            answer = self.handlers[key](call)
            if isinstance(answer, tuple):
                answer = FakeAnswer(answer[0], answer[1] if len(answer) > 1 else None)
            return answer
        queue = self.routes.get(key)
        if not queue:
            return FakeAnswer(599, text="no fake route for {0} {1}".format(call.method, call.path))
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def send(self, adapter, prepared, **kwargs):
        call = Call(prepared, kwargs)
        self.calls.append(call)
        answer = self._answer(call)
        if answer.exc is not None:
            raise answer.exc
        response = requests.Response()
        response.status_code = answer.status
        response.reason = {200: "OK", 201: "Created", 204: "No Content"}.get(answer.status, "Error")
        headers = CaseInsensitiveDict(answer.headers)
        if answer.json is not None:
            content = _json.dumps(answer.json).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            content = (answer.text or "").encode("utf-8")
        response._content = content
        response.headers = headers
        response.url = prepared.url
        response.request = prepared
        response.encoding = "utf-8"
        response.connection = adapter
        return response

    def install(self, monkeypatch):
        fake = self

        def send(adapter, request, **kwargs):
            return fake.send(adapter, request, **kwargs)

        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
        return self
