# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for the build tooling in tests/ci: the ansible-test farm, the offline get-pip stand-in, its installer,
the tarball check, the tarball test's recap parsing and the pytest gate wrapper."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

import ansible_test
import pytest

import check_tarball
import farm
import get_pip_offline
import install_get_pip
import tarball_test

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, text='x'):
    """Create a file (and its directories) holding text."""
    if not os.path.isdir(os.path.dirname(str(path))):
        os.makedirs(os.path.dirname(str(path)))
    with open(str(path), 'w') as handle:
        handle.write(text)


# --- farm.py -----------------------------------------------------------------------------------------------

def test_farm_copies_collection_files_and_skips_local_state(tmp_path):
    src = tmp_path / 'repo'
    for rel in ('galaxy.yml', 'plugins/modules/a.py', 'tests/unit/test_a.py', '.gitignore'):
        write(src / rel)
    for rel in ('.venv/bin/python', 'build/x', '.git/HEAD', 'tests/output/junit.xml', '.sandbox/sandbox.json',
                'plugins/modules/__pycache__/a.cpython-311.pyc', 'x.tar.gz', '.pytest_cache/v'):
        write(src / rel)

    assert farm.main([str(src), str(tmp_path / 'out')]) == 0

    dest = tmp_path / 'out' / 'ansible_collections' / 'camunda' / 'servicenow'
    copied = sorted(os.path.relpath(os.path.join(root, name), str(dest)).replace(os.sep, '/')
                    for root, dirs, names in os.walk(str(dest)) if '.git' not in root.split(os.sep) for name in names)
    assert copied == ['.gitignore', 'galaxy.yml', 'plugins/modules/a.py', 'tests/unit/test_a.py']
    assert os.path.isdir(str(dest / '.git'))  # its own repository, so ansible-test lists its files


def test_farm_removes_stale_files_but_keeps_ansible_test_output(tmp_path):
    src = tmp_path / 'repo'
    write(src / 'galaxy.yml')
    write(src / 'plugins/modules/old.py')
    assert farm.main([str(src), str(tmp_path / 'out')]) == 0
    dest = tmp_path / 'out' / 'ansible_collections' / 'camunda' / 'servicenow'
    write(dest / 'tests/output/junit/result.xml')

    os.remove(str(src / 'plugins/modules/old.py'))
    write(src / 'galaxy.yml', 'changed')
    assert farm.mirror(str(src), str(dest)) == (1, 1)

    assert not os.path.exists(str(dest / 'plugins'))
    assert (dest / 'galaxy.yml').read_text() == 'changed'
    assert (dest / 'tests/output/junit/result.xml').read_text() == 'x'
    assert farm.mirror(str(src), str(dest)) == (0, 0)


def test_farm_refuses_a_directory_without_galaxy_yml(tmp_path, capsys):
    assert farm.main([str(tmp_path), str(tmp_path / 'out')]) == 2
    assert 'has no galaxy.yml' in capsys.readouterr().err
    assert farm.main([]) == 2


# --- get_pip_offline.py ------------------------------------------------------------------------------------

def test_stand_in_drops_get_pip_only_options():
    argv = ['--disable-pip-version-check', 'pip==24.2', '--no-setuptools', '--no-wheel']
    assert get_pip_offline.pip_arguments(argv) == ['--disable-pip-version-check', 'pip==24.2']


def test_stand_in_runs_ensurepip_then_pip_install(mocker):
    call = mocker.patch('subprocess.call', return_value=0)
    assert get_pip_offline.main(['pip==23.1.2', 'setuptools==67.7.2', 'wheel==0.37.1']) == 0
    assert call.call_args_list == [
        mocker.call([sys.executable, '-m', 'ensurepip', '--default-pip']),
        mocker.call([sys.executable, '-m', 'pip', 'install', 'pip==23.1.2', 'setuptools==67.7.2', 'wheel==0.37.1']),
    ]


def test_stand_in_stops_when_ensurepip_fails(mocker, capsys):
    call = mocker.patch('subprocess.call', return_value=3)
    assert get_pip_offline.main(['pip==24.2', '--no-setuptools']) == 3
    assert call.call_count == 1
    assert 'ensurepip" failed with exit code 3' in capsys.readouterr().err


