"""Encoded queries over the wire (servicenow-api.md §4 "Encoded query syntax", "Invalid parts ... ignored")."""

import pytest

ROWS = [
    {"name": "alpha one", "value": "10"},
    {"name": "alpha two", "value": "2"},
    {"name": "beta", "value": ""},
    {"name": "gamma^caret", "value": "30"},
]


@pytest.fixture
def props(sn):
    for row in ROWS:
        assert sn.create("sys_properties", dict(row, description="qtest")).status_code == 201
    return sn


def names(sn, query, **params):
    response = sn.table("sys_properties", sysparm_query="description=qtest^" + query if query else "description=qtest",
                        sysparm_fields="name", **params)
    assert response.status_code == 200, response.text
    return [row["name"] for row in response.json()["result"]]


@pytest.mark.parametrize("query,expected", [
    ("name=beta", ["beta"]),
    ("name!=beta", ["alpha one", "alpha two", "gamma^caret"]),
    ("nameLIKEpha", ["alpha one", "alpha two"]),
    ("nameNOT LIKEalpha", ["beta", "gamma^caret"]),
    ("nameSTARTSWITHalpha", ["alpha one", "alpha two"]),
    ("nameENDSWITHtwo", ["alpha two"]),
    ("nameINbeta,alpha one,nothing", ["alpha one", "beta"]),
    ("valueISEMPTY", ["beta"]),
    ("valueISNOTEMPTY", ["alpha one", "alpha two", "gamma^caret"]),
    ("name=beta^ORname=alpha two", ["alpha two", "beta"]),
    ("nameSTARTSWITHalpha^value=2", ["alpha two"]),
    ("name=Beta", []),  # values are case-sensitive
    ("name=gamma^^caret", ["gamma^caret"]),  # ^^ is a literal caret
    ("ORDERBYDESCname", ["gamma^caret", "beta", "alpha two", "alpha one"]),
    ("valueISNOTEMPTY^ORDERBYvalue", ["alpha one", "alpha two", "gamma^caret"]),  # a string column sorts as text
])
def test_operators(props, query, expected):
    got = names(props, query)
    if "ORDERBY" in query:
        assert got == expected
    else:
        assert sorted(got) == sorted(expected)


def test_new_query_adds_rows(props):
    response = props.table("sys_properties", sysparm_query="name=beta^NQname=alpha one^description=qtest", sysparm_fields="name")
    assert sorted(r["name"] for r in response.json()["result"]) == ["alpha one", "beta"]


def test_unknown_field_is_silently_ignored(props):
    # The bad term is dropped: the rest still filters, and a lone bad term returns every row (§4).
    assert sorted(names(props, "nmae=beta")) == sorted(r["name"] for r in ROWS)
    response = props.table("sys_properties", sysparm_query="no_such_field=x")
    assert response.status_code == 200
    assert int(response.headers["X-Total-Count"]) >= len(ROWS) + 2


def test_invalid_query_returns_no_rows_property(props):
    assert props.create("sys_properties", {"name": "glide.invalid_query.returns_no_rows", "value": "true"}).status_code == 201
    assert names(props, "nmae=beta") == []
    assert names(props, "name=beta") == ["beta"]


def test_name_value_pairs_filter(props):
    response = props.table("sys_properties", name="beta", description="qtest", sysparm_fields="name,value")
    assert response.json()["result"] == [{"name": "beta", "value": ""}]
    response = props.table("sys_properties", bogus_column="x", description="qtest", sysparm_fields="name")
    assert len(response.json()["result"]) == len(ROWS)


def test_dot_walk_one_level(sn):
    sn.flags(spoke_installed=True)
    rows = sn.table("sys_script_include", sysparm_query="sys_scope.scope=x_camun_camunda",
                    sysparm_fields="name,sys_scope.scope", sysparm_exclude_reference_link="true").json()["result"]
    assert rows == [{"name": "OAuthCamundaUtil", "sys_scope.scope": "x_camun_camunda"}]
    assert sn.table("sys_script_include", sysparm_query="sys_scope.scope=global").json()["result"] == []


def test_limit_offset_total_and_link(props):
    response = props.table("sys_properties", sysparm_query="description=qtest^ORDERBYname", sysparm_fields="name",
                           sysparm_limit="2", sysparm_offset="1")
    assert [r["name"] for r in response.json()["result"]] == ["alpha two", "beta"]
    assert response.headers["X-Total-Count"] == "4"
    links = response.headers["Link"]
    assert 'sysparm_offset=0>;rel="first"' in links
    assert 'sysparm_offset=0>;rel="prev"' in links
    assert 'sysparm_offset=3>;rel="next"' in links
    assert 'sysparm_offset=2>;rel="last"' in links
    assert links.startswith("<" + props.url + "/api/now/table/sys_properties?")


def test_no_count_omits_total(props):
    response = props.table("sys_properties", sysparm_query="description=qtest", sysparm_no_count="true", sysparm_limit="2")
    assert "X-Total-Count" not in response.headers
    assert 'rel="next"' in response.headers["Link"] and 'rel="last"' not in response.headers["Link"]
    response = props.table("sys_properties", sysparm_suppress_pagination_header="true")
    assert "Link" not in response.headers
