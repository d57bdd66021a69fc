# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input table (tests/ci/bad_input_cases.py) against the sandbox: ONE ansible-playbook run holds every case
(a module task with ignore_errors), each preceded by a time mark, so the sandbox's request log tells which requests
each case made. Per case: the exact message (or success with the exact warning), never a traceback, never a secret
echoed, and nothing written (no POST/PUT/PATCH/DELETE other than token requests and Batch reads) unless the case is
one that must store a name exactly; those run twice and the second run must change nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest
import requests

import bad_input_cases

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SANDBOX = os.path.join(REPO, "tests", "sandbox")
COLLECTIONS = os.path.join(REPO, "build")
PYTHON = sys.executable
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# Requests that do not write: token requests and Batch API reads (the collection's batches only GET).
NOT_WRITES = ("/oauth_token.do", "/oauth/token", "/api/now/v1/batch", "/protocol/openid-connect/token")

DUMMY = dict((k, "x") for k in ("sn_url", "sn2_url", "admin_password", "sn2_admin_password", "ca", "other_ca", "cluster_id", "org_client_id",
                                "org_client_secret", "token_url", "console_url", "cluster_rest_url", "sn_client_id",
                                "readonly_password", "oauth_admin_username", "oauth_admin_password", "cicd_username",
                                "cicd_password", "limited_client_id", "limited_client_secret", "setup_username",
                                "setup_password", "sn2_oauth_admin_password"))
CASES = bad_input_cases.cases(DUMMY)


def _sandbox_module():
    sys.path.insert(0, SANDBOX)
    import harness  # pylint: disable=import-outside-toplevel,import-error
    return harness


class Box:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.info = sandbox.info
        self.ca = sandbox.ca_file
        self.sn = self.info["servicenow"][0]
        self.sn2 = self.info["servicenow"][1]

    def admin(self, sn=None):
        sn = sn or self.sn
        return (sn["users"]["admin"]["username"], sn["users"]["admin"]["password"])

    def table(self, method, table, body=None, query=None, sn=None):
        sn = sn or self.sn
        response = requests.request(method, "{0}/api/now/table/{1}".format(sn["url"], table), auth=self.admin(sn),
                                    json=body, params={"sysparm_query": query, "sysparm_exclude_reference_link": "true"}
                                    if query else {"sysparm_exclude_reference_link": "true"},
                                    headers={"Accept": "application/json", "Content-Type": "application/json"},
                                    verify=self.ca, timeout=30)
        assert response.status_code in (200, 201), response.text
        return response.json()["result"]

    def control(self, method, path, body=None):
        return self.sandbox.control(method, path, json=body)


def seed(box):
    """What the cases need on sn1 (sn2 has no spoke)."""
    box.control("POST", "/services/{0}/flags".format(box.sn2["name"]), {"spoke_installed": False})
    scope = box.table("GET", "sys_scope", query="scope=x_camun_camunda")[0]["sys_id"]
    alias = box.table("GET", "sys_alias", query="id=x_camun_camunda.Camunda")[0]["sys_id"]
    box.table("POST", "oauth_2_0_credentials", {"name": "Camunda Connection"})
    other = box.table("POST", "oauth_2_0_credentials", {"name": "Other Integration Credential"})["sys_id"]
    for _n in range(2):
        box.table("POST", "oauth_2_0_credentials", {"name": "Duplicate Credential"})
        box.table("POST", "oauth_entity", {"name": "Duplicate Registry", "type": "oauth_provider", "client_id": "d",
                                           "client_secret": "d-secret"})
    box.table("POST", "sys_alias", {"name": "CredentialOnly", "id": "x_camun_camunda.CredentialOnly",
                                    "type": "credential", "sys_scope": scope})
    box.table("POST", "http_connection", {
        "name": "Other Integration", "connection_alias": alias, "credential": other, "host": "jfk-1.zeebe.camunda.io",
        "base_path": "/other", "connection_url": "https://jfk-1.zeebe.camunda.io/other", "active": "true",
        "url_builder": "true", "protocol": "https"})


