# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The setup role (playbooks/site.yml) under every non-default variant of the sandbox's leniency flags (issue 10).

tests/sandbox/README.md, "Leniency flags", lists the behaviours where a real service may be more lenient, or just
different, than the sandbox's strict default. For each non-default branch: a cold run of site.yml succeeds, the
records are what the documented setup says (tests/bench/check_records.py, imported as it is), and a second run
reports changed=0 and makes no write at all (the sandbox's request log: no POST/PUT/PATCH/DELETE other than token
requests, the Batch API's read wrapper and searches).

* ServiceNow flags are per instance, so one sandbox serves them all: instance sn1 is left at the defaults, sn2.. each
  have ONE flag flipped, and one site.yml run (cold, then warm) configures them side by side, each host against its
  own instance (SERVICENOW_VARIANTS). The hosts share one Camunda cluster, as the role's users do.
* Camunda flags apply to the whole sandbox: one sandbox (one instance) per variant (CAMUNDA_VARIANTS).

Request counts and timing are not asserted here (test_request_budget.py counts requests, `make bench` times).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

import sandbox_inventory

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sandbox"))

# pylint: disable=wrong-import-position,import-error
import check_records  # noqa: E402
import measure  # noqa: E402
from harness import start_sandbox  # noqa: E402

# Every non-default branch of the README's leniency table (the sandbox's own tests cover both branches of each).
SERVICENOW_VARIANTS = [
    ("second_default_profile", "clear"),
    ("second_default_profile", "keep"),
    ("batch_api", False),
    ("sys_plugins_table", False),
    ("normalize_values", False),
    ("computed_connection_url", False),
    ("sys_scope_writable", True),
    ("case_insensitive_queries", True),
]
CAMUNDA_VARIANTS = [
    ("console_reports_real_token_url", False),
    ("token_basic_auth", True),
    ("client_name_validation", False),
    ("empty_permissions_mean_all", True),
]
EXTRA_ARGS = ["--sn-spoke-preinstalled", "--max-lifetime", "900"]
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
TOKEN_PATHS = ("/oauth_token.do", "/oauth/token", "/protocol/openid-connect/token")


def variant_id(variant):
    return "%s=%s" % variant


def is_write(entry):
    """A request that changes something: not a read, a token request, the Batch API's wrapper or a search."""
    if entry["method"] not in WRITE_METHODS or measure.is_batch(entry):
        return False
    path = entry["path"]
    return not (path.endswith(TOKEN_PATHS) or path.endswith("/search"))


def write_lines(entries, services):
    return ["%s %s %s -> %s" % (e["service"], e["method"], e["path"], e["status"])
            for e in entries if e["service"] in services and is_write(e)]


def inventory_for(sandbox, work, names):
    """The CI inventory (tests/ci/sandbox_inventory.py) limited to the hosts of instances ``names``."""
    data = sandbox_inventory.build(sandbox.info, install_spoke=False)
    hosts = data["servicenow"]["hosts"]
    for name in list(hosts):
        if name not in names:
            del hosts[name]
    path = os.path.join(work, "inventory-%s.json" % "-".join(names))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(sandbox_inventory.dump(data))
    return path, data


def default_profiles(checker, instance, profile_name):
    """How many default profiles the inventory's OAuth profile has (the documented setup leaves exactly one)."""
    entity = checker.rows(instance, "oauth_entity", "name=" + profile_name, ["sys_id"])
    if len(entity) != 1:
        return None
    return len(checker.rows(instance, "oauth_entity_profile", "oauth_entity=%s^default=true" % entity[0]["sys_id"],
                            ["sys_id"]))


def run_twice(sandbox, inventory, data, work, label):
    """Cold run, record checks, warm run; returns {host: [problems]} and "camunda" for what no host owns."""
    hosts = sorted(data["servicenow"]["hosts"])
    problems = dict((host, []) for host in hosts + ["camunda"])
    for phase in ("cold", "warm"):
        start = sandbox.log_seq()
        result = measure.run_playbook(measure.SITE, inventory, work, forks=5, sample_memory=False,
                                      log_path=os.path.join(work, "%s-%s.log" % (label, phase)))
        end = sandbox.log_seq()
        entries = [e for e in sandbox.control("GET", "/log", params={"since": start}) if e["seq"] <= end]
        errors = [line for line in result["output"].splitlines() if line.startswith(("fatal:", "[ERROR]"))]
        if result["rc"] != 0 and not errors:
            errors = [result["output"][-1500:]]
        for host in hosts:
            recap = result["recap"].get(host)
            if recap is None or recap["failed"] or recap["unreachable"]:
                mine = [line for line in errors if "[%s]" % host in line] or errors
                problems[host].append("%s run failed (rc %s): %s" % (phase, result["rc"], " | ".join(mine[:3])))
            elif phase == "warm" and recap["changed"]:
                problems[host].append("warm run: changed=%d, expected 0" % recap["changed"])
            if phase == "warm":
                writes = write_lines(entries, [host])
                if writes:
                    problems[host].append("warm run wrote to ServiceNow: %s" % "; ".join(writes))
        if phase == "warm":
            writes = write_lines(entries, [s for s in sandbox.info["services"] if s.startswith("camunda")])
            if writes:
                problems["camunda"].append("warm run wrote to Camunda: %s" % "; ".join(writes))
        if phase == "cold":
            checker = check_records.Checker(sandbox.info, data)
            for line in checker.run():
                host, _sep, text = line.partition(": ")
                problems.setdefault(host if host in problems else "camunda", []).append("records: " + text)
            for host in hosts:
                hv = dict(data["servicenow"]["vars"], **data["servicenow"]["hosts"][host])
                count = default_profiles(checker, hv["setup_servicenow_instance"],
                                         hv.get("setup_oauth_profile_name", "Camunda OAuth"))
                if count not in (None, 1):
                    problems[host].append("records: the OAuth profile has %d default profiles, expected 1" % count)
    return problems


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return str(tmp_path_factory.mktemp("role-variants"))


def test_role_under_every_servicenow_variant(work):
    """sn1 stays at the defaults (the reference run), sn2.. each run one non-default ServiceNow variant."""
    count = 1 + len(SERVICENOW_VARIANTS)
    with start_sandbox(os.path.join(work, "sn-sandbox"), instances=count, tls=True, extra_args=EXTRA_ARGS) as sandbox:
        names = [sn["name"] for sn in sandbox.info["servicenow"]]
        variants = dict(zip(names[1:], SERVICENOW_VARIANTS))
        for name, (flag, value) in variants.items():
            assert sandbox.control("POST", "/services/%s/flags" % name, json={flag: value})[flag] == value
        inventory, data = inventory_for(sandbox, work, names)
        problems = run_twice(sandbox, inventory, data, work, "servicenow")
        for name, (flag, value) in variants.items():  # still in force after both runs
            if sandbox.control("GET", "/services/%s/flags" % name)[flag] != value:
                problems[name].append("the flag %s no longer has the value %r" % (flag, value))
    report = ["%s (%s): %s" % (host, variant_id(variants[host]) if host in variants else "defaults", line)
              for host, lines in sorted(problems.items()) for line in lines]
    assert report == [], "\n".join(report)


@pytest.mark.parametrize("variant", CAMUNDA_VARIANTS, ids=variant_id)
def test_role_under_a_camunda_variant(work, variant):
    flag, value = variant
    state_dir = os.path.join(work, "camunda-" + flag)
    with start_sandbox(state_dir, instances=1, tls=True, extra_args=EXTRA_ARGS) as sandbox:
        assert sandbox.control("POST", "/services/camunda_console/flags", json={flag: value})[flag] == value
        inventory, data = inventory_for(sandbox, work, [sandbox.info["servicenow"][0]["name"]])
        problems = run_twice(sandbox, inventory, data, work, flag)
        if sandbox.control("GET", "/services/camunda_console/flags")[flag] != value:
            problems["camunda"].append("the flag %s no longer has the value %r" % (flag, value))
    report = ["%s: %s" % (host, line) for host, lines in sorted(problems.items()) for line in lines]
    assert report == [], "\n".join(report)


# --- The write counting itself (no sandbox) -----------------------------------------------------------------------
def entry(service, method, path, batch_item=False, status=200):
    return {"service": service, "method": method, "path": path, "batch_item": batch_item, "status": status}


def test_is_write_skips_reads_tokens_the_batch_wrapper_and_searches_but_not_writes_inside_a_batch():
    reads = [entry("sn1", "GET", "/api/now/table/oauth_entity"),
             entry("sn1", "POST", "/api/now/v1/batch"),
             entry("sn1", "POST", "/oauth_token.do"),
             entry("camunda_login", "POST", "/oauth/token"),
             entry("keycloak", "POST", "/auth/realms/camunda-platform/protocol/openid-connect/token"),
             entry("camunda_cluster", "POST", "/c1/v2/authorizations/search")]
    writes = [entry("sn1", "POST", "/api/now/table/oauth_entity", batch_item=True),
              entry("sn1", "PATCH", "/api/now/table/http_connection/abc"),
              entry("camunda_console", "POST", "/clusters/c1/clients"),
              entry("camunda_console", "DELETE", "/clusters/c1/clients/x", status=404),
              entry("camunda_console", "PUT", "/clusters/c1/secrets/snPwd")]
    assert [e for e in reads if is_write(e)] == []
    assert [e for e in writes if is_write(e)] == writes
    assert write_lines(reads + writes, ["sn1"]) == [
        "sn1 POST /api/now/table/oauth_entity -> 200", "sn1 PATCH /api/now/table/http_connection/abc -> 200"]
