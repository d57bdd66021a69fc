# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request budgets of issue 9, counted from the sandbox's request log for playbooks/site.yml.

Two ServiceNow instances share one Camunda cluster; the spoke is pre-installed. site.yml runs cold (nothing
configured), then warm (the same again), then cold twice more on instances whose Batch API answers 400 (what an
instance answers for a path it does not serve): once through a fault rule on the batch path, once through the
sandbox's own `batch_api` flag (an instance that does not route the Batch API at all). Request counts are
deterministic: no timing is asserted here (`make bench` measures time). A Batch API call is one request on the
wire; its items are counted as records read.

One test, so that the four playbook runs happen once (pytest-xdist would run a shared fixture once per worker):
each budget is a function returning the sentences of its violations, and the test fails listing all of them.
Budgets the collection does not meet yet are held at today's ceilings (see the constants below), never skipped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
from urllib.parse import parse_qsl

import pytest

import sandbox_inventory

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sandbox"))

# pylint: disable=wrong-import-position,import-error
import check_records  # noqa: E402
import measure  # noqa: E402
from harness import start_sandbox  # noqa: E402

INSTANCES = 2
SN_COLD_MAX = 8       # ServiceNow requests per instance, cold run
SN_WARM_MAX = 4       # ServiceNow requests per instance, warm run (and no write)
CAMUNDA_WARM_MAX = 3  # Camunda requests per play for the cluster, warm run
LOOKUP_LIMIT_MAX = 100

# Budgets of issue 9 the collection does not meet yet (issue 9 stays open for them). Each is held at what the
# collection does today, so it can only get better: the test fails when a change makes any of them worse, and the
# message names the issue's budget next to the ceiling. Lower a ceiling (down to the budget) whenever a change allows.
# - The hosts of a run share the client-list reads (module_utils/shared_reads.py), and with setup_camunda_region given
#   (as here) a run that changes no client does not read the cluster: a warm run makes 3 Camunda requests for one
#   cluster whatever the number of instances (the token, the client list, the connector secrets). Met.
CAMUNDA_WARM_CEILING = 3
# - The alias is read by the preflight and again by the connection step. On a cold run each host reads the client list
#   again after another host created its client (a new list, but the log cannot tell it from a repeat).
REPEAT_CEILINGS = {("sn", "/api/now/table/sys_alias"): 2,
                   ("camunda_console", "/clusters/{cluster}/clients"): INSTANCES}
# - Batch API refused: the first module run on an instance finds out and the run remembers it (shared_reads.py), so
#   the refusal costs one request per instance; each module run then reads record by record.
BATCH_REFUSED_TRIES_CEILING = 1                   # the issue's budget: 1
BATCH_REFUSED_EXTRA_CEILING = 0                   # requests per instance above the issue's allowance
# The two ways the Batch API is refused: a fault rule answering 400 on the batch path (batch_refused), and the
# sandbox's `batch_api` flag off (batch_flag_off), which serves the same 400 as an instance that does not route it.
BATCH_REFUSED_PHASES = ("batch_refused", "batch_flag_off")
BATCH_REFUSED = {"path": r"^/api/now(/v1)?/batch$", "method": "POST", "status": 400, "times": 0,
                 "body": {"error": {"message": "Requested URI does not represent any resource", "detail": None},
                          "status": "failure"}}


def run_site(sandbox, inventory, work, label):
    """Run site.yml; returns its request-log entries, the record checks' problems and, when it failed, why."""
    start = sandbox.log_seq()
    result = measure.run_playbook(measure.SITE, inventory, work, forks=5, log_path=os.path.join(work, label + ".log"),
                                  sample_memory=False)
    end = sandbox.log_seq()
    failed = [h for h, r in result["recap"].items() if r["failed"] or r["unreachable"]]
    failure = None
    if result["rc"] != 0 or failed or len(result["recap"]) != INSTANCES:
        errors = [line for line in result["output"].splitlines() if line.startswith(("fatal:", "[ERROR]"))]
        failure = "site.yml (%s) failed with rc %s: %s" % (label, result["rc"], " | ".join(errors[:4]) or result["output"][-2000:])
    with open(inventory, encoding="utf-8") as handle:
        problems = check_records.check(sandbox.info, json.load(handle))
    entries = [e for e in sandbox.control("GET", "/log", params={"since": start}) if e["seq"] <= end]
    return {"entries": entries, "problems": problems, "recap": result["recap"], "failure": failure}


