"""Table API shape and semantics (servicenow-api.md §4), including the tables of §2."""

import re

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_v1_empty_list_is_404_v2_and_unversioned_200(sn):
    for version, status in (("v1", 404), ("v2", 200), ("", 200)):
        response = sn.table("sys_properties", version=version, sysparm_query="name=does.not.exist")
        assert response.status_code == status, version
        if status == 404:
            assert response.json() == {"error": {"message": "No Record found", "detail":
                                                 "Records matching query not found. Check query parameter or offset parameter"},
                                       "status": "failure"}
        else:
            assert response.json() == {"result": []}
            assert response.headers["X-Total-Count"] == "0"


def test_missing_headers_give_400_and_wrong_ones_406_415(sn):
    response = sn.request("GET", "/api/now/table/sys_user", headers={"Accept": None})
    assert response.status_code == 400
    assert response.json()["status"] == "failure" and response.json()["error"]["message"] == "Missing header"
    response = sn.request("POST", "/api/now/table/sys_properties", headers={"Content-Type": None}, data=b'{"name": "x"}')
    assert response.status_code == 400
    assert "Content-Type" in response.json()["error"]["detail"]
    response = sn.request("DELETE", "/api/now/table/sys_properties/0123456789abcdef0123456789abcdef", headers={"Content-Type": None})
    assert response.status_code == 400
    assert sn.request("GET", "/api/now/table/sys_user", headers={"Accept": "text/html"}).status_code == 406
    assert sn.request("POST", "/api/now/table/sys_properties", headers={"Content-Type": "text/plain"}, data=b"x").status_code == 415


def test_invalid_table_and_bad_json(sn):
    response = sn.table("no_such_table")
    assert response.status_code == 400
    assert response.json() == {"error": {"message": "Invalid table no_such_table", "detail": None}, "status": "failure"}
    response = sn.request("POST", "/api/now/table/sys_properties", data=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Exception while reading request"


def test_create_read_update_delete(sn):
    response = sn.create("sys_properties", {"name": "x.test", "value": 5, "is_private": True, "not_a_column": "ignored",
                                            "sys_created_by": "mallory"})
    assert response.status_code == 201
    record = response.json()["result"]
    assert HEX32.match(record["sys_id"])
    assert response.headers["Location"] == "%s/api/now/table/sys_properties/%s" % (sn.url, record["sys_id"])
    assert record["value"] == "5" and record["is_private"] == "true"  # every value is a string
    assert "not_a_column" not in record
    assert record["sys_created_by"] == "admin" and record["sys_mod_count"] == "0"
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", record["sys_created_on"])
    assert record["sys_class_name"] == "sys_properties"
    assert all(isinstance(v, (str, dict)) for v in record.values())

    path = "/api/now/table/sys_properties/" + record["sys_id"]
    got = sn.request("GET", path).json()["result"]
    assert got["value"] == "5"
    for method in ("PATCH", "PUT"):
        response = sn.request(method, path, json={"value": method})
        assert response.status_code == 200
        assert response.json()["result"]["value"] == method
    assert response.json()["result"]["sys_mod_count"] == "2"
    unchanged = sn.request("PATCH", path, json={"value": "PUT"}).json()["result"]
    assert unchanged["sys_mod_count"] == "2"
    assert sn.request("DELETE", path).status_code == 204
    response = sn.request("GET", path)
    assert response.status_code == 404
    assert response.json()["error"] == {"message": "No Record found",
                                        "detail": "Record doesn't exist or ACL restricts the record retrieval"}
    assert sn.request("DELETE", path).status_code == 404
    assert sn.request("PATCH", path, json={"value": "x"}).status_code == 404


def test_no_response_body_and_method_override(sn):
    response = sn.request("POST", "/api/now/table/sys_properties", json={"name": "quiet"}, headers={"X-no-response-body": "true"})
    assert response.status_code == 201 and response.content == b""
    sys_id = response.headers["Location"].rsplit("/", 1)[1]
    response = sn.request("POST", "/api/now/table/sys_properties/" + sys_id, json={"value": "v"},
                          headers={"X-HTTP-Method-Override": "PATCH"})
    assert response.status_code == 200 and response.json()["result"]["value"] == "v"


def test_references_and_display_values(sn):
    entity = sn.create("oauth_entity", {"name": "Ref Test", "type": "oauth_provider", "client_id": "c",
                                        "default_grant_type": "client_credentials"}).json()["result"]
    profile = sn.one("oauth_entity_profile", "oauth_entity=%s" % entity["sys_id"])
    assert profile["oauth_entity"] == {"link": "%s/api/now/table/oauth_entity/%s" % (sn.url, entity["sys_id"]),
                                       "value": entity["sys_id"]}
    plain = sn.one("oauth_entity_profile", "oauth_entity=%s" % entity["sys_id"], sysparm_exclude_reference_link="true")
    assert plain["oauth_entity"] == entity["sys_id"]
    shown = sn.one("oauth_entity_profile", "oauth_entity=%s" % entity["sys_id"], sysparm_display_value="true",
                   sysparm_fields="oauth_entity,grant_type,default,sys_scope")
    # display_value=true: a reference is {display_value, link} (no sys_id), unless links are excluded [I]
    assert shown == {"oauth_entity": {"display_value": "Ref Test",
                                      "link": "%s/api/now/table/oauth_entity/%s" % (sn.url, entity["sys_id"])},
                     "grant_type": "Client Credentials", "default": "true",
                     "sys_scope": {"display_value": "Global", "link": "%s/api/now/table/sys_scope/global" % sn.url}}
    flat = sn.one("oauth_entity_profile", "oauth_entity=%s" % entity["sys_id"], sysparm_display_value="true",
                  sysparm_exclude_reference_link="true", sysparm_fields="oauth_entity,sys_scope")
    assert flat == {"oauth_entity": "Ref Test", "sys_scope": "Global"}
    # choice fields are queried by value, not by label (§4)
    assert sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s^grant_type=Client Credentials" % entity["sys_id"],
                    sysparm_query_no_domain="true").json()["result"] == []
    both = sn.one("oauth_entity_profile", "oauth_entity=%s" % entity["sys_id"], sysparm_display_value="all",
                  sysparm_fields="oauth_entity,grant_type")
    assert both == {"oauth_entity": {"display_value": "Ref Test", "value": entity["sys_id"],
                                     "link": "%s/api/now/table/oauth_entity/%s" % (sn.url, entity["sys_id"])},
                    "grant_type": {"display_value": "Client Credentials", "value": "client_credentials"}}
    lifespan = sn.one("oauth_entity", "sys_id=%s" % entity["sys_id"], sysparm_display_value="true",
                      sysparm_fields="refresh_token_lifespan")
    assert lifespan == {"refresh_token_lifespan": "8,640,000"}
    # empty references are empty strings, not objects
    assert sn.one("oauth_entity", "sys_id=%s" % entity["sys_id"], sysparm_fields="oauth_api_script") == {"oauth_api_script": ""}


