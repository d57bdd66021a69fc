# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_oauth_profile as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance, FakeModule

SECRET = "s3cr3t-Value-42"
SCRIPT_ID = "a" * 32
ENTITY_ID = "e" * 32
PROFILE_ID = "f" * 32


def default_profile_rule(grant=None):
    """The instance's rule: a new third-party provider gets ``<name> default_profile`` (servicenow-api.md §2.2)."""
    def on_create(fake, table, row):
        if table == "oauth_entity":
            fake.tables.setdefault("oauth_entity_profile", []).append(dict(
                sys_id="{0:x}".format(fake.counter + 100).rjust(32, "0"), name=row["name"] + " default_profile",
                oauth_entity=row["sys_id"], default="true", grant_type=grant or row["default_grant_type"]))
    return on_create


def instance(tables=None, auto_profile=True, auto_grant=None, **kwargs):
    """The shared fake instance, with the default-profile rule unless ``auto_profile`` is false."""
    return FakeInstance(tables, on_create=default_profile_rule(auto_grant) if auto_profile else None, **kwargs)


def params(**overrides):
    out = dict(
        instance=dict(host=HOST), name="Camunda OAuth", client_id="my-client", client_secret=SECRET,
        update_secret="on_create", oauth_api_script="OAuthCamundaUtil", scope="x_camun_camunda",
        default_grant_type="client_credentials", token_url="https://login.cloud.camunda.io/oauth/token",
        refresh_token_lifespan=8640000, access_token_lifespan=1800, active=True, state="present",
    )
    out.update(overrides)
    return out


def script_row(**overrides):
    row = dict(sys_id=SCRIPT_ID, name="OAuthCamundaUtil", api_name="x_camun_camunda.OAuthCamundaUtil", sys_scope="c" * 32)
    row.update(overrides)
    return row


def entity_row(**overrides):
    row = dict(sys_id=ENTITY_ID, name="Camunda OAuth", type="oauth_provider", client_id="my-client",
               client_secret="ENCRYPTED-blob", oauth_api_script=SCRIPT_ID, default_grant_type="client_credentials",
               token_url="https://login.cloud.camunda.io/oauth/token", refresh_token_lifespan="8640000",
               access_token_lifespan="1800", active="true")
    row.update(overrides)
    return row


def profile_row(**overrides):
    row = dict(sys_id=PROFILE_ID, name="Camunda OAuth default_profile", oauth_entity=ENTITY_ID,
               grant_type="client_credentials", default="true")
    row.update(overrides)
    return row


def in_place(**kwargs):
    return instance(dict(sys_script_include=[script_row()], oauth_entity=[entity_row()],
                         oauth_entity_profile=[profile_row()]), **kwargs)


def assert_no_secret(result):
    assert SECRET not in json.dumps(result)
    assert "ENCRYPTED-blob" not in json.dumps(result)


# -- argument spec ----------------------------------------------------------------------------------------------

def test_argument_spec_defaults_are_the_documented_values():
    spec = mod.argument_spec()
    assert spec["name"]["default"] == "Camunda OAuth"
    assert spec["oauth_api_script"]["default"] == "OAuthCamundaUtil"
    assert spec["scope"]["default"] == "x_camun_camunda" and spec["scope"]["aliases"] == ["spoke_scope"]
    assert spec["default_grant_type"]["default"] == "client_credentials"
    assert spec["token_url"]["default"] == "https://login.cloud.camunda.io/oauth/token"
    assert spec["refresh_token_lifespan"]["default"] == 8640000
    assert spec["access_token_lifespan"]["default"] == 1800
    assert spec["client_secret"]["no_log"] is True
    assert spec["update_secret"]["choices"] == ["on_create", "always"]
    assert spec["update_secret"]["default"] == "on_create"
    assert "instance" in spec


# -- reads -----------------------------------------------------------------------------------------------------

