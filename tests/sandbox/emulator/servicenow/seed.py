"""What a fresh instance holds: the global scope, users and roles, an OAuth client, properties, plugins.

And the Camunda Spoke as the Store delivers it (§1, §2.4, §2.6, §2.7): absent until installed.
"""

import secrets

from .db import now_text

ROLES = ("admin", "oauth_admin", "connection_admin", "credential_admin", "snc_read_only", "sn_cicd.sys_ci_automation",
         "user_admin", "itil", "snc_platform_rest_api_access")

# key in sandbox.json -> (user_name, full name, roles)
USERS = {
    "admin": ("admin", "System Administrator", ("admin",)),
    # holds oauth_admin only: may manage the Application Registry but not credentials or connections
    "oauth_admin": ("oauth.admin", "OAuth Admin", ("oauth_admin",)),
    "readonly": ("readonly", "Read Only", ("snc_read_only",)),
    "cicd": ("cicd.user", "CICD Automation", ("sn_cicd.sys_ci_automation",)),
    # least privilege for the whole documented setup once the spoke is installed
    "setup": ("camunda.setup", "Camunda Setup", ("oauth_admin", "connection_admin", "credential_admin")),
}

# id -> (name, flag that says whether it is active). §2.8; the Flow Trigger - REST ID is INFERRED there.
PLUGINS = {
    "com.glide.hub.integrations": ("IntegrationHub Starter Pack Installer", "starter_plugin"),
    "com.glide.hub.action_step.rest": ("IntegrationHub Action Step - REST", "rest_step_plugin"),
    "com.glide.hub.integrations.enterprise": ("IntegrationHub Enterprise Pack Installer", "enterprise_plugin"),
    "com.glide.hub.flow_trigger.rest": ("ServiceNow IntegrationHub Flow Trigger - REST", "flow_trigger_rest_plugin"),
    "com.snc.platform.security.oauth": ("OAuth 2.0", None),
    "com.glide.continuousdelivery": ("CI/CD REST API", None),
    "com.glide.tokenbased_auth": ("API Key and HMAC Authentication", "hmac_plugin"),
}

CC_PROPERTY = "glide.oauth.inbound.client.credential.grant_type.enabled"

RELEASES = ["Tokyo", "Utah", "Vancouver", "Washingtondc", "Xanadu", "Yokohama", "Zurich", "Australia"]


def release_at_least(release, oldest):
    """Is the family ``release`` (the ``release`` flag, e.g. ``Yokohama``) ``oldest`` or newer? Unknown names are
    taken to be newer releases."""
    name = (release or "").capitalize()
    return name not in RELEASES or RELEASES.index(name) >= RELEASES.index(oldest)


SPOKE = {
    # §1: the Store listing ID; INFERRED to be the sys_store_app sys_id (the collection resolves by scope anyway).
    "sys_id": "aac1b64fc3803290ef46d0af050131d0",
    "scope": "x_camun_camunda", "name": "Camunda Spoke", "vendor": "Camunda", "vendor_prefix": "x_camun",
}

WAR = {"Washingtondc": "glide-washingtondc-12-20-2023__patch9-11-15-2024_11-20-2024_0413.zip",
       "Xanadu": "glide-xanadu-07-02-2024__patch7-03-19-2025_03-27-2025_1702.zip",
       "Yokohama": "glide-yokohama-12-18-2024__patch4-06-04-2025_06-12-2025_1029.zip",
       "Zurich": "glide-zurich-07-01-2025__patch1-08-20-2025_08-26-2025_1846.zip"}


def _add(db, table, values, user="system", sys_id=None):
    return db.insert(db.new_row(table, values, user, sys_id=sys_id))


def seed(db, data, flags, published=None):
    """Fill an empty instance. Returns the credentials sandbox.json publishes.

    ``published`` (from an earlier seed) makes a reset reuse the same credentials, so sandbox.json stays valid.
    """
    published = published or {}
    _add(db, "sys_scope", {"name": "Global", "scope": "global", "source": "global", "version": ""}, sys_id="global")
    roles = {name: _add(db, "sys_user_role", {"name": name})["sys_id"] for name in ROLES}
    data["passwords"] = {}
    users = {}
    for key, (user_name, full_name, user_roles) in USERS.items():
        first, dummy, last = full_name.partition(" ")
        row = _add(db, "sys_user", {"user_name": user_name, "name": full_name, "first_name": first, "last_name": last,
                                    "email": "%s@sandbox.invalid" % user_name})
        for role in user_roles:
            _add(db, "sys_user_has_role", {"user": row["sys_id"], "role": roles[role]})
        password = published.get("users", {}).get(key, {}).get("password") or secrets.token_urlsafe(12)
        data["passwords"][user_name] = password
        users[key] = {"username": user_name, "password": password, "roles": list(user_roles)}
    admin_id = db.select("sys_user", "user_name=admin")[0][0]["sys_id"]
    # An inbound OAuth client ("OAuth API endpoint for external clients", type client, §2.1 / §5) whose
    # OAuth Application User is admin, used by the client_credentials grant once it is enabled.
    client_id = published.get("oauth_client", {}).get("client_id") or secrets.token_hex(16)
    client_secret = published.get("oauth_client", {}).get("client_secret") or secrets.token_urlsafe(18)
    _add(db, "oauth_entity", {"name": "Sandbox automation client", "type": "client", "client_id": client_id,
                              "client_secret": client_secret, "user": admin_id})
    data["api_keys"] = {published.get("api_key") or secrets.token_hex(16): "admin"}
    for plugin_id, (name, _flag) in PLUGINS.items():
        _add(db, "v_plugin", {"id": plugin_id, "name": name, "version": "1.0.0", "state": "installed", "active": "inactive",
                              "entitled": "true", "provider": "ServiceNow"})
        _add(db, "sys_plugins", {"source": plugin_id, "name": name, "version": "1.0.0", "active": "0"})
    apply_flags(db, flags)
    return {"users": users, "oauth_client": {"client_id": client_id, "client_secret": client_secret},
            "api_key": next(iter(data["api_keys"]))}


