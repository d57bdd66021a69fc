# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""camunda_client_credential: its result is shown censored (as with no_log) whenever it returns a client secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.plugin_utils.secret_result import SecretResultAction


class ActionModule(SecretResultAction):
    SECRET_KEYS = ('client_secret',)
