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


def _second_default(sn):
    entity = _provider(sn)
    response = sn.create("oauth_entity_profile", {"name": "second", "oauth_entity": entity["sys_id"], "default": "true",
                                                  "grant_type": "client_credentials"})
    defaults = sn.table("oauth_entity_profile", sysparm_query="oauth_entity=%s^default=true^ORDERBYname" % entity["sys_id"],
                        sysparm_fields="name").json()["result"]
    return response, [row["name"] for row in defaults]


def test_second_default_profile_refused_by_default(sn):
    response, defaults = _second_default(sn)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Operation Failed"
    assert "There can be only one default profile" in response.json()["error"]["detail"]
    assert "'Camunda OAuth default_profile' is already its default profile" in response.json()["error"]["detail"]
    assert defaults == ["Camunda OAuth default_profile"]


def test_second_default_profile_refused_on_update_too(sn):
    entity = _provider(sn)
    other = sn.create("oauth_entity_profile", {"name": "other", "oauth_entity": entity["sys_id"], "default": "false",
                                               "grant_type": "client_credentials"}).json()["result"]
    assert sn.patch("oauth_entity_profile", other["sys_id"], {"default": "true"}).status_code == 403
    first = sn.one("oauth_entity_profile", "name=Camunda OAuth default_profile")
    assert sn.patch("oauth_entity_profile", first["sys_id"], {"default": "false"}).status_code == 200
    assert sn.patch("oauth_entity_profile", other["sys_id"], {"default": "true"}).status_code == 200


def test_second_default_profile_clears_the_other_when_flagged(sn):
    sn.flags(second_default_profile="clear")
    response, defaults = _second_default(sn)
    assert response.status_code == 201
    assert defaults == ["second"]


def test_second_default_profile_kept_when_flagged(sn):
    sn.flags(second_default_profile="keep")
    response, defaults = _second_default(sn)
    assert response.status_code == 201
    assert defaults == ["Camunda OAuth default_profile", "second"]


def test_second_default_profile_flag_values_checked(sn):
    import pytest  # pylint: disable=import-outside-toplevel
    from harness import SandboxError  # pylint: disable=import-outside-toplevel
    with pytest.raises(SandboxError) as err:
        sn.flags(second_default_profile="sometimes")
    assert "400" in str(err.value) and "refuse, clear, keep" in str(err.value)


def test_values_normalised_when_stored_by_default(sn):
    created = _provider(sn, active="1", refresh_token_lifespan="8,640,000", access_token_lifespan="1800.0")
    assert (created["active"], created["refresh_token_lifespan"], created["access_token_lifespan"]) == (
        "true", "8640000", "1800")
    again = sn.patch("oauth_entity", created["sys_id"], {"active": "yes"}).json()["result"]
    assert again["active"] == "true"


def test_values_stored_as_sent_when_flagged(sn):
    sn.flags(normalize_values=False)
    created = _provider(sn, active="1", refresh_token_lifespan="8,640,000")
    assert (created["active"], created["refresh_token_lifespan"]) == ("1", "8,640,000")
    assert _provider(sn, name="typed", active=True)["active"] == "true"


def test_sys_scope_ignored_on_insert_by_default(sn):
    sn.flags(spoke_installed=True)
    scope = sn.one("sys_scope", "scope=x_camun_camunda")["sys_id"]
    created = _provider(sn, sys_scope=scope)
    assert created["sys_scope"] == "global"
    patched = sn.patch("oauth_entity", created["sys_id"], {"sys_scope": scope}, sysparm_exclude_reference_link="true")
    assert patched.json()["result"]["sys_scope"] == "global"


def test_sys_scope_writable_when_flagged(sn):
    sn.flags(spoke_installed=True, sys_scope_writable=True)
    scope = sn.one("sys_scope", "scope=x_camun_camunda")["sys_id"]
    assert _provider(sn, sys_scope=scope)["sys_scope"] == scope


def test_case_sensitive_queries_by_default(sn):
    _provider(sn, name="camunda oauth")
    rows = sn.table("oauth_entity", sysparm_query="name=Camunda OAuth", sysparm_fields="name").json()["result"]
    assert rows == []
    assert _provider(sn, name="Camunda OAuth")["name"] == "Camunda OAuth"


def test_case_insensitive_queries_when_flagged(sn):
    sn.flags(case_insensitive_queries=True)
    _provider(sn, name="camunda oauth")
    for query in ("name=Camunda OAuth", "nameLIKEOAUTH", "nameSTARTSWITHCAMUNDA", "nameINx,CAMUNDA OAUTH"):
        rows = sn.table("oauth_entity", sysparm_query=query, sysparm_fields="name").json()["result"]
        assert rows == [{"name": "camunda oauth"}], query
    assert sn.table("oauth_entity", sysparm_query="name!=CAMUNDA OAUTH^type=oauth_provider").json()["result"] == []


def test_connection_name_uniqueness_follows_case_folding(sn):
    assert sn.create("http_connection", {"name": "Camunda Connection"}).status_code == 201
    assert sn.create("http_connection", {"name": "camunda connection"}).status_code == 201
    sn.flags(case_insensitive_queries=True)
    response = sn.create("http_connection", {"name": "CAMUNDA CONNECTION"})
    assert response.status_code == 403 and "must be unique" in response.json()["error"]["detail"]


def _url_connection(sn, **extra):
    body = {"name": "url", "url_builder": "true", "protocol": "https", "host": "bru-2.zeebe.camunda.io",
            "base_path": "/cluster-1", "connection_url": "https://sent.example/other"}
    body.update(extra)
    return sn.create("http_connection", body).json()["result"]


def test_connection_url_computed_by_default(sn):
    assert _url_connection(sn)["connection_url"] == "https://bru-2.zeebe.camunda.io/cluster-1"
    assert _url_connection(sn, name="port", port="443")["connection_url"] == "https://bru-2.zeebe.camunda.io:443/cluster-1"
    row = _url_connection(sn, name="other-port", port="8443", base_path="v2")
    assert row["connection_url"] == "https://bru-2.zeebe.camunda.io:8443/v2"
    patched = sn.patch("http_connection", row["sys_id"], {"host": "jfk-1.zeebe.camunda.io"}).json()["result"]
    assert patched["connection_url"] == "https://jfk-1.zeebe.camunda.io:8443/v2"
    # Without the URL builder the instance keeps what was sent.
    assert _url_connection(sn, name="manual", url_builder="false")["connection_url"] == "https://sent.example/other"


def test_connection_url_stored_as_sent_when_flagged(sn):
    sn.flags(computed_connection_url=False)
    assert _url_connection(sn)["connection_url"] == "https://sent.example/other"


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
