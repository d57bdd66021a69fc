# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_credential as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance, FakeModule

PROFILE_ID = "f" * 32
CRED_ID = "d" * 32


def instance(tables=None, **kwargs):
    """The shared fake instance; a created record gets sys_id 111...1."""
    return FakeInstance(tables, sys_id="1" * 32, **kwargs)


def params(**overrides):
    out = dict(instance=dict(host=HOST), name="Camunda Connection", oauth_entity_profile="Camunda OAuth default_profile",
               active=True, order=100, applies_to="all", state="present")
    out.update(overrides)
    return out


def profile_row(**overrides):
    row = dict(sys_id=PROFILE_ID, name="Camunda OAuth default_profile", oauth_entity="e" * 32)
    row.update(overrides)
    return row


def cred_row(**overrides):
    row = dict(sys_id=CRED_ID, name="Camunda Connection", oauth_entity_profile=PROFILE_ID, active="true", order="100",
               applies_to="all")
    row.update(overrides)
    return row


def in_place(**kwargs):
    return instance(dict(oauth_entity_profile=[profile_row()], oauth_2_0_credentials=[cred_row()]), **kwargs)


def test_argument_spec_defaults_are_the_documented_values():
    spec = mod.argument_spec()
    assert spec["name"]["default"] == "Camunda Connection"
    assert spec["oauth_entity_profile"]["default"] == "Camunda OAuth default_profile"
    assert (spec["order"]["default"], spec["applies_to"]["default"], spec["active"]["default"]) == (100, "all", True)
    assert "instance" in spec


def test_profile_request_by_name_or_sys_id():
    assert mod.profile_request("A^B")["query"] == "name=A^^B"
    assert mod.profile_request(PROFILE_ID)["query"] == "sys_id={0}^ORname={0}".format(PROFILE_ID)
    assert mod.profile_request(PROFILE_ID.upper())["query"] == "name=" + PROFILE_ID.upper()


def test_find_profile_prefers_the_sys_id_and_checks_the_name_exactly():
    named_like_id = profile_row(sys_id="2" * 32, name=PROFILE_ID)
    assert mod.find_profile([named_like_id, profile_row()], PROFILE_ID, HOST)["sys_id"] == PROFILE_ID
    assert mod.find_profile([named_like_id], PROFILE_ID, HOST)["sys_id"] == "2" * 32
    with pytest.raises(mod.CredentialError):
        mod.find_profile([profile_row(name="Camunda OAuth default_profile 2")], "Camunda OAuth default_profile", HOST)


def test_a_case_variant_profile_is_refused_not_adopted():
    with pytest.raises(records.RecordError) as err:
        mod.find_profile([profile_row(name="camunda oauth default_profile")], "Camunda OAuth default_profile", HOST)
    assert err.value.locate(HOST).message == (
        "Found the OAuth entity profile (oauth_entity_profile) name='camunda oauth default_profile' ({0}) on "
        "sn.example.test, which differs from name='Camunda OAuth default_profile' only in letter case; the instance "
        "matches values case-insensitively, so it is neither adopted nor duplicated: rename or delete it, or use its "
        "exact name".format(PROFILE_ID))


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_case_variant_credential_is_neither_adopted_nor_duplicated(state):
    fake = instance(dict(oauth_entity_profile=[profile_row()],
                         oauth_2_0_credentials=[cred_row(name="camunda connection")]), fold_case=True)
    ensure = mod.ensure_present if state == "present" else mod.ensure_absent
    with pytest.raises(records.RecordError) as err:
        ensure(fake, params(state=state), False, HOST)
    assert "name='camunda connection' ({0})".format(CRED_ID) in str(err.value)
    assert fake.writes() == []


def test_missing_profile_names_it_and_suggests_the_oauth_profile_module():
    with pytest.raises(mod.CredentialError) as err:
        mod.find_profile([], "Camunda OAuth default_profile", HOST, "user 'cred.admin'")
    assert str(err.value) == (
        "The OAuth entity profile 'Camunda OAuth default_profile' was not found on sn.example.test; create it "
        "first with camunda.servicenow.servicenow_oauth_profile (it creates '<name> default_profile'), check "
        "oauth_entity_profile, and check that user 'cred.admin' may read OAuth entity profiles (role oauth_admin "
        "or admin).")


def test_duplicate_profile_names_are_an_error_naming_both():
    with pytest.raises(records.RecordError) as err:
        mod.find_profile([profile_row(), profile_row(sys_id="2" * 32)], "Camunda OAuth default_profile", HOST)
    assert PROFILE_ID in str(err.value) and "2" * 32 in str(err.value)


