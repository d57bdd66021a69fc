# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.records import (
    SECRET_MASK,
    SECRET_MASK_BEFORE,
    RecordError,
    account,
    apply_plan,
    find_exact,
    masked,
    module_result,
    normalize,
    plan,
    predicted,
    verify_saved,
)

SECRET = "s3cr3t-value"
SECRETS = ("client_secret",)


def current_entity():
    return {"sys_id": "e1", "name": "Camunda OAuth", "active": "true", "token_url": "https://old/token",
            "oauth_api_script": {"link": "https://x/api/now/table/sys_script_include/s1", "value": "s1"},
            "refresh_token_lifespan": "8640000", "client_secret": "ENCRYPTED-CIPHER"}


class TestNormalize:
    @pytest.mark.parametrize("value,expected", [
        (None, ""), (True, "true"), (False, "false"), (3, "3"), (3.0, "3"), (2.5, "2.5"), ("x", "x"),
        ({"link": "https://i/api/now/table/t/abc", "value": "abc"}, "abc"), ({"value": "abc", "display_value": "A"}, "abc"),
        (["b", "a", True], "a,b,true"), ({"b": 1, "a": [1]}, '{"a":[1],"b":1}'), ("", ""),
    ])
    def test_values(self, value, expected):
        assert normalize(value) == expected


class TestFindExact:
    def test_rechecks_rows_exactly(self):
        rows = [{"sys_id": "1", "name": "camunda oauth"}, {"sys_id": "2", "name": "Camunda OAuth"},
                {"sys_id": "3", "name": "Camunda OAuth 2"}]
        assert find_exact(rows, {"name": "Camunda OAuth"}, "OAuth provider") == rows[1]

    def test_ignored_query_field_returns_unfiltered_rows(self):
        rows = [{"sys_id": "1", "name": "a"}, {"sys_id": "2", "name": "b"}]
        assert find_exact(rows, {"name": "c"}, "thing") is None

    def test_none_and_empty(self):
        assert find_exact([], {"name": "x"}) is None
        assert find_exact(None, {"name": "x"}) is None

    def test_reference_and_boolean_keys(self):
        rows = [{"sys_id": "1", "alias": {"link": "l", "value": "a1"}, "active": "true"},
                {"sys_id": "2", "alias": "a1", "active": "false"}]
        assert find_exact(rows, {"alias": "a1", "active": True}) == rows[0]

    def test_duplicates_named(self):
        rows = [{"sys_id": "aaa", "name": "Camunda Connection"}, {"sys_id": "bbb", "name": "Camunda Connection"}]
        with pytest.raises(RecordError) as err:
            find_exact(rows, {"name": "Camunda Connection"}, "credential")
        assert str(err.value) == (
            "Found 2 credential records matching name='Camunda Connection' (sys_id: aaa, bbb); a natural key must "
            "identify one record, so remove or rename the duplicates, or identify the record by its id")
        assert err.value.facts == {"ids": ["aaa", "bbb"]}
        assert str(err.value.locate("sn.example.test")).startswith(
            "Found 2 credential records matching name='Camunda Connection' on sn.example.test (sys_id: aaa, bbb); ")
        assert err.value.locate("other.host").where == "sn.example.test"  # the first host named stays

    def test_duplicates_named_by_other_id_field(self):
        rows = [{"id": "c1", "name": "sn"}, {"id": "c2", "name": "sn"}]
        with pytest.raises(RecordError) as err:
            find_exact(rows, {"name": "sn"}, "API client", id_fields=("id",))
        assert "(id: c1, c2)" in str(err.value)