def test_read_requests_are_one_batch_of_three_with_a_dot_walked_profile_query():
    reqs = mod.read_requests(params(name="A^B"))
    assert [(r["table"], r["query"]) for r in reqs] == [
        ("oauth_entity", "name=A^^B"),
        ("oauth_entity_profile", "oauth_entity.name=A^^B"),
        ("sys_script_include", "api_name=x_camun_camunda.OAuthCamundaUtil"),
    ]
    assert "sys_id" in reqs[0]["fields"] and "client_secret" not in reqs[0]["fields"]


def test_find_entity_rejects_a_record_of_another_type():
    with pytest.raises(mod.ProfileError) as err:
        mod.find_entity([entity_row(type="client")], "Camunda OAuth", HOST)
    assert str(err.value) == (
        "The Application Registry record 'Camunda OAuth' ({0}) on sn.example.test has type 'client', not "
        "'oauth_provider' (a third-party OAuth provider); rename or delete it, or choose another name.".format(ENTITY_ID))


def test_find_entity_matches_the_name_exactly_and_reports_duplicates():
    assert mod.find_entity([entity_row(name="Camunda OAuth 2")], "Camunda OAuth", HOST) is None
    with pytest.raises(records.RecordError) as err:
        mod.find_entity([entity_row(), entity_row(sys_id="1" * 32)], "Camunda OAuth", HOST)
    assert ENTITY_ID in str(err.value) and "1" * 32 in str(err.value)


def test_find_script_missing_names_the_script_the_scope_and_the_spoke():
    with pytest.raises(mod.ProfileError) as err:
        mod.find_script([], params(), HOST)
    assert str(err.value) == (
        "The OAuth API script include 'OAuthCamundaUtil' was not found in application scope 'x_camun_camunda' on "
        "sn.example.test; check that the ServiceNow account may read script includes (role oauth_admin or admin), "
        "that the Camunda Spoke is installed and active (camunda.servicenow.servicenow_spoke), or set "
        "oauth_api_script and scope.")


def test_find_script_ignores_rows_of_another_scope_or_name():
    rows = [script_row(api_name="global.OAuthCamundaUtil"), script_row(name="OAuthCamundaUtilOld")]
    with pytest.raises(mod.ProfileError):
        mod.find_script(rows, params(), HOST)
    assert mod.find_script([rows[0], script_row()], params(), HOST)["sys_id"] == SCRIPT_ID


def test_entity_profiles_keeps_only_the_entitys_profiles():
    fake = instance()
    rows = [profile_row(), profile_row(sys_id="2" * 32, oauth_entity="9" * 32)]
    assert [r["sys_id"] for r in mod.entity_profiles(fake, rows, ENTITY_ID)] == [PROFILE_ID]
    assert fake.calls == []


def test_entity_profiles_asks_again_by_sys_id_when_the_dot_walk_was_ignored_and_a_page_is_full():
    others = [profile_row(sys_id="{0:032x}".format(i), oauth_entity="9" * 32) for i in range(mod.PROFILE_LIMIT)]
    fake = instance(dict(oauth_entity_profile=others + [profile_row()]))
    found = mod.entity_profiles(fake, others, ENTITY_ID)
    assert [r["sys_id"] for r in found] == [PROFILE_ID]
    assert fake.calls == [("GET", "oauth_entity_profile", "oauth_entity=" + ENTITY_ID)]


def test_choose_profile_prefers_the_name_then_the_default():
    named = profile_row(default="false")
    other_default = profile_row(sys_id="2" * 32, name="Template profile")
    assert mod.choose_profile([other_default, named], "Camunda OAuth default_profile") is named
    assert mod.choose_profile([other_default], "Camunda OAuth default_profile") is other_default
    assert mod.choose_profile([profile_row(name="x", default="false")], "Camunda OAuth default_profile") is None


