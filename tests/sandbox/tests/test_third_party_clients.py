"""Clients nobody here wrote, against the sandbox: pysnow (Python, the package index) for the ServiceNow Table API,
and @camunda8/sdk (Node, the npm registry, installed under build/node-clients by `make node-clients`) for the Camunda
Console and a cluster. A sandbox only our own code can talk to cannot catch our own misreadings (issue 10)."""

import json
import os
import shutil
import subprocess

import pytest
import requests

from harness import start_sandbox

pysnow = pytest.importorskip("pysnow", reason="pysnow is not installed (requirements-test.txt)")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NODE_CLIENTS = os.path.join(REPO, "build", "node-clients")
SDK_SCRIPT = os.path.join(REPO, "tests", "sandbox", "clients", "camunda_sdk_roundtrip.js")


def pysnow_client(sn, ca_file):
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE (preset on this machine) overrides session.verify
    session.verify = ca_file
    session.auth = (sn["users"]["admin"]["username"], sn["users"]["admin"]["password"])
    return pysnow.Client(host=sn["url"].split("://", 1)[1], session=session)


def test_pysnow_crud_round_trip(sn, sandbox):
    client = pysnow_client(sn.info, sandbox.ca_file)
    properties = client.resource(api_path="/table/sys_properties")
    created = properties.create(payload={"name": "pysnow.round_trip", "value": "one"}).one()
    assert created["name"] == "pysnow.round_trip" and created["value"] == "one" and len(created["sys_id"]) == 32
    found = properties.get(query={"name": "pysnow.round_trip"}, fields=["sys_id", "name", "value"]).one()
    assert found == {"sys_id": created["sys_id"], "name": "pysnow.round_trip", "value": "one"}
    # An encoded query built with pysnow's QueryBuilder.
    query = pysnow.QueryBuilder().field("name").starts_with("pysnow.").AND().field("value").equals("one")
    assert [r["sys_id"] for r in properties.get(query=query).all()] == [created["sys_id"]]
    updated = properties.update(query={"sys_id": created["sys_id"]}, payload={"value": "two"}).one()
    assert updated["value"] == "two" and updated["sys_mod_count"] == "1"
    assert properties.delete(query={"sys_id": created["sys_id"]}) == {"status": "record deleted"}
    with pytest.raises(pysnow.exceptions.NoResults):
        properties.get(query={"sys_id": created["sys_id"]}).one()


def test_pysnow_reads_pages_and_references(sn, sandbox):
    client = pysnow_client(sn.info, sandbox.ca_file)
    properties = client.resource(api_path="/table/sys_properties")
    for n in range(5):
        properties.create(payload={"name": "pysnow.page.%d" % n, "value": str(n)})
    query = pysnow.QueryBuilder().field("name").starts_with("pysnow.page.").AND().field("name").order_ascending()
    assert [r["value"] for r in properties.get(query=query, stream=True).all()] == ["0", "1", "2", "3", "4"]
    # pysnow pages with sysparm_limit/sysparm_offset (it does not follow the Link header).
    assert [r["value"] for r in properties.get(query=query, limit=2, offset=2).all()] == ["2", "3"]
    roles = client.resource(api_path="/table/sys_user_has_role")
    first = roles.get(query={}, limit=1, stream=True).first()
    assert set(first["user"]) == {"link", "value"} and first["user"]["link"].startswith(sn.info["url"])


# ------------------------------------------------------------------------------------------------ @camunda8/sdk
def _sdk_installed():
    return os.path.isdir(os.path.join(NODE_CLIENTS, "node_modules", "@camunda8", "sdk"))


@pytest.fixture(scope="module")
def camunda_sandbox(tmp_path_factory):
    if shutil.which("node") is None:
        pytest.skip("node is missing: the @camunda8/sdk round trip cannot run (install Node.js, then `make node-clients`)")
    if not _sdk_installed():
        pytest.skip("@camunda8/sdk is not installed under build/node-clients: run `make node-clients` (npm)")
    box = start_sandbox(tmp_path_factory.mktemp("sdk"), instances=1, tls=True,
                        extra_args=["--no-camunda-token-rate-limit", "--max-lifetime", "600"])
    yield box
    box.stop()


def test_camunda8_sdk_round_trip(camunda_sandbox):
    saas = camunda_sandbox.info["camunda"]["saas"]
    env = dict(os.environ)
    env.update({
        "NODE_PATH": os.path.join(NODE_CLIENTS, "node_modules"),
        "NODE_EXTRA_CA_CERTS": camunda_sandbox.ca_file,  # the sandbox CA, not the machine's preset bundle
        "CAMUNDA_CONSOLE_BASE_URL": saas["console_url"],
        "CAMUNDA_CONSOLE_CLIENT_ID": saas["organization_client"]["client_id"],
        "CAMUNDA_CONSOLE_CLIENT_SECRET": saas["organization_client"]["client_secret"],
        "CAMUNDA_CONSOLE_OAUTH_AUDIENCE": saas["console_audience"],
        "CAMUNDA_OAUTH_URL": saas["token_url"],
        "SANDBOX_CLUSTER_ID": saas["clusters"][0]["id"],
        "SANDBOX_CLUSTER_REST_URL": saas["cluster_rest_url"],
        "SANDBOX_CLUSTER_AUDIENCE": saas["cluster_audience"],
    })
    for name in list(env):
        if name.startswith("ZEEBE_") or (name.startswith("CAMUNDA_") and name not in (
                "CAMUNDA_CONSOLE_BASE_URL", "CAMUNDA_CONSOLE_CLIENT_ID", "CAMUNDA_CONSOLE_CLIENT_SECRET",
                "CAMUNDA_CONSOLE_OAUTH_AUDIENCE", "CAMUNDA_OAUTH_URL")):
            del env[name]
    done = subprocess.run(["node", SDK_SCRIPT], env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, "the SDK round trip failed:\n%s\n%s" % (done.stdout, done.stderr)
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert results["failed"] == [], results
    assert results["passed"] == [
        "getClusters lists the sandbox clusters", "getCluster reads one", "createClient returns the secret once",
        "getClients lists the new client", "getClient reads its connection details",
        "createSecret, getSecrets, updateSecret, deleteSecret", "cluster token from the token service",
        "topology of the cluster through the SDK's REST client", "deleteClient removes it",
    ]
