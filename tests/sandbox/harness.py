"""Start and stop the sandbox from Python (pytest fixtures, scripts, ctl.py).

    with start_sandbox(tmp_path / "sb", instances=2) as sandbox:
        sn = sandbox.info["servicenow"][0]
        requests.get(sn["url"] + "/api/now/table/sys_user", auth=..., verify=sandbox.ca_file)
        sandbox.control("POST", "/faults", json={"path": "/api/now/table/", "status": 503, "times": 1})
        sandbox.restore("sn1")  # sn1 as at start-up: records, flags, tokens, its fault rules, latency
"""

import json
import os
import signal
import subprocess
import sys
import time

import requests

SERVE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "serve.py")
INFO_FILE = "sandbox.json"


class SandboxError(RuntimeError):
    pass


def read_info(state_dir):
    try:
        with open(os.path.join(str(state_dir), INFO_FILE), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def wait_for_info(state_dir, pid=None, timeout=15.0, process=None):
    """The sandbox.json a server with ``pid`` wrote (any pid when None), or SandboxError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = read_info(state_dir)
        if info and (pid is None or info.get("pid") == pid):
            return info
        if process is not None and process.poll() is not None:
            raise SandboxError("the sandbox exited with status %s before it was ready; see %s"
                               % (process.returncode, os.path.join(str(state_dir), "serve.log")))
        time.sleep(0.05)
    raise SandboxError("the sandbox did not write %s within %.0f s" % (os.path.join(str(state_dir), INFO_FILE), timeout))


class Sandbox:
    """A running sandbox. ``info`` is sandbox.json; ``control`` calls the /__sandbox/ API."""

    def __init__(self, state_dir, process=None, info=None):
        self.state_dir = str(state_dir)
        self.process = process
        self.info = info or read_info(state_dir)
        self.session = requests.Session()

    @property
    def ca_file(self):
        return self.info.get("ca_file")

    @property
    def verify(self):
        return self.ca_file if self.info.get("tls") else False

    @property
    def pid(self):
        return self.info["pid"]

    def servicenow(self, index=0):
        return self.info["servicenow"][index]

    def control(self, method, path, json=None, params=None):  # pylint: disable=redefined-outer-name
        """Call ``/__sandbox{path}``; returns the decoded JSON (None for 204). Raises SandboxError on 4xx/5xx."""
        url = self.info["control_url"] + "/" + path.lstrip("/")
        response = self.session.request(method, url, json=json, params=params, verify=self.verify, timeout=30)
        if response.status_code >= 400:
            raise SandboxError("control %s %s failed with %s: %s" % (method, path, response.status_code, response.text))
        return response.json() if response.content else None

    def restore(self, *services):
        """Put ``services`` (all when none) back to their start-up state; returns the restore answer (README)."""
        return self.control("POST", "/restore", json={"services": list(services)} if services else {})

    def log_seq(self):
        """The request log's position: pass it as ``since`` to read only what comes after."""
        return self.control("GET", "/log/seq")["seq"]

    def stop(self, timeout=10.0):
        """SIGTERM, wait, SIGKILL if needed. Safe to call twice."""
        self.session.close()
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout)
            if getattr(self.process, "_log", None):
                self.process._log.close()  # pylint: disable=protected-access
            return
        stop_pid(self.info["pid"], timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pid, timeout=10.0):
    if not process_alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    return True


def serve_command(state_dir, instances=1, tls=True, extra_args=()):
    command = [sys.executable, SERVE, "--state-dir", str(state_dir), "--instances", str(instances)]
    if tls:
        command.append("--tls")
    return command + [str(arg) for arg in extra_args]


def start_sandbox(state_dir, instances=1, tls=True, extra_args=(), timeout=15.0, detach=False):
    """Spawn serve.py and wait until it has written sandbox.json. Output goes to ``state_dir/serve.log``.

    ``detach=True`` starts it in its own session, so it outlives this process (ctl.py uses it).
    """
    os.makedirs(str(state_dir), exist_ok=True)
    log = open(os.path.join(str(state_dir), "serve.log"), "ab")  # pylint: disable=consider-using-with
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        serve_command(state_dir, instances, tls, extra_args), stdin=subprocess.DEVNULL, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=detach, close_fds=True)
    process._log = log  # pylint: disable=protected-access
    try:
        info = wait_for_info(state_dir, process.pid, timeout, process)
    except SandboxError:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        log.close()
        raise
    return Sandbox(state_dir, process, info)
