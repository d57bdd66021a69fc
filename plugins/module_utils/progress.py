# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress of a long wait (a spoke install, a plugin activation), shown on the terminal while the task runs.

A module process cannot show anything before it ends: Ansible reads its output at the end. When the module runs in
Ansible's worker process (plugins/plugin_utils/direct.py, the default on the local connection), that action sets
``SINK`` to a function that shows a line on the controller's terminal at once. In a module process ``SINK`` stays
None and nothing is shown before the end; the module's result carries the final progress either way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SINK = None


def describe(what, progress):
    """One line for a CI/CD progress view: ``Installing x on h: Running, 40% complete``."""
    label = progress.get("status_label") or progress.get("status") or "?"
    percent = progress.get("percent_complete")
    return "%s: %s%s" % (what, label, "" if percent in (None, "") else ", %s%% complete" % percent)


class Reporter(object):
    """Shows each new state of one wait once (a poll that finds nothing new shows nothing)."""

    def __init__(self, what):
        self.what = what
        self.last = None

    def update(self, progress):
        line = describe(self.what, progress)
        if line != self.last and SINK is not None:
            SINK(line)
        self.last = line
