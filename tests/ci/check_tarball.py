# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that a collection tarball built by `make build` holds the collection and nothing local.

    python tests/ci/check_tarball.py build/dist/camunda-servicenow-X.Y.Z.tar.gz

Fails (exit 1, one line per offending member) when the tarball holds ansible-test output, a virtual
environment, build output, sandbox state, byte-code caches, git data, or lacks the files a collection needs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import sys
import tarfile

FORBIDDEN = (
    ('tests/output', 'ansible-test output'),
    ('.venv', 'a virtual environment'),
    ('build', 'build output'),
    ('.sandbox', 'sandbox state'),
    ('.git', 'git data'),
    ('.ci', 'CI scripts'),
    ('tests/integration/integration_config.yml', 'a generated integration config with sandbox credentials'),
)
FORBIDDEN_NAMES = (
    ('__pycache__', 'a byte-code cache'),
    ('*.pyc', 'byte code'),
    ('.pytest_cache', 'a pytest cache'),
    ('*.tar.gz', 'another tarball'),
    ('sandbox.json', 'sandbox state'),
)
REQUIRED = ('MANIFEST.json', 'FILES.json', 'README.md', 'meta/runtime.yml')


def problems(names):
    """Return one message per problem found in the list of tarball member names."""
    found = []
    members = set()

    for name in names:
        name = name[2:] if name.startswith('./') else name
        members.add(name)

        for path, what in FORBIDDEN:
            if name == path or name.startswith(path + '/'):
                found.append('%s: %s must not be in the tarball' % (name, what))

        for pattern, what in FORBIDDEN_NAMES:
            if any(fnmatch.fnmatch(part, pattern) for part in name.split('/')):
                found.append('%s: %s must not be in the tarball' % (name, what))

    for name in REQUIRED:
        if name not in members:
            found.append('%s: missing from the tarball' % name)

    return found


def main(argv=None):
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv

    if len(argv) != 1:
        sys.stderr.write('usage: check_tarball.py TARBALL\n')
        return 2

    with tarfile.open(argv[0]) as tar:
        names = tar.getnames()

    found = problems(names)

    for message in found:
        sys.stderr.write('%s: %s\n' % (argv[0], message))

    if not found:
        sys.stdout.write('%s: %d members, no local state, tests output, virtual environment or cache\n' % (argv[0], len(names)))

    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
