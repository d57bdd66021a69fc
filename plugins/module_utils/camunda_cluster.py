# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Camunda cluster's REST API (Orchestration Cluster, ``/v2``): where it is (SaaS regional URL, the ServiceNow
connection's host and base path) and its topology. Authorizations, also on this API, are in :mod:`authorizations`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import seg
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError

REGION_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def split_rest_url(url):
    """``(host, base_path)`` of a cluster REST URL: what a ServiceNow connection calls Host and Base path."""
    parts = urlsplit(url or "")
    return parts.netloc, (parts.path.rstrip("/") or "/")


def check_region(region):
    """Raise CamundaError unless ``region`` has the shape of a SaaS region id (``bru-2``, ``lhr-1``)."""
    if not isinstance(region, str) or not REGION_RE.match(region):
        raise CamundaError("region {0!r} is not a Camunda SaaS region id; give the id only, like bru-2 or lhr-1 (the "
                           "part before .zeebe.camunda.io), nothing was sent".format(region))


def saas_cluster_rest_url(cluster_id, region=None, cluster_api_url=None):
    """The cluster REST base URL (without ``/v2``): ``https://<region>.zeebe.camunda.io/<clusterId>``, or
    ``<cluster_api_url>/<clusterId>`` when the regional host is overridden (other environments, the sandbox)."""
    if cluster_api_url:
        return "{0}/{1}".format(cluster_api_url.rstrip("/"), seg(cluster_id))
    if not region:
        return None
    check_region(region)
    return "https://{0}.zeebe.camunda.io/{1}".format(region, seg(cluster_id))


def get_topology(client, rest_url, access_token, what, api="v2", quiet=False):
    """GET ``<rest_url>/<api>/topology`` with a bearer token; the JSON document. With ``quiet``, any HTTP error
    gives None (used to probe the 8.5-era ``v1`` endpoint). ``what`` names the cluster without its URL ("cluster
    <id>" or "the cluster"): a failed call's sentence names the call and the host itself."""
    hints = {
        401: "the credential does not work for this cluster: check that the client belongs to it, has the "
             "Orchestration Cluster (Zeebe) scope and that its token was requested for audience {0!r}".format(
                 client.cluster_audience()),
        403: "check the client's scopes and authorizations on the cluster",
        404: "check the cluster id and the cluster REST URL",
        412: "the cluster is not ready yet, wait for it to be healthy or raise camunda.cluster_ready_timeout",
    }
    transport = client.transport(rest_url, "Camunda cluster REST API", hints=hints)
    transport.add_secret(access_token)

    def call():
        return transport.request("GET", api + "/topology", headers={"Authorization": "Bearer " + access_token},
                                 expected=(200,))
    try:
        data = client.wait_ready(call, transport).json()
    except TransportError as err:
        if quiet and err.kind in ("http", "decode"):
            return None
        raise CamundaError("Reading the topology of {0} failed: {1}".format(what, err), status=err.status,
                           reason=str(err))
    if isinstance(data, dict):
        return data
    if quiet:
        return None
    raise CamundaError("The topology of {0} at {1} is not a JSON object; check that the URL is the cluster REST "
                       "API".format(what, rest_url))


def credential_token(params, client, missing):
    """``(token, caller)`` for the cluster credential options (``camunda.cluster_credential_argument_spec``): the
    given ``access_token``, else a cluster token of ``client_id``/``client_secret`` (or the ``camunda`` option's
    client). ``missing``: the sentence when no credential is given. ``caller`` names the credential in messages."""
    if params.get("access_token"):
        client.add_secret(params["access_token"])
        return params["access_token"], "of the access token"
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    if not client_id:
        client_id, client_secret = client.opt("client_id"), client.opt("client_secret")
    if not client_id or not client_secret:
        raise CamundaError(missing)
    token = client.fetch_token(params.get("token_url") or client.token_url(), client_id, client_secret,
                               params.get("audience") or client.cluster_audience(), what="cluster").access_token
    return token, client_id
