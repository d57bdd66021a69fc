# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy this checkout the way a clone would hold it: the files git tracks plus the untracked ones it does not ignore.

Symbolic links stay links (collections/ansible_collections/camunda/servicenow is one). No .venv, build/, caches or
sandbox state: what a new machine gets from `git clone`, with the working tree's uncommitted edits included so the
tests check what is about to be committed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tracked_files(repo=REPO):
    out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=repo,
                         stdout=subprocess.PIPE, check=True).stdout.decode('utf-8')
    return sorted(path for path in out.split('\0') if path and os.path.lexists(os.path.join(repo, path)))


def copy_checkout(dest, repo=REPO, skip=()):
    """Copy the checkout into dest (created); paths in skip (or below them) are left out. Returns dest."""
    for relpath in tracked_files(repo):
        if any(relpath == s or relpath.startswith(s.rstrip('/') + '/') for s in skip):
            continue
        src = os.path.join(repo, relpath)
        target = os.path.join(dest, relpath)
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        if os.path.islink(src):
            os.symlink(os.readlink(src), target)
        else:
            shutil.copy2(src, target)
    return dest