def per_instance(run, sn_names):
    return measure.summarize_log(run["entries"], sn_names)


def run_failures(runs):
    out = []
    for phase in ("cold", "warm") + BATCH_REFUSED_PHASES:
        run = runs[phase]
        if run["failure"]:
            out.append(run["failure"])
        elif run["problems"]:
            out.append("%s run: the record checks failed: %s" % (phase, "; ".join(run["problems"])))
    if not runs["warm"]["failure"] and sum(r["changed"] for r in runs["warm"]["recap"].values()):
        out.append("warm run: changed=%d, expected 0" % sum(r["changed"] for r in runs["warm"]["recap"].values()))
    return out


def cold_servicenow_requests(runs):
    """Cold run: at most SN_COLD_MAX ServiceNow requests per instance."""
    requests = dict(zip(runs["sn"], per_instance(runs["cold"], runs["sn"])["sn_requests"]))
    if max(requests.values()) > SN_COLD_MAX:
        return ["cold run: ServiceNow requests per instance %s, budget %d" % (requests, SN_COLD_MAX)]
    return []


def warm_servicenow_requests(runs):
    """Warm run: at most SN_WARM_MAX ServiceNow requests per instance and no write."""
    counts = per_instance(runs["warm"], runs["sn"])
    requests = dict(zip(runs["sn"], counts["sn_requests"]))
    writes = dict(zip(runs["sn"], counts["sn_writes"]))
    out = []
    if max(requests.values()) > SN_WARM_MAX:
        out.append("warm run: ServiceNow requests per instance %s, budget %d" % (requests, SN_WARM_MAX))
    if max(writes.values()) > 0:
        out.append("warm run: ServiceNow writes per instance %s, budget 0" % writes)
    return out


def warm_camunda_requests(runs):
    """Warm run: at most CAMUNDA_WARM_MAX Camunda requests for the cluster, however many instances share it."""
    counts = per_instance(runs["warm"], runs["sn"])
    if counts["camunda_requests"] > CAMUNDA_WARM_CEILING:
        return ["warm run: %d Camunda requests for one cluster (%s), above today's ceiling %d (issue 9's budget: %d)"
                % (counts["camunda_requests"], counts["camunda_by_service"], CAMUNDA_WARM_CEILING, CAMUNDA_WARM_MAX)]
    return []


def repeat_allowed(key, count, sn_names):
    """A repeated read that REPEAT_CEILINGS allows for now (key: service, method, path, query, principal)."""
    service, method, path = key[0], key[1], key[2]
    if method != "GET":
        return False
    kind = "sn" if service in sn_names else service
    generic = path
    parts = path.split("/")
    if service == "camunda_console" and len(parts) >= 3 and parts[1] == "clusters":
        generic = "/".join(["", "clusters", "{cluster}"] + parts[3:])
    ceiling = REPEAT_CEILINGS.get((kind, generic))
    return ceiling is not None and count <= ceiling


def one_token_per_client(runs):
    """Every run: at most one token request per client (each client asks for one audience) per play."""
    out = []
    for phase in ("cold", "warm") + BATCH_REFUSED_PHASES:
        if runs[phase]["failure"]:
            continue
        tokens = per_instance(runs[phase], runs["sn"])["tokens_by_client"]
        if not tokens:
            out.append("%s run: no Camunda token request at all (the log does not hold the run?)" % phase)
        twice = dict((client, n) for client, n in tokens.items() if n > 1)
        if twice:
            out.append("%s run: token requests by client %s, budget 1 each" % (phase, twice))
    return out


def no_request_twice(runs):
    """Cold and warm runs: no read (service, method, path, query, principal) is made twice."""
    out = []
    for phase in ("cold", "warm"):
        repeated = dict((key, count) for key, count in measure.repeated_requests(runs[phase]["entries"]).items()
                        if not repeat_allowed(key, count, runs["sn"]))
        if repeated:
            out.append("%s run: requests made more than once: %s" % (phase, "; ".join(
                "%dx %s %s %s?%s (as %s)" % ((count,) + key) for key, count in sorted(repeated.items()))))
    return out


