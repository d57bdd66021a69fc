# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Kept equal to CAMUNDA_OPTIONS in plugins/module_utils/camunda.py by tests/unit/plugins/module_utils/test_camunda.py.
    DOCUMENTATION = r"""
options:
  camunda:
    description:
      - How to reach Camunda and authenticate.
      - On SaaS the modules call the Console (Administration) API with an organization-level API client that has
        the C(Zeebe Client) (API clients) and C(Connector Secrets) scopes.
      - On Self-Managed they call the Keycloak admin API of the Camunda Identity realm.
      - Every sub-option falls back to the environment variable named in its description, so Ansible Automation
        Platform credential types can inject them; the whole option can be set once with
        C(module_defaults) for the action group C(group/camunda.servicenow.camunda).
    type: dict
    suboptions:
      deployment:
        description:
          - V(saas) for Camunda SaaS (Console API), V(self_managed) for Self-Managed (Keycloak admin API).
          - If not set, the value of the E(CAMUNDA_DEPLOYMENT) environment variable is used.
        type: str
        choices: [saas, self_managed]
        default: saas
      client_id:
        description:
          - Client id of the organization-level Administration API client (SaaS).
          - If not set, the value of the E(CAMUNDA_CONSOLE_CLIENT_ID) environment variable is used.
          - Not needed when O(camunda.access_token) is set.
        type: str
      client_secret:
        description:
          - Secret of O(camunda.client_id).
          - If not set, the value of the E(CAMUNDA_CONSOLE_CLIENT_SECRET) environment variable is used.
        type: str
      access_token:
        description:
          - A bearer token used instead of fetching one, for the Console API on SaaS or the Keycloak admin API
            on Self-Managed.
          - Fetch it once per play with M(camunda.servicenow.camunda_token) and C(run_once), so a play over
            many hosts makes one token request (the SaaS token service allows about one request per second
            per address).
        type: str
      console_url:
        description:
          - Base URL of the Console (Administration) API.
          - If not set, the value of the E(CAMUNDA_CONSOLE_BASE_URL) environment variable is used.
        type: str
        default: https://api.cloud.camunda.io
      console_audience:
        description:
          - Audience of the Console API token.
          - If not set, the value of the E(CAMUNDA_CONSOLE_OAUTH_AUDIENCE) environment variable is used.
        type: str
        default: api.cloud.camunda.io
      oauth_url:
        description:
          - Token endpoint (OAuth 2.0 client credentials, form-encoded).
          - On Self-Managed, when left at its default and O(camunda.keycloak_url) is set, the token endpoint of
            O(camunda.keycloak_realm) is used for cluster clients.
          - If not set, the value of the E(CAMUNDA_OAUTH_URL) environment variable is used.
        type: str
        default: https://login.cloud.camunda.io/oauth/token
      cluster_api_url:
        description:
          - On SaaS, the regional host of the cluster REST API; the cluster's path C(/<clusterId>) is appended.
            When not set it is C(https://<region>.zeebe.camunda.io), the region being read from the client's
            C(ZEEBE_ADDRESS). Set it for other environments.
          - On Self-Managed, the full base URL of the Orchestration Cluster REST API, without C(/v2)
            (for example V(https://camunda.example.com/orchestration)).
          - If not set, the value of the E(CAMUNDA_CLUSTER_API_URL) environment variable is used.
        type: str
      cluster_audience:
        description:
          - Audience of tokens for the cluster REST API.
          - When not set, V(zeebe.camunda.io) on SaaS and V(orchestration-api) on Self-Managed.
          - If not set, the value of the E(CAMUNDA_CLUSTER_AUDIENCE) environment variable is used.
        type: str
      keycloak_url:
        description:
          - Self-Managed only. Base URL of Keycloak, including the C(/auth) context path when Keycloak uses it
            (the Camunda distributions do), for example V(https://keycloak.example.com/auth).
          - If not set, the value of the E(CAMUNDA_KEYCLOAK_URL) environment variable is used.
        type: str
      keycloak_realm:
        description:
          - Self-Managed only. The Camunda Identity realm whose clients are managed.
          - If not set, the value of the E(CAMUNDA_KEYCLOAK_REALM) environment variable is used.
        type: str
        default: camunda-platform
      keycloak_admin_realm:
        description:
          - Self-Managed only. Realm of the Keycloak admin user.
        type: str
        default: master
      keycloak_admin_client_id:
        description:
          - Self-Managed only. Client used for the admin user's password grant.
        type: str
        default: admin-cli
      keycloak_admin_username:
        description:
          - Self-Managed only. Keycloak admin user; it needs the C(manage-clients) role of O(camunda.keycloak_realm).
          - If not set, the value of the E(CAMUNDA_KEYCLOAK_ADMIN_USERNAME) environment variable is used.
        type: str
      keycloak_admin_password:
        description:
          - Self-Managed only. Password of O(camunda.keycloak_admin_username).
          - If not set, the value of the E(CAMUNDA_KEYCLOAK_ADMIN_PASSWORD) environment variable is used.
        type: str
      validate_certs:
        description:
          - Whether to verify the TLS certificates of every Camunda endpoint.
          - If not set, the value of the E(CAMUNDA_VALIDATE_CERTS) environment variable is used.
        type: bool
        default: true
      ca_path:
        description:
          - A PEM file of the CA certificates that sign the Camunda endpoints' certificates.
          - If not set, the value of the E(CAMUNDA_CA_PATH) environment variable is used.
        type: path
      timeout:
        description:
          - Seconds to wait for an answer (connecting waits at most 10 seconds).
          - If not set, the value of the E(CAMUNDA_TIMEOUT) environment variable is used.
        type: float
        default: 30.0
      proxy:
        description:
          - An HTTP(S) proxy URL for every Camunda request. Without it, E(HTTPS_PROXY) and E(NO_PROXY) apply.
        type: str
      custom_headers:
        description:
          - Headers added to every request, token requests included.
        type: dict
      cluster_ready_timeout:
        description:
          - Seconds to keep retrying a call answered with 412 (the cluster is not ready yet).
        type: int
        default: 120
"""
