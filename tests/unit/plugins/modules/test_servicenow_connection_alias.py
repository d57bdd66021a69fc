# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import records
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_connection_alias as mod
from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_servicenow import HOST, FakeInstance, FakeModule

SCOPE_ID = "a" * 32
ALIAS_ID = "b" * 32
CRED_ID = "c" * 32
CONN_ID = "d" * 32
OTHER_ID = "e" * 32
BASE = "/6b6b3969-a65c-4bdd-905e-c29102eebded"
URL = "https://lhr-1.zeebe.camunda.io" + BASE


def instance(tables, rewrite=None):
    """The shared fake; every read returns ALL rows of the table (an instance that ignored the query), so the
    module's exact matching in Python is what is tested. A created record gets sys_id fff...f."""
    return FakeInstance(tables, ignore_queries=True, sys_id="f" * 32, rewrite=rewrite)


def params(**overrides):
    out = dict(instance=dict(host="https://" + HOST), state="present", alias="x_camun_camunda.Camunda",
               scope="x_camun_camunda", name="Camunda API Connection", credential="Camunda Connection",
               credential_table="discovery_credentials", domain="global", url_builder=True,
               host="lhr-1.zeebe.camunda.io", protocol="https", port=None, base_path=BASE, active=True, conflict="adopt")
    out.update(overrides)
    return out


def alias_row(**overrides):
    row = dict(sys_id=ALIAS_ID, id="x_camun_camunda.Camunda", name="Camunda", type="connection",
               connection_type="http_connection", multiple_connections="false", sys_scope=SCOPE_ID)
    row.update(overrides)
    return row


def conn_row(**overrides):
    row = dict(sys_id=CONN_ID, name="Camunda API Connection", connection_alias=ALIAS_ID, credential=CRED_ID,
               sys_domain="global", url_builder="true", host="lhr-1.zeebe.camunda.io", protocol="https", port="",
               base_path=BASE, connection_url=URL, active="true", app_scope=SCOPE_ID)
    row.update(overrides)
    return row


def tables(connections=(), alias=None, scope=None, credentials=None):
    return {
        "sys_alias": [alias_row()] if alias is None else alias,
        "sys_scope": [dict(sys_id=SCOPE_ID, scope="x_camun_camunda", name="Camunda Spoke", active="true")]
        if scope is None else scope,
        "http_connection": list(connections),
        "discovery_credentials": [dict(sys_id=CRED_ID, name="Camunda Connection", active="true")]
        if credentials is None else credentials,
    }


def run(client, check_mode=False, **overrides):
    result, client.warnings = mod.run(FakeModule(params(**overrides), check_mode), client)
    return result


# -- pure helpers ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol,host,port,base,expected", [
    ("https", "lhr-1.zeebe.camunda.io", "", "/abc", "https://lhr-1.zeebe.camunda.io/abc"),
    ("https", "lhr-1.zeebe.camunda.io", "8443", "abc/", "https://lhr-1.zeebe.camunda.io:8443/abc"),
    ("http", "h", None, "", "http://h"),
])
def test_build_connection_url(protocol, host, port, base, expected):
    assert mod.build_connection_url(protocol, host, port, base) == expected


def test_lookup_requests_are_one_batch_and_escape_carets():
    reqs = mod.lookup_requests(params(name="a^b"))
    assert [r["table"] for r in reqs] == ["sys_alias", "sys_scope", "http_connection", "discovery_credentials"]
    assert reqs[2]["query"] == "name=a^^b^ORconnection_alias.id=x_camun_camunda.Camunda"
    assert reqs[3]["query"] == "name=Camunda Connection"
    by_id = mod.lookup_requests(params(credential=CRED_ID))
    assert by_id[3]["query"] == "sys_id={0}^ORname={0}".format(CRED_ID)
    assert [r["table"] for r in mod.lookup_requests(params(state="absent"))] == ["sys_alias", "sys_scope", "http_connection"]


def test_desired_connection_matches_documented_values():
    desired = mod.desired_connection(params(port=8443), alias_row(), dict(sys_id=SCOPE_ID), CRED_ID)
    assert desired == dict(name="Camunda API Connection", connection_alias=ALIAS_ID, credential=CRED_ID,
                           sys_domain="global", url_builder="true", host="lhr-1.zeebe.camunda.io", protocol="https",
                           port="8443", base_path=BASE, connection_url="https://lhr-1.zeebe.camunda.io:8443" + BASE,
                           active="true", app_scope=SCOPE_ID)


