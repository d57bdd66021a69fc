# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The documentation of the ``instance`` option, rendered from SERVICENOW_OPTIONS (servicenow.py).

Kept apart from servicenow.py on purpose: no module imports this file, so it does not travel in any module's
payload (AnsiballZ ships only the module_utils a module imports). The unit tests check that
plugins/doc_fragments/servicenow.py equals servicenow_doc_options().
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import SERVICENOW_OPTIONS


def _env_sentence(names):
    if len(names) == 1:
        return "If not set, the value of the E({0}) environment variable is used.".format(names[0])
    return "If not set, the value of the first of the environment variables {0} that is set is used.".format(
        ", ".join("E({0})".format(name) for name in names))


def servicenow_doc_options():
    """The ``options`` that plugins/doc_fragments/servicenow.py must document, derived from SERVICENOW_OPTIONS
    (a unit test checks that the fragment equals this)."""
    suboptions = {}
    for name, option in SERVICENOW_OPTIONS.items():
        doc = {"description": list(option["description"])}
        if option.get("env"):
            doc["description"].append(_env_sentence(option["env"]))
        doc["type"] = option["type"]
        if option.get("required"):
            doc["required"] = True
        if "default" in option:
            doc["default"] = option["default"]
        if option.get("choices"):
            doc["choices"] = list(option["choices"])
        suboptions[name] = doc
    return {
        "instance": {
            "description": [
                "How to reach and authenticate to the ServiceNow instance.",
                "The option and sub-option names and the E(SN_*) environment variables are those of the "
                "servicenow.itsm collection, so the same credentials (and AWX/AAP credential types) work.",
                "Set it once for a play with C(module_defaults) and the action group "
                "C(group/camunda.servicenow.servicenow).",
                "Authentication, by precedence: O(instance.access_token), O(instance.api_key), OAuth "
                "(O(instance.client_id)), Basic (O(instance.username)), then the client certificate alone.",
            ],
            "type": "dict",
            "suboptions": suboptions,
        }
    }
