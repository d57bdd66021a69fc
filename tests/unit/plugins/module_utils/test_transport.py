# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils

import pytest
import requests

from ansible_collections.camunda.servicenow.plugins.module_utils.transport import (
    Response,
    RetryPolicy,
    Transport,
    TransportError,
    backoff_delay,
    parse_retry_after,
    parse_service_error,
    redact_text,
    strip_query,
)

BASE = "https://sn.example.com"
PATH = "/api/now/table/sys_alias"


def make(sleeps, **kwargs):
    kwargs.setdefault("sleep", sleeps)
    return Transport(BASE, **kwargs)


def resp(status, text, content_type="application/json"):
    return Response(status, requests.structures.CaseInsensitiveDict({"Content-Type": content_type}), text,
                    method="GET", url=BASE + PATH)


# -- verify, cert, proxy, timeouts, headers --------------------------------------------------------------------

class TestRequestSettings:
    def test_ca_path_wins_over_requests_ca_bundle(self, fake_http, sleeps, monkeypatch, tmp_path):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        ca = tmp_path / "ca.pem"
        ca.write_text("x")
        fake_http.add("GET", PATH, json={"result": []})
        make(sleeps, ca_path=str(ca)).request("GET", PATH)
        assert fake_http.calls[0].verify == str(ca)

    def test_validate_certs_false_wins_over_requests_ca_bundle(self, fake_http, sleeps, monkeypatch):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        fake_http.add("GET", PATH, json={"result": []})
        make(sleeps, validate_certs=False, ca_path="/ignored.pem").request("GET", PATH)
        assert fake_http.calls[0].verify is False

    def test_default_verify_uses_the_environment_bundle(self, fake_http, sleeps, monkeypatch):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/some/bundle.pem")
        fake_http.add("GET", PATH, json={"result": []})
        make(sleeps).request("GET", PATH)
        assert fake_http.calls[0].verify == "/some/bundle.pem"

    def test_verify_is_passed_on_every_request_of_the_session(self, fake_http, sleeps, monkeypatch, tmp_path):
        ca = str(tmp_path / "ca.pem")
        open(ca, "w").close()
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
        fake_http.add("GET", PATH, json={"result": []})
        fake_http.add("POST", "/oauth_token.do", json={"access_token": "t"})
        transport = make(sleeps, ca_path=ca)
        transport.request("GET", PATH)
        transport.request("POST", "https://login.example.com/oauth_token.do", data={"a": "b"})
        transport.request("GET", PATH)
        assert [c.verify for c in fake_http.calls] == [ca, ca, ca]

    def test_cert_proxy_timeout_and_headers(self, fake_http, sleeps, tmp_path):
        c, k = str(tmp_path / "c.pem"), str(tmp_path / "k.pem")
        open(c, "w").close()
        open(k, "w").close()
        fake_http.add("GET", PATH, json={"result": []})
        fake_http.add("POST", "/oauth/token", json={"access_token": "t"})
        transport = make(sleeps, client_cert=c, client_key=k, proxy="http://proxy:3128",
                         timeout=(5, 45), custom_headers={"x-api-key": "gw"})
        transport.request("GET", PATH)
        transport.request("POST", "https://login.example.com/oauth/token", data={"grant_type": "client_credentials"})
        for call in fake_http.calls:
            assert call.cert == (c, k)
            assert call.proxies["https"] == "http://proxy:3128"
            assert call.timeout == (5.0, 45.0)
            assert call.headers["x-api-key"] == "gw"
            assert call.headers["Accept"] == "application/json"
        assert fake_http.calls[1].host == "login.example.com"

    def test_single_number_timeout_is_read_timeout(self, sleeps):
        assert make(sleeps, timeout=60).timeout == (10.0, 60.0)
        assert make(sleeps, timeout=5).timeout == (5.0, 5.0)

    def test_default_read_timeout_at_least_30(self, sleeps):
        assert make(sleeps).timeout[1] >= 30

    def test_one_session_per_transport(self, fake_http, sleeps):
        fake_http.add("GET", PATH, json={"result": []})
        transport = make(sleeps)
        session = transport.session
        transport.request("GET", PATH)
        transport.request("GET", PATH)
        assert transport.session is session
        assert len(fake_http.calls) == 2

    def test_not_a_url(self, sleeps):
        with pytest.raises(TransportError) as err:
            Transport("sn.example.com", sleep=sleeps)
        assert str(err.value) == "The ServiceNow address 'sn.example.com' is not a URL; give it as https://host[:port]"


