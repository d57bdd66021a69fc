# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import authorizations as authz

SPOKE_PROCESS = ["CANCEL_PROCESS_INSTANCE", "CREATE_PROCESS_INSTANCE", "READ_PROCESS_DEFINITION",
                 "UPDATE_PROCESS_INSTANCE"]


def test_spoke_authorizations_default_is_every_process_and_message():
    assert authz.spoke_authorizations() == [
        {"resource_type": "PROCESS_DEFINITION", "resource_id": "*", "permissions": SPOKE_PROCESS},
        {"resource_type": "MESSAGE", "resource_id": "*", "permissions": ["CREATE"]},
    ]


def test_spoke_authorizations_per_process_and_message():
    assert authz.spoke_authorizations(["b", "a", "b"], ["incident-resolved"]) == [
        {"resource_type": "PROCESS_DEFINITION", "resource_id": "a", "permissions": SPOKE_PROCESS},
        {"resource_type": "PROCESS_DEFINITION", "resource_id": "b", "permissions": SPOKE_PROCESS},
        {"resource_type": "MESSAGE", "resource_id": "incident-resolved", "permissions": ["CREATE"]},
    ]
    # a wildcard among ids covers them all
    assert [e["resource_id"] for e in authz.spoke_authorizations(["a", "*"], [])] == ["*", "*"]


def test_spoke_never_gets_deployments_and_every_permission_is_valid_on_8_8():
    for entry in authz.spoke_authorizations(["p"], ["m"]):
        assert entry["resource_type"] != "RESOURCE"
        assert authz.validate(entry) == []


def test_validate_problems():
    assert authz.validate({"resource_type": "MESSAGE", "resource_id": "*", "permissions": ["CREATE_PROCESS_INSTANCE"]}) \
        == ["MESSAGE '*' does not take CREATE_PROCESS_INSTANCE (it takes CREATE, READ)"]
    assert authz.validate({"resource_type": "PROCESS_DEFINITION", "resource_id": "order-*", "permissions": [
        "READ_PROCESS_DEFINITION"]}) == [
        "PROCESS_DEFINITION 'order-*' uses a partial wildcard, which Camunda does not support (only '*' alone)"]
    assert authz.validate({"resource_type": "MESSAGE", "resource_id": "", "permissions": []}) == [
        "MESSAGE has no resource_id (use '*' for every resource of the type)", "MESSAGE '' has no permissions"]
    # resource types of later releases go to the cluster unchecked
    assert authz.validate({"resource_type": "CLUSTER_VARIABLE", "resource_id": "*", "permissions": ["X"]}) == []


def row(key, perms, rid="*"):
    return {"authorizationKey": key, "ownerType": "CLIENT", "ownerId": "c1", "resourceType": "MESSAGE",
            "resourceId": rid, "permissionTypes": perms}


def test_plan_present():
    assert authz.plan([], ["CREATE"]) == ([("create", ["CREATE"])], [], ["CREATE"])
    assert authz.plan([row("1", ["CREATE", "READ"])], ["CREATE"]) == ([], ["CREATE", "READ"], ["CREATE", "READ"])
    assert authz.plan([row("1", ["READ"])], ["CREATE"]) == (
        [("update", "1", ["CREATE", "READ"])], ["READ"], ["CREATE", "READ"])
    # split over two records: nothing missing, nothing to do
    assert authz.plan([row("1", ["READ"]), row("2", ["CREATE"])], ["CREATE", "READ"])[0] == []


def test_plan_exact():
    assert authz.plan([row("1", ["CREATE", "READ"])], ["CREATE"], exact=True) == (
        [("update", "1", ["CREATE"])], ["CREATE", "READ"], ["CREATE"])
    assert authz.plan([row("1", ["CREATE"]), row("2", ["READ"])], ["CREATE"], exact=True) == (
        [("delete", "2")], ["CREATE", "READ"], ["CREATE"])
    assert authz.plan([row("1", ["CREATE"])], ["CREATE"], exact=True)[0] == []


def test_plan_absent():
    assert authz.plan([], ["CREATE"], state="absent") == ([], [], [])
    assert authz.plan([row("1", ["CREATE", "READ"])], ["CREATE"], state="absent") == (
        [("update", "1", ["READ"])], ["CREATE", "READ"], ["READ"])
    assert authz.plan([row("1", ["CREATE"]), row("2", ["READ"])], [], state="absent") == (
        [("delete", "1"), ("delete", "2")], ["CREATE", "READ"], [])
    assert authz.plan([row("1", ["READ"])], ["CREATE"], state="absent") == ([], ["READ"], ["READ"])


def test_matching_is_exact():
    rows = [row("1", ["CREATE"]), row("2", ["CREATE"], rid="other"), dict(row("3", ["CREATE"]), ownerId="C1"),
            dict(row("4", ["CREATE"]), ownerType="ROLE"), "junk"]
    assert [r["authorizationKey"] for r in authz.matching(rows, "CLIENT", "c1", "MESSAGE", "*")] == ["1"]


# -- decide: whether a setup grants at all ------------------------------------------------------------------------

@pytest.mark.parametrize("version, view, can_grant, grant, action, note_part", [
    ("8.7.3", None, True, True, "skip", "Camunda 8.7.3 has no authorizations"),
    ("8.6.0", False, False, True, "skip", "came with 8.8"),
    ("", "absent", True, True, "skip", "no authorization API"),
    ("8.8.0", "absent", False, True, "skip", "no authorization API"),
    ("8.8.0", False, True, True, "grant", "granted"),
    ("8.8.0", None, True, True, "grant", "granted"),
    ("8.9.1", True, True, True, "grant", "does not enforce authorizations now"),
    ("8.8.0", True, False, True, "skip", "authorizations are disabled"),
    ("8.8.0", True, False, False, "skip", "authorizations are disabled"),
    ("8.8.0", None, False, True, "skip", "not checked in this run"),
    ("8.8.0", False, False, True, "refuse", ""),
    ("8.8.0", False, True, False, "prove", "granted by hand"),
    ("8.8.0", False, False, False, "prove", "granted by hand"),
    ("", False, False, True, "refuse", ""),
])
def test_decide(version, view, can_grant, grant, action, note_part):
    got_action, note = authz.decide(version, view, can_grant, grant)
    assert got_action == action
    assert note_part in note
    if action == "grant" and view is not True:
        assert note == "granted"


@pytest.mark.parametrize("version, expected", [
    ("8.8.0", True), ("8.10.0-alpha1", True), ("9.0", True), ("8.7.9", False), ("8.6", False), ("", True),
    (None, True), ("SNAPSHOT", True), ("8", True)])
def test_has_authorizations(version, expected):
    assert authz.has_authorizations(version) is expected


@pytest.mark.parametrize("version, view, expected", [
    ("8.7.0", None, False), ("8.8.0", "absent", False), ("8.8.0", True, False), ("8.8.0", False, True),
    ("8.8.0", None, None), ("", False, True)])
def test_enforced(version, view, expected):
    assert authz.enforcement(version, view) is expected