def test_create():
    fake = instance(dict(oauth_entity_profile=[profile_row()]))
    result = mod.ensure_present(fake, params(), False, HOST)
    assert fake.calls[0] == ("BATCH", (("oauth_2_0_credentials", "name=Camunda Connection"),
                                       ("oauth_entity_profile", "name=Camunda OAuth default_profile")))
    assert fake.writes() == [("POST", "oauth_2_0_credentials", dict(
        name="Camunda Connection", oauth_entity_profile=PROFILE_ID, active=True, order=100, applies_to="all"))]
    assert result["changed"] is True
    assert result["record"] == dict(sys_id="1" * 32, name="Camunda Connection", oauth_entity_profile=PROFILE_ID,
                                    active="true", order="100", applies_to="all")
    assert result["profile"] == dict(sys_id=PROFILE_ID, name="Camunda OAuth default_profile")
    assert result["diff"]["before"] == {}


def test_nothing_to_do_is_one_batch_and_no_write_even_if_queries_are_ignored():
    fake = in_place(ignore_queries=True)
    fake.tables["oauth_2_0_credentials"].append(cred_row(sys_id="3" * 32, name="Other"))
    result = mod.ensure_present(fake, params(), False, HOST)
    assert len(fake.calls) == 1 and fake.writes() == []
    assert result["changed"] is False and result["record"]["sys_id"] == CRED_ID


def test_profile_by_sys_id():
    fake = in_place()
    result = mod.ensure_present(fake, params(oauth_entity_profile=PROFILE_ID), False, HOST)
    assert result["changed"] is False and result["profile"]["name"] == "Camunda OAuth default_profile"


def test_drift_patches_exactly_the_drifted_fields():
    fake = in_place()
    fake.tables["oauth_2_0_credentials"][0].update(order="200", oauth_entity_profile="9" * 32)
    result = mod.ensure_present(fake, params(), False, HOST)
    assert fake.writes() == [("PATCH", "oauth_2_0_credentials", CRED_ID, dict(order=100, oauth_entity_profile=PROFILE_ID))]
    assert result["diff"]["before"]["order"] == "200"
    assert result["diff"]["after"]["order"] == "100"


def test_check_mode_writes_nothing():
    fake = instance(dict(oauth_entity_profile=[profile_row()]))
    result = mod.ensure_present(fake, params(), True, HOST)
    assert fake.writes() == [] and result["changed"] is True
    assert result["record"]["sys_id"] is None and result["record"]["oauth_entity_profile"] == PROFILE_ID


def test_missing_profile_fails_before_any_write():
    fake = instance()
    with pytest.raises(mod.CredentialError):
        mod.ensure_present(fake, params(), False, HOST)
    assert fake.writes() == []


def test_duplicate_credentials_are_an_error():
    fake = in_place()
    fake.tables["oauth_2_0_credentials"].append(cred_row(sys_id="3" * 32))
    with pytest.raises(records.RecordError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert str(err.value) == (
        "Found 2 OAuth 2.0 credential (oauth_2_0_credentials) records matching name='Camunda Connection' (sys_id: {0}, {1}); "
        "a natural key must identify one record, so remove or rename the duplicates, or identify the record by its id".format(
            CRED_ID, "3" * 32))
    assert fake.writes() == []


def test_a_business_rule_changing_a_value_is_reported():
    fake = instance(dict(oauth_entity_profile=[profile_row()]), rewrite=dict(applies_to="specific"))
    with pytest.raises(records.RecordError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert "applies_to is 'specific', not the 'all' asked for" in str(err.value)


def test_absent_deletes_with_one_read_and_twice_is_a_no_op():
    fake = in_place()
    result = mod.ensure_absent(fake, params(state="absent"), False, HOST)
    assert fake.calls == [("GET", "oauth_2_0_credentials", "name=Camunda Connection"),
                          ("DELETE", "oauth_2_0_credentials", CRED_ID)]
    assert result["changed"] is True and result["record"] == {}
    assert result["diff"]["before"]["order"] == "100" and result["diff"]["after"] == {}
    result = mod.ensure_absent(fake, params(state="absent"), False, HOST)
    assert result["changed"] is False and len(fake.calls) == 3


def test_absent_in_check_mode_writes_nothing():
    fake = in_place()
    result = mod.ensure_absent(fake, params(state="absent"), True, HOST)
    assert result["changed"] is True and fake.writes() == []


def test_the_post_carries_a_lookup_that_finds_the_credential_again():
    fake = instance(dict(oauth_entity_profile=[profile_row()]))
    mod.ensure_present(fake, params(), False, HOST)
    (lookup,) = fake.lookups
    assert lookup()["sys_id"] == "1" * 32
    fake.tables["oauth_2_0_credentials"] = []
    assert lookup() is None


def test_run_dispatches_on_state_and_names_the_instance_host_in_messages():
    fake = instance()
    with pytest.raises(mod.CredentialError) as err:
        mod.run(FakeModule(params()), fake)
    assert "not found on sn.example.test;" in str(err.value)
    result = mod.run(FakeModule(params(state="absent"), check_mode=True), fake)
    assert result["changed"] is False and result["record"] == {}
