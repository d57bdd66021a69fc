# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/shared_reads.py: the hosts of one run read a cluster and its client list once; a write forgets them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import camunda as cm
from ansible_collections.camunda.servicenow.plugins.module_utils import shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_console import ConsoleAPI

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"
TOKEN = "console-token-abcdef"


@pytest.fixture
def store(tmp_path, monkeypatch):
    run = shared_reads.RunStore(str(tmp_path / "run"), task="task-1")
    monkeypatch.setattr(shared_reads, "STORE", run)
    return run


def counting(values):
    calls = []

    def fetch():
        calls.append(1)
        return values[len(calls) - 1]
    return fetch, calls


def test_no_store_no_scope(monkeypatch):
    monkeypatch.setattr(shared_reads, "STORE", None)
    assert shared_reads.scope("console", "x") is None
    assert shared_reads.task_scope("console", "x") is None


def test_no_task_no_task_scope(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_reads, "STORE", shared_reads.RunStore(str(tmp_path)))
    assert shared_reads.task_scope("console", "x") is None
    assert shared_reads.scope("console", "x") is not None


def test_the_next_task_reads_again(store):
    fetch, calls = counting(["first", "second"])
    assert shared_reads.task_scope("console", "c").read("k", fetch) == "first"
    assert shared_reads.task_scope("console", "c").read("k", fetch) == "first"
    store.task = "task-2"
    assert shared_reads.task_scope("console", "c").read("k", fetch) == "second"
    assert calls == [1, 1]


def test_read_fetches_once_then_answers_from_the_run(store):
    fetch, calls = counting([[{"clientId": "a"}], [{"clientId": "b"}]])
    one = shared_reads.scope("console", "https://console.test", CLUSTER, "org", "h")
    other_task = shared_reads.scope("console", "https://console.test", CLUSTER, "org", "h")
    assert one.read("/clusters/x/clients", fetch) == [{"clientId": "a"}]
    assert other_task.read("/clusters/x/clients", fetch) == [{"clientId": "a"}]
    assert calls == [1]
    mode = stat.S_IMODE(os.stat(store.directory).st_mode)
    assert mode == 0o700


def test_drop_forgets_every_read_of_the_scope_and_only_that_scope(store):
    scope = shared_reads.scope("console", "c", CLUSTER, "org", "h")
    neighbour = shared_reads.scope("console", "c", "another-cluster", "org", "h")
    fetch, calls = counting([1, 2, 3])
    other_fetch, other_calls = counting(["kept"])
    scope.read("clients", fetch)
    neighbour.read("clients", other_fetch)
    scope.drop()
    assert scope.read("clients", fetch) == 2
    assert neighbour.read("clients", other_fetch) == "kept"
    assert (calls, other_calls) == ([1, 1], [1])


def test_another_credential_never_sees_the_read(store):
    fetch, calls = counting(["org-a", "org-b"])
    assert shared_reads.scope("console", "c", CLUSTER, "org-a", "h1").read("k", fetch) == "org-a"
    assert shared_reads.scope("console", "c", CLUSTER, "org-b", "h2").read("k", fetch) == "org-b"
    assert calls == [1, 1]


def test_a_failed_fetch_keeps_nothing(store):
    scope = shared_reads.scope("console", "c", CLUSTER, "org", "h")

    def failing():
        raise RuntimeError("503")
    with pytest.raises(RuntimeError):
        scope.read("k", failing)
    fetch, calls = counting(["ok"])
    assert scope.read("k", fetch) == "ok"
    assert calls == [1]


def _reader(directory, path, queue):
    shared_reads.STORE = shared_reads.RunStore(directory)

    def fetch():
        time.sleep(0.3)  # a slow read: the other processes wait for it instead of sending their own
        with open(path, "a") as handle:
            handle.write("fetched\n")
        return ["one"]
    queue.put(shared_reads.scope("console", "c", CLUSTER, "org", "h").read("clients", fetch))


def test_concurrent_workers_send_one_read(tmp_path):
    directory, log = str(tmp_path / "run"), str(tmp_path / "fetches")
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_reader, args=(directory, log, queue)) for dummy in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [queue.get(timeout=5) for dummy in workers] == [["one"]] * 4
    with open(log) as handle:
        assert handle.read() == "fetched\n"


