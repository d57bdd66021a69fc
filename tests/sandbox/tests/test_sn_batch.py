"""Batch API ``POST /api/now/v1/batch`` (§5)."""

import base64
import json


def _item(item_id, method, url, body=None, headers=None, **extra):
    item = {"id": item_id, "method": method, "url": url,
            "headers": headers if headers is not None else [{"name": "Accept", "value": "application/json"},
                                                            {"name": "Content-Type", "value": "application/json"}]}
    if body is not None:
        item["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    item.update(extra)
    return item


def _decode(item):
    return json.loads(base64.b64decode(item["body"])) if item["body"] else None


def test_batch_runs_each_item_through_the_table_api(sn, sandbox):
    # the log is empty when this test runs first in a fresh sandbox: start from 0 then
    previous = sandbox.control("GET", "/log")
    since = previous[-1]["seq"] if previous else 0
    body = {"batch_request_id": "b1", "rest_requests": [
        _item("1", "GET", "/api/now/table/sys_properties?sysparm_query=name=glide.buildname&sysparm_fields=value"),
        _item("2", "POST", "/api/now/table/sys_properties", {"name": "from.batch", "value": "1"}),
        _item("3", "GET", "/api/now/v1/table/sys_properties?sysparm_query=name=nothing", exclude_response_headers=True),
        _item("4", "GET", "/api/now/table/sys_properties", headers=[]),
    ]}
    response = sn.request("POST", "/api/now/v1/batch", json=body)
    assert response.status_code == 200
    out = response.json()
    assert out["batch_request_id"] == "b1" and out["unserviced_requests"] == []
    items = {i["id"]: i for i in out["serviced_requests"]}
    assert items["1"]["status_code"] == 200 and items["1"]["status_text"] == "OK"
    assert _decode(items["1"]) == {"result": [{"value": "Yokohama"}]}
    assert {"name": "X-Total-Count", "value": "1"} in items["1"]["headers"]
    assert items["2"]["status_code"] == 201 and _decode(items["2"])["result"]["name"] == "from.batch"
    assert items["3"]["status_code"] == 404 and items["3"]["headers"] == []
    assert items["4"]["status_code"] == 400  # an item without Accept is refused like a direct request
    log = sandbox.control("GET", "/log", params={"since": since, "service": "sn1"})
    inner = [e for e in log if e["batch_item"]]
    assert [e["path"] for e in inner] == ["/api/now/table/sys_properties", "/api/now/table/sys_properties",
                                          "/api/now/v1/table/sys_properties", "/api/now/table/sys_properties"]
    assert all(e["principal"] == "admin" for e in inner)
    assert [e["path"] for e in log if not e["batch_item"]] == ["/api/now/v1/batch"]
    assert sn.one("sys_properties", "name=from.batch", sysparm_fields="value") == {"value": "1"}


def test_batch_items_obey_acls(sn):
    body = {"batch_request_id": "b2", "rest_requests": [_item("1", "POST", "/api/now/table/http_connection", {"name": "x"})]}
    out = sn.request("POST", "/api/now/v1/batch", json=body, user="oauth_admin").json()
    assert out["serviced_requests"][0]["status_code"] == 403


def test_batch_quota_leaves_items_unserviced(sn, sandbox):
    sn.flags(batch_time_quota_ms=100)
    sandbox.control("POST", "/faults", json={"service": "sn1", "path": "^/api/now/table/sys_user$", "delay_ms": 300, "times": 1})
    body = {"batch_request_id": "b3", "rest_requests": [_item("1", "GET", "/api/now/table/sys_user?sysparm_limit=1"),
                                                        _item("2", "GET", "/api/now/table/sys_user?sysparm_limit=1")]}
    out = sn.request("POST", "/api/now/v1/batch", json=body).json()
    assert [i["id"] for i in out["serviced_requests"]] == ["1"]
    assert out["unserviced_requests"] == ["2"]


def test_batch_bad_body(sn):
    assert sn.request("POST", "/api/now/v1/batch", json={"nope": 1}).status_code == 400
    assert sn.request("GET", "/api/now/v1/batch").status_code == 405


def test_batch_api_absent_when_flagged(sn):
    body = {"batch_request_id": "b", "rest_requests": [_item("1", "GET", "/api/now/table/sys_properties")]}
    assert sn.request("POST", "/api/now/v1/batch", json=body).status_code == 200  # served by default (§5 VERIFIED)
    sn.flags(batch_api=False)
    for path in ("/api/now/v1/batch", "/api/now/batch"):
        response = sn.request("POST", path, json=body)
        assert response.status_code == 400
        assert response.json() == {"error": {"message": "Requested URI does not represent any resource", "detail": None},
                                   "status": "failure"}


def test_sys_plugins_table_absent_when_flagged(sn):
    body = {"batch_request_id": "b", "rest_requests": [
        _item("1", "GET", "/api/now/table/v_plugin?sysparm_query=id=com.glide.hub.integrations&sysparm_fields=active"),
        _item("2", "GET", "/api/now/table/sys_plugins?sysparm_query=source=com.glide.hub.integrations&sysparm_fields=active")]}
    items = {i["id"]: i for i in sn.request("POST", "/api/now/v1/batch", json=body).json()["serviced_requests"]}
    assert (items["1"]["status_code"], items["2"]["status_code"]) == (200, 200)
    sn.flags(sys_plugins_table=False)
    items = {i["id"]: i for i in sn.request("POST", "/api/now/v1/batch", json=body).json()["serviced_requests"]}
    assert items["1"]["status_code"] == 200
    assert items["2"]["status_code"] == 400
    assert _decode(items["2"])["error"]["message"] == "Invalid table sys_plugins"
    assert sn.table("sys_plugins").status_code == 400
