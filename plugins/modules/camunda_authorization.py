#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: camunda_authorization
short_description: Ensure Camunda 8.8+ Orchestration Cluster authorizations (for example the Camunda Spoke's client)
version_added: 0.1.0
description:
  - On Camunda 8.8 and later clusters with authorizations enabled, a client with the right Console scopes still gets
    HTTP 403 from the Orchestration Cluster REST API until authorizations are granted to it. This module ensures
    those authorizations through C(/v2/authorizations), as desired state over the owner (O(owner_type) and
    O(owner_id)), the resource (type and id) and the permission set.
  - O(preset=servicenow_spoke) grants exactly what the Camunda Spoke calls need, directly to the client (never
    through a role) - C(CREATE_PROCESS_INSTANCE), C(UPDATE_PROCESS_INSTANCE), C(CANCEL_PROCESS_INSTANCE) and
    C(READ_PROCESS_DEFINITION) on each process in O(process_ids), and C(CREATE) on each message in
    O(message_names). Deployments (C(RESOURCE:CREATE)) are never granted.
  - The module calls the cluster with a credential that itself holds permissions on the C(Authorization) resource
    (C(CREATE), C(READ), C(UPDATE), C(DELETE)). That grant is a one-time prerequisite made by hand (Camunda
    Identity, or the C(admin) role); the module stops with one sentence naming it when it is missing.
  - An empty search proves nothing, because a credential without C(AUTHORIZATION:READ) gets an empty answer, not
    HTTP 403. When a search finds nothing, the module asks once whether the credential can read authorizations at
    all. If it cannot, a create is still safe (HTTP 409 means the grant is already there), but check mode reports the
    grant as V(unknown) and O(state=absent) and O(exact=true) fail, since they need to read.
  - A create that HTTP 409 refuses (the owner holds one of the permissions already, possibly not yet visible to
    searches, which are eventually consistent) is retried one permission at a time, so the result says exactly
    which permissions were added.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.camunda
  - camunda.servicenow.attributes
attributes:
  check_mode:
    support: full
    details: The authorizations are searched and compared; nothing is written.
  diff_mode:
    support: full
    details: The permission sets per resource before and after.
options:
  cluster_id:
    description:
      - SaaS. The cluster's id; with O(region) or O(camunda.cluster_api_url) it gives the cluster REST URL.
    type: str
  region:
    description:
      - SaaS. The cluster's region id (for example V(bru-2)).
    type: str
  cluster_rest_url:
    description:
      - The cluster REST API base URL without C(/v2). Overrides O(cluster_id), O(region) and
        O(camunda.cluster_api_url).
    type: str
  client_id:
    description:
      - Id of the cluster client that manages the authorizations (it needs permissions on the C(Authorization)
        resource). Defaults to O(camunda.client_id).
    type: str
  client_secret:
    description:
      - Secret of O(client_id).
    type: str
  access_token:
    description:
      - A cluster token of the managing credential, used instead of O(client_id) and O(client_secret).
    type: str
  audience:
    description:
      - Audience of the cluster token. Defaults to O(camunda.cluster_audience).
    type: str
  token_url:
    description:
      - Token endpoint of O(client_id). Defaults to O(camunda.oauth_url) (on Self-Managed, the realm's).
    type: str
  owner_type:
    description:
      - Who receives the permissions. The Camunda Spoke's client is a V(CLIENT); its id is the Console client id
        (SaaS) or the value of the configured client id claim (Self-Managed).
    type: str
    choices: [CLIENT, USER, ROLE, GROUP, MAPPING_RULE]
    default: CLIENT
  owner_id:
    description:
      - The owner's id. Camunda does not check that a client id exists, so a typo is accepted by the cluster;
        pass the id the client module returned.
    type: str
    required: true
  resource_type:
    description:
      - One authorization's resource type (for example V(PROCESS_DEFINITION)). Mutually exclusive with
        O(authorizations) and O(preset).
    type: str
  resource_id:
    description:
      - The resource id with O(resource_type); V(*) means every resource of the type (partial wildcards do not
        exist).
    type: str
    default: "*"
  permissions:
    description:
      - The permissions with O(resource_type). Checked against the permissions Camunda 8.8 accepts for the type.
    type: list
    elements: str
  authorizations:
    description:
      - Several authorizations for the same owner.
    type: list
    elements: dict
    suboptions:
      resource_type:
        description: The resource type.
        type: str
        required: true
      resource_id:
        description: The resource id, V(*) for every resource of the type.
        type: str
        default: "*"
      permissions:
        description: The permissions.
        type: list
        elements: str
        required: true
  preset:
    description:
      - V(servicenow_spoke) - the authorizations the Camunda Spoke's client needs (see the description).
    type: str
    choices: [servicenow_spoke]
  process_ids:
    description:
      - With O(preset), the BPMN process ids the Spoke may start, cancel and correlate to; V(*) (the default) is
        every process.
    type: list
    elements: str
    default: ["*"]
  message_names:
    description:
      - With O(preset), the message names the Spoke may publish; V(*) (the default) is every message.
    type: list
    elements: str
    default: ["*"]
  exact:
    description:
      - V(false) - the listed permissions are a minimum; other permissions the owner holds on the resource stay.
      - V(true) - the owner holds exactly the listed permissions on the resource; others are removed (an update
        replaces the permission set). Needs a credential that can read authorizations.
    type: bool
    default: false
  state:
    description:
      - V(present) grants the permissions; V(absent) takes them away (a record left with none is deleted). With
        O(state=absent), O(permissions) may be empty to remove every permission the owner holds on the resource.
    type: str
    choices: [present, absent]
    default: present
  owner_secret:
    description:
      - The secret of the O(owner_id) client (owner type V(CLIENT)), when known (for example right after the client
        was created). With it the module can tell whether the cluster enforces authorizations (O(enforced_only)) and
        prove the grants (O(prove)) with the client's own token.
    type: str
  enforced_only:
    description:
      - Decide first whether there is anything to grant, and do nothing (RV(note) says why) where there is not - a
        cluster older than 8.8 (O(cluster_version), or a 404 from the authorization API), or authorizations disabled
        (the owner's token reads authorizations without holding any grant). Without O(owner_secret) the module
        cannot tell; it then grants when a managing credential is given (harmless where nothing is enforced) and
        skips otherwise.
      - Where authorizations are enforced, O(grant=true) and no managing credential (O(client_id) and
        O(client_secret), or O(access_token)) is given, the module fails with one sentence naming the prerequisite.
        With this option O(camunda.client_id) does not count as a managing credential (it is the organization's).
      - O(owner_id) may then be empty in check mode (a client that the run would create).
    type: bool
    default: false
  cluster_version:
    description:
      - The cluster's Camunda version when known (for example from M(camunda.servicenow.camunda_client_credential)),
        for O(enforced_only).
    type: str
  grant:
    description:
      - With O(enforced_only), V(false) means the grants are made by hand; the module then only checks and, with
        O(prove), proves them.
    type: bool
    default: true
  prove:
    description:
      - After granting, make one call the Camunda Spoke really makes with the owner's own token (publish a message
        that lives 0 ms and that no process waits for, which needs C(MESSAGE:CREATE)), and fail with one sentence
        when the cluster refuses it. Needs O(owner_secret); not in check mode.
    type: bool
    default: false
  vocabulary:
    description:
      - How the failure sentences name things for a caller that wraps the module (the C(camunda.servicenow.setup)
        role names its own variables). Keys C(client_id), C(client_secret), C(grant) (how to say the grants are made
        by hand) and C(grant_on) (how to let the caller grant).
    type: dict
    default: {}
notes:
  - The permission checks follow the Camunda 8.8 table; resource types added later are passed to the cluster
    unchecked. Only the five 8.8 fields are sent, so the module works on 8.8, 8.9 and later.
  - A revoked authorization may still work for up to 30 seconds (the cluster's authorization cache).
seealso:
  - module: camunda.servicenow.camunda_client_credential
  - module: camunda.servicenow.camunda_cluster_info
  - name: Camunda docs, authorizations
    description: Owners, resources and permissions.
    link: https://docs.camunda.io/docs/components/concepts/access-control/authorizations/
"""

EXAMPLES = r"""
- name: Grant the Camunda Spoke's client what it needs
  camunda.servicenow.camunda_authorization:
    camunda:
      ca_path: /etc/ssl/camunda-ca.pem
    cluster_rest_url: "{{ camunda_client.cluster_rest_url }}"
    client_id: "{{ camunda_authorization_admin_id }}"
    client_secret: "{{ camunda_authorization_admin_secret }}"
    owner_id: "{{ camunda_client.client_id }}"
    preset: servicenow_spoke

- name: Only two processes
  camunda.servicenow.camunda_authorization:
    cluster_rest_url: "{{ camunda_client.cluster_rest_url }}"
    access_token: "{{ camunda_admin_token.access_token }}"
    owner_id: "{{ camunda_client.client_id }}"
    preset: servicenow_spoke
    process_ids: [incident-escalation, change-approval]

- name: Exactly one permission on one message
  camunda.servicenow.camunda_authorization:
    cluster_rest_url: "{{ camunda_client.cluster_rest_url }}"
    access_token: "{{ camunda_admin_token.access_token }}"
    owner_id: "{{ camunda_client.client_id }}"
    resource_type: MESSAGE
    resource_id: incident-resolved
    permissions: [CREATE]
    exact: true

- name: Take every permission away from the old client
  camunda.servicenow.camunda_authorization:
    cluster_rest_url: "{{ camunda_client.cluster_rest_url }}"
    access_token: "{{ camunda_admin_token.access_token }}"
    owner_id: "{{ old_client_id }}"
    preset: servicenow_spoke
    state: absent
"""

RETURN = r"""
authorizations:
  description: What happened per resource, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    resource_type:
      description: The resource type.
      type: str
      sample: PROCESS_DEFINITION
    resource_id:
      description: The resource id.
      type: str
      sample: "*"
    result:
      description:
        - V(created), V(updated), V(deleted), V(unchanged) or V(absent).
        - V(unknown) in check mode when the credential cannot read authorizations and nothing was found.
      type: str
      sample: created
    permissions:
      description: The owner's permissions on the resource after the run (predicted in check mode).
      type: list
      elements: str
      sample: [CANCEL_PROCESS_INSTANCE, CREATE_PROCESS_INSTANCE, READ_PROCESS_DEFINITION, UPDATE_PROCESS_INSTANCE]
    keys:
      description: The authorization keys of the owner's records on the resource, when known.
      type: list
      elements: str
      sample: ["2251799813684332"]
readable:
  description:
    - Whether the managing credential can read authorizations; null when the searches found what they looked for,
      so the question never came up.
  returned: always
  type: bool
  sample: true
note:
  description: With O(enforced_only), what was decided and why (for example that the cluster is older than 8.8).
  returned: always
  type: str
  sample: "authorizations are disabled on the cluster (the client reads them without a grant): ..."
enforced:
  description: With O(enforced_only), whether the cluster enforces authorizations; null when not known.
  returned: always
  type: bool
  sample: true
proven:
  description: With O(prove), the call the owner made, one sentence; empty when nothing was proven.
  returned: always
  type: str
  sample: client 9WoCAA made one of the Camunda Spoke's calls (published a message) on bru-2.zeebe.camunda.io
diff:
  description: The permission sets per C(<resource type>:<resource id>) before and after.
  returned: always
  type: dict
  sample: {"before": {"MESSAGE:*": []}, "after": {"MESSAGE:*": ["CREATE"]}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import authorizations as authz
from ansible_collections.camunda.servicenow.plugins.module_utils.authorizations import run
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import (
    CamundaClient, camunda_argument_spec, cluster_credential_argument_spec)
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module


def argument_spec():
    spec = camunda_argument_spec()
    spec.update(cluster_credential_argument_spec())
    spec.update(
        owner_type=dict(type="str", choices=list(authz.OWNER_TYPES), default="CLIENT"),
        owner_id=dict(type="str", required=True),
        resource_type=dict(type="str"),
        resource_id=dict(type="str", default=authz.WILDCARD),
        permissions=dict(type="list", elements="str"),
        authorizations=dict(type="list", elements="dict", options=dict(
            resource_type=dict(type="str", required=True),
            resource_id=dict(type="str", default=authz.WILDCARD),
            permissions=dict(type="list", elements="str", required=True),
        )),
        preset=dict(type="str", choices=["servicenow_spoke"]),
        process_ids=dict(type="list", elements="str", default=[authz.WILDCARD]),
        message_names=dict(type="list", elements="str", default=[authz.WILDCARD]),
        exact=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        owner_secret=dict(type="str", no_log=True),
        enforced_only=dict(type="bool", default=False),
        cluster_version=dict(type="str"),
        grant=dict(type="bool", default=True),
        prove=dict(type="bool", default=False),
        vocabulary=dict(type="dict", default={}),
    )
    return spec


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[("resource_type", "authorizations", "preset"),
                                               ("access_token", "client_id")],
                           required_one_of=[("resource_type", "authorizations", "preset")],
                           required_together=[("client_id", "client_secret")])
    run_module(module, lambda: run(module.params, CamundaClient(module.params["camunda"]), module.check_mode))


if __name__ == "__main__":
    main()
