"""Business rules the Camunda setup runs into. Table API writes run business rules (§4 "Writes").

``before(...)`` returns an abort message (the write is refused with 403, as a business rule's setAbortAction
does) or None; ``after_insert(...)`` makes the records an instance creates on its own.
"""

from .db import now_text


def _is_connection(db, table):
    return db.schema.is_a(table, "sys_connection")


def _same(db, a, b):
    """Equal names, case-insensitively when the instance folds case (flag case_insensitive_queries)."""
    if db.flags.get("case_insensitive_queries"):
        return (a or "").lower() == (b or "").lower()
    return a == b


def before(db, table, new, old):
    """``new`` is the full row as it would be saved; ``old`` the stored row for an update (None on insert)."""
    if _is_connection(db, table):
        if db.flags.get("computed_connection_url", True) and new.get("url_builder") == "true":
            new["connection_url"] = computed_connection_url(new)
        return _connection_rules(db, new, old)
    if table == "oauth_entity_profile":
        return _default_profile_rule(db, new, old)
    if table == "sys_alias" and not new.get("id"):
        # §2.4: the ID is <scope>.<name>, or just the name in global.
        scope = db.get("sys_scope", new.get("sys_scope") or "global")
        prefix = scope.get("scope") if scope else "global"
        new["id"] = new["name"] if prefix in ("", "global") else "%s.%s" % (prefix, new["name"])
    return None


def _connection_rules(db, new, old):
    me = new["sys_id"]
    others = [row for row in db.rows("sys_connection") if row["sys_id"] != me]
    # §2.5 VERIFIED: "Name must be unique on the table."
    if any(_same(db, row.get("name"), new.get("name")) for row in others):
        return "A connection named '%s' already exists; connection names must be unique" % new.get("name")
    if new.get("active") != "true":
        return None
    becoming_active = old is None or old.get("active") != "true"
    alias_changed = old is None or old.get("connection_alias") != new.get("connection_alias")
    alias_id = new.get("connection_alias")
    if alias_id and (becoming_active or alias_changed):
        alias = db.get("sys_alias", alias_id)
        if alias is not None and alias.get("multiple_connections") != "true":
            # §2.5 VERIFIED "Only one connection is active per connection alias at a time, unless the alias allows
            # multiple". The OOB UI offers to deactivate the other one; on the server the write is refused (§7 q4).
            if any(row.get("active") == "true" and row.get("connection_alias") == alias_id for row in others):
                return ("Only one active connection is allowed for connection alias %s; deactivate the other "
                        "connection or enable Support Multiple Active Connections on the alias" % alias.get("id"))
    credential = new.get("credential")
    credential_changed = old is None or old.get("credential") != credential
    if credential and (becoming_active or credential_changed):
        # §2.5 VERIFIED: "Credential is unique across active connections, if not empty."
        if any(row.get("active") == "true" and row.get("credential") == credential for row in others):
            return "The credential is already used by another active connection; a credential is unique across active connections"
    return None


def computed_connection_url(row):
    """What the URL builder computes, by the reference's formula (§6 step 7 [I], §7 q3 open):
    protocol + "://" + host + (":" + port when a port is set) + base_path (a leading "/" added when missing)."""
    url = "%s://%s" % ((row.get("protocol") or "https").lower(), row.get("host") or "")
    port = (row.get("port") or "").strip()
    if port:
        url += ":" + port
    base = row.get("base_path") or ""
    if base and not base.startswith("/"):
        base = "/" + base
    return url + base


def _other_defaults(db, row):
    return [other for other in db.select("oauth_entity_profile", "", [("oauth_entity", row.get("oauth_entity", ""))])[0]
            if other["sys_id"] != row.get("sys_id") and other.get("default") == "true"]


def _default_profile_rule(db, new, old):
    """§2.2 "There can be only one default profile": with flag second_default_profile=refuse, making a profile the
    default while the entity has another default one is refused like a business-rule abort."""
    already_default = old is not None and old.get("default") == "true" and old.get("oauth_entity") == new.get("oauth_entity")
    if new.get("default") != "true" or already_default:
        return None
    if db.flags.get("second_default_profile", "refuse") != "refuse":
        return None
    others = _other_defaults(db, new)
    if others:
        return ("There can be only one default profile for OAuth provider %s; '%s' is already its default profile"
                % (new.get("oauth_entity"), others[0].get("name")))
    return None


def after_insert(db, table, row, flags, user):
    if table == "oauth_entity" and row.get("type") == "oauth_provider" and flags["auto_default_profile"]:
        # §2.2 VERIFIED: "The instance auto-creates a default profile for each third-party provider record",
        # named "<name> default_profile", default=true, with the provider's grant type (SHARELOGIC). Whether a
        # Table API insert triggers it is INFERRED, hence the flag.
        profile = db.new_row("oauth_entity_profile", {
            "name": "%s default_profile" % row.get("name", ""), "oauth_entity": row["sys_id"],
            "grant_type": row.get("default_grant_type") or "password", "default": "true",
            "sys_scope": row.get("sys_scope") or "global"}, user)
        db.insert(profile)
    if table == "oauth_entity_profile" and row.get("default") == "true":
        only_one_default(db, row)


def only_one_default(db, row):
    """Flag second_default_profile=clear: a new default clears the flag on the entity's other profiles [I]. With
    keep both stay default; with refuse (the default) the write never got here."""
    if db.flags.get("second_default_profile", "refuse") != "clear":
        return
    for other in _other_defaults(db, row):
        other["default"] = "false"
        other["sys_updated_on"] = now_text()
