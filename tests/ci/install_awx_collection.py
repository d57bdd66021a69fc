#!/usr/bin/env python
# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install the awx.awx collection into build/collections for ansible-lint and --syntax-check of awx_configure.yml
(and ansible.posix, for the secret scan's ansible.posix.json callback, with --collections ansible.posix).

    python tests/ci/install_awx_collection.py [--dest build/collections] [--cache build/cache]
                                              [--collections awx.awx,ansible.posix]

awx.awx and ansible.posix are not on PyPI by themselves and Galaxy is out of reach here, but the `ansible` community
package on PyPI bundles them. This downloads that one wheel (pinned, without dependencies, about 54 MB, cached) and
extracts only ansible_collections/<namespace>/<name>/ of the collections asked for (about 1 MB each) into
DEST/ansible_collections/<namespace>/<name>. Nothing is installed into the virtual environment. Cheap when the
pinned versions are already there. Point ANSIBLE_COLLECTIONS_PATH at DEST.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ansible 12.x goes with ansible-core 2.19 and bundles awx.awx 24.6.1 and ansible.posix 2.1.0.
ANSIBLE_PACKAGE = "ansible==12.3.0"
VERSIONS = {"awx.awx": "24.6.1", "ansible.posix": "2.1.0"}
AWX_VERSION = VERSIONS["awx.awx"]
PREFIX = "ansible_collections/awx/awx/"


def prefix_of(name):
    return "ansible_collections/%s/" % name.replace(".", "/")


def installed_version(dest, prefix=PREFIX):
    try:
        with open(os.path.join(dest, prefix, "MANIFEST.json"), encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return None


def download(cache):
    """The cached wheel of ANSIBLE_PACKAGE, downloaded with pip when missing."""
    version = ANSIBLE_PACKAGE.split("==")[1]
    pattern = os.path.join(cache, "ansible-%s-py3-none-any.whl" % version)
    found = glob.glob(pattern)
    if found:
        return found[0]
    os.makedirs(cache, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
               "--dest", cache, ANSIBLE_PACKAGE]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    found = glob.glob(pattern)
    if proc.returncode != 0 or not found:
        raise SystemExit("install_awx_collection: pip could not download %s (exit %d); check that PyPI is reachable "
                         "or put the wheel into %s:\n%s" % (ANSIBLE_PACKAGE, proc.returncode, cache, proc.stdout))
    return found[0]


def extract(wheel, dest, prefix=PREFIX):
    """Extract ``prefix`` (ansible_collections/awx/awx/) from the wheel into DEST (replacing an older copy
    atomically)."""
    target = os.path.join(dest, prefix)
    staging = os.path.join(dest, ".%s-staging" % prefix.rstrip("/").replace("/", "-"))
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(prefix) and not name.endswith("/")]
        if not members:
            raise SystemExit("install_awx_collection: %s holds no %s" % (wheel, prefix))
        for name in members:
            relative = name[len(prefix):]
            if relative.startswith("/") or ".." in relative.split("/"):
                raise SystemExit("install_awx_collection: unsafe path %s in %s" % (name, wheel))
            path = os.path.join(staging, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with archive.open(name) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out)
    os.makedirs(os.path.dirname(target.rstrip("/")), exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    os.rename(staging, target.rstrip("/"))
    return len(members)


def install(dest, cache, names):
    """Make DEST hold each collection of ``names`` at its pinned version; returns the lines to print."""
    lines = []
    wheel = None
    for name in names:
        prefix, version = prefix_of(name), VERSIONS[name]
        if installed_version(dest, prefix) == version:
            lines.append("install_awx_collection: %s %s already in %s" % (name, version, dest))
            continue
        wheel = wheel or download(cache)
        count = extract(wheel, dest, prefix)
        found = installed_version(dest, prefix)
        if found != version:
            raise SystemExit("install_awx_collection: %s holds %s %s, expected %s; update VERSIONS together "
                             "with ANSIBLE_PACKAGE" % (ANSIBLE_PACKAGE, name, found, version))
        lines.append("install_awx_collection: %s %s (%d files from %s) in %s"
                     % (name, found, count, os.path.basename(wheel), dest))
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dest", default=os.path.join(REPO, "build", "collections"))
    parser.add_argument("--cache", default=os.path.join(REPO, "build", "cache"))
    parser.add_argument("--collections", default="awx.awx",
                        help="comma-separated, of: %s" % ", ".join(sorted(VERSIONS)))
    args = parser.parse_args(argv)
    names = [n for n in args.collections.split(",") if n]
    unknown = [n for n in names if n not in VERSIONS]
    if unknown:
        parser.error("unknown collection(s) %s; this script knows %s" % (", ".join(unknown), ", ".join(sorted(VERSIONS))))
    for line in install(os.path.abspath(args.dest), os.path.abspath(args.cache), names):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
