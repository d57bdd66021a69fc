# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors a user must act on, in one place below the service clients: the modules' own conditions
(:class:`ModuleError` and its subclasses), Camunda's (:class:`CamundaError`), and with the transport's, the desired-state
engine's and the query option's errors the set :data:`USER_ERRORS` that ``runner.run_module`` turns into ONE
``fail_json`` sentence without a secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.query import QueryError
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError


class ModuleError(Exception):
    """A condition the user must fix; ``str(err)`` is one sentence: what failed, where, what to check."""


class CamundaError(ModuleError):
    """One sentence a user can act on; never a secret.

    ``reason`` is the part of the sentence that says where and why it failed without the step (for a wrapped
    TransportError its own sentence, which names the call and the host), for callers that put the failure in
    another context (a warning); it defaults to the whole message."""

    def __init__(self, message, status=None, reason=None):
        super(CamundaError, self).__init__(message)
        self.message = message
        self.status = status
        self.reason = reason or message

    def __str__(self):
        return self.message


# Errors whose text is written for the user (one sentence, no secret): they become ``fail_json(msg=...)``.
USER_ERRORS = (TransportError, RecordError, ModuleError, QueryError)


def fail_json_kwargs(exc):
    """``module.fail_json(**fail_json_kwargs(exc))`` for a TransportError or another user error (one sentence, no
    secret; a TransportError adds its status, method and URL without query string)."""
    if hasattr(exc, "to_fail_json"):
        return exc.to_fail_json()
    return dict(msg=str(exc))