def test_choose_profile_refuses_ambiguity():
    # The shared duplicate sentence (records.find_exact); run_module(where=<host>) names the instance in it.
    with pytest.raises(records.RecordError) as err:
        mod.choose_profile([profile_row(), profile_row(sys_id="2" * 32)], "Camunda OAuth default_profile")
    assert str(err.value.locate(HOST)) == (
        "Found 2 OAuth entity profile (oauth_entity_profile) records matching name='Camunda OAuth default_profile' on "
        "sn.example.test (sys_id: {0}, {1}); a natural key must identify one record, so remove or rename the duplicates, "
        "or identify the record by its id".format(PROFILE_ID, "2" * 32))
    with pytest.raises(records.RecordError) as err:
        mod.choose_profile([profile_row(name="a"), profile_row(sys_id="2" * 32, name="b")], "Camunda OAuth default_profile")
    assert str(err.value.locate(HOST)).startswith(
        "Found 2 OAuth entity profile (oauth_entity_profile) records matching default='true' on sn.example.test "
        "(sys_id: {0}, {1}); ".format(PROFILE_ID, "2" * 32))
    assert mod.choose_profile([profile_row(name="a", default="false")], "Camunda OAuth default_profile") is None


# -- ensure_present --------------------------------------------------------------------------------------------

def test_nothing_to_do_is_one_batch_and_no_write():
    fake = in_place()
    result = mod.ensure_present(fake, params(), False, HOST)
    assert fake.calls == [("BATCH", (
        ("oauth_entity", "name=Camunda OAuth"),
        ("oauth_entity_profile", "oauth_entity.name=Camunda OAuth"),
        ("sys_script_include", "api_name=x_camun_camunda.OAuthCamundaUtil")))]
    assert result["changed"] is False
    assert result["profile"] == dict(sys_id=PROFILE_ID, name="Camunda OAuth default_profile")
    assert result["record"]["sys_id"] == ENTITY_ID
    assert result["record"]["oauth_api_script"] == SCRIPT_ID
    assert "client_secret" not in result["record"]
    assert result["diff"]["before"] == result["diff"]["after"]
    assert_no_secret(result)


def test_nothing_to_do_even_when_the_instance_ignores_the_queries():
    fake = in_place(ignore_queries=True)
    fake.tables["oauth_entity"].append(entity_row(sys_id="3" * 32, name="Other", type="client"))
    fake.tables["sys_script_include"].insert(0, script_row(sys_id="4" * 32, name="Other", api_name="global.Other"))
    result = mod.ensure_present(fake, params(), False, HOST)
    assert result["changed"] is False and len(fake.calls) == 1
    assert result["record"]["sys_id"] == ENTITY_ID


@pytest.mark.parametrize("auto_profile", [True, False])
def test_create_with_and_without_an_auto_created_profile(auto_profile):
    fake = instance(dict(sys_script_include=[script_row()]), auto_profile=auto_profile)
    result = mod.ensure_present(fake, params(), False, HOST)
    post = fake.writes()[0]
    assert post[:2] == ("POST", "oauth_entity")
    assert post[2] == dict(name="Camunda OAuth", type="oauth_provider", client_id="my-client", client_secret=SECRET,
                           oauth_api_script=SCRIPT_ID, default_grant_type="client_credentials",
                           token_url="https://login.cloud.camunda.io/oauth/token", refresh_token_lifespan=8640000,
                           access_token_lifespan=1800, active=True)
    entity_id = fake.tables["oauth_entity"][0]["sys_id"]
    assert ("GET", "oauth_entity_profile", "oauth_entity=" + entity_id) in fake.calls
    if auto_profile:
        assert len(fake.writes()) == 1
    else:
        assert fake.writes()[1] == ("POST", "oauth_entity_profile", dict(
            name="Camunda OAuth default_profile", default=True, grant_type="client_credentials", oauth_entity=entity_id))
    profiles = fake.tables["oauth_entity_profile"]
    assert len(profiles) == 1
    assert result["changed"] is True
    assert result["profile"] == dict(sys_id=profiles[0]["sys_id"], name="Camunda OAuth default_profile")
    assert result["record"]["sys_id"] == entity_id
    assert result["diff"]["before"] == {"profile": {}}
    assert result["diff"]["after"]["client_secret"] == "********"
    assert result["diff"]["after"]["token_url"] == "https://login.cloud.camunda.io/oauth/token"
    assert_no_secret(result)


