#!/usr/bin/env python
"""What each module ships and how long it takes to start (issue 9: module start-up cost).

    python tests/bench/startup.py [--repeat 5] [--work build/bench/startup]

Runs every module of plugins/modules once through ansible-playbook with ANSIBLE_KEEP_REMOTE_FILES=1 (no options,
so each stops at argument validation, before any request) next to ansible.builtin.uri, then, for each kept
AnsiballZ payload: its size, the files in its zip and their uncompressed size, and the time the module's own
import takes (python -X importtime, the module's cumulative figure, median of --repeat runs, in a fresh
interpreter after the payload was exploded). Prints a Markdown table. Times are noisy on a shared machine; sizes
are exact.
"""

import argparse
import base64
import glob
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure  # noqa: E402  pylint: disable=wrong-import-position,import-error

# ansible-core 2.19: zip_data='...' (an argument of _ansiballz_main); older: ZIPDATA = """..."""
PAYLOAD_RE = re.compile(r"""(?:zip_data=|ZIPDATA = )['"]{1,3}([A-Za-z0-9+/=\s]+)['"]""", re.S)


def modules():
    names = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(measure.REPO, "plugins", "modules", "*.py")))
    return ["camunda.servicenow.%s" % n for n in names if not n.startswith("_")] + ["ansible.builtin.uri"]


def write_playbook(path, names):
    lines = ["- hosts: localhost", "  connection: local", "  gather_facts: false", "  tasks:"]
    for name in names:
        lines += ["    - name: %s" % name, "      %s: {}" % name, "      ignore_errors: true"]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def payload_zip(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    match = PAYLOAD_RE.search(text)
    if not match:
        raise RuntimeError("no zip data in %s" % path)
    return zipfile.ZipFile(io.BytesIO(base64.b64decode(match.group(1))))


WATCHED = ("ansible.module_utils.basic", "requests", "ansible.module_utils.urls")


def import_times_ms(explode_dir, module_import, repeat):
    """Median cumulative import times, in ms: of ``module_import`` (everything it pulls in) and of the WATCHED
    modules inside it (AnsibleModule's own, and the HTTP library: requests for this collection,
    ansible.module_utils.urls for ansible.builtin.uri)."""
    samples = dict((name, []) for name in (module_import,) + WATCHED)
    for _attempt in range(repeat):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import %s" % module_import],
                              cwd=explode_dir, env=dict(os.environ, PYTHONPATH=explode_dir), capture_output=True,
                              text=True, check=False)
        seen = dict((name, 0) for name in samples)
        for line in proc.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip() in seen:
                seen[parts[2].strip()] = int(parts[1].strip()) / 1000.0
        for name, value in seen.items():
            samples[name].append(value)
    return dict((name, statistics.median(values)) for name, values in samples.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", default=os.path.join(measure.REPO, "build", "bench", "startup"))
    args = parser.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    names = modules()
    playbook = os.path.join(args.work, "startup.yml")
    write_playbook(playbook, names)
    remote_tmp = os.path.join(args.work, "remote_tmp")
    env = {"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": remote_tmp,
           "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_LOCALHOST_WARNING": "false",
           "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false"}
    measure.run_playbook(playbook, "localhost,", args.work, forks=1, extra_env=env, sample_memory=False)
    print("| module | payload bytes (base64 zip) | files | uncompressed bytes | largest module_utils | import ms "
          "| of which AnsibleModule (basic) ms | of which HTTP library ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        short = name.rsplit(".", 1)[1]
        found = glob.glob(os.path.join(remote_tmp, "ansible-tmp-*", "AnsiballZ_%s.py" % short))
        if not found:
            print("| %s | (no payload kept) | | | | | | |" % name)
            continue
        path = found[0]
        archive = payload_zip(path)
        infos = [i for i in archive.infolist() if not i.is_dir()]
        utils = sorted((i for i in infos if "/module_utils/" in i.filename and "camunda/servicenow" in i.filename),
                       key=lambda i: -i.file_size)
        explode = os.path.join(args.work, "explode", short)
        archive.extractall(explode)
        if name.startswith("camunda."):
            module_import = "ansible_collections.camunda.servicenow.plugins.modules.%s" % short
        else:
            module_import = "ansible.modules.%s" % short
        largest = ", ".join("%s %d" % (os.path.basename(i.filename), i.file_size) for i in utils[:2]) or "-"
        times = import_times_ms(explode, module_import, args.repeat)
        http = times["requests"] or times["ansible.module_utils.urls"]
        print("| %s | %d | %d | %d | %s | %.0f | %.0f | %.0f |" % (
            name, os.path.getsize(path), len(infos), sum(i.file_size for i in infos), largest,
            times[module_import], times["ansible.module_utils.basic"], http))
    return 0


if __name__ == "__main__":
    sys.exit(main())