# -- alias checks ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("alias,scope,message", [
    ([], None, "The connection alias x_camun_camunda.Camunda was not found on sn.example.test"),
    ([alias_row(id="x_camun_camunda.Camunda2")], None, "The connection alias x_camun_camunda.Camunda was not found"),
    (None, [], "The application scope x_camun_camunda was not found on sn.example.test: install the Camunda Spoke"),
    ([alias_row(type="credential")], None, "is a credential alias (type credential), not a connection alias"),
    ([alias_row(connection_type="jdbc_connection")], None, "has connection type jdbc_connection, not HTTP"),
    ([alias_row(sys_scope="global")], None, "does not belong to the application x_camun_camunda (its scope is global)"),
])
def test_alias_problems_fail_clearly_without_writing(alias, scope, message):
    client = instance(tables(alias=alias, scope=scope))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client)
    assert message in str(err.value)
    assert client.writes() == []


# -- credential ------------------------------------------------------------------------------------------------

def test_missing_credential_is_named():
    client = instance(tables(credentials=[dict(sys_id=CRED_ID, name="Camunda Connection 2")]))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client)
    assert str(err.value) == ("The credential Camunda Connection was not found in discovery_credentials on "
                              "sn.example.test: create it first (camunda.servicenow.servicenow_credential), check "
                              "the credential option (a name or a sys_id), and check that the ServiceNow account may "
                              "read credentials (role credential_admin or admin).")


def test_duplicate_credential_names_fail():
    client = instance(tables(credentials=[dict(sys_id=CRED_ID, name="Camunda Connection"),
                                          dict(sys_id="9" * 32, name="Camunda Connection")]))
    with pytest.raises(records.RecordError) as err:
        run(client)
    # The shared duplicate sentence; run_module(where=<host>) names the instance in it, as for every module.
    assert str(err.value.locate(HOST)) == (
        "Found 2 credential records matching name='Camunda Connection' on sn.example.test (sys_id: {0}, {1}); a natural "
        "key must identify one record, so remove or rename the duplicates, or identify the record by its id".format(
            CRED_ID, "9" * 32))
    assert client.writes() == []


def test_duplicate_aliases_fail_with_the_shared_sentence():
    client = instance(tables(alias=[alias_row(), alias_row(sys_id="9" * 32)]))
    with pytest.raises(records.RecordError) as err:
        run(client)
    assert str(err.value.locate(HOST)) == (
        "Found 2 connection alias records matching id='x_camun_camunda.Camunda' on sn.example.test (sys_id: {0}, {1}); "
        "a natural key must identify one record, so remove or rename the duplicates, or identify the record by its "
        "id".format(ALIAS_ID, "9" * 32))
    assert "(on " not in str(err.value) and client.writes() == []


def test_duplicate_connection_names_fail_with_the_shared_sentence():
    client = instance(tables(connections=[conn_row(), conn_row(sys_id=OTHER_ID)]))
    with pytest.raises(records.RecordError) as err:
        run(client, state="absent")
    assert str(err.value.locate(HOST)).startswith(
        "Found 2 connection records matching name='Camunda API Connection' on sn.example.test (sys_id: {0}, {1}); "
        .format(CONN_ID, OTHER_ID))
    assert client.writes() == []


def test_a_business_rule_changing_a_value_names_the_connection_and_service():
    client = instance(tables(), rewrite={"protocol": "http"})
    with pytest.raises(records.RecordError) as err:
        run(client)
    assert str(err.value.locate(HOST)) == (
        "ServiceNow saved the connection (http_connection) {0} on sn.example.test differently than asked: protocol is "
        "'http', not the 'https' asked for; a business rule or data policy on the instance probably changed it, check "
        "the record and the rules of its table".format("f" * 32))


def test_credential_by_sys_id():
    client = instance(tables(credentials=[dict(sys_id=CRED_ID, name="Other name")]))
    result = run(client, credential=CRED_ID)
    assert client.calls[1][2]["credential"] == CRED_ID
    assert result["action"] == "create"


# -- create / none / update / delete ----------------------------------------------------------------------------

