#!/usr/bin/env python
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix (issue 14): every request kind of a clean run of playbooks/site.yml, rotate.yml and
teardown.yml, times every fault the sandbox's control plane can inject, then a rerun without faults.

    python tests/faults/matrix.py [--slice fast|full] [--playbooks site,rotate,teardown] [--faults 500,lost,...]
                                  [--kinds REGEX] [--kill N,N...] [--concurrent] [--report docs/reliability.md]

Steps are not task names: a clean run of each playbook is recorded from the sandbox's request log and every distinct
request kind (service, method, path with ids generalised) is a step, so the matrix follows the role whatever its
task files look like. A cell: restore the sandbox to its start-up state, bring it to the playbook's precondition
(rotate and teardown start from a converged setup), add ONE fault rule for the first request of that kind, run the
playbook, remove the rules, run it again, and check the records:

* exactly one Application Registry record, one credential and one connection after site/rotate (none after teardown);
* no orphaned Camunda client (exactly one ``servicenow-*`` client per host after site/rotate, none after teardown);
* the OAuth profile holds the id AND the secret of the client that exists (read from the sandbox's state files);
* no connector secret is missing.

Outcomes: ``absorbed`` (the first run succeeded, the records are right), ``converged`` (the first run failed with one
sentence, the rerun succeeded, the records are right), ``stuck`` (the rerun failed or the records are wrong),
with duplicates and orphans counted. Prints the fault x step table and (with --report) writes it to
docs/reliability.md with the summary line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import collections
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "sandbox"))
sys.path.insert(0, os.path.join(REPO, "tests", "ci"))

import harness  # noqa: E402  pylint: disable=import-error,wrong-import-position
import sandbox_inventory  # noqa: E402  pylint: disable=import-error,wrong-import-position

PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
COLLECTIONS = os.path.join(REPO, "build")
# The modules' timeouts in the matrix: short, so a "reply slower than the timeout" cell costs seconds, not minutes.
TIMEOUT = 5
LOST_MS = (TIMEOUT + 2) * 1000

# name -> (rule fields, kind): transient faults must be absorbed on the first run, permanent ones must fail it with one
# sentence; every cell must converge on the rerun.
FAULTS = collections.OrderedDict([
    ("429", ({"status": 429, "retry_after": 1}, "transient")),
    ("500", ({"status": 500}, "transient")),
    ("502", ({"status": 502}, "transient")),
    ("503", ({"status": 503}, "transient")),
    ("504", ({"status": 504}, "transient")),
    ("drop", ({"drop": True}, "transient")),            # connection dropped before the server processed it
    ("lost", ({"delay_ms": LOST_MS}, "transient")),     # processed after the client gave up: the reply is lost
    ("401", ({"status": 401}, "permanent")),            # a token or credential rejected once
    ("412", ({"status": 412, "times": 2}, "transient")),  # Camunda: the cluster is not ready (only Camunda kinds)
])
FAST_SLICE = [
    # (playbook, kind regex, fault): a handful of cells for `make ci-tests`.
    ("site", r"^sn1 POST /api/now/table/http_connection$", "lost"),
    ("site", r"^camunda_console POST /clusters/\{id\}/secrets$", "503"),
    ("site", r"^sn1 POST /api/now/v1/batch$", "500"),
]

# Ids in paths, generalised: UUIDs (Camunda clusters, Keycloak), sys_ids, and a Camunda client id after /clients/.
ID_RE = re.compile(r"(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
                   r"|(?P<sys_id>(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f]))"
                   r"|(?<=/clients/)(?P<client>[^/]+)")
ID_REGEX = {"uuid": "[0-9a-fA-F-]{36}", "sys_id": "[0-9a-f]{32}", "client": "[^/]+"}
ID_LABEL = {"uuid": "{id}", "sys_id": "{id}", "client": "{client}"}


