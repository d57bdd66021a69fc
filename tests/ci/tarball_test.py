# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install the built collection tarball into an empty collections path and use it from there.

    python tests/ci/tarball_test.py build/dist/camunda-servicenow-X.Y.Z.tar.gz build/tarball-install [--no-sandbox]

1. `ansible-galaxy collection install` accepts the tarball into an empty collections path; the installed
   MANIFEST.json names camunda.servicenow at the version of galaxy.yml, and `ansible-galaxy collection list`
   finds exactly that copy (ANSIBLE_COLLECTIONS_PATH is the installed path and nothing else, sys.path scanning is
   off, every command runs outside the checkout, so the checkout cannot be used by accident).
2. ansible-doc loads the documentation of every module and of the role `setup` from the installed copy.
3. Against the sandbox (TLS, 2 ServiceNow instances sharing one Camunda cluster, started here and always stopped):
   the installed playbook `camunda.servicenow.site` succeeds on every host and changes something on each, and a
   second run reports changed=0, failed=0, unreachable=0 for every host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CTL = os.path.join(REPO, 'tests', 'sandbox', 'ctl.py')
INVENTORY = os.path.join(REPO, 'tests', 'ci', 'sandbox_inventory.py')
INSTANCES = 2
PLAYBOOK_TIMEOUT = 300
RECAP_LINE = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def run(command, env=None, cwd=None, timeout=120, log=None):
    """Run a command, return its stdout; raise RuntimeError with its output (or the log's name) when it fails."""
    try:
        proc = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as ex:
        raise RuntimeError('%s did not finish within %d s' % (' '.join(command), timeout)) from ex

    if log:
        with open(log, 'w') as handle:
            handle.write(proc.stdout)

    if proc.returncode != 0:
        detail = ('see %s' % log) if log else proc.stdout
        raise RuntimeError('%s failed with exit code %d: %s' % (' '.join(command), proc.returncode, detail))

    return proc.stdout


def recap(output):
    """{host: (ok, changed, unreachable, failed)} from the last PLAY RECAP of an ansible-playbook output."""
    if 'PLAY RECAP' not in output:
        return {}

    tail = output[output.rindex('PLAY RECAP'):]
    return dict((m[0], tuple(int(v) for v in m[1:])) for m in RECAP_LINE.findall(tail))


def check_install(dest, env, cwd):
    """Install checks and ansible-doc from the installed copy; returns (version, modules)."""
    root = os.path.join(dest, 'ansible_collections', 'camunda', 'servicenow')

    with open(os.path.join(root, 'MANIFEST.json')) as handle:
        info = json.load(handle)['collection_info']

    if (info['namespace'], info['name']) != ('camunda', 'servicenow'):
        raise RuntimeError('installed MANIFEST.json names %s.%s, expected camunda.servicenow' % (info['namespace'], info['name']))

    listed = json.loads(run(['ansible-galaxy', 'collection', 'list', 'camunda.servicenow', '--format', 'json'], env=env, cwd=cwd))
    paths = sorted(path for path, collections in listed.items() if 'camunda.servicenow' in collections)

    if paths != [os.path.join(dest, 'ansible_collections')]:
        raise RuntimeError('ansible-galaxy collection list finds camunda.servicenow in %s, expected only %s/ansible_collections'
                           % (', '.join(paths) or 'no path', dest))

    modules_dir = os.path.join(root, 'plugins', 'modules')
    modules = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith('.py') and name != '__init__.py') if os.path.isdir(modules_dir) else []

    fqcns = ['camunda.servicenow.%s' % module for module in modules]
    docs = json.loads(run(['ansible-doc', '--json', '-t', 'module'] + fqcns, env=env, cwd=cwd)) if fqcns else {}

    for fqcn in fqcns:
        if not docs.get(fqcn, {}).get('doc', {}).get('short_description'):
            raise RuntimeError('ansible-doc %s from the installed tarball has no short_description' % fqcn)

    role = json.loads(run(['ansible-doc', '--json', '-t', 'role', 'camunda.servicenow.setup'], env=env, cwd=cwd))

    if not role.get('camunda.servicenow.setup', {}).get('entry_points', {}).get('main'):
        raise RuntimeError('ansible-doc -t role camunda.servicenow.setup from the installed tarball shows no main entry point')

    return info['version'], modules