# -- retry policy --------------------------------------------------------------------------------------------------

class TestRetries:
    @pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    def test_idempotent_methods_retry(self, fake_http, sleeps, method, status):
        fake_http.add(method, PATH, status=status, json={"error": {"message": "busy"}})
        fake_http.add(method, PATH, json={"result": {}})
        response = make(sleeps).request(method, PATH)
        assert response.status == 200
        assert len(fake_http.calls) == 2
        assert sleeps == [1.0]

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 412])
    def test_other_statuses_do_not_retry(self, fake_http, sleeps, status):
        fake_http.add("GET", PATH, status=status, json={"error": {"message": "no"}})
        with pytest.raises(TransportError) as err:
            make(sleeps).request("GET", PATH)
        assert err.value.status == status
        assert len(fake_http.calls) == 1
        assert sleeps == []

    def test_post_is_never_retried_blindly(self, fake_http, sleeps):
        fake_http.add("POST", PATH, status=503, json={"error": {"message": "busy"}})
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", PATH, json={"name": "x"})
        assert err.value.status == 503
        assert len(fake_http.calls) == 1
        assert sleeps == []

    def test_post_connection_error_not_retried(self, fake_http, sleeps):
        fake_http.add("POST", PATH, exc=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", PATH, json={})
        assert err.value.kind == "connection"
        assert len(fake_http.calls) == 1

    def test_post_retry_true_retries_429(self, fake_http, sleeps):
        fake_http.add("POST", "/oauth_token.do", status=429, headers={"Retry-After": "1"}, json={"error": "slow_down"})
        fake_http.add("POST", "/oauth_token.do", json={"access_token": "t"})
        response = make(sleeps).request("POST", "oauth_token.do", data={}, retry=True)
        assert response.json() == {"access_token": "t"}
        assert sleeps == [1.0]

    def test_post_retry_true_never_retries_401(self, fake_http, sleeps):
        fake_http.add("POST", "/oauth_token.do", status=401, json={"error": "invalid_client"})
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", "oauth_token.do", data={}, retry=True, retry_statuses=(401, 429))
        assert err.value.status == 401
        assert len(fake_http.calls) == 1
        assert sleeps == []

    def test_retry_false_disables(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=503)
        with pytest.raises(TransportError):
            make(sleeps).request("GET", PATH, retry=False)
        assert len(fake_http.calls) == 1

    def test_extra_retry_status(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=412, json={"title": "Precondition Failed"})
        fake_http.add("GET", PATH, json={})
        assert make(sleeps).request("GET", PATH, retry_statuses=(412, 429)).status == 200
        assert sleeps == [1.0]

    def test_capped_exponential_backoff_then_error(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=502, text="Bad Gateway", headers={"Content-Type": "text/plain"})
        with pytest.raises(TransportError) as err:
            make(sleeps, max_retries=6, backoff_base=1.0, backoff_cap=10.0).request("GET", PATH)
        assert sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
        assert len(fake_http.calls) == 7
        assert str(err.value) == (
            'ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP 502: "Bad Gateway" '
            "(after 7 attempts); ServiceNow or a proxy in front of it is unavailable, try again later.")

    def test_backoff_delay(self):
        assert [backoff_delay(n, 0.5, 3) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]

    def test_retry_after_seconds_honoured(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=429, headers={"Retry-After": "7"}, json={"error": {"message": "Rate limit exceeded"}})
        fake_http.add("GET", PATH, json={"result": []})
        make(sleeps).request("GET", PATH)
        assert sleeps == [7.0]

    def test_retry_after_http_date_honoured(self, fake_http, sleeps):
        now = 1700000000.0
        date = email.utils.formatdate(now + 12, usegmt=True)
        fake_http.add("GET", PATH, status=503, headers={"Retry-After": date})
        fake_http.add("GET", PATH, json={"result": []})
        make(sleeps, clock=lambda: now).request("GET", PATH)
        assert sleeps == [12.0]

    def test_retry_after_longer_than_cap_fails_at_once(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=429, headers={"Retry-After": "3600"},
                      json={"error": {"message": "Rate limit exceeded", "detail": "Rule: API hourly"}, "status": "failure"})
        with pytest.raises(TransportError) as err:
            make(sleeps, backoff_cap=30).request("GET", PATH)
        assert sleeps == []
        assert err.value.retry_after == 3600.0
        assert str(err.value) == (
            'ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP 429: "Rate limit exceeded" and '
            '"Rule: API hourly"; ServiceNow rate-limited the requests, wait and try again or lower the request rate '
            "(the service asks to retry after 3600 s).")

    def test_connection_errors_retry_for_get(self, fake_http, sleeps):
        fake_http.add("GET", PATH, exc=requests.exceptions.ConnectionError("Connection reset by peer"))
        fake_http.add("GET", PATH, json={"result": []})
        assert make(sleeps).request("GET", PATH).status == 200
        assert sleeps == [1.0]

    def test_tls_errors_do_not_retry(self, fake_http, sleeps):
        fake_http.add("GET", PATH, exc=requests.exceptions.SSLError(
            "HTTPSConnectionPool(host='sn.example.com', port=443): Max retries exceeded with url: /x?api_key=abc "
            "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: self-signed certificate in certificate chain (_ssl.c:1006)')))"))
        with pytest.raises(TransportError) as err:
            make(sleeps).request("GET", PATH)
        assert len(fake_http.calls) == 1
        assert err.value.kind == "tls"
        assert str(err.value) == (
            "ServiceNow GET /api/now/table/sys_alias on sn.example.com failed the TLS handshake (self-signed "
            "certificate in certificate chain); check validate_certs and ca_path (the CA that signed the server "
            "certificate), and client_certificate_file/client_key_file if you use them.")
        assert "abc" not in str(err.value)

    def test_calls_are_recorded_without_query(self, fake_http, sleeps):
        fake_http.add("GET", PATH, json={"result": []})
        transport = make(sleeps)
        transport.request("GET", PATH, params={"sysparm_query": "name=x", "api_key": "k"})
        assert transport.calls == [("GET", BASE + PATH, 200)]


class FakeClock:
    """A clock that the recorded sleeps and the timed-out attempts move forward (no real waiting)."""

    def __init__(self, sleeps):
        self.now = 1000.0
        self.sleeps = sleeps

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class TestRetryPolicy:
    """Each rule of the one retry policy (RetryPolicy), through Transport.request and on its own."""

    @pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
    def test_500_is_retried_on_reads(self, fake_http, sleeps, method):
        fake_http.add(method, PATH, status=500, json={"error": {"message": "oops"}})
        fake_http.add(method, PATH, json={"result": []})
        assert make(sleeps).request(method, PATH).status == 200
        assert sleeps == [1.0]

    def test_500_is_retried_on_a_token_request(self, fake_http, sleeps):
        fake_http.add("POST", "/oauth_token.do", status=500, json={"error": "server_error"})
        fake_http.add("POST", "/oauth_token.do", json={"access_token": "t"})
        assert make(sleeps).request("POST", "oauth_token.do", data={}, retry=True).json() == {"access_token": "t"}
        assert sleeps == [1.0]

    def test_500_is_never_retried_on_a_create(self, fake_http, sleeps):
        fake_http.add("POST", PATH, status=500, json={"error": {"message": "oops"}})
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", PATH, json={})
        assert err.value.status == 500
        assert len(fake_http.calls) == 1 and sleeps == []

    @pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
    def test_500_is_retried_on_idempotent_writes(self, fake_http, sleeps, method):
        # repeating one leaves the same state whether or not the first was carried out
        fake_http.add(method, PATH, status=500, json={"error": {"message": "oops"}})
        fake_http.add(method, PATH, status=200, json={"result": {}})
        assert make(sleeps).request(method, PATH, json={}).status == 200
        assert len(fake_http.calls) == 2 and sleeps == [1.0]

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_post_is_not_retried_on_gateway_errors(self, fake_http, sleeps, status):
        fake_http.add("POST", PATH, status=status)
        with pytest.raises(TransportError):
            make(sleeps).request("POST", PATH, json={})
        assert len(fake_http.calls) == 1 and sleeps == []

    def test_429_is_retried_for_a_post_too(self, fake_http, sleeps):
        # A rate-limited request was refused before anything was done: repeating it cannot duplicate a record.
        fake_http.add("POST", PATH, status=429, headers={"Retry-After": "3"}, json={"error": {"message": "Rate limit exceeded"}})
        fake_http.add("POST", PATH, status=201, json={"result": {"sys_id": "a"}})
        assert make(sleeps).request("POST", PATH, json={}).status == 201
        assert sleeps == [3.0]

    @pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
    def test_idempotent_writes_retry_connection_errors(self, fake_http, sleeps, method):
        fake_http.add(method, PATH, exc=requests.exceptions.ConnectionError("Connection reset by peer"))
        fake_http.add(method, PATH, json={"result": {}})
        assert make(sleeps).request(method, PATH, json={}).status == 200
        assert sleeps == [1.0]

    def test_a_timeout_is_retried_once_and_the_message_says_the_total(self, fake_http, sleeps):
        clock = FakeClock(sleeps)

        def hang(call):
            clock.now += 5.0
            raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=5)")
        fake_http.handle("GET", PATH, hang)
        transport = Transport(BASE, timeout=5, sleep=clock.sleep, clock=clock)
        with pytest.raises(TransportError) as err:
            transport.request("GET", PATH)
        assert len(fake_http.calls) == 2
        assert sleeps == [1.0]
        assert str(err.value) == ("ServiceNow GET /api/now/table/sys_alias on sn.example.com timed out after 5 s "
                                  "waiting for the answer (timed out; 2 attempts in 11 s); the service may be "
                                  "overloaded, raise the timeout or try again later.")

    def test_total_time_bound_stops_retries(self, fake_http, sleeps):
        clock = FakeClock(sleeps)
        fake_http.add("GET", PATH, status=503, headers={"Retry-After": "25"})
        transport = Transport(BASE, sleep=clock.sleep, clock=clock, time_limit=60, max_retries=10)
        with pytest.raises(TransportError) as err:
            transport.request("GET", PATH)
        # 25 + 25 = 50 s fit in 60 s; a third wait would end at 75 s.
        assert sleeps == [25.0, 25.0]
        assert len(fake_http.calls) == 3
        assert "(after 3 attempts)" in str(err.value)

    def test_backoff_is_capped(self):
        policy = RetryPolicy(backoff_base=1.0, backoff_cap=5.0)
        assert [policy.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]

    def test_retry_after_within_the_cap_wins_over_backoff(self):
        assert RetryPolicy(backoff_cap=30.0).delay(3, retry_after=2.0) == 2.0
        assert RetryPolicy(backoff_cap=30.0).delay(0, retry_after=31.0) is None

    @pytest.mark.parametrize("method,status,retry,expected", [
        ("GET", 500, None, True), ("GET", 503, None, True), ("GET", 401, None, False), ("GET", 404, True, False),
        ("POST", 500, None, False), ("POST", 500, True, True), ("POST", 429, None, True), ("POST", 503, None, False),
        ("PATCH", 503, None, True), ("PATCH", 500, None, True), ("DELETE", 429, None, True),
        ("GET", 503, False, False), ("POST", 401, True, False),
    ])
    def test_which_statuses_and_methods_are_retried(self, method, status, retry, expected):
        error = TransportError("x", status=status, kind="http")
        assert RetryPolicy.retryable(method, error, retry) is expected

    @pytest.mark.parametrize("kind,method,expected", [
        ("connection", "GET", True), ("timeout", "PATCH", True), ("connection", "POST", False),
        ("tls", "GET", False), ("proxy", "GET", False), ("decode", "GET", False),
    ])
    def test_network_errors(self, kind, method, expected):
        assert RetryPolicy.retryable(method, TransportError("x", kind=kind)) is expected

    @pytest.mark.parametrize("status,kind,expected", [
        (500, "http", True), (502, "http", True), (429, "http", True), (None, "timeout", True),
        (None, "connection", True), (400, "http", False), (409, "http", False), (None, "tls", False),
    ])
    def test_lost_write(self, status, kind, expected):
        assert RetryPolicy.lost_write(TransportError("x", status=status, kind=kind)) is expected

    def test_run_on_retry_result_ends_the_loop(self, sleeps):
        attempts = []

        def call():
            attempts.append(1)
            raise TransportError("lost", kind="timeout")
        found = RetryPolicy().run(call, RetryPolicy.lost_write, sleep=sleeps, clock=lambda: 0.0,
                                  on_retry=lambda err: {"sys_id": "found"})
        assert found == {"sys_id": "found"} and len(attempts) == 1 and sleeps == [1.0]

    def test_waiting_has_no_attempt_limit_only_a_time_limit(self, sleeps):
        clock = FakeClock(sleeps)

        def call():
            raise TransportError("not ready", status=412, kind="http")
        with pytest.raises(TransportError):
            RetryPolicy().waiting(60).run(call, lambda err: err.status == 412, sleep=clock.sleep, clock=clock)
        assert sleeps == [2.0, 4.0, 8.0, 15.0, 15.0, 15.0]


