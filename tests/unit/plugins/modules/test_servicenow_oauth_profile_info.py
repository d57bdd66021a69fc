# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_oauth_profile_info as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import FakeInstance


def ignoring_queries(rows):
    """The shared fake, as an instance that ignored the query: the module's exact matching is what is tested."""
    return FakeInstance(dict(oauth_entity=rows), ignore_queries=True)


ROW = {"sys_id": "e1", "name": "Camunda OAuth", "type": "oauth_provider", "client_id": "cid-1",
       "oauth_api_script": {"link": "https://x/api/now/table/sys_script_include/s1", "value": "s1"},
       "default_grant_type": "client_credentials", "token_url": "https://login.cloud.camunda.io/oauth/token",
       "refresh_token_lifespan": 8640000, "access_token_lifespan": "1800", "active": True,
       "client_secret": "must-not-leak"}


def test_read_returns_the_exact_match_with_one_request():
    client = ignoring_queries([dict(ROW, name="Camunda OAuth 2", sys_id="e2"), ROW])
    row, warnings = mod.read(client, "Camunda OAuth")
    assert row["sys_id"] == "e1" and warnings == []
    assert client.calls == [("GET", "oauth_entity", {"name": "Camunda OAuth"})]
    assert client.reads_asked == [("oauth_entity", {"name": "Camunda OAuth"}, tuple(mod.FIELDS), 5)]


def test_view_normalises_and_never_returns_the_secret():
    got = mod.view(ROW)
    assert got == {"sys_id": "e1", "name": "Camunda OAuth", "type": "oauth_provider", "client_id": "cid-1",
                   "oauth_api_script": "s1", "default_grant_type": "client_credentials",
                   "token_url": "https://login.cloud.camunda.io/oauth/token", "refresh_token_lifespan": "8640000",
                   "access_token_lifespan": "1800", "active": "true"}
    assert "must-not-leak" not in repr(got)


def test_absent_record_gives_an_empty_view():
    assert mod.read(ignoring_queries([]), "Camunda OAuth") == (None, [])
    assert mod.view(None) == {}


def test_two_records_with_the_name_are_an_error_naming_them():
    with pytest.raises(RecordError) as err:
        mod.read(ignoring_queries([ROW, dict(ROW, sys_id="e9")]), "Camunda OAuth")
    assert "e1" in str(err.value) and "e9" in str(err.value)


def test_a_case_variant_is_not_reported_as_the_record_and_a_warning_names_it():
    # An instance that matches case-insensitively returns 'camunda oauth' for name=Camunda OAuth.
    row, warnings = mod.read(ignoring_queries([dict(ROW, name="camunda oauth")]), "Camunda OAuth")
    assert row is None
    assert warnings == ["No Application Registry (oauth_entity) is named exactly 'Camunda OAuth' on sn.example.test; "
                        "'camunda oauth' (e1) differs only in letter case and is not reported as it"]
    row, warnings = mod.read(ignoring_queries([dict(ROW, name="camunda oauth", sys_id="e5"), ROW]), "Camunda OAuth")
    assert row["sys_id"] == "e1" and warnings == []
