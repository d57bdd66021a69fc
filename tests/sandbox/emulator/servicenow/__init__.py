"""ServiceNow instance emulation for the sandbox (see tests/sandbox/README.md and servicenow-api.md).

Interface used by ``serve.py``: ``add_arguments(parser)``, ``build_services(state_dir, args)`` (one
``ServiceNowInstance`` per ``--instances``, named sn1..snN, each with its own state file) and
``describe(services)`` (the ``servicenow`` list of sandbox.json).
"""

from . import flags
from .instance import ServiceNowInstance


def add_arguments(parser):
    flags.add_arguments(parser)


def build_services(state_dir, args):
    values = flags.from_args(args)
    return [ServiceNowInstance("sn%d" % number, state_dir, values) for number in range(1, args.instances + 1)]


def describe(services):
    return [service.describe() for service in services]
