# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SECURITY.md's least-privilege claim, proven against the sandbox with the REST API ACLs switched on (flag
``rest_api_acls``: the Table and Batch APIs need ``snc_platform_rest_api_access``, as on an instance that enforces
them): a ServiceNow user holding exactly the documented roles (``oauth_admin``, ``credential_admin``,
``connection_admin`` and ``snc_platform_rest_api_access``) sets up the OAuth profile, the credential and the connection
(and a second run changes nothing); a user missing any one of them fails at the first step that needs it, with one
sentence naming what to check, and that step writes nothing.

Each user gets its own records (``LP <user> ...``); what a step depends on (the profile for the credential, the
credential for the connection) is created by admin first, so every step of every user runs, in ONE ansible-playbook
run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(REPO, "build")
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")

ROLES = ("oauth_admin", "credential_admin", "connection_admin", "snc_platform_rest_api_access")
STEPS = ("profile", "credential", "connection")
# The user that lacks ROLE -> the steps that fail for it (the others succeed).
FAILS = {
    None: (),
    "oauth_admin": ("profile", "credential"),  # the credential names its profile, which only oauth_admin can read
    "credential_admin": ("credential", "connection"),  # the connection names its credential
    "connection_admin": ("connection",),
    "snc_platform_rest_api_access": STEPS,
}


def user_name(lacking):
    return "lp.exact" if lacking is None else "lp.no." + lacking


def names(user):
    return dict(profile="LP {0} OAuth".format(user), credential="LP {0} Credential".format(user),
                connection="LP {0} Connection".format(user))


class Instance:
    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.sn = sandbox.info["servicenow"][0]
        self.ca = sandbox.ca_file
        self.auth = (self.sn["users"]["admin"]["username"], self.sn["users"]["admin"]["password"])

    def table(self, method, table, body=None, query=None, params=None):
        params = dict(params or {}, sysparm_exclude_reference_link="true")
        if query:
            params["sysparm_query"] = query
        response = requests.request(method, "{0}/api/now/table/{1}".format(self.sn["url"], table), auth=self.auth,
                                    json=body, params=params, verify=self.ca, timeout=30,
                                    headers={"Accept": "application/json", "Content-Type": "application/json"})
        assert response.status_code in (200, 201), response.text
        return response.json()["result"]

    def add_user(self, name, password, roles):
        user = self.table("POST", "sys_user", {"user_name": name, "user_password": password, "active": "true"},
                          params={"sysparm_input_display_value": "true"})["sys_id"]
        for role in roles:
            role_id = self.table("GET", "sys_user_role", query="name=" + role)[0]["sys_id"]
            self.table("POST", "sys_user_has_role", {"user": user, "role": role_id})

    def mod_counts(self, table, name):
        """The sys_mod_count of each record named ``name`` (0 for a record nobody changed since it was created)."""
        return [int(r["sys_mod_count"]) for r in self.table("GET", table, query="name=" + name)]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "camunda", "servicenow")):
        pytest.fail("build/ansible_collections/camunda/servicenow is missing: run `make farm` (make ci-tests does)")
    sys.path.insert(0, os.path.join(REPO, "tests", "sandbox"))
    import harness  # pylint: disable=import-outside-toplevel,import-error
    work = tmp_path_factory.mktemp("least-privilege")
    with harness.start_sandbox(str(work / "sb"), instances=1, tls=True,
                               extra_args=["--sn-spoke-preinstalled", "--sn-rest-api-acls", "--max-lifetime", "900"]) \
            as sandbox:
        sn = Instance(sandbox)
        token_url = sandbox.info["camunda"]["saas"]["token_url"]
        cluster_id = sandbox.info["camunda"]["saas"]["clusters"][0]["id"]
        tasks = []
        users = {}
        for lacking in FAILS:
            user = user_name(lacking)
            password = "Lp-{0}-Pw-1!".format(len(users))
            users[user] = (lacking, password)
            sn.add_user(user, password, [r for r in ROLES if r != lacking])
            name = names(user)
            if set(FAILS[lacking]) & {"profile", "credential"}:  # what the later steps of this user depend on
                sn.table("POST", "oauth_entity", {"name": name["profile"], "type": "oauth_provider",
                                                  "client_id": "lp", "client_secret": "lp-secret"})
            if "credential" in FAILS[lacking]:
                profile = sn.table("GET", "oauth_entity_profile", query="name={0} default_profile".format(
                    name["profile"]))[0]["sys_id"]
                sn.table("POST", "oauth_2_0_credentials", {"name": name["credential"], "oauth_entity_profile": profile})
            instance = dict(host=sn.sn["url"], username=user, password=password, ca_path=sn.ca)
            args = dict(
                profile=("camunda.servicenow.servicenow_oauth_profile",
                         dict(instance=instance, name=name["profile"], client_id="lp-client",
                              client_secret="lp-client-secret", token_url=token_url)),
                credential=("camunda.servicenow.servicenow_credential",
                            dict(instance=instance, name=name["credential"],
                                 oauth_entity_profile=name["profile"] + " default_profile")),
                connection=("camunda.servicenow.servicenow_connection_alias",
                            dict(instance=instance, name=name["connection"], credential=name["credential"],
                                 host="bru-2.zeebe.camunda.io", base_path="/" + cluster_id, active=False,
                                 conflict="fail")))
            for again in ((False, True) if lacking is None else (False,)):
                for step in STEPS:
                    module, module_args = args[step]
                    key = "{0}_{1}{2}".format(user.replace(".", "_"), step, "_again" if again else "")
                    tasks.append({"name": key, module: module_args, "register": key, "ignore_errors": True})
        keys = [t["name"] for t in tasks]
        collect = "{{ {" + ", ".join("'{0}': {0}".format(k) for k in keys) + "} | to_json }}"
        results_file = str(work / "results.json")
        tasks.append({"name": "results", "ansible.builtin.copy": {"content": collect, "dest": results_file,
                                                                  "mode": "0600"}})
        play = work / "play.json"
        play.write_text(json.dumps([{"name": "least privilege", "hosts": "localhost", "gather_facts": False,
                                     "tasks": tasks}]))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
        done = subprocess.run([PLAYBOOK_BIN, str(play)], env=env, cwd=str(work), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False, timeout=900)
        output = done.stdout.decode("utf-8", "replace")
        assert done.returncode == 0, output[-3000:]
        with open(results_file) as handle:
            results = json.load(handle)
        counts = dict((user, dict((step, sn.mod_counts(table, names(user)[step])) for step, table in (
            ("profile", "oauth_entity"), ("credential", "oauth_2_0_credentials"), ("connection", "http_connection"))))
            for user in users)
        yield dict(results=results, counts=counts, output=output, sn=sn.sn["url"].split("://", 1)[1])


