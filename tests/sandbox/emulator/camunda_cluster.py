"""Orchestration Cluster REST API, SaaS and Self-Managed (camunda-api.md 3.1 to 3.3).

SaaS (service ``camunda_cluster``): ``/{clusterId}/v2/topology`` (clusters at 8.6 or later) and the 8.5-era
``/{clusterId}/v1/topology`` (clusters before 8.8), each answering only a bearer token issued to a client of THAT
cluster for audience ``zeebe.camunda.io``; ``/{clusterId}/v2/status`` 204 without auth (503 while the cluster is
flagged not ready).  Self-Managed (service ``sm_cluster``): ``/v2/topology`` for tokens of the ``camunda-platform``
realm carrying audience ``orchestration-api``; ``/v2/status``.  Errors are RFC 9457 ProblemDetail.
"""

import re

from .camunda_common import StateBackedService, bearer_token, problem, version_tuple
from .camunda_saas_state import CLUSTER_AUDIENCE
from .http import empty_response, json_response

SAAS_ROUTE = re.compile(r"^/(?P<cluster>[^/]+)/(?P<api>v1|v2)/(?P<what>topology|status)$")
SM_ROUTE = re.compile(r"^/(?P<api>v1|v2)/(?P<what>topology|status)$")


def topology(cluster_id, version, health, api):
    """A three-broker, three-partition topology in the shape of TopologyResponse for ``version``."""
    numbers = version_tuple(version)
    size = 3
    brokers = []
    for node in range(size):
        partitions = []
        for pid in range(1, size + 1):
            entry = {"partitionId": pid, "role": "leader" if (pid - 1) % size == node else "follower", "health": health}
            if numbers >= (8, 10, 0):
                entry["state"] = "ACTIVE"
            partitions.append(entry)
        broker = {"nodeId": node, "host": "camunda-%d.camunda-broker-service" % node, "port": 26501,
                  "partitions": partitions, "version": version}
        if numbers >= (8, 10, 0):
            broker["brokerId"] = node
        brokers.append(broker)
    body = {"brokers": brokers, "clusterSize": size, "partitionsCount": size, "replicationFactor": size,
            "gatewayVersion": version}
    if api == "v2" and numbers >= (8, 8, 0):
        body["lastCompletedChangeId"] = "-1"
    if api == "v2" and numbers >= (8, 9, 0):
        body["clusterId"] = cluster_id
    return body


def _unauthorized(path, detail):
    return problem(401, "Unauthorized", detail, path, {"WWW-Authenticate": "Bearer"})


def _api_available(api, version):
    """v2 from 8.6 on, v1 (the 8.5 Zeebe REST API) until 8.7 (INFERRED boundaries)."""
    numbers = version_tuple(version)
    return numbers >= (8, 6, 0) if api == "v2" else numbers < (8, 8, 0)


class ClusterService(StateBackedService):
    name = "camunda_cluster"

    def snapshot(self):
        flags = self.state.current_flags()
        return {"clusters": [{"uuid": cid, "version": version, "ready": self.state.cluster_ready(cid)}
                             for cid, version in flags["cluster_version"].items()],
                "partition_health": flags["partition_health"]}

    def handle(self, request):
        match = SAAS_ROUTE.match(request.path)
        if not match:
            return problem(404, "Not Found", "No endpoint %s %s" % (request.method, request.path), request.path)
        cluster_id, api, what = match.group("cluster"), match.group("api"), match.group("what")
        with self.state.lock:
            cluster = self.state.data["clusters"].get(cluster_id)
            if cluster is None:
                return problem(404, "Not Found", "Cluster %s not found in this region" % cluster_id, request.path)
            version = cluster["version"]
            ready = self.state.cluster_ready(cluster_id)
        if not _api_available(api, version):
            return problem(404, "Not Found", "No endpoint %s %s on a %s cluster" % (request.method, request.path, version),
                           request.path)
        if request.method != "GET":
            return problem(405, "Method Not Allowed", "Only GET is allowed on %s" % request.path, request.path,
                           {"Allow": "GET"})
        if what == "status":
            return empty_response(204) if ready else empty_response(503)
        token = bearer_token(request)
        if token is None:
            return _unauthorized(request.path, "An Authorization: Bearer token is required")
        reasons = []
        record = self.state.lookup_token(token, reasons)
        if record is None:
            return _unauthorized(request.path, "The bearer token is invalid or expired (%s)" % reasons[0])
        request.principal = record["client_id"]
        if record["audience"] != CLUSTER_AUDIENCE:
            return _unauthorized(request.path, "The bearer token's audience is %s; this cluster accepts only %s"
                                 % (record["audience"], CLUSTER_AUDIENCE))
        if record["cluster"] != cluster_id:
            return _unauthorized(request.path, "The bearer token was not issued to a client of cluster %s" % cluster_id)
        if not ready:
            return problem(503, "Service Unavailable", "The cluster is not ready; try again later", request.path,
                           {"Retry-After": "5"})
        return json_response(200, topology(cluster_id, version, self.state.flags["partition_health"], api))


class SmClusterService(StateBackedService):
    name = "sm_cluster"

    def snapshot(self):
        flags = self.state.current_flags()
        return {"version": flags["sm_cluster_version"], "ready": flags["sm_cluster_ready"]}

    def handle(self, request):
        match = SM_ROUTE.match(request.path)
        if not match:
            return problem(404, "Not Found", "No endpoint %s %s" % (request.method, request.path), request.path)
        api, what = match.group("api"), match.group("what")
        version = self.state.flags["sm_cluster_version"]
        if not _api_available(api, version):
            return problem(404, "Not Found", "No endpoint %s %s on a %s cluster" % (request.method, request.path, version),
                           request.path)
        if request.method != "GET":
            return problem(405, "Method Not Allowed", "Only GET is allowed on %s" % request.path, request.path,
                           {"Allow": "GET"})
        ready = self.state.flags["sm_cluster_ready"]
        if what == "status":
            return empty_response(204) if ready else empty_response(503)
        token = bearer_token(request)
        if token is None:
            return _unauthorized(request.path, "An Authorization: Bearer token is required")
        record = self.state.lookup_token(token, realm=self.state.realm)
        if record is None:
            return _unauthorized(request.path, "The bearer token is invalid, expired or not from realm %s" % self.state.realm)
        request.principal = record["client_id"]
        if self.state.audience not in record["audience"]:
            return _unauthorized(request.path, "The bearer token does not carry audience %s" % self.state.audience)
        if not ready:
            return problem(503, "Service Unavailable", "The cluster is not ready; try again later", request.path,
                           {"Retry-After": "5"})
        return json_response(200, topology(None, version, "healthy", api))
