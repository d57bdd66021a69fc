# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module's ``main()`` does after building its AnsibleModule, written once.

``run_module(module, work)`` fails with Ansible's standard message when ``requests`` is missing, runs ``work()``,
turns the collection's error types (and a module's own, passed in ``errors``) into ONE ``fail_json`` sentence
without a secret, emits warnings and exits with the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.camunda.servicenow.plugins.module_utils.errors import USER_ERRORS, fail_json_kwargs
from ansible_collections.camunda.servicenow.plugins.module_utils.query import apply_query
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import HAS_REQUESTS, REQUESTS_IMPORT_ERROR


def require_requests(module):
    """Fail with Ansible's standard missing-library message when ``requests`` cannot be imported."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


def _with_query(module, outcome):
    """``outcome`` of ``work()`` with ``query_result`` added when the module's ``query`` option is set."""
    query = (getattr(module, "params", None) or {}).get("query")
    if not query:
        return outcome
    result, warnings = outcome if isinstance(outcome, tuple) else (outcome, None)
    name = "camunda.servicenow." + str(getattr(module, "_name", "module")).rsplit(".", maxsplit=1)[-1]
    result = apply_query(query, result, name)
    return result if warnings is None else (result, warnings)


def run_module(module, work, errors=(), where=None):
    """Run ``work()`` (no arguments; returns the result dict, or ``(result, warnings)``) and exit the module.

    When the module has a ``query`` option (the read-only modules) and it is set, ``query_result`` is added to the
    result (module_utils/query.py). A TransportError, RecordError, ModuleError, QueryError or one of ``errors``
    becomes ``fail_json`` with its sentence; any other exception is a bug and keeps its traceback. ``where`` (the host the module works on) completes the
    desired-state engine's sentences, which do not know it."""
    require_requests(module)
    try:
        outcome = _with_query(module, work())
    except USER_ERRORS + tuple(errors) as exc:
        if isinstance(exc, RecordError):
            exc.locate(where)
        module.fail_json(**fail_json_kwargs(exc))
        return None  # fail_json exits; this keeps test doubles that do not exit honest
    warnings = []
    if isinstance(outcome, tuple):
        outcome, warnings = outcome
    for warning in warnings or []:
        module.warn(warning)
    module.exit_json(**outcome)
    return None
