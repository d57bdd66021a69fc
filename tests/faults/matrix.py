#!/usr/bin/env python
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix (issue 14): every request kind of a clean run of playbooks/site.yml, rotate.yml and
teardown.yml, times every fault the sandbox's control plane can inject, then a rerun without faults.

    python tests/faults/matrix.py [--slice fast|full] [--workers N] [--playbooks site,rotate,teardown]
                                  [--faults 500,lost,...] [--kinds REGEX] [--variants saas,shared,sm]
                                  [--kill site:5,rotate:12,...] [--concurrent N] [--report docs/reliability.md]

Steps are not task names: a clean run of each playbook is recorded from the sandbox's request log and every distinct
request kind (service, method, path with ids generalised) is a step, so the matrix follows the role whatever its
task files look like. A cell is one fault at the first request of one step: bring the sandbox to the playbook's
precondition (site starts from the start-up state, rotate and teardown from a converged setup), add the fault rule,
run the playbook, remove the rules, run it again, and check the records:

* exactly one Application Registry record, one credential and one connection per instance after site/rotate (none
  after teardown);
* no orphaned Camunda client (exactly one ``servicenow-*`` client per instance, or one per cluster in shared mode,
  after site/rotate; none after teardown), in the Console (SaaS) or in Keycloak (Self-Managed);
