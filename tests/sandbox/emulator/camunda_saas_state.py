"""Shared state of the Camunda 8 SaaS emulation: organization clients, clusters, cluster clients and connector
secrets, persisted in ``DIR/camunda_saas.json``. Access tokens are RS256 JWTs signed with ``DIR/jwt-camunda_saas.pem``
(jwt_tokens.py): nothing about a token is stored, so a restart keeps every token valid until it expires."""

import copy
import os
import re
import threading
import time
import uuid

from .camunda_common import FlagError, check_flag_type, mask, random_client_id, random_secret
from .jwt_tokens import InvalidToken, Signer, audiences
from .store import JsonStore

CONSOLE_AUDIENCE = "api.cloud.camunda.io"
CLUSTER_AUDIENCE = "zeebe.camunda.io"
REAL_TOKEN_URL = "https://login.cloud.camunda.io/oauth/token"

# Administration API scope groups (camunda-api.md 2.2): scope id -> the name Console shows.
ORG_SCOPES = {
    "Cluster": "Cluster",
    "ZeebeClient": "Zeebe Client",
    "WebModelerAPI": "Web Modeler API",
    "IPAllowlist": "IP allowlist",
    "ConnectorSecrets": "Connector Secrets",
    "Members": "Members",
    "Backups": "Backups",
}
LIMITED_ORG_SCOPES = ["Cluster", "WebModelerAPI", "Members"]

# Cluster client permissions (camunda-api.md 2.3) and the token audience each one grants (INFERRED for all but Zeebe).
PERMISSIONS = ["Zeebe", "Operate", "Tasklist", "Optimize", "Secrets"]
PERMISSION_AUDIENCE = {
    "Zeebe": CLUSTER_AUDIENCE,
    "Operate": "operate.camunda.io",
    "Tasklist": "tasklist.camunda.io",
    "Optimize": "optimize.camunda.io",
    "Secrets": "secrets.camunda.io",
}

REGIONS = {
    "bru-2": "Belgium, Europe (europe-west1)",
    "jfk-1": "US East, South Carolina (us-east1)",
    "syd-1": "Sydney, Australia (australia-southeast1)",
}
REGION_CYCLE = ["bru-2", "jfk-1", "syd-1"]

DEFAULTS = {
    "clusters": 2,
    "cluster_version": "8.8.0",
    "legacy_cluster_version": "8.5.16",
    "token_lifetime": 86400,
    "token_rate_limit": True,
    "token_rate_interval": 1.0,
}

# Leniency switches (README "Leniency flags"): each default is the strictest variant the reference allows.
LENIENCY_DEFAULTS = {
    # The Console reports ZEEBE_AUTHORIZATION_SERVER_URL / links.oauth as the real token URL (camunda-api.md 2.3,
    # VERIFIED example); False reports the sandbox's own token URL.
    "console_reports_real_token_url": True,
    # HTTP Basic client authentication at /oauth/token: the reference shows credentials in the body only (2.2).
    "token_basic_auth": False,
    # Console client names: 1-50 characters of letters, digits, space, '.', '_' and '-' [I]; False accepts any.
    "client_name_validation": True,
    # POST .../clients with "permissions": []: the spec only says an ABSENT list means all (2.3); the strict
    # sandbox refuses an empty list (400), True creates the client with all permissions.
    "empty_permissions_mean_all": False,
}
CLIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,49}$")


def _arg(args, name, default):
    value = getattr(args, name, None) if args is not None else None
    return default if value is None else value