# -- error sentences -----------------------------------------------------------------------------------------------

class TestErrors:
    def test_servicenow_envelope_401(self, fake_http, sleeps):
        body = {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"}
        fake_http.add("GET", PATH, status=401, json=body)
        with pytest.raises(TransportError) as err:
            make(sleeps).request("GET", PATH, params={"sysparm_query": "id=x"})
        assert str(err.value) == (
            'ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP 401: "User Not Authenticated" '
            'and "Required to provide Auth information"; check the credentials (ServiceNow did not accept them).')
        assert err.value.url == BASE + PATH
        assert err.value.method == "GET"
        assert err.value.service_message == "User Not Authenticated"
        assert err.value.to_fail_json() == dict(msg=str(err.value), status=401, method="GET", url=BASE + PATH)

    def test_403_hint_names_the_role(self, fake_http, sleeps):
        body = {"error": {"message": "Operation Failed", "detail": "ACL Exception Insert Failed due to security constraints"}}
        fake_http.add("GET", PATH, status=403, json=body)
        with pytest.raises(TransportError) as err:
            make(sleeps, hints={403: "check that the user has the admin role"}).request("GET", PATH)
        assert str(err.value).endswith("; check that the user has the admin role.")
        assert '"ACL Exception Insert Failed due to security constraints"' in str(err.value)

    def test_per_call_hint(self, fake_http, sleeps):
        body = {"error": "invalid_client", "error_description": "Client authentication failed"}
        fake_http.add("POST", "/oauth_token.do", status=401, json=body)
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", "/oauth_token.do", data={}, hints={401: "check {service} client_id"})
        assert str(err.value) == (
            'ServiceNow POST /oauth_token.do on sn.example.com failed with HTTP 401: "invalid_client" and '
            '"Client authentication failed"; check ServiceNow client_id.')

    def test_camunda_problem_detail(self, fake_http, sleeps):
        body = {"type": "about:blank", "title": "FORBIDDEN", "status": 403, "detail": "Insufficient permissions"}
        fake_http.add("GET", "/abc/v2/topology", status=403, json=body)
        transport = Transport("https://bru-2.zeebe.camunda.io/abc", service="Camunda cluster", sleep=sleeps)
        with pytest.raises(TransportError) as err:
            transport.request("GET", "/v2/topology")
        assert str(err.value) == (
            'Camunda cluster GET /abc/v2/topology on bru-2.zeebe.camunda.io failed with HTTP 403: "FORBIDDEN" and '
            '"Insufficient permissions"; check that the user or client has the role/scope this call needs.')

    def test_html_body_is_not_echoed(self, fake_http, sleeps):
        fake_http.add("GET", PATH, status=404, text="<html><body>Not here</body></html>", headers={"Content-Type": "text/html"})
        with pytest.raises(TransportError) as err:
            make(sleeps).request("GET", PATH)
        assert str(err.value) == ("ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP 404; "
                                  "check the host, the path and that the object exists.")

    def test_connection_refused(self, fake_http, sleeps):
        fake_http.add("GET", PATH, exc=requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='sn.example.com', port=443): Max retries exceeded with url: /x?password=p "
            "(Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish "
            "a new connection: [Errno 111] Connection refused'))"))
        with pytest.raises(TransportError) as err:
            make(sleeps, max_retries=2, clock=lambda: 100.0).request("GET", PATH)
        assert len(fake_http.calls) == 3
        assert str(err.value) == ("ServiceNow GET /api/now/table/sys_alias on sn.example.com could not connect "
                                  "(Connection refused; 3 attempts in 0 s); check the host, the port and the network (DNS, firewall, proxy).")
        assert err.value.status is None

    def test_read_timeout(self, fake_http, sleeps):
        fake_http.add("GET", PATH, exc=requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)"))
        with pytest.raises(TransportError) as err:
            make(sleeps, max_retries=0).request("GET", PATH)
        assert err.value.kind == "timeout"
        assert str(err.value) == ("ServiceNow GET /api/now/table/sys_alias on sn.example.com timed out after 30 s "
                                  "waiting for the answer (timed out); the service may be overloaded, raise the timeout "
                                  "or try again later.")

    def test_connect_timeout(self, fake_http, sleeps):
        fake_http.add("GET", PATH, exc=requests.exceptions.ConnectTimeout("Connection to sn.example.com timed out."))
        with pytest.raises(TransportError) as err:
            make(sleeps, max_retries=0).request("GET", PATH)
        assert err.value.kind == "timeout"
        assert "timed out while connecting" in str(err.value)
        assert "check the host, the port and the network" in str(err.value)

    def test_known_secrets_are_masked(self, fake_http, sleeps):
        body = {"error": {"message": "Bad token s3cr3t-token-value", "detail": "password=hunter22&x=1"}}
        fake_http.add("GET", PATH, status=400, json=body)
        transport = make(sleeps, secrets=["hunter22"])
        transport.add_secret("s3cr3t-token-value")
        with pytest.raises(TransportError) as err:
            transport.request("GET", PATH)
        text = str(err.value)
        assert "s3cr3t-token-value" not in text
        assert "hunter22" not in text
        assert text == ('ServiceNow GET /api/now/table/sys_alias on sn.example.com failed with HTTP 400: "Bad token '
                        '********" and "password=********&x=1"; check the values sent to ServiceNow.')

    def test_request_body_is_never_echoed(self, fake_http, sleeps):
        fake_http.add("POST", PATH, status=500, text="")
        with pytest.raises(TransportError) as err:
            make(sleeps).request("POST", PATH, json={"client_secret": "topsecret"})
        assert "topsecret" not in str(err.value)
        assert str(err.value) == ("ServiceNow POST /api/now/table/sys_alias on sn.example.com failed with HTTP 500; "
                                  "ServiceNow had an internal error, check its logs.")

    def test_non_json_success_body(self, fake_http, sleeps):
        fake_http.add("GET", PATH, text="<html>login</html>", headers={"Content-Type": "text/html"})
        response = make(sleeps).request("GET", PATH)
        with pytest.raises(TransportError) as err:
            response.json()
        assert err.value.kind == "decode"
        assert str(err.value) == (
            "GET /api/now/table/sys_alias on sn.example.com returned HTTP 200 with a body that is not JSON (an HTML "
            "page); check that the host is the service's address and not a login page or a proxy")


