# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.modules.camunda_client_info import select_clients

ROWS = [
    {"clientId": "id-3", "name": "servicenow-sn1-g10", "permissions": ["Zeebe"]},
    {"clientId": "id-1", "name": "servicenow-sn1-g1", "permissions": ["Zeebe", "Secrets"]},
    {"clientId": "id-2", "name": "servicenow-sn10-g1", "permissions": ["Zeebe"]},
    {"clientId": "id-4", "name": "other", "permissions": []},
    "junk",
    {"name": "no-client-id"},
]


def test_no_filter_returns_every_valid_client_sorted_by_name():
    assert [c["name"] for c in select_clients(ROWS)] == [
        "other", "servicenow-sn1-g1", "servicenow-sn1-g10", "servicenow-sn10-g1"]


def test_prefix_filter_is_a_plain_prefix():
    assert [c["client_id"] for c in select_clients(ROWS, name_prefix="servicenow-sn1")] == ["id-1", "id-3", "id-2"]


def test_pattern_must_match_in_full():
    got = select_clients(ROWS, name_pattern=r"servicenow-sn1-g[0-9]+")
    assert got == [
        {"name": "servicenow-sn1-g1", "client_id": "id-1", "permissions": ["Zeebe", "Secrets"]},
        {"name": "servicenow-sn1-g10", "client_id": "id-3", "permissions": ["Zeebe"]},
    ]


def test_prefix_and_pattern_combine():
    assert select_clients(ROWS, name_prefix="servicenow-sn10", name_pattern=r".*-g1") == [
        {"name": "servicenow-sn10-g1", "client_id": "id-2", "permissions": ["Zeebe"]}]


def test_self_managed_rows_use_the_client_id_as_name_and_no_permissions():
    assert select_clients([{"clientId": "servicenow-sn1-g2"}]) == [
        {"name": "servicenow-sn1-g2", "client_id": "servicenow-sn1-g2", "permissions": []}]


def test_nothing_matches():
    assert select_clients(ROWS, name_prefix="absent") == []
    assert select_clients(None) == []


def test_cluster_view_parses_region_host_and_version():
    from ansible_collections.camunda.servicenow.plugins.modules.camunda_client_info import cluster_view
    data = {"uuid": "c1", "name": "prod", "generation": {"name": "Camunda 8.8.0"},
            "status": {"ready": "Healthy", "zeebeStatus": "Healthy"},
            "links": {"zeebe": "c1.lhr-1.zeebe.camunda.io:443"}}
    assert cluster_view(data, "c1") == {"id": "c1", "name": "prod", "region": "lhr-1", "host": "lhr-1.zeebe.camunda.io",
                                        "version": "8.8.0", "status": "Healthy", "ready": True}


def test_cluster_view_of_a_cluster_not_ready_and_an_unparsable_document():
    from ansible_collections.camunda.servicenow.plugins.modules.camunda_client_info import cluster_view
    got = cluster_view({"generation": {"name": "Camunda 8.6.3-rc1"},
                        "status": {"ready": "Creating", "zeebeStatus": "Creating"}}, "c2")
    assert (got["id"], got["version"], got["ready"], got["region"]) == ("c2", "8.6.3-rc1", False, None)
    assert cluster_view("junk", "c3") == {"id": "c3", "name": None, "region": None, "host": None, "version": None,
                                          "status": None, "ready": False}
