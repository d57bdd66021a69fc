#!/usr/bin/env python
"""`make bench`: playbooks/site.yml against the hand-written uri baseline, on the sandbox, with per-request latency.

    python tests/bench/bench.py [--instances 1,10,50] [--latency-ms 50] [--reps 3] [--reps-large 1]
        [--large-from 50] [--forks 25] [--work build/bench] [--out docs/performance.md] [--plot docs/performance.svg]

For each instance count: one sandbox (TLS, the spoke pre-installed, every request delayed by --latency-ms) with that
many ServiceNow instances sharing one Camunda cluster. Each repetition runs, interleaved (A B A B ...), the
collection and the baseline, each cold (POST /__sandbox/restore: nothing configured) and then warm (everything
configured by the cold run). After every run the record checks (check_records.py) must pass, else the bench
stops. Per run: wall time, CPU time and peak memory of the controller (ansible-playbook and its process tree),
tasks per host (ok + skipped from the PLAY RECAP), and from the sandbox's request log: ServiceNow requests per
instance (a Batch API call counts once), writes, Camunda requests and token requests. Medians over the
repetitions; ratios are collection / baseline. Writes the Markdown report and the plot (matplotlib).
Request counts are deterministic; times are not (the machine is shared): the ratios are the claim.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "sandbox"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "ci"))

# pylint: disable=wrong-import-position,import-error
import check_records  # noqa: E402
import measure  # noqa: E402
import sandbox_inventory  # noqa: E402
from harness import start_sandbox  # noqa: E402

KINDS = (("collection", measure.SITE), ("baseline", measure.BASELINE))

# The budgets of issue 9 (per ServiceNow instance unless said otherwise).
BUDGETS = {
    "tasks_warm": 12,
    "sn_cold": 8,
    "sn_warm": 4,
    "sn_writes_warm": 0,
    "camunda_warm": 3,
    "wall_ratio": 0.5,
}


def log_entries(sandbox, since, until):
    entries = sandbox.control("GET", "/log", params={"since": since})
    return [e for e in entries if e["seq"] <= until]


def one_run(sandbox, inventory, work, kind, playbook, phase, forks, label):
    """Run a playbook once and check the records; returns the measurement (raises on failure)."""
    if phase == "cold":
        sandbox.restore()
    time.sleep(1.2)  # the Camunda token service allows about one request per second per address
    start = sandbox.log_seq()
    log_path = os.path.join(work, "%s.log" % label)
    result = measure.run_playbook(playbook, inventory, work, forks=forks, log_path=log_path)
    end = sandbox.log_seq()
    hosts = sorted(result["recap"])
    failed = [h for h in hosts if result["recap"][h]["failed"] or result["recap"][h]["unreachable"]]
    if result["rc"] != 0 or failed or not hosts:
        raise RuntimeError("%s %s run failed (rc %s, hosts failed: %s); see %s"
                           % (kind, phase, result["rc"], ", ".join(failed) or "none", log_path))
    with open(inventory, encoding="utf-8") as handle:
        problems = check_records.check(sandbox.info, json.load(handle))
    if problems:
        raise RuntimeError("%s %s run left records that fail the checks: %s (log %s)"
                           % (kind, phase, "; ".join(problems[:5]), log_path))
    time.sleep(1.2)
    sn_services = [sn["name"] for sn in sandbox.info["servicenow"]]
    counts = measure.summarize_log(log_entries(sandbox, start, end), sn_services)
    tasks = [result["recap"][h]["ok"] + result["recap"][h]["skipped"] for h in hosts]
    return {
        "kind": kind, "phase": phase, "wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
        "peak_rss_mb": result["peak_rss_mb"], "tasks_per_host": statistics.median(tasks), "tasks_max": max(tasks),
        "changed": sum(result["recap"][h]["changed"] for h in hosts),
        "sn_requests": statistics.mean(counts["sn_requests"]), "sn_requests_max": max(counts["sn_requests"]),
        "sn_writes": statistics.mean(counts["sn_writes"]), "sn_batch": statistics.mean(counts["sn_batch"]),
        "camunda_requests": counts["camunda_requests"], "camunda_by_service": counts["camunda_by_service"],
        "token_requests": counts["token_requests"], "tokens_max_per_client": max(counts["tokens_by_client"].values() or [0]),
    }


def run_configuration(args, instances, reps, work_root, runs, started):
    work = os.path.join(work_root, "n%d" % instances)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    extra = ["--latency-ms", str(args.latency_ms), "--sn-spoke-preinstalled", "--max-lifetime", "3000"]
    with start_sandbox(os.path.join(work, "sandbox"), instances=instances, tls=True, extra_args=extra,
                       timeout=60) as sandbox:
        inventory = os.path.join(work, "inventory.json")
        with open(inventory, "w", encoding="utf-8") as handle:
            handle.write(sandbox_inventory.dump(sandbox_inventory.build(sandbox.info, install_spoke=False, region=True)))
        for rep in range(reps):
            for kind, playbook in KINDS:
                for phase in ("cold", "warm"):
                    label = "%s-%s-%s-r%d" % (kind, phase, instances, rep + 1)
                    run = one_run(sandbox, inventory, work, kind, playbook, phase, args.forks, label)
                    run.update(instances=instances, rep=rep + 1)
                    runs.append(run)
                    print("  %-40s wall %6.1f s  cpu %6.1f s  rss %5.0f MB  tasks/host %4.1f  sn req/inst %4.1f "
                          "(writes %.1f)  camunda %3d  tokens %3d   [%s elapsed]" % (
                              label, run["wall_s"], run["cpu_s"], run["peak_rss_mb"], run["tasks_per_host"],
                              run["sn_requests"], run["sn_writes"], run["camunda_requests"], run["token_requests"],
                              elapsed(started)), flush=True)


def elapsed(started):
    seconds = int(time.monotonic() - started)
    return "%d:%02d" % (seconds // 60, seconds % 60)


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def summarize(runs):
    """{(instances, phase): {kind: {metric: median}, 'reps': n}}."""
    table = {}
    for run in runs:
        cell = table.setdefault((run["instances"], run["phase"]), {})
        cell.setdefault(run["kind"], []).append(run)
    out = {}
    for key, cell in sorted(table.items()):
        out[key] = {}
        for kind, kind_runs in cell.items():
            out[key][kind] = dict((m, median_of(kind_runs, m)) for m in (
                "wall_s", "cpu_s", "peak_rss_mb", "tasks_per_host", "sn_requests", "sn_writes", "camunda_requests",
                "token_requests", "sn_batch"))
            out[key][kind]["reps"] = len(kind_runs)
            out[key][kind]["tokens_max_per_client"] = max(r["tokens_max_per_client"] for r in kind_runs)
    return out


def ratio(a, b):
    return "–" if not b else "%.2f×" % (a / b)


def budget_rows(summary):
    """(budget, measured, met) for every budget of the issue that this run measured."""
    rows = []
    for (instances, phase), cell in sorted(summary.items()):
        col, base = cell.get("collection"), cell.get("baseline")
        if not col:
            continue
        tag = "%d instance%s, %s" % (instances, "" if instances == 1 else "s", phase)
        if phase == "warm":
            rows.append(("tasks per host ≤ %d (%s)" % (BUDGETS["tasks_warm"], tag), "%.0f" % col["tasks_per_host"],
                         col["tasks_per_host"] <= BUDGETS["tasks_warm"]))
            rows.append(("ServiceNow requests per instance ≤ %d, writes 0 (%s)" % (BUDGETS["sn_warm"], tag),
                         "%.1f, writes %.1f" % (col["sn_requests"], col["sn_writes"]),
                         col["sn_requests"] <= BUDGETS["sn_warm"] and col["sn_writes"] == 0))
            rows.append(("Camunda requests per play ≤ %d (%s)" % (BUDGETS["camunda_warm"], tag),
                         "%.0f" % col["camunda_requests"], col["camunda_requests"] <= BUDGETS["camunda_warm"]))
        else:
            rows.append(("ServiceNow requests per instance ≤ %d (%s)" % (BUDGETS["sn_cold"], tag),
                         "%.1f" % col["sn_requests"], col["sn_requests"] <= BUDGETS["sn_cold"]))
        rows.append(("one token request per client per play (%s)" % tag,
                     "max %d per client" % col["tokens_max_per_client"], col["tokens_max_per_client"] <= 1))
        if base:
            value = col["wall_s"] / base["wall_s"]
            rows.append(("wall time ≤ %.1f× the baseline (%s)" % (BUDGETS["wall_ratio"], tag), "%.2f×" % value,
                         value <= BUDGETS["wall_ratio"]))
    return rows


def machine_line():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    except OSError:
        model = "?"
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            mem_kb = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    load = os.getloadavg()
    return "%s, %d cores (%s), %.1f GB RAM, load average at the end %.1f / %.1f / %.1f" % (
        platform.platform(terse=True), os.cpu_count() or 0, model, mem_kb / 1048576.0, load[0], load[1], load[2])


def ansible_core_version():
    out = subprocess.run([measure.ansible_playbook(), "--version"], capture_output=True, text=True, check=False).stdout
    first = out.splitlines()[0] if out else "?"
    return first.split("core", 1)[-1].strip(" ]") if "core" in first else first


def write_report(path, plot_name, args, summary, runs, notes, total_s, startup=None, sandbox=None):
    lines = [
        "# Performance: `make bench`",
        "",
        "Generated by `make bench` (tests/bench/bench.py); do not edit by hand. Issue 9 defines the benchmark and the"
        " budgets.",
        "",
        "- Written: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "- Machine: %s" % machine_line(),
        "- ansible-core %s, Python %s, forks %d" % (ansible_core_version(), platform.python_version(), args.forks),
        "- Sandbox: TLS, %d ms added to every request, the Camunda Spoke pre-installed, one Camunda cluster shared by"
        " every instance; the token service's limit of about one request per second per address is on." % args.latency_ms,
        "- The inventory gives `setup_camunda_region` (the cluster's `CAMUNDA_CLUSTER_REGION`, as a user copies it from"
        " Console), so a collection run that changes no client does not read the cluster; the baseline reads the"
        " cluster only when an instance needs a new connection.",
    ]
    if total_s is not None:
        lines.append("- The bench took %d min %02d s." % (total_s // 60, total_s % 60))
    lines += ["- %s" % note for note in notes]
    lines += [
        "",
        "**Collection** is `playbooks/site.yml`; **baseline** is `tests/bench/baseline.yml`, a hand-written"
        " `ansible.builtin.uri` playbook doing the same documented steps (GET by name, POST when missing, one Camunda"
        " token per play). Both must pass the same record checks (`tests/bench/check_records.py`) after every run."
        " **Cold**: nothing configured (sandbox restored), spoke installed. **Warm**: the same playbook again on what"
        " its cold run configured. Values are medians over the repetitions; the ratio is collection / baseline."
        " ServiceNow requests are per instance (a Batch API call is one request); Camunda requests are per play."
        " Peak MB is the largest sum of resident memory over ansible-playbook, its workers and their modules, sampled"
        " every 50 ms (pages the forks share count once per process, so it overstates what the machine needs);"
        " CPU s is user + system time of that process tree."
        " Times depend on the machine's load (shared with other jobs); request counts do not.",
        "",
        "| instances | run | reps | wall s (coll / base, ratio) | CPU s (ratio) | peak MB (ratio) | tasks/host (ratio)"
        " | SN requests/instance (ratio) | SN writes/instance | Camunda requests (ratio) | token requests |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (instances, phase), cell in sorted(summary.items()):
        col, base = cell.get("collection"), cell.get("baseline")
        if not col or not base:
            continue
        lines.append("| %d | %s | %d | %.1f / %.1f (%s) | %.1f / %.1f (%s) | %.0f / %.0f (%s) | %.0f / %.0f (%s) | "
                     "%.1f / %.1f (%s) | %.1f / %.1f | %.0f / %.0f (%s) | %.0f / %.0f |" % (
                         instances, phase, min(col["reps"], base["reps"]),
                         col["wall_s"], base["wall_s"], ratio(col["wall_s"], base["wall_s"]),
                         col["cpu_s"], base["cpu_s"], ratio(col["cpu_s"], base["cpu_s"]),
                         col["peak_rss_mb"], base["peak_rss_mb"], ratio(col["peak_rss_mb"], base["peak_rss_mb"]),
                         col["tasks_per_host"], base["tasks_per_host"], ratio(col["tasks_per_host"], base["tasks_per_host"]),
                         col["sn_requests"], base["sn_requests"], ratio(col["sn_requests"], base["sn_requests"]),
                         col["sn_writes"], base["sn_writes"],
                         col["camunda_requests"], base["camunda_requests"],
                         ratio(col["camunda_requests"], base["camunda_requests"]),
                         col["token_requests"], base["token_requests"]))
    lines += ["", "![Wall time against instances](%s)" % plot_name, "", "## Budgets of issue 9", "",
              "| budget | measured (collection) | |", "|---|---|---|"]
    for budget, measured, met in budget_rows(summary):
        lines.append("| %s | %s | %s |" % (budget, measured, "met" if met else "**not met**"))
    lines += ["", "## Every run", "", "| instances | rep | playbook | run | wall s | CPU s | peak MB | tasks/host |"
              " SN requests/instance | SN Batch calls/instance | SN writes/instance | Camunda requests | tokens |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        lines.append("| %d | %d | %s | %s | %.1f | %.1f | %.0f | %.0f | %.1f | %.1f | %.1f | %d | %d |" % (
            run["instances"], run["rep"], run["kind"], run["phase"], run["wall_s"], run["cpu_s"], run["peak_rss_mb"],
            run["tasks_per_host"], run["sn_requests"], run["sn_batch"], run["sn_writes"], run["camunda_requests"],
            run["token_requests"]))
    if startup:
        lines += ["", "## Module start-up", "",
                  "`tests/bench/startup.py`: what each module ships (its AnsiballZ payload, kept with"
                  " ANSIBLE_KEEP_REMOTE_FILES=1) and how long importing it takes in a fresh interpreter (`python -X"
                  " importtime`, median of 5; everything a module does before its first request except argument"
                  " validation). Sizes are exact; times are this machine's at the time, compare within a column.", ""]
        lines += startup.strip().splitlines()
    if sandbox:
        lines += ["", "## The sandbox itself", "",
                  "`tests/bench/sandbox_figures.py`: start-up, memory and load figures of the sandbox (reported here,"
                  " never thresholds in `make test`).", ""]
        lines += sandbox.strip().splitlines()
    lines.append("")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def write_plot(path, summary):
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    fig, axis = plt.subplots(figsize=(7, 4.2))
    styles = {("collection", "cold"): ("tab:blue", "-"), ("collection", "warm"): ("tab:blue", "--"),
              ("baseline", "cold"): ("tab:orange", "-"), ("baseline", "warm"): ("tab:orange", "--")}
    for (kind, phase), (color, dash) in styles.items():
        points = sorted((inst, cell[kind]["wall_s"]) for (inst, ph), cell in summary.items()
                        if ph == phase and kind in cell)
        if points:
            axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=color, linestyle=dash,
                      label="%s, %s" % (kind, phase))
    axis.set_xscale("log")
    instances = sorted(set(k[0] for k in summary))
    axis.set_xticks(instances)
    axis.set_xticklabels([str(i) for i in instances])
    axis.set_xlabel("ServiceNow instances (one Camunda cluster)")
    axis.set_ylabel("wall time, s (median)")
    axis.set_title("site.yml vs the uri baseline")
    axis.grid(True, alpha=0.3)
    axis.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None} if path.endswith(".svg") else None)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--instances", default="1,10,50")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--reps", type=int, default=3, help="repetitions per configuration")
    parser.add_argument("--reps-large", type=int, default=1, help="repetitions from --large-from instances on")
    parser.add_argument("--large-from", type=int, default=50)
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--work", default=os.path.join(measure.REPO, "build", "bench"))
    parser.add_argument("--out", default=os.path.join(measure.REPO, "docs", "performance.md"))
    parser.add_argument("--plot", default=os.path.join(measure.REPO, "docs", "performance.svg"))
    parser.add_argument("--note", action="append", default=[], help="a line for the report (repeatable)")
    parser.add_argument("--startup", action="store_true",
                        help="also measure module start-up (tests/bench/startup.py) and add its table to the report")
    parser.add_argument("--no-sandbox-figures", action="store_true",
                        help="skip tests/bench/sandbox_figures.py (start-up, memory with 50 instances, load)")
    parser.add_argument("--from-runs", metavar="RUNS_JSON",
                        help="write the report and plot from the runs.json of an earlier bench, running nothing")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.instances.split(",") if n.strip()]
    started = time.monotonic()
    runs, notes = [], list(args.note)
    if args.from_runs:
        with open(args.from_runs, encoding="utf-8") as handle:
            runs = json.load(handle)
        counts = []
    for instances in counts:
        reps = args.reps_large if instances >= args.large_from else args.reps
        if reps < 3:
            notes.append("%d instance%s: %d repetition%s (fewer than 3, to stay within 20 minutes on 2 cores)."
                         % (instances, "" if instances == 1 else "s", reps, "" if reps == 1 else "s"))
        print("bench: %d instance(s), %d repetition(s), latency %d ms [%s elapsed]"
              % (instances, reps, args.latency_ms, elapsed(started)), flush=True)
        run_configuration(args, instances, reps, args.work, runs, started)
        if instances != counts[-1]:  # a report after every configuration: an interrupted bench still leaves one
            summary = summarize(runs)
            write_plot(args.plot, summary)
            write_report(args.out, os.path.basename(args.plot), args, summary, runs,
                         notes + ["Partial: interrupted before %s instances." % args.instances.split(",")[-1]],
                         int(time.monotonic() - started))
            with open(os.path.join(args.work, "runs.json"), "w", encoding="utf-8") as handle:
                json.dump(runs, handle, indent=1, sort_keys=True)
    summary = summarize(runs)
    total = None if args.from_runs else int(time.monotonic() - started)
    startup = None
    if args.startup:
        startup = subprocess.run([sys.executable, os.path.join(HERE, "startup.py"), "--work",
                                  os.path.join(args.work, "startup")], capture_output=True, text=True, check=True).stdout
    write_plot(args.plot, summary)
    sandbox = None
    if not args.no_sandbox_figures:
        sandbox = subprocess.run([sys.executable, os.path.join(HERE, "sandbox_figures.py")], capture_output=True, text=True,
                                 check=True).stdout
    write_report(args.out, os.path.basename(args.plot), args, summary, runs, notes, total, startup, sandbox)
    if not args.from_runs:
        with open(os.path.join(args.work, "runs.json"), "w", encoding="utf-8") as handle:
            json.dump(runs, handle, indent=1, sort_keys=True)
    print("bench: wrote %s and %s in %s" % (args.out, args.plot, elapsed(started)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
