# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two modules that must return a secret mark their result so Ansible masks it, even without no_log.

camunda_token returns an access token; camunda_client_credential returns a new client's secret. Their action plugins
(plugins/action/) mark such a result `_ansible_no_log`: every callback prints it censored, the registered variable
keeps the value for the next task. Run against the sandbox with the default and the json callback, at -vvv, with the
modules run in Ansible's worker process (the default on the local connection, plugin_utils/direct.py) and, once, the
usual way (a module process; `camunda_servicenow_in_process: false`): both paths show the same censored results.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest

from checkout_copy import REPO

sys.path.insert(0, os.path.join(REPO, 'tests', 'sandbox'))
from harness import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position,import-error

CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Token
      camunda.servicenow.camunda_token:
        camunda: "{{ camunda }}"
      register: token
    - name: New client
      camunda.servicenow.camunda_client_credential:
        camunda: "{{ camunda }}"
        cluster_id: "{{ cluster_id }}"
        name: secret-results-test
      register: created
    - name: Same client again (no secret returned)
      camunda.servicenow.camunda_client_credential:
        camunda: "{{ camunda }}"
        cluster_id: "{{ cluster_id }}"
        name: secret-results-test
        held_client_id: "{{ created.client_id }}"   # what ServiceNow would hold: the pair is trusted
      register: again
    - name: The info module's JMESPath query (the jmespath requirement)
      camunda.servicenow.camunda_client_info:
        camunda: "{{ camunda }}"
        cluster_id: "{{ cluster_id }}"
        query: "clients[?starts_with(name, 'secret-results-test-g')].client_id | [0]"
      register: queried
    - name: The registered values are usable
      ansible.builtin.assert:
        that:
          - token.access_token | length > 20
          - created.client_secret | length > 20
          - again.client_secret is not defined or again.client_secret == ''
          - again.client_id == created.client_id
          - queried.query_result == created.client_id
        quiet: true
    - name: Print what was registered (lengths only)
      ansible.builtin.debug:
        msg: "lengths token={{ token.access_token | length }} secret={{ created.client_secret | length }}"
"""


@pytest.fixture
def sandbox(tmp_path_factory):
    # One sandbox per case: each run creates its client and fetches its token from scratch.
    with start_sandbox(tmp_path_factory.mktemp('secret-results'), instances=1, tls=True) as running:
        yield running


def run_playbook(tmp_path, info, callback, result_format, in_process=True):
    saas = info['camunda']['saas']
    extra = {'camunda': {'client_id': saas['organization_client']['client_id'],
                         'client_secret': saas['organization_client']['client_secret'],
                         'oauth_url': saas['token_url'], 'console_url': saas['console_url'],
                         'cluster_api_url': saas['cluster_rest_url'], 'ca_path': info['ca_file']},
             'cluster_id': saas['clusters'][0]['id'], 'camunda_servicenow_in_process': in_process}
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    (tmp_path / 'extra.json').write_text(json.dumps(extra))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith('ANSIBLE_'))
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_STDOUT_CALLBACK=callback, ANSIBLE_CALLBACK_RESULT_FORMAT=result_format, ANSIBLE_NOCOLOR='1',
               HOME=str(tmp_path))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-vvv', 'play.yml',
                           '-e', '@extra.json'], cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout[-5000:]
    return proc.stdout


def issued_secrets(state_dir):
    """Every token and client secret the sandbox's Camunda services hold now."""
    found = set()
    for name in os.listdir(state_dir):
        if name.startswith('camunda') and name.endswith('.json'):
            with open(os.path.join(state_dir, name)) as handle:
                text = handle.read()
            document = json.loads(text)

            def walk(node, key=''):
                if isinstance(node, dict):
                    for k, v in node.items():
                        if 'token' in str(k).lower() and isinstance(v, dict):
                            found.update(t for t in v if len(t) >= 16)
                        walk(v, str(k))
                elif isinstance(node, list):
                    for v in node:
                        walk(v, key)
                elif isinstance(node, str) and ('secret' in key.lower() or 'token' in key.lower()) and len(node) >= 16:
                    found.add(node)
            walk(document)
    return found


@pytest.mark.parametrize('callback,result_format,in_process', [
    ('default', 'json', True), ('default', 'yaml', True), ('minimal', 'json', True), ('default', 'json', False)])
def test_secret_results_are_censored_but_registered(sandbox, tmp_path, callback, result_format, in_process):
    out = run_playbook(tmp_path, sandbox.info, callback, result_format, in_process)
    # -vvv names the module file Ansible transfers, which it does only for a module process
    assert ('Using module file' in out) is not in_process, out[-3000:]
    secrets = issued_secrets(sandbox.state_dir)
    assert secrets, 'the sandbox issued no token: the scan would prove nothing'
    assert [s[:4] for s in secrets if s in out] == []
    # the token and the new client's secret: censored; the second client_credential run returns no secret: shown
    flat = ' '.join(out.split()).replace("''", "'")   # the yaml format folds long strings and doubles quotes
    assert flat.count(CENSORED) == 2, out[-4000:]
    assert 'secret-results-test' in flat
    assert re.search(r'lengths token=\d{2,} secret=\d{2,}', flat), out[-3000:]
