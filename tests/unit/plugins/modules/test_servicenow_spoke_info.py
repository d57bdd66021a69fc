# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_spoke_info as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance, FakeModule

SCOPE_ID = "a" * 32

ALL_PLUGINS = [
    dict(id="com.glide.hub.integrations", name="IntegrationHub Starter Pack Installer", active="active", version="5.0"),
    dict(id="com.glide.hub.action_step.rest", name="IntegrationHub Action Step - REST", active="active", version="5.0"),
    dict(id="com.glide.hub.integrations.enterprise", name="Enterprise Pack Installer", active="active", version="5.0"),
    dict(id="com.glide.hub.flow_trigger.rest", name="ServiceNow IntegrationHub Flow Trigger - REST", active="active"),
]


def instance(tables, refuse=(), **kwargs):
    """The shared fake; every read returns every row of its table (the module's own matching is what is tested)."""
    return FakeInstance(tables, ignore_queries=True, refuse=refuse, **kwargs)


def params(**overrides):
    out = dict(instance=dict(host="https://" + HOST), scope="x_camun_camunda", alias="x_camun_camunda.Camunda",
               script_include="OAuthCamundaUtil", minimum_release="Yokohama", check_optional=True, oauth_profile=None,
               spoke_install=False, spoke_version=None, fail_when_not_ready=False, vocabulary={})
    out.update(overrides)
    return out


def ready_tables(**overrides):
    tables = {
        "sys_properties": [dict(name="glide.buildname", value="Yokohama"),
                           dict(name="glide.war", value="glide-yokohama-12-18-2024__patch3.zip")],
        "sys_scope": [dict(sys_id=SCOPE_ID, scope="x_camun_camunda", name="Camunda Spoke", version="1.2.0", active="true")],
        "sys_alias": [dict(sys_id="b" * 32, id="x_camun_camunda.Camunda", type="connection",
                           connection_type="http_connection", multiple_connections="false", sys_scope=SCOPE_ID)],
        "sys_script_include": [dict(sys_id="c" * 32, name="OAuthCamundaUtil", api_name="x_camun_camunda.OAuthCamundaUtil",
                                    sys_scope=SCOPE_ID)],
        "v_plugin": [dict(p) for p in ALL_PLUGINS],
        "sys_plugins": [],
    }
    tables.update(overrides)
    return tables


def run(client, **overrides):
    return mod.run(FakeModule(params(**overrides)), client)


@pytest.mark.parametrize("buildname,war,family", [
    ("Yokohama", "", "yokohama"),
    ("Washington DC", "", "washingtondc"),
    ("San Diego", "", "sandiego"),
    ("", "glide-zurich-07-01-2025__patch1.zip", "zurich"),
    ("Australia", "", "australia"),
    ("Zeppelin", "", ""),
])
def test_parse_release_family(buildname, war, family):
    assert mod.parse_release_family(buildname, war) == family


@pytest.mark.parametrize("family,expected", [
    ("yokohama", True), ("zurich", True), ("australia", True), ("xanadu", False), ("washingtondc", False), ("", None),
])
def test_release_supported(family, expected):
    assert mod.release_supported(family, "Yokohama") is expected


def test_everything_ready_in_one_round_trip():
    client = instance(ready_tables())
    result = run(client)
    assert client.batch_tables() == [("sys_properties", "sys_scope", "sys_alias", "sys_script_include", "v_plugin", "sys_plugins")]
    assert result["ready"] is True and result["changed"] is False
    assert result["missing"] == [] and result["missing_optional"] == [] and result["unknown"] == []
    assert result["release"] == dict(buildname="Yokohama", war="glide-yokohama-12-18-2024__patch3.zip",
                                     family="yokohama", minimum="yokohama", supported=True)
    assert result["spoke"] == dict(installed=True, active=True, version="1.2.0", scope="x_camun_camunda",
                                   sys_id=SCOPE_ID, name="Camunda Spoke")
    assert result["alias"]["present"] is True and result["alias"]["in_scope"] is True
    assert result["script_include"]["in_scope"] is True
    assert result["plugins"]["source"] == "v_plugin"
    assert [p["active"] for p in result["plugins"]["required"] + result["plugins"]["optional"]] == [True] * 4