def test_create_then_nothing_changes():
    client = instance(tables())
    result = run(client)
    assert result["changed"] is True and result["action"] == "create"
    expected = conn_row()
    del expected["sys_id"], expected["port"]
    assert client.writes() == [("POST", "http_connection", expected)]
    assert result["connection"]["connection_url"] == URL
    assert result["diff"]["before"] == {} and result["diff"]["after"]["host"] == "lhr-1.zeebe.camunda.io"

    again = instance(client.tables)
    second = run(again)
    assert second["changed"] is False and second["action"] == "none"
    assert len(again.calls) == 1
    assert again.batch_tables() == [("sys_alias", "sys_scope", "http_connection", "discovery_credentials")]
    assert second["connection"]["sys_id"] == "f" * 32


def test_check_mode_writes_nothing_and_predicts():
    client = instance(tables())
    result = run(client, check_mode=True)
    assert result["changed"] is True and result["action"] == "create"
    assert client.writes() == []
    assert result["connection"]["connection_url"] == URL


def test_omitted_port_is_not_managed_and_a_given_port_is():
    client = instance(tables(connections=[conn_row(port="0")]))
    assert run(client)["action"] == "none"
    result = run(client, port=8443)
    assert client.writes() == [("PATCH", "http_connection", CONN_ID, {
        "port": "8443", "connection_url": "https://lhr-1.zeebe.camunda.io:8443" + BASE})]
    assert result["diff"]["before"]["port"] == "0"


def test_drift_fixes_exactly_the_field():
    client = instance(tables(connections=[conn_row(host="bru-2.zeebe.camunda.io",
                                                   connection_url="https://bru-2.zeebe.camunda.io" + BASE)]))
    result = run(client)
    assert client.writes() == [("PATCH", "http_connection", CONN_ID,
                                {"host": "lhr-1.zeebe.camunda.io", "connection_url": URL})]
    assert result["diff"]["before"]["host"] == "bru-2.zeebe.camunda.io"
    assert result["diff"]["after"]["host"] == "lhr-1.zeebe.camunda.io"
    assert result["connection"]["host"] == "lhr-1.zeebe.camunda.io"


def test_business_rule_changing_a_value_fails():
    client = instance(tables(), rewrite={"protocol": "http"})
    with pytest.raises(records.RecordError) as err:
        run(client)
    assert "protocol is 'http', not the 'https' asked for" in str(err.value)


def test_absent_deletes_then_is_a_no_op():
    client = instance(tables(connections=[conn_row()]))
    result = run(client, state="absent")
    assert result["changed"] is True and result["action"] == "delete"
    assert client.writes() == [("DELETE", "http_connection", CONN_ID)]
    expected_before = dict(conn_row())
    del expected_before["sys_id"]
    assert result["diff"] == {"before": expected_before, "after": {}}
    again = instance(client.tables)
    second = run(again, state="absent")
    assert second["changed"] is False and again.writes() == []
    assert len(again.calls) == 1
    assert again.batch_tables() == [("sys_alias", "sys_scope", "http_connection")]


def test_absent_in_check_mode_deletes_nothing():
    client = instance(tables(connections=[conn_row()]))
    result = run(client, state="absent", check_mode=True)
    assert result["changed"] is True and client.writes() == []
    assert result["diff"]["before"]["name"] == "Camunda API Connection"
    assert result["diff"]["before"]["credential"] == CRED_ID and result["diff"]["after"] == {}


def test_absent_never_touches_another_connection_or_the_alias():
    client = instance(tables(connections=[conn_row(name="Other", sys_id=OTHER_ID)]))
    result = run(client, state="absent")
    assert result["changed"] is False and client.writes() == []


# -- one active connection -------------------------------------------------------------------------------------

def test_adopt_updates_the_alias_existing_active_connection():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda")]))
    result = run(client)
    assert client.writes() == [("PATCH", "http_connection", OTHER_ID, {"name": "Camunda API Connection"})]
    assert result["action"] == "update"


@pytest.mark.parametrize("conflict", ["adopt", "fail"])
def test_conflict_fails_explaining(conflict):
    other = conn_row(sys_id=OTHER_ID, name="Old Camunda")
    connections = [other, conn_row(active="false")] if conflict == "adopt" else [other]
    client = instance(tables(connections=connections))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client, conflict=conflict)
    message = str(err.value)
    assert message.startswith("The alias x_camun_camunda.Camunda on sn.example.test allows only one active connection "
                              "and already has 'Old Camunda' (%s);" % OTHER_ID)
    assert "set conflict to 'adopt'" in message and "'deactivate'" in message
    assert client.writes() == []


