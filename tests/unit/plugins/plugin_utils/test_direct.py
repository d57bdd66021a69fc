# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/direct.py: when a module runs in the worker process, and that it then behaves as a module process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import types

import pytest

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.plugin_utils import direct

needs_profiles = pytest.mark.skipif(direct.get_module_encoder is None, reason='this ansible-core runs modules '
                                    'the usual way (in-process only on direct.IN_PROCESS_CORES)')

INTERNAL = {'_ansible_check_mode': True, '_ansible_no_log': False, '_ansible_diff': False,
            '_ansible_verbosity': 0, '_ansible_module_name': 'camunda.servicenow.fake'}


def fake_main(outcome):
    """A module's main(): validates a name and a no_log password, then exits as ``outcome`` says."""
    def main():
        module = AnsibleModule(argument_spec=dict(name=dict(type='str', required=True),
                                                  password=dict(type='str', no_log=True)),
                               supports_check_mode=True)
        if outcome == 'bug':
            raise KeyError('not a user error')
        if outcome == 'fail':
            module.fail_json(msg='The record %s could not be read on sn.example.com: check the role.' % module.params['name'])
        module.exit_json(changed=True, name=module.params['name'], echo=module.params['password'],
                         check_mode=module.check_mode, seen=os.environ.get('CAMUNDA_DIRECT_TEST'))
    return main


@pytest.fixture
def module_named(monkeypatch):
    imported = []

    def use(outcome):
        def load_module(name):
            imported.append(name)
            return types.SimpleNamespace(main=fake_main(outcome))
        monkeypatch.setattr(direct, 'load_module', load_module)
        return imported
    return use


def last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


