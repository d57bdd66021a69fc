# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install the built collection tarball into an empty collections path and use it from there.

    python tests/ci/tarball_test.py build/dist/camunda-servicenow-X.Y.Z.tar.gz build/tarball-install

Checks that `ansible-galaxy collection install` accepts the tarball, that the installed MANIFEST.json names
camunda.servicenow at the version of galaxy.yml, and that ansible-doc loads the documentation of every module
the tarball ships, from the installed copy only (ANSIBLE_COLLECTIONS_PATH is the empty path, nothing else).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys


def run(command, env=None):
    """Run a command, return its stdout; raise RuntimeError with its output when it fails."""
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)

    if proc.returncode != 0:
        raise RuntimeError('%s failed with exit code %d:\n%s' % (' '.join(command), proc.returncode, proc.stdout))

    return proc.stdout


def main(argv=None):
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv

    if len(argv) != 2:
        sys.stderr.write('usage: tarball_test.py TARBALL EMPTY_COLLECTIONS_PATH\n')
        return 2

    tarball, dest = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=dest, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')

    try:
        run(['ansible-galaxy', 'collection', 'install', '--offline', '--force', '-p', dest, tarball], env=env)
        root = os.path.join(dest, 'ansible_collections', 'camunda', 'servicenow')

        with open(os.path.join(root, 'MANIFEST.json')) as handle:
            info = json.load(handle)['collection_info']

        if (info['namespace'], info['name']) != ('camunda', 'servicenow'):
            raise RuntimeError('installed MANIFEST.json names %s.%s, expected camunda.servicenow' % (info['namespace'], info['name']))

        modules_dir = os.path.join(root, 'plugins', 'modules')
        modules = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith('.py') and name != '__init__.py') if os.path.isdir(modules_dir) else []

        for module in modules:
            fqcn = 'camunda.servicenow.%s' % module
            doc = json.loads(run(['ansible-doc', '--json', '-t', 'module', fqcn], env=env))

            if not doc.get(fqcn, {}).get('doc', {}).get('short_description'):
                raise RuntimeError('ansible-doc %s from the installed tarball has no short_description' % fqcn)
    except (RuntimeError, OSError, ValueError, KeyError) as ex:
        sys.stderr.write('tarball-test: %s\n' % ex)
        return 1

    sys.stdout.write('tarball-test: camunda.servicenow %s installed into %s; documentation of %d module(s) loads: %s\n'
                     % (info['version'], dest, len(modules), ', '.join(modules) or 'none yet'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