class TestPlan:
    def test_create_payload_and_diff_mask_secret(self):
        desired = {"name": "Camunda OAuth", "active": True, "client_secret": SECRET, "token_url": None}
        p = plan(None, desired, secret_fields=SECRETS)
        assert p.action == "create" and p.changed
        assert p.payload == {"name": "Camunda OAuth", "active": True, "client_secret": SECRET}
        assert p.diff == {"before": {}, "after": {"name": "Camunda OAuth", "active": "true", "client_secret": SECRET_MASK}}

    def test_none_when_equal_in_normalised_form(self):
        desired = {"name": "Camunda OAuth", "active": True, "oauth_api_script": "s1", "refresh_token_lifespan": 8640000,
                   "token_url": "https://old/token", "client_secret": SECRET}
        p = plan(current_entity(), desired, secret_fields=SECRETS)
        assert p.action == "none" and not p.changed
        assert p.payload == {}
        assert p.diff["before"] == p.diff["after"]
        assert "client_secret" not in json.dumps(p.diff)

    def test_update_only_differing_fields(self):
        desired = {"name": "Camunda OAuth", "active": False, "token_url": "https://new/token", "client_secret": SECRET}
        p = plan(current_entity(), desired, secret_fields=SECRETS)
        assert p.action == "update"
        assert p.payload == {"active": False, "token_url": "https://new/token"}
        assert p.diff == {"before": {"name": "Camunda OAuth", "active": "true", "token_url": "https://old/token"},
                          "after": {"name": "Camunda OAuth", "active": "false", "token_url": "https://new/token"}}
        assert SECRET not in json.dumps(p.diff) and "ENCRYPTED" not in json.dumps(p.diff)

    def test_update_secret_always_writes_secret_masked(self):
        desired = {"name": "Camunda OAuth", "client_secret": SECRET}
        p = plan(current_entity(), desired, secret_fields=SECRETS, update_secret="always")
        assert p.action == "update"
        assert p.payload == {"client_secret": SECRET}
        assert p.diff == {"before": {"name": "Camunda OAuth"}, "after": {"name": "Camunda OAuth", "client_secret": SECRET_MASK}}

    def test_update_secret_on_create_leaves_existing_secret(self):
        p = plan(current_entity(), {"name": "Camunda OAuth", "client_secret": "other"}, secret_fields=SECRETS)
        assert p.action == "none"

    def test_readable_secret_compared_and_masked(self):
        current = {"name": "snPwd", "value": "old-pass"}
        p = plan(current, {"name": "snPwd", "value": "new-pass"}, secret_fields=("value",), readable_secrets=("value",))
        assert p.action == "update" and p.payload == {"value": "new-pass"}
        assert p.diff == {"before": {"name": "snPwd", "value": SECRET_MASK_BEFORE}, "after": {"name": "snPwd", "value": SECRET_MASK}}
        same = plan(current, {"name": "snPwd", "value": "old-pass"}, secret_fields=("value",), readable_secrets=("value",))
        assert same.action == "none"
        assert "old-pass" not in json.dumps(same.diff)

    def test_field_missing_from_current_is_written(self):
        p = plan({"sys_id": "1", "name": "x"}, {"name": "x", "order": 100})
        assert p.payload == {"order": 100}
        assert p.diff == {"before": {"name": "x", "order": None}, "after": {"name": "x", "order": "100"}}

    def test_absent(self):
        assert plan(None, {"name": "x"}, state="absent").action == "none"
        p = plan(current_entity(), {"name": "Camunda OAuth", "client_secret": SECRET}, state="absent", secret_fields=SECRETS)
        assert p.action == "delete" and p.payload == {}
        assert p.diff == {"before": {"name": "Camunda OAuth"}, "after": {}}

    def test_bad_arguments(self):
        with pytest.raises(ValueError):
            plan(None, {}, state="gone")
        with pytest.raises(ValueError):
            plan(None, {}, update_secret="never")


