"""Authentication (§5), ACLs (§2, §4 status codes) and rate limiting (§4) over the wire."""

import time

import pytest

UNAUTH = {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"}


def test_wrong_password_and_no_credentials_get_401_envelope(sn):
    response = sn.request("GET", "/api/now/table/sys_user", auth=("admin", "wrong"))
    assert response.status_code == 401 and response.json() == UNAUTH
    response = sn.request("GET", "/api/now/table/sys_user", user=None)
    assert response.status_code == 401 and response.json() == UNAUTH
    response = sn.request("GET", "/api/now/table/sys_user", user=None, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def _password_grant(sn, user="admin"):
    client = sn.info["oauth_client"]
    username, password = sn.creds(user)
    return sn.token(grant_type="password", client_id=client["client_id"], client_secret=client["client_secret"],
                    username=username, password=password)


def _bearer_get(sn, token):
    return sn.request("GET", "/api/now/table/sys_user", user=None, headers={"Authorization": "Bearer " + token},
                      params={"sysparm_limit": "1"})


def test_password_grant_refresh_and_expiry(sn, sandbox):
    response = _password_grant(sn)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1799 and body["scope"] == "useraccount"
    assert _bearer_get(sn, body["access_token"]).status_code == 200
    sandbox.control("POST", "/expire-tokens", json={"service": "sn1"})
    assert _bearer_get(sn, body["access_token"]).status_code == 401
    client = sn.info["oauth_client"]
    refreshed = sn.token(grant_type="refresh_token", client_id=client["client_id"], client_secret=client["client_secret"],
                         refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.json()
    assert _bearer_get(sn, refreshed.json()["access_token"]).status_code == 200


def test_token_lifetime_flag_and_natural_expiry(sn):
    sn.flags(token_lifetime=2)
    body = _password_grant(sn).json()
    assert body["expires_in"] == 1
    time.sleep(2.1)
    assert _bearer_get(sn, body["access_token"]).status_code == 401


def test_token_lifetime_follows_the_client_record(sn):
    # §2.1: oauth_entity.access_token_lifespan (default 1800) sets expires_in; the flag only caps it.
    client = sn.info["oauth_client"]
    record = sn.one("oauth_entity", "client_id=%s" % client["client_id"], sysparm_fields="sys_id,access_token_lifespan")
    assert record["access_token_lifespan"] == "1800"
    assert sn.patch("oauth_entity", record["sys_id"], {"access_token_lifespan": "2"}).status_code == 200
    body = _password_grant(sn).json()
    assert body["expires_in"] == 1
    time.sleep(2.1)
    assert _bearer_get(sn, body["access_token"]).status_code == 401


def test_client_credentials_grant_needs_washington_dc(sn):
    # §5 (KB1645212): inbound client credentials are supported since Washington DC, even with the property set.
    client = sn.info["oauth_client"]
    form = {"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}
    sn.flags(client_credentials_grant=True, release="Vancouver")
    response = sn.token(**form)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    sn.flags(release="Washingtondc")
    assert sn.token(**form).status_code == 200


def test_token_endpoint_failures(sn):
    client = sn.info["oauth_client"]
    bad = sn.token(grant_type="password", client_id=client["client_id"], client_secret="wrong", username="admin", password="x")
    assert bad.status_code == 401 and bad.json() == {"error_description": "access_denied", "error": "server_error"}
    bad_user = sn.token(grant_type="password", client_id=client["client_id"], client_secret=client["client_secret"],
                        username="admin", password="wrong")
    assert bad_user.status_code == 401
    as_json = sn.session.post(sn.url + "/oauth_token.do", json={"grant_type": "password"}, verify=sn.verify, timeout=10)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    assert sn.token(grant_type="implicit", client_id=client["client_id"], client_secret=client["client_secret"]).status_code == 400


def test_client_credentials_only_while_property_is_true(sn):
    client = sn.info["oauth_client"]
    form = {"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}
    assert sn.token(**form).status_code == 401  # disabled by default (§5)
    sn.flags(client_credentials_grant=True)
    response = sn.token(**form)
    assert response.status_code == 200 and "refresh_token" not in response.json()
    assert _bearer_get(sn, response.json()["access_token"]).status_code == 200
    prop = sn.one("sys_properties", "name=glide.oauth.inbound.client.credential.grant_type.enabled")
    sn.patch("sys_properties", prop["sys_id"], {"value": "false"})  # switching it off through the Table API works too
    assert sn.token(**form).status_code == 401


def test_api_key_header_and_query(sn):
    key = sn.info["api_key"]
    assert sn.request("GET", "/api/now/table/sys_user", user=None, headers={"x-sn-apikey": key}).status_code == 200
    assert sn.request("GET", "/api/now/table/sys_user", user=None, params={"x-sn-apikey": key}).status_code == 200
    assert sn.request("GET", "/api/now/table/sys_user", user=None, headers={"x-sn-apikey": "bad"}).status_code == 401


def test_forbidden_writes_get_403_with_servicenow_wording(sn):
    response = sn.create("http_connection", {"name": "nope"}, user="oauth_admin")
    assert response.status_code == 403
    assert response.json() == {"error": {"message": "Operation Failed",
                                         "detail": "ACL Exception Insert Failed due to security constraints"},
                               "status": "failure"}
    assert sn.create("oauth_2_0_credentials", {"name": "nope"}, user="oauth_admin").status_code == 403
    assert sn.create("oauth_entity", {"name": "ok", "type": "oauth_provider", "client_id": "c"}, user="oauth_admin").status_code == 201
    entity = sn.one("oauth_entity", "name=ok")
    response = sn.patch("oauth_entity", entity["sys_id"], {"comments": "x"}, user="readonly")
    assert response.status_code == 403
    assert response.json()["error"]["detail"] == "ACL Exception Update Failed due to security constraints"
    response = sn.request("DELETE", "/api/now/table/oauth_entity/" + entity["sys_id"], user="readonly")
    assert response.json()["error"]["detail"] == "ACL Exception Delete Failed due to security constraints"


def test_hidden_reads_are_empty_lists_and_404_singles(sn):
    sn.create("http_connection", {"name": "hidden"})
    row = sn.one("http_connection", "name=hidden")
    listed = sn.table("http_connection", user="oauth_admin", sysparm_query="name=hidden")
    assert listed.status_code == 200 and listed.json()["result"] == []
    assert listed.headers["X-Total-Count"] == "1"  # the count is taken before ACLs
    assert sn.table("http_connection", user="oauth_admin", version="v1").status_code == 404
    single = sn.request("GET", "/api/now/table/http_connection/" + row["sys_id"], user="oauth_admin")
    assert single.status_code == 404
    assert sn.table("http_connection", user="readonly", sysparm_query="name=hidden").json()["result"][0]["name"] == "hidden"
    # the oauth_admin cannot see system properties either
    assert sn.table("sys_properties", user="oauth_admin").json()["result"] == []


def test_rate_limit(sn):
    sn.flags(rate_limit=3, rate_limit_window=3600)
    statuses = [sn.table("sys_user", sysparm_limit="1") for dummy in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    first, denied = statuses[0], statuses[3]
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert int(first.headers["X-RateLimit-Reset"]) > time.time()
    assert len(first.headers["X-RateLimit-Rule"]) == 32
    assert "X-RateLimit-Remaining" not in first.headers
    assert 1 <= int(denied.headers["Retry-After"]) <= 3600
    assert denied.json()["error"]["message"] == "Rate limit exceeded" and denied.json()["status"] == "failure"
    # per user: another user still gets through
    assert sn.table("sys_user", user="readonly", sysparm_limit="1").status_code == 200


@pytest.mark.parametrize("user,status", [("admin", 200), ("cicd", 200), ("oauth_admin", 403), ("readonly", 403)])
def test_cicd_roles(sn, user, status):
    response = sn.request("POST", "/api/sn_cicd/app_repo/install", user=user, params={"scope": "x_camun_camunda"}, json={})
    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]["message"] == "User Not Authorized"