def kind_of(entry):
    """``(label, path regex)`` of a request log entry: ids generalised, so one kind covers every run."""
    path = entry["path"]
    label, regex, last = [], [], 0
    for match in ID_RE.finditer(path):
        kind = match.lastgroup
        label.append(path[last:match.start()] + ID_LABEL[kind])
        regex.append(re.escape(path[last:match.start()]) + ID_REGEX[kind])
        last = match.end()
    label.append(path[last:])
    regex.append(re.escape(path[last:]))
    return "{0} {1} {2}".format(entry["service"], entry["method"], "".join(label)), "^" + "".join(regex) + "$"


def steps_of(log):
    """The distinct request kinds of a run, in order of first appearance (batch items are part of their batch)."""
    out = collections.OrderedDict()
    for entry in log:
        if entry.get("batch_item"):
            continue
        label, regex = kind_of(entry)
        if label not in out:
            out[label] = dict(label=label, service=entry["service"], method=entry["method"], path=regex)
    return list(out.values())


class Run:
    def __init__(self, rc, output, seconds):
        self.rc = rc
        self.output = output
        self.seconds = seconds

    @property
    def failure(self):
        """The first failure message of the run (for the table), or None."""
        match = re.search(r'"msg": "((?:[^"\\]|\\.)*)"', self.output)
        return json.loads('"%s"' % match.group(1)) if match else None