* each OAuth profile holds the id AND the secret of the client that exists (read from the sandbox's state files);
* no connector secret is missing (SaaS).

Outcomes: ``absorbed`` (the first run succeeded, the records are right), ``converged`` (the first run failed with one
sentence, the rerun succeeded, the records are right), ``stuck`` (the rerun failed or the records are wrong),
with duplicates and orphans counted.

Speed (``make faults``, the full matrix, in about 12 minutes with 3 workers on 2 cores):

* ``--workers N`` run cells in parallel, each worker with its own sandbox (its own ports and state directory).
* The transient faults of one playbook are first tried together: one run with one rule per step (each matching the
  first request of its kind). When that run is absorbed, every cell of the group is absorbed; when it is not, the
  group is split in halves, down to single cells, so each cell that is not absorbed is reported from a run of its
  own. Permanent faults (they fail the run at the first hit) always run one cell at a time.
* The rerun of a cell leaves a converged setup: a worker whose last cell converged starts a rotate or teardown cell
  from there instead of running site.yml again.

Variants: ``saas`` (one instance, a client per instance: every step x every fault), ``shared`` (two instances sharing
one client, ``setup_camunda_client_mode: shared``) and ``sm`` (Self-Managed, Keycloak): site.yml x every fault, as
groups. A permanent fault (401, the CI/CD install failing) runs alone at the first step of each service of each
playbook (a sample: it fails the run where it strikes; in shared and Self-Managed, of the services saas lacks).
Also: the play SIGKILLed after request N (``--kill``) and two plays at once (``--concurrent``). ``--budget-minutes``
starts no job after that time and lists the jobs left as not run.
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
import threading
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
SM_REALM = "camunda-platform"

# name -> (rule fields, kind): transient faults must be absorbed on the first run, permanent ones must fail it with one
# sentence; every cell must converge on the rerun. "flags" is not a rule: the instance's flags for the first run.
FAULTS = collections.OrderedDict([
    ("429", ({"status": 429, "retry_after": 1}, "transient")),
    ("500", ({"status": 500}, "transient")),
    ("502", ({"status": 502}, "transient")),
    ("503", ({"status": 503}, "transient")),
    ("504", ({"status": 504}, "transient")),
    ("drop", ({"drop": True}, "transient")),            # connection dropped before the server processed it
    ("lost", ({"delay_ms": LOST_MS}, "transient")),     # processed after the client gave up: the reply is lost
    ("412", ({"status": 412, "times": 2}, "transient")),  # Camunda: the cluster is not ready (only Camunda kinds)
    ("401", ({"status": 401}, "permanent")),            # a token or credential rejected
    ("cicd", ({"flags": {"entitled": False}}, "permanent")),  # the CI/CD install fails (the spoke install kinds)
])
FAST_SLICE = [
    # (playbook, kind regex, fault): a handful of cells for `make ci-tests`.
    ("site", r"^sn1 POST /api/now/table/http_connection$", "lost"),
    ("site", r"^camunda_console POST /clusters/\{id\}/secrets$", "503"),
    ("site", r"^sn1 POST /api/now/v1/batch$", "500"),
]
# variant -> (playbooks it covers, faults it covers or None for all)
VARIANTS = collections.OrderedDict([
    ("saas", None),
    ("shared", ("site",)),
    ("sm", ("site",)),
])
DEFAULT_KILLS = "site:5,site:15,rotate:8,teardown:6"

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


def applicable(step, fault):
    if fault == "412":
        return step["service"].startswith("camunda_console") or step["service"].startswith("camunda_cluster")
    if fault == "cicd":
        return step["service"].startswith("sn") and bool(re.search(r"sn_cicd.*install", step["label"]))
    return True


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


class Job:
    """Work for one worker: ``cell`` (one fault at one or more steps), ``kill`` or ``concurrent``."""

    def __init__(self, what, variant, playbook, fault=None, steps=(), count=None):
        self.what = what
        self.variant = variant
        self.playbook = playbook
        self.fault = fault
        self.steps = list(steps)
        self.count = count
        self.rank = (0, 0)


class Worker:
    """One sandbox (two ServiceNow instances, Camunda SaaS and Self-Managed) and the inventories of the variants."""

    def __init__(self, work, name="w1", verbose=False):
        self.work = work
        self.name = name
        self.verbose = verbose
        self.lock = threading.Lock()
        self.sandbox = harness.start_sandbox(os.path.join(work, "sb"), instances=2, tls=True,
                                             extra_args=["--sn-install-seconds", "1", "--max-lifetime", "5400"])
        self.info = self.sandbox.info
        self.state_dir = os.path.join(work, "sb")
        self.inventories = {}
        self.hosts = {}
        for variant in VARIANTS:
            data = sandbox_inventory.build(self.info, hosts=2 if variant == "shared" else 1,
                                           self_managed=variant == "sm")
            group = data["servicenow"]["vars"]
            group["setup_camunda"]["timeout"] = TIMEOUT
            if variant == "shared":
                group["setup_camunda_client_mode"] = "shared"
            for host in data["servicenow"]["hosts"].values():
                host["setup_servicenow_instance"]["timeout"] = TIMEOUT
            path = os.path.join(work, "inventory-{0}.json".format(variant))
            with open(path, "w") as handle:
                json.dump(data, handle)
            self.inventories[variant] = path
            self.hosts[variant] = sorted(data["servicenow"]["hosts"])
        self.cluster_id = self.info["camunda"]["saas"]["clusters"][0]["id"]
        # What the sandbox holds now, as far as the next cell is concerned: (variant, "converged") after a cell of
        # site/rotate that converged, else None (restore and, for rotate/teardown, run site first).
        self.state = None

    def close(self):
        self.sandbox.stop()

    def say(self, text):
        if self.verbose:
            print("  [{0}] {1}".format(self.name, text), flush=True)

    # -- running ------------------------------------------------------------------------------------------------

    def command(self, playbook, variant="saas"):
        return [PLAYBOOK_BIN, "-i", self.inventories[variant], os.path.join(REPO, "playbooks", playbook + ".yml")]

    def env(self):
        return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                    ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_DISPLAY_FAILED_STDERR="1",
                    ANSIBLE_ROLES_PATH=os.path.join(REPO, "roles"),
                    ANSIBLE_LOCAL_TEMP=os.path.join(self.work, "tmp"), ANSIBLE_PIPELINING="1")

    def run(self, playbook, variant="saas"):
        started = time.time()
        done = subprocess.run(self.command(playbook, variant), env=self.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False, timeout=3600)
        run = Run(done.returncode, done.stdout.decode("utf-8", "replace"), time.time() - started)
        self.say("{0} ({1}): rc={2} in {3:.0f} s".format(playbook, variant, run.rc, run.seconds))
        return run

    def run_killed_after(self, playbook, variant, count):
        """Start the playbook and SIGKILL it (its whole process group) after ``count`` service requests."""
        seq = self.sandbox.log_seq()
        process = subprocess.Popen(self.command(playbook, variant), env=self.env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        seen = []
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
        last = kind_of(seen[count - 1])[0] if len(seen) >= count else None
        return process.returncode, last

    def restore(self):
        self.sandbox.control("DELETE", "/faults")
        self.sandbox.restore()
        self.state = None

    def prepare(self, playbook, variant):
        """The start of a cell: the start-up state for site, a converged setup for rotate and teardown (the one the
        last cell of this worker left when it converged, else a fresh setup)."""
        if playbook != "site" and self.state == (variant, "converged"):
            return
        self.restore()
        if playbook != "site":
            run = self.run("site", variant)
            if run.rc != 0:
                raise RuntimeError("the clean setup before {0} failed:\n{1}".format(playbook, run.output[-3000:]))

    def clean_steps(self, playbook, variant):
        self.prepare(playbook, variant)
        seq = self.sandbox.log_seq()
        run = self.run(playbook, variant)
        if run.rc != 0:
            raise RuntimeError("the clean run of {0} ({1}) failed:\n{2}".format(playbook, variant, run.output[-3000:]))
        self.after(playbook, variant, "absorbed")
        return steps_of(self.sandbox.control("GET", "/log", params={"since": seq}))

    def after(self, playbook, variant, outcome):
        self.state = (variant, "converged") if outcome != "stuck" and playbook != "teardown" else None

    # -- checking -----------------------------------------------------------------------------------------------

    def _state(self, name):
        with open(os.path.join(self.state_dir, name + ".json")) as handle:
            return json.load(handle)

    def clients(self, variant):
        """{client id: secret} of the ``servicenow-*`` clients (Console clients of the cluster, or Keycloak's)."""
        if variant == "sm":
            realm = self._state("camunda_sm")["realms"][SM_REALM]
            return dict((c["clientId"], c.get("secret")) for c in realm["clients"].values()
                        if str(c.get("clientId", "")).startswith("servicenow-"))
        cluster = self._state("camunda_saas")["clusters"][self.cluster_id]
        return dict((cid, c.get("secret", c.get("client_secret"))) for cid, c in cluster["clients"].items()
                    if str(c.get("name", "")).startswith("servicenow-"))

    def check(self, playbook, variant):
        """(problems, duplicates, orphans) of the records after a run of ``playbook`` that should have converged."""
        from cryptography.fernet import Fernet  # pylint: disable=import-outside-toplevel
        problems = []
        present = playbook != "teardown"
        want = 1 if present else 0
        duplicates = 0
        clients = self.clients(variant)
        want_clients = 0 if not present else (1 if variant == "shared" else len(self.hosts[variant]))
        orphans = max(0, len(clients) - want_clients)
        if len(clients) != want_clients:
            problems.append("{0} servicenow-* Camunda client(s), want {1}".format(len(clients), want_clients))
        for host in self.hosts[variant]:
            sn = self._state(host)
            tables = sn["tables"] if "tables" in sn else sn["db"]["tables"]
            key = sn.get("cipher_key") or sn.get("db", {}).get("cipher_key")

            def named(table, name, tables=tables):
                return [r for r in tables.get(table, {}).values() if r.get("name") == name]

            profiles = named("oauth_entity", "Camunda OAuth")
            rows = (("Application Registry", profiles),
                    ("credential", named("oauth_2_0_credentials", "Camunda Connection")),
                    ("connection", named("http_connection", "Camunda API Connection")))
            for what, found in rows:
                duplicates += max(0, len(found) - 1)
                if len(found) != want:
                    problems.append("{0}: {1} {2} record(s), want {3}".format(host, len(found), what, want))
            if present and len(profiles) == 1:
                profile = profiles[0]
                client_id = profile.get("client_id")
                if client_id not in clients:
                    problems.append("{0}: the OAuth profile holds client {1}, which does not exist (clients: {2})"
                                    .format(host, client_id, sorted(clients)))
                    continue
                stored = profile.get("client_secret") or ""
                try:
                    plain = Fernet(key.encode("ascii")).decrypt(stored.encode("ascii")).decode("utf-8")
                except Exception:  # pylint: disable=broad-except
                    plain = ""
                if plain != clients[client_id]:
                    problems.append("{0}: the OAuth profile does not hold the secret of client {1}".format(
                        host, client_id))
        if present and variant != "sm":
            secrets = self._state("camunda_saas")["clusters"][self.cluster_id].get("secrets", {})
            if not {"snUser", "snPwd"} <= set(secrets):
                problems.append("connector secrets missing: {0}".format(sorted(secrets)))
        return problems, duplicates, orphans

    # -- jobs ---------------------------------------------------------------------------------------------------

    def cell(self, job):
        """One fault at each step of ``job.steps`` (one rule per step), the run, the rerun: one result per step."""
        fields, nature = FAULTS[job.fault]
        self.prepare(job.playbook, job.variant)
        fields = dict(fields)
        flags = fields.pop("flags", None)
        rules = []
        for step in job.steps:
            rule = dict(service=step["service"], method=step["method"], path=step["path"], times=1)
            rule.update(fields)
            rules.append(rule)
        if flags:
            for step in job.steps:
                self.sandbox.control("POST", "/services/{0}/flags".format(step["service"]), json=flags)
        else:
            self.sandbox.control("POST", "/faults", json=rules)
        first = self.run(job.playbook, job.variant)
        hits = [r.get("hits", 0) for r in self.sandbox.control("GET", "/faults")] if not flags else [1] * len(rules)
        self.sandbox.control("DELETE", "/faults")
        if flags:
            for step in job.steps:
                self.sandbox.control("POST", "/services/{0}/flags".format(step["service"]),
                                     json=dict((k, not v) for k, v in flags.items()))
        result = self.judge(job.playbook, job.variant, nature, first)
        results = []
        for step, hit in zip(job.steps, hits + [0] * (len(job.steps) - len(hits))):
            one = dict(result, hits=hit, step=step["label"], group=len(job.steps))
            results.append(one)
        return results

    def judge(self, playbook, variant, nature, first):
        first_problems = self.check(playbook, variant)[0] if first.rc == 0 else None
        second = self.run(playbook, variant)
        problems, duplicates, orphans = self.check(playbook, variant)
        if second.rc != 0 or problems:
            outcome = "stuck"
        elif first.rc == 0 and not first_problems:
            outcome = "absorbed"
        else:
            outcome = "converged"
        self.after(playbook, variant, outcome)
        return dict(outcome=outcome, nature=nature, first_rc=first.rc, second_rc=second.rc,
                    problems=problems + (["(first run) " + p for p in first_problems or []]),
                    duplicates=duplicates, orphans=orphans,
                    first_failure=first.failure if first.rc else None,
                    second_failure=second.failure if second.rc else None)

    def kill(self, job):
        self.prepare(job.playbook, job.variant)
        rc, last = self.run_killed_after(job.playbook, job.variant, job.count)
        result = self.judge(job.playbook, job.variant, "kill", Run(rc if rc else -9, "", 0))
        result.update(step="SIGKILL after request {0}".format(job.count), hits=1 if last else 0, killed_at=last)
        return [result]

    def concurrent(self, job):
        self.prepare("site", job.variant)
        procs = [subprocess.Popen(self.command("site", job.variant), env=self.env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT) for _n in range(2)]
        outputs = [p.communicate(timeout=3600)[0].decode("utf-8", "replace") for p in procs]
        rcs = [p.returncode for p in procs]
        first = Run(0 if all(rc == 0 for rc in rcs) else 1, "\n".join(outputs), 0)
        result = self.judge("site", job.variant, "concurrent", first)
        result.update(step="two plays at once ({0})".format(job.count), hits=1, play_rcs=rcs,
                      play_failures=[Run(rc, out, 0).failure for rc, out in zip(rcs, outputs) if rc])
        return [result]

    def do(self, job):
        results = getattr(self, job.what)(job)
        for result in results:
            result.update(variant=job.variant, playbook=job.playbook, fault=job.fault or job.what)
        return results


# Matrix: kept for the fast slice and older callers (one worker, the saas variant).
class Matrix(Worker):
    pass


# ----------------------------------------------------------------------------------------------------------------

class Pool:
    """Workers taking jobs from one queue. A worker prefers a job whose precondition its sandbox already holds (a
    rotate or teardown cell after a cell that converged), so no setup is run twice. A group cell that was not
    absorbed is split in halves and both halves go back into the queue."""

    def __init__(self, workers, jobs, deadline=None):
        self.workers = workers
        self.jobs = list(jobs)
        self.deadline = deadline
        self.lock = threading.Lock()
        self.results = []
        self.busy = 0
        self.errors = []
        self.total = len(self.jobs)
        self.done = 0

    def take(self, worker):
        with self.lock:
            if not self.jobs or (self.deadline is not None and time.time() > self.deadline):
                return None
            # Within the rank of the first job only: a precondition saved never jumps a more telling job.
            index = 0
            for number, job in enumerate(self.jobs):
                if job.rank != self.jobs[0].rank:
                    break
                if job.playbook != "site" and worker.state == (job.variant, "converged") and job.what != "concurrent":
                    index = number
                    break
            self.busy += 1
            return self.jobs.pop(index)

    def give_back(self, jobs):
        with self.lock:
            self.jobs[:0] = jobs
            self.total += len(jobs)

    def loop(self, worker):
        while True:
            job = self.take(worker)
            if job is None:
                with self.lock:
                    if self.busy == 0:
                        return
                time.sleep(0.5)
                continue
            try:
                label = ", ".join(s["label"] for s in job.steps) if job.steps else "n={0}".format(job.count)
                worker.say("{0} {1} {2} x {3}: {4}".format(job.what, job.variant, job.playbook,
                                                           job.fault or job.what, label[:160]))
                results = worker.do(job)
                split = job.what == "cell" and len(job.steps) > 1 and results[0]["outcome"] != "absorbed"
                with self.lock:
                    self.done += 1
                    if not split:
                        self.results.extend(results)
                for result in results if not split else []:
                    print("  [{0}] -> {1} {2} {3} x {4}: {5}{6}".format(
                        worker.name, result["variant"], result["playbook"], result["step"], result["fault"],
                        result["outcome"], "; " + "; ".join(result["problems"]) if result["problems"] else ""),
                        flush=True)
                if split:
                    half = len(job.steps) // 2
                    worker.say("group not absorbed ({0}): splitting".format(results[0]["outcome"]))
                    halves = [Job("cell", job.variant, job.playbook, job.fault, job.steps[:half]),
                              Job("cell", job.variant, job.playbook, job.fault, job.steps[half:])]
                    for one in halves:
                        one.rank = job.rank
                    self.give_back(halves)
            except Exception as error:  # pylint: disable=broad-except
                worker.state = None
                with self.lock:
                    self.errors.append("{0} {1} {2} {3}: {4}".format(
                        job.what, job.variant, job.playbook, job.fault, error))
                print("  [{0}] ERROR {1}".format(worker.name, error), flush=True)
            finally:
                with self.lock:
                    self.busy -= 1

    def run(self):
        threads = [threading.Thread(target=self.loop, args=(w,)) for w in self.workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.results


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
    """Markdown: one row per (variant, playbook, step), one column per fault; A absorbed, C converged, - not run."""
    rows = collections.OrderedDict()
    for c in cells:
        rows.setdefault((c.get("variant", "saas"), c["playbook"], c["step"]), {})[c["fault"]] = c
    head = "| variant | playbook | step | " + " | ".join(faults) + " |"
    lines = [head, "|" + "---|" * (len(faults) + 3)]
    for (variant, playbook, step), by_fault in rows.items():
        marks = []
        for fault in faults:
            c = by_fault.get(fault)
            mark = "-" if c is None else SHORT[c["outcome"]]
            if c is not None and c.get("hits", 1) == 0:
                mark += "?"  # the rule never matched (the kind was not requested in that run)
            marks.append(mark)
        lines.append("| {0} | {1} | `{2}` | {3} |".format(variant, playbook, step, " | ".join(marks)))
    return "\n".join(lines)


def order(cells):
    """Cells in report order: variant, playbook, then the order of the steps in the clean runs."""
    variants = list(VARIANTS)
    playbooks = ["site", "rotate", "teardown"]
    return sorted(cells, key=lambda c: (variants.index(c.get("variant", "saas")), playbooks.index(c["playbook"]),
                                        c.get("step_index", 1000), c["step"]))


def write_report(path, cells, faults, scope, seconds=None, workers=1, not_run=()):
    failures = [c for c in cells if c["outcome"] != "absorbed"]
    took = "" if seconds is None else ", {0} workers, {1:.0f} min".format(workers, seconds / 60.0)
    lines = [
        "# Reliability: the fault matrix",
        "",
        "Written by `tests/faults/matrix.py` (`make faults` runs the full matrix; `make ci-tests` runs a fast slice).",
        "Do not edit by hand: rerun the matrix. What each fault means and what the collection guarantees is in",
        "[the policy](#what-the-collection-guarantees) below.",
        "",
        "**Summary ({0}, {1}{2}):** {3}".format(scope, time.strftime("%Y-%m-%d", time.gmtime()), took, summary(cells)),
        "",
        "`A`: absorbed (the first run succeeded with the fault and the records are right). `C`: converged (the first",
        "run failed with one sentence, the rerun succeeded, the records are right). `STUCK`: the rerun failed or the",
        "records are wrong. `-`: not run (not applicable, or outside the slice). `?`: the rule never matched.",
        "Variants: `saas` one instance with its own Camunda client; `shared` two instances sharing one client",
        "(`setup_camunda_client_mode: shared`); `sm` Self-Managed (Keycloak). Faults: `429` (with `Retry-After: 1`),",
        "`500`-`504`, `drop` (the connection closed before the server processed the request), `lost` (the reply",
        "slower than the client's timeout, the server processing it afterwards), `412` (Camunda: the cluster not",
        "ready, twice), `401` (the request rejected as unauthenticated once), `cicd` (the CI/CD install fails: the",
        "instance is not entitled), `kill` (the play SIGKILLed after request N), `concurrent` (two plays at once).",
        "Transient faults of one playbook were first run together (one rule per step, in one run); a group whose",
        "first run was not absorbed was split down to single cells, so every cell not marked `A` ran alone.",
        "",
        table(cells, faults),
        "",
    ]
    specials = [c for c in cells if c["fault"] in ("kill", "concurrent")]
    if specials:
        lines += ["## Interrupted and concurrent runs", ""]
        for c in specials:
            extra = ""
            if c["fault"] == "kill":
                extra = "killed after `{0}`".format(c.get("killed_at"))
            else:
                extra = "play exit codes {0}{1}".format(c.get("play_rcs"), "; " + "; ".join(
                    str(f) for f in c.get("play_failures") or []) if c.get("play_failures") else "")
            lines.append("* {variant} {playbook}, {step}: {outcome} ({extra}); {problems}".format(
                variant=c.get("variant", "saas"), playbook=c["playbook"], step=c["step"], outcome=c["outcome"],
                extra=extra, problems="; ".join(c["problems"]) or "records right after the rerun"))
        lines.append("")
    failures = [c for c in failures if c["fault"] not in ("kill", "concurrent")]
    if failures:
        lines += ["## Cells not absorbed", ""]
        for c in failures:
            lines.append("* {variant} {playbook} `{step}` x {fault}: {outcome}; first run: {first}; {problems}".format(
                variant=c.get("variant", "saas"), playbook=c["playbook"], step=c["step"], fault=c["fault"],
                outcome=c["outcome"], first=c.get("first_failure") or "rc {0}".format(c["first_rc"]),
                problems="; ".join(c["problems"]) or "records right after the rerun"))
        lines.append("")
    if not_run:
        lines += ["## Not run within the time budget", "",
                  "The budget (`--budget-minutes`) ran out before these jobs started; they are not counted above.", ""]
        lines += ["* " + item for item in not_run]
        lines.append("")
    with open(os.path.join(HERE, "policy.md")) as handle:
        lines.append(handle.read().rstrip() + "\n")
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def plan_full(steps, args, faults):
    """The jobs of the full matrix: ``steps`` is {(variant, playbook): [step]} from the clean runs."""
    jobs = []
    for (variant, playbook), found in steps.items():
        if args.kinds:
            found = [s for s in found if re.search(args.kinds, s["label"])]
        for fault in faults:
            nature = FAULTS[fault][1]
            fit = [s for s in found if applicable(s, fault)]
            if not fit:
                continue
            if nature == "transient" and args.group:
                jobs.append(Job("cell", variant, playbook, fault, fit))
            elif nature == "transient":  # --no-group: every cell alone
                jobs.extend(Job("cell", variant, playbook, fault, [step]) for step in fit)
            else:
                # A permanent fault fails the run where it strikes, whatever the step: a sample, the first step of
                # each service (in the shared and Self-Managed variants, of each service the saas variant lacks).
                seen = set(s["service"] for s in steps.get(("saas", "site"), [])) if variant != "saas" else set()
                for step in fit:
                    if step["service"] not in seen:
                        seen.add(step["service"])
                        jobs.append(Job("cell", variant, playbook, fault, [step]))
    for item in [k for k in args.kill.split(",") if k]:
        playbook, count = item.split(":") if ":" in item else ("site", item)
        jobs.append(Job("kill", "saas", playbook, count=int(count)))
    for number in range(args.concurrent):
        for variant in ("saas", "shared") if number == 0 else ("saas",):
            jobs.append(Job("concurrent", variant, "site", count=number + 1))

    # Most telling first (so a time budget cuts the least): the saas groups, the interrupted and concurrent plays,
    # then shared and Self-Managed, then the permanent faults; within each, the slow cells (lost replies wait for the
    # timeout) first, so the last minutes are not one worker's long cell.
    def rank(job):
        if job.what != "cell":
            tier = 0
        elif FAULTS[job.fault][1] == "permanent":
            tier = 2
        else:
            tier = 0 if job.variant == "saas" else 1
        return (tier, 0 if job.fault == "lost" else 1)

    for job in jobs:
        job.rank = rank(job)
    jobs.sort(key=lambda job: job.rank)
    return jobs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--slice", choices=["fast", "full"], default="full")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("FAULTS_WORKERS", "3")))
    parser.add_argument("--playbooks", default="site,rotate,teardown")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--kinds", default=None, help="only the steps whose label matches this regex")
    parser.add_argument("--no-group", dest="group", action="store_false",
                        help="run every transient cell alone instead of in groups")
    parser.add_argument("--kill", default=DEFAULT_KILLS, help="PLAYBOOK:N,...: SIGKILL the play after N requests")
    parser.add_argument("--concurrent", type=int, default=0, nargs="?", const=2,
                        help="also run two site.yml plays at once (this many times in SaaS, once in shared mode)")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help="start no job after this many minutes; the jobs left are listed as not run")
    parser.add_argument("--report", default=None, help="write the table and summary to this Markdown file")
    parser.add_argument("--json", default=None, help="write every cell as JSON to this file")
    args = parser.parse_args(argv)
    faults = [f for f in args.faults.split(",") if f]
    started = time.time()
    work = tempfile.mkdtemp(prefix="faults-")
    workers = []
    try:
        if args.slice == "fast":
            workers.append(Worker(os.path.join(work, "w1"), "w1", verbose=True))
            steps = {}
            jobs = []
            for playbook, kind, fault in FAST_SLICE:
                if playbook not in steps:
                    steps[playbook] = workers[0].clean_steps(playbook, "saas")
                match = [s for s in steps[playbook] if re.search(kind, s["label"])]
                if not match:
                    raise RuntimeError("no request kind {0} in a clean run of {1}: {2}".format(
                        kind, playbook, [s["label"] for s in steps[playbook]]))
                jobs.append(Job("cell", "saas", playbook, fault, match[:1]))
            faults = list(collections.OrderedDict.fromkeys(job.fault for job in jobs))
        else:
            count = max(1, args.workers)
            threads = []
            for number in range(count):
                def start(number=number):
                    workers.append(Worker(os.path.join(work, "w%d" % (number + 1)), "w%d" % (number + 1), verbose=True))
                threads.append(threading.Thread(target=start))
                threads[-1].start()
            for thread in threads:
                thread.join()
            if len(workers) != count:
                raise RuntimeError("only {0} of {1} sandboxes started".format(len(workers), count))
            workers.sort(key=lambda w: w.name)
            # The clean runs, one variant per worker: site, then rotate and teardown from what site left.
            wanted = [v for v in args.variants.split(",") if v]
            playbooks = [p for p in args.playbooks.split(",") if p]
            steps = collections.OrderedDict()
            lock = threading.Lock()

            def discover(worker, variants):
                for variant in variants:
                    covered = VARIANTS[variant] or playbooks
                    for playbook in [p for p in ("site", "rotate", "teardown") if p in playbooks and p in covered]:
                        found = worker.clean_steps(playbook, variant)
                        print("{0} ({1}): {2} request kinds".format(playbook, variant, len(found)), flush=True)
                        with lock:
                            steps[(variant, playbook)] = found

            threads = [threading.Thread(target=discover, args=(w, wanted[n::len(workers)]))
                       for n, w in enumerate(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            ordered = collections.OrderedDict()
            for variant in wanted:
                for playbook in ("site", "rotate", "teardown"):
                    if (variant, playbook) in steps:
                        ordered[(variant, playbook)] = steps[(variant, playbook)]
            jobs = plan_full(ordered, args, faults)
        print("{0} jobs on {1} worker(s)".format(len(jobs), len(workers)), flush=True)
        deadline = started + args.budget_minutes * 60 if args.budget_minutes else None
        pool = Pool(workers, jobs, deadline)
        cells = pool.run()
        not_run = ["{0} {1} {2} x {3}{4}".format(job.what, job.variant, job.playbook, job.fault or job.what,
                                                 ": " + ", ".join("`%s`" % st["label"] for st in job.steps)
                                                 if job.steps else " (n={0})".format(job.count))
                   for job in pool.jobs]
        if not_run:
            print("not run within the budget:\n  " + "\n  ".join(not_run), flush=True)
        if pool.errors:
            print("errors:\n  " + "\n  ".join(pool.errors), flush=True)
    finally:
        for worker in workers:
            worker.close()
    index = {}
    for (variant, playbook), found in (steps.items() if args.slice == "full" else []):
        for number, step in enumerate(found):
            index[(variant, playbook, step["label"])] = number
    for cell in cells:
        cell["step_index"] = index.get((cell.get("variant"), cell["playbook"], cell["step"]), 1000)
    cells = order(cells)
    columns = faults + [f for f in ("kill", "concurrent") if any(c["fault"] == f for c in cells)]
    seconds = time.time() - started
    print(table(cells, columns))
    print(summary(cells))
    print("{0} worker(s), {1:.0f} s".format(len(workers), seconds))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(cells, handle, indent=1)
    if args.report:
        write_report(args.report, cells, columns, "fast slice" if args.slice == "fast" else "full matrix",
                     seconds, len(workers), not_run)
    return 0 if all(c["outcome"] != "stuck" for c in cells) and not pool.errors else 1


if __name__ == "__main__":
    sys.exit(main())
