# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads shared by the tasks of one ansible-playbook run, so that the hosts of a play do not send the same read.

Ten ServiceNow instances sharing one Camunda cluster each need the cluster and its list of API clients; without this,
each host of the task reads both again. ``STORE`` is None in a module process: every module run then reads for itself.
When the module runs in Ansible's worker process (plugins/plugin_utils/direct.py, the default on the local
connection), that action sets ``STORE`` to a :class:`RunStore` in the run's private temporary directory (Ansible's
local tmp, mode 0700, removed when ansible-playbook ends), which every worker of the run shares.

What is kept: only answers that hold no secret. For the hosts of one task (``task_scope``; the next task reads again,
as the service may have changed in between): the Console's cluster and its list of API clients, never connector
secrets or tokens. For the whole run (``scope``): a ServiceNow instance's refusal of the Batch API, so that the run
tries it once per instance; and when the Camunda token service was last called (``pace``), so that token requests
from all hosts are spaced out to its limit instead of refused. Each is kept under a scope that names the service,
the credential and the object (a read made with one organization's credential is never answered from another's).
Consistency: a scope's lock is held while its read is sent, so concurrent hosts wait for one read instead of sending
several; a write through the scope (create, delete, update, successful or not, as a lost reply may have committed)
forgets what it changes (a client write: the client list) or everything kept for the scope, under the same lock, so
a read after a write always goes to the service. A
read that overlapped another host's write may be kept until that write's drop, as it would have been seen without
sharing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no sharing (a module process never shares anyway)
    fcntl = None

STORE = None


def scope(*parts):
    """The scope of ``parts`` in the run's store, for the whole run; None when nothing is shared (a module process)."""
    if STORE is None or fcntl is None:
        return None
    return STORE.scope(*parts)


def task_scope(*parts):
    """The scope of ``parts`` for the hosts of the current task only (a later task reads again: the service may have
    changed in between); None when nothing is shared."""
    if STORE is None or fcntl is None or not STORE.task:
        return None
    return STORE.scope("task", STORE.task, *parts)


def pace(key, interval, sleep, clock):
    """Wait until ``interval`` seconds have passed since the last ``pace`` of ``key`` in this run (any host), then
    note this one: requests to a service that limits how often one address may call it (the Camunda token service:
    about one request per second) are spaced out instead of refused with 429 and retried. No-op without a store."""
    if STORE is None or fcntl is None:
        return 0.0
    return STORE.scope("pace", key).space(interval, sleep, clock)


class RunStore(object):
    """A directory of kept reads, private to one ansible-playbook run; ``task`` names the task running now."""

    def __init__(self, directory, task=None):
        self.directory = directory
        self.task = task

    def scope(self, *parts):
        name = hashlib.sha256(json.dumps([str(p) for p in parts]).encode("utf-8")).hexdigest()[:32]
        return Scope(self.directory, name)


class Scope(object):
    """The kept reads of one object for one credential; ``read`` fetches once, ``drop`` forgets after a write."""

    def __init__(self, directory, name):
        self.directory = directory
        self.name = name

    @contextlib.contextmanager
    def _locked(self):
        try:
            os.makedirs(self.directory, mode=0o700)
        except OSError:  # made meanwhile by another host's worker (the forks of one task start together)
            if not os.path.isdir(self.directory):
                raise
        handle = os.open(os.path.join(self.directory, self.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.close(handle)

    def _path(self, key):
        return os.path.join(self.directory, "%s-%s.json" % (
            self.name, hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:32]))

    def read(self, key, fetch):
        """The kept answer for ``key``, else ``fetch()`` (a JSON value), kept for the rest of the run."""
        path = self._path(key)
        with self._locked():
            try:
                with open(path) as handle:
                    return json.load(handle)["value"]
            except (OSError, IOError, ValueError, KeyError):
                pass
            value = fetch()
            self._write(path, value)
            return value

    def known(self, key):
        """What :meth:`remember` kept for ``key`` in this run, or None."""
        with self._locked():
            try:
                with open(self._path(key)) as handle:
                    return json.load(handle)["value"]
            except (OSError, IOError, ValueError, KeyError):
                return None

    def remember(self, key, value):
        """Keep ``value`` (JSON, no secret) for ``key`` for the rest of the run: a fact learnt the hard way."""
        with self._locked():
            self._write(self._path(key), value)

    def _write(self, path, value):
        partial = path + ".partial"
        with open(partial, "w") as handle:
            json.dump({"value": value}, handle)
        os.rename(partial, path)

    def forget(self, key):
        """Forget the kept read of ``key`` (after a write that changes it)."""
        with self._locked():
            try:
                os.remove(self._path(key))
            except OSError:
                pass

    def space(self, interval, sleep, clock):
        """Under the scope's lock: sleep until ``interval`` after the last call, record now; returns the wait."""
        path = self._path("last")
        with self._locked():
            try:
                with open(path) as handle:
                    last = float(json.load(handle)["value"])
            except (OSError, IOError, ValueError, KeyError, TypeError):
                last = None
            wait = 0.0 if last is None else max(0.0, last + interval - clock())
            if wait:
                sleep(wait)
            self._write(path, clock())
            return wait

    def drop(self):
        """Forget every kept read of this scope (after a write through it)."""
        with self._locked():
            prefix = self.name + "-"
            for entry in os.listdir(self.directory):
                if entry.startswith(prefix) and entry.endswith(".json"):
                    try:
                        os.remove(os.path.join(self.directory, entry))
                    except OSError:
                        pass
