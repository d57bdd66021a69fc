# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The secret rules of test_secret_audit.py for camunda_authorization, servicenow_user, servicenow_plugin and
integration_info: every secret option is no_log (and only those), no return value is a secret."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.camunda.servicenow.plugins.modules import (
    camunda_authorization,
    integration_info,
    servicenow_plugin,
    servicenow_user,
)

MODULES = [camunda_authorization, integration_info, servicenow_plugin, servicenow_user]
SECRET_WORDS = ("password", "secret", "access_token", "refresh_token", "api_key")
NOT_SECRETS = ("update_password",)  # a choice (on_create, always)


def walk(spec, prefix=""):
    for name, option in spec.items():
        yield prefix + name, option
        if option.get("options"):
            yield from walk(option["options"], prefix + name + ".")


def is_secret_name(path):
    last = path.rsplit(".", 1)[-1]
    if last in NOT_SECRETS:
        return False
    return any(last == word or last.endswith("_" + word) for word in SECRET_WORDS)


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_secret_options_are_no_log(mod):
    options = list(walk(mod.argument_spec()))
    no_log = sorted(path for path, option in options if option.get("no_log") is True)
    assert no_log == sorted(path for path, option in options if is_secret_name(path))
    assert no_log  # every module takes at least one secret (a connection's)


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_no_return_value_is_a_secret(mod):
    def keys(values, prefix=""):
        for key, doc in (values or {}).items():
            yield prefix + key
            yield from keys(doc.get("contains"), prefix + key + ".")
    assert [k for k in keys(yaml.safe_load(mod.RETURN)) if is_secret_name(k)] == []
