# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test creates its sanity-test virtual environments without pip and bootstraps pip by running
``~/.ansible/test/cache/get_pip_<version>.py`` (downloaded from a host our machines cannot reach) with
pip-style arguments such as ``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.

This stand-in gives the same result without that download: it installs the pip bundled with the
interpreter (``python -m ensurepip``), then runs ``python -m pip install`` with the arguments it was
given, minus ``--no-setuptools`` and ``--no-wheel`` (get-pip.py options that pip itself does not know).
``make`` copies it into place (see tests/ci/install_get_pip.py); a real downloaded script is never replaced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

MARKER = 'camunda.servicenow offline get-pip stand-in'
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def pip_arguments(argv):
    """Return the arguments to pass to ``pip install``."""
    return [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]


def main(argv=None):
    """Bootstrap pip with ensurepip, then install the requested packages."""
    args = pip_arguments(sys.argv[1:] if argv is None else argv)
    python = sys.executable

    rc = subprocess.call([python, '-m', 'ensurepip', '--default-pip'])

    if rc != 0:
        sys.stderr.write('%s: "%s -m ensurepip" failed with exit code %d; install the python venv/ensurepip package for this interpreter.\n'
                         % (MARKER, python, rc))
        return rc

    return subprocess.call([python, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    sys.exit(main())