def test_stand_in_bootstraps_a_pipless_venv_the_way_ansible_test_calls_it(tmp_path):
    """ansible-test runs quiet_pip.py with GET_PIP=<cache file>; quiet_pip runs that file as __main__."""
    subprocess.check_call([sys.executable, '-m', 'venv', '--without-pip', str(tmp_path / 'venv')])
    python = str(tmp_path / 'venv' / 'bin' / 'python')
    cache = tmp_path / 'cache'
    cache.mkdir()
    shutil.copyfile(os.path.join(HERE, 'get_pip_offline.py'), str(cache / 'get_pip_24_2.py'))
    quiet_pip = os.path.join(os.path.dirname(ansible_test.__file__), '_util', 'target', 'setup', 'quiet_pip.py')
    env = dict(os.environ, GET_PIP=str(cache / 'get_pip_24_2.py'))

    assert subprocess.call([python, '-c', 'import pip'], stderr=subprocess.DEVNULL) == 1
    # --no-index + the pip ensurepip just installed: satisfied locally, no download needed
    subprocess.check_call([python, quiet_pip, '--disable-pip-version-check', '--no-index', 'pip', '--no-setuptools', '--no-wheel'], env=env)
    assert subprocess.call([python, '-m', 'pip', '--version'], stdout=subprocess.DEVNULL) == 0


# --- install_get_pip.py ------------------------------------------------------------------------------------

@pytest.mark.parametrize('source, version', [
    ("    default_packages = dict(\n        pip='24.2',\n    )\n", '24.2'),
    ("    default_packages = dict(\n        pip='23.1.2',\n        setuptools='67.7.2',\n        wheel='0.37.1',\n    )\n", '23.1.2'),
    ('default_packages = dict(pip="25.2")', '25.2'),
])
def test_pinned_pip_version(source, version):
    assert install_get_pip.pinned_pip_version(source) == version


def test_pinned_pip_version_of_the_installed_ansible_test():
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(path) as handle:
        version = install_get_pip.pinned_pip_version(handle.read())
    assert version.split('.')[0].isdigit()


def test_pinned_pip_version_missing():
    with pytest.raises(ValueError, match='no "default_packages'):
        install_get_pip.pinned_pip_version('pip = "1.0"')


def test_cache_path_uses_underscores():
    assert install_get_pip.cache_path('24.2', home='/h') == '/h/.ansible/test/cache/get_pip_24_2.py'


def test_install_creates_refreshes_and_never_replaces_a_real_script(tmp_path):
    target = str(tmp_path / 'a' / 'b' / 'get_pip_24_2.py')
    stand_in = os.path.join(HERE, 'get_pip_offline.py')

    assert install_get_pip.install(target, stand_in) == 'installed'
    assert install_get_pip.install(target, stand_in) == 'up to date'

    write(target, '# %s, old revision\n' % install_get_pip.MARKER)
    assert install_get_pip.install(target, stand_in) == 'installed'
    with open(target) as handle, open(stand_in) as original:
        assert handle.read() == original.read()

    write(target, '# the real get-pip.py\n')
    assert install_get_pip.install(target, stand_in) == 'kept existing bootstrap script'
    with open(target) as handle:
        assert handle.read() == '# the real get-pip.py\n'


# --- check_tarball.py --------------------------------------------------------------------------------------

GOOD = ['MANIFEST.json', 'FILES.json', 'README.md', 'meta/runtime.yml', 'plugins/modules/a.py', 'tests/unit/test_a.py']


def test_tarball_check_accepts_a_clean_collection():
    assert check_tarball.problems(GOOD) == []


@pytest.mark.parametrize('member, what', [
    ('tests/output/junit/x.xml', 'ansible-test output'),
    ('.venv/bin/python', 'a virtual environment'),
    ('build/dist/x', 'build output'),
    ('.sandbox/db.json', 'sandbox state'),
    ('plugins/modules/__pycache__/a.pyc', 'a byte-code cache'),
    ('tests/integration/integration_config.yml', 'a generated integration config'),
    ('state/sandbox.json', 'sandbox state'),
])
def test_tarball_check_rejects_local_state(member, what):
    found = check_tarball.problems(GOOD + [member])
    assert found and all(line.startswith(member + ': ') for line in found)
    assert any(what in line for line in found)


