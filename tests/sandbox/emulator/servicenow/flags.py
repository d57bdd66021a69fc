"""Switches for the behaviours the reference marks INFERRED or that differ between instances.

Each flag has a command-line option on serve.py (the value every instance starts with) and can be changed at
run time with ``POST /__sandbox/services/<sn name>/flags``. A flag that mirrors instance data (a plugin's state,
a system property, the spoke) changes that data at once, so the Table API shows the same thing the flag says.
"""

# name: (default, type, command-line option, help)
FLAGS = {
    "spoke_installed": (False, bool, "--sn-spoke-preinstalled",
                        "start with the Camunda Spoke installed (a fresh instance does not have it; §1)"),
    "entitled": (True, bool, "--sn-not-entitled",
                 "when off, installing the spoke through CI/CD fails with status 3 (§3 INFERRED entitlement)"),
    "auto_default_profile": (True, bool, "--sn-no-default-profile",
                             "when on, inserting an oauth_provider creates '<name> default_profile' (§2.2 INFERRED for REST)"),
    "starter_plugin": (True, bool, "--sn-no-starter-plugin", "Integration Hub Starter Pack active (§2.8)"),
    "rest_step_plugin": (True, bool, "--sn-no-rest-step-plugin", "Integration Hub Action Step - REST active (§2.8)"),
    "enterprise_plugin": (False, bool, "--sn-enterprise-plugin", "Integration Hub Enterprise Pack active (§2.8)"),
    "flow_trigger_rest_plugin": (False, bool, "--sn-flow-trigger-plugin", "Integration Hub Flow Trigger - REST active (§2.8)"),
    "password_write_denied": ("drop", str, "--sn-password-write-denied",
                              "a non-admin write of sys_user.user_password: drop (ignored without an error) or 403 [I]"),
    "hmac_plugin": (True, bool, "--sn-no-hmac-plugin",
                    "API Key and HMAC Authentication active (a plugin the CI/CD API may activate, for activation tests)"),
    "client_credentials_grant": (False, bool, "--sn-client-credentials",
                                 "set glide.oauth.inbound.client.credential.grant_type.enabled=true (§5; off by default)"),
    "rest_api_acls": (False, bool, "--sn-rest-api-acls",
                      "activate the Table/Batch REST API ACLs: snc_platform_rest_api_access (or itil, admin) needed"),
    "token_lifetime": (1800, int, "--sn-token-lifetime", "access token lifetime in seconds (§5: 1800)"),
    "rate_limit": (0, int, "--sn-rate-limit", "requests per window per user before 429; 0 = off (§4 Rate limiting)"),
    "rate_limit_window": (3600, int, "--sn-rate-limit-window", "rate limit window in seconds (§4: rules are per hour)"),
    "release": ("Yokohama", str, "--sn-release", "glide.buildname; the spoke needs Yokohama or newer (§1)"),
    "spoke_version": ("1.2.0", str, "--sn-spoke-version", "the Camunda Spoke version the Store offers"),
    "install_seconds": (3.0, float, "--sn-install-seconds", "how long a CI/CD install runs before it completes (§3)"),
    "batch_time_quota_ms": (30000, int, "--sn-batch-quota-ms", "Batch API transaction quota; later items are unserviced (§5)"),
    # Leniency switches (README "Leniency flags"): each default is the strictest variant the reference allows.
    "batch_api": (True, bool, "--sn-no-batch-api",
                  "serve the Batch API (§5 VERIFIED); off: POST /api/now/v1/batch answers 400 'Requested URI does not "
                  "represent any resource', as an instance without it does"),
    "sys_plugins_table": (True, bool, "--sn-no-sys-plugins-table",
                          "serve the sys_plugins table (§2.8); off: 400 'Invalid table sys_plugins'"),
    "second_default_profile": ("refuse", str, "--sn-second-default-profile",
                               "a second default oauth_entity_profile for one entity (§2.2 'There can be only one "
                               "default profile'): refuse (403, business-rule abort), clear (the other loses default) "
                               "or keep (both stay default)"),
    "normalize_values": (True, bool, "--sn-store-as-sent",
                         "store booleans as true/false and integers without grouping or decimals, whatever spelling "
                         "was sent (§4: every value is a string the instance formats); off: stored exactly as sent"),
    "computed_connection_url": (True, bool, "--sn-no-computed-connection-url",
                                "http_connection with url_builder=true: the instance computes connection_url as "
                                "protocol://host[:port]base_path (§6 formula; §7 q3 open); off: stored as sent"),
    "sys_scope_writable": (False, bool, "--sn-sys-scope-writable",
                           "a Table API write may set sys_scope (§4 'sys_* fields are generally not writable', "
                           "'may be read-only or ignored'); off: sys_scope is ignored and an insert lands in the "
                           "session's application, global"),
    "case_insensitive_queries": (False, bool, "--sn-case-insensitive",
                                 "encoded-query values compare case-insensitively, and so do the uniqueness rules (§4 "
                                 "says values are case-sensitive, the default; many real instances fold case)"),
}

CHOICES = {"second_default_profile": ("refuse", "clear", "keep")}


def defaults():
    return {name: spec[0] for name, spec in FLAGS.items()}


def add_arguments(parser):
    group = parser.add_argument_group("ServiceNow instances")
    for name, (default, kind, option, text) in FLAGS.items():
        if kind is bool:
            # Options are named after the non-default state, so each one just flips its default.
            group.add_argument(option, dest="sn_" + name, action="store_const", const=not default, default=default, help=text)
        else:
            group.add_argument(option, dest="sn_" + name, type=kind, default=default, choices=CHOICES.get(name),
                               help="%s (default %s)" % (text, default))


def from_args(args):
    return {name: getattr(args, "sn_" + name, spec[0]) for name, spec in FLAGS.items()}


def coerce(name, value):
    if name not in FLAGS:
        raise KeyError("unknown ServiceNow flag %s (known: %s)" % (name, ", ".join(sorted(FLAGS))))
    kind = FLAGS[name][1]
    if kind is bool:
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    value = kind(value)
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError("flag %s must be one of %s, not %r" % (name, ", ".join(CHOICES[name]), value))
    return value
