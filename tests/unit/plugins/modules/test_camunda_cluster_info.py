# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import camunda as cm
from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.modules import camunda_cluster_info as mod

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"
TOPO = "/{0}/v2/topology".format(CLUSTER)


def topology(version="8.8.0", health="healthy", leaders=True):
    brokers = []
    for node in range(3):
        parts = [{"partitionId": pid, "role": "leader" if leaders and (pid - 1) == node else "follower", "health": health}
                 for pid in (1, 2, 3)]
        brokers.append({"nodeId": node, "host": "h", "port": 26501, "partitions": parts, "version": version})
    return {"brokers": brokers, "clusterSize": 3, "partitionsCount": 3, "replicationFactor": 3, "gatewayVersion": version}


def client(sleeps, **overrides):
    options = dict((name, entry.get("default")) for name, entry in cm.CAMUNDA_OPTIONS.items())
    options.update(oauth_url="https://login.test/oauth/token", cluster_api_url="https://zeebe.test")
    options.update(overrides)
    return cm.CamundaClient(options, sleep=sleeps, clock=lambda: 0.0)


def params(**overrides):
    out = {"cluster_id": CLUSTER, "region": None, "cluster_rest_url": None, "client_id": "cc", "client_secret": "cs",
           "access_token": None, "audience": None, "token_url": None, "minimum_version": "8.6"}
    out.update(overrides)
    return out


def test_health_summary():
    assert mod.health_summary(topology()) == {"status": "healthy", "partitions_with_healthy_leader": 3,
                                              "unhealthy_replicas": 0, "dead_replicas": 0}
    assert mod.health_summary(topology(health="unhealthy"))["status"] == "unhealthy"
    assert mod.health_summary(topology(leaders=False))["status"] == "unhealthy"
    degraded = topology()
    degraded["brokers"][0]["partitions"][1]["health"] = "dead"
    assert mod.health_summary(degraded) == {"status": "degraded", "partitions_with_healthy_leader": 3,
                                            "unhealthy_replicas": 0, "dead_replicas": 1}
    assert mod.health_summary({})["status"] == "unhealthy"


def test_rest_url_choices(sleeps):
    assert mod.rest_url_for(params(), client(sleeps)) == "https://zeebe.test/" + CLUSTER
    assert mod.rest_url_for(params(region="bru-2"), client(sleeps, cluster_api_url=None)) == \
        "https://bru-2.zeebe.camunda.io/" + CLUSTER
    assert mod.rest_url_for(params(cluster_rest_url="https://x.test/abc/"), client(sleeps)) == "https://x.test/abc"
    with pytest.raises(errors.CamundaError) as err:
        mod.rest_url_for(params(), client(sleeps, cluster_api_url=None))
    assert str(err.value) == "No region for cluster {0}; set region (for example bru-2) or cluster_rest_url".format(CLUSTER)


def test_success(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, json=topology())
    result = mod.check(params(), client(sleeps))
    assert fake_http.calls[0].form["audience"] == "zeebe.camunda.io"
    assert fake_http.calls[1].headers["Authorization"] == "Bearer ctok"
    assert result["gateway_version"] == "8.8.0" and result["broker_count"] == 3 and result["partitions_count"] == 3
    assert result["health"]["status"] == "healthy" and result["changed"] is False
    assert result["cluster_rest_url"] == "https://zeebe.test/" + CLUSTER


def test_access_token_skips_the_token_request(fake_http, sleeps):
    fake_http.add("GET", TOPO, json=topology())
    mod.check(params(client_id=None, client_secret=None, access_token="given"), client(sleeps))
    assert [c.path for c in fake_http.calls] == [TOPO]


def test_falls_back_to_the_camunda_credentials(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, json=topology())
    mod.check(params(client_id=None, client_secret=None), client(sleeps, client_id="k", client_secret="s"))
    assert fake_http.calls[0].form["client_id"] == "k"


