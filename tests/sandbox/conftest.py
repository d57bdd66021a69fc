"""Fixtures for the sandbox's own tests: one real serve.py process over TLS for the session.

``sn`` restores instance sn1 to its start-up state and clears every fault rule before each test, so tests do not see each other's records.
"""

import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position

JSON = {"Accept": "application/json", "Content-Type": "application/json"}


class Instance:
    """A ServiceNow instance of the sandbox, called over HTTPS with the generated CA."""

    def __init__(self, sandbox, index=0):
        self.sandbox = sandbox
        self.info = sandbox.info["servicenow"][index]
        self.name = self.info["name"]
        self.url = self.info["url"]
        self.verify = sandbox.ca_file
        self.session = requests.Session()

    def creds(self, user="admin"):
        entry = self.info["users"][user]
        return (entry["username"], entry["password"])

    def request(self, method, path, user="admin", headers=None, auth=None, **kwargs):
        """``user`` names a seeded user (Basic auth); pass ``auth=`` or ``headers=`` to authenticate otherwise."""
        all_headers = dict(JSON)
        all_headers.update(headers or {})
        # a None value removes the header, including the Accept: */* requests adds by default
        if auth is None and user is not None and not all_headers.get("Authorization") and not all_headers.get("x-sn-apikey"):
            auth = self.creds(user)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, headers=all_headers, auth=auth, verify=self.verify, **kwargs)

    def table(self, table, user="admin", version="", **params):
        prefix = "/api/now/%stable/" % (version + "/" if version else "")
        return self.request("GET", prefix + table, user=user, params=params)

    def create(self, table, body, user="admin", **params):
        return self.request("POST", "/api/now/table/" + table, user=user, json=body, params=params)

    def patch(self, table, sys_id, body, user="admin", **params):
        return self.request("PATCH", "/api/now/table/%s/%s" % (table, sys_id), user=user, json=body, params=params)

    def one(self, table, query, **params):
        rows = self.table(table, sysparm_query=query, **params).json()["result"]
        assert len(rows) == 1, rows
        return rows[0]

    def token(self, **form):
        return self.session.post(self.url + "/oauth_token.do", data=form, verify=self.verify, timeout=30)

    def flags(self, **values):
        return self.sandbox.control("POST", "/services/%s/flags" % self.name, json=values)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("sandbox")
    box = start_sandbox(state_dir, instances=2, tls=True,
                        extra_args=["--no-camunda", "--max-lifetime", "900", "--sn-install-seconds", "1"])
    yield box
    box.stop()


@pytest.fixture
def sn(sandbox):
    sandbox.control("DELETE", "/faults")  # rules aimed at sn2 too
    sandbox.restore("sn1")
    instance = Instance(sandbox, 0)
    yield instance
    instance.session.close()
