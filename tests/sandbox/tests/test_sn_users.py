"""Integration users in the sandbox (emulator/servicenow/users.py): the password written over the Table API, roles
honoured by Basic auth, the web-service-only flag on the UI login, and the REST API ACLs switch."""

import requests


def make_user(sn, name="it.connector", password="Pw-1234567", display=True, **extra):
    body = {"user_name": name, "first_name": "IT", "last_name": "Connector", "web_service_access_only": "true",
            "user_password": password}
    body.update(extra)
    params = {"sysparm_input_display_value": "true"} if display else {}
    resp = sn.create("sys_user", body, **params)
    assert resp.status_code == 201, resp.text
    return resp.json()["result"]


def grant(sn, user_id, role):
    role_id = sn.one("sys_user_role", "name=" + role)["sys_id"]
    assert sn.create("sys_user_has_role", {"user": user_id, "role": role_id}).status_code == 201


def as_user(sn, path, name="it.connector", password="Pw-1234567"):
    return sn.request("GET", path, user=None, auth=(name, password))


def ui_login(sn, name, password):
    return requests.post(sn.url + "/login.do", data={"user_name": name, "user_password": password}, verify=sn.verify,
                         allow_redirects=False, timeout=30)


def test_password_set_with_display_value_logs_in_and_is_never_returned(sn):
    user = make_user(sn)
    assert "user_password" not in user
    assert as_user(sn, "/api/now/table/sys_user?sysparm_query=user_name=it.connector").status_code == 200
    assert as_user(sn, "/api/now/table/sys_user", password="wrong").status_code == 401


def test_password_without_display_value_is_stored_unhashed(sn):
    make_user(sn, display=False)
    assert as_user(sn, "/api/now/table/sys_user").status_code == 401
    user_id = sn.one("sys_user", "user_name=it.connector")["sys_id"]
    fixed = sn.patch("sys_user", user_id, {"user_password": "Pw-other-1"}, sysparm_input_display_value="true")
    assert fixed.status_code == 200
    assert as_user(sn, "/api/now/table/sys_user", password="Pw-other-1").status_code == 200


def test_only_admin_may_set_a_password(sn):
    grant(sn, sn.one("sys_user", "user_name=readonly")["sys_id"], "user_admin")
    user = make_user(sn)
    resp = sn.patch("sys_user", user["sys_id"], {"user_password": "Pw-by-user-admin"}, user="readonly",
                    sysparm_input_display_value="true")
    # readonly holds snc_read_only, which may never write; use a user_admin without it
    assert resp.status_code == 403
    creator = make_user(sn, name="ua", password="Pw-ua-12345")
    grant(sn, creator["sys_id"], "user_admin")
    resp = sn.request("PATCH", "/api/now/table/sys_user/%s" % user["sys_id"], user=None, auth=("ua", "Pw-ua-12345"),
                      json={"user_password": "Pw-by-user-admin"}, params={"sysparm_input_display_value": "true"})
    assert resp.status_code == 200  # the field is dropped without an error
    assert as_user(sn, "/api/now/table/sys_user", password="Pw-by-user-admin").status_code == 401
    assert as_user(sn, "/api/now/table/sys_user").status_code == 200


def test_roles_are_honoured(sn):
    user = make_user(sn)
    assert as_user(sn, "/api/now/table/sys_user_has_role").json()["result"] == []  # no role: no rows, still 200
    grant(sn, user["sys_id"], "user_admin")
    rows = as_user(sn, "/api/now/table/sys_user_has_role").json()["result"]
    assert rows  # a new session sees the new role


def test_web_service_only_user_may_not_use_the_ui(sn):
    make_user(sn)
    refused = ui_login(sn, "it.connector", "Pw-1234567")
    assert refused.status_code == 403 and "Non-interactive" in refused.text
    make_user(sn, name="person", password="Pw-person-1", web_service_access_only="false")
    ok = ui_login(sn, "person", "Pw-person-1")
    assert ok.status_code == 302 and ok.headers["Location"] == "/navpage.do"
    assert "invalid" in ui_login(sn, "person", "nope").text


def test_rest_api_acls_switch(sn):
    user = make_user(sn)
    assert as_user(sn, "/api/now/table/sys_user").status_code == 200
    assert sn.flags(rest_api_acls=True)["rest_api_acls"] is True
    refused = as_user(sn, "/api/now/table/sys_user")
    assert refused.status_code == 403
    assert refused.json()["error"]["detail"] == ("The REST API ACLs are active and require the "
                                                 "snc_platform_rest_api_access role")
    grant(sn, user["sys_id"], "itil")
    assert as_user(sn, "/api/now/table/sys_user").status_code == 200
    assert sn.table("sys_user").status_code == 200  # admin


def test_password_write_denied_switch(sn):
    user = make_user(sn)
    creator = make_user(sn, name="ua", password="Pw-ua-12345")
    grant(sn, creator["sys_id"], "user_admin")
    assert sn.flags(password_write_denied="403")["password_write_denied"] == "403"
    resp = sn.request("PATCH", "/api/now/table/sys_user/%s" % user["sys_id"], user=None, auth=("ua", "Pw-ua-12345"),
                      json={"user_password": "Pw-by-user-admin"}, params={"sysparm_input_display_value": "true"})
    assert resp.status_code == 403
    assert resp.json()["error"]["detail"] == "ACL Exception Update Failed due to security constraints"
    # other fields still work for user_admin
    other = sn.request("PATCH", "/api/now/table/sys_user/%s" % user["sys_id"], user=None, auth=("ua", "Pw-ua-12345"),
                       json={"last_name": "Renamed"})
    assert other.status_code == 200
