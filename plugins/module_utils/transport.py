# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One HTTP transport for every module of the collection (ServiceNow and Camunda alike).

One ``requests.Session`` per module run (keep-alive, one TLS handshake per host), (connect, read) timeouts,
``verify=`` passed on every request (``REQUESTS_CA_BUNDLE`` must not override ``ca_path``/``validate_certs``),
client certificates, a proxy, custom headers on every request (token requests included), ONE retry policy
(:class:`RetryPolicy`: which failures and methods are retried, ``Retry-After``, a capped exponential backoff, a total
time bound) that every service uses, Camunda's wait for a cluster that is not ready included, and ONE error type whose text is one sentence a user can act on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import json as _json
import os
import re
import time
import traceback

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover  (Python 2 is not supported, this keeps the import sanity test quiet)
    from urlparse import urlsplit, urlunsplit  # type: ignore

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


USER_AGENT = "ansible-collection-camunda.servicenow"

# The one retry policy of the collection (RetryPolicy below applies it; docs/reliability.md explains it).
# Statuses worth another attempt for a request that is safe to repeat.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# A 500 is retried on reads, on requests the caller declares safe to repeat (token requests, reads sent as POST) and
# on idempotent writes (repeating a PUT, PATCH or DELETE leaves the same state whether or not the first one was
# carried out). A create (POST) that failed with 500 may have been carried out, so only a lookup by its natural key
# may decide (RetryPolicy.create).
READ_RETRY_STATUSES = RETRY_STATUSES | frozenset((500,))
# Reads: retried on READ_RETRY_STATUSES, connection errors and timeouts.
READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# Idempotent writes: retried on READ_RETRY_STATUSES, connection errors and timeouts (repeating them changes nothing).
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
# 429 means the service refused the request before doing anything: retried for every method, POST included.
REFUSED_UNDONE_STATUSES = frozenset((429,))
# Never retried, whatever the caller asks: a wrong credential does not get better (and token services punish loops).
NEVER_RETRY_STATUSES = frozenset((400, 401, 403, 404))
# A request that timed out (the host hangs) is tried at most this many more times: each attempt costs the whole
# timeout, so "timeout: 5" against a hanging host gives up after about 2 x 5 s plus one backoff, not 5 attempts.
TIMEOUT_RETRIES = 1
# No retry starts once this many seconds have passed since the first attempt (waits included).
DEFAULT_TIME_LIMIT = 120.0
# Waiting for a state to change (Camunda's 412 "cluster not ready"): backoff from 2 s doubling up to 15 s.
WAIT_BACKOFF_BASE = 2.0
WAIT_BACKOFF_CAP = 15.0

SECRET_MASK = "********"
# Query parameters and JSON/form keys whose values are never shown.
SENSITIVE_NAME_RE = re.compile(r"(pass(word)?|secret|token|api[_-]?key|apikey|authorization|credential|assertion|code)", re.I)

DEFAULT_HINTS = {
    400: "check the values sent to {service}",
    401: "check the credentials ({service} did not accept them)",
    403: "check that the user or client has the role/scope this call needs",
    404: "check the host, the path and that the object exists",
    405: "check the host and the API path",
    409: "the object changed meanwhile, run the task again",
    412: "a precondition failed (for Camunda: the cluster may not be ready yet)",
    413: "the request is too large",
    415: "check the content type",
    429: "{service} rate-limited the requests, wait and try again or lower the request rate",
    500: "{service} had an internal error, check its logs",
    502: "{service} or a proxy in front of it is unavailable, try again later",
    503: "{service} is unavailable (maintenance or hibernation?), try again later",
    504: "{service} or a proxy in front of it timed out, try again later",
}