def lookups_are_narrow(runs):
    """Every Table API read asks for sysparm_fields, a limit of at most LOOKUP_LIMIT_MAX rows and no count."""
    out = []
    for phase in ("cold", "warm"):
        sloppy = []
        for entry in runs[phase]["entries"]:
            if entry["method"] != "GET" or not entry["path"].startswith("/api/now/table/"):
                continue
            query = dict(parse_qsl(entry.get("query") or ""))
            limit = query.get("sysparm_limit", "")
            if (not query.get("sysparm_fields") or not limit.isdigit() or int(limit) > LOOKUP_LIMIT_MAX
                    or query.get("sysparm_no_count") != "true"):
                sloppy.append("%s %s?%s" % (entry["service"], entry["path"], entry.get("query")))
        if sloppy:
            out.append("%s run: reads without sysparm_fields, a limit of at most %d or sysparm_no_count: %s"
                       % (phase, LOOKUP_LIMIT_MAX, "; ".join(sloppy)))
    return out


def batch_refused_fallback(runs):
    """Batch API answering 400, by a fault rule or by the `batch_api` flag: site.yml still configures every instance
    (run_failures says so otherwise), tries the Batch API at most once per instance, and each record costs at most
    one request of its own (against the cold run: its Batch calls become their items, plus the one refused call)."""
    out = []
    for phase in BATCH_REFUSED_PHASES:
        out.extend("%s%s" % ("" if phase == "batch_refused" else "(batch_api flag off) ", line)
                   for line in batch_refused_phase(runs, phase))
    return out


def batch_refused_phase(runs, phase):
    refused, cold = runs[phase], runs["cold"]
    if refused["failure"] or cold["failure"]:
        return []
    got, normal = per_instance(refused, runs["sn"]), per_instance(cold, runs["sn"])
    items = dict((name, sum(1 for e in cold["entries"] if e["service"] == name and e.get("batch_item")))
                 for name in runs["sn"])
    allowed = dict((name, normal["sn_requests"][i] - normal["sn_batch"][i] + items[name] + 1 + BATCH_REFUSED_EXTRA_CEILING)
                   for i, name in enumerate(runs["sn"]))
    requests = dict(zip(runs["sn"], got["sn_requests"]))
    out = []
    if any(requests[name] > allowed[name] for name in runs["sn"]):
        out.append("Batch API refused: ServiceNow requests per instance %s, above today's ceiling %s (issue 9: %d fewer)"
                   % (requests, allowed, BATCH_REFUSED_EXTRA_CEILING))
    tried = dict((name, got["sn_batch"][i]) for i, name in enumerate(runs["sn"]))
    if max(tried.values()) > BATCH_REFUSED_TRIES_CEILING:
        out.append("Batch API refused: tried %s times per instance, above today's ceiling %d (issue 9's budget: once)"
                   % (tried, BATCH_REFUSED_TRIES_CEILING))
    answered = dict((name, sorted(set(e["status"] for e in refused["entries"] if e["service"] == name and measure.is_batch(e))))
                    for name in runs["sn"])
    if any(statuses != [400] for statuses in answered.values()):
        out.append("Batch API refused: the batch calls per instance were answered %s, expected 400 only (was the "
                   "refusal in force?)" % answered)
    return out


BUDGETS = (run_failures, cold_servicenow_requests, warm_servicenow_requests, warm_camunda_requests,
           one_token_per_client, no_request_twice, lookups_are_narrow, batch_refused_fallback)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("request-budget"))
    extra = ["--sn-spoke-preinstalled", "--max-lifetime", "900"]
    with start_sandbox(os.path.join(work, "sandbox"), instances=INSTANCES, tls=True, extra_args=extra) as sandbox:
        inventory = os.path.join(work, "inventory.json")
        with open(inventory, "w", encoding="utf-8") as handle:
            handle.write(sandbox_inventory.dump(sandbox_inventory.build(sandbox.info, install_spoke=False, region=True)))
        out = {"sn": [sn["name"] for sn in sandbox.info["servicenow"]]}
        out["cold"] = run_site(sandbox, inventory, work, "cold")
        out["warm"] = run_site(sandbox, inventory, work, "warm")
        sandbox.restore()
        sandbox.control("POST", "/faults", json=[dict(BATCH_REFUSED, service=name) for name in out["sn"]])
        out["batch_refused"] = run_site(sandbox, inventory, work, "batch-refused")
        sandbox.restore()
        for name in out["sn"]:
            assert sandbox.control("POST", "/services/%s/flags" % name, json={"batch_api": False})["batch_api"] is False
        out["batch_flag_off"] = run_site(sandbox, inventory, work, "batch-flag-off")
        yield out


