#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_client_credential
short_description: The Camunda cluster API client a ServiceNow instance uses, by the generation rules
version_added: 0.1.0
description:
  - Step 1 of the Camunda side of Camunda's ServiceNow "Setup & configuration" guide, an API client of the cluster
    for ServiceNow connectivity, and everything the ServiceNow OAuth profile and connection need.
  - B(Generations.) Camunda shows a client secret once and a client cannot be renamed, so the module names the
    clients of O(name) C(<name>-g<N>) (C(-g1), C(-g2), ...) and is told which client id ServiceNow holds
    (O(held_client_id)). The rules live in C(plugins/module_utils/pairing.py).
  - If ServiceNow holds one of the generations, the pair is trusted and nothing changes. Every other generation is
    an orphan of an interrupted run and is deleted (O(delete_orphans)). With no trusted generation the next one is
    created and RV(client_secret) returned; ServiceNow must then receive it. O(rotate=true) creates the next
    generation even so; the trusted one becomes RV(previous) and is deleted when the module runs again with the new
    client id held (it is then an orphan), so ServiceNow never holds a deleted client.
  - O(mode=shared) uses one client, the newest generation, for every ServiceNow instance of the cluster. Only the
    cluster's leader (O(leader=true)) creates and deletes; an instance that does not hold the client needs its secret
    (created in this run or given as O(client_secret)), else the module fails before anything is written.
  - B(SaaS) through the Console (Administration) API; the cluster is read before anything is written (without
    O(region), on every run) and the module fails before writing anything when it is not ready or older than
    O(minimum_version). B(Self-Managed) through the Keycloak
    admin API of O(camunda.keycloak_realm) (confidential clients with service accounts and an audience mapper);
    Keycloak shows a secret again, so it is always known there and used for the proof.
  - B(Connectivity proof.) When the secret is known (created in this run, given, or read from Keycloak) the module
    fetches a token for the client from the configured token service and calls the cluster's C(GET /v2/topology)
    before returning, so ServiceNow is only written with a client that works. For a trusted SaaS pair the secret
    cannot be read back; RV(not_proven) says so.
  - A create whose reply was lost (a 5xx, a timeout, a dropped connection) is looked up by name; a client that was
    made anyway is deleted (its secret is unknown) and the client is created again, once, in the same run.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
  - camunda.servicenow.attributes
attributes:
  check_mode:
    support: full
    details: Reads happen in check mode; nothing is written, nothing is proven and no secret is returned.
  diff_mode:
    support: full
    details: The diff shows the generations' names before and after, never a secret.