# ---------------------------------------------------------------------------------------------- the Console hook

def console(**overrides):
    options = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
    options.update(client_id="org-client", client_secret="org-secret-value-123", console_url="https://console.test",
                   oauth_url="https://login.test/oauth/token", access_token=TOKEN)
    options.update(overrides)
    return ConsoleAPI(cm.CamundaClient(options, sleep=lambda s: None, clock=lambda: 1000.0), CLUSTER)


def test_console_cluster_and_clients_are_read_once_per_task_and_reread_after_a_write(fake_http, store):
    clients = "/clusters/{0}/clients".format(CLUSTER)
    fake_http.add("GET", "/clusters/{0}".format(CLUSTER), json={"uuid": CLUSTER, "status": {"ready": "Healthy"}})
    fake_http.add("GET", clients, json=[])
    fake_http.add("GET", clients, json=[{"clientId": "new", "name": "servicenow-sn1-g1"}])
    fake_http.add("POST", clients, json={"clientId": "new", "clientSecret": "s"})
    fake_http.add("GET", "/clusters/{0}/secrets".format(CLUSTER), json={"snUser": "u"})

    for dummy in range(3):  # three hosts of one task
        assert console().get_cluster()["uuid"] == CLUSTER
        assert console().list_clients() == []
        assert console().get_secrets() == {"snUser": "u"}  # holds secrets: never kept
    console().create_client("servicenow-sn1-g1")
    assert console().list_clients() == [{"clientId": "new", "name": "servicenow-sn1-g1"}]
    assert console().list_clients() == [{"clientId": "new", "name": "servicenow-sn1-g1"}]
    assert console().get_cluster()["uuid"] == CLUSTER  # a client write does not change the cluster: still kept

    sent = [(c.method, c.url.split("console.test")[1]) for c in fake_http.calls]
    assert sent.count(("GET", "/clusters/" + CLUSTER)) == 1
    assert sent.count(("GET", clients)) == 2
    assert sent.count(("GET", clients.replace("clients", "secrets"))) == 3
    assert sent.count(("POST", clients)) == 1
    assert len(sent) == 7
    for name in os.listdir(store.directory):
        with open(os.path.join(store.directory, name)) as handle:
            assert "org-secret-value-123" not in handle.read() and TOKEN not in name


def test_a_fresh_client_list_is_read_again_while_looking_for_a_late_commit(fake_http, store):
    # a create whose answer timed out looks for the client in the list as it is now, several times
    clients = "/clusters/{0}/clients".format(CLUSTER)
    fake_http.add("GET", clients, json=[])
    fake_http.add("GET", clients, json=[{"clientId": "late", "name": "servicenow-sn1-g1"}])
    assert console().list_clients() == []
    assert console().list_clients() == []  # kept for the task
    assert console().list_clients(fresh=True) == [{"clientId": "late", "name": "servicenow-sn1-g1"}]
    assert [c.method for c in fake_http.calls] == ["GET", "GET"]


def test_a_secret_write_forgets_everything_kept_for_the_cluster(fake_http, store):
    fake_http.add("GET", "/clusters/{0}".format(CLUSTER), json={"uuid": CLUSTER})
    fake_http.add("POST", "/clusters/{0}/secrets".format(CLUSTER), status=204)
    console().get_cluster()
    console().create_secret("snUser", "u")
    console().get_cluster()
    assert [c.method for c in fake_http.calls] == ["GET", "POST", "GET"]


def test_console_reads_of_another_credential_are_not_shared(fake_http, store):
    fake_http.add("GET", "/clusters/{0}/clients".format(CLUSTER), json=[])
    console().list_clients()
    console(access_token="another-organizations-token").list_clients()
    console(client_secret="a-wrong-secret").list_clients()
    assert len(fake_http.calls) == 3


def test_without_a_store_every_read_is_sent(fake_http, monkeypatch):
    monkeypatch.setattr(shared_reads, "STORE", None)
    fake_http.add("GET", "/clusters/{0}/clients".format(CLUSTER), json=[])
    console().list_clients()
    console().list_clients()
    assert len(fake_http.calls) == 2