def facts(box):
    saas = box.info["camunda"]["saas"]
    users = box.sn["users"]
    import certifi  # pylint: disable=import-outside-toplevel
    return dict(
        sn_url=box.sn["url"], sn2_url=box.sn2["url"], admin_password=users["admin"]["password"], ca=box.ca,
        sn2_admin_password=box.sn2["users"]["admin"]["password"],
        sn2_oauth_admin_password=box.sn2["users"]["oauth_admin"]["password"],
        other_ca=certifi.where(), cluster_id=saas["clusters"][0]["id"],
        org_client_id=saas["organization_client"]["client_id"],
        org_client_secret=saas["organization_client"]["client_secret"], token_url=saas["token_url"],
        console_url=saas["console_url"], cluster_rest_url=saas["cluster_rest_url"],
        sn_client_id=box.sn["oauth_client"]["client_id"], readonly_password=users["readonly"]["password"],
        oauth_admin_username=users["oauth_admin"]["username"], oauth_admin_password=users["oauth_admin"]["password"],
        cicd_username=users["cicd"]["username"], cicd_password=users["cicd"]["password"],
        setup_username=users["setup"]["username"], setup_password=users["setup"]["password"],
        limited_client_id=saas["limited_organization_client"]["client_id"],
        limited_client_secret=saas["limited_organization_client"]["client_secret"],
        sn=box.sn["url"].split("://", 1)[1], sn2=box.sn2["url"].split("://", 1)[1],
        console=saas["console_url"].split("://", 1)[1], login=saas["token_url"].split("://", 1)[1].split("/", 1)[0])