def run_site(work, env):
    """Start the sandbox, run camunda.servicenow.site twice, always stop the sandbox. Returns the hosts."""
    state_dir = os.path.join(work, 'sandbox')
    inventory = os.path.join(work, 'inventory.yml')
    python = sys.executable
    command = ['ansible-playbook', '-i', inventory, 'camunda.servicenow.site']

    try:
        run([python, CTL, 'start', '--state-dir', state_dir, '--instances', str(INSTANCES), '--tls', '--max-lifetime', '600'], timeout=60)
        run([python, INVENTORY, os.path.join(state_dir, 'sandbox.json'), inventory])

        first = recap(run(command, env=env, cwd=work, timeout=PLAYBOOK_TIMEOUT, log=os.path.join(work, 'site-1.log')))
        hosts = sorted(first)

        if len(hosts) != INSTANCES or any(first[h][3] or first[h][2] or not first[h][1] for h in hosts):
            raise RuntimeError('first run of camunda.servicenow.site: expected %d hosts, each changed>0, failed=0, unreachable=0; '
                               'got %s; see %s' % (INSTANCES, first, os.path.join(work, 'site-1.log')))

        second = recap(run(command, env=env, cwd=work, timeout=PLAYBOOK_TIMEOUT, log=os.path.join(work, 'site-2.log')))

        if sorted(second) != hosts or any(second[h][1:] != (0, 0, 0) for h in hosts):
            raise RuntimeError('second run of camunda.servicenow.site: expected changed=0, failed=0, unreachable=0 on %s; got %s; see %s'
                               % (', '.join(hosts), second, os.path.join(work, 'site-2.log')))
    finally:
        subprocess.run([python, CTL, 'stop', '--state-dir', state_dir], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=30,
                       check=False)

    return hosts


def main(argv=None):
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    sandbox = '--no-sandbox' not in argv
    argv = [arg for arg in argv if arg != '--no-sandbox']

    if len(argv) != 2:
        sys.stderr.write('usage: tarball_test.py TARBALL EMPTY_COLLECTIONS_PATH [--no-sandbox]\n')
        return 2

    tarball, dest = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    work = dest + '-work'

    for path in (dest, work):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)

    config = os.path.join(work, 'ansible.cfg')

    with open(config, 'w') as handle:
        handle.write('# empty: tarball-test uses no configuration from the checkout or the user\n')

    # Only the installed copy: no other collections path, no sys.path scan, no roles path, no ansible.cfg from the checkout.
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=dest, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_ROLES_PATH=os.path.join(work, 'roles'), ANSIBLE_CONFIG=config, ANSIBLE_RETRY_FILES_ENABLED='false',
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')

    try:
        run(['ansible-galaxy', 'collection', 'install', '--offline', '--force', '-p', dest, tarball], env=env, cwd=work)
        version, modules = check_install(dest, env, work)
        sys.stdout.write('tarball-test: camunda.servicenow %s installed into %s (the only collections path); documentation of '
                         '%d module(s) and the role loads: %s\n' % (version, dest, len(modules), ', '.join(modules) or 'none yet'))

        if sandbox:
            hosts = run_site(work, env)
            sys.stdout.write('tarball-test: camunda.servicenow.site from the installed collection against the sandbox: succeeded on %s, '
                             'second run changed=0\n' % ', '.join(hosts))
    except (RuntimeError, OSError, ValueError, KeyError, subprocess.SubprocessError) as ex:
        sys.stderr.write('tarball-test: %s\n' % ex)
        return 1

    return 0


if __name__ == '__main__':
    sys.exit(main())