def test_fresh_instance_names_each_missing_prerequisite():
    tables = ready_tables(sys_scope=[], sys_alias=[], sys_script_include=[],
                          v_plugin=[dict(ALL_PLUGINS[0]), dict(ALL_PLUGINS[1], active="inactive")])
    result = run(instance(tables))
    assert result["ready"] is False
    assert result["missing"] == [
        "The Camunda Spoke (scope x_camun_camunda) is not installed on sn.example.test: install it from All > "
        "Application Manager, or set spoke_install: true and spoke_version to install it through the CI/CD API.",
        "The connection alias x_camun_camunda.Camunda does not exist on sn.example.test: it comes with the Camunda "
        "Spoke, so install or repair the spoke.",
        "The script include OAuthCamundaUtil does not exist on sn.example.test: it comes with the Camunda Spoke, so "
        "install or repair the spoke.",
        "The required plugin Integration Hub Action Step - REST (com.glide.hub.action_step.rest) is inactive on "
        "sn.example.test, and ServiceNow activates Integration Hub plugins only on request: as admin open All > "
        "System Applications > All Available Applications, find Integration Hub Action Step - REST and choose Request "
        "plugin (Now Support schedules it; a Personal Developer Instance can preview Integration Hub), then run the "
        "setup again.",
    ]
    assert len(result["missing_optional"]) == 2
    assert result["missing_optional"][0].startswith("The optional plugin Integration Hub Enterprise Pack "
                                                    "(com.glide.hub.integrations.enterprise) is not installed")


def test_old_release_is_missing():
    tables = ready_tables(sys_properties=[dict(name="glide.buildname", value="Xanadu")])
    result = run(instance(tables))
    assert result["release"]["supported"] is False
    assert result["missing"] == ["sn.example.test runs ServiceNow Xanadu, older than Yokohama, the oldest release the "
                                 "Camunda Spoke supports: upgrade the instance."]


def test_unknown_release_is_not_ready_but_not_missing():
    result = run(instance(ready_tables(sys_properties=[])))
    assert result["missing"] == [] and result["ready"] is False
    assert result["unknown"][0].startswith("The release of sn.example.test could not be told")


def test_starter_pack_accepted_under_its_other_id():
    plugins = [dict(ALL_PLUGINS[0], id="com.glide.hub.integrations.starter")] + [dict(p) for p in ALL_PLUGINS[1:]]
    result = run(instance(ready_tables(v_plugin=plugins)))
    assert result["plugins"]["required"][0]["id"] == "com.glide.hub.integrations.starter"
    assert result["missing"] == []


def test_enterprise_pack_is_not_taken_for_the_starter_pack():
    plugins = [dict(ALL_PLUGINS[2]), dict(ALL_PLUGINS[1])]
    result = run(instance(ready_tables(v_plugin=plugins)), check_optional=False)
    assert result["plugins"]["required"][0]["present"] is False
    assert "Integration Hub Starter Pack" in result["missing"][0]
    assert result["plugins"]["optional"] == []


def test_flow_trigger_found_by_name_when_id_differs():
    plugins = [dict(p) for p in ALL_PLUGINS[:3]] + [
        dict(id="com.glide.hub.flow_trigger.kafka", name="IntegrationHub Flow Trigger - Kafka", active="active"),
        dict(id="com.snc.ih.trigger.rest", name="ServiceNow IntegrationHub Flow Trigger \u2013 REST", active="active")]
    result = run(instance(ready_tables(v_plugin=plugins)))
    assert result["plugins"]["optional"][1]["id"] == "com.snc.ih.trigger.rest"
    assert result["missing_optional"] == []


def test_falls_back_to_sys_plugins_when_v_plugin_is_empty():
    sys_plugins = [dict(source="com.glide.hub.integrations", name="Starter", active="1"),
                   dict(source="com.glide.hub.action_step.rest", name="REST step", active="0")]
    result = run(instance(ready_tables(v_plugin=[], sys_plugins=sys_plugins)))
    assert result["plugins"]["source"] == "sys_plugins"
    assert [p["active"] for p in result["plugins"]["required"]] == [True, False]
    assert "Action Step - REST" in result["missing"][0]


def test_only_the_plugin_tables_are_optional_reads():
    reqs = mod.lookup_requests(params())
    assert [(r["table"], bool(r.get("optional"))) for r in reqs] == [
        ("sys_properties", False), ("sys_scope", False), ("sys_alias", False), ("sys_script_include", False),
        ("v_plugin", True), ("sys_plugins", True)]


def test_refused_v_plugin_falls_back_to_sys_plugins():
    sys_plugins = [dict(source="com.glide.hub.integrations", active="true"),
                   dict(source="com.glide.hub.action_step.rest", active="true")]
    client = instance(ready_tables(sys_plugins=sys_plugins), refuse=["v_plugin"])
    result = run(client, check_optional=False)
    assert client.batch_tables() == [("sys_properties", "sys_scope", "sys_alias", "sys_script_include", "v_plugin",
                                      "sys_plugins")]
    assert result["plugins"]["source"] == "sys_plugins" and result["ready"] is True


def test_refused_required_read_still_fails():
    client = instance(ready_tables(), refuse=["sys_alias"])
    with pytest.raises(TransportError):
        run(client)