def test_input_display_value_resolves_reference_names(sn):
    sn.create("oauth_entity", {"name": "Resolve Me", "type": "oauth_provider", "client_id": "c"})
    response = sn.create("oauth_entity_profile", {"name": "by name", "oauth_entity": "Resolve Me"},
                         sysparm_input_display_value="true", sysparm_exclude_reference_link="true")
    entity = sn.one("oauth_entity", "name=Resolve Me")
    assert response.json()["result"]["oauth_entity"] == entity["sys_id"]
    response = sn.create("oauth_entity_profile", {"name": "raw", "oauth_entity": "Resolve Me"}, sysparm_exclude_reference_link="true")
    assert response.json()["result"]["oauth_entity"] == "Resolve Me"  # without the flag the string is stored as given


def test_fields_ignores_invalid_names(sn):
    row = sn.one("sys_properties", "name=glide.buildname", sysparm_fields="name,value,nonsense")
    assert row == {"name": "glide.buildname", "value": "Yokohama"}


def test_oauth_entity_defaults(sn):
    record = sn.create("oauth_entity", {"name": "Defaults", "client_id": "c"}, sysparm_exclude_reference_link="true").json()["result"]
    expected = {"type": "client", "default_grant_type": "password", "refresh_token_lifespan": "8640000",
                "access_token_lifespan": "1800", "send_client_credentials_as": "request_body_parameter", "access": "public",
                "active": "true", "sys_scope": "global", "client_secret": "", "oauth_api_script": ""}
    assert {k: record[k] for k in expected} == expected


