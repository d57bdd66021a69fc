# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every `ansible-playbook` command the docs show runs, against the sandbox, as a reader would type it.

The commands are read from the shell code blocks of README.md, docs/*.md and roles/*/README.md. Each one either
runs here (the inventory it names becomes the sandbox's inventory, `--ask-vault-pass` is dropped because that
inventory holds no vault value) or is listed in NOT_RUNNABLE with the reason; a new command in the docs that is
neither fails this test. Commands that name a playbook by path run from a copy of the checkout with nothing
installed; commands that use `camunda.servicenow.<playbook>` run with the collection installed the documented way
(`ansible-galaxy collection install -r collections/requirements.yml`).

They run in lifecycle order on one sandbox: the setup, check mode (which must then predict no change), rotation,
teardown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

import sandbox_inventory
from checkout_copy import REPO, copy_checkout

sys.path.insert(0, os.path.join(REPO, 'tests', 'sandbox'))
from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position,import-error

BIN = os.path.dirname(sys.executable)
DOCS = ['README.md'] + sorted(glob.glob(os.path.join(REPO, 'docs', '*.md'))) + sorted(glob.glob(os.path.join(REPO, 'roles', '*', 'README.md')))
FENCE = re.compile(r'^```(?:sh|bash|shell|console)\s*$(.*?)^```', re.M | re.S)
# Playbooks that need a service the sandbox does not stand in for, with the reason.
NOT_RUNNABLE = {
    'playbooks/awx_configure.yml': 'needs an AWX / Automation Controller API (its syntax check runs in make lint)',
}
ORDER = ('site', 'check', 'rotate', 'teardown')


def doc_commands():
    """(document, command line) for every ansible-playbook line in a shell code block, comments stripped."""
    found = []
    for doc in DOCS:
        path = doc if os.path.isabs(doc) else os.path.join(REPO, doc)
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        for block in FENCE.findall(text):
            for line in block.splitlines():
                command = line.split(' #', 1)[0].strip()
                words = shlex.split(command) if command else []
                if words and os.path.basename(words[0]) == 'ansible-playbook':
                    found.append((os.path.relpath(path, REPO), command))
    return found


def playbook_of(words):
    """The playbook argument: a path ending in .yml or a camunda.servicenow.<name> FQCN."""
    for word in words[1:]:
        if word.endswith('.yml') or word.startswith('camunda.servicenow.'):
            return word
    raise AssertionError('no playbook in %s' % ' '.join(words))


def kind_of(words):
    playbook = playbook_of(words)
    name = os.path.splitext(playbook.rsplit('.', 1)[-1] if playbook.startswith('camunda.') else os.path.basename(playbook))[0]
    if name == 'site' and '--check' in words:
        return 'check'
    return name


def test_every_documented_command_is_known():
    commands = doc_commands()
    assert commands, 'no ansible-playbook command found in the docs: the parser is broken'
    unknown = [(doc, c) for doc, c in commands
               if playbook_of(shlex.split(c)) not in NOT_RUNNABLE and kind_of(shlex.split(c)) not in ORDER]
    assert unknown == [], 'documented commands this test neither runs nor lists in NOT_RUNNABLE: %s' % unknown


def normalized(words):
    """The command without what localize() replaces: two commands that differ only there run once."""
    out, skip_next = [], False
    for word in words[1:]:
        if skip_next:
            skip_next = False
        elif word in ('-i', '--inventory'):
            skip_next = True
        elif word != '--ask-vault-pass':
            out.append(word)
    return tuple(out)


def runnable_commands():
    seen, out = set(), []
    for doc, command in doc_commands():
        words = shlex.split(command)
        if playbook_of(words) in NOT_RUNNABLE or normalized(words) in seen:
            continue
        seen.add(normalized(words))
        out.append((doc, command))
    return sorted(out, key=lambda item: ORDER.index(kind_of(shlex.split(item[1]))))


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('doc-commands')
    copy = copy_checkout(str(root / 'checkout'))
    home = root / 'home'
    home.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(HOME=str(home), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    installed = str(root / 'installed')
    proc = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'collections/requirements.yml',
                           '-p', installed], cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    with start_sandbox(root / 'sandbox', instances=2, tls=True) as box:
        inventory = os.path.join(copy, 'sandbox-inventory.yml')
        with open(inventory, 'w', encoding='utf-8') as handle:
            json.dump(sandbox_inventory.build(box.info), handle)
        yield {'copy': copy, 'env': env, 'installed': installed, 'inventory': inventory}


def localize(command, world):
    """The documented command as it runs here: the sandbox's inventory, no vault prompt, this venv's tools."""
    words = shlex.split(command)
    words[0] = os.path.join(BIN, 'ansible-playbook')
    out = []
    skip_next = False
    for index, word in enumerate(words):
        if skip_next:
            skip_next = False
            continue
        if word in ('-i', '--inventory'):
            out.extend(['-i', world['inventory']])
            skip_next = True
            assert index + 1 < len(words), command
            continue
        if word == '--ask-vault-pass':
            continue
        out.append(word)
    if '-i' not in out:
        out.extend(['-i', world['inventory']])
    return out


RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def test_documented_commands_run_in_lifecycle_order(world):
    # One test, not one per command: the order matters (check mode after the setup), and pytest-xdist would spread
    # parametrized cases over workers with a sandbox each.
    commands = runnable_commands()
    assert [kind_of(shlex.split(c)) for _d, c in commands][0] == 'site'
    for doc, command in commands:
        words = localize(command, world)
        env = dict(world['env'])
        if playbook_of(words).startswith('camunda.servicenow.'):
            env['ANSIBLE_COLLECTIONS_PATH'] = world['installed']
        proc = subprocess.run(words, cwd=world['copy'], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        assert proc.returncode == 0, '%s (%s) failed:\n%s' % (command, doc, proc.stdout[-6000:])
        recap = RECAP.findall(proc.stdout)
        assert sorted(host for host, _c, _u, _f in recap) == ['sn1', 'sn2'], (command, proc.stdout[-3000:])
        assert all(u == '0' and f == '0' for _h, _c, u, f in recap), (command, recap)
        if kind_of(words) == 'check':
            # after the setup ran, check mode predicts no change at all
            assert [c for _h, c, _u, _f in recap] == ['0', '0'], (command, proc.stdout[-3000:])
