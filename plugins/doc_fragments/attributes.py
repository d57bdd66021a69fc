# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The attribute descriptions every module shares; a module adds only its own support level and details.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that change something: check mode predicts, diff mode shows the managed fields (secrets only masked).
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status without modifying anything.
  diff_mode:
    description: Returns the managed fields before and after in RV(diff); a secret appears only as a fixed mask.
"""

    # Read-only modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status without modifying anything.
    support: full
    details: The module is read-only.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
    details: Read-only; there is never a diff.
"""
