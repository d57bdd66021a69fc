#!/usr/bin/env python
"""Run one of the collection's playbooks the way a user does and summarise the outcome as JSON.

    python run_playbook.py REPO PLAYBOOK INVENTORY [ansible-playbook arguments...]

Prints {"rc", "stats": {host: {ok, changed, failures, ...}}, "changed": {host: [task names]},
"failed": {host: [{"task", "msg"}]}, "messages": {host: [{"task", "msg"}]}} on stdout, parsed from the default
callback's output (results as one-line JSON; core has no json callback). The playbook runs from the repository
root, with the collections path of the calling environment (the molecule scenario links this checkout as
camunda.servicenow there) and without molecule's ansible.cfg. The full output is appended to
$MOLECULE_EPHEMERAL_DIRECTORY/last_run.log.
"""

import json
import os
import re
import subprocess
import sys

TASK = re.compile(r"^TASK \[(?:[^\]]* : )?(.*)\] \**$")
RESULT = re.compile(r"^(ok|changed|fatal|failed): \[([^\]]+)\](?: => \(item=.*?\))?(?:: FAILED!)?(?: => (\{.*\}))?$")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)"
                   r"\s+rescued=(\d+)\s+ignored=(\d+)")


def parse(text):
    """Outcome of a run from the default callback's output (result format json, one line per result)."""
    out = {"stats": {}, "changed": {}, "failed": {}, "messages": {}}
    task = ""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = TASK.match(line)
        if match:
            task = match.group(1)
            continue
        match = RECAP.match(line)
        if match:
            keys = ("ok", "changed", "unreachable", "failures", "skipped", "rescued", "ignored")
            out["stats"][match.group(1)] = dict(zip(keys, (int(v) for v in match.groups()[1:])))
            continue
        match = RESULT.match(line)
        if not match:
            continue
        status, host, body = match.groups()
        try:
            result = json.loads(body) if body else {}
        except ValueError:
            result = {}
        if status == "changed" and task not in out["changed"].get(host, []):
            out["changed"].setdefault(host, []).append(task)
        ignored = index + 1 < len(lines) and lines[index + 1].strip() == "...ignoring"
        if status in ("fatal", "failed") and not ignored:
            out["failed"].setdefault(host, []).append({"task": task, "msg": result.get("msg", "")})
        if status == "ok" and "msg" in result:
            out["messages"].setdefault(host, []).append({"task": task, "msg": result["msg"]})
    return out


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    repo, playbook, inventory = argv[:3]
    env = dict(os.environ)
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_CALLBACK_WHITELIST"):
        env.pop(name, None)
    env.update({"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                "ANSIBLE_CALLBACK_RESULT_FORMAT": "json", "ANSIBLE_CALLBACK_FORMAT_PRETTY": "false",
                "ANSIBLE_DISPLAY_OK_HOSTS": "true", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_DEPRECATION_WARNINGS": "0"})
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([binary, "-i", inventory, playbook] + list(argv[3:]), cwd=repo, env=env, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
    out = parse(proc.stdout)
    out["rc"] = proc.returncode
    if not out["stats"]:
        out["error"] = (proc.stderr or proc.stdout)[-3000:]
    with open(os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/tmp"), "last_run.log"), "a", encoding="utf-8") as log:
        log.write(proc.stdout + proc.stderr)
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