class Matrix:
    def __init__(self, work, verbose=False):
        self.work = work
        self.verbose = verbose
        self.sandbox = harness.start_sandbox(os.path.join(work, "sb"), instances=1, tls=True,
                                             extra_args=["--sn-install-seconds", "1", "--max-lifetime", "36000"])
        self.info = self.sandbox.info
        self.state_dir = os.path.join(work, "sb")
        self.inventory = os.path.join(work, "inventory.json")
        data = sandbox_inventory.build(self.info)
        group = data["servicenow"]["vars"]
        group["setup_camunda"]["timeout"] = TIMEOUT
        for host in data["servicenow"]["hosts"].values():
            host["setup_servicenow_instance"]["timeout"] = TIMEOUT
        with open(self.inventory, "w") as handle:
            json.dump(data, handle)
        self.cluster_id = group["setup_camunda_cluster_id"]

    def close(self):
        self.sandbox.stop()

    # -- running ------------------------------------------------------------------------------------------------

    def command(self, playbook):
        return [PLAYBOOK_BIN, "-i", self.inventory, os.path.join(REPO, "playbooks", playbook + ".yml")]

    def env(self):
        return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                    ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_DISPLAY_FAILED_STDERR="1",
                    ANSIBLE_ROLES_PATH=os.path.join(REPO, "roles"))

    def run(self, playbook):
        started = time.time()
        done = subprocess.run(self.command(playbook), env=self.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False, timeout=3600)
        run = Run(done.returncode, done.stdout.decode("utf-8", "replace"), time.time() - started)
        if self.verbose:
            print("    {0}: rc={1} in {2:.0f} s".format(playbook, run.rc, run.seconds), flush=True)
        return run

    def run_killed_after(self, playbook, count):
        """Start the playbook and SIGKILL it (its whole process group) after ``count`` service requests."""
        seq = self.sandbox.log_seq()
        process = subprocess.Popen(self.command(playbook), env=self.env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while process.poll() is None:
                seen = [e for e in self.sandbox.control("GET", "/log", params={"since": seq})
                        if not e.get("batch_item")]
                if len(seen) >= count:
                    os.killpg(process.pid, signal.SIGKILL)
                    break
                time.sleep(0.05)
        finally:
            process.wait(60)
        return process.returncode

    def restore(self):
        self.sandbox.control("DELETE", "/faults")
        self.sandbox.restore()

    def prepare(self, playbook):
        """The start of a cell: the start-up state, plus a converged setup for rotate and teardown."""
        self.restore()
        if playbook != "site":
            run = self.run("site")
            if run.rc != 0:
                raise RuntimeError("the clean setup before {0} failed:\n{1}".format(playbook, run.output[-3000:]))

    def clean_steps(self, playbook):
        self.prepare(playbook)
        seq = self.sandbox.log_seq()
        run = self.run(playbook)
        if run.rc != 0:
            raise RuntimeError("the clean run of {0} failed:\n{1}".format(playbook, run.output[-3000:]))
        return steps_of(self.sandbox.control("GET", "/log", params={"since": seq}))

    # -- checking -----------------------------------------------------------------------------------------------

    def _state(self, name):
        with open(os.path.join(self.state_dir, name + ".json")) as handle:
            return json.load(handle)

    def records(self):
        """What the sandbox holds now: ServiceNow rows by table, Camunda clients and secrets of the cluster."""
        sn = self._state("sn1")
        tables = sn["tables"] if "tables" in sn else sn["db"]["tables"]
        key = sn.get("cipher_key") or sn.get("db", {}).get("cipher_key")
        saas = self._state("camunda_saas")
        cluster = saas["clusters"][self.cluster_id]
        return tables, key, cluster

    def check(self, playbook):
        """(problems, duplicates, orphans) of the records after a run of ``playbook`` that should have converged."""
        from cryptography.fernet import Fernet  # pylint: disable=import-outside-toplevel
        tables, key, cluster = self.records()
        problems = []
        present = playbook != "teardown"

        def named(table, name):
            return [r for r in tables.get(table, {}).values() if r.get("name") == name]

        profiles = named("oauth_entity", "Camunda OAuth")
        credentials = named("oauth_2_0_credentials", "Camunda Connection")
        connections = named("http_connection", "Camunda API Connection")
        clients = dict((cid, c) for cid, c in cluster["clients"].items()
                       if str(c.get("name", "")).startswith("servicenow-"))
        want = 1 if present else 0
        duplicates = sum(max(0, len(rows) - 1) for rows in (profiles, credentials, connections))
        for what, rows in (("Application Registry", profiles), ("credential", credentials),
                           ("connection", connections)):
            if len(rows) != want:
                problems.append("{0} {1} record(s), want {2}".format(len(rows), what, want))
        orphans = max(0, len(clients) - want)
        if len(clients) != want:
            problems.append("{0} servicenow-* Camunda client(s), want {1}".format(len(clients), want))
        if present and len(profiles) == 1 and len(clients) == 1:
            client_id, client = list(clients.items())[0]
            profile = profiles[0]
            if profile.get("client_id") != client_id:
                problems.append("the OAuth profile holds client {0}, the cluster has {1}".format(
                    profile.get("client_id"), client_id))
            stored = profile.get("client_secret") or ""
            try:
                plain = Fernet(key.encode("ascii")).decrypt(stored.encode("ascii")).decode("utf-8") if stored else ""
            except Exception:  # pylint: disable=broad-except
                plain = ""
            if plain != client.get("secret", client.get("client_secret")):
                problems.append("the OAuth profile does not hold the secret of client {0}".format(client_id))
        if present and not {"snUser", "snPwd"} <= set(cluster.get("secrets", {})):
            problems.append("connector secrets missing: {0}".format(sorted(cluster.get("secrets", {}))))
        return problems, duplicates, orphans

    # -- cells --------------------------------------------------------------------------------------------------

    def cell(self, playbook, step, fault):
        fields, nature = FAULTS[fault]
        self.prepare(playbook)
        rule = dict(service=step["service"], method=step["method"], path=step["path"], times=1)
        rule.update(fields)
        self.sandbox.control("POST", "/faults", json=rule)
        first = self.run(playbook)
        hits = sum(r.get("hits", 0) for r in self.sandbox.control("GET", "/faults"))
        self.sandbox.control("DELETE", "/faults")
        return self.judge(playbook, nature, first, hits)

    def judge(self, playbook, nature, first, hits=1):
        first_problems = self.check(playbook)[0] if first.rc == 0 else None
        second = self.run(playbook)
        problems, duplicates, orphans = self.check(playbook)
        if second.rc != 0 or problems:
            outcome = "stuck"
        elif first.rc == 0 and not first_problems:
            outcome = "absorbed"
        else:
            outcome = "converged"
        return dict(outcome=outcome, nature=nature, first_rc=first.rc, second_rc=second.rc, hits=hits,
                    problems=problems + (["(first run) " + p for p in first_problems or []]),
                    duplicates=duplicates, orphans=orphans,
                    first_failure=first.failure if first.rc else None,
                    second_failure=second.failure if second.rc else None)

    def kill_cell(self, playbook, count):
        self.prepare(playbook)
        self.run_killed_after(playbook, count)
        return self.judge(playbook, "kill", Run(-9, "", 0))

    def concurrent_cell(self):
        self.prepare("site")
        procs = [subprocess.Popen(self.command("site"), env=self.env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT) for _n in range(2)]
        outputs = [p.communicate(timeout=3600)[0].decode("utf-8", "replace") for p in procs]
        rcs = [p.returncode for p in procs]
        first = Run(0 if all(rc == 0 for rc in rcs) else 1, "\n".join(outputs), 0)
        result = self.judge("site", "concurrent", first)
        result["play_rcs"] = rcs
        return result


# ----------------------------------------------------------------------------------------------------------------

def applicable(step, fault):
    if fault == "412":
        return step["service"].startswith("camunda_console") or step["service"].startswith("camunda_cluster")
    return True


def summary(cells):
    total = len(cells)
    converged = sum(1 for c in cells if c["outcome"] in ("absorbed", "converged"))
    absorbed = sum(1 for c in cells if c["outcome"] == "absorbed")
    transient = [c for c in cells if c["nature"] == "transient"]
    transient_absorbed = sum(1 for c in transient if c["outcome"] == "absorbed")
    return ("cells {0}, converged {1}, absorbed on the first run {2} (transient faults: {3} of {4}), duplicates {5}, "
            "orphans {6}, stuck {7}".format(total, converged, absorbed, transient_absorbed, len(transient),
                                            sum(c["duplicates"] for c in cells), sum(c["orphans"] for c in cells),
                                            sum(1 for c in cells if c["outcome"] == "stuck")))


SHORT = {"absorbed": "A", "converged": "C", "stuck": "STUCK"}


def table(cells, faults):
    """Markdown: one row per (playbook, step), one column per fault; A absorbed, C converged, - not applicable."""
    rows = collections.OrderedDict()
    for c in cells:
        rows.setdefault((c["playbook"], c["step"]), {})[c["fault"]] = c
    head = "| playbook | step | " + " | ".join(faults) + " |"
    lines = [head, "|" + "---|" * (len(faults) + 2)]
    for (playbook, step), by_fault in rows.items():
        marks = []
        for fault in faults:
            c = by_fault.get(fault)
            mark = "-" if c is None else SHORT[c["outcome"]]
            if c is not None and c.get("hits", 1) == 0:
                mark += "?"  # the rule never matched (the kind was not requested in that run)
            marks.append(mark)
        lines.append("| {0} | `{1}` | {2} |".format(playbook, step, " | ".join(marks)))
    return "\n".join(lines)


def write_report(path, cells, faults, scope):
    failures = [c for c in cells if c["outcome"] != "absorbed"]
    lines = [
        "# Reliability: the fault matrix",
        "",
        "Written by `tests/faults/matrix.py` (`make faults` runs the full matrix; `make ci-tests` runs a fast slice).",
        "Do not edit by hand: rerun the matrix. What each fault means and what the collection guarantees is in",
        "[the policy](#what-the-collection-guarantees) below.",
        "",
        "**Summary ({0}, {1}):** {2}".format(scope, time.strftime("%Y-%m-%d", time.gmtime()), summary(cells)),
        "",
        "`A`: absorbed (the first run succeeded with the fault and the records are right). `C`: converged (the first",
        "run failed with one sentence, the rerun succeeded, the records are right). `STUCK`: the rerun failed or the",
        "records are wrong. `-`: not run (not applicable, or outside the slice). `?`: the rule never matched.",
        "",
        table(cells, faults),
        "",
    ]
    if failures:
        lines += ["## Cells not absorbed", ""]
        for c in failures:
            lines.append("* {playbook} `{step}` x {fault}: {outcome}; first run: {first}; {problems}".format(
                playbook=c["playbook"], step=c["step"], fault=c["fault"], outcome=c["outcome"],
                first=c.get("first_failure") or "rc {0}".format(c["first_rc"]),
                problems="; ".join(c["problems"]) or "records right after the rerun"))
        lines.append("")
    with open(os.path.join(HERE, "policy.md")) as handle:
        lines.append(handle.read().rstrip() + "\n")
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--slice", choices=["fast", "full"], default="full")
    parser.add_argument("--playbooks", default="site,rotate,teardown")
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--kinds", default=None, help="only the steps whose label matches this regex")
    parser.add_argument("--kill", default="5,15,30", help="SIGKILL the play after these numbers of requests")
    parser.add_argument("--concurrent", action="store_true", help="also run two site.yml plays at once")
    parser.add_argument("--report", default=None, help="write the table and summary to this Markdown file")
    parser.add_argument("--json", default=None, help="write every cell as JSON to this file")
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    cells = []
    work = tempfile.mkdtemp(prefix="faults-")
    matrix = Matrix(work, verbose=True)
    try:
        plan = []
        if args.slice == "fast":
            steps = {}
            for playbook, kind, fault in FAST_SLICE:
                if playbook not in steps:
                    steps[playbook] = matrix.clean_steps(playbook)
                match = [s for s in steps[playbook] if re.search(kind, s["label"])]
                if not match:
                    raise RuntimeError("no request kind {0} in a clean run of {1}: {2}".format(
                        kind, playbook, [s["label"] for s in steps[playbook]]))
                plan.append((playbook, match[0], fault))
            faults = list(collections.OrderedDict.fromkeys(f for _p, _s, f in plan))
        else:
            for playbook in args.playbooks.split(","):
                for step in matrix.clean_steps(playbook):
                    if args.kinds and not re.search(args.kinds, step["label"]):
                        continue
                    for fault in faults:
                        if applicable(step, fault):
                            plan.append((playbook, step, fault))
        print("{0} cells".format(len(plan)), flush=True)
        for number, (playbook, step, fault) in enumerate(plan, 1):
            print("[{0}/{1}] {2} {3} x {4}".format(number, len(plan), playbook, step["label"], fault), flush=True)
            result = matrix.cell(playbook, step, fault)
            result.update(playbook=playbook, step=step["label"], fault=fault)
            problems = "; " + "; ".join(result["problems"]) if result["problems"] else ""
            print("    -> {0}{1}".format(result["outcome"], problems), flush=True)
            cells.append(result)
        if args.slice == "full":
            for count in [int(n) for n in args.kill.split(",") if n]:
                print("SIGKILL site after {0} requests".format(count), flush=True)
                result = matrix.kill_cell("site", count)
                result.update(playbook="site", step="SIGKILL after request {0}".format(count), fault="kill")
                cells.append(result)
            if args.concurrent:
                print("two site.yml plays at once", flush=True)
                result = matrix.concurrent_cell()
                result.update(playbook="site", step="two plays at once", fault="concurrent")
                cells.append(result)
    finally:
        matrix.close()
    columns = faults + [f for f in ("kill", "concurrent") if any(c["fault"] == f for c in cells)]
    print(table(cells, columns))
    print(summary(cells))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(cells, handle, indent=1)
    if args.report:
        write_report(args.report, cells, columns, "fast slice" if args.slice == "fast" else "full matrix")
    return 0 if all(c["outcome"] != "stuck" for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
