# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the offline get-pip stand-in where the installed ansible-test looks for its pip bootstrap script.

Run it with the Python of the virtual environment that holds ansible-core:

    .venv/bin/python tests/ci/install_get_pip.py

The pip version ansible-test bootstraps is pinned in ansible_test/_internal/python_requirements.py
(``get_venv_packages``: pip='24.2' in ansible-core 2.19, '23.1.2' in 2.17, '25.2' in 2.21), and the cache
file is ``~/.ansible/test/cache/get_pip_<version with dots as underscores>.py``. A file already there that is
not our stand-in (a real get-pip.py someone downloaded) is left alone; an outdated stand-in is refreshed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STAND_IN = os.path.join(HERE, 'get_pip_offline.py')
MARKER = 'camunda.servicenow offline get-pip stand-in'
PIP_PIN = re.compile(r"""default_packages\s*=\s*dict\(\s*pip\s*=\s*['"]([0-9][0-9.]*)['"]""")


def pinned_pip_version(source):
    """Return the pip version pinned in the text of ansible-test's python_requirements.py."""
    match = PIP_PIN.search(source)

    if not match:
        raise ValueError('no "default_packages = dict(pip=...)" pin found')

    return match.group(1)


def cache_path(pip_version, home=None):
    """Return where ansible-test looks for the bootstrap script of this pip version."""
    home = home or os.path.expanduser('~')
    return os.path.join(home, '.ansible', 'test', 'cache', 'get_pip_%s.py' % pip_version.replace('.', '_'))


def install(target, stand_in=STAND_IN):
    """Copy the stand-in to target unless a foreign script is there; return what was done."""
    with open(stand_in) as handle:
        wanted = handle.read()

    if os.path.exists(target):
        with open(target) as handle:
            current = handle.read()

        if MARKER not in current:
            return 'kept existing bootstrap script'

        if current == wanted:
            return 'up to date'

    directory = os.path.dirname(target)

    if not os.path.isdir(directory):
        os.makedirs(directory)

    shutil.copyfile(stand_in, target)
    return 'installed'


def main():
    """Find the pinned pip version of the ansible-test importable here and install the stand-in for it."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    requirements = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')

    try:
        with open(requirements) as handle:
            version = pinned_pip_version(handle.read())
    except (IOError, OSError, ValueError) as ex:
        sys.stderr.write('Cannot tell which pip version %s bootstraps (%s); update tests/ci/install_get_pip.py for this ansible-core.\n'
                         % (requirements, ex))
        return 1

    target = cache_path(version)
    sys.stdout.write('get-pip %s stand-in: %s (%s)\n' % (version, target, install(target)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
