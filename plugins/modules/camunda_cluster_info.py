#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_cluster_info
short_description: Prove that a Camunda cluster client works, and report the cluster's version and health
version_added: 0.1.0
description:
  - The connectivity check to run before anything is written into ServiceNow. With a cluster client's
    credentials (or a token for it) the module fetches a token for the cluster audience and calls the
    Orchestration Cluster REST API's C(GET /v2/topology), then returns the gateway version, the broker and
    partition counts and a health summary.
  - It fails with one sentence on a 401 (the credential does not work for this cluster), on an unreachable
    cluster, and when the gateway version is below O(minimum_version) (8.6 is the ServiceNow integration's
    minimum). A cluster answering only the 8.5-era C(/v1/topology) is reported with its version.
  - The topology call needs no authorizations, so it proves authentication and audience, not the Camunda 8.8
    authorizations the Camunda Spoke needs to start processes.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
  - camunda.servicenow.query
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
options:
  cluster_id:
    description:
      - SaaS. The cluster's id; with O(region) or O(camunda.cluster_api_url) it gives the REST URL.
    type: str
  region:
    description:
      - SaaS. The region id (for example V(bru-2)), the C(region) of
        RV(camunda.servicenow.camunda_client_credential#module:cluster).
    type: str
  cluster_rest_url:
    description:
      - The cluster REST API base URL without C(/v2), as
        RV(camunda.servicenow.camunda_client_credential#module:cluster_rest_url) returns it. Overrides
        O(cluster_id), O(region) and O(camunda.cluster_api_url).
    type: str
  client_id:
    description:
      - The cluster client's id.
      - When neither O(client_id) nor O(access_token) is set, O(camunda.client_id) and O(camunda.client_secret)
        are used; they must then be the cluster client's, not the organization client's.
    type: str
  client_secret:
    description:
      - The cluster client's secret.
    type: str
  access_token:
    description:
      - A token for the cluster audience (from M(camunda.servicenow.camunda_token)) used instead of
        O(client_id) and O(client_secret).
    type: str
  audience:
    description:
      - Audience of the cluster token. Defaults to O(camunda.cluster_audience).
    type: str
  token_url:
    description:
      - Token endpoint for the cluster client. Defaults to O(camunda.oauth_url) (on Self-Managed, the realm's
        token endpoint).
    type: str
  minimum_version:
    description:
      - The lowest gateway version accepted.
    type: str
    default: "8.6"
    aliases: [min_version]
seealso:
  - module: camunda.servicenow.camunda_client_credential
  - module: camunda.servicenow.camunda_token
  - name: Orchestration Cluster REST API, get cluster topology
    description: The call this module makes.
    link: https://docs.camunda.io/docs/apis-tools/orchestration-cluster-api-rest/specifications/get-topology/
"""

EXAMPLES = r"""
- name: Prove the new ServiceNow client can call its cluster
  camunda.servicenow.camunda_cluster_info:
    cluster_rest_url: "{{ camunda_client.cluster_rest_url }}"
    client_id: "{{ camunda_client.client_id }}"
    client_secret: "{{ camunda_client_secret }}"
  register: camunda_cluster

- name: The same with region and cluster id, accepting 8.7 and later only
  camunda.servicenow.camunda_cluster_info:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    region: bru-2
    client_id: "{{ camunda_client.client_id }}"
    client_secret: "{{ camunda_client_secret }}"
    minimum_version: "8.7"
"""

RETURN = r"""
cluster_rest_url:
  description: The cluster REST API base URL that was called.
  returned: always
  type: str
  sample: https://bru-2.zeebe.camunda.io/6b6b3969-a65c-4bdd-905e-c29102eebded
gateway_version:
  description: The gateway's version.
  returned: success
  type: str
  sample: 8.8.0
broker_count:
  description: Number of brokers in the topology.
  returned: success
  type: int
  sample: 3
cluster_size:
  description: The configured cluster size.
  returned: success
  type: int
  sample: 3
partitions_count:
  description: Number of partitions.
  returned: success
  type: int
  sample: 3
replication_factor:
  description: The replication factor.
  returned: success
  type: int
  sample: 3
health:
  description: A summary of the partitions' health.
  returned: success
  type: dict
  contains:
    status:
      description: V(healthy) (every partition has a healthy leader and every replica is healthy), V(degraded)
        (every partition has a healthy leader, some replicas are not healthy) or V(unhealthy).
      type: str
      sample: healthy
    partitions_with_healthy_leader:
      description: Partitions whose leader reports healthy.
      type: int
      sample: 3
    unhealthy_replicas:
      description: Replicas reporting unhealthy.
      type: int
      sample: 0
    dead_replicas:
      description: Replicas reporting dead.
      type: int
      sample: 0
  sample: {"status": "healthy", "partitions_with_healthy_leader": 3, "unhealthy_replicas": 0, "dead_replicas": 0}
topology:
  description: The topology document as the cluster returned it.
  returned: success
  type: dict
  sample: {"clusterSize": 3, "partitionsCount": 3, "replicationFactor": 3, "gatewayVersion": "8.8.0", "brokers": []}
query_result:
  description: The answer of O(query) over this result (C(null) when nothing matches).
  returned: when O(query) is set
  type: raw
  sample: ["servicenow-dev12345-g1"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils.query import QUERY_ARGUMENT_SPEC
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec, cluster_credential_argument_spec, host_of, version_tuple)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_cluster import (
    credential_token, get_topology, saas_cluster_rest_url)
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module


def rest_url_for(params, client):
    if params.get("cluster_rest_url"):
        return params["cluster_rest_url"].rstrip("/")
    if client.deployment == SELF_MANAGED:
        url = client.opt("cluster_api_url")
        if not url:
            raise CamundaError("No cluster REST URL; set cluster_rest_url or camunda.cluster_api_url")
        return url.rstrip("/")
    if not params.get("cluster_id"):
        raise CamundaError("No cluster to check; set cluster_rest_url, or cluster_id with region")
    url = saas_cluster_rest_url(params["cluster_id"], params.get("region"), client.opt("cluster_api_url"))
    if not url:
        raise CamundaError("No region for cluster {0}; set region (for example bru-2) or cluster_rest_url".format(
            params["cluster_id"]))
    return url


def health_summary(topology):
    """Partition health across brokers: status healthy / degraded / unhealthy and counts."""
    partitions = {}
    unhealthy = dead = 0
    for broker in (topology or {}).get("brokers") or []:
        for part in broker.get("partitions") or []:
            pid = part.get("partitionId")
            health = part.get("health")
            partitions.setdefault(pid, False)
            if health == "unhealthy":
                unhealthy += 1
            elif health == "dead":
                dead += 1
            if part.get("role") == "leader" and health == "healthy":
                partitions[pid] = True
    expected = (topology or {}).get("partitionsCount") or len(partitions)
    led = sum(1 for ok in partitions.values() if ok)
    if led < expected or not partitions:
        status = "unhealthy"
    elif unhealthy or dead:
        status = "degraded"
    else:
        status = "healthy"
    return {"status": status, "partitions_with_healthy_leader": led, "unhealthy_replicas": unhealthy,
            "dead_replicas": dead}


def describe(topology):
    topology = topology if isinstance(topology, dict) else {}
    return {
        "gateway_version": topology.get("gatewayVersion"),
        "broker_count": len(topology.get("brokers") or []),
        "cluster_size": topology.get("clusterSize"),
        "partitions_count": topology.get("partitionsCount"),
        "replication_factor": topology.get("replicationFactor"),
        "health": health_summary(topology),
        "topology": topology,
    }


def check_version(version, minimum, where):
    """``where``: "cluster <id> on <host>" or "the cluster at <URL>" (a noun phrase that names the host)."""
    if not version:
        raise CamundaError("The topology of {0} names no gateway version; check that the URL is the cluster REST "
                           "API".format(where))
    if version_tuple(version) < version_tuple(minimum):
        raise CamundaError("{0}{1} runs Camunda {2}, below the minimum {3} of the ServiceNow integration; upgrade the "
                           "cluster or lower minimum_version".format(where[:1].upper(), where[1:], version, minimum))


def cluster_token(params, client):
    return credential_token(params, client, "No credential for the cluster; set client_id and client_secret of the "
                            "cluster client, or access_token")[0]


def check(params, client):
    """The module result (changed False); raises CamundaError."""
    rest_url = rest_url_for(params, client)
    if params.get("cluster_id"):
        where = "cluster {0} on {1}".format(params["cluster_id"], host_of(rest_url))
    else:
        where = "the cluster at {0}".format(rest_url)
    what = "cluster {0}".format(params["cluster_id"]) if params.get("cluster_id") else "the cluster"
    token = cluster_token(params, client)
    try:
        topology = get_topology(client, rest_url, token, what)
    except CamundaError as err:
        if err.status != 404:
            raise
        # A cluster before 8.6 has no /v2/topology; ask the 8.5-era endpoint for its version to say so.
        legacy = get_topology(client, rest_url, token, what, api="v1", quiet=True)
        if not legacy or not legacy.get("gatewayVersion"):
            raise
        topology = legacy
    result = {"changed": False, "cluster_rest_url": rest_url}
    result.update(describe(topology))
    check_version(result["gateway_version"], params["minimum_version"], where)
    return result


def main():
    argument_spec = camunda_argument_spec()
    argument_spec.update(cluster_credential_argument_spec())
    argument_spec.update(
        minimum_version=dict(type="str", default="8.6", aliases=["min_version"]),
    )
    argument_spec.update(QUERY_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_together=[("client_id", "client_secret")],
                           mutually_exclusive=[("access_token", "client_id")])
    run_module(module, lambda: check(module.params, CamundaClient(module.params["camunda"])))


if __name__ == "__main__":
    main()
