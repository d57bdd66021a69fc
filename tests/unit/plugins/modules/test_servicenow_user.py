# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_user as mod

HOST = "sn.example.test"
PASSWORD = "Connector-S3cret"
ADMIN_PASSWORD = "Admin-S3cret"
USER_ID = "a" * 32
ITIL = "b" * 32
USERS = "/api/now/table/sys_user"


class Module:
    def __init__(self, check_mode=False, **overrides):
        self.check_mode = check_mode
        self.params = dict(instance={"host": HOST, "username": "admin", "password": ADMIN_PASSWORD},
                           user_name="camunda.connectors", password=PASSWORD, update_password="on_create",
                           first_name="Camunda", last_name="Connectors", email=None, web_service_access_only=True,
                           roles=["itil"], purge_roles=False, verify_login=True, state="present", created_by=None)
        self.params.update(overrides)


def client(module):
    return ServiceNowClient(module.params, sleep=lambda s: None)


def batch_answer(user_rows, role_rows):
    def body(rows):
        return base64.b64encode(json.dumps({"result": rows}).encode("utf-8")).decode("ascii")
    return {"serviced_requests": [{"id": "1", "status_code": 200, "body": body(user_rows)},
                                  {"id": "2", "status_code": 200, "body": body(role_rows)}]}


def test_role_plan():
    assert mod.role_plan({}, ["itil"], False) == (["itil"], [], [])
    assert mod.role_plan({"itil": "g1", "admin": "g2"}, ["itil"], False) == ([], [], ["admin"])
    assert mod.role_plan({"itil": "g1", "admin": "g2"}, ["itil"], True) == ([], ["admin"], [])


def test_find_roles_names_the_missing_ones():
    assert mod.find_roles([{"name": "itil", "sys_id": ITIL}], ["itil"], HOST) == {"itil": ITIL}
    with pytest.raises(mod.UserError) as err:
        mod.find_roles([], ["itil", "x_flow"], HOST)
    assert str(err.value) == ("The roles itil, x_flow do not exist on sn.example.test; check roles (role names, not "
                              "display names)")


def test_create_sets_the_password_as_a_password_then_proves_the_login(fake_http):
    fake_http.add("POST", "/api/now/v1/batch", json=batch_answer([], [{"name": "itil", "sys_id": ITIL}]))
    saved = {"sys_id": USER_ID, "user_name": "camunda.connectors", "first_name": "Camunda", "last_name": "Connectors",
             "web_service_access_only": "true", "active": "true"}
    fake_http.add("POST", USERS, status=201, json={"result": saved})
    fake_http.add("POST", "/api/now/table/sys_user_has_role", status=201, json={"result": {"sys_id": "c" * 32}})
    fake_http.add("GET", USERS, json={"result": [{"sys_id": USER_ID}]})
    module = Module()
    result, warnings = mod.run(module, client(module))
    assert result["changed"] is True and result["login_verified"] is True and warnings == []
    post = fake_http.requests_to(USERS, "POST")[0]
    assert post.params["sysparm_input_display_value"] == "true"
    assert post.json["user_password"] == PASSWORD and post.json["web_service_access_only"] is True
    grant = fake_http.requests_to("/api/now/table/sys_user_has_role", "POST")[0]
    assert grant.json == {"user": USER_ID, "role": ITIL} and "sysparm_input_display_value" not in grant.params
    login = fake_http.requests_to(USERS, "GET")[0]
    assert login.headers["Authorization"] != post.headers["Authorization"]  # as the new user, not as admin
    assert result["diff"]["after"]["user_password"] == "********"
    assert PASSWORD not in json.dumps(result)


def test_no_password_to_create(fake_http):
    fake_http.add("POST", "/api/now/v1/batch", json=batch_answer([], [{"name": "itil", "sys_id": ITIL}]))
    module = Module(password=None)
    with pytest.raises(mod.UserError) as err:
        mod.run(module, client(module))
    assert str(err.value) == ("User camunda.connectors does not exist on sn.example.test and no password was given; "
                              "set password to create it")


@pytest.mark.parametrize("status, expected", [
    (401, "User camunda.connectors cannot log in to the Table API on sn.example.test (HTTP 401): the password given "
          "is not the instance's (set update_password: always to set it; setting it needs admin) or the user is "
          "locked out or inactive"),
    (403, "User camunda.connectors logs in on sn.example.test but may not use the Table API (HTTP 403: ACL says "
          "no); add snc_platform_rest_api_access (or itil) to roles when the REST API ACLs are active"),
])
def test_login_check_failures(fake_http, status, expected):
    fake_http.add("GET", USERS, status=status, json={"error": {"message": "Denied", "detail": "ACL says no."}})
    module = Module()
    with pytest.raises(mod.UserError) as err:
        mod.check_login(client(module), module.params, HOST)
    assert str(err.value) == expected
    assert PASSWORD not in str(err.value)


@pytest.mark.parametrize("creator, made_by, removed", [("admin", "admin", True), ("admin", "jane", False),
                                                       ("", "admin", False)])
def test_absent_removes_only_a_user_the_caller_created(fake_http, creator, made_by, removed):
    row = {"sys_id": USER_ID, "user_name": "camunda.connectors", "first_name": "Camunda", "last_name": "Connectors",
           "web_service_access_only": "true", "active": "true"}
    fake_http.add("GET", USERS, json={"result": [row]})
    fake_http.add("GET", USERS, json={"result": [{"sys_id": USER_ID, "sys_created_by": made_by}]})
    fake_http.add("GET", "/api/now/table/sys_user_has_role", json={"result": [
        {"sys_id": "g" * 32, "role.name": "itil", "inherited": "false"}]})
    fake_http.add("DELETE", "/api/now/table/sys_user_has_role/" + "g" * 32, status=204)
    fake_http.add("DELETE", USERS + "/" + USER_ID, status=204)
    module = Module(state="absent", password=None, created_by=creator)
    result = mod.run(module, client(module))
    deletes = [c.path for c in fake_http.calls if c.method == "DELETE"]
    assert result["changed"] is removed
    if removed:
        assert deletes == ["/api/now/table/sys_user_has_role/" + "g" * 32, USERS + "/" + USER_ID]
        assert result["kept"] == ""
    else:
        assert deletes == []
        assert result["kept"].startswith("user camunda.connectors on sn.example.test was created by ")
        assert result["kept"].endswith("so it stays")