def test_credentials_and_connections_inherit(sn):
    sn.flags(spoke_installed=True)
    alias = sn.one("sys_alias", "id=x_camun_camunda.Camunda", sysparm_exclude_reference_link="true")
    credential = sn.create("oauth_2_0_credentials", {"name": "Camunda Connection"}).json()["result"]
    assert credential["type"] == "oauth_2_0" and credential["order"] == "100" and credential["active"] == "true"
    parent_view = sn.one("discovery_credentials", "name=Camunda Connection", sysparm_fields="sys_id,sys_class_name,type")
    assert parent_view == {"sys_id": credential["sys_id"], "sys_class_name": "oauth_2_0_credentials", "type": "oauth_2_0"}
    connection = sn.create("http_connection", {"name": "Camunda API Connection", "connection_alias": alias["sys_id"],
                                               "credential": credential["sys_id"], "host": "bru-2.zeebe.camunda.io"}).json()["result"]
    assert connection["protocol"] == "https" and connection["url_builder"] == "false" and connection["sys_domain"]["value"] == "global"
    # Read through the parent, a child row shows the parent's columns only: host is an http_connection column.
    parent = sn.one("sys_connection", "name=Camunda API Connection", sysparm_fields="sys_class_name,host,name")
    assert parent == {"sys_class_name": "http_connection", "name": "Camunda API Connection"}
    whole = sn.one("sys_connection", "name=Camunda API Connection")
    assert "host" not in whole and "url_builder" not in whole and whole["connection_alias"]["value"] == alias["sys_id"]
    assert sn.one("http_connection", "name=Camunda API Connection", sysparm_fields="host") == {"host": "bru-2.zeebe.camunda.io"}
    # a child's column in a parent-table query is an unknown field: the term is dropped, not applied
    assert len(sn.table("sys_connection", sysparm_query="host=nowhere").json()["result"]) == 1
    app = sn.one("sys_scope", "scope=x_camun_camunda", sysparm_fields="sys_class_name,version,name,latest_version")
    assert app == {"sys_class_name": "sys_store_app", "version": "1.2.0", "name": "Camunda Spoke"}
    assert "latest_version" in sn.one("sys_store_app", "scope=x_camun_camunda")
    assert sn.table("sys_app", sysparm_query="scope=x_camun_camunda").json()["result"] == []


def test_fresh_instance_tables(sn):
    assert sn.one("sys_properties", "name=glide.buildname", sysparm_fields="value") == {"value": "Yokohama"}
    assert sn.table("sys_store_app", sysparm_query="scope=x_camun_camunda").json()["result"] == []
    assert sn.table("sys_alias", sysparm_query="id=x_camun_camunda.Camunda").json()["result"] == []
    assert sn.table("sys_properties", sysparm_query="name=glide.oauth.inbound.client.credential.grant_type.enabled").json()["result"] == []
    plugins = {r["id"]: r["active"] for r in sn.table("v_plugin", sysparm_fields="id,active").json()["result"]}
    assert plugins["com.glide.hub.integrations"] == "active"
    assert plugins["com.glide.hub.action_step.rest"] == "active"
    assert plugins["com.glide.hub.integrations.enterprise"] == "inactive"
    assert plugins["com.glide.hub.flow_trigger.rest"] == "inactive"
    legacy = {r["source"]: r["active"] for r in sn.table("sys_plugins", sysparm_fields="source,active").json()["result"]}
    assert legacy["com.glide.hub.integrations"] == "1" and legacy["com.glide.hub.integrations.enterprise"] == "0"
    roles = {r["name"] for r in sn.table("sys_user_role", sysparm_fields="name").json()["result"]}
    assert {"admin", "oauth_admin", "connection_admin", "credential_admin", "snc_read_only"} <= roles


def test_plugin_and_release_flags(sn):
    sn.flags(enterprise_plugin=True, flow_trigger_rest_plugin=True, starter_plugin=False, release="Zurich")
    plugins = {r["id"]: r["active"] for r in sn.table("v_plugin", sysparm_fields="id,active").json()["result"]}
    assert plugins["com.glide.hub.integrations.enterprise"] == "active"
    assert plugins["com.glide.hub.flow_trigger.rest"] == "active"
    assert plugins["com.glide.hub.integrations"] == "inactive"
    assert sn.one("sys_properties", "name=glide.buildname", sysparm_fields="value") == {"value": "Zurich"}
