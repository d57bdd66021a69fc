# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml run the way AWX runs a job: through ansible-runner, credentials only in the environment.

The project is laid out as AWX lays it out (the synced project folder, collections/requirements.yml installed by the
project update into the job's collections path); the collection is not installed any other way.

The sandbox (TLS, two ServiceNow instances sharing one Camunda SaaS cluster) stands in for the services. As in AWX,
a job carries one credential of each type, so each ServiceNow instance is one job (limit = that host) with its
ServiceNow credential and the shared Camunda credential, their environment rendered from the injectors of
extensions/awx/credential_types/ exactly as AWX renders them. The inventory holds no secret; the connector account
comes as survey answers (extra vars). Checks: every job succeeds with every host ok, the second round changes
nothing, and no secret (passwords, client secrets, API keys, connector secret values, every token and client secret
the sandbox issued or stored during the run) appears anywhere in the jobs' artifacts, nor in the job environment
AWX would store and show.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest

import awx_credential_types as act
from checkout_copy import copy_checkout
import sandbox_inventory

ansible_runner = pytest.importorskip("ansible_runner")

sys.path.insert(0, os.path.join(act.REPO, "tests", "sandbox"))
from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position,import-error

# AWX's own masking of the job environment it stores (awx_plugins.interfaces build_safe_env).
AWX_SENSITIVE_ENV = re.compile("API|TOKEN|KEY|SECRET|PASS", re.I)
SECRET_KEY = re.compile(r"secret|token|password|passwd|api_?key|apikey", re.I)
NOT_SECRET_KEY = re.compile(r"url|lifespan|lifetime|format|type|name|id$|count|expires|scope|audience", re.I)


def servicenow_credential(sandbox_info, sn):
    return {"host": sn["url"], "username": sn["users"]["admin"]["username"],
            "password": sn["users"]["admin"]["password"], "ca_path": sandbox_info["ca_file"]}


def camunda_credential(sandbox_info):
    saas = sandbox_info["camunda"]["saas"]
    return {"client_id": saas["organization_client"]["client_id"],
            "client_secret": saas["organization_client"]["client_secret"],
            "oauth_url": saas["token_url"], "console_url": saas["console_url"],
            "cluster_api_url": saas["cluster_rest_url"], "ca_path": sandbox_info["ca_file"]}


def inventory_without_secrets(sandbox_info):
    """The sandbox inventory of tests/ci/sandbox_inventory.py with every credential taken out."""
    inventory = sandbox_inventory.build(sandbox_info)
    group = inventory["servicenow"]
    for name in ("setup_camunda", "setup_connector_user", "setup_connector_password"):
        group["vars"].pop(name)
    group["hosts"] = dict((host, {}) for host in group["hosts"])
    return inventory


def collect_secrets(node, out, key=""):
    """String values under secret-looking keys of a JSON document (sandbox.json, the sandbox's state files)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if str(name).lower() == "secrets" and isinstance(value, dict):   # connector secrets: {name: value}
                out.update(v for v in value.values() if isinstance(v, str) and len(v) >= 6)
            collect_secrets(value, out, str(name))
        return out
    if isinstance(node, list):
        for value in node:
            collect_secrets(value, out, key)
        return out
    if isinstance(node, str) and SECRET_KEY.search(key) and not NOT_SECRET_KEY.search(key) and len(node) >= 8 \
            and not node.startswith(("http://", "https://", "/")) and set(node) != {"*"}:
        out.add(node)
    if key in ("tokens", "active_tokens", "access_tokens") and isinstance(node, str) and len(node) >= 8:
        out.add(node)
    return out


def collect_token_keys(node, out):
    """Token stores keyed by the token itself: {"tokens": {"<token>": {...}}}."""
    if isinstance(node, dict):
        for name, value in node.items():
            if "token" in str(name).lower() and isinstance(value, dict):
                out.update(k for k in value if isinstance(k, str) and len(k) >= 16)
            collect_token_keys(value, out)
    elif isinstance(node, list):
        for value in node:
            collect_token_keys(value, out)
    return out


def sandbox_secrets(state_dir):
    found = set()
    for name in sorted(os.listdir(state_dir)):
        if name.endswith(".json"):
            with open(os.path.join(state_dir, name), encoding="utf-8") as handle:
                try:
                    document = json.load(handle)
                except ValueError:
                    continue
            collect_secrets(document, found)
            collect_token_keys(document, found)
    return found


def artifact_texts(root):
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                yield path, handle.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with start_sandbox(tmp_path_factory.mktemp("awx-sandbox"), instances=2, tls=True) as running:
        yield running


@pytest.fixture(scope="module")
def awx_project(tmp_path_factory):
    """The project as AWX lays it out for a job: the synced project folder, and the collections its
    collections/requirements.yml names installed by the project update into the job's requirements_collections
    (`ansible-galaxy collection install -r collections/requirements.yml` run from the project folder). The links a
    checkout uses are left out of the copy, so camunda.servicenow can only come from that install."""
    root = tmp_path_factory.mktemp("awx-job")
    project = copy_checkout(str(root / "project"), skip=("collections/ansible_collections", "playbooks/collections"))
    dest = str(root / "requirements_collections")
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(HOME=str(root), ANSIBLE_COLLECTIONS_PATH=dest, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    proc = subprocess.run([galaxy, "collection", "install", "-r", os.path.join(project, "collections", "requirements.yml"),
                           "--collections-path", dest], cwd=project, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    assert os.path.isfile(os.path.join(dest, "ansible_collections", "camunda", "servicenow", "MANIFEST.json"))
    return project, dest


def run_job(private_data_dir, ident, playbook, inventory_path, limit, env, extravars):
    """One AWX-like job: ansible-runner with only the credential environment and the survey answers.

    As AWX does, the extra vars (survey answers) go into the private data directory's env/extravars file, which
    ansible-runner passes as ``-e @env/extravars`` (given as a keyword, they would land on the command line);
    the environment is not written to env/ (suppress_env_files)."""
    os.makedirs(os.path.join(private_data_dir, "env"))
    with open(os.path.join(private_data_dir, "env", "extravars"), "w", encoding="utf-8") as handle:
        json.dump(extravars, handle)
    os.chmod(os.path.join(private_data_dir, "env", "extravars"), 0o600)
    return ansible_runner.run(
        private_data_dir=private_data_dir, ident=ident, playbook=playbook,
        inventory=inventory_path, limit=limit, envvars=env, quiet=True, suppress_env_files=True,
        settings={"suppress_ansible_output": True, "job_timeout": 240})


def test_site_yml_through_ansible_runner_with_awx_credential_injection(sandbox, awx_project, tmp_path, monkeypatch):
    info = sandbox.info
    for name in list(os.environ):
        if name.startswith(("SN_", "CAMUNDA_", "ANSIBLE_")):
            monkeypatch.delenv(name)
    inventory_path = str(tmp_path / "hosts.json")
    with open(inventory_path, "w", encoding="utf-8") as handle:
        json.dump(inventory_without_secrets(info), handle)
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    servicenow_type, camunda_type = act.load("servicenow"), act.load("camunda")
    camunda_env = act.render_env(camunda_type, camunda_credential(info))
    connector = info["servicenow"][0]["users"]["admin"]
    survey = {"setup_connector_user": connector["username"], "setup_connector_password": connector["password"]}
    project, collections_path = awx_project
    base_env = {"ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"),
                # ansible-playbook of this virtual environment (AWX: the execution environment's).
                "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    known_secrets = set()
    for sn in info["servicenow"]:
        known_secrets.update(user["password"] for user in sn["users"].values())
        known_secrets.update([sn["oauth_client"]["client_secret"], sn["api_key"]])
    saas = info["camunda"]["saas"]
    known_secrets.update([saas["organization_client"]["client_secret"], saas["limited_organization_client"]["client_secret"],
                          info["camunda"]["self_managed"]["admin"]["password"]])

    recaps = {}
    safe_envs = []
    for round_number in (1, 2):
        for sn in info["servicenow"]:
            servicenow_env = act.render_env(servicenow_type, servicenow_credential(info, sn))
            env = dict(base_env, **servicenow_env)
            env.update(camunda_env)
            safe_envs.append(dict((k, "**********" if AWX_SENSITIVE_ENV.search(k) else v)
                                  for k, v in dict(servicenow_env, **camunda_env).items()))
            ident = "round%d-%s" % (round_number, sn["name"])
            # A fresh private data directory per job, as AWX does (ansible-runner keeps the env/ files it finds:
            # a reused directory would run the next job with the previous job's credentials).
            private_data_dir = str(tmp_path / "jobs" / ident)
            os.makedirs(private_data_dir)
            # The job template's playbook: site.yml at the project's top level.
            result = run_job(private_data_dir, ident, os.path.join(project, "site.yml"), inventory_path, sn["name"], env, survey)
            stdout = result.stdout.read() if result.stdout else ""
            assert (result.status, result.rc) == ("successful", 0), "%s failed:\n%s" % (ident, stdout[-6000:])
            stats = result.stats
            assert sorted(stats["ok"]) == [sn["name"]], stats
            assert stats["failures"] == {} and stats["dark"] == {}, stats
            recaps[ident] = stats
    first = dict((sn["name"], recaps["round1-%s" % sn["name"]]["changed"].get(sn["name"], 0)) for sn in info["servicenow"])
    second = dict((sn["name"], recaps["round2-%s" % sn["name"]]["changed"].get(sn["name"], 0)) for sn in info["servicenow"])
    assert all(count > 0 for count in first.values()), first
    assert second == dict((sn["name"], 0) for sn in info["servicenow"]), second

    issued = sandbox_secrets(sandbox.state_dir)
    secrets = sorted(s for s in known_secrets | issued | {survey["setup_connector_password"]} if s)
    # The run created Camunda clients and tokens: the scan must cover them, not only what sandbox.json knew.
    assert len(issued - known_secrets) >= 4, sorted(issued - known_secrets)
    # What AWX keeps of a job: the artifacts (events, stdout, fact cache, command, status). The env/ files of the
    # private data directory hold the credentials by design and AWX deletes them with the directory.
    jobs = str(tmp_path / "jobs")
    scanned = 0
    leaks = []
    for ident in sorted(recaps):
        for path, text in artifact_texts(os.path.join(jobs, ident, "artifacts")):
            scanned += 1
            if os.path.basename(path) == "command":
                # ansible-runner records the process environment it started ansible-playbook with (mode 0600);
                # AWX keeps that file on the execution node only and stores the masked environment instead (checked
                # below). The env holds exactly the injected credentials; the command line and cwd hold none.
                record = json.loads(text)
                text = json.dumps([record["command"], record["cwd"]]
                                  + [v for k, v in record["env"].items() if not k.startswith(("SN_", "CAMUNDA_"))])
                injected = dict((k, v) for k, v in record["env"].items() if k.startswith(("SN_", "CAMUNDA_")))
                assert sorted(injected) == sorted(list(servicenow_type["injectors"]["env"]) + list(camunda_type["injectors"]["env"]))
            leaks.extend("%s holds %s...%s" % (os.path.relpath(path, jobs), s[:3], s[-2:]) for s in secrets if s in text)
    assert scanned > 50, scanned   # job_events of four jobs, stdout, command, status, rc, fact cache
    for ident in recaps:   # ansible-runner wrote no env/ file (only the extravars AWX would write is there)
        assert os.listdir(os.path.join(jobs, ident, "env")) == ["extravars"]
    # Positive control: the scan finds a secret where one is (the survey answer AWX writes for the job).
    extravars = dict(artifact_texts(os.path.join(jobs, "round1-sn1", "env")))
    assert [s for s in secrets if any(s in text for text in extravars.values())] == [survey["setup_connector_password"]]
    assert leaks == []
    assert [s for s in secrets if any(s in value for env in safe_envs for value in env.values())] == []