class TestParsing:
    @pytest.mark.parametrize("text,expected", [
        ('{"error": {"message": "No Record found", "detail": "Record doesn\'t exist"}, "status": "failure"}',
         ("No Record found", "Record doesn't exist")),
        ('{"error": "invalid_grant", "error_description": "access denied"}', ("invalid_grant", "access denied")),
        ('{"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "names must be unique"}',
         ("Bad Request", "names must be unique")),
        ('{"message": "Cluster not found"}', ("Cluster not found", None)),
        ('{"errors": [{"message": "first"}, {"message": "second"}]}', ("first", None)),
        ('{"result": []}', (None, None)),
        ("Service Unavailable", ("Service Unavailable", None)),
        ("", (None, None)),
        ("<!DOCTYPE html><html>x</html>", (None, None)),
        ("bad\x00bytes\x1b[0m here", ("bad bytes [0m here", None)),
    ])
    def test_shapes(self, text, expected):
        assert parse_service_error(resp(400, text, "text/plain" if not text.startswith("{") else "application/json")) == expected

    def test_long_text_is_cut(self):
        message, detail = parse_service_error(resp(500, "x" * 1000, "text/plain"))
        assert len(message) == 200 and message.endswith("...")
        assert detail is None

    @pytest.mark.parametrize("value,expected", [("5", 5.0), ("0", 0.0), ("-3", 0.0), (" 2.5 ", 2.5), (None, None),
                                                ("", None), ("soon", None)])
    def test_retry_after(self, value, expected):
        assert parse_retry_after(value) == expected

    def test_retry_after_date_in_past_is_zero(self):
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1700000000.0) == 0.0

    def test_strip_query(self):
        assert strip_query("https://h/p?password=x#f") == "https://h/p"

    def test_redact_text(self):
        assert redact_text("client_secret=abc&token=def&name=n Bearer abcdefghijk", ["zzz"]) == \
            "client_secret=********&token=********&name=n Bearer ********"


@pytest.mark.parametrize("option,kwargs", [
    ("ca_path", dict(ca_path="/nonexistent/ca.pem")),
    ("client_certificate_file", dict(client_cert="/nonexistent/c.pem")),
    ("client_key_file", dict(client_cert=__file__, client_key="/nonexistent/k.pem")),
])
def test_a_missing_tls_file_is_one_sentence_before_any_request(fake_http, sleeps, option, kwargs):
    with pytest.raises(TransportError) as err:
        make(sleeps, **kwargs)
    path = [v for v in kwargs.values() if v.startswith("/nonexistent")][0]
    assert str(err.value) == ("The ServiceNow file {0} given in {1} does not exist on the host that runs the module; "
                              "give the path of a PEM file there (nothing was sent).".format(path, option))
    assert fake_http.calls == []


def test_a_missing_ca_path_is_ignored_when_certificates_are_not_checked(fake_http, sleeps):
    fake_http.add("GET", PATH, json={"result": []})
    assert make(sleeps, validate_certs=False, ca_path="/nonexistent/ca.pem").request("GET", PATH).status == 200
