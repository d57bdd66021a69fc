"""Camunda 8 emulation for the sandbox: SaaS (login, Console, cluster REST) and Self-Managed (Keycloak, cluster REST).

Interface used by ``serve.py`` / ``server.py``:

* ``add_arguments(parser)``: the ``--camunda-*`` flags.
* ``build_services(state_dir, args)``: five services, each mounted on its own port:
  ``camunda_login`` (SaaS ``POST /oauth/token``), ``camunda_console`` (Administration API),
  ``camunda_cluster`` (SaaS ``/{clusterId}/v2/...``), ``keycloak`` (``/auth/...``), ``sm_cluster`` (``/v2/...``).
  The three SaaS services share one state (``DIR/camunda_saas.json``), the two Self-Managed ones another
  (``DIR/camunda_sm.json``); ``reset``/``expire_tokens``/``set_flags`` on any one of them act on its shared state.
* ``describe(services, base_urls)``: the ``camunda`` section of ``sandbox.json``.
"""

import argparse

from .camunda_authz import AuthzClusterService
from .camunda_cluster import SmClusterService
from .camunda_console import ConsoleService
from .camunda_keycloak import AUDIENCE, REALM, KeycloakService, SmState
from .camunda_login import LoginService
from .camunda_saas_state import CLUSTER_AUDIENCE, CONSOLE_AUDIENCE, DEFAULTS, SaasState

SERVICE_NAMES = ("camunda_login", "camunda_console", "camunda_cluster", "keycloak", "sm_cluster")


def add_arguments(parser):
    group = parser.add_argument_group("Camunda 8 (SaaS and Self-Managed)")
    group.add_argument("--camunda-clusters", type=int, default=None, metavar="N",
                       help="SaaS clusters to seed at --camunda-cluster-version on a fresh state dir (default %d)"
                       % DEFAULTS["clusters"])
    group.add_argument("--camunda-cluster-version", default=None, metavar="V",
                       help="version of the seeded SaaS clusters (default %s); when given it also applies to a kept "
                       "state" % DEFAULTS["cluster_version"])
    group.add_argument("--camunda-legacy-cluster-version", default=None, metavar="V",
                       help="seed one more cluster 'sandbox-legacy' at this version, '' for none (default %s)"
                       % DEFAULTS["legacy_cluster_version"])
    group.add_argument("--camunda-token-rate-limit", action=argparse.BooleanOptionalAction, default=None,
                       help="SaaS token endpoint: about one request per second per client address, else 429 (default on)")
    group.add_argument("--camunda-token-rate-interval", type=float, default=None, metavar="SECONDS",
                       help="minimum gap between token requests from one address (default 1.0)")
    group.add_argument("--camunda-token-lifetime", type=int, default=None, metavar="SECONDS",
                       help="expires_in of SaaS tokens (default 86400)")
    group.add_argument("--camunda-cluster-not-ready", action="store_true", default=None,
                       help="start with every SaaS cluster not ready (Console 412, /v2/status 503)")
    group.add_argument("--camunda-max-clients", type=int, default=None, metavar="N",
                       help="clients per cluster before Console answers 403 'Maximum number of clients reached' (0: no limit)")
    group.add_argument("--camunda-missing-secret-delete-status", type=int, choices=(204, 404), default=None,
                       help="status of DELETE for a connector secret that does not exist (default 404; INFERRED)")
    group.add_argument("--camunda-sm-cluster-version", default=None, metavar="V",
                       help="gatewayVersion of the Self-Managed cluster (default 8.8.0)")
    group.add_argument("--camunda-keycloak-token-lifetime", type=int, default=None, metavar="SECONDS",
                       help="expires_in of camunda-platform realm tokens (default 300)")
    group.add_argument("--camunda-keycloak-admin-token-lifetime", type=int, default=None, metavar="SECONDS",
                       help="expires_in of master-realm admin tokens (default 60)")
    group.add_argument("--camunda-keycloak-audience-mapper-required", action="store_true", default=None,
                       help="camunda-platform tokens carry audience orchestration-api only for clients with an "
                       "oidc-audience-mapper for it (default: every client's token carries it)")
    group.add_argument("--camunda-console-sandbox-token-url", dest="camunda_console_reports_real_token_url",
                       action="store_const", const=False, default=None,
                       help="Console reports the sandbox's own token URL as ZEEBE_AUTHORIZATION_SERVER_URL and links.oauth "
                       "(default: the real https://login.cloud.camunda.io/oauth/token, as the real Console does)")
    group.add_argument("--camunda-token-basic-auth", dest="camunda_token_basic_auth", action="store_const", const=True,
                       default=None, help="accept HTTP Basic client authentication at /oauth/token (default: body only)")
    group.add_argument("--camunda-no-client-name-validation", dest="camunda_client_name_validation",
                       action="store_const", const=False, default=None,
                       help="accept any Console client name (default: 1-50 letters, digits, space, '.', '_', '-')")
    group.add_argument("--camunda-empty-permissions-mean-all", dest="camunda_empty_permissions_mean_all",
                       action="store_const", const=True, default=None,
                       help='"permissions": [] creates a client with all permissions (default: 400)')
    return group


def build_services(state_dir, args=None):
    saas = SaasState(state_dir, args)
    sm_state = SmState(state_dir, args)
    return [LoginService(saas), ConsoleService(saas), AuthzClusterService(saas), KeycloakService(sm_state),
            SmClusterService(sm_state)]


def describe(services, base_urls):
    by_name = {s.name: s for s in services}
    saas = by_name["camunda_login"].state
    sm_state = by_name["keycloak"].state
    urls = {name: base_urls[name].rstrip("/") for name in SERVICE_NAMES if name in base_urls}
    saas.urls.update(urls)
    sm_state.urls.update(urls)
    with saas.lock:
        org = saas.data["seed"]["org_clients"]
        clusters = [{"id": c["uuid"], "name": c["name"], "region": c["region"], "version": c["version"],
                     "legacy": bool(c.get("legacy"))} for c in saas.clusters()]
    with sm_state.lock:
        seed = sm_state.data["seed"]
    keycloak_url = urls.get("keycloak", "") + "/auth"
    return {
        "saas": {
            "token_url": saas.token_url(),
            "console_url": urls.get("camunda_console", ""),
            "cluster_rest_url": urls.get("camunda_cluster", ""),
            "console_audience": CONSOLE_AUDIENCE,
            "cluster_audience": CLUSTER_AUDIENCE,
            "organization_client": {"client_id": org[0]["client_id"], "client_secret": org[0]["secret"],
                                    "scopes": list(org[0]["scopes"])},
            "limited_organization_client": {"client_id": org[1]["client_id"], "client_secret": org[1]["secret"],
                                            "scopes": list(org[1]["scopes"])},
            "clusters": clusters,
        },
        "self_managed": {
            "keycloak_url": keycloak_url,
            "realm": REALM,
            "admin": {"username": seed["admin"]["username"], "password": seed["admin"]["password"],
                      "client_id": "admin-cli"},
            "admin_token_url": keycloak_url + "/realms/master/protocol/openid-connect/token",
            "token_url": "%s/realms/%s/protocol/openid-connect/token" % (keycloak_url, REALM),
            "audience": AUDIENCE,
            "orchestration_client": {"client_id": seed["orchestration"]["clientId"],
                                     "client_secret": seed["orchestration"]["secret"]},
            "cluster_rest_url": urls.get("sm_cluster", ""),
            "cluster_version": sm_state.flags["sm_cluster_version"],
        },
    }
