"""One ThreadingHTTPServer per emulated service, all in one process, all on 127.0.0.1.

The handler turns HTTP into a ``Request``, sends ``/__sandbox/`` to the control plane, and wraps every other
request in the control plane's latency, fault rules and request log before calling ``service.handle``.
TLS is negotiated in the per-connection thread (not in ``accept``), so one slow or refusing client cannot stall
the listener.
"""

import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .control import PREFIX
from .http import Headers, Request, json_response

IDLE_TIMEOUT = 30  # seconds a keep-alive connection may sit idle before its thread gives up


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse TLS connections under load
    server_version = ""  # no Python version leaks into Server:; each service says what it sends (version_string)
    sys_version = ""
    timeout = IDLE_TIMEOUT

    def version_string(self):
        """The ``Server`` header of this port's service: its ``server_header`` attribute, none when that is empty."""
        return getattr(self.server.owner.service, "server_header", "")

    def send_response(self, code, message=None):
        # BaseHTTPRequestHandler always sends Server:; skip it for services whose real counterpart sends none.
        self.log_request(code)
        self.send_response_only(code, message)
        server = self.version_string()
        if server:
            self.send_header("Server", server)
        self.send_header("Date", self.date_time_string())

    def log_message(self, *args):  # the control plane keeps the request log; stderr stays quiet
        pass

    def _serve(self):
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command.upper(), path=unquote(split.path) or "/",
            query=parse_qs(split.query, keep_blank_values=True), headers=Headers(self.headers.items()), body=body,
            client_address=self.client_address[0],
        )
        owner = self.server.owner
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            self._send(owner.control.handle(request))
            return
        started = time.monotonic()
        control = owner.control
        if control.latency_ms:
            time.sleep(control.latency_ms / 1000.0)
        fault = control.fault_for(owner.service.name, request.method, request.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            control.record(owner.service.name, request, 0, (time.monotonic() - started) * 1000, fault=fault.rule_id)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None and fault.response is not None:
            response = fault.response
        else:
            try:
                response = owner.service.handle(request)
            except Exception as err:  # pylint: disable=broad-except
                # A bug in an emulator must show up as a 500 in the test that hit it, not kill the thread.
                response = json_response(500, {"error": {"message": "Sandbox emulator error", "detail": repr(err)},
                                               "status": "failure"})
        control.record(owner.service.name, request, response.status, (time.monotonic() - started) * 1000,
                       fault=fault.rule_id if fault else None)
        self._send(response, head_only=request.method == "HEAD")

    def _send(self, response, head_only=False):
        self.send_response(response.status)
        for key, value in response.headers.items():
            if key != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and not head_only:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, owner, ssl_context):
        self.owner = owner
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request.settimeout(IDLE_TIMEOUT)
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate or went away during the handshake
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # broken pipes and resets from clients that time out are expected under fault tests


class ServiceServer:
    """Listens for one service. ``url`` is known once constructed (the port is bound immediately)."""

    def __init__(self, service, control, port=0, ssl_context=None):
        self.service = service
        self.control = control
        self.httpd = _Server(("127.0.0.1", port), self, ssl_context)
        self.port = self.httpd.server_address[1]
        self.url = "%s://127.0.0.1:%d" % ("https" if ssl_context else "http", self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="serve-%s" % service.name, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
