# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import query
from ansible_collections.camunda.servicenow.plugins.module_utils.query import QueryError, apply_query

RESULT = {
    "changed": False,
    "clients": [{"name": "servicenow-sn1-g1", "client_id": "a1"}, {"name": "other", "client_id": "b2"},
                {"name": "servicenow-sn1-g2", "client_id": "c3"}],
    "cluster": {"region": "bru-2", "version": "8.8.0"},
}


def test_no_query_returns_the_result_unchanged():
    assert apply_query(None, RESULT) is RESULT
    assert apply_query("   ", RESULT) is RESULT


@pytest.mark.parametrize("expression,expected", [
    ("clients[?starts_with(name, 'servicenow-')].client_id", ["a1", "c3"]),
    ("length(clients)", 3),
    ("cluster.region", "bru-2"),
    ("clients[?name=='nothing']", []),
    ("missing.key", None),
    ("changed", None),   # Ansible's bookkeeping is not data
])
def test_query_answers(expression, expected):
    out = apply_query(expression, RESULT)
    assert out["query_result"] == expected
    assert dict((k, v) for k, v in out.items() if k != "query_result") == RESULT   # the rest untouched


def test_invalid_expression_names_the_option():
    with pytest.raises(QueryError) as err:
        apply_query("clients[", RESULT, "camunda.servicenow.camunda_client_info")
    assert str(err.value) == ("The query option of camunda.servicenow.camunda_client_info is not a valid JMESPath "
                              "expression (Invalid jmespath expression: Incomplete expression): clients[")


def test_type_error_never_echoes_result_data():
    result = {"record": {"client_id": "do-not-echo-me-123"}}
    with pytest.raises(QueryError) as err:
        apply_query("abs(record.client_id)", result, "m")
    assert "do-not-echo-me-123" not in str(err.value)
    assert str(err.value) == ("The query option of m gave a function a value of the wrong type; check the types of the "
                              "values the module returns (ansible-doc shows them): abs(record.client_id)")


def test_missing_jmespath_says_what_to_install(monkeypatch):
    monkeypatch.setattr(query, "_jmespath", lambda: None)
    with pytest.raises(QueryError) as err:
        apply_query("cluster", RESULT, "camunda.servicenow.camunda_cluster_info")
    assert str(err.value) == ("The query option of camunda.servicenow.camunda_cluster_info needs the Python package "
                              "jmespath on the host that runs the module (pip install jmespath, or use the collection's "
                              "execution environment).")
    # without a query the package is never needed
    assert apply_query(None, RESULT) is RESULT