def test_401_says_the_credential_does_not_work(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    detail = "The bearer token was not issued to a client of cluster " + CLUSTER
    fake_http.add("GET", TOPO, status=401, json={"title": "Unauthorized", "detail": detail})
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    message = str(err.value)
    assert message == ("Reading the topology of cluster {0} failed: Camunda cluster REST API GET /{0}/v2/topology on "
                       "zeebe.test failed with HTTP 401: \"Unauthorized\" and \"{1}\"; the credential does not work for "
                       "this cluster: check that the client belongs to it, has the Orchestration Cluster (Zeebe) scope "
                       "and that its token was requested for audience 'zeebe.camunda.io'.".format(CLUSTER, detail))
    assert "ctok" not in message


def test_old_version_is_refused(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, json=topology("8.5.3"))
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert str(err.value) == ("Cluster {0} on zeebe.test runs Camunda 8.5.3, below the minimum 8.6 of the ServiceNow "
                              "integration; upgrade the cluster or lower minimum_version".format(CLUSTER))


def test_old_version_by_url_names_the_url():
    with pytest.raises(errors.CamundaError) as err:
        mod.check_version("8.5.3", "8.6", "the cluster at https://zeebe.test/c1")
    assert str(err.value) == ("The cluster at https://zeebe.test/c1 runs Camunda 8.5.3, below the minimum 8.6 of the "
                              "ServiceNow integration; upgrade the cluster or lower minimum_version")


def test_cluster_without_v2_is_reported_by_its_v1_version(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, status=404, json={"title": "Not Found"})
    fake_http.add("GET", "/{0}/v1/topology".format(CLUSTER), json=topology("8.5.16"))
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert "runs Camunda 8.5.16, below the minimum 8.6" in str(err.value)


def test_unknown_cluster_404(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, status=404, json={"title": "Not Found", "detail": "Cluster not found in this region"})
    fake_http.add("GET", "/{0}/v1/topology".format(CLUSTER), status=404, json={"title": "Not Found"})
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert "HTTP 404" in str(err.value) and "Cluster not found in this region" in str(err.value)


def test_unreachable_cluster(fake_http, sleeps):
    import requests
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, exc=requests.exceptions.ConnectionError("Connection refused"))
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert "could not connect" in str(err.value) and "zeebe.test" in str(err.value)
    assert len(sleeps) == 4  # GET retried on connection errors, then a clear failure


def test_failure_without_cluster_id_names_the_call_and_host_once(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", "/base/v2/topology", status=403, json={"title": "Forbidden"})
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(cluster_id=None, cluster_rest_url="https://rest.test/base"), client(sleeps))
    assert str(err.value) == ("Reading the topology of the cluster failed: Camunda cluster REST API GET /base/v2/topology "
                              "on rest.test failed with HTTP 403: \"Forbidden\"; check the client's scopes and "
                              "authorizations on the cluster.")
    assert err.value.reason == ("Camunda cluster REST API GET /base/v2/topology on rest.test failed with HTTP 403: "
                                "\"Forbidden\"; check the client's scopes and authorizations on the cluster.")


def test_404_hint_does_not_repeat_the_url(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, status=404, json={"title": "Not Found"})
    fake_http.add("GET", "/{0}/v1/topology".format(CLUSTER), status=404, json={"title": "Not Found"})
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert str(err.value) == ("Reading the topology of cluster {0} failed: Camunda cluster REST API GET /{0}/v2/topology "
                              "on zeebe.test failed with HTTP 404: \"Not Found\"; check the cluster id and the cluster "
                              "REST URL.".format(CLUSTER))


def test_topology_that_is_no_object_names_the_url(fake_http, sleeps):
    fake_http.add("POST", "/oauth/token", json={"access_token": "ctok", "expires_in": 60})
    fake_http.add("GET", TOPO, json=["not", "an", "object"])
    with pytest.raises(errors.CamundaError) as err:
        mod.check(params(), client(sleeps))
    assert str(err.value) == ("The topology of cluster {0} at https://zeebe.test/{0} is not a JSON object; check that the "
                              "URL is the cluster REST API".format(CLUSTER))