@needs_profiles
def test_run_main_runs_the_module_with_ansibles_arguments_and_its_no_log_removal(module_named, monkeypatch):
    imported = module_named('exit')
    monkeypatch.delenv('CAMUNDA_DIRECT_TEST', raising=False)
    args = dict(INTERNAL, name='Camunda OAuth', password='s3cr3t-value')
    before = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE  # pylint: disable=protected-access

    out = direct.run_main('servicenow_oauth_profile', args, environment={'CAMUNDA_DIRECT_TEST': 'applied'})

    assert imported == ['servicenow_oauth_profile']
    assert out['rc'] == 0
    assert out['stderr'] == ''
    result = last_json(out['stdout'])
    assert result['changed'] is True
    assert result['name'] == 'Camunda OAuth'
    assert result['check_mode'] is True           # the _ansible_* keys reach AnsibleModule as in a module process
    assert result['echo'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'  # AnsibleModule's no_log removal
    assert 's3cr3t-value' not in out['stdout']
    assert result['seen'] == 'applied'            # the task's environment: applied while the module runs ...
    assert 'CAMUNDA_DIRECT_TEST' not in os.environ  # ... and removed afterwards
    assert (basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE) == before  # pylint: disable=protected-access


@needs_profiles
def test_run_main_restores_an_environment_variable_it_overrode(module_named, monkeypatch):
    module_named('exit')
    monkeypatch.setenv('CAMUNDA_DIRECT_TEST', 'outer')
    out = direct.run_main('x', dict(INTERNAL, name='n'), environment={'CAMUNDA_DIRECT_TEST': 'task'})
    assert last_json(out['stdout'])['seen'] == 'task'
    assert os.environ['CAMUNDA_DIRECT_TEST'] == 'outer'


@needs_profiles
def test_run_main_fail_json_gives_rc_1_and_the_sentence(module_named):
    module_named('fail')
    out = direct.run_main('x', dict(INTERNAL, name='Camunda OAuth'))
    assert out['rc'] == 1
    result = last_json(out['stdout'])
    assert result['failed'] is True
    assert result['msg'] == 'The record Camunda OAuth could not be read on sn.example.com: check the role.'


@needs_profiles
def test_run_main_invalid_arguments_fail_like_a_module_process(module_named):
    module_named('exit')
    out = direct.run_main('x', dict(INTERNAL))
    assert out['rc'] == 1
    assert last_json(out['stdout'])['msg'] == 'missing required arguments: name'


@needs_profiles
def test_run_main_a_bug_leaves_its_traceback_in_stderr_and_no_result(module_named):
    module_named('bug')
    out = direct.run_main('x', dict(INTERNAL, name='n'))
    assert out['rc'] == 1
    assert out['stdout'] == ''
    assert "KeyError: 'not a user error'" in out['stderr']


def test_carries_secret():
    assert direct.carries_secret({'client_secret': 'abc'}, ('client_secret',))
    assert not direct.carries_secret({'client_secret': ''}, ('client_secret',))
    assert not direct.carries_secret({'client_secret': None}, ('client_secret',))
    assert not direct.carries_secret({'access_token': 'abc'}, ('client_secret',))


def action(transport='local', become=False, async_val=0):
    plugin = direct.DirectModuleAction.__new__(direct.DirectModuleAction)
    plugin._task = types.SimpleNamespace(async_val=async_val)
    plugin._play_context = types.SimpleNamespace(become=become)
    plugin._connection = types.SimpleNamespace(transport=transport, _load_name='ansible.builtin.' + transport)
    return plugin


@pytest.mark.parametrize('plugin,task_vars,expected', [
    (action(), {}, True),
    (action(), {'camunda_servicenow_in_process': True}, True),
    (action(), {'camunda_servicenow_in_process': False}, False),
    (action(), {'camunda_servicenow_in_process': 'no'}, False),
    (action(transport='ssh'), {}, False),          # delegate_to a host that reaches the services
    (action(become=True), {}, False),
    (action(async_val=60), {}, False),
])
def test_runs_in_process(plugin, task_vars, expected, monkeypatch):
    monkeypatch.setattr(direct, 'HAS_REQUESTS', True)
    if direct.get_module_encoder is None:
        expected = False
    assert plugin._runs_in_process(task_vars) is expected  # pylint: disable=protected-access


def test_never_in_process_without_requests_on_the_controller(monkeypatch):
    monkeypatch.setattr(direct, 'HAS_REQUESTS', False)
    assert action()._runs_in_process({}) is False  # pylint: disable=protected-access


def test_load_module_finds_the_collections_module():
    assert direct.load_module('servicenow_credential').__name__ == direct.COLLECTION + 'servicenow_credential'


def test_module_name_is_the_action_plugins_own():
    from ansible_collections.camunda.servicenow.plugins.action import camunda_token

    plugin = camunda_token.ActionModule.__new__(camunda_token.ActionModule)
    assert plugin._module_name() == 'camunda_token'  # pylint: disable=protected-access
    assert camunda_token.ActionModule.SECRET_KEYS == ('access_token',)


@needs_profiles
def test_progress_lines_reach_the_terminal_not_the_modules_output(monkeypatch):
    from ansible_collections.camunda.servicenow.plugins.module_utils import progress

    shown = []
    monkeypatch.setattr(direct, 'display', types.SimpleNamespace(display=shown.append))

    def main():
        module = AnsibleModule(argument_spec=dict(), supports_check_mode=True)
        waiting = progress.Reporter('Installing x_camun_camunda on sn.example.com')
        for step in ({'status_label': 'Pending', 'percent_complete': 0}, {'status_label': 'Pending', 'percent_complete': 0},
                     {'status_label': 'Running', 'percent_complete': 40}, {'status_label': 'Successful', 'percent_complete': 100}):
            waiting.update(step)
        module.exit_json(changed=True)
    monkeypatch.setattr(direct, 'load_module', lambda name: types.SimpleNamespace(main=main))

    out = direct.run_main('servicenow_spoke', dict(INTERNAL))

    assert shown == ['Installing x_camun_camunda on sn.example.com: Pending, 0% complete',
                     'Installing x_camun_camunda on sn.example.com: Running, 40% complete',
                     'Installing x_camun_camunda on sn.example.com: Successful, 100% complete']
    assert last_json(out['stdout'])['changed'] is True
    assert 'Installing' not in out['stdout']
    assert progress.SINK is None  # a module process (or the next task) shows nothing before its end


def test_in_process_only_on_the_cores_it_was_tested_against():
    from ansible.release import __version__

    assert direct.IN_PROCESS_CORES == ("2.19.", "2.20.")
    assert (direct.get_module_encoder is not None) is __version__.startswith(direct.IN_PROCESS_CORES)