class TransportError(Exception):
    """The one error type of the transport. ``str(err)`` is one sentence: what failed, where, what to check.

    Attributes: message, status (int or None for network errors), method, url (no query string), host, path,
    retry_after (seconds or None), service_message, service_detail, kind ("http", "tls", "connection",
    "timeout", "proxy", "decode").
    """

    def __init__(self, message, status=None, method=None, url=None, retry_after=None, service_message=None,
                 service_detail=None, kind="http"):
        super(TransportError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.retry_after = retry_after
        self.service_message = service_message
        self.service_detail = service_detail
        self.kind = kind
        # The last HTTP response (for an "http" error) or the requests exception (network errors): the transport
        # rebuilds the sentence from them when it gives up after several attempts. Never shown.
        self.response = None
        self.cause = None
        parts = urlsplit(url or "")
        self.host = parts.netloc
        self.path = parts.path

    def __str__(self):
        return self.message

    def to_fail_json(self):
        """Keyword arguments for ``module.fail_json`` (msg plus non-secret debugging facts)."""
        return dict(msg=self.message, status=self.status, method=self.method, url=self.url)


class Response:
    """What ``Transport.request`` returns: status, case-insensitive headers, text and ``json()``."""

    def __init__(self, status, headers, text, method=None, url=None, content=b""):
        self.status = status
        self.headers = headers
        self.text = text
        self.method = method
        self.url = url
        self.content = content

    def json(self):
        """The body parsed as JSON; a TransportError (kind "decode") when it is not JSON."""
        if not self.text:
            return None
        try:
            return _json.loads(self.text)
        except ValueError:
            parts = urlsplit(self.url or "")
            raise TransportError(
                "{0} {1} on {2} returned HTTP {3} with a body that is not JSON ({4}); check that the host is the "
                "service's address and not a login page or a proxy".format(
                    self.method, parts.path or "/", parts.netloc, self.status, _describe_non_json(self)),
                status=self.status, method=self.method, url=strip_query(self.url), kind="decode")


# ----------------------------------------------------------------------------------------------------------------
# Helpers (pure, unit-tested)

def strip_query(url):
    """The URL without query string or fragment (queries can carry secrets)."""
    if not url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def redact_text(text, secrets=()):
    """Mask known secret values and ``name=value`` pairs whose name looks secret."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(str(secret)) >= 3:
            text = text.replace(str(secret), SECRET_MASK)
    text = re.sub(r"(?i)\b([\w.-]*(?:pass(?:word)?|secret|token|api[_-]?key|apikey|assertion)[\w.-]*)=([^&\s'\"]+)",
                  r"\1=" + SECRET_MASK, text)
    text = re.sub(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}", r"\1 " + SECRET_MASK, text)
    return text


def _clean(text, limit=300):
    """One line of printable text, at most ``limit`` characters."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        text = str(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit - 3].rstrip() + "..."
    return text or None


def _describe_non_json(response):
    content_type = (response.headers or {}).get("Content-Type", "") if response.headers is not None else ""
    if "html" in content_type.lower() or (response.text or "").lstrip()[:1] == "<":
        return "an HTML page"
    return "content type {0}".format(content_type or "unknown")


def parse_service_error(response):
    """The service's own words in an error response, as ``(message, detail)`` (either may be None).

    Understands the ServiceNow envelope ``{"error": {"message", "detail"}}``, OAuth errors
    ``{"error", "error_description"}``, RFC 9457 problem details ``{"title", "detail"}``, a few other common JSON
    shapes (``message``, ``errorMessage``, ``errors[]``), and a short plain-text body. HTML pages are ignored.
    """
    text = response.text or ""
    data = None
    if text.strip()[:1] in ("{", "["):
        try:
            data = _json.loads(text)
        except ValueError:
            data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):  # ServiceNow (and Keycloak-ish) envelope
            return _clean(error.get("message")), _clean(error.get("detail") or error.get("description"))
        if isinstance(error, str):  # OAuth 2 (RFC 6749 section 5.2) / Keycloak
            return _clean(error), _clean(data.get("error_description"))
        if data.get("title") or data.get("detail"):  # RFC 9457 / 7807 problem details
            return _clean(data.get("title")), _clean(data.get("detail"))
        for key in ("message", "errorMessage", "error_message", "msg"):
            if isinstance(data.get(key), str) and data.get(key):
                return _clean(data[key]), _clean(data.get("details") if isinstance(data.get("details"), str) else None)
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, dict):
                first = first.get("message") or first.get("detail") or first.get("title")
            return _clean(first), None
        return None, None
    if data is not None:
        return None, None
    if not text.strip() or _describe_non_json(response) == "an HTML page":
        return None, None
    return _clean(text, 200), None