def test_unreadable_plugins_are_unknown_not_missing():
    result = run(instance(ready_tables(v_plugin=[], sys_plugins=[])))
    assert result["missing"] == [] and result["ready"] is False
    assert result["plugins"]["required"][0]["active"] is None
    assert result["unknown"] == ["The plugins of sn.example.test could not be read (v_plugin and sys_plugins returned "
                                 "no rows): check them in All > System Definition > Plugins or give the user read "
                                 "access to v_plugin."]


def test_alias_and_script_outside_the_scope_are_missing():
    tables = ready_tables()
    tables["sys_alias"][0]["sys_scope"] = "global"
    tables["sys_script_include"][0]["sys_scope"] = "global"
    result = run(instance(tables))
    assert len(result["missing"]) == 2
    assert "does not belong to the application x_camun_camunda" in result["missing"][0]
    assert "is not in the application x_camun_camunda" in result["missing"][1]


def test_inactive_spoke():
    tables = ready_tables()
    tables["sys_scope"][0]["active"] = "false"
    result = run(instance(tables))
    assert result["spoke"]["active"] is False
    assert "installed on sn.example.test but inactive" in result["missing"][0]


def test_duplicate_scopes_fail_with_the_shared_sentence():
    with pytest.raises(records.RecordError) as err:
        mod.spoke_facts([dict(sys_id="1" * 32, scope="x_camun_camunda"), dict(sys_id="2" * 32, scope="x_camun_camunda"),
                         dict(sys_id="3" * 32, scope="x_camun_camunda_other")], "x_camun_camunda")
    assert str(err.value.locate(HOST)) == (
        "Found 2 application (sys_scope) records matching scope='x_camun_camunda' on sn.example.test (sys_id: {0}, {1}); "
        "a natural key must identify one record, so remove or rename the duplicates, or identify the record by its "
        "id".format("1" * 32, "2" * 32))


ROLE_WORDS = {"spoke_install": "setup_spoke_install", "spoke_version": "setup_spoke_version"}


def test_not_ready_fails_before_anything_in_the_callers_words():
    tables = ready_tables(sys_scope=[], sys_alias=[], sys_script_include=[])
    with pytest.raises(mod.NotReadyError) as err:
        run(instance(tables), fail_when_not_ready=True, vocabulary=ROLE_WORDS)
    assert str(err.value) == (
        "ServiceNow instance sn.example.test is not ready for the Camunda setup, nothing was written: The Camunda Spoke "
        "(scope x_camun_camunda) is not installed on sn.example.test: install it from All > Application Manager, or "
        "set setup_spoke_install: true and setup_spoke_version to install it through the CI/CD API. The connection "
        "alias x_camun_camunda.Camunda does not exist on sn.example.test: it comes with the Camunda Spoke, so install "
        "or repair the spoke. The script include OAuthCamundaUtil does not exist on sn.example.test: it comes with the "
        "Camunda Spoke, so install or repair the spoke.")


def test_a_spoke_the_next_step_installs_is_not_missing_but_needs_its_version():
    tables = ready_tables(sys_scope=[], sys_alias=[], sys_script_include=[])
    result = run(instance(tables), spoke_install=True, spoke_version="1.2.0", fail_when_not_ready=True)
    assert result["missing"] == [] and result["spoke"]["installed"] is False
    with pytest.raises(mod.NotReadyError) as err:
        run(instance(tables), spoke_install=True, fail_when_not_ready=True, vocabulary=ROLE_WORDS)
    assert str(err.value) == (
        "ServiceNow instance sn.example.test is not ready for the Camunda setup, nothing was written: The Camunda Spoke "
        "(scope x_camun_camunda) is not installed on sn.example.test and setup_spoke_install is true, but "
        "setup_spoke_version is not set: set it to the version to install (the CI/CD batch install needs it; see the "
        "spoke's Store listing).")


def test_ready_instance_with_fail_when_not_ready_passes():
    assert run(instance(ready_tables()), fail_when_not_ready=True)["ready"] is True


def test_oauth_profile_read_in_the_same_round_trip():
    tables = ready_tables(oauth_entity=[dict(sys_id="e" * 32, name="Camunda OAuth", type="oauth_provider",
                                             client_id="held-id"),
                                        dict(sys_id="f" * 32, name="Camunda OAuth 2", type="oauth_provider",
                                             client_id="other")])
    client = instance(tables)
    result = run(client, oauth_profile="Camunda OAuth")
    assert len(client.batch_tables()) == 1 and client.batch_tables()[0][-1] == "oauth_entity"
    assert result["oauth_profile"] == dict(exists=True, sys_id="e" * 32, client_id="held-id", type="oauth_provider")
    assert run(instance(ready_tables()), oauth_profile="Camunda OAuth")["oauth_profile"] == dict(
        exists=False, sys_id="", client_id="", type="")


