# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import servicenow_access as access

HOST = "sn.example.test"
ALL_WRITES = ["oauth_entity", "oauth_entity_profile", "oauth_2_0_credentials", "http_connection"]


def rows(*names, **kwargs):
    return [dict({"role.name": name, "state": "active"}, **kwargs) for name in names]


@pytest.mark.parametrize("auth, grant, username, expected", [
    ("basic", None, "camunda.setup", "camunda.setup"),
    ("oauth", "password", "camunda.setup", "camunda.setup"),
    ("oauth", "client_credentials", "camunda.setup", None),   # the token is the OAuth application user's, not his
    ("oauth", "refresh_token", None, None),
    ("api_key", None, "camunda.setup", None),                  # the key's user is not the username option
    ("access_token", None, None, None),
    ("basic", None, "", None),
])
def test_account_of(auth, grant, username, expected):
    assert access.account_of(auth, grant, username) == expected


def test_roles_request_reads_only_the_relevant_roles_of_the_account_as_an_optional_item():
    assert access.roles_request("camunda.setup") == dict(
        table="sys_user_has_role",
        query="user.user_name=camunda.setup^role.nameINadmin,snc_read_only,oauth_admin,credential_admin,connection_admin",
        fields=["role.name", "state"], limit=25, optional=True)
    assert access.roles_request("a^b")["query"].startswith("user.user_name=a^^b^role.nameIN")
    assert access.roles_request("") is None and access.roles_request(None) is None


def test_held_roles_are_the_active_grants_once_each():
    got = access.held_roles(rows("oauth_admin", "oauth_admin") + rows("admin", state="pending") + [{"role.name": ""}]
                            + [{"role.name": "connection_admin"}] + ["junk"])
    assert got == ["connection_admin", "oauth_admin"]
    assert access.held_roles(None) == []


@pytest.mark.parametrize("roles, tables, grant", [
    (["admin"], [], []),
    (["admin", "snc_read_only"], [], []),                      # admin passes every ACL
    (["oauth_admin", "credential_admin", "connection_admin"], [], []),
    (["oauth_admin"], ["oauth_2_0_credentials", "sys_alias", "http_connection"], ["credential_admin", "connection_admin"]),
    (["credential_admin"], ["oauth_entity", "oauth_entity_profile", "http_connection"], ["oauth_admin", "connection_admin"]),
    (["connection_admin"], ["oauth_entity", "oauth_entity_profile", "oauth_2_0_credentials"],
     ["oauth_admin", "credential_admin"]),
    (["snc_read_only"], ALL_WRITES[:3] + ["sys_alias", "http_connection"],
     ["oauth_admin", "credential_admin", "connection_admin"]),
    # read-only forbids the writes its other roles would allow; the read of the alias stays allowed by them
    (["oauth_admin", "credential_admin", "connection_admin", "snc_read_only"], ALL_WRITES[:3] + ["http_connection"], []),
])
def test_denied_and_the_fewest_roles_to_grant(roles, tables, grant):
    refused = access.denied(roles)
    assert [table for table, _op, _roles in refused] == tables
    assert access.grants(refused, roles) == grant


def test_the_alias_read_asks_for_either_role_and_connection_admin_covers_it():
    refused = access.denied(["oauth_admin"])
    assert refused == [("oauth_2_0_credentials", "write", ("credential_admin",)),
                       ("sys_alias", "read", ("credential_admin", "connection_admin")),
                       ("http_connection", "write", ("connection_admin",))]
    assert access.grants(refused[1:], ["oauth_admin"]) == ["connection_admin"]
    assert access.grants(refused[1:2], []) == ["credential_admin"]
    assert access.denied(["oauth_admin", "credential_admin"]) == [("http_connection", "write", ("connection_admin",))]


def test_a_read_only_account_is_told_to_drop_the_role_and_what_to_grant():
    facts = access.access_facts(rows("snc_read_only"), "readonly")
    assert facts == dict(checked=True, account="readonly", known=True, roles=["snc_read_only"], denied=[
        dict(table="oauth_entity", operation="write", roles=["oauth_admin"]),
        dict(table="oauth_entity_profile", operation="write", roles=["oauth_admin"]),
        dict(table="oauth_2_0_credentials", operation="write", roles=["credential_admin"]),
        dict(table="sys_alias", operation="read", roles=["credential_admin", "connection_admin"]),
        dict(table="http_connection", operation="write", roles=["connection_admin"])],
        grant=["oauth_admin", "credential_admin", "connection_admin"])
    assert access.access_sentence(facts, HOST, "setup_servicenow_instance") == (
        "The ServiceNow account 'readonly' on sn.example.test may not write oauth_entity, oauth_entity_profile, "
        "oauth_2_0_credentials and http_connection or read sys_alias, which the setup needs (it holds snc_read_only): "
        "remove snc_read_only from it (a read-only account may write nothing) and grant it oauth_admin, "
        "credential_admin and connection_admin (or admin), or set setup_servicenow_instance to an account that may.")
    assert access.unknown_sentence(facts, HOST) is None


def test_a_read_only_role_beside_the_right_ones_is_named_alone():
    facts = access.access_facts(rows("oauth_admin", "credential_admin", "connection_admin", "snc_read_only"), "ro")
    assert facts["grant"] == []
    assert access.access_sentence(facts, HOST) == (
        "The ServiceNow account 'ro' on sn.example.test may not write oauth_entity, oauth_entity_profile, "
        "oauth_2_0_credentials and http_connection, which the setup needs (it holds connection_admin, credential_admin, "
        "oauth_admin and snc_read_only): remove snc_read_only from it (a read-only account may write nothing), or set "
        "instance to an account that may.")


def test_one_missing_role_is_named():
    facts = access.access_facts(rows("oauth_admin", "credential_admin"), "camunda.setup")
    assert access.access_sentence(facts, HOST, "setup_servicenow_instance") == (
        "The ServiceNow account 'camunda.setup' on sn.example.test may not write http_connection, which the setup "
        "needs (it holds credential_admin and oauth_admin): grant it connection_admin (or admin), or set "
        "setup_servicenow_instance to an account that may.")


@pytest.mark.parametrize("held", [["admin"], ["oauth_admin", "credential_admin", "connection_admin"]])
def test_an_account_that_may_is_no_sentence(held):
    facts = access.access_facts(rows(*held), "camunda.setup")
    assert facts["known"] is True and facts["denied"] == [] and facts["grant"] == []
    assert access.access_sentence(facts, HOST) is None and access.unknown_sentence(facts, HOST) is None


def test_roles_that_cannot_be_read_are_unknown_never_a_guess():
    for answer in (None, []):   # refused (403), or rows the ACLs hide (an instance drops them)
        facts = access.access_facts(answer, "camunda.setup")
        assert facts == dict(checked=True, account="camunda.setup", known=False, roles=[], denied=[], grant=[])
        assert access.access_sentence(facts, HOST) is None
        assert access.unknown_sentence(facts, HOST) == (
            "Whether the account 'camunda.setup' may write what the setup writes on sn.example.test could not be told "
            "(its roles in sys_user_has_role are not readable to it): the setup needs oauth_admin, credential_admin and "
            "connection_admin (or admin) and no snc_read_only.")
    nameless = access.access_facts(None, None)
    assert nameless["account"] == "" and nameless["known"] is False
    assert access.unknown_sentence(nameless, HOST) == (
        "Whether the account may write what the setup writes on sn.example.test could not be told (it signs in without "
        "a user name: API key, token or client credentials): the setup needs oauth_admin, credential_admin and "
        "connection_admin (or admin) and no snc_read_only.")
