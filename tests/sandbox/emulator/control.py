"""The sandbox control plane: request log, counters, fault rules, latency, and the ``/__sandbox/`` API.

It is shared by every port (the API answers the same on all of them) and is not part of any emulated service:
its own requests are never logged as service traffic. The fault and performance suites build on it, so the rules
are deliberately simple: the first rule that matches a request (and still has uses left) decides what happens.
"""

import itertools
import json
import re
import threading
import time
from urllib.parse import unquote

from .http import Headers, Response, empty_response, json_response

PREFIX = "/__sandbox"
LOG_LIMIT = 200000  # entries kept; older ones are dropped (seq numbers keep rising)


class FaultRule:
    """One fault rule. ``times`` uses are left (None = unlimited)."""

    FIELDS = ("id", "service", "method", "path", "status", "retry_after", "body", "headers", "times", "delay_ms", "drop", "hits")

    def __init__(self, rule_id, spec):
        self.id = rule_id
        self.service = spec.get("service")
        self.method = (spec.get("method") or "").upper() or None
        self.path = spec.get("path") or ".*"
        self.pattern = re.compile(self.path)
        self.status = int(spec["status"]) if spec.get("status") is not None else None
        self.retry_after = spec.get("retry_after")
        self.body = spec.get("body")
        self.headers = dict(spec.get("headers") or {})
        self.times = spec.get("times", 1)
        self.times = None if self.times in (None, 0) else int(self.times)
        self.delay_ms = int(spec.get("delay_ms") or 0)
        self.drop = bool(spec.get("drop"))
        self.hits = 0
        if self.status is None and not self.delay_ms and not self.drop:
            raise ValueError("a fault rule needs at least one of status, delay_ms or drop")

    def matches(self, service, method, path):
        if self.times is not None and self.hits >= self.times:
            return False
        if self.service and self.service != service:
            return False
        if self.method and self.method != method:
            return False
        return bool(self.pattern.search(path))

    def response(self):
        headers = Headers(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        if self.body is None:
            payload = {"error": {"message": "Injected fault", "detail": "sandbox fault rule %s" % self.id}, "status": "failure"}
            return json_response(self.status, payload, headers)
        if isinstance(self.body, (dict, list)):
            return json_response(self.status, self.body, headers)
        headers.setdefault("content-type", "text/plain;charset=UTF-8")
        return Response(self.status, str(self.body).encode("utf-8"), headers)

    def describe(self):
        out = {name: getattr(self, name) for name in self.FIELDS}
        out["remaining"] = None if self.times is None else max(self.times - self.hits, 0)
        return out


class Fault:
    """What the server must do for one request: ``delay`` seconds first, then ``drop``, or answer ``response``."""

    def __init__(self, delay=0.0, drop=False, response=None, rule_id=None):
        self.delay = delay
        self.drop = drop
        self.response = response
        self.rule_id = rule_id


class ControlPlane:
    def __init__(self, services, latency_ms=0):
        self.services = services  # name -> service object
        self.latency_ms = latency_ms
        self.startup_latency_ms = latency_ms  # what restore puts back (sandbox.json "latency_ms")
        self.info = {}  # the sandbox.json document, filled in by serve.py
        self.lock = threading.Lock()
        self.log = []
        self.seq = itertools.count(1)
        self.last_seq = 0  # seq of the newest entry ever logged (a cleared log keeps it)
        self.counters = {}
        self.faults = []
        self.fault_ids = itertools.count(1)

    # --- hooks the server calls around every service request ---

    def fault_for(self, service, method, path):
        with self.lock:
            for rule in self.faults:
                if rule.matches(service, method, path):
                    rule.hits += 1
                    response = rule.response() if rule.status is not None else None
                    return Fault(rule.delay_ms / 1000.0, rule.drop, response, rule.id)
        return None

    def record(self, service, request, status, duration_ms, batch_item=False, fault=None):
        entry = {
            "service": service, "method": request.method, "path": request.path,
            "query": "&".join("%s=%s" % (k, v) for k, values in request.query.items() for v in values),
            "status": status, "duration_ms": round(duration_ms, 2), "principal": request.principal or "",
            "batch_item": batch_item, "time": time.time(),
        }
        if fault is not None:
            entry["fault"] = fault
        with self.lock:
            entry["seq"] = self.last_seq = next(self.seq)
            self.log.append(entry)
            if len(self.log) > LOG_LIMIT:
                del self.log[: len(self.log) - LOG_LIMIT]
            per = self.counters.setdefault(service, {"requests": 0, "by_status": {}, "by_method": {}})
            per["requests"] += 1
            key = str(status)
            per["by_status"][key] = per["by_status"].get(key, 0) + 1
            per["by_method"][request.method] = per["by_method"].get(request.method, 0) + 1

    def run_inner(self, service, request, handler):
        """Run a batch item (``handler(request) -> Response``) with faults and logging, as a service request."""
        started = time.monotonic()
        fault = self.fault_for(service, request.method, request.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.response is not None:
            response = fault.response
        else:
            response = handler(request)
        self.record(service, request, response.status, (time.monotonic() - started) * 1000, batch_item=True,
                    fault=fault.rule_id if fault else None)
        return response

    # --- the /__sandbox/ API ---

    def handle(self, request):
        route = request.path[len(PREFIX):].strip("/")
        parts = [unquote(p) for p in route.split("/")] if route else []
        method = request.method
        try:
            body = request.json() if request.body else {}
        except ValueError:
            return json_response(400, {"error": "the body must be JSON"})
        body = body or {}
        try:
            return self._dispatch(method, parts, request, body)
        except (KeyError, ValueError, TypeError, re.error) as err:
            return json_response(400, {"error": "bad control request: %s" % err})

    def _dispatch(self, method, parts, request, body):
        head = parts[0] if parts else ""
        if head in ("", "info") and method == "GET":
            return json_response(200, self.info)
        if head == "log" and method == "GET" and parts[1:] == ["seq"]:
            with self.lock:
                return json_response(200, {"seq": self.last_seq})
        if head == "log" and method == "GET" and len(parts) == 1:
            return json_response(200, self._log_query(request))
        if head == "log" and method == "DELETE" and len(parts) == 1:
            with self.lock:
                self.log = []
            return empty_response(204)
        if head == "counters" and method == "GET":
            with self.lock:
                return json_response(200, json.loads(json.dumps(self.counters)))
        if head == "counters" and method == "DELETE":
            with self.lock:
                self.counters = {}
            return empty_response(204)
        if head == "faults":
            return self._faults(method, parts, body)
        if head == "latency" and method in ("GET", "POST"):
            if method == "POST":
                self.latency_ms = int(body.get("ms", 0))
            return json_response(200, {"ms": self.latency_ms})
        if head == "expire-tokens" and method == "POST":
            names = self._service_names(body.get("service"))
            for name in names:
                self.services[name].expire_tokens()
            return json_response(200, {"expired": names})
        if head == "reset" and method == "POST":
            names = self._service_names(body.get("service"))
            for name in names:
                self.services[name].reset()
            if not body.get("service"):
                with self.lock:
                    self.faults = []
            return json_response(200, {"reset": names})
        if head == "restore" and method == "POST" and len(parts) == 1:
            return json_response(200, self.restore(body))
        if head == "state" and method == "GET":
            names = self._service_names(request.arg("service"))
            return json_response(200, {name: self.services[name].snapshot() for name in names})
        if head == "services" and method == "GET" and len(parts) == 1:
            return json_response(200, sorted(self.services))
        if head == "services" and len(parts) == 3 and parts[2] == "flags" and method in ("GET", "POST"):
            service = self.services.get(parts[1])
            if service is None:
                return json_response(404, {"error": "no service named %s" % parts[1]})
            return json_response(200, service.set_flags(body if method == "POST" else {}))
        return json_response(404, {"error": "no control endpoint %s %s" % (method, request.path)})

    def state_group(self, name):
        """``name`` and the services sharing its state (the Camunda SaaS trio, keycloak + sm_cluster), sorted."""
        shared = getattr(self.services[name], "state", None)
        if shared is None:
            return [name]
        return sorted(other for other, service in self.services.items() if getattr(service, "state", None) is shared)

    def restore(self, body):
        """Put services back to their start-up state (README "Restoring the start-up state").

        ``body``: ``{}`` (everything), ``{"service": name}`` or ``{"services": [names]}``. Each named service
        brings the services that share its state along. Removed: the fault rules aimed at a restored service and the
        rules without ``service`` (they apply to it too); with everything, every rule. The latency goes back to
        the start-up latency. The request log, its seq and the counters are kept.
        """
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        if body.get("service") and body.get("services"):
            raise ValueError("give service or services, not both")
        requested = body.get("services")
        if requested is None:
            requested = [body["service"]] if body.get("service") else []
        if not isinstance(requested, list) or not all(isinstance(n, str) and n for n in requested):
            raise ValueError("services must be a list of service names")
        everything = not requested
        names = set()
        for name in requested or sorted(self.services):
            if name not in self.services:
                raise KeyError("no service named %s" % name)
            names.update(self.state_group(name))
        names = sorted(names)
        done = set()
        for name in names:  # one reset per shared state
            shared = getattr(self.services[name], "state", None)
            key = id(self.services[name] if shared is None else shared)
            if key not in done:
                done.add(key)
                self.services[name].reset()
        with self.lock:
            removed = [r.id for r in self.faults if everything or not r.service or r.service in names]
            self.faults = [r for r in self.faults if r.id not in removed]
            self.latency_ms = self.startup_latency_ms
            seq = self.last_seq
        return {"restored": names, "faults_removed": removed, "latency_ms": self.latency_ms,
                "flags": {name: self.services[name].set_flags({}) for name in names}, "seq": seq}

    def _service_names(self, name):
        if not name:
            return sorted(self.services)
        if name not in self.services:
            raise KeyError("no service named %s" % name)
        return [name]

    def _log_query(self, request):
        services = set(filter(None, (request.arg("service") or "").split(",")))
        method = (request.arg("method") or "").upper()
        since = int(request.arg("since", "0"))
        tail = request.arg("tail")
        tail = int(tail) if tail not in (None, "") else None
        if tail is not None and tail < 0:
            raise ValueError("tail must be 0 or more")
        path = request.arg("path")
        pattern = re.compile(path) if path else None
        with self.lock:
            rows = [dict(e) for e in self.log if e["seq"] > since]
        rows = [e for e in rows if (not services or e["service"] in services) and (not method or e["method"] == method)
                and (pattern is None or pattern.search(e["path"]))]
        if tail is not None:
            rows = rows[-tail:] if tail else []
        return rows

    def _faults(self, method, parts, body):
        with self.lock:
            if method == "GET":
                return json_response(200, [rule.describe() for rule in self.faults])
            if method == "POST" and len(parts) == 1:
                specs = body if isinstance(body, list) else [body]
                created = []
                for spec in specs:
                    rule = FaultRule(next(self.fault_ids), spec)
                    self.faults.append(rule)
                    created.append(rule.describe())
                return json_response(201, created if isinstance(body, list) else created[0])
            if method == "DELETE" and len(parts) == 1:
                self.faults = []
                return empty_response(204)
            if method == "DELETE" and len(parts) == 2:
                before = len(self.faults)
                self.faults = [r for r in self.faults if str(r.id) != parts[1]]
                return empty_response(204 if len(self.faults) < before else 404)
        return json_response(404, {"error": "no control endpoint %s faults" % method})