# -- check_access: may the account write what the setup writes ---------------------------------------------------

def role_rows(*names):
    return [{"role.name": name, "state": "active"} for name in names]


def basic_client(tables, **kwargs):
    return instance(tables, auth="basic", **kwargs)


def with_account(username="readonly", **overrides):
    out = dict(check_access=True)
    out.update(overrides)
    out["instance"] = dict(host="https://" + HOST, username=username, password="pw")
    return out


def test_a_read_only_account_stops_the_setup_naming_the_roles_in_the_callers_words():
    client = basic_client(ready_tables(sys_user_has_role=role_rows("snc_read_only")))
    words = dict(ROLE_WORDS, instance="setup_servicenow_instance")
    with pytest.raises(mod.NotReadyError) as err:
        run(client, fail_when_not_ready=True, vocabulary=words, **with_account())
    assert str(err.value) == (
        "ServiceNow instance sn.example.test is not ready for the Camunda setup, nothing was written: The ServiceNow "
        "account 'readonly' on sn.example.test may not write oauth_entity, oauth_entity_profile, oauth_2_0_credentials "
        "and http_connection or read sys_alias, which the setup needs (it holds snc_read_only): remove snc_read_only "
        "from it (a read-only account may write nothing) and grant it oauth_admin, credential_admin and "
        "connection_admin (or admin), or set setup_servicenow_instance to an account that may.")
    assert client.batch_tables() == [("sys_properties", "sys_scope", "sys_alias", "sys_script_include", "v_plugin",
                                      "sys_plugins", "sys_user_has_role")]  # one round trip, nothing written


def test_the_roles_are_read_in_the_same_round_trip_after_the_profile():
    tables = ready_tables(sys_user_has_role=role_rows("oauth_admin", "credential_admin", "connection_admin"),
                          oauth_entity=[])
    client = basic_client(tables)
    result = run(client, oauth_profile="Camunda OAuth", fail_when_not_ready=True, **with_account("camunda.setup"))
    assert len(client.batch_tables()) == 1 and client.batch_tables()[0][-2:] == ("oauth_entity", "sys_user_has_role")
    assert result["ready"] is True and result["missing"] == []
    assert result["access"] == dict(checked=True, account="camunda.setup", known=True,
                                    roles=["connection_admin", "credential_admin", "oauth_admin"], denied=[], grant=[])
    assert result["oauth_profile"]["exists"] is False


def test_a_missing_role_is_the_first_missing_sentence():
    client = basic_client(ready_tables(sys_user_has_role=role_rows("oauth_admin")))
    result = run(client, **with_account("oauth.admin"))
    assert result["missing"] == [
        "The ServiceNow account 'oauth.admin' on sn.example.test may not write oauth_2_0_credentials and "
        "http_connection or read sys_alias, which the setup needs (it holds oauth_admin): grant it credential_admin "
        "and connection_admin (or admin), or set instance.username to an account that may."]
    assert result["access"]["grant"] == ["credential_admin", "connection_admin"] and result["ready"] is False


@pytest.mark.parametrize("tables, refuse", [
    (dict(sys_user_has_role=[]), ()),                 # rows hidden by the table's ACLs
    ({}, ("sys_user_has_role",)),                     # the table refused: an optional item reads as None
])
def test_roles_that_cannot_be_read_are_unknown_and_do_not_stop(tables, refuse):
    client = basic_client(ready_tables(**tables), refuse=refuse)
    result = run(client, fail_when_not_ready=True, **with_account("camunda.setup"))
    assert result["missing"] == [] and result["access"]["known"] is False
    assert result["unknown"] == [
        "Whether the account 'camunda.setup' may write what the setup writes on sn.example.test could not be told (its "
        "roles in sys_user_has_role are not readable to it): the setup needs oauth_admin, credential_admin and "
        "connection_admin (or admin) and no snc_read_only."]
    assert result["ready"] is False


def test_an_account_without_a_user_name_is_not_looked_up():
    client = instance(ready_tables(sys_user_has_role=role_rows("snc_read_only")), auth="api_key")
    result = run(client, **with_account("readonly"))
    assert "sys_user_has_role" not in client.batch_tables()[0]
    assert result["access"]["account"] == "" and result["missing"] == []
    assert "it signs in without a user name" in result["unknown"][0]


def test_without_check_access_nothing_changes():
    client = basic_client(ready_tables(sys_user_has_role=role_rows("snc_read_only")))
    result = run(client, **with_account("readonly", check_access=False))
    assert "access" not in result and result["ready"] is True and "sys_user_has_role" not in client.batch_tables()[0]