def parse_retry_after(value, now=None):
    """``Retry-After`` (delay-seconds or an HTTP date) as seconds from now (>= 0), or None when absent/invalid."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    current = now() if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def backoff_delay(attempt, base=1.0, cap=30.0):
    """Delay before retry number ``attempt`` (0-based): ``base * 2**attempt`` capped at ``cap``."""
    return min(float(cap), float(base) * (2 ** attempt))


def transport_error_of(error):
    """The TransportError behind ``error``: itself, or the one a service error was raised from (``raise ... from``
    or raised while handling it), else None."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, TransportError):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


class RetryPolicy:
    """The one retry policy: which failures are tried again, how long to wait, and when to stop.

    * What is retried (``retryable``): a read (GET/HEAD/OPTIONS) or a request declared safe to repeat
      (``retry=True``: token requests, reads sent as POST) on 429/500/502/503/504; an idempotent write
      (PUT/PATCH/DELETE) on the same statuses; any method on 429 (refused before anything was done); connection
      errors and timeouts for every method but POST. A POST is otherwise never repeated blindly: the caller looks the
      record up first (:meth:`create`). 400/401/403/404 are never retried; TLS errors neither.
    * How long to wait (``delay``): ``Retry-After`` when the service sends it (seconds or an HTTP date), else
      ``base * 2**attempt`` capped at ``cap``; a ``Retry-After`` longer than ``cap`` is not waited for (fail now,
      saying how long the service asked for).
    * When to stop: after ``max_retries`` retries, after ``timeout_retries`` retries of a timed-out attempt, or when
      the next wait would end more than ``time_limit`` seconds after the first attempt.

    :meth:`run` is the one loop (the transport's own retries, Camunda's wait for a cluster that is not ready, a
    create's look-again-then-retry) so every service follows the same rules.
    """

    def __init__(self, max_retries=4, backoff_base=1.0, backoff_cap=30.0, time_limit=DEFAULT_TIME_LIMIT,
                 timeout_retries=TIMEOUT_RETRIES):
        self.max_retries = None if max_retries is None else int(max_retries)
        self.backoff_base = float(backoff_base)
        self.backoff_cap = float(backoff_cap)
        self.time_limit = None if time_limit is None else float(time_limit)
        self.timeout_retries = int(timeout_retries)

    def copy(self, **changes):
        values = dict(max_retries=self.max_retries, backoff_base=self.backoff_base, backoff_cap=self.backoff_cap,
                      time_limit=self.time_limit, timeout_retries=self.timeout_retries)
        values.update(changes)
        return RetryPolicy(**values)

    def waiting(self, time_limit):
        """The same policy for waiting on a state that takes time to change (Camunda answers 412 while a cluster is
        not ready): no attempt limit, a slower backoff (2 s doubling up to 15 s); only ``time_limit`` stops it."""
        return self.copy(max_retries=None, backoff_base=WAIT_BACKOFF_BASE, backoff_cap=WAIT_BACKOFF_CAP,
                         time_limit=time_limit)

    @staticmethod
    def lost_write(error):
        """True when a write failed in a way that may hide a success (a 5xx, a 429, a dropped connection or a
        timeout): only a lookup by the record's natural key can say what happened."""
        if error.kind in ("connection", "timeout"):
            return True
        return error.kind == "http" and error.status in READ_RETRY_STATUSES

    @staticmethod
    def retryable(method, error, retry=None, retry_statuses=None):
        """True when ``error`` (a TransportError) of a ``method`` request may be tried again.

        ``retry``: None decides by the method, True declares the request safe to repeat (a token request, a read
        sent as POST), False never retries. ``retry_statuses`` replaces the status set (never 400/401/403/404)."""
        method = (method or "").upper()
        if retry is False:
            return False
        safe = retry is True or method in READ_METHODS
        if error.kind in ("connection", "timeout"):
            return safe or method in IDEMPOTENT_METHODS
        if error.kind != "http" or error.status is None or error.status in NEVER_RETRY_STATUSES:
            return False
        if retry_statuses is not None:
            statuses = frozenset(retry_statuses) - NEVER_RETRY_STATUSES
        elif safe:
            statuses = READ_RETRY_STATUSES
        elif method in IDEMPOTENT_METHODS:
            statuses = READ_RETRY_STATUSES
        else:
            statuses = REFUSED_UNDONE_STATUSES
        return error.status in statuses

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (0-based), or None when the service asks for a wait
        longer than the cap (the caller fails at once)."""
        if retry_after is not None:
            return float(retry_after) if retry_after <= self.backoff_cap else None
        return backoff_delay(attempt, self.backoff_base, self.backoff_cap)

    def look_again(self, lookup, error, sleep=time.sleep, settle=0.0):
        """After a write whose answer may have been lost: ``lookup()`` (the record by its natural key, None when absent).

        A reply that timed out may belong to a request the server is still working on (its transaction goes on after
        the client gave up), so when the write timed out an absent record is looked up again, with the policy's
        backoff, until it has waited ``settle`` seconds (the caller passes its read timeout: a server that has not
        committed one more timeout later is taken to have dropped the request)."""
        found = lookup()
        cause = transport_error_of(error)
        if found is not None or not settle or cause is None or cause.kind != "timeout":
            return found
        waited = 0.0
        attempt = 0
        while found is None and waited < float(settle):
            delay = min(backoff_delay(attempt, self.backoff_base, self.backoff_cap), float(settle) - waited)
            sleep(delay)
            waited += delay
            attempt += 1
            found = lookup()
        return found

    def create(self, post, lookup, sleep=time.sleep, clock=time.time, settle=0.0, errors=None):
        """``post()`` a new record; when it fails in a way that may hide a success (:meth:`lost_write`), wait as the
        policy says, :meth:`look_again` for the record, return what ``lookup`` found, and post again only when the
        record is still absent. The one way every create of the collection recovers a lost answer."""

        def lost(err):
            cause = transport_error_of(err)
            return cause is not None and self.lost_write(cause)
        return self.run(post, lost, sleep=sleep, clock=clock, errors=errors,
                        on_retry=lambda err: self.look_again(lookup, err, sleep=sleep, settle=settle))

    def run(self, call, retryable, sleep=time.sleep, clock=time.time, on_retry=None, gave_up=None,
            errors=None):
        """``call()`` until it returns, retrying a TransportError for which ``retryable(err)`` is true within the
        limits above. ``on_retry(err)`` runs after each wait and before the next attempt; a result other than None
        is returned at once (a create whose lookup now finds the record). ``gave_up(err, attempts, elapsed)``
        may return the error to raise when the policy stops after more than one attempt. ``errors`` are the
        exception types considered (default TransportError; a service error that wraps one, raised from it, is
        judged by the TransportError it wraps)."""
        started = clock()
        attempt = 0
        timeouts = 0
        catch = tuple(errors) if errors else (TransportError,)
        while True:
            try:
                return call()
            except catch as err:
                stop = not retryable(err)
                delay = None
                if not stop:
                    if transport_error_of(err) is not None and transport_error_of(err).kind == "timeout":
                        timeouts += 1
                        stop = timeouts > self.timeout_retries
                    if self.max_retries is not None and attempt >= self.max_retries:
                        stop = True
                if not stop:
                    delay = self.delay(attempt, getattr(transport_error_of(err), "retry_after", None))
                    stop = delay is None or (self.time_limit is not None
                                             and clock() - started + delay > self.time_limit)
                if stop:
                    if attempt and gave_up is not None:
                        raise gave_up(err, attempt + 1, clock() - started)
                    raise
                sleep(delay)
                attempt += 1
                if on_retry is not None:
                    found = on_retry(err)
                    if found is not None:
                        return found


def _network_reason(exc):
    """A short, secret-free reason for a requests exception (never the URL it tried, which may carry a query)."""
    text = str(exc)
    text = re.sub(r"url: \S+", "url: <redacted>", text)
    for pattern in (r"certificate verify failed: ([^(')\]]+)", r"\[SSL: [A-Z_]+\] ([^(')\]]+)",
                    r"(hostname '[^']+' doesn't match[^')\]]*)", r"(Connection refused)", r"(Name or service not known)",
                    r"(Temporary failure in name resolution)", r"(No route to host)", r"(Network is unreachable)",
                    r"(nodename nor servname provided, or not known)", r"(Connection reset by peer)",
                    r"(Remote end closed connection without response)", r"(timed out)", r"(No such file or directory)",
                    r"(Tunnel connection failed: [^')\]]+)", r"(PEM lib)", r"(KEY_VALUES_MISMATCH[^')\]]*)"):
        match = re.search(pattern, text)
        if match:
            return _clean(match.group(1).strip(" :,"), 160)
    return None


# ----------------------------------------------------------------------------------------------------------------

class Transport:
    """One ``requests.Session`` per module run, shared by all calls to one service.

    ``base_url`` is the service's address (``https://host[:port][/prefix]``); ``request`` takes a path relative to it
    or an absolute URL (token endpoints live elsewhere). ``timeout`` is ``(connect, read)`` or one number for both.
    ``describe_error(response) -> (message, detail)`` extracts the service's words (default
    :func:`parse_service_error`); ``hints`` maps a status to what to check (merged over :data:`DEFAULT_HINTS`,
    ``{service}`` is replaced). ``sleep`` and ``clock`` are injectable for tests.
    """

    def __init__(self, base_url, service="ServiceNow", validate_certs=True, ca_path=None, client_cert=None,
                 client_key=None, proxy=None, timeout=(10, 30), custom_headers=None, max_retries=4,
                 backoff_base=1.0, backoff_cap=30.0, describe_error=None, hints=None, sleep=time.sleep,
                 clock=time.time, secrets=(), time_limit=DEFAULT_TIME_LIMIT, policy=None):
        if not HAS_REQUESTS:
            raise TransportError("The Python library 'requests' is required on the host that runs the module; "
                                 "install it with 'pip install requests'", kind="connection")
        if not base_url or not re.match(r"^https?://[^/]+", str(base_url)):
            raise TransportError("The {0} address '{1}' is not a URL; give it as https://host[:port]".format(
                service, strip_query(base_url) if base_url else base_url), kind="connection")
        for option, path in (("ca_path", ca_path if validate_certs else None), ("client_certificate_file", client_cert),
                             ("client_key_file", client_key)):
            if path and not os.path.isfile(path):
                raise TransportError("The {0} file {1} given in {2} does not exist on the host that runs the module; give "
                                     "the path of a PEM file there (nothing was sent).".format(
                                         service, path, option), kind="tls")
        self.base_url = str(base_url).rstrip("/")
        self.service = service
        self.validate_certs = bool(validate_certs)
        self.ca_path = ca_path
        if not self.validate_certs:
            self.verify = False
        elif ca_path:
            self.verify = ca_path
        else:
            self.verify = True
        if client_cert and client_key:
            self.cert = (client_cert, client_key)
        elif client_cert:
            self.cert = client_cert
        else:
            self.cert = None
        self.proxies = {"http": proxy, "https": proxy} if proxy else None
        if isinstance(timeout, (list, tuple)):
            self.timeout = (float(timeout[0]), float(timeout[1]))
        else:
            self.timeout = (min(10.0, float(timeout)), float(timeout))
        self.policy = policy or RetryPolicy(max_retries=max_retries, backoff_base=backoff_base,
                                            backoff_cap=backoff_cap, time_limit=time_limit)
        self.max_retries = self.policy.max_retries
        self.backoff_base = self.policy.backoff_base
        self.backoff_cap = self.policy.backoff_cap
        self.describe_error = describe_error or parse_service_error
        self.hints = dict(DEFAULT_HINTS)
        self.hints.update(hints or {})
        self.sleep = sleep
        self.clock = clock
        self.secrets = set(s for s in secrets if s)
        # (method, url without query, status or None): every attempt, for tests and request counting.
        self.calls = []
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = USER_AGENT
        for name, value in (custom_headers or {}).items():
            self.session.headers[str(name)] = str(value)
        self.session.verify = self.verify  # belt; the braces are verify= on every request
        if self.cert:
            self.session.cert = self.cert
        if self.proxies:
            self.session.proxies.update(self.proxies)

    # -- public ---------------------------------------------------------------------------------------------------

    def add_secret(self, value):
        """Register a value that must never appear in an error message (a token obtained at run time)."""
        if value:
            self.secrets.add(value)

    def url_for(self, path):
        if re.match(r"^https?://", path or ""):
            return path
        return self.base_url + "/" + (path or "").lstrip("/")

    def close(self):
        self.session.close()

    def request(self, method, path, params=None, json=None, data=None, headers=None, auth=None,
                expected=(200, 201, 204), retry=None, retry_statuses=None, hints=None):
        """Send one request (plus the retries :class:`RetryPolicy` allows) and return a :class:`Response` whose
        status is in ``expected``.

        ``retry=None`` decides by the method (reads and idempotent writes retry, POST only on 429); ``retry=True``
        declares the request safe to repeat (a token POST, a read sent as POST: retried like a read, 500 included);
        ``retry=False`` never retries. ``retry_statuses`` replaces the retried statuses for this call.
        400/401/403/404 are never retried. ``hints`` (status -> text) override the transport's hints for this call
        (a token endpoint's 401 means something else). Raises :class:`TransportError`.
        """
        method = method.upper()
        url = self.url_for(path)
        hints = hints or {}

        def attempt():
            try:
                raw = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers, auth=auth,
                    timeout=self.timeout, verify=self.verify, cert=self.cert, proxies=self.proxies,
                    allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                self.calls.append((method, strip_query(url), None))
                raise self._network_error(method, url, exc)
            self.calls.append((method, strip_query(url), raw.status_code))
            response = Response(raw.status_code, raw.headers, raw.text, method=method, url=url, content=raw.content)
            if raw.status_code in expected:
                return response
            return self._raise_http(response, hints)

        def gave_up(err, attempts, elapsed):
            if err.kind == "http" and err.response is not None:
                return self._raise_http(err.response, hints, attempts=attempts, build_only=True)
            if err.cause is not None:
                return self._network_error(method, url, err.cause, attempts=attempts, elapsed=elapsed)
            return err

        return self.policy.run(attempt, lambda err: self.policy.retryable(method, err, retry, retry_statuses),
                               sleep=self.sleep, clock=self.clock, gave_up=gave_up)

    def create(self, post, lookup, errors=None):
        """``post()`` with :meth:`RetryPolicy.create` on this transport's clock: a lost answer is looked up (again for
        up to one read timeout after a timeout) before the create is repeated. ``errors``: service errors that wrap
        a TransportError (judged by it)."""
        return self.policy.create(post, lookup, sleep=self.sleep, clock=self.clock, settle=self.timeout[1],
                                  errors=errors)

    def look_again(self, lookup, error):
        """:meth:`RetryPolicy.look_again` on this transport: after a create that failed with ``error``, ``lookup()``,
        again for up to one read timeout when it timed out. For a caller that decides itself what to do next."""
        return self.policy.look_again(lookup, error, sleep=self.sleep, settle=self.timeout[1])

    def _raise_http(self, response, hints, attempts=1, build_only=False):
        retry_after = parse_retry_after(response.headers.get("Retry-After") if response.headers is not None else None,
                                        now=self.clock)
        hint = hints.get(response.status)
        error = self.http_error(response, retry_after=retry_after, attempts=attempts,
                                hint=hint.format(service=self.service) if hint else None)
        if build_only:
            return error
        raise error

    # -- errors ---------------------------------------------------------------------------------------------------

    def hint(self, status):
        text = self.hints.get(status)
        if text is None and status and status >= 500:
            text = self.hints.get(500)
        return text.format(service=self.service) if text else None

    def http_error(self, response, retry_after=None, attempts=1, hint=None):
        """A TransportError for an unexpected HTTP status (also usable by callers for a status they reject)."""
        parts = urlsplit(response.url or "")
        try:
            message, detail = self.describe_error(response)
        except Exception:  # a broken describe_error must not hide the real failure  # pylint: disable=broad-except
            message, detail = None, None
        message = _clean(redact_text(message, self.secrets))
        detail = _clean(redact_text(detail, self.secrets))
        if detail and message and detail.rstrip(".").lower() == message.rstrip(".").lower():
            detail = None
        words = " and ".join('"{0}"'.format(x.rstrip(".")) for x in (message, detail) if x)
        sentence = "{0} {1} {2} on {3} failed with HTTP {4}".format(
            self.service, response.method, parts.path or "/", parts.netloc, response.status)
        if words:
            sentence += ": " + words
        if attempts > 1:
            sentence += " (after {0} attempts)".format(attempts)
        check = hint or self.hint(response.status)
        if response.status == 429 and retry_after is not None:
            check = (check or "rate limited") + " (the service asks to retry after {0:.0f} s)".format(retry_after)
        if check:
            sentence += "; " + check
        error = TransportError(sentence.rstrip(".") + ".", status=response.status, method=response.method,
                               url=strip_query(response.url), retry_after=retry_after, service_message=message,
                               service_detail=detail, kind="http")
        error.response = response
        return error

    def _network_error(self, method, url, exc, attempts=1, elapsed=None):
        parts = urlsplit(url)
        where = "{0} {1} {2} on {3}".format(self.service, method, parts.path or "/", parts.netloc)
        reason = redact_text(_network_reason(exc), self.secrets)
        exceptions = requests.exceptions
        if isinstance(exc, exceptions.SSLError):
            kind = "tls"
            text = "{0} failed the TLS handshake{1}; check validate_certs and ca_path (the CA that signed the " \
                   "server certificate), and client_certificate_file/client_key_file if you use them"
        elif isinstance(exc, exceptions.ProxyError):
            kind = "proxy"
            text = "{0} failed at the proxy{1}; check the proxy setting and that the proxy is reachable"
        elif isinstance(exc, exceptions.ConnectTimeout):
            kind = "timeout"
            text = "{0} timed out while connecting{1}; check the host, the port and the network (firewall, proxy)"
        elif isinstance(exc, exceptions.ReadTimeout):
            kind = "timeout"
            text = "{0} timed out after {2:.0f} s waiting for the answer{1}; the service may be overloaded, " \
                   "raise the timeout or try again later"
        elif isinstance(exc, exceptions.ConnectionError):
            kind = "connection"
            text = "{0} could not connect{1}; check the host, the port and the network (DNS, firewall, proxy)"
        elif isinstance(exc, (exceptions.InvalidURL, exceptions.MissingSchema, exceptions.InvalidSchema)):
            kind = "connection"
            text = "{0} has an invalid address{1}; give the host as https://host[:port]"
        else:
            kind = "connection"
            text = "{0} failed{1}; check the host and the network"
        facts = [reason] if reason else []
        if attempts > 1:
            facts.append("{0} attempts in {1:.0f} s".format(attempts, elapsed or 0.0))
        message = text.format(where, " ({0})".format("; ".join(facts)) if facts else "", self.timeout[1])
        error = TransportError(message.rstrip(".") + ".", status=None, method=method, url=strip_query(url), kind=kind)
        error.cause = exc
        return error