def test_known_and_remember(store):
    scope = shared_reads.scope("servicenow", "https://sn.test", "credential-hash")
    assert scope.known("batch_refused") is None
    scope.remember("batch_refused", 400)
    assert shared_reads.scope("servicenow", "https://sn.test", "credential-hash").known("batch_refused") == 400
    assert shared_reads.scope("servicenow", "https://sn.test", "another-hash").known("batch_refused") is None


# ---------------------------------------------------------------------------------------------- ServiceNow's Batch API

BATCH = "/api/now/v1/batch"
REQUESTS = [{"id": "alias", "table": "sys_alias", "query": "id=x_camun_camunda.Camunda", "fields": ["sys_id"], "limit": 5},
            {"id": "cred", "table": "oauth_2_0_credentials", "query": "name=Camunda Connection", "fields": ["sys_id"],
             "limit": 5}]


def sn_client(password="p"):
    from ansible_collections.camunda.servicenow.plugins.module_utils import servicenow as sn

    return sn.ServiceNowClient({"instance": {"host": "https://sn.example.com", "username": "u", "password": password}},
                               sleep=lambda s: None)


def test_a_refused_batch_api_is_tried_once_per_run_and_instance(fake_http, store):
    fake_http.add("POST", BATCH, status=400, json={"error": {"message": "Requested URI does not represent any resource",
                                                             "detail": None}, "status": "failure"})
    fake_http.add("GET", "/api/now/table/sys_alias", json={"result": [{"sys_id": "a1"}]})
    fake_http.add("GET", "/api/now/table/oauth_2_0_credentials", json={"result": []})
    for dummy in range(3):  # three tasks (module runs) on one instance in one run
        assert sn_client().batch_get(REQUESTS) == [[{"sys_id": "a1"}], []]
    sent = [(x.method, x.path) for x in fake_http.calls]
    assert sent.count(("POST", BATCH)) == 1
    assert len(sent) == 1 + 3 * 2
    # other credentials on the same instance find out for themselves (a 403 may be about the user's roles)
    sn_client(password="other").batch_get(REQUESTS)
    assert [(x.method, x.path) for x in fake_http.calls].count(("POST", BATCH)) == 2


# ---------------------------------------------------------------------------------------------- token pacing

class Clock(object):
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def test_pace_spaces_calls_of_one_key_across_the_run(store):
    clock = Clock()
    assert shared_reads.pace(("token", "https://login.test/oauth/token"), 1.1, clock.sleep, clock.time) == 0.0
    clock.now += 0.4
    assert round(shared_reads.pace(("token", "https://login.test/oauth/token"), 1.1, clock.sleep, clock.time), 3) == 0.7
    clock.now += 5
    assert shared_reads.pace(("token", "https://login.test/oauth/token"), 1.1, clock.sleep, clock.time) == 0.0
    assert shared_reads.pace(("token", "https://other.test/oauth/token"), 1.1, clock.sleep, clock.time) == 0.0
    assert clock.sleeps == [0.7]


def test_pace_without_a_store_does_not_wait(monkeypatch):
    monkeypatch.setattr(shared_reads, "STORE", None)
    clock = Clock()
    assert shared_reads.pace("k", 1.1, clock.sleep, clock.time) == 0.0
    assert shared_reads.pace("k", 1.1, clock.sleep, clock.time) == 0.0
    assert clock.sleeps == []


def test_token_requests_of_a_run_are_spaced_to_the_token_services_limit(fake_http, store):
    fake_http.add("POST", "/oauth/token", json={"access_token": "t-" + "x" * 30, "expires_in": 86400,
                                                "token_type": "Bearer"})
    clock = Clock()
    for client_id in ("client-a", "client-b", "client-c"):  # three hosts' new clients proving themselves
        options = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
        camunda = cm.CamundaClient(options, sleep=clock.sleep, clock=clock.time)
        camunda.fetch_token("https://login.test/oauth/token", client_id, "secret-" + client_id, "zeebe.camunda.io")
    assert len(fake_http.calls) == 3
    assert clock.sleeps == [cm.TOKEN_SPACING, cm.TOKEN_SPACING]
