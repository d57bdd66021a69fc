# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin base for modules that must return a secret (a new client's secret, an access token).

The module runs as usual. When its result carries a non-empty value under one of SECRET_KEYS, the action marks the
whole result `_ansible_no_log`, as ansible.builtin.include_vars does for hidden content: every callback (default,
json, yaml, AWX's job events) then prints the result censored, exactly as for a task with `no_log: true`, while the
registered variable keeps the values for the next task. A result without a secret (nothing created, nothing fetched)
is shown as usual.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase


def carries_secret(result, keys):
    """True when result holds a non-empty string under one of keys."""
    return any(isinstance(result.get(key), str) and result.get(key) for key in keys)


class SecretResultAction(ActionBase):
    """Run the module of the same name; censor the displayed result when it returns a secret."""

    SECRET_KEYS = ()
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(SecretResultAction, self).run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(module_name=self._task.resolved_action, task_vars=task_vars,
                                           wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if carries_secret(result, self.SECRET_KEYS):
            result['_ansible_no_log'] = True
        return result