def test_tarball_check_requires_collection_metadata():
    assert check_tarball.problems(['plugins/modules/a.py']) == [
        'MANIFEST.json: missing from the tarball', 'FILES.json: missing from the tarball',
        'README.md: missing from the tarball', 'meta/runtime.yml: missing from the tarball']


# --- run_pytest.sh -----------------------------------------------------------------------------------------

def gate(directory, *args):
    """Run the pytest gate wrapper; return (exit code, output)."""
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run([os.path.join(HERE, 'run_pytest.sh'), 'demo-gate', str(directory), '-q', '-p', 'no:cacheprovider'] + list(args),
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout


def test_gate_without_test_files_is_a_visible_skip(tmp_path):
    write(tmp_path / 'helper.py', 'VALUE = 1\n')
    rc, out = gate(tmp_path)
    assert (rc, out.strip()) == (0, 'demo-gate: no tests yet in %s (skipped)' % tmp_path)


def test_gate_with_test_files_but_no_tests_fails(tmp_path):
    write(tmp_path / 'test_nothing.py', 'VALUE = 1\n')
    rc, out = gate(tmp_path)
    assert rc == 1
    assert 'pytest collected no tests in %s although test files exist' % tmp_path in out


def test_gate_passes_and_fails_with_pytest(tmp_path):
    write(tmp_path / 'test_ok.py', 'def test_ok():\n    assert 1 + 1 == 2\n')
    assert gate(tmp_path)[0] == 0
    write(tmp_path / 'test_bad.py', 'def test_bad():\n    assert 1 + 1 == 3\n')
    rc, out = gate(tmp_path)
    assert rc == 1
    assert '1 failed, 1 passed' in out


# --- tarball_test.py ---------------------------------------------------------------------------------------

RUN_OUTPUT = """PLAY [x] ***

PLAY RECAP *********************************************************************
sn1                        : ok=31   changed=6    unreachable=0    failed=0    skipped=15   rescued=0    ignored=0
sn2                        : ok=12   changed=0    unreachable=1    failed=2    skipped=17   rescued=0    ignored=0
"""


def test_tarball_test_reads_every_host_of_the_last_recap():
    earlier = RUN_OUTPUT.replace('changed=6', 'changed=9').replace('sn2 ', 'sn9 ')
    assert tarball_test.recap(earlier + RUN_OUTPUT) == {'sn1': (31, 6, 0, 0), 'sn2': (12, 0, 1, 2)}


def test_tarball_test_recap_of_a_run_that_never_finished_is_empty():
    assert tarball_test.recap('ERROR! the playbook: camunda.servicenow.site could not be found\n') == {}


def test_tarball_test_run_reports_the_failed_command_and_its_log(tmp_path):
    log = str(tmp_path / 'out.log')
    with pytest.raises(RuntimeError) as failure:
        tarball_test.run([sys.executable, '-c', 'import sys; print("boom"); sys.exit(3)'], log=log)
    assert str(failure.value).endswith('failed with exit code 3: see %s' % log)
    with open(log) as handle:
        assert handle.read() == 'boom\n'


def test_tarball_test_run_times_out():
    with pytest.raises(RuntimeError) as failure:
        tarball_test.run([sys.executable, '-c', 'import time; time.sleep(5)'], timeout=1)
    assert str(failure.value).endswith('did not finish within 1 s')


def test_tarball_test_usage_error():
    assert tarball_test.main(['only-one-argument']) == 2


def test_tarball_test_fails_on_a_broken_tarball(tmp_path, capsys):
    broken = tmp_path / 'camunda-servicenow-0.0.1.tar.gz'
    broken.write_bytes(b'not a tarball')
    assert tarball_test.main([str(broken), str(tmp_path / 'install'), '--no-sandbox']) == 1
    assert 'tarball-test: ansible-galaxy collection install --offline --force' in capsys.readouterr().err
    assert os.listdir(str(tmp_path / 'install')) == []
