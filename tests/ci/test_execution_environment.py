# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection goes into an AWX / Automation Controller execution environment with its Python dependencies.

Builds the collection tarball into build/dist (as `make build`), runs the documented `ansible-builder create` on the
committed definition extensions/ee/execution-environment.yml into build/ee, and checks the generated context holds
this checkout's tarball and nothing from requirements-test.txt; then runs the introspection ansible-builder runs
inside the image on the installed collection and checks it yields exactly meta/ee-requirements.txt.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CONTEXT = os.path.join(REPO, 'build', 'ee')
EE_FILE = os.path.join(REPO, 'extensions', 'ee', 'execution-environment.yml')
REQUIREMENT = re.compile(r'^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$')


def tool(name):
    """Return the path of a tool installed beside this Python (the .venv), else its bare name."""
    path = os.path.join(BIN, name)
    return path if os.path.exists(path) else name


def run(command, cwd=None, env=None):
    """Run a command and return its output; fail the test with the output when it fails."""
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, '%s failed (%d):\n%s' % (' '.join(command), proc.returncode, proc.stdout)
    return proc.stdout


def requirement_lines(path):
    """Return the requirement lines of a pip requirements file (no comments, no blanks)."""
    with open(path) as handle:
        lines = [line.split('#', 1)[0].strip() for line in handle]
    return [line for line in lines if line]


def galaxy_version():
    with open(os.path.join(REPO, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)['version']


@pytest.fixture(scope='module')
def tarball():
    """Build the collection tarball the way `make build` does, into build/dist (where the EE definition takes it)."""
    out = os.path.join(REPO, 'build', 'dist')
    if not os.path.isdir(out):
        os.makedirs(out)
    for old in glob.glob(os.path.join(out, 'camunda-servicenow-*.tar.gz')):
        os.remove(old)
    run([tool('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', out, REPO])
    found = glob.glob(os.path.join(out, 'camunda-servicenow-*.tar.gz'))
    assert len(found) == 1
    assert os.path.basename(found[0]) == 'camunda-servicenow-%s.tar.gz' % galaxy_version()
    return found[0]


def test_collection_ee_metadata_names_runtime_requirements_only():
    with open(os.path.join(REPO, 'meta', 'execution-environment.yml')) as handle:
        meta = yaml.safe_load(handle)

    assert meta['version'] == 3
    assert meta['dependencies'] == {'python': 'meta/ee-requirements.txt'}

    ee_reqs = {}
    for line in requirement_lines(os.path.join(REPO, 'meta', 'ee-requirements.txt')):
        name, spec = REQUIREMENT.match(line).groups()
        assert spec.startswith('>='), '%s: execution environment requirements use >= bounds only' % line
        assert ',' not in spec and '<' not in spec and '==' not in spec, line
        ee_reqs[name.lower()] = spec

    runtime = {}
    for line in requirement_lines(os.path.join(REPO, 'requirements.txt')):
        name, spec = REQUIREMENT.match(line).groups()
        runtime[name.lower()] = spec

    assert ee_reqs == runtime
    assert sorted(ee_reqs) == ['jmespath', 'requests']


def test_ee_definition_takes_this_checkouts_tarball():
    with open(EE_FILE) as handle:
        definition = yaml.safe_load(handle)
    name = 'camunda-servicenow-%s.tar.gz' % galaxy_version()
    assert definition['version'] == 3
    assert definition['dependencies'] == {'galaxy': {'collections': [{'name': 'collections/' + name, 'type': 'file'}]}}
    assert definition['additional_build_files'] == [{'src': '../../build/dist/' + name, 'dest': 'collections'}]


def test_ansible_builder_create_context(tarball):
    """The documented command (README.md, docs/awx.md) on the committed definition, after `make build`."""
    shutil.rmtree(CONTEXT, ignore_errors=True)
    name = os.path.basename(tarball)
    run([tool('ansible-builder'), 'create', '-f', os.path.relpath(EE_FILE, REPO), '--context', 'build/ee',
         '--output-filename', 'Containerfile'], cwd=REPO)

    with open(os.path.join(CONTEXT, '_build', 'requirements.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy == {'collections': [{'name': 'collections/%s' % name, 'type': 'file'}]}
    with open(os.path.join(CONTEXT, '_build', 'collections', name), 'rb') as built, open(tarball, 'rb') as original:
        assert built.read() == original.read()   # the collection itself, built from this checkout

    # Python packages come only from the collection's own metadata (introspection inside the image): the context
    # carries no pip requirements of its own, so nothing from requirements-test.txt can reach the image.
    assert not os.path.exists(os.path.join(CONTEXT, '_build', 'requirements.txt'))
    test_only = set(REQUIREMENT.match(line).group(1).lower() for line in requirement_lines(os.path.join(REPO, 'requirements-test.txt'))
                    if not line.startswith('-r')) - set(['ansible-core'])
    # ansible-builder's own builder stage installs bindep, pyyaml and packaging for itself, not for the image's Ansible
    test_only.discard('pyyaml')
    for directory, _dirs, files in os.walk(CONTEXT):
        if os.path.relpath(directory, CONTEXT).startswith(os.path.join('_build', 'scripts')):
            continue   # ansible-builder's own scripts (check_ansible names ansible-runner as what an EE may hold)
        for filename in files:
            if filename.endswith('.tar.gz'):
                continue
            with open(os.path.join(directory, filename), 'rb') as handle:
                text = handle.read().decode('utf-8', 'replace').lower()
            assert not [pkg for pkg in test_only if re.search(r'(^|[\s"\'])%s([<>=~!\s"\']|$)' % re.escape(pkg), text, re.M)], filename

    with open(os.path.join(CONTEXT, 'Containerfile')) as handle:
        containerfile = handle.read()
    assert 'ARG EE_BASE_IMAGE="quay.io/ansible/awx-ee:latest"' in containerfile
    # the galaxy stage installs from /build, where the tarball lands as collections/<name>
    assert 'COPY _build /build' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    # the builder stage introspects the installed collections: that is where requests and jmespath come from
    assert 'introspect.py introspect' in containerfile


def test_introspection_of_installed_collection_yields_ee_requirements(tarball, tmp_path):
    dest = str(tmp_path / 'collections')
    # only the empty path counts: a copy installed elsewhere (~/.ansible/collections) must not satisfy the install
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=dest, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')
    run([tool('ansible-galaxy'), 'collection', 'install', '--offline', '--force', '-p', dest, tarball], env=env)
    pip_file = str(tmp_path / 'pip.txt')
    run([tool('ansible-builder'), 'introspect', '--sanitize', '--write-pip', pip_file, dest])

    with open(pip_file) as handle:
        lines = [line.strip() for line in handle if line.strip()]

    expected = ['%s  # from collection camunda.servicenow' % line
                for line in requirement_lines(os.path.join(REPO, 'meta', 'ee-requirements.txt'))]
    assert lines == expected