def test_site_yml_stays_within_the_request_budgets_of_issue_9(runs):
    violations = []
    for budget in BUDGETS:
        if budget is not run_failures and runs["cold"]["failure"] and budget is not batch_refused_fallback:
            continue  # nothing to count: run_failures reports why
        violations.extend(budget(runs))
    assert violations == [], "\n".join(violations)


# --- The counting itself (no sandbox) -----------------------------------------------------------------------------
def entry(seq, service, method, path, query="", batch_item=False, principal=""):
    return {"seq": seq, "service": service, "method": method, "path": path, "query": query, "status": 200,
            "batch_item": batch_item, "principal": principal}


LOG = [
    entry(1, "camunda_login", "POST", "/oauth/token", principal="org"),
    entry(2, "camunda_console", "GET", "/clusters/c1/clients"),
    entry(3, "sn1", "POST", "/api/now/v1/batch"),
    entry(4, "sn1", "GET", "/api/now/table/oauth_entity", "sysparm_query=name%3DX", batch_item=True),
    entry(5, "sn1", "POST", "/api/now/table/oauth_entity", batch_item=True),
    entry(6, "sn1", "POST", "/api/now/table/http_connection"),
    entry(7, "sn1", "GET", "/api/now/table/oauth_entity", "sysparm_query=name%3DX"),
    entry(8, "camunda_login", "POST", "/oauth/token", principal="org"),
    entry(9, "sn2", "GET", "/api/now/table/sys_alias"),
]


def test_summarize_log_counts_a_batch_call_once_and_the_writes_inside_it():
    counts = measure.summarize_log(LOG, ["sn1", "sn2", "sn3"])
    assert counts["sn_requests"] == [3, 1, 0]
    assert counts["sn_batch"] == [1, 0, 0]
    assert counts["sn_writes"] == [2, 0, 0]
    assert counts["camunda_requests"] == 3
    assert counts["camunda_by_service"] == {"camunda_console": 1, "camunda_login": 2}
    assert counts["tokens_by_client"] == {"org": 2}


def test_repeated_requests_compares_reads_batched_or_not_by_the_same_principal_only():
    log = LOG + [entry(10, "sn1", "POST", "/api/now/v1/batch"), entry(11, "sn1", "POST", "/api/now/table/http_connection"),
                 entry(12, "camunda_cluster", "GET", "/c1/v2/topology", principal="client-a"),
                 entry(13, "camunda_cluster", "GET", "/c1/v2/topology", principal="client-b")]
    assert measure.repeated_requests(log) == {
        ("sn1", "GET", "/api/now/table/oauth_entity", "sysparm_query=name%3DX", ""): 2}


def test_parse_recap_reads_the_last_play_recap():
    text = ("PLAY RECAP ***\nsn1 : ok=3 changed=1 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0\n"
            "PLAY RECAP ***\nsn1                        : ok=32   changed=5    unreachable=0    failed=1    "
            "skipped=14   rescued=0    ignored=1   \n")
    assert measure.parse_recap(text) == {"sn1": {"ok": 32, "changed": 5, "unreachable": 0, "failed": 1, "skipped": 14,
                                                 "rescued": 0, "ignored": 1}}


def test_batch_refused_phase_names_a_run_where_the_refusal_was_not_in_force():
    def run(*entries):
        return {"entries": list(entries), "failure": None}
    cold = run(entry(1, "sn1", "POST", "/api/now/v1/batch"), entry(2, "sn1", "GET", "/api/now/table/x", batch_item=True))
    refused = run(dict(entry(3, "sn1", "POST", "/api/now/v1/batch"), status=400), entry(4, "sn1", "GET", "/api/now/table/x"))
    served = run(entry(5, "sn1", "POST", "/api/now/v1/batch"), entry(6, "sn1", "GET", "/api/now/table/x", batch_item=True))
    assert batch_refused_phase({"sn": ["sn1"], "cold": cold, "batch_flag_off": refused}, "batch_flag_off") == []
    assert batch_refused_phase({"sn": ["sn1"], "cold": cold, "batch_flag_off": served}, "batch_flag_off") == [
        "Batch API refused: the batch calls per instance were answered {'sn1': [200]}, expected 400 only (was the "
        "refusal in force?)"]
