#!/usr/bin/env python
"""The sandbox's own figures for `make bench`: start-up time, memory with many instances, throughput under load.

    python tests/bench/sandbox_figures.py [--repeat 3] [--instances 50] [--clients 20] [--requests 100]

These used to be thresholds inside the sandbox tests, which failed whenever the machine was busy; they are
reported here instead (medians of --repeat starts). The tests keep what is deterministic: the server answers once
started, and concurrent clients get no error.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "sandbox"))
from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position,import-error

JSON = {"Accept": "application/json"}


def rss_mb(pid):
    with open("/proc/%d/status" % pid, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return None


def admin(instance):
    return (instance["users"]["admin"]["username"], instance["users"]["admin"]["password"])


def startup_seconds(root, repeat, instances=3):
    times = []
    for index in range(repeat):
        started = time.monotonic()
        with start_sandbox(os.path.join(root, "start%d" % index), instances=instances, tls=True):
            times.append(time.monotonic() - started)
    return times


def memory_mb(root, instances):
    with start_sandbox(os.path.join(root, "many"), instances=instances, tls=True, timeout=60) as box:
        session = requests.Session()
        for instance in box.info["servicenow"]:
            response = session.get(instance["url"] + "/api/now/table/sys_properties", auth=admin(instance), headers=JSON,
                                   verify=box.ca_file, timeout=30, params={"sysparm_limit": "1"})
            response.raise_for_status()
        session.close()
        return rss_mb(box.pid)


def load(root, clients, per_client):
    errors = []
    with start_sandbox(os.path.join(root, "load"), instances=2, tls=True) as box:
        def client(number):
            instance = box.info["servicenow"][number % 2]
            session = requests.Session()
            try:
                for _request in range(per_client):
                    response = session.get(instance["url"] + "/api/now/table/sys_properties", auth=admin(instance),
                                           headers=JSON, params={"sysparm_limit": "5"}, verify=box.ca_file, timeout=60)
                    if response.status_code != 200:
                        errors.append(response.status_code)
            finally:
                session.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started, errors


def measure(repeat=3, instances=50, clients=20, per_client=100):
    with tempfile.TemporaryDirectory(prefix="sandbox-figures-") as root:
        starts = startup_seconds(root, repeat)
        rss = memory_mb(root, instances)
        seconds, errors = load(root, clients, per_client)
    total = clients * per_client
    return {
        "startup_s_median": statistics.median(starts), "startup_s_all": starts,
        "instances": instances, "rss_mb": rss,
        "clients": clients, "requests": total, "load_s": seconds, "requests_per_s": total / seconds if seconds else None,
        "load_errors": len(errors),
    }


def markdown(fig):
    return "\n".join([
        "| sandbox figure | value |",
        "| --- | --- |",
        "| start-up, 3 ServiceNow instances + Camunda, TLS (median of %d) | %.2f s |" % (len(fig["startup_s_all"]), fig["startup_s_median"]),
        "| resident memory with %d instances + Camunda | %.0f MB |" % (fig["instances"], fig["rss_mb"] or 0),
        "| %d concurrent clients, %d Table API reads | %.1f s (%.0f requests/s), %d errors |" % (
            fig["clients"], fig["requests"], fig["load_s"], fig["requests_per_s"] or 0, fig["load_errors"]),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    args = parser.parse_args(argv)
    print(markdown(measure(args.repeat, args.instances, args.clients, args.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
