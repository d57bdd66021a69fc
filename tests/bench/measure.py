"""Run one ansible-playbook and measure it; read the sandbox's request log of that run.

Shared by the benchmark (tests/bench/bench.py) and the request-budget test (tests/ci/test_request_budget.py): the
request counts come from the sandbox's request log between two log positions, so they are exact whatever the
machine's load.
"""

import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SITE = os.path.join(REPO, "playbooks", "site.yml")
BASELINE = os.path.join(HERE, "baseline.yml")

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BATCH_PATH = re.compile(r"^/api/now(/v1)?/batch$")
RECAP_LINE = re.compile(r"^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
                        r"\s+rescued=(\d+)\s+ignored=(\d+)")


def ansible_playbook():
    """The ansible-playbook beside the running Python (the project's .venv), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return beside if os.access(beside, os.X_OK) else "ansible-playbook"


def collections_root(work):
    """A collections path holding this checkout as camunda.servicenow (a symlink, like AWX's project sync)."""
    root = os.path.join(work, "collections")
    link = os.path.join(root, "ansible_collections", "camunda", "servicenow")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


def playbook_env(work, extra=None):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("ANSIBLE_"):
            del env[name]
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_root(work), "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "false", "ANSIBLE_LOCAL_TEMP": os.path.join(work, "tmp"),
        "ANSIBLE_CONFIG": os.path.join(work, "ansible.cfg"),  # absent: the defaults, nothing from the caller's cwd
    })
    env.update(extra or {})
    return env


def tree_rss_kb(pid):
    """Resident memory of ``pid`` and all its descendants, in kB (0 once it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open("/proc/%d/status" % current, encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open("/proc/%d/task/%d/children" % (current, current), encoding="ascii") as handle:
                todo.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def parse_recap(text):
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from the PLAY RECAP."""
    recap, seen = {}, False
    for line in text.splitlines():
        if line.startswith("PLAY RECAP"):
            seen, recap = True, {}
            continue
        if seen:
            match = RECAP_LINE.match(line.strip())
            if match:
                names = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
                recap[match.group(1)] = dict(zip(names, (int(v) for v in match.groups()[1:])))
    return recap


def run_playbook(playbook, inventory, work, forks=25, log_path=None, extra_env=None, sample_memory=True):
    """Run ansible-playbook; returns {rc, wall_s, cpu_s, peak_rss_mb, recap, output}.

    CPU time is user+system of ansible-playbook and every process it waited for (its workers and their module
    processes), from wait4(). Peak memory is the largest sum of resident memory over the process tree, sampled
    every 50 ms (the controller; the sandbox is a separate process tree).
    """
    command = [ansible_playbook(), "-i", inventory, "-f", str(forks), playbook]
    os.makedirs(os.path.join(work, "tmp"), exist_ok=True)
    out_path = log_path or os.path.join(work, "last-run.log")
    with open(out_path, "w", encoding="utf-8") as out:
        start = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                   env=playbook_env(work, extra_env), cwd=work)
        peak = [0]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_kb(process.pid))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_memory:
            sampler.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - start
        done.set()
        if sample_memory:
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as handle:
        output = handle.read()
    return {"rc": process.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": peak[0] / 1024.0, "recap": parse_recap(output), "output": output}


def is_batch(entry):
    return entry["method"] == "POST" and bool(BATCH_PATH.match(entry["path"])) and not entry.get("batch_item")


def summarize_log(entries, sn_services):
    """Counts of one run from its request-log entries.

    ``requests``: HTTP requests on the wire (a Batch API call is one request, its items are not);
    ``items``: every logged request including Batch items; ``writes``: POST/PUT/PATCH/DELETE to the Table API
    (a Batch call is a read wrapper; a write inside a Batch call counts); ``tokens``: token requests by client.
    """
    per = {}
    for entry in entries:
        service = entry["service"]
        stats = per.setdefault(service, {"requests": 0, "items": 0, "writes": 0, "batch": 0})
        stats["items"] += 1
        if not entry.get("batch_item"):
            stats["requests"] += 1
        if is_batch(entry):
            stats["batch"] += 1
        elif entry["method"] in WRITE_METHODS and entry["path"].startswith("/api/now/"):
            stats["writes"] += 1
    tokens = {}
    for entry in entries:
        if entry["service"] == "camunda_login" and entry["path"].endswith("/oauth/token"):
            tokens[entry.get("principal") or "?"] = tokens.get(entry.get("principal") or "?", 0) + 1
    camunda = [s for s in per if s.startswith("camunda_")]
    sn = [per.get(name, {"requests": 0, "items": 0, "writes": 0, "batch": 0}) for name in sn_services]
    return {
        "per_service": per,
        "sn_requests": [s["requests"] for s in sn],
        "sn_writes": [s["writes"] for s in sn],
        "sn_batch": [s["batch"] for s in sn],
        "camunda_requests": sum(per[s]["requests"] for s in camunda),
        "camunda_by_service": dict((s, per[s]["requests"]) for s in sorted(camunda)),
        "token_requests": sum(tokens.values()),
        "tokens_by_client": tokens,
    }


def repeated_requests(entries):
    """Reads made more than once in one run: (service, method, path, query, principal) -> count.

    Only reads (GET, and the items of Batch calls) are compared: the log holds no bodies, so two POSTs to one path
    (two secrets, two clients) are not known to be the same request. The principal is part of the key: two
    Camunda clients each proving their own access to one cluster are two different requests.
    """
    seen = {}
    for entry in entries:
        if entry["method"] != "GET":
            continue
        key = (entry["service"], entry["method"], entry["path"], entry.get("query") or "", entry.get("principal") or "")
        seen[key] = seen.get(key, 0) + 1
    return dict((key, count) for key, count in seen.items() if count > 1)
