# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``query`` option of the read-only modules: a JMESPath expression over the module's own result.

JMESPath is what Ansible users already know from the ``community.general.json_query`` filter; here it runs inside the
module, so a playbook gets the value it needs (``query_result``) without a filter collection or a ``set_fact`` step.
``jmespath`` is imported only when a query is given: without the option a module never needs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The option as every info module declares it (documented by the camunda.servicenow.query doc fragment).
QUERY_ARGUMENT_SPEC = dict(query=dict(type="str"))

# Result keys a query never sees: Ansible's own bookkeeping, not the module's data.
_NOT_DATA = ("changed", "diff", "warnings", "deprecations", "invocation", "failed", "msg")


class QueryError(ValueError):
    """The query cannot run; ``str(err)`` is one sentence naming the option."""


def _jmespath():
    try:
        import jmespath  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return jmespath


def apply_query(expression, result, module_name="this module"):
    """Return ``result`` with ``query_result`` added: ``expression`` evaluated over ``result`` (minus Ansible's
    bookkeeping keys). No expression (None or blank): ``result`` unchanged. Raises QueryError for a missing
    ``jmespath`` package or an invalid expression."""
    if expression is None or not expression.strip():
        return result
    jmespath = _jmespath()
    if jmespath is None:
        raise QueryError("The query option of %s needs the Python package jmespath on the host that runs the module "
                         "(pip install jmespath, or use the collection's execution environment)." % module_name)
    data = dict((k, v) for k, v in result.items() if k not in _NOT_DATA)
    try:
        compiled = jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as err:
        raise QueryError("The query option of %s is not a valid JMESPath expression (%s): %s"
                         % (module_name, _first_line(err), expression))
    try:
        answer = compiled.search(data)
    except jmespath.exceptions.JMESPathTypeError:
        # The library's text quotes the offending value: never echo result data into an error.
        raise QueryError("The query option of %s gave a function a value of the wrong type; check the types of the "
                         "values the module returns (ansible-doc shows them): %s" % (module_name, expression))
    except jmespath.exceptions.JMESPathError as err:
        raise QueryError("The query option of %s failed on the result (%s); check the names the module returns "
                         "(ansible-doc shows them): %s" % (module_name, type(err).__name__, expression))
    out = dict(result)
    out["query_result"] = answer
    return out


def _first_line(err):
    text = str(err).strip().splitlines()
    return text[0].strip().rstrip(".:") if text else type(err).__name__
