# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new machine: a copy of the checkout, an empty home directory, no collection installed anywhere.

Everything that resolves `camunda.servicenow.*` must find it inside the checkout: the playbooks from a checkout
(`ansible-playbook site.yml`, playbooks/*.yml), the lint gate's syntax check (the same collections path the Makefile
gives ansible-lint), and the AWX project sync (`ansible-galaxy collection install -r collections/requirements.yml`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest
import yaml

from checkout_copy import REPO, copy_checkout

BIN = os.path.dirname(sys.executable)
PLAYBOOKS = ['site.yml', 'playbooks/site.yml', 'playbooks/rotate.yml', 'playbooks/teardown.yml']


def tool(name):
    path = os.path.join(BIN, name)
    return path if os.path.exists(path) else name


def clean_env(home, **extra):
    """The environment of a new machine: an empty HOME, no ANSIBLE_* settings, no collections on sys.path."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=home, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1',
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    env.update(extra)
    return env


def run(command, cwd, env):
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    return proc.returncode, proc.stdout


@pytest.fixture(scope='module')
def checkout(tmp_path_factory):
    root = tmp_path_factory.mktemp('fresh')
    home = root / 'home'
    home.mkdir()
    return str(copy_checkout(str(root / 'checkout'))), str(home)


def galaxy_version():
    with open(os.path.join(REPO, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)['version']


def test_links_point_at_the_checkout(checkout):
    copy, _home = checkout
    for link, target in (('collections/ansible_collections/camunda/servicenow', '../../..'),
                         ('playbooks/collections/ansible_collections/camunda/servicenow', '../../../..')):
        path = os.path.join(copy, link)
        assert os.path.islink(path) and os.readlink(path) == target
        assert os.path.samefile(path, copy)


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_playbooks_resolve_the_collection_from_the_checkout(checkout, playbook):
    copy, home = checkout
    rc, out = run([tool('ansible-playbook'), '--syntax-check', playbook], copy, clean_env(home))
    assert rc == 0, out
    assert 'playbook: %s' % playbook in out
    assert 'was not found' not in out and "couldn't resolve" not in out
    assert os.listdir(home) in ([], ['.ansible'])   # nothing installed there: at most ansible's own tmp folder
    assert not os.path.exists(os.path.join(home, '.ansible', 'collections'))


def test_site_yml_from_another_working_directory(checkout, tmp_path):
    copy, home = checkout
    rc, out = run([tool('ansible-playbook'), '--syntax-check', os.path.join(copy, 'site.yml')], str(tmp_path), clean_env(home))
    assert rc == 0, out


def test_without_the_links_nothing_resolves(tmp_path):
    """Control: the empty home really is empty, so the passes above come from the links."""
    copy = copy_checkout(str(tmp_path / 'nolinks'), skip=('collections/ansible_collections', 'playbooks/collections'))
    home = tmp_path / 'home'
    home.mkdir()
    rc, out = run([tool('ansible-playbook'), '--syntax-check', 'playbooks/site.yml'], copy, clean_env(str(home)))
    assert rc != 0
    assert "the role 'camunda.servicenow.setup' was not found" in out


def test_lint_gate_collections_path_is_the_checkout(checkout):
    """`make lint` gives ansible-lint build/collections (awx.awx) and the checkout's collections/ folder only."""
    copy, home = checkout
    rc, out = run(['make', '-n', 'lint'], copy, clean_env(home))
    assert rc == 0, out
    paths = set(re.findall(r'ANSIBLE_COLLECTIONS_PATH=(\S+) ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ansible-(?:lint|playbook)', out))
    assert paths == {'%s/build/collections:%s/collections' % (copy, copy)}, out
    env = clean_env(home, ANSIBLE_COLLECTIONS_PATH='%s/collections' % copy)
    rc, out = run([tool('ansible-lint'), '--offline', '--profile', 'production', 'site.yml', 'playbooks/site.yml'], copy, env)
    assert rc == 0, out[-4000:]
    assert 'syntax-check' not in out


def test_awx_project_sync_installs_the_collection_from_the_project(checkout, tmp_path):
    """What AWX's project update runs, from the project folder, into the job's collections path."""
    copy, home = checkout
    dest = str(tmp_path / 'requirements_collections')
    rc, out = run([tool('ansible-galaxy'), 'collection', 'install', '-r', os.path.join(copy, 'collections', 'requirements.yml'),
                   '--collections-path', dest], copy, clean_env(home, ANSIBLE_COLLECTIONS_PATH=dest))
    assert rc == 0, out
    assert "camunda.servicenow:%s was installed successfully" % galaxy_version() in out
    assert 'WARNING' not in out, out
    installed = os.path.join(dest, 'ansible_collections', 'camunda', 'servicenow')
    assert os.path.isfile(os.path.join(installed, 'MANIFEST.json'))
    assert os.path.isfile(os.path.join(installed, 'roles', 'setup', 'tasks', 'main.yml'))
    # the links that serve a checkout are not part of the installed collection
    assert not os.path.lexists(os.path.join(installed, 'collections', 'ansible_collections'))
    assert not os.path.lexists(os.path.join(installed, 'playbooks', 'collections'))