def _set_property(db, name, value, create=True):
    rows = db.select("sys_properties", "", [("name", name)])[0]
    if rows:
        db.update(rows[0], {"value": value}, "system")
    elif create:
        _add(db, "sys_properties", {"name": name, "value": value, "type": "true|false" if value in ("true", "false") else "string"})


def apply_flags(db, flags, changed=None):
    """Make the instance's data agree with the flags that mirror data (plugins, properties, spoke).

    Runs on a fresh instance (all flags) and when a flag is changed at run time (``changed`` names them); a
    restart does not re-apply flags, so what a test changed through the API survives it.
    """
    def wanted(name):
        return changed is None or name in changed

    for plugin_id, (_name, flag) in PLUGINS.items():
        if not flag or not wanted(flag):
            continue
        for row in db.select("v_plugin", "", [("id", plugin_id)])[0]:
            db.update(row, {"active": "active" if flags[flag] else "inactive"}, "system")
        for row in db.select("sys_plugins", "", [("source", plugin_id)])[0]:
            db.update(row, {"active": "1" if flags[flag] else "0"}, "system")
    if changed is None:
        for plugin_id, (_name, flag) in PLUGINS.items():
            if not flag:
                for table, key, value in (("v_plugin", "id", "active"), ("sys_plugins", "source", "1")):
                    for row in db.select(table, "", [(key, plugin_id)])[0]:
                        db.update(row, {"active": value}, "system")
    if wanted("client_credentials_grant"):
        # §5: the property does not exist until someone creates it, so "off" only flips an existing one.
        _set_property(db, CC_PROPERTY, "true" if flags["client_credentials_grant"] else "false",
                      create=flags["client_credentials_grant"])
    if wanted("release"):
        _set_property(db, "glide.buildname", flags["release"])
        _set_property(db, "glide.war", WAR.get(flags["release"], WAR["Yokohama"]))
    if wanted("spoke_installed"):
        if flags["spoke_installed"]:
            install_spoke(db, flags["spoke_version"], "system")
        else:
            uninstall_spoke(db)


def spoke_row(db):
    rows = db.select("sys_store_app", "", [("scope", SPOKE["scope"])])[0]
    return rows[0] if rows else None


def install_spoke(db, version, user):
    """What installing the Store app leaves behind (§1 checks, §2.4 alias, §2.6 script include, §2.7 app row)."""
    app = spoke_row(db)
    if app is not None:
        db.update(app, {"version": version, "latest_version": version, "active": "true"}, user)
        return app
    app = _add(db, "sys_store_app", {
        "name": SPOKE["name"], "scope": SPOKE["scope"], "source": SPOKE["scope"], "version": version,
        "latest_version": version, "vendor": SPOKE["vendor"], "vendor_prefix": SPOKE["vendor_prefix"],
        "short_description": "Start Camunda processes, send signals and correlate messages from Flow Designer",
        "install_date": now_text(), "licensable": "true"}, user, sys_id=SPOKE["sys_id"])
    scope_id = app["sys_id"]
    _add(db, "sys_alias", {"name": "Camunda", "id": "%s.Camunda" % SPOKE["scope"], "type": "connection",
                           "connection_type": "http_connection", "multiple_connections": "false",
                           "sys_scope": scope_id, "sys_package": scope_id}, user)
    _add(db, "sys_script_include", {
        "name": "OAuthCamundaUtil", "api_name": "%s.OAuthCamundaUtil" % SPOKE["scope"], "active": "true",
        "access": "public", "sys_scope": scope_id, "sys_package": scope_id,
        "description": "OAuth API script for Camunda: adds the audience to the client credentials token request",
        "script": "var OAuthCamundaUtil = Class.create();\nOAuthCamundaUtil.prototype = Object.extendsObject("
                  "OAuthUtil, {\n    type: 'OAuthCamundaUtil'\n});"}, user)
    return app


def uninstall_spoke(db):
    app = spoke_row(db)
    if app is None:
        return
    for table in ("sys_alias", "sys_script_include"):
        for row in db.select(table, "sys_scope=%s" % app["sys_id"])[0]:
            db.delete(row)
    db.delete(app)