options:
  cluster_id:
    description:
      - SaaS only. The cluster's id as Console shows it (a UUID).
    type: str
  region:
    description:
      - SaaS only. The cluster's region id, for example C(bru-2) (C(CAMUNDA_CLUSTER_REGION) in the credentials file
        Console offers for a client; the part before C(.zeebe.camunda.io)).
      - Without it the module reads the cluster on every run, for its region. With it the cluster is read (its
        readiness, version and region checked) only when the run creates or deletes a client; a run that changes
        nothing sends one Console request fewer. When the cluster is read, a region that is not the cluster's fails
        the run before anything is written.
    type: str
  name:
    description:
      - The base name of the clients; generation N is named C(<name>-g<N>). At most 45 letters, digits, C(.), C(_) or
        C(-), so that a generation's name stays within Camunda's 50 characters.
    type: str
    required: true
  held_client_id:
    description:
      - The client id ServiceNow's OAuth profile holds (empty when it holds none), as
        M(camunda.servicenow.servicenow_spoke_info) returns it with its O(camunda.servicenow.servicenow_spoke_info#module:oauth_profile) option.
    type: str
    default: ""
  mode:
    description:
      - V(per_instance) gives each ServiceNow instance its own generations; V(shared) one client per cluster.
    type: str
    choices: [per_instance, shared]
    default: per_instance
  leader:
    description:
      - With O(mode=shared), whether this instance is the one that creates and deletes the cluster's shared client.
        Other instances only use it.
    type: bool
    default: true
  cluster_held_client_ids:
    description:
      - With O(mode=shared), the client ids every ServiceNow instance of the cluster holds (a generation nobody
        holds is an orphan when O(limited=false) and no O(client_secret) is given).
    type: list
    elements: str
    default: []
  limited:
    description:
      - With O(mode=shared), the run does not cover every instance of the cluster (C(--limit)), so no generation is an
        orphan then, another instance may hold it.
    type: bool
    default: false
  client_secret:
    description:
      - The secret of the existing (shared) client, for an instance that does not hold it yet (from a vault, or the
        leader's RV(client_secret) of this run). Marks the newest generation as in use.
    type: str
  rotate:
    description:
      - Create the next generation although ServiceNow holds a working one (see the description).
    type: bool
    default: false
  delete_orphans:
    description:
      - Delete orphaned generations; with V(false) they are kept and returned in RV(orphans_kept).
    type: bool
    default: true
  create:
    description:
      - With V(false) the module never creates a client; when the rules need one it fails before writing, saying
        that ServiceNow holds no usable client (for a run that would not hand a new secret on to ServiceNow).
    type: bool
    default: true
  prove:
    description:
      - Prove a client whose secret is known against the cluster (C(GET /v2/topology)) before returning.
    type: bool
    default: true
  minimum_version:
    description:
      - The lowest Camunda version accepted, for the cluster (SaaS, Console API) and for the proof.
    type: str
    default: "8.6"
  permissions:
    description:
      - SaaS only. Permissions of a new client. The default V(Zeebe) is the Orchestration Cluster API the Camunda
        Spoke needs; an empty list creates the client with all permissions (the Console API's own default).
    type: list
    elements: str
    default: [Zeebe]
  audience:
    description:
      - The audience ServiceNow requests tokens for, returned as RV(audience). Default O(camunda.cluster_audience)
        (V(zeebe.camunda.io) on SaaS, V(orchestration-api) on Self-Managed). On Self-Managed a new client gets an
        audience mapper for it.
    type: str
  vocabulary:
    description:
      - How the module's failure sentences name things for a caller that wraps it (the C(camunda.servicenow.setup)
        role names its own variables). Keys C(client_secret), C(rotate), C(instance) (the ServiceNow instance),
        C(create) (what creates the client in that caller).
    type: dict
    default: {}
  state:
    description:
      - V(present) applies the rules; V(absent) deletes every generation of O(name).
    type: str
    choices: [present, absent]
    default: present
  required:
    description:
      - Inputs that must be set, a dict of the caller's names and values; when one is empty or false the module
        fails before anything is written, naming it (and the hint in O(vocabulary) key C(required)). Pass whether a
        secret is set (a boolean), never the secret.
    type: dict
    default: {}
  cluster_agreement:
    description:
      - What every ServiceNow instance of the cluster must share, a dict of names, each a dict of instance and
        value; when the instances disagree the module fails before anything is written, naming the variable and the
        instances (never the values).
    type: dict
    default: {}
  authorizations:
    description:
      - Camunda 8.8+. After the client is decided (and proven, when its secret is known), ensure the authorizations
        the Camunda Spoke needs for it and prove them with one of the Spoke's calls, made with the client's own
        token, so that a missing grant fails here and not at ServiceNow's first business call. The rules (whether
        there is anything to grant at all) are those of M(camunda.servicenow.camunda_authorization) with
        O(camunda.servicenow.camunda_authorization#module:enforced_only=true) and
        O(camunda.servicenow.camunda_authorization#module:preset=servicenow_spoke); RV(authorizations) reports them.
      - Generations the module deletes (orphans, O(state=absent)) first lose the Spoke's grants, when a managing
        credential is given (RV(authorizations_revoked)); otherwise RV(authorizations_kept) names them.
      - Not given, nothing about authorizations is done.
    type: dict
    suboptions:
      client_id:
        description: The cluster client that manages authorizations (it holds permissions on the C(Authorization)
          resource, a one-time grant made by hand).
        type: str
      client_secret:
        description: Its secret.
        type: str
      grant:
        description: V(false) - the grants are made by hand; only check and prove them.
        type: bool
        default: true
      process_ids:
        description: The BPMN process ids the Spoke may start, cancel and correlate to; V(*) is every process.
        type: list
        elements: str
        default: ["*"]
      message_names:
        description: The message names the Spoke may publish; V(*) is every message.
        type: list
        elements: str
        default: ["*"]
      vocabulary:
        description: The failure sentences' names, as O(camunda.servicenow.camunda_authorization#module:vocabulary).
        type: dict
        default: {}
notes:
  - The organization API client in O(camunda) needs the C(Zeebe Client) scope on SaaS; the Keycloak admin user
    needs the C(manage-clients) role on Self-Managed.
  - Run the task with C(no_log=true); RV(client_secret) is a secret.
seealso:
  - module: camunda.servicenow.camunda_client_info
  - module: camunda.servicenow.servicenow_oauth_profile
  - module: camunda.servicenow.camunda_token
  - name: Camunda docs, manage API clients
    description: Creating cluster API clients in Console.
    link: https://docs.camunda.io/docs/components/console/manage-clusters/manage-api-clients/
"""

EXAMPLES = r"""
- name: The client ServiceNow uses (created, or the one it holds)
  camunda.servicenow.camunda_client_credential:
    camunda:
      client_id: "{{ camunda_org_client_id }}"
      client_secret: "{{ camunda_org_client_secret }}"
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow-dev12345
    held_client_id: "{{ preflight.oauth_profile.client_id }}"
  register: camunda_client
  no_log: true

- name: Hand it to ServiceNow (the secret only when ServiceNow must receive it)
  camunda.servicenow.servicenow_oauth_profile:
    client_id: "{{ camunda_client.client_id }}"
    client_secret: "{{ camunda_client.client_secret | default(omit) }}"
    update_secret: always
    token_url: "{{ camunda_client.token_url }}"
  register: profile

- name: Rotation, last step - ServiceNow holds the new client, the previous generation is now an orphan
  camunda.servicenow.camunda_client_credential:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow-dev12345
    held_client_id: "{{ profile.record.client_id }}"

- name: Remove every generation
  camunda.servicenow.camunda_client_credential:
    cluster_id: 6b6b3969-a65c-4bdd-905e-c29102eebded
    name: servicenow-dev12345
    state: absent
"""

RETURN = r"""
client_id:
  description: The client id ServiceNow is to hold. Empty in check mode when the client would be created.
  returned: when O(state=present)
  type: str
  sample: 9WoCAA~Fh9Gs.0s~sSB-w4yBBTdTe~Mq
client_secret:
  description:
    - The client's secret, B(only when ServiceNow must receive it and the caller does not have it yet), that is
      created or rotated in this run, or read from Keycloak for a client ServiceNow does not hold. With RV(pairing=supplied)
      ServiceNow must receive the O(client_secret) that was given. B(Sensitive); run the task with C(no_log).
  returned: see description
  type: str
  sample: "(secret)"
name:
  description: The client's name, C(<name>-g<N>).
  returned: when O(state=present)
  type: str
  sample: servicenow-dev12345-g2
pairing:
  description: V(trusted) (ServiceNow holds it), V(created), V(rotated), V(supplied) (a shared client whose secret was given).
  returned: when O(state=present)
  type: str
  sample: trusted
created:
  description: Whether the client was created in this run (would be, in check mode).
  returned: when O(state=present)
  type: bool
  sample: false
previous:
  description: The generations a rotation replaces; delete them by running the module again once ServiceNow holds the new client.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [servicenow-dev12345-g1]
orphans_kept:
  description: Orphaned generations kept because O(delete_orphans=false).
  returned: when O(state=present)
  type: list
  elements: str
  sample: []
deleted:
  description: Names of the generations deleted in this run (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [servicenow-dev12345-g3]
token_url:
  description: The token endpoint for the client (the ServiceNow OAuth profile's C(Token URL)) - the configured token
    service, O(camunda.oauth_url), on Self-Managed the realm's endpoint unless O(camunda.oauth_url) is set.
  returned: when O(state=present)
  type: str
  sample: https://login.cloud.camunda.io/oauth/token
audience:
  description: The audience to request tokens for.
  returned: when O(state=present)
  type: str
  sample: zeebe.camunda.io
host:
  description: The ServiceNow connection's C(Host) - SaaS C(<region>.zeebe.camunda.io), Self-Managed the host of
    O(camunda.cluster_api_url).
  returned: when O(state=present) and known
  type: str
  sample: bru-2.zeebe.camunda.io
port:
  description: The connection's port when O(camunda.cluster_api_url) names one (Self-Managed).
  returned: when O(state=present) and known
  type: int
  sample: 8443
base_path:
  description: The connection's C(Base path) - SaaS C(/<clusterId>), Self-Managed the path of O(camunda.cluster_api_url).
  returned: when O(state=present) and known
  type: str
  sample: /6b6b3969-a65c-4bdd-905e-c29102eebded
cluster_rest_url:
  description: The cluster REST API base URL the proof calls (without C(/v2)).
  returned: when O(state=present) and known
  type: str
  sample: https://bru-2.zeebe.camunda.io/6b6b3969-a65c-4bdd-905e-c29102eebded
cluster:
  description: SaaS, the cluster as Console reports it (id, name, region, host, version, status, ready).
  returned: when the cluster was read, with O(state=present) on SaaS (on every run without O(region); with it, on a
    run that creates or deletes a client)
  type: dict
  sample: {"id": "6b6b3969-a65c-4bdd-905e-c29102eebded", "region": "bru-2", "version": "8.8.0", "ready": true}
gateway_version:
  description: The gateway version the proof read.
  returned: when the client was proven
  type: str
  sample: 8.8.0
proven:
  description: What was proven, one sentence.
  returned: when O(state=present)
  type: str
  sample: client servicenow-dev12345-g1 called cluster https://bru-2.zeebe.camunda.io/6b6b... (Camunda 8.8.0)
not_proven:
  description: What could not be proven (empty when everything was).
  returned: when O(state=present)
  type: str
  sample: ""
authorizations_revoked:
  description: With O(authorizations) and its managing credential, the ids of the deleted generations whose grants
    were taken away first (would be, in check mode).
  returned: when generations were deleted
  type: list
  elements: str
  sample: ["9WoCAA~Fh9Gs.0s~sSB-w4yBBTdTe~Mq"]
authorizations_kept:
  description: With O(authorizations) but no managing credential, the ids of the deleted generations whose grants (if
    any) stay on the cluster; remove them in Camunda Identity.
  returned: when generations were deleted
  type: list
  elements: str
  sample: []
authorizations:
  description:
    - With O(authorizations), what was decided (C(note), C(enforced)), granted (C(authorizations), per resource) and
      proven (C(proven), the Spoke's call the client made).
  returned: when O(authorizations) is given and the cluster REST URL is known
  type: dict
  sample: {"note": "granted", "enforced": true, "proven": "client 9WoCAA made one of the Camunda Spoke's calls ...",
           "authorizations": [{"resource_type": "MESSAGE", "resource_id": "*", "result": "created"}]}
diff:
  description: The generations before and after (names only, never a secret).
  returned: always
  type: dict
  sample: {"before": {"clients": ["servicenow-g1"]}, "after": {"clients": ["servicenow-g1", "servicenow-g2"]}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import authorizations as authz
from ansible_collections.camunda.servicenow.plugins.module_utils import pairing
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    SELF_MANAGED, CamundaClient, camunda_argument_spec, host_of, version_tuple)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_cluster import (
    check_region, get_topology, saas_cluster_rest_url, split_rest_url)
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_console import ConsoleAPI, cluster_view
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda_keycloak import KeycloakAdmin
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module

# A create whose answer may have been lost after the service committed (None: no HTTP status, a dropped connection,
# a timeout or a body that is no object): look the name up, then decide.
LOST_REPLY_STATUSES = (None, 500, 502, 503, 504)


def word(params, key, default):
    return (params.get("vocabulary") or {}).get(key) or default


class SaasDirectory:
    """The cluster's clients through the Console API."""

    def __init__(self, client, cluster_id, permissions):
        self.client = client
        self.cluster_id = cluster_id
        self.permissions = permissions
        self.console = ConsoleAPI(client, cluster_id)
        self.transport = self.console.transport
        self.where = "cluster {0}".format(cluster_id)

    def rows(self, fresh=False):
        return self.console.list_clients(fresh=fresh)

    def create(self, name):
        created = self.console.create_client(name, self.permissions)
        secret = created.get("clientSecret")
        self.client.add_secret(secret)
        return created.get("clientId"), secret

    def delete(self, gen):
        self.console.delete_client(gen["client_id"])

    def secret(self, gen):
        return None  # the Console never shows a secret again


class KeycloakDirectory:
    """The realm's clients through the Keycloak admin API (``clientId`` = name; secrets readable)."""

    def __init__(self, client, audience):
        self.client = client
        self.audience = audience
        self.keycloak = KeycloakAdmin(client)
        self.transport = self.keycloak.transport
        self.where = "Keycloak realm {0}".format(self.keycloak.realm)
        self._uuids = {}

    def rows(self, prefix=None, fresh=False):  # pylint: disable=unused-argument
        rows = self.keycloak.list_clients(prefix)  # never kept between reads
        for row in rows:
            self._uuids[row.get("clientId")] = row.get("id")
        return [{"name": row.get("clientId"), "clientId": row.get("clientId")} for row in rows]

    def create(self, name):
        representation = sm_representation(name)
        representation["protocolMappers"] = [audience_mapper(self.audience)]
        uuid = self.keycloak.create_client(representation)
        if not uuid:
            uuid = (self.keycloak.find_client(name) or {}).get("id")
        self._uuids[name] = uuid
        return name, self.keycloak.get_secret(uuid, name)

    def delete(self, gen):
        self.keycloak.delete_client(self._uuids.get(gen["client_id"]), gen["client_id"])

    def secret(self, gen):
        return self.keycloak.get_secret(self._uuids.get(gen["client_id"]), gen["client_id"])


def sm_representation(name):
    return {"clientId": name, "enabled": True, "publicClient": False, "serviceAccountsEnabled": True,
            "standardFlowEnabled": False, "directAccessGrantsEnabled": False, "implicitFlowEnabled": False,
            "protocol": "openid-connect", "clientAuthenticatorType": "client-secret"}


def audience_mapper(audience):
    return {"name": "audience-" + audience, "protocol": "openid-connect", "protocolMapper": "oidc-audience-mapper",
            "config": {"included.custom.audience": audience, "access.token.claim": "true",
                       "id.token.claim": "false"}}


def create_with_recovery(directory, name):
    """Create ``name``; when the answer was lost (5xx, a timeout, a dropped connection, a body that is no object) look
    the name up (after a timeout, for up to one more timeout: the service may commit late). A client made anyway is
    kept when its secret can be read (Keycloak); on SaaS its secret is unknown, so it is deleted. Then the client is
    created again, once. Returns (client_id, secret)."""
    try:
        return directory.create(name)
    except CamundaError as err:
        if err.status not in LOST_REPLY_STATUSES:
            raise
        first = err

    def look():
        return [gen for gen in pairing.generations(directory.rows(fresh=True), name.rsplit("-g", 1)[0])
                if gen["name"] == name] or None
    made = directory.transport.look_again(look, first) or []
    for gen in made:
        secret = directory.secret(gen)
        if secret:
            return gen["client_id"], secret  # Keycloak: the client is usable as it is
        directory.delete(gen)
    try:
        return directory.create(name)
    except CamundaError as err:
        raise CamundaError("{0} (tried twice; the first attempt failed with: {1})".format(err, first.reason),
                           status=err.status, reason=err.reason)


def refusal_sentence(decision, params, base, where, gens):
    instance = word(params, "instance", "the ServiceNow instance")
    if decision.refusal == pairing.SHARED_NEEDS_SECRET:
        return ("Camunda client {0} on {1} is shared and already exists, but ServiceNow instance {2} does not hold it "
                "and its secret cannot be read back from Camunda: supply it as {3} (from Ansible Vault), or {4} to "
                "create a new generation for every instance of the cluster.").format(
                    decision.use["name"], where, instance, word(params, "client_secret", "client_secret"),
                    word(params, "rotate", "set rotate: true"))
    return "Camunda client for ServiceNow instance {0} on {1}: {2}.".format(instance, where, decision.refusal)


def no_create_sentence(decision, params, where):
    return ("ServiceNow instance {0} holds no usable Camunda client on {1} (it holds {2}), and the new client {3} is "
            "created only where ServiceNow receives its secret in the same run: {4}.").format(
                word(params, "instance", "the ServiceNow instance"), where, params["held_client_id"] or "none",
                decision.create, word(params, "create", "set create: true and hand the secret on to ServiceNow"))


def read_ready_cluster(client, console, cluster_id):
    """The cluster view; while it is not ready, read it again until camunda.cluster_ready_timeout runs out."""
    deadline = client.clock() + max(0, int(client.opt("cluster_ready_timeout") or 0))
    delay = 2.0
    while True:
        cluster = cluster_view(console.get_cluster(), cluster_id)
        if cluster["ready"] or client.clock() + delay > deadline:
            return cluster
        client.sleep(delay)
        delay = min(delay * 2, 15.0)


def check_cluster(cluster, params, cluster_id, console_host):
    """Fail before anything is written when the cluster is not ready or too old (SaaS, Console API)."""
    minimum = params["minimum_version"]
    if not cluster["ready"]:
        raise CamundaError("Camunda cluster {0} on {1} is not ready ({2}); the ServiceNow integration needs a healthy "
                           "cluster: wait for it (camunda.cluster_ready_timeout) or resume it in Console.".format(
                               cluster_id, console_host, cluster["status"] or "unknown status"))
    if minimum and cluster["version"] and version_tuple(cluster["version"]) < version_tuple(minimum):
        raise CamundaError("Camunda cluster {0} on {1} runs Camunda {2}, below the minimum {3} of the ServiceNow "
                           "integration: update it in Console.".format(cluster_id, console_host, cluster["version"], minimum))


def gate_cluster(client, directory, params):
    """The cluster, read (waiting while it is not ready) and checked before anything is written: ready, not older
    than O(minimum_version), and in O(region) when that is given."""
    cluster = read_ready_cluster(client, directory.console, directory.cluster_id)
    check_cluster(cluster, params, directory.cluster_id, directory.console.host)
    given = params.get("region")
    if given and cluster["region"] and cluster["region"] != given:
        raise CamundaError("Camunda cluster {0} on {1} is in region {2}, not in {3} as {4} says: correct {4}, nothing "
                           "was written.".format(directory.cluster_id, directory.console.host, cluster["region"], given,
                                                 word(params, "region", "region")))
    return cluster


def connection_of(client, cluster_id, cluster, region=None):
    """Where ServiceNow's connection points and where the proof calls: (connection dict, cluster REST URL). The
    region is the cluster's when it was read, else the one given."""
    if client.deployment == SELF_MANAGED:
        rest_url = (client.opt("cluster_api_url") or "").rstrip("/")
        out = {}
        if rest_url:
            host, base_path = split_rest_url(rest_url)
            if ":" in host:
                host, port = host.rsplit(":", 1)
                out["port"] = int(port)
            out.update(host=host, base_path=base_path)
        return out, rest_url or None
    region = (cluster or {}).get("region") or region
    out = {"base_path": "/" + cluster_id}
    if region:
        out["host"] = "{0}.zeebe.camunda.io".format(region)
    return out, saas_cluster_rest_url(cluster_id, region, client.opt("cluster_api_url"))


def prove(client, params, client_id, secret, rest_url, token_url, audience, name):
    """Token from the configured token service, then the topology; returns (proven sentence, gateway version,
    token)."""
    token = client.fetch_token(token_url, client_id, secret, audience, what="cluster").access_token
    topology = get_topology(client, rest_url, token, "the cluster as client {0}".format(name))
    version = topology.get("gatewayVersion")
    minimum = params["minimum_version"]
    if minimum and version and version_tuple(version) < version_tuple(minimum):
        raise CamundaError("The cluster at {0} runs Camunda {1}, below the minimum {2} of the ServiceNow integration; "
                           "update the cluster.".format(host_of(rest_url), version, minimum))
    return "client {0} called cluster {1} (Camunda {2})".format(name, rest_url, version or "?"), version, token


def ensure(params, client, check_mode):
    """The module's work; returns (result, warnings)."""
    base = params["name"]
    refusal = pairing.inputs_sentence(word(params, "instance", "the ServiceNow instance"),
                                      params["cluster_id"] or "(Self-Managed)", params["required"],
                                      params["cluster_agreement"], word(params, "required", ""))
    if refusal and params["state"] == "present":
        raise CamundaError(refusal)
    reason = pairing.validate_base_name(base)
    if reason:
        raise CamundaError("Invalid client name: {0}.".format(reason))
    audience = params["audience"] or client.cluster_audience()
    cluster_id = params["cluster_id"]
    cluster = None
    if client.deployment == SELF_MANAGED:
        directory = KeycloakDirectory(client, audience)
        rows = directory.rows(base + "-g")
    else:
        if not cluster_id:
            raise CamundaError("cluster_id is required on SaaS (the cluster's id as Console shows it).")
        if params.get("region"):
            check_region(params.get("region"))
        directory = SaasDirectory(client, cluster_id, params["permissions"] or [])
        if params["state"] == "present" and not params.get("region"):
            cluster = gate_cluster(client, directory, params)
        rows = directory.rows()
    gens = pairing.generations(rows, base)
    before = [gen["name"] for gen in gens]
    result = {"changed": False, "deleted": []}

    if params["state"] == "absent":
        result["changed"] = revoke(params, client, check_mode, cluster_id, directory, gens, result)
        for gen in gens:
            if not check_mode:
                directory.delete(gen)
            result["deleted"].append(gen["name"])
        result["changed"] = result["changed"] or bool(gens)
        result["diff"] = {"before": {"clients": before} if gens else {}, "after": {}}
        return result, []

    supplied = params.get("client_secret") or None
    secret_known = bool(supplied) or client.deployment == SELF_MANAGED
    decision = pairing.decide(params["mode"], gens, params["held_client_id"], base, rotate=params["rotate"],
                              delete_orphans=params["delete_orphans"], leader=params["leader"],
                              cluster_held_client_ids=params["cluster_held_client_ids"], secret_known=secret_known,
                              limited=params["limited"])
    if decision.refusal:
        raise CamundaError(refusal_sentence(decision, params, base, directory.where, gens))
    if decision.create and not params["create"]:
        raise CamundaError(no_create_sentence(decision, params, directory.where))
    if cluster is None and client.deployment != SELF_MANAGED and (decision.create or decision.orphans):
        cluster = gate_cluster(client, directory, params)  # before the first write, also when the region is given

    revoked = revoke(params, client, check_mode, cluster_id, directory, decision.orphans, result, cluster)
    for gen in decision.orphans:
        if not check_mode:
            directory.delete(gen)
        result["deleted"].append(gen["name"])
    secret = None
    if decision.create:
        name = decision.create
        client_id = ""
        if not check_mode:
            client_id, secret = create_with_recovery(directory, name)
    else:
        name, client_id = decision.use["name"], decision.use["client_id"]
        if supplied:
            secret = supplied
            client.add_secret(secret)
        elif client.deployment == SELF_MANAGED and not check_mode:
            secret = directory.secret(decision.use)
    result["changed"] = bool(decision.create or decision.orphans or revoked)
    after = [gen["name"] for gen in gens if gen not in decision.orphans] + ([name] if decision.create else [])
    result["diff"] = {"before": {"clients": before}, "after": {"clients": after}}

    connection, rest_url = connection_of(client, cluster_id, cluster, params.get("region"))
    token_url = client.token_url()
    result.update(connection)
    result.update(client_id=client_id, name=name, pairing=decision.state, created=bool(decision.create),
                  previous=[gen["name"] for gen in decision.previous], orphans_kept=[gen["name"] for gen in decision.kept],
                  token_url=token_url, audience=audience)
    if rest_url:
        result["cluster_rest_url"] = rest_url
    if cluster is not None:
        result["cluster"] = cluster
    if secret and decision.write_secret and secret != supplied:
        # A given secret is the caller's already (and Ansible masks an option's no_log value in the result anyway).
        result["client_secret"] = secret

    where = "cluster {0}".format(cluster_id) if cluster is not None else directory.where
    token = None
    if check_mode:
        result["proven"] = ""
        result["not_proven"] = "check mode: nothing was proven"
    elif secret and rest_url and params["prove"]:
        result["proven"], result["gateway_version"], token = prove(client, params, client_id, secret, rest_url,
                                                                   token_url, audience, name)
        result["not_proven"] = ""
    elif secret and params["prove"]:
        result["proven"] = "client {0} exists in {1}".format(name, where)
        result["not_proven"] = "the cluster call (set camunda.cluster_api_url to prove the client against the cluster)"
    else:
        result["proven"] = "client {0} exists on {1}{2}".format(
            name, where, "; the cluster is ready on Camunda {0} (Console API)".format(cluster["version"])
            if cluster else "" if client.deployment == SELF_MANAGED else
            " (the cluster itself was not read: nothing was written and the region was given)")
        result["not_proven"] = ("the secret ServiceNow holds (Camunda never shows it again; a rotation issues and "
                                "proves a new one)")
    warnings = []
    if params.get("authorizations") is not None and rest_url:
        warnings = grant_and_prove(params, client, check_mode, result, client_id, secret, token, rest_url)
    return result, warnings


def revoke(params, client, check_mode, cluster_id, directory, removed, result, cluster=None):
    """Before generations are deleted: take the Spoke's grants away from them (O(authorizations) with a managing
    credential), so that no authorization outlives its client; True when something was (would be) revoked. The ids
    are in RV(authorizations_revoked); without a managing credential RV(authorizations_kept) names them."""
    options = params.get("authorizations")
    if not removed or options is None:
        return False
    if not (options.get("client_id") and options.get("client_secret")):
        result["authorizations_kept"] = [gen["client_id"] for gen in removed]
        return False
    if (cluster is None and client.deployment != SELF_MANAGED and not client.opt("cluster_api_url")
            and not params.get("region")):
        cluster = cluster_view(directory.console.get_cluster(), cluster_id)  # the region, for the REST URL
    dummy, rest_url = connection_of(client, cluster_id, cluster, params.get("region"))
    changed = False
    result["authorizations_revoked"] = []
    for gen in removed:
        step = authz.spoke_step(options, gen["client_id"], None, None, rest_url, "")
        step.update(enforced_only=False, prove=False, state="absent")
        try:
            done, dummy = authz.run(step, client, check_mode)
        except CamundaError as err:
            if err.status == 404:  # no authorization API (before 8.8): nothing was ever granted
                continue
            raise
        if done["changed"]:
            changed = True
            result["authorizations_revoked"].append(gen["client_id"])
    return changed


def grant_and_prove(params, client, check_mode, result, client_id, secret, token, rest_url):
    """Camunda 8.8+: the Spoke's grants for the client (plugins/module_utils/authorizations.py decides whether there
    is anything to grant) and one of the Spoke's calls with the client's own token; updates ``result``."""
    version = (result.get("cluster") or {}).get("version") or result.get("gateway_version") or ""
    # The Spoke's call that proves the grants publishes a message (a write to the cluster): made for a client issued
    # in this run (its secret goes to ServiceNow now), not again on every run that can read the secret (Self-Managed).
    issued = bool(result.get("created") or result.get("client_secret"))
    step = authz.spoke_step(params["authorizations"], client_id, secret if params["prove"] else None,
                            token if params["prove"] else None, rest_url, version, prove=issued)
    done, warnings = authz.run(step, client, check_mode)
    result["authorizations"] = dict((key, done.get(key)) for key in ("note", "enforced", "proven", "authorizations"))
    result["changed"] = result["changed"] or done["changed"]
    if done["diff"]["before"] or done["diff"]["after"]:
        result["diff"]["before"]["authorizations"] = done["diff"]["before"]
        result["diff"]["after"]["authorizations"] = done["diff"]["after"]
    if done.get("proven"):
        result["proven"] = "{0}; {1}".format(result["proven"], done["proven"]) if result["proven"] else done["proven"]
    return warnings


def argument_spec():
    spec = camunda_argument_spec()
    spec.update(
        cluster_id=dict(type="str"),
        region=dict(type="str"),
        name=dict(type="str", required=True),
        held_client_id=dict(type="str", default=""),
        mode=dict(type="str", choices=[pairing.PER_INSTANCE, pairing.SHARED], default=pairing.PER_INSTANCE),
        leader=dict(type="bool", default=True),
        cluster_held_client_ids=dict(type="list", elements="str", default=[]),
        limited=dict(type="bool", default=False),
        client_secret=dict(type="str", no_log=True),
        rotate=dict(type="bool", default=False),
        delete_orphans=dict(type="bool", default=True),
        create=dict(type="bool", default=True),
        prove=dict(type="bool", default=True),
        minimum_version=dict(type="str", default="8.6"),
        permissions=dict(type="list", elements="str", default=["Zeebe"]),
        audience=dict(type="str"),
        vocabulary=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        required=dict(type="dict", default={}),
        cluster_agreement=dict(type="dict", default={}),
        authorizations=dict(type="dict", options=dict(
            client_id=dict(type="str"),
            client_secret=dict(type="str", no_log=True),
            grant=dict(type="bool", default=True),
            process_ids=dict(type="list", elements="str", default=["*"]),
            message_names=dict(type="list", elements="str", default=["*"]),
            vocabulary=dict(type="dict", default={}),
        )),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    client = CamundaClient(module.params["camunda"])
    run_module(module, lambda: ensure(module.params, client, module.check_mode))


if __name__ == "__main__":
    main()