def test_two_active_others_are_not_adopted():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="A"), conn_row(sys_id="9" * 32, name="B")]))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client)
    assert "they are ambiguous" in str(err.value)


def test_deactivate_other_then_create():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda")]))
    result = run(client, conflict="deactivate")
    writes = client.writes()
    assert writes[0] == ("PATCH", "http_connection", OTHER_ID, {"active": "false"})
    assert writes[1][0:2] == ("POST", "http_connection")
    assert result["deactivated"] == [OTHER_ID]


def test_deactivate_in_check_mode_writes_nothing():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda")]))
    result = run(client, conflict="deactivate", check_mode=True)
    assert client.writes() == [] and result["changed"] is True and result["deactivated"] == [OTHER_ID]


def test_multiple_connections_alias_adds_a_second():
    client = instance(tables(alias=[alias_row(multiple_connections="true")],
                             connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda")]))
    result = run(client, conflict="fail")
    assert result["action"] == "create"
    assert [w[0] for w in client.writes()] == ["POST"]


def test_inactive_connection_never_conflicts():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda")]))
    result = run(client, active=False, conflict="fail")
    assert result["action"] == "create"
    assert client.writes()[0][2]["active"] == "false"


def test_named_connection_on_another_alias_fails():
    client = instance(tables(connections=[conn_row(connection_alias="9" * 32)]))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client)
    assert "is attached to another alias (%s), not x_camun_camunda.Camunda" % ("9" * 32) in str(err.value)
    assert client.writes() == []


def test_argument_spec_has_instance_and_module_options():
    spec = mod.argument_spec()
    assert "instance" in spec
    assert spec["conflict"]["default"] == "adopt"
    assert spec["alias"]["default"] == "x_camun_camunda.Camunda"


PORT_RANGE = ("The connection port {0} is out of range: give a port from 1 to 65535, or leave port out for the "
              "protocol's default; nothing was written.")
NAME_EMPTY = ("The connection name is empty; give the connection's name in name (default 'Camunda API Connection'), "
              "nothing was written.")


# -- inputs refused before any request ----------------------------------------------------------------------------

@pytest.mark.parametrize("overrides,message", [
    (dict(host="https://bru-2.zeebe.camunda.io/"),
     "The connection host 'https://bru-2.zeebe.camunda.io/' has a scheme: give the scheme in protocol and only the "
     "host name in host (for example 'bru-2.zeebe.camunda.io'); nothing was written."),
    (dict(host="bru-2.zeebe.camunda.io/"),
     "The connection host 'bru-2.zeebe.camunda.io/' has a path or a trailing '/': give only the host name in host and "
     "the path in base_path; nothing was written."),
    (dict(host="bru-2.zeebe.camunda.io/abc"),
     "The connection host 'bru-2.zeebe.camunda.io/abc' has a path or a trailing '/': give only the host name in host "
     "and the path in base_path; nothing was written."),
    (dict(host="bru-2.zeebe.camunda.io:443"),
     "The connection host 'bru-2.zeebe.camunda.io:443' has a port: give only the host name in host and the port in "
     "port; nothing was written."),
    (dict(host="bru 2.zeebe.camunda.io"),
     "The connection host 'bru 2.zeebe.camunda.io' is not a host name (letters, digits, '.' and '-' only, no "
     "spaces); nothing was written."),
    (dict(port=70000), PORT_RANGE.format(70000)),
    (dict(port=0), PORT_RANGE.format(0)),
    (dict(name=""), NAME_EMPTY),
    (dict(name="   "), NAME_EMPTY),
    (dict(name=" Camunda API Connection "),
     "The connection name ' Camunda API Connection ' has leading or trailing spaces, which would make a "
     "near-duplicate of 'Camunda API Connection'; remove them, nothing was written."),
])
def test_bad_inputs_are_refused_before_any_request(overrides, message):
    client = instance(tables())
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client, **overrides)
    assert str(err.value) == message
    assert client.calls == []


# -- conflict=adopt never takes over another integration silently ---------------------------------------------------

def test_adopt_warns_naming_the_renamed_connection():
    client = instance(tables(connections=[conn_row(sys_id=OTHER_ID, name="Old Camunda", host="bru-2.zeebe.camunda.io")]))
    result = run(client)
    assert result["action"] == "update"
    assert client.warnings == [
        "Adopted the active connection 'Old Camunda' (%s) of alias x_camun_camunda.Camunda on sn.example.test: it is "
        "renamed to 'Camunda API Connection' and gets the managed values, because the alias allows only one active "
        "connection (set conflict to 'deactivate' or 'fail' to keep it as it is)." % OTHER_ID]


