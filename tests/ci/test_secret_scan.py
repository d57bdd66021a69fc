# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret scan (issue 14): the whole role (site.yml, rotate.yml, teardown.yml) at -vvvv with --diff, under the
default callback (results as JSON), the default callback with YAML results, the ansible.posix.json callback, and
ansible-runner. Fails if any secret value used in the run appears in stdout, stderr, the callback output, the
runner's artifacts or any file the run left behind (Ansible's local and remote temp directories, the working
directory), as it is, as the Base64 of a Basic-auth pair, or URL-encoded.

The secrets are every value the sandbox holds under a secret-looking key, read AFTER the runs (so the Camunda client
secrets and access tokens issued during the run are included): ServiceNow passwords, OAuth client secrets and API
keys, the Camunda organization and cluster client secrets, connector secret values, access and refresh tokens."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import subprocess
import sys

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover
    from urllib import quote, quote_plus  # type: ignore

import pytest

import sandbox_inventory
from test_awx_runner import artifact_texts, sandbox_secrets

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTIONS = os.path.join(REPO, "build")
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
PLAYBOOKS = ("site", "rotate", "teardown")
MODES = ("default", "yaml", "json", "runner")


# ansible.posix (for its json callback) comes from the pinned `ansible` wheel cached in build/cache, extracted into
# build/callbacks by tests/ci/install_awx_collection.py (`make ci-tests` does it first; the fixture below does it too
# when the test runs alone). A separate path, so ansible-lint's view of build/collections does not change.
CALLBACKS = os.path.join(REPO, "build", "callbacks")
POSIX_JSON = os.path.join(CALLBACKS, "ansible_collections", "ansible", "posix", "plugins", "callback", "json.py")


@pytest.fixture(scope="module")
def posix_json():
    """The collections path holding ansible.posix; extracts it from the cached wheel when it is not there yet."""
    if not os.path.exists(POSIX_JSON):
        import install_awx_collection  # pylint: disable=import-outside-toplevel
        try:
            install_awx_collection.install(CALLBACKS, os.path.join(REPO, "build", "cache"), ["ansible.posix"])
        except SystemExit as error:
            pytest.skip("the ansible.posix.json callback could not be installed from the pinned ansible wheel "
                        "(PyPI unreachable and build/cache empty?): {0}".format(error))
    return CALLBACKS


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    sys.path.insert(0, os.path.join(REPO, "tests", "sandbox"))
    import harness  # pylint: disable=import-outside-toplevel,import-error
    with harness.start_sandbox(str(tmp_path_factory.mktemp("scan-sandbox")), instances=1, tls=True,
                               extra_args=["--sn-install-seconds", "1", "--max-lifetime", "3600"]) as running:
        yield running


def forms(secret, users):
    """A secret as it is, URL-encoded, and as the Base64 of the Basic-auth pairs it can be part of."""
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    for user in users:
        out.add(base64.b64encode("{0}:{1}".format(user, secret).encode("utf-8")).decode("ascii"))
    return set(form for form in out if len(form) >= 6)


def usernames(info):
    names = set()
    for sn in info["servicenow"]:
        names.update(u["username"] for u in sn["users"].values())
        names.add(sn["oauth_client"]["client_id"])
    saas = info["camunda"]["saas"]
    names.update((saas["organization_client"]["client_id"], saas["limited_organization_client"]["client_id"]))
    return names


def environment(work, mode, callbacks=None):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(work / "local-tmp"), ANSIBLE_REMOTE_TEMP=str(work / "remote-tmp"),
               ANSIBLE_ROLES_PATH=os.path.join(REPO, "roles"))
    if mode == "yaml":
        env["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "yaml"
    elif mode == "json":
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
        env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join((COLLECTIONS, callbacks))
    else:
        env["ANSIBLE_STDOUT_CALLBACK"] = "default"
    return env


def run_playbooks(work, mode, inventory, callbacks=None):
    """Every playbook at -vvvv --diff; returns [(where, text)] of everything the runs printed or wrote."""
    texts = []
    env = environment(work, mode, callbacks)
    for playbook in PLAYBOOKS:
        path = os.path.join(REPO, "playbooks", playbook + ".yml")
        if mode == "runner":
            ansible_runner = pytest.importorskip(
                "ansible_runner", reason="ansible-runner is not installed (requirements-test.txt lists it)")
            private = work / ("runner-" + playbook)
            private.mkdir()
            envvars = dict((k, v) for k, v in env.items() if k.startswith("ANSIBLE_"))
            # ansible-runner starts ansible-playbook from PATH: the one beside this Python.
            envvars["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
            result = ansible_runner.run(private_data_dir=str(private), playbook=path, inventory=str(inventory),
                                        cmdline="-vvvv --diff", envvars=envvars, quiet=True)
            assert result.rc == 0, "ansible-runner {0} failed: rc {1}".format(playbook, result.rc)
            texts.extend(artifact_texts(str(private)))
            continue
        done = subprocess.run([PLAYBOOK_BIN, "-vvvv", "--diff", "-i", str(inventory), path], env=env, cwd=str(work),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, timeout=3600)
        out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
        assert done.returncode == 0, "{0} ({1}) failed:\n{2}".format(playbook, mode, out[-3000:])
        texts += [("stdout of " + playbook, out), ("stderr of " + playbook, err)]
    for folder in ("local-tmp", "remote-tmp"):
        if (work / folder).exists():
            texts.extend(artifact_texts(str(work / folder)))
    for name in os.listdir(str(work)):
        full = work / name
        if full.is_file() and name != "inventory.json":
            texts.append((str(full), full.read_text(errors="replace")))
    return texts


@pytest.mark.parametrize("mode", MODES)
def test_no_secret_in_any_output(sandbox, tmp_path, mode, request):
    callbacks = request.getfixturevalue("posix_json") if mode == "json" else None
    sandbox.control("DELETE", "/faults")
    sandbox.restore()
    inventory = tmp_path / "inventory.json"
    inventory.write_text(json.dumps(sandbox_inventory.build(sandbox.info)))
    texts = run_playbooks(tmp_path, mode, inventory, callbacks)
    if mode == "json":
        # The json callback really printed the results: one JSON document with every play and task.
        stdout = dict(texts)["stdout of site"]
        start = re.search(r"^\{$", stdout, re.M)
        assert start, stdout[-2000:]
        document = json.JSONDecoder().raw_decode(stdout[start.start():])[0]
        assert [play["play"]["name"] for play in document["plays"]] == ["Connect ServiceNow instances to Camunda"]
    if mode == "runner":
        assert any("/artifacts/" in where and where.endswith("stdout") for where, _text in texts)
    secrets = sandbox_secrets(sandbox.info["state_dir"])
    assert len(secrets) >= 10  # passwords, client secrets, API keys, tokens: the scan has something to look for
    users = usernames(sandbox.info)
    leaks = []
    for secret in secrets:
        for form in forms(secret, users):
            for where, text in texts:
                if form in text:
                    leaks.append("{0}...{1} ({2} chars) in {3}".format(secret[:2], secret[-2:], len(secret), where))
    assert leaks == []
