# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The query option every read-only module shares (plugins/module_utils/query.py).

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  query:
    description:
      - A JMESPath expression (the language of the C(json_query) filter) evaluated over this module's result, that
        is over the return values documented below; the answer is returned as RV(query_result).
      - Needs the Python package C(jmespath) on the host that runs the module, only when this option is set.
    type: str
requirements:
  - jmespath (only for the query option)
"""