def test_adopt_refuses_a_connection_of_another_credential_and_cluster():
    other = conn_row(sys_id=OTHER_ID, name="Payments Camunda", credential="9" * 32, host="bru-2.zeebe.camunda.io",
                     base_path="/other", connection_url="https://bru-2.zeebe.camunda.io/other")
    client = instance(tables(connections=[other]))
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client)
    assert str(err.value) == (
        "The alias x_camun_camunda.Camunda on sn.example.test allows only one active connection and already has "
        "'Payments Camunda' (%s), which uses another credential (%s) and another cluster "
        "(https://bru-2.zeebe.camunda.io/other); adopting it would repoint it at credential %s and %s, so nothing was "
        "written: set conflict to 'deactivate' to deactivate it and create 'Camunda API Connection', or deactivate or "
        "delete it in ServiceNow." % (OTHER_ID, "9" * 32, CRED_ID, URL))
    assert client.writes() == []


def test_no_warning_when_the_named_connection_is_managed():
    client = instance(tables(connections=[conn_row()]))
    result = run(client)
    assert result["changed"] is False and client.warnings == [] and client.writes() == []


# -- a create whose answer is lost is found again, not duplicated ---------------------------------------------------

def test_lookup_finds_the_connection_by_its_exact_name():
    client = instance(tables())
    run(client)
    assert client.writes()[0][0:2] == ("POST", "http_connection")
    client.tables["http_connection"].append(conn_row(sys_id="9" * 32, name="Camunda API Connection 2"))
    found = client.lookups[-1]()
    assert found["sys_id"] == "f" * 32


def test_lost_create_reply_is_absorbed_by_the_real_client(fake_http, sleeps):
    import requests
    from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient

    state = {"saved": False}
    table = "/api/now/table/"
    fake_http.add("GET", table + "sys_alias", json={"result": [alias_row()]})
    fake_http.add("GET", table + "sys_scope", json={"result": [dict(sys_id=SCOPE_ID, scope="x_camun_camunda")]})
    fake_http.add("GET", table + "discovery_credentials", json={"result": [dict(sys_id=CRED_ID, name="Camunda Connection")]})

    def connections(call):
        return 200, {"result": [conn_row(sys_id="f" * 32)] if state["saved"] else []}

    def post(call):
        state["saved"] = True  # the instance commits, then the answer is lost
        raise requests.exceptions.ReadTimeout("Read timed out.")
    fake_http.handle("GET", table + "http_connection", connections)
    fake_http.handle("POST", table + "http_connection", post)
    client = ServiceNowClient(dict(host="https://" + HOST, username="u", password="p"), sleep=sleeps)
    client.batch_unavailable = True
    result = run(client)
    assert result["changed"] is True and result["connection"]["sys_id"] == "f" * 32
    assert len(fake_http.requests_to(table + "http_connection", "POST")) == 1
    assert sleeps == [1.0]


@pytest.mark.parametrize("option,value", [("name", "['Camunda', 'API']"), ("credential", "{'name': 'x'}")])
def test_a_list_or_dict_turned_into_text_is_refused(option, value):
    client = instance(tables())
    with pytest.raises(mod.ConnectionAliasError) as err:
        run(client, **{option: value})
    assert str(err.value) == ("The %s option is %s, which looks like a list or a dictionary that Ansible turned into "
                              "text; give a single string, nothing was written." % (option, value))
    assert client.calls == []


def test_alias_not_found_names_the_account_and_its_roles():
    client = instance(tables(alias=[]))
    with pytest.raises(mod.ConnectionAliasError) as err:
        mod.run(FakeModule(params(instance=dict(host="https://" + HOST, username="oauth.admin"))), client)
    assert str(err.value) == (
        "The connection alias x_camun_camunda.Camunda was not found on sn.example.test although the application "
        "x_camun_camunda is installed; check that user 'oauth.admin' may read connection aliases (role "
        "connection_admin or credential_admin; writing the connection needs connection_admin or admin), that the "
        "Camunda Spoke is installed completely, and that the alias option is the alias ID (<scope>.<alias name>).")