def playbook(rows):
    """One play: per case a time mark, then the task (twice for the cases that must store a value exactly)."""
    tasks = []
    runs = []
    for row in rows:
        for again in ((False, True) if row.get("twice") else (False,)):
            key = "c{0}".format(len(runs))
            runs.append((row["id"], again, key))
            tasks.append({"name": "mark " + key, "ansible.builtin.set_fact": {
                "mark_" + key: "{{ lookup('ansible.builtin.pipe', 'date +%s.%N') }}"}})
            tasks.append({"name": "{0}{1}".format(row["id"], " (again)" if again else ""), row["module"]: row["args"],
                          "register": "r_" + key, "ignore_errors": True})
    tasks.append({"name": "mark end", "ansible.builtin.set_fact": {
        "mark_end": "{{ lookup('ansible.builtin.pipe', 'date +%s.%N') }}"}})
    keys = [key for _i, _a, key in runs]
    collect = "{{ {" + ", ".join("'{0}': {{'result': r_{0}, 'mark': mark_{0}}}".format(k) for k in keys) + \
        ", 'end': mark_end} | to_json }}"
    tasks.append({"name": "results", "ansible.builtin.copy": {"content": collect, "dest": "{{ results_file }}",
                                                              "mode": "0600"}})
    return [{"name": "bad input", "hosts": "localhost", "gather_facts": False, "tasks": tasks}], runs


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "camunda", "servicenow")):
        pytest.fail("build/ansible_collections/camunda/servicenow is missing: run `make farm` (make ci-tests does)")
    harness = _sandbox_module()
    work = tmp_path_factory.mktemp("bad-input")
    with harness.start_sandbox(str(work / "sb"), instances=2, tls=True,
                               extra_args=["--sn-spoke-preinstalled", "--max-lifetime", "900"]) as sandbox:
        box = Box(sandbox)
        seed(box)
        # The token service's per-second limit would make a rejected token request the first or the second attempt
        # depending on the machine's speed (429 first); the limit has its own tests (camunda_token target).
        box.control("POST", "/services/camunda_login/flags", {"token_rate_limit": False})
        the_facts = facts(box)
        rows = bad_input_cases.cases(the_facts)
        play, runs = playbook(rows)
        (work / "play.yml").write_text(json.dumps(play))
        results_file = work / "results.json"
        seq = box.control("GET", "/log/seq")["seq"]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                   ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
                   ANSIBLE_PYTHON_INTERPRETER=PYTHON)
        done = subprocess.run([PLAYBOOK_BIN, "-i", "localhost,", "-c", "local", str(work / "play.yml"),
                               "-e", "results_file=" + str(results_file)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800, check=False)
        output = done.stdout.decode("utf-8", "replace")
        assert results_file.exists(), output[-3000:]
        results = json.loads(results_file.read_text())
        log = box.control("GET", "/log?since={0}".format(seq))
    yield dict(rows=dict((r["id"], r) for r in rows), runs=runs, results=results, log=log, facts=the_facts,
               output=output)


def requests_of(outcome, key):
    """The sandbox requests made between the case's mark and the next mark."""
    keys = [k for _i, _a, k in outcome["runs"]]
    start = float(outcome["results"][key]["mark"])
    position = keys.index(key)
    end = float(outcome["results"][keys[position + 1]]["mark"]) if position + 1 < len(keys) else \
        float(outcome["results"]["end"])
    return [e for e in outcome["log"] if start <= e["time"] < end]


def writes(entries):
    """The writes that succeeded (a refused write, 4xx, wrote nothing; a dropped one, status 0, may have)."""
    return ["{0} {1} {2}".format(e["method"], e["path"], e["status"]) for e in entries
            if e["method"] in ("POST", "PUT", "PATCH", "DELETE") and not e["path"].endswith(NOT_WRITES)
            and (e["status"] < 400 or e["status"] == 0)]


def expected_pattern(message, the_facts):
    """The exact message as a regex: facts filled in, {ID} a sys_id, {N} a number of seconds (timing varies)."""
    marks = dict(the_facts, ID="\x00ID\x00", N="\x00N\x00")
    text = re.escape(message.format(**marks))
    return "^" + text.replace(re.escape("\x00ID\x00"), "[0-9a-f]{32}").replace(re.escape("\x00N\x00"), "[0-9]+") + "$"


def one_sentence(text):
    return isinstance(text, str) and "\n" not in text and "Traceback" not in text and len(text) > 20


def test_the_table_has_at_least_45_cases():
    assert len(CASES) >= 45


@pytest.mark.parametrize("case_id", [
    pytest.param(row["id"], marks=pytest.mark.xfail(reason=row["xfail"], strict=True)) if row.get("xfail") else row["id"]
    for row in CASES])
def test_case(outcome, case_id):
    row = outcome["rows"][case_id]
    runs = [(again, key) for i, again, key in outcome["runs"] if i == case_id]
    for again, key in runs:
        result = outcome["results"][key]["result"]
        text = json.dumps(result)
        assert "Traceback" not in text and "module_stderr" not in result, text
        assert result.get("exception", "(traceback unavailable)") == "(traceback unavailable)", text
        if row.get("secret_value"):
            assert row["secret_value"] not in text and row["secret_value"] not in outcome["output"]
        entries = requests_of(outcome, key)
        if row["msg"] is not None:
            assert result.get("failed") is True, text
            if row["msg"] == bad_input_cases.ANY_SENTENCE:
                assert one_sentence(result["msg"]), text
            else:
                pattern = expected_pattern(row["msg"], outcome["facts"])  # outside the assert: facts hold passwords
                said = result["msg"]
                assert re.match(pattern, said) is not None, said
            assert writes(entries) == []
        else:
            assert not result.get("failed"), text
            if row.get("warning"):
                assert result.get("warnings") == [row["warning"].format(**outcome["facts"])]
            if again:
                assert result["changed"] is False and writes(entries) == []
            elif not row.get("writes"):
                assert writes(entries) == []