class SaasState:
    """One per sandbox; the login, Console and cluster services all hold it.  Hold ``lock`` while touching ``data``."""

    def __init__(self, state_dir, args=None):
        self.clock = time.time  # wall clock for token expiry (persisted)
        self.monotonic = time.monotonic  # for the token-endpoint rate limit (in memory)
        self.urls = {}  # service name -> base URL, filled in by camunda.describe()
        self.initial_flags = {
            "token_rate_limit": bool(_arg(args, "camunda_token_rate_limit", DEFAULTS["token_rate_limit"])),
            "token_rate_interval": float(_arg(args, "camunda_token_rate_interval", DEFAULTS["token_rate_interval"])),
            "token_lifetime": int(_arg(args, "camunda_token_lifetime", DEFAULTS["token_lifetime"])),
            "cluster_not_ready": bool(_arg(args, "camunda_cluster_not_ready", False)),
            "max_clients_per_cluster": int(_arg(args, "camunda_max_clients", 0)),
            "missing_secret_delete_status": int(_arg(args, "camunda_missing_secret_delete_status", 404)),
            "partition_health": "healthy",
        }
        for name, default in LENIENCY_DEFAULTS.items():
            value = _arg(args, "camunda_" + name, None)
            self.initial_flags[name] = default if value is None else bool(value)
        self.flags = dict(self.initial_flags)
        self.last_token_request = {}  # client address -> monotonic time of its last token request
        self.lock = threading.RLock()
        self.signer = Signer(state_dir, "camunda_saas")
        self.issued = []  # (expires_at, client_id) of the tokens issued by this process, for the state dump only
        count = int(_arg(args, "camunda_clusters", DEFAULTS["clusters"]))
        legacy = _arg(args, "camunda_legacy_cluster_version", DEFAULTS["legacy_cluster_version"])
        version = _arg(args, "camunda_cluster_version", DEFAULTS["cluster_version"])
        self.store = JsonStore(os.path.join(str(state_dir), "camunda_saas.json"),
                               lambda: self._fresh(self._new_seed(count, version, legacy)))
        explicit_version = getattr(args, "camunda_cluster_version", None) if args is not None else None
        if self.store.loaded and explicit_version:
            # An explicit --camunda-cluster-version applies to the seeded (non-legacy) clusters of a kept state too.
            with self.lock:
                for cluster in self.store.data["clusters"].values():
                    if not cluster.get("legacy"):
                        cluster["version"] = explicit_version
                self.store.save()

    @property
    def data(self):
        return self.store.data

    # ----------------------------------------------------------------------------------------------- seeding
    @staticmethod
    def _new_seed(count, version, legacy_version):
        seed = {
            "organization": str(uuid.uuid4()),
            "org_clients": [
                {"client_id": random_client_id(), "secret": random_secret(), "name": "sandbox-admin",
                 "scopes": list(ORG_SCOPES)},
                {"client_id": random_client_id(), "secret": random_secret(), "name": "sandbox-limited",
                 "scopes": list(LIMITED_ORG_SCOPES)},
            ],
            "clusters": [],
        }
        specs = [("sandbox-%d" % (i + 1), version, False) for i in range(max(count, 0))]
        if legacy_version:
            specs.append(("sandbox-legacy", legacy_version, True))
        for index, (name, cluster_version, legacy) in enumerate(specs):
            seed["clusters"].append({"uuid": str(uuid.uuid4()), "name": name, "version": cluster_version,
                                     "region": REGION_CYCLE[index % len(REGION_CYCLE)], "legacy": legacy,
                                     "order": index})
        return seed

    @staticmethod
    def _fresh(seed):
        clusters = {}
        for spec in seed["clusters"]:
            clusters[spec["uuid"]] = dict(spec, clients={}, secrets={})
        return {
            "seed": seed,
            "org_clients": {c["client_id"]: dict(c) for c in seed["org_clients"]},
            "clusters": clusters,
            "token_generation": 0,
            "next_order": 0,
        }

    def clusters(self):
        """The clusters in seed order (the JSON store sorts keys, so order is kept in each record)."""
        return sorted(self.data["clusters"].values(), key=lambda c: c["order"])

    @staticmethod
    def clients(cluster):
        """A cluster's clients in creation order."""
        return sorted(cluster["clients"].values(), key=lambda c: c["order"])

    def next_order(self):
        self.data["next_order"] = self.data.get("next_order", 0) + 1
        return self.data["next_order"]

    def reset(self):
        with self.lock:
            generation = self.data.get("token_generation", 0) + 1  # tokens issued before the reset stop verifying
            self.store.data = self._fresh(copy.deepcopy(self.data["seed"]))
            self.store.data["token_generation"] = generation
            self.issued = []
            self.store.save()
            self.flags = dict(self.initial_flags)
            self.last_token_request.clear()

    # ------------------------------------------------------------------------------------------------ tokens
    def issuer(self):
        """The ``iss`` of every SaaS token: the token service's base URL with a trailing slash, as Auth0 issues."""
        base = self.urls.get("camunda_login")
        return (base.rstrip("/") if base else "https://login.cloud.camunda.io") + "/"

    def issue_token(self, client_id, kind, audience, scope, cluster=None):
        """A signed JWT for ``client_id``: ``iss``, ``sub`` (``<client id>@clients``), ``aud``, ``iat``, ``exp``,
        ``azp``, ``gty``, ``scope`` (the Administration API scopes, or a cluster client's permissions), and the
        organization (and for a cluster client the cluster) in namespaced claims [I: the reference names only the
        response fields; Auth0 client-credentials tokens carry these standard claims]."""
        with self.lock:
            now = int(self.clock())
            lifetime = self.flags["token_lifetime"]
            claims = {"iss": self.issuer(), "sub": "%s@clients" % client_id, "aud": audience, "iat": now,
                      "exp": now + lifetime, "azp": client_id, "gty": "client-credentials", "scope": scope,
                      "https://camunda.com/orgId": self.data["seed"]["organization"]}
            if cluster:
                claims["https://camunda.com/clusterId"] = cluster
            token = self.signer.sign(claims, self.data.get("token_generation", 0))
            self.issued = [entry for entry in self.issued if entry[0] > now] + [(now + lifetime, client_id)]
            return token, lifetime

    def verify_token(self, token):
        """The claims of a token this service issued (signature, key generation, expiry, issuer), or InvalidToken.
        A token of a deleted cluster client is refused as well (the sandbox is strict about stale credentials;
        a real cluster might accept an issued JWT until it expires)."""
        if not token:
            raise InvalidToken("no token")
        with self.lock:
            claims = self.signer.verify(token, self.data.get("token_generation", 0), self.clock(), self.issuer())
            client_id = claims.get("azp")
            if client_id not in self.data["org_clients"] and self.find_cluster_client(client_id)[1] is None:
                raise InvalidToken("the token's client no longer exists")
            return claims

    def lookup_token(self, token, reasons=None):
        """What the Console and cluster check, from a verified token: ``{client_id, kind, audience, audiences, scope,
        cluster, expires_at}``; None when the token does not verify (why is appended to ``reasons`` when given)."""
        try:
            claims = self.verify_token(token)
        except InvalidToken as err:
            if reasons is not None:
                reasons.append(str(err))
            return None
        client_id = claims["azp"]
        auds = audiences(claims)
        return {"client_id": client_id, "kind": "organization" if client_id in self.data["org_clients"] else "cluster",
                "audience": auds[0] if len(auds) == 1 else auds, "audiences": auds, "scope": claims.get("scope", ""),
                "cluster": claims.get("https://camunda.com/clusterId"), "expires_at": claims["exp"]}

    def expire_tokens(self):
        """Revoke every issued token: the signing key moves to a new generation (a new ``kid``)."""
        with self.lock:
            self.data["token_generation"] = self.data.get("token_generation", 0) + 1
            self.issued = []
            self.store.save()

    def drop_client_tokens(self, client_id):
        """Tokens of a deleted client stop verifying because verify_token checks that the client exists."""
        with self.lock:
            self.issued = [entry for entry in self.issued if entry[1] != client_id]

    def find_cluster_client(self, client_id):
        """(cluster, client) for a Console-created cluster client id, or (None, None)."""
        for cluster in self.data["clusters"].values():
            client = cluster["clients"].get(client_id)
            if client is not None:
                return cluster, client
        return None, None

    def rate_limited(self, address):
        """Seconds to wait when ``address`` sent a token request less than the interval ago, else 0.

        Every request counts, refused ones included (camunda-api.md 2.7: "failed requests count too")."""
        with self.lock:
            now = self.monotonic()
            last = self.last_token_request.get(address)
            self.last_token_request[address] = now
            if not self.flags["token_rate_limit"] or last is None:
                return 0.0
            elapsed = now - last
            interval = self.flags["token_rate_interval"]
            return interval - elapsed if elapsed < interval else 0.0

    # ------------------------------------------------------------------------------------------------- flags
    def set_flags(self, changes):
        kinds = {
            "token_rate_limit": (bool,), "token_rate_interval": (int, float), "token_lifetime": (int,),
            "cluster_not_ready": (bool, list), "max_clients_per_cluster": (int,),
            "missing_secret_delete_status": (int,), "partition_health": (str,), "cluster_version": (str, dict),
        }
        kinds.update((name, (bool,)) for name in LENIENCY_DEFAULTS)
        with self.lock:
            for name, value in (changes or {}).items():
                if name not in kinds:
                    raise FlagError("unknown Camunda SaaS flag %r; known: %s" % (name, ", ".join(sorted(kinds))))
                check_flag_type(name, value, kinds[name])
                if name == "missing_secret_delete_status" and value not in (204, 404):
                    raise FlagError("flag missing_secret_delete_status must be 204 or 404")
                if name == "partition_health" and value not in ("healthy", "unhealthy", "dead"):
                    raise FlagError("flag partition_health must be healthy, unhealthy or dead")
                if name == "cluster_version":
                    self._set_versions(value)
                    continue
                if name == "cluster_not_ready" and isinstance(value, list):
                    unknown = [c for c in value if c not in self.data["clusters"]]
                    if unknown:
                        raise FlagError("flag cluster_not_ready names unknown clusters: %s" % ", ".join(map(str, unknown)))
                self.flags[name] = value
            return self.current_flags()

    def _set_versions(self, value):
        clusters = self.data["clusters"]
        if isinstance(value, str):
            targets = {cid: value for cid, c in clusters.items() if not c.get("legacy")}
        else:
            targets = value
        for cid, version in targets.items():
            if cid not in clusters:
                raise FlagError("flag cluster_version names unknown cluster %s" % cid)
            if not isinstance(version, str):
                raise FlagError("flag cluster_version expects version strings")
        for cid, version in targets.items():
            clusters[cid]["version"] = version
        self.store.save()

    def current_flags(self):
        flags = dict(self.flags)
        flags["cluster_version"] = {c["uuid"]: c["version"] for c in self.clusters()}
        return flags

    def cluster_ready(self, cluster_id):
        not_ready = self.flags["cluster_not_ready"]
        if isinstance(not_ready, list):
            return cluster_id not in not_ready
        return not not_ready

    # ------------------------------------------------------------------------------------------------ output
    def token_url(self):
        base = self.urls.get("camunda_login")
        return base.rstrip("/") + "/oauth/token" if base else REAL_TOKEN_URL

    def reported_token_url(self):
        """The token URL the Console reports (ZEEBE_AUTHORIZATION_SERVER_URL, links.oauth): the real one by default."""
        return REAL_TOKEN_URL if self.flags["console_reports_real_token_url"] else self.token_url()

    def snapshot(self):
        with self.lock:
            clusters = []
            for cluster in self.clusters():
                clusters.append({
                    "uuid": cluster["uuid"], "name": cluster["name"], "region": cluster["region"],
                    "version": cluster["version"], "ready": self.cluster_ready(cluster["uuid"]),
                    "clients": [{"clientId": c["clientId"], "name": c["name"], "permissions": c["permissions"],
                                 "clientSecret": mask(c["secret"])} for c in self.clients(cluster)],
                    "secrets": {name: mask(value) for name, value in cluster["secrets"].items()},
                })
            now = self.clock()
            return {
                "organization_clients": [{"client_id": c["client_id"], "name": c["name"], "scopes": c["scopes"]}
                                         for c in self.data["org_clients"].values()],
                "clusters": clusters,
                "active_tokens": sum(1 for entry in self.issued if entry[0] > now),
                "flags": self.current_flags(),
            }
