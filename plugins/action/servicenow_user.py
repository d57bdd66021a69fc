# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""servicenow_user: runs in Ansible's worker process on the local connection (plugin_utils/direct.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.plugin_utils.direct import DirectModuleAction


class ActionModule(DirectModuleAction):
    pass
