"""Business rules and secrets: §2.1 password2, §2.2 default profile, §2.4 alias ID, §2.5 connection rules."""

import json


def _provider(sn, name="Camunda OAuth", **extra):
    body = {"name": name, "type": "oauth_provider", "client_id": "cid", "client_secret": "s3cr3t-value",
            "default_grant_type": "client_credentials", "token_url": "https://login.cloud.camunda.io/oauth/token"}
    body.update(extra)
    response = sn.create("oauth_entity", body, sysparm_exclude_reference_link="true")
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_password2_is_never_returned_in_plain_text(sn, sandbox):
    created = _provider(sn)
    assert created["client_secret"] not in ("", "s3cr3t-value")
    for display in ("false", "true", "all"):
        response = sn.table("oauth_entity", sysparm_query="name=Camunda OAuth", sysparm_display_value=display)
        assert "s3cr3t-value" not in response.text
    # nor in the control plane's state dump or the state file
    assert "s3cr3t-value" not in json.dumps(sandbox.control("GET", "/state", params={"service": "sn1"}))
    with open("%s/sn1.json" % sandbox.state_dir, encoding="utf-8") as handle:
        assert "s3cr3t-value" not in handle.read()
    # a rewrite stores a new ciphertext
    again = sn.patch("oauth_entity", created["sys_id"], {"client_secret": "s3cr3t-value"}).json()["result"]
    assert again["client_secret"] != created["client_secret"]


def test_default_profile_created_for_a_provider(sn):
    entity = _provider(sn)
    profiles = sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s" % entity["sys_id"],
                        sysparm_fields="name,grant_type,default", sysparm_exclude_reference_link="true").json()["result"]
    assert profiles == [{"name": "Camunda OAuth default_profile", "grant_type": "client_credentials", "default": "true"}]


def test_no_default_profile_for_a_client_record(sn):
    entity = sn.create("oauth_entity", {"name": "Inbound", "type": "client", "client_id": "x"}).json()["result"]
    assert sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s" % entity["sys_id"]).json()["result"] == []


def test_default_profile_switched_off(sn):
    sn.flags(auto_default_profile=False)
    entity = _provider(sn)
    assert sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s" % entity["sys_id"]).json()["result"] == []


def test_only_one_default_profile(sn):
    entity = _provider(sn)
    second = sn.create("oauth_entity_profile", {"name": "second", "oauth_entity": entity["sys_id"], "default": "true",
                                                "grant_type": "client_credentials"}).json()["result"]
    defaults = sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s^default=true" % entity["sys_id"],
                        sysparm_fields="sys_id").json()["result"]
    assert defaults == [{"sys_id": second["sys_id"]}]


def _alias(sn, multiple=False):
    sn.flags(spoke_installed=True)
    alias = sn.one("sys_alias", "id=x_camun_camunda.Camunda", sysparm_exclude_reference_link="true")
    if multiple:
        sn.patch("sys_alias", alias["sys_id"], {"multiple_connections": "true"})
    return alias["sys_id"]


def test_second_active_connection_on_alias_is_refused(sn):
    alias = _alias(sn)
    assert sn.create("http_connection", {"name": "first", "connection_alias": alias, "active": "true"}).status_code == 201
    response = sn.create("http_connection", {"name": "second", "connection_alias": alias, "active": "true"})
    assert response.status_code == 403
    body = response.json()
    assert body["status"] == "failure" and body["error"]["message"] == "Operation Failed"
    assert "Only one active connection is allowed for connection alias x_camun_camunda.Camunda" in body["error"]["detail"]
    # an inactive one is fine, but activating it is refused too
    inactive = sn.create("http_connection", {"name": "second", "connection_alias": alias, "active": "false"}).json()["result"]
    assert sn.patch("http_connection", inactive["sys_id"], {"active": "true"}).status_code == 403
    assert len(sn.table("http_connection", sysparm_query="connection_alias=" + alias).json()["result"]) == 2


def test_multiple_connections_alias_allows_two(sn):
    alias = _alias(sn, multiple=True)
    for name in ("one", "two"):
        assert sn.create("http_connection", {"name": name, "connection_alias": alias}).status_code == 201


def test_connection_names_are_unique_and_credentials_unique_when_active(sn):
    assert sn.create("http_connection", {"name": "dup"}).status_code == 201
    response = sn.create("http_connection", {"name": "dup"})
    assert response.status_code == 403 and "must be unique" in response.json()["error"]["detail"]
    credential = sn.create("oauth_2_0_credentials", {"name": "cred"}).json()["result"]["sys_id"]
    assert sn.create("http_connection", {"name": "c1", "credential": credential}).status_code == 201
    response = sn.create("http_connection", {"name": "c2", "credential": credential})
    assert response.status_code == 403 and "credential is unique" in response.json()["error"]["detail"]


def test_alias_id_computed_from_scope(sn):
    created = sn.create("sys_alias", {"name": "MyAlias"}).json()["result"]
    assert created["id"] == "MyAlias" and created["type"] == "connection" and created["connection_type"] == "http_connection"