def test_auto_created_profile_with_another_grant_type_is_patched():
    fake = instance(dict(sys_script_include=[script_row()]), auto_grant="password")
    result = mod.ensure_present(fake, params(), False, HOST)
    patch = fake.writes()[1]
    assert patch[0] == "PATCH" and patch[1] == "oauth_entity_profile"
    assert patch[3] == dict(grant_type="client_credentials")
    assert result["diff"]["before"]["profile"] == {}
    assert result["diff"]["after"]["profile"]["grant_type"] == "client_credentials"


def test_missing_default_profile_of_an_existing_entity_is_created():
    fake = in_place()
    fake.tables["oauth_entity_profile"] = []
    result = mod.ensure_present(fake, params(), False, HOST)
    assert fake.writes() == [("POST", "oauth_entity_profile", dict(
        name="Camunda OAuth default_profile", default=True, grant_type="client_credentials", oauth_entity=ENTITY_ID))]
    assert result["changed"] is True and result["profile"]["sys_id"]


def test_drift_patches_exactly_the_drifted_field_and_the_profile_follows_the_grant_type():
    fake = in_place()
    fake.tables["oauth_entity"][0]["token_url"] = "https://old.example/oauth/token"
    fake.tables["oauth_entity_profile"][0]["grant_type"] = "password"
    result = mod.ensure_present(fake, params(), False, HOST)
    assert fake.writes() == [
        ("PATCH", "oauth_entity", ENTITY_ID, dict(token_url="https://login.cloud.camunda.io/oauth/token")),
        ("PATCH", "oauth_entity_profile", PROFILE_ID, dict(grant_type="client_credentials")),
    ]
    assert result["diff"]["before"]["token_url"] == "https://old.example/oauth/token"
    assert result["diff"]["after"]["token_url"] == "https://login.cloud.camunda.io/oauth/token"
    assert "client_secret" not in result["diff"]["after"]


def test_update_secret_always_writes_the_secret_and_masks_it():
    fake = in_place()
    result = mod.ensure_present(fake, params(update_secret="always"), False, HOST)
    assert fake.writes() == [("PATCH", "oauth_entity", ENTITY_ID, dict(client_secret=SECRET))]
    assert result["changed"] is True
    assert result["diff"]["after"]["client_secret"] == "********"
    assert_no_secret(result)


def test_without_a_secret_an_existing_record_is_left_alone_but_a_new_one_cannot_be_created():
    fake = in_place()
    assert mod.ensure_present(fake, params(client_secret=None), False, HOST)["changed"] is False
    fake = instance(dict(sys_script_include=[script_row()]))
    with pytest.raises(mod.ProfileError) as err:
        mod.ensure_present(fake, params(client_secret=None), False, HOST)
    assert str(err.value) == "client_secret is required to create the Application Registry record 'Camunda OAuth' on sn.example.test."
    assert fake.writes() == []


def test_check_mode_create_writes_nothing():
    fake = instance(dict(sys_script_include=[script_row()]))
    result = mod.ensure_present(fake, params(), True, HOST)
    assert len(fake.calls) == 1 and fake.writes() == []
    assert result["changed"] is True
    assert result["record"]["sys_id"] is None
    assert result["record"]["token_url"] == "https://login.cloud.camunda.io/oauth/token"
    assert result["profile"] == dict(sys_id=None, name="Camunda OAuth default_profile")
    assert_no_secret(result)


