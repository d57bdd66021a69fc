# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection goes into an AWX / Automation Controller execution environment with its Python dependencies.

Builds the collection tarball, writes the execution environment definition a user would write (version 3,
the collection installed from that tarball), runs `ansible-builder create` into build/ee, and checks the
generated context; then runs the introspection ansible-builder runs inside the image on the installed
collection and checks it yields exactly meta/ee-requirements.txt.
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


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    """Build the collection tarball the way `make build` does."""
    out = str(tmp_path_factory.mktemp('dist'))
    run([tool('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', out, REPO])
    found = glob.glob(os.path.join(out, 'camunda-servicenow-*.tar.gz'))
    assert len(found) == 1
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


def test_ansible_builder_create_context(tarball):
    shutil.rmtree(CONTEXT, ignore_errors=True)
    definition_dir = os.path.join(REPO, 'build', 'ee-definition')
    shutil.rmtree(definition_dir, ignore_errors=True)
    os.makedirs(definition_dir)
    name = os.path.basename(tarball)
    definition = {
        'version': 3,
        'images': {'base_image': {'name': 'quay.io/ansible/awx-ee:latest'}},
        'dependencies': {
            'galaxy': {'collections': [{'name': 'collections/%s' % name, 'type': 'file'}]},
            'python': os.path.join(REPO, 'meta', 'ee-requirements.txt'),
        },
        'additional_build_files': [{'src': tarball, 'dest': 'collections'}],
    }
    ee_file = os.path.join(definition_dir, 'execution-environment.yml')
    with open(ee_file, 'w') as handle:
        yaml.safe_dump(definition, handle, sort_keys=False)

    run([tool('ansible-builder'), 'create', '-f', ee_file, '--context', CONTEXT, '--output-filename', 'Containerfile'])

    with open(os.path.join(CONTEXT, '_build', 'requirements.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy == {'collections': [{'name': 'collections/%s' % name, 'type': 'file'}]}
    assert os.path.isfile(os.path.join(CONTEXT, '_build', 'collections', name))

    assert requirement_lines(os.path.join(CONTEXT, '_build', 'requirements.txt')) == \
        requirement_lines(os.path.join(REPO, 'meta', 'ee-requirements.txt'))

    with open(os.path.join(CONTEXT, 'Containerfile')) as handle:
        containerfile = handle.read()
    assert 'ARG EE_BASE_IMAGE="quay.io/ansible/awx-ee:latest"' in containerfile
    # the galaxy stage installs from /build, where the tarball lands as collections/<name>
    assert 'COPY _build /build' in containerfile
    assert 'ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml' in containerfile
    assert 'introspect.py introspect --user-pip=requirements.txt' in containerfile


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
