# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mirror the repository into DEST/ansible_collections/camunda/servicenow for ansible-test.

ansible-test only runs from a collection placed at ansible_collections/<namespace>/<name>/. Users never
have to reproduce that layout: `make` calls

    python tests/ci/farm.py SOURCE DEST

which copies every file of SOURCE (except virtual environments, build output, VCS data, test output and
sandbox state) and removes files that no longer exist in SOURCE. tests/output/ inside the copy is kept:
ansible-test writes its results there. The copy gets an empty git repository of its own: the farm lives
under build/, which the repository's .gitignore hides, and ansible-test lists a collection's files with
git (`git ls-files --cached --others --exclude-standard`) from the nearest repository, so without one it
would see no files at all. Copies are plain files, not symlinks, so ansible-test's symlink
checks see the collection exactly as the tarball will contain it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import os
import shutil
import subprocess
import sys

# Paths relative to the repository root (directories or files) that never go into the farm.
EXCLUDED_PATHS = ('.venv', 'build', '.git', '.sandbox', 'tests/output', '.ansible', '.cache', '.tox', '.mypy_cache',
                  # the links that let a checkout's playbooks find the collection (galaxy.yml build_ignore)
                  'collections/ansible_collections', 'playbooks/collections')
# Base names excluded anywhere in the tree.
EXCLUDED_NAMES = ('__pycache__', '.pytest_cache', '*.pyc', '*.tar.gz', '.DS_Store', '*.swp')
# Paths inside the farm that the mirror never deletes (ansible-test writes them).
KEPT_PATHS = ('tests/output', '.git')


def excluded(relpath):
    """Return True when relpath (with / separators) is not part of the collection."""
    for path in EXCLUDED_PATHS:
        if relpath == path or relpath.startswith(path + '/'):
            return True

    return any(fnmatch.fnmatch(part, pattern) for part in relpath.split('/') for pattern in EXCLUDED_NAMES)


def wanted_files(source):
    """Return the sorted relative paths of the files to mirror."""
    found = []

    for root, dirs, files in os.walk(source):
        rel_root = os.path.relpath(root, source).replace(os.sep, '/')
        rel_root = '' if rel_root == '.' else rel_root + '/'
        dirs[:] = sorted(d for d in dirs if not excluded(rel_root + d))
        found.extend(rel_root + name for name in files if not excluded(rel_root + name))

    return sorted(found)


def same_file(src, dst):
    """Return True when dst already holds the same content as src (size, mtime and mode)."""
    if not os.path.lexists(dst) or os.path.islink(dst):
        return False

    a, b = os.stat(src), os.stat(dst)
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime) and a.st_mode == b.st_mode


def mirror(source, dest):
    """Make dest an exact copy of the collection files in source; return (copied, removed)."""
    files = wanted_files(source)
    wanted = set(files)
    copied = removed = 0

    for rel in files:
        src = os.path.join(source, rel)
        dst = os.path.join(dest, rel)

        if same_file(src, dst):
            continue

        if not os.path.isdir(os.path.dirname(dst)):
            os.makedirs(os.path.dirname(dst))

        if os.path.lexists(dst):
            os.remove(dst)

        shutil.copy2(src, dst)
        copied += 1

    for root, dirs, names in os.walk(dest, topdown=False):
        rel_root = os.path.relpath(root, dest).replace(os.sep, '/')
        rel_root = '' if rel_root == '.' else rel_root + '/'

        if any(rel_root == k + '/' or rel_root.startswith(k + '/') for k in KEPT_PATHS):
            continue

        for name in names:
            if rel_root + name not in wanted:
                os.remove(os.path.join(root, name))
                removed += 1

        for name in dirs:
            path = os.path.join(root, name)

            if rel_root + name not in KEPT_PATHS and os.path.isdir(path) and not os.path.islink(path) and not os.listdir(path):
                os.rmdir(path)

    return copied, removed


def main(argv=None):
    """Command line entry point."""
    argv = sys.argv[1:] if argv is None else argv

    if len(argv) != 2:
        sys.stderr.write('usage: farm.py SOURCE DEST (DEST gets ansible_collections/camunda/servicenow)\n')
        return 2

    source = os.path.abspath(argv[0])
    dest = os.path.join(os.path.abspath(argv[1]), 'ansible_collections', 'camunda', 'servicenow')

    if not os.path.isfile(os.path.join(source, 'galaxy.yml')):
        sys.stderr.write('%s has no galaxy.yml; run farm.py from the collection repository.\n' % source)
        return 2

    if not os.path.isdir(dest):
        os.makedirs(dest)

    copied, removed = mirror(source, dest)

    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.check_call(['git', 'init', '--quiet', dest])

    sys.stdout.write('collection farm %s: %d copied, %d removed\n' % (dest, copied, removed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