def test_check_mode_drift_writes_nothing_but_reports_it():
    fake = in_place()
    fake.tables["oauth_entity"][0]["active"] = "false"
    result = mod.ensure_present(fake, params(), True, HOST)
    assert fake.writes() == [] and result["changed"] is True
    assert (result["diff"]["before"]["active"], result["diff"]["after"]["active"]) == ("false", "true")


def test_missing_script_fails_before_any_write():
    fake = instance()
    with pytest.raises(mod.ProfileError):
        mod.ensure_present(fake, params(), False, HOST)
    assert fake.writes() == []


def test_a_business_rule_changing_a_value_is_reported():
    fake = instance(dict(sys_script_include=[script_row()]), rewrite=dict(access_token_lifespan="3600"))
    with pytest.raises(records.RecordError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert "access_token_lifespan is '3600', not the '1800' asked for" in str(err.value)
    assert SECRET not in str(err.value)


# -- ensure_absent ---------------------------------------------------------------------------------------------

def test_absent_deletes_the_profile_then_the_entity():
    fake = in_place()
    result = mod.ensure_absent(fake, params(state="absent"), False, HOST)
    assert fake.calls[0] == ("BATCH", (("oauth_entity", "name=Camunda OAuth"),
                                       ("oauth_entity_profile", "oauth_entity.name=Camunda OAuth")))
    assert fake.writes() == [("DELETE", "oauth_entity_profile", PROFILE_ID), ("DELETE", "oauth_entity", ENTITY_ID)]
    assert result["changed"] is True and result["record"] == {}
    assert result["diff"]["before"]["profiles"] == ["Camunda OAuth default_profile"]
    assert result["diff"]["after"] == {"profiles": []}
    assert_no_secret(result)


def test_absent_twice_and_in_check_mode_writes_nothing():
    fake = instance()
    result = mod.ensure_absent(fake, params(state="absent"), False, HOST)
    assert result["changed"] is False and len(fake.calls) == 1 and fake.writes() == []
    fake = in_place()
    result = mod.ensure_absent(fake, params(state="absent"), True, HOST)
    assert result["changed"] is True and fake.writes() == []


def test_posts_carry_a_lookup_that_finds_the_record_again():
    fake = instance(dict(sys_script_include=[script_row()]), auto_profile=False)
    mod.ensure_present(fake, params(), False, HOST)
    entity_lookup, profile_lookup = fake.lookups
    entity = fake.tables["oauth_entity"][0]
    assert entity_lookup()["sys_id"] == entity["sys_id"]
    assert profile_lookup()["sys_id"] == fake.tables["oauth_entity_profile"][0]["sys_id"]
    fake.tables["oauth_entity"] = []
    fake.tables["oauth_entity_profile"] = []
    assert entity_lookup() is None and profile_lookup() is None
    assert ("GET", "oauth_entity", "name=Camunda OAuth") in fake.calls


def test_absent_refuses_to_delete_a_record_of_another_type():
    fake = in_place()
    fake.tables["oauth_entity"][0]["type"] = "client"
    with pytest.raises(mod.ProfileError):
        mod.ensure_absent(fake, params(state="absent"), False, HOST)
    assert fake.writes() == []


def test_run_dispatches_on_state_and_names_the_instance_host_in_messages():
    fake = instance()
    with pytest.raises(mod.ProfileError) as err:
        mod.run(FakeModule(params()), fake)
    assert "on sn.example.test;" in str(err.value)
    assert mod.run(FakeModule(params(state="absent")), fake) == dict(changed=False, record={}, diff=dict(before={}, after={}))


# -- issue 10: a case-insensitive instance, another default profile, a new client_id ------------------------------

def test_a_case_variant_entity_is_neither_adopted_nor_duplicated():
    fake = instance(dict(sys_script_include=[script_row()], oauth_entity=[entity_row(name="camunda oauth")],
                         oauth_entity_profile=[profile_row(name="camunda oauth default_profile")]), fold_case=True)
    with pytest.raises(records.RecordError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert err.value.locate(HOST).message == (
        "Found the Application Registry (oauth_entity) name='camunda oauth' ({0}) on sn.example.test, which differs "
        "from name='Camunda OAuth' only in letter case; the instance matches values case-insensitively, so it is "
        "neither adopted nor duplicated: rename or delete it, or use its exact name".format(ENTITY_ID))
    assert fake.writes() == []
    # The exact name works on the same instance.
    assert mod.ensure_present(fake, params(name="camunda oauth"), False, HOST)["changed"] is False


def test_a_case_variant_profile_of_the_entity_is_refused_too():
    fake = instance(dict(sys_script_include=[script_row()], oauth_entity=[entity_row()],
                         oauth_entity_profile=[profile_row(name="CAMUNDA OAUTH DEFAULT_PROFILE")]), fold_case=True)
    with pytest.raises(records.RecordError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert "name='CAMUNDA OAUTH DEFAULT_PROFILE' ({0})".format(PROFILE_ID) in str(err.value)
    assert fake.writes() == []


def test_on_a_case_sensitive_instance_a_variant_is_not_seen_and_the_record_is_created():
    fake = instance(dict(sys_script_include=[script_row()], oauth_entity=[entity_row(name="camunda oauth")]))
    result = mod.ensure_present(fake, params(), False, HOST)
    assert result["changed"] is True and fake.writes()[0][:2] == ("POST", "oauth_entity")


OTHER_ID = "0" * 31 + "9"


def with_other_default(our_default="false", **kwargs):
    fake = in_place(**kwargs)
    fake.tables["oauth_entity_profile"][0]["default"] = our_default
    fake.tables["oauth_entity_profile"].append(profile_row(sys_id=OTHER_ID, name="Template profile", default="true"))
    return fake


@pytest.mark.parametrize("our_default", ["false", "true"])
def test_another_default_profile_is_made_non_default_first_and_shown_in_the_diff(our_default):
    fake = with_other_default(our_default)
    result = mod.ensure_present(fake, params(), False, HOST)
    expected = [("PATCH", "oauth_entity_profile", OTHER_ID, dict(default=False))]
    if our_default == "false":
        expected.append(("PATCH", "oauth_entity_profile", PROFILE_ID, dict(default=True)))
    assert fake.writes() == expected
    assert result["changed"] is True
    assert result["diff"]["before"]["other_default_profiles"] == ["Template profile"]
    assert result["diff"]["after"]["other_default_profiles"] == []
    assert result["profile"] == dict(sys_id=PROFILE_ID, name="Camunda OAuth default_profile")
    # Second run: nothing left to change, and no other default profile to report.
    again = mod.ensure_present(fake, params(), False, HOST)
    assert again["changed"] is False and "other_default_profiles" not in again["diff"]["before"]


def test_another_default_profile_in_check_mode_is_reported_and_left_alone():
    fake = with_other_default()
    result = mod.ensure_present(fake, params(), True, HOST)
    assert fake.writes() == []
    assert result["changed"] is True
    assert result["diff"]["before"]["other_default_profiles"] == ["Template profile"]


def one_default_rule(fake, table, sys_id, payload):
    """Refuses (403, as a business-rule abort) to make a profile the default while another one is."""
    if table == "oauth_entity_profile" and payload.get("default") is True:
        if any(r["default"] == "true" and r["sys_id"] != sys_id for r in fake.tables[table]):
            raise TransportError(
                "ServiceNow PATCH /api/now/table/oauth_entity_profile/x on sn.example.test failed with HTTP 403: "
                "\"Operation Failed\"; check that the user has the roles for this table.", status=403,
                method="PATCH", service_message="Operation Failed",
                service_detail="There can be only one default profile for this OAuth provider")


def sticky_default_rule(sticky):
    """A rule that makes ``sticky`` the default again right after it was cleared (so clearing it does not help)."""
    def after_update(fake, table, row):
        for other in fake.tables[table]:
            if other["sys_id"] == sticky:
                other["default"] = "true"
    return after_update


def refusing(tables, sticky=None):
    return instance(tables, before_update=one_default_rule, after_update=sticky_default_rule(sticky) if sticky else None)


def test_a_refusal_caused_by_another_default_names_it_instead_of_the_roles():
    fake = refusing(dict(sys_script_include=[script_row()], oauth_entity=[entity_row()],
                         oauth_entity_profile=[profile_row(default="false"),
                                               profile_row(sys_id=OTHER_ID, name="Template profile")]), sticky=OTHER_ID)
    with pytest.raises(mod.ProfileError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert str(err.value) == (
        "ServiceNow on sn.example.test refused to make 'Camunda OAuth default_profile' the default profile of "
        "'Camunda OAuth' because 'Template profile' is already its default profile and an OAuth entity can have only "
        "one; make 'Template profile' non-default or delete it, then run again (ServiceNow said: There can be only one "
        "default profile for this OAuth provider).")
    assert "roles" not in str(err.value)


def test_a_refusal_without_another_default_keeps_the_transport_sentence():
    fake = refusing(dict(sys_script_include=[script_row()], oauth_entity=[entity_row()],
                         oauth_entity_profile=[profile_row(default="false")]))

    def refuse(table, sys_id, payload, fields=None):
        raise TransportError("ServiceNow PATCH ... failed with HTTP 403: \"Operation Failed\"; check the roles.",
                             status=403, method="PATCH", service_message="Operation Failed")
    fake.update = refuse
    with pytest.raises(TransportError) as err:
        mod.ensure_present(fake, params(), False, HOST)
    assert "check the roles" in str(err.value)


def test_a_new_client_id_with_on_create_writes_its_secret():
    fake = in_place()
    result = mod.ensure_present(fake, params(client_id="new-client"), False, HOST)
    assert fake.writes() == [("PATCH", "oauth_entity", ENTITY_ID, dict(client_id="new-client", client_secret=SECRET))]
    assert result["diff"]["after"]["client_secret"] == "********"
    assert result["diff"]["after"]["client_id"] == "new-client"
    assert_no_secret(result)


def test_a_new_client_id_without_a_secret_fails_before_writing_and_names_the_option():
    fake = in_place()
    with pytest.raises(mod.ProfileError) as err:
        mod.ensure_present(fake, params(client_id="new-client", client_secret=None), False, HOST)
    assert str(err.value) == (
        "The client_id of the Application Registry record 'Camunda OAuth' on sn.example.test would change from "
        "'my-client' to 'new-client' without its secret; set client_secret to the new client's secret (a changed "
        "client_id is always written together with client_secret), nothing was written.")
    assert fake.writes() == []


def test_the_same_client_id_with_on_create_leaves_the_secret_alone():
    fake = in_place()
    assert mod.ensure_present(fake, params(), False, HOST)["changed"] is False
    assert fake.writes() == []


def test_accepted_differences_come_back_as_warnings():
    fake = in_place(rewrite={"sys_scope": "global"})
    fake.tables["oauth_entity"][0]["token_url"] = "https://old.example/oauth/token"
    original = mod.desired_entity

    def with_scope(params_, script_sys_id):
        out = original(params_, script_sys_id)
        out["sys_scope"] = "c" * 32
        return out
    mod.desired_entity = with_scope
    try:
        result = mod.ensure_present(fake, params(), False, HOST)
    finally:
        mod.desired_entity = original
    assert result["warnings"] == [
        "ServiceNow saved sys_scope of the Application Registry (oauth_entity) {0} on sn.example.test as 'global', not "
        "the '{1}' sent (the instance ignores this read-only system column)".format(ENTITY_ID, "c" * 32)]
