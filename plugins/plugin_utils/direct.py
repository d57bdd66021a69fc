# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin every module of the collection runs through: the module runs inside Ansible's worker process.

Every module of this collection talks to ServiceNow or Camunda over HTTPS; none touches the host it runs on. A task
on the usual `localhost` (connection `local`) therefore gains nothing from Ansible's module round trip (build the
AnsiballZ payload, start a new Python, unpack it, import ansible and requests again) and that round trip is most of a
task's cost. So, when the task runs on the local connection, this action imports the module and runs its `main()` in
the worker process Ansible has already forked for the task, with the arguments Ansible would have sent it, and reads
its result exactly as Ansible reads a module's output (the same serialization profile, the same `no_log` removal by
AnsibleModule, the same result parsing). The worker's Python is the controller's: it must have `requests`.

The module runs the usual way (Ansible's `_execute_module`) when any of these holds: the connection is not local
(`delegate_to` a host that can reach the services), the task uses `become` or `async`, the controller's Python lacks
`requests`, ansible-core is not a release this was tested against (IN_PROCESS_CORES: 2.19 and 2.20), or the variable
`camunda_servicenow_in_process` is false (inventory, play or task vars). Both paths give the same result.

When the result carries a non-empty value under one of SECRET_KEYS (a new client's secret, an access token), the
whole result is marked `_ansible_no_log`, as `ansible.builtin.include_vars` does for hidden content: every callback
then shows it censored, exactly as for a task with `no_log: true`, while the registered variable keeps the values for
the next task. A result without a secret is shown as usual. A long wait (a spoke install, a plugin activation) shows
its progress on the terminal while it runs (module_utils/progress.py), which a module process cannot, and the hosts
of one task share the Console reads that hold no secret (module_utils/shared_reads.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib
import io
import json
import os
import sys
import traceback

from ansible import constants as C
from ansible.module_utils import basic
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.display import Display

# Running a module in-process follows ActionBase._execute_module's internals (the serialization profile, how the
# result is parsed and cleaned), which change between ansible-core releases: it is done only on the releases whose
# internals it was written and tested against; every other release runs modules the usual way.
IN_PROCESS_CORES = ("2.19.", "2.20.")
try:
    from ansible.module_utils.common.json import Direction, get_module_encoder
    from ansible.vars.clean import remove_internal_keys
except ImportError:  # pragma: no cover - another ansible-core: the usual module round trip
    Direction = get_module_encoder = remove_internal_keys = None
if not ANSIBLE_CORE_VERSION.startswith(IN_PROCESS_CORES):  # pragma: no cover - depends on the installed core
    get_module_encoder = None

# Imported here, once, in the process that loads the action plugin (the strategy loads it before forking the task's
# worker), so that a worker does not import requests and the collection's service clients again for every task.
from ansible_collections.camunda.servicenow.plugins.module_utils import progress, shared_reads
from ansible_collections.camunda.servicenow.plugins.module_utils import runner  # noqa: F401  pylint: disable=unused-import
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import HAS_REQUESTS

COLLECTION = "ansible_collections.camunda.servicenow.plugins.modules."
LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))
SWITCH = "camunda_servicenow_in_process"
display = Display()
PROFILE = "legacy"  # the serialization profile Ansible gives a module without metadata, as all of ours are


def carries_secret(result, keys):
    """True when result holds a non-empty string under one of keys."""
    return any(isinstance(result.get(key), str) and result.get(key) for key in keys)


@contextlib.contextmanager
def _environment(values):
    """os.environ with ``values`` applied (the task's ``environment:``), restored afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update({key: str(value) for key, value in values.items()})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_module(module_name):
    """The Python module of ``plugins/modules/<module_name>.py``."""
    return importlib.import_module(COLLECTION + module_name)


def run_main(module_name, module_args, environment=None, task=None):
    """Run ``plugins/modules/<module_name>.py``'s ``main()`` in this process with ``module_args`` (the arguments
    Ansible would send, internal ``_ansible_*`` keys included); ``task`` (the task's id) scopes what the hosts of one
    task share. Returns ``{'rc', 'stdout', 'stderr'}`` as a module
    process would have produced them, for ActionBase._parse_returned_data."""
    encoder = get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE)
    saved = basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE  # pylint: disable=protected-access
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}, cls=encoder).encode("utf-8")
    basic._ANSIBLE_PROFILE = PROFILE
    stdout, stderr, rc = io.StringIO(), io.StringIO(), 0
    terminal = sys.stdout

    def show(text):  # a long wait shows its progress at once (module_utils/progress.py), not in the module's output
        with contextlib.redirect_stdout(terminal):
            display.display(text)

    progress.SINK = show
    # the hosts of this run share reads that hold no secret (module_utils/shared_reads.py), in the run's private tmp
    shared_reads.STORE = shared_reads.RunStore(os.path.join(C.DEFAULT_LOCAL_TMP, "camunda.servicenow-reads"), task)
    try:
        with _environment(environment or {}), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                load_module(module_name).main()
            except SystemExit as exc:  # exit_json and fail_json end with sys.exit, as in a module process
                rc = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # pylint: disable=broad-except
                # A bug, not a user error: shown like a module process's traceback (MODULE FAILURE, module_stderr).
                rc = 1
                stderr.write(traceback.format_exc())
    finally:
        basic._ANSIBLE_ARGS, basic._ANSIBLE_PROFILE = saved
        progress.SINK = None
        shared_reads.STORE = None
    return {"rc": rc, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


class DirectModuleAction(ActionBase):
    """Run the module of the same name in the worker process when that is safe; censor a result with a secret."""

    SECRET_KEYS = ()
    _supports_check_mode = True
    _supports_async = True

    def _module_name(self):
        return type(self).__module__.rsplit(".", 1)[-1]

    def _runs_in_process(self, task_vars):
        """Whether this task may run its module in the worker process (see the module docstring)."""
        if get_module_encoder is None or not HAS_REQUESTS:
            return False
        if self._task.async_val or self._play_context.become:
            return False
        if not boolean((task_vars or {}).get(SWITCH, True), strict=False):
            return False
        names = {getattr(self._connection, "transport", None), getattr(self._connection, "_load_name", None)}
        return bool(names & LOCAL_CONNECTIONS)

    def run(self, tmp=None, task_vars=None):
        result = super(DirectModuleAction, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        if self._runs_in_process(task_vars):
            result.update(self._execute_in_process(task_vars))
        else:
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(module_name=self._task.resolved_action, task_vars=task_vars,
                                               wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
        if carries_secret(result, self.SECRET_KEYS):
            result["_ansible_no_log"] = True
        return result

    def _execute_in_process(self, task_vars):
        """What ActionBase._execute_module returns, with the module run by run_main instead of a new process."""
        module_args = dict(self._task.args)
        self._update_module_args(self._task.resolved_action, module_args, task_vars)
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        self._used_interpreter = sys.executable
        data = self._parse_returned_data(run_main(self._module_name(), module_args, environment,
                                                  task=getattr(self._task, "_uuid", None)), PROFILE)
        remove_internal_keys(data)
        return data