def result(outcome, lacking, step, again=False):
    return outcome["results"]["{0}_{1}{2}".format(user_name(lacking).replace(".", "_"), step, "_again" if again else "")]


def test_exactly_the_documented_roles_set_everything_up(outcome):
    for step in STEPS:
        first = result(outcome, None, step)
        assert (first.get("failed", False), first["changed"]) == (False, True), (step, first.get("msg"))
        again = result(outcome, None, step, again=True)
        assert (again.get("failed", False), again["changed"]) == (False, False), (step, again.get("msg"))
    assert [len(outcome["counts"]["lp.exact"][step]) for step in STEPS] == [1, 1, 1]


def http_403(method, table, detail, message="Operation Failed"):
    return ("ServiceNow {0} /api/now/table/{1} on {{sn}} failed with HTTP 403: \"{2}\" and \"{3}\"; check that the user "
            "has the roles this table needs (for example admin, or the roles of the table's ACLs) and, with an API key, "
            "that a REST API Access Policy covers this API.".format(method, table, message, detail))


NO_REST_API = "The REST API ACLs are active and require the snc_platform_rest_api_access role"
# (lacking, step) -> the exact sentence ({sn}: the instance's host:port, {user}: the user). A record the user may not
# read looks absent to it: the sentence names the role that reads it.
EXPECTED = {
    ("oauth_admin", "profile"):
        "The OAuth API script include 'OAuthCamundaUtil' was not found in application scope 'x_camun_camunda' on {sn}; "
        "check that user '{user}' may read script includes (role oauth_admin or admin), that the Camunda Spoke is "
        "installed and active (camunda.servicenow.servicenow_spoke), or set oauth_api_script and scope.",
    ("oauth_admin", "credential"):
        "The OAuth entity profile 'LP {user} OAuth default_profile' was not found on {sn}; create it first with "
        "camunda.servicenow.servicenow_oauth_profile (it creates '<name> default_profile'), check "
        "oauth_entity_profile, and check that user '{user}' may read OAuth entity profiles (role oauth_admin or "
        "admin).",
    ("credential_admin", "credential"):
        http_403("POST", "oauth_2_0_credentials", "ACL Exception Insert Failed due to security constraints"),
    ("credential_admin", "connection"):
        "The credential LP {user} Credential was not found in discovery_credentials on {sn}: create it first "
        "(camunda.servicenow.servicenow_credential), check the credential option (a name or a sys_id), and check "
        "that user '{user}' may read credentials (role credential_admin or admin).",
    ("connection_admin", "connection"):
        http_403("POST", "http_connection", "ACL Exception Insert Failed due to security constraints"),
    ("snc_platform_rest_api_access", "profile"): http_403("GET", "oauth_entity", NO_REST_API, "User Not Authorized"),
    ("snc_platform_rest_api_access", "credential"):
        http_403("GET", "oauth_2_0_credentials", NO_REST_API, "User Not Authorized"),
    ("snc_platform_rest_api_access", "connection"): http_403("GET", "sys_alias", NO_REST_API, "User Not Authorized"),
}


@pytest.mark.parametrize("lacking", [r for r in FAILS if r])
def test_one_role_fewer_fails_clearly_and_writes_nothing(outcome, lacking):
    user = user_name(lacking)
    for step in STEPS:
        got = result(outcome, lacking, step)
        if step in FAILS[lacking]:
            assert got.get("failed") is True, (step, got)
            msg = got["msg"]
            assert "Traceback" not in msg and "\n" not in msg, msg
            assert msg == EXPECTED[(lacking, step)].format(sn=outcome["sn"], user=user)
        else:
            assert (got.get("failed", False), got["changed"]) == (False, True), (step, got.get("msg"))
    # The failing step wrote nothing: the record admin created for it is unchanged, or there is none.
    counts = outcome["counts"][user]
    for step in STEPS:
        if step not in FAILS[lacking]:
            assert len(counts[step]) == 1, (step, counts)
        elif step == "connection":
            assert counts[step] == [], (step, counts)
        else:
            assert counts[step] == [0], (step, counts)