class TestVerifySaved:
    def test_ok_when_server_saved_what_was_asked(self):
        verify_saved({"sys_id": "1", "active": "false", "order": "100", "client_secret": "cipher"},
                     {"active": False, "order": 100, "client_secret": SECRET}, SECRETS)

    def test_business_rule_changed_value(self):
        with pytest.raises(RecordError) as err:
            verify_saved({"sys_id": "c1", "active": "false", "host": "a"}, {"active": True, "host": "a"},
                         what="HTTP connection", service="ServiceNow")
        assert str(err.value) == (
            "ServiceNow saved the HTTP connection c1 differently than asked: active is 'false', not the 'true' asked "
            "for; a business rule or data policy on the instance probably changed it, check the record and the rules "
            "of its table")

    def test_dropped_field(self):
        with pytest.raises(RecordError) as err:
            verify_saved({"sys_id": "c1"}, {"nmae": "x"})
        assert "nmae was not saved (is it a field of this table?)" in str(err.value)

    def test_secret_never_compared_nor_shown(self):
        verify_saved({"sys_id": "1", "client_secret": ""}, {"client_secret": SECRET}, SECRETS)

    @pytest.mark.parametrize("saved, sent", [
        ("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("1", "true"), ("0", "false"),
        ("8640000", 8640000), ("8,640,000", 8640000), ("1800", "1800"), ("1800", "1,800"), (" 1800 ", 1800),
        ("1800.0", 1800), ("1800", 1800.0),
    ])
    def test_normalised_values_are_the_values_asked_for(self, saved, sent):
        assert verify_saved({"sys_id": "1", "field": saved}, {"field": sent}) == []

    @pytest.mark.parametrize("saved, sent", [
        ("false", True), ("0", "true"), ("", True), ("1801", 1800), ("0", 1800), ("abc", 1800), ("1", "yes-please"),
        ("True", "true-ish"), ("8640000", "8,640,001"), ("password", "client_credentials"),
    ])
    def test_rejected_values_still_fail(self, saved, sent):
        with pytest.raises(RecordError) as err:
            verify_saved({"sys_id": "1", "field": saved}, {"field": sent})
        assert "field is {0!r}, not the".format(saved) in str(err.value)

    def test_booleans_only_compared_as_booleans_when_sent_as_booleans(self):
        # "1" is not "yes" for a string column; only a bool or "true"/"false" is read as a boolean.
        with pytest.raises(RecordError):
            verify_saved({"sys_id": "1", "name": "1"}, {"name": "yes"})

    def test_may_differ_fields_become_notes_not_errors(self):
        def may_differ(field):
            return {"sys_scope": "ignored read-only column", "connection_url": "computed"}.get(field)
        notes = verify_saved({"sys_id": "c1", "sys_scope": "global", "connection_url": "https://h/p", "host": "h"},
                             {"sys_scope": "abc", "connection_url": "https://h:443/p", "host": "h"},
                             what="HTTP connection", service="ServiceNow", may_differ=may_differ)
        assert notes == [
            "ServiceNow saved connection_url of the HTTP connection c1{where} as 'https://h/p', not the "
            "'https://h:443/p' sent (computed)",
            "ServiceNow saved sys_scope of the HTTP connection c1{where} as 'global', not the 'abc' sent (ignored "
            "read-only column)"]
        assert verify_saved({"sys_id": "c1"}, {"sys_scope": "abc"}, service="ServiceNow", may_differ=may_differ) == [
            "ServiceNow did not save sys_scope (ignored read-only column)"]
        # A field may_differ does not name still fails, even next to accepted ones.
        with pytest.raises(RecordError) as err:
            verify_saved({"sys_id": "c1", "sys_scope": "global", "host": "x"}, {"sys_scope": "abc", "host": "h"},
                         may_differ=may_differ)
        assert "host is 'x', not the 'h' asked for" in str(err.value) and "sys_scope" not in str(err.value)

    def test_apply_plan_returns_the_notes_as_warnings(self):
        p = plan(None, {"name": "n", "sys_scope": "abc"})
        result = apply_plan(p, False, create=lambda payload: {"sys_id": "n1", "name": "n", "sys_scope": "global"},
                            may_differ=lambda field: "read-only" if field == "sys_scope" else None)
        assert result["warnings"] == ["The server saved sys_scope of the record n1 as 'global', not the 'abc' sent "
                                      "(read-only)"]
        located = apply_plan(p, False, create=lambda payload: {"sys_id": "n1", "name": "n", "sys_scope": "global"},
                             may_differ=lambda field: "read-only", where="sn.example.com")
        assert located["warnings"] == ["The server saved sys_scope of the record n1 on sn.example.com as 'global', not "
                                       "the 'abc' sent (read-only)"]
        assert "warnings" not in apply_plan(p, False, create=lambda payload: {"sys_id": "n1", "name": "n",
                                                                              "sys_scope": "abc"})


class TestResult:
    def test_masked(self):
        assert masked({"a": 1, "client_secret": "x", "password": ""}, ("client_secret", "password")) == \
            {"a": 1, "client_secret": SECRET_MASK, "password": ""}
        assert masked(None, SECRETS) is None

    def test_apply_create(self):
        p = plan(None, {"name": "n", "client_secret": SECRET}, secret_fields=SECRETS)
        sent = []

        def create(payload):
            sent.append(payload)
            return {"sys_id": "new", "name": "n", "client_secret": "cipher",
                    "oauth_entity": {"link": "l", "value": "e1"}}

        result = apply_plan(p, False, create=create, what="OAuth provider")
        assert sent == [{"name": "n", "client_secret": SECRET}]
        assert result == {"changed": True, "diff": p.diff,
                          "record": {"sys_id": "new", "name": "n", "client_secret": SECRET_MASK, "oauth_entity": "e1"}}

    def test_apply_check_mode_writes_nothing(self):
        p = plan(current_entity(), {"name": "Camunda OAuth", "active": False}, secret_fields=SECRETS)

        def boom(*args):
            raise AssertionError("no write in check mode")

        result = apply_plan(p, True, create=boom, update=boom, delete=boom, fields=["sys_id", "active", "client_secret"])
        assert result == {"changed": True, "diff": p.diff,
                          "record": {"sys_id": "e1", "active": False, "client_secret": SECRET_MASK}}
        assert predicted(p)["active"] is False

    def test_apply_update_verifies(self):
        p = plan(current_entity(), {"active": False})
        with pytest.raises(RecordError):
            apply_plan(p, False, update=lambda payload: {"sys_id": "e1", "active": "true"})

    def test_apply_delete_and_none(self):
        deleted = []
        p = plan(current_entity(), {"name": "Camunda OAuth"}, state="absent")
        assert apply_plan(p, False, delete=lambda: deleted.append(1)) == \
            {"changed": True, "diff": {"before": {"name": "Camunda OAuth"}, "after": {}}, "record": {}}
        assert deleted == [1]
        p = plan(current_entity(), {"name": "Camunda OAuth"}, secret_fields=SECRETS)
        result = apply_plan(p, False, fields=["sys_id", "name", "client_secret"])
        assert result == {"changed": False, "diff": p.diff,
                          "record": {"sys_id": "e1", "name": "Camunda OAuth", "client_secret": SECRET_MASK}}

    def test_module_result_absent(self):
        p = plan(None, {"name": "x"}, state="absent")
        assert module_result(p, None) == {"changed": False, "diff": {"before": {}, "after": {}}, "record": {}}


class TestCaseVariants:
    ROWS = [{"sys_id": "a1", "name": "camunda oauth"}, {"sys_id": "b2", "name": "Other"}]

    def test_ignored_unless_refused(self):
        assert find_exact(self.ROWS, {"name": "Camunda OAuth"}) is None

    def test_refused_with_a_sentence_naming_the_variant(self):
        with pytest.raises(RecordError) as err:
            find_exact(self.ROWS, {"name": "Camunda OAuth"}, "OAuth provider", refuse_case_variants=True)
        assert err.value.locate("sn.example.com").message == (
            "Found the OAuth provider name='camunda oauth' (a1) on sn.example.com, which differs from "
            "name='Camunda OAuth' only in letter case; the instance matches values case-insensitively, so it is "
            "neither adopted nor duplicated: rename or delete it, or use its exact name")
        assert err.value.facts == {"ids": ["a1"]}

    def test_an_exact_match_wins_over_variants(self):
        rows = self.ROWS + [{"sys_id": "c3", "name": "Camunda OAuth"}]
        assert find_exact(rows, {"name": "Camunda OAuth"}, refuse_case_variants=True)["sys_id"] == "c3"

    def test_no_variant_reads_as_absent(self):
        assert find_exact(self.ROWS, {"name": "Camunda"}, refuse_case_variants=True) is None
        assert find_exact([], {"name": "x"}, refuse_case_variants=True) is None


@pytest.mark.parametrize("instance,words", [
    (dict(host="h", username="cred.admin", password="p"), "user 'cred.admin'"),
    (dict(host="h", client_id="c1", client_secret="s"), "the OAuth client 'c1'"),
    (dict(host="h", username="u", api_key="k"), "the ServiceNow account"),
    (dict(host="h", access_token="t"), "the ServiceNow account"),
    (None, "the ServiceNow account"),
])
def test_account_names_who_may_lack_a_read_role(instance, words):
    assert account(instance) == words
