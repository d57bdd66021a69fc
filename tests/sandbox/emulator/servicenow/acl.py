"""Table ACLs by role (servicenow-api.md §2.1 oauth_admin, §2.4 alias roles, §2.5 connection_admin, §3 CI/CD).

``admin`` passes every check. ``snc_read_only`` may read what the rules allow it but never write (the platform's
read-only role). A rule is ``(read roles, write roles)``; ``"*"`` means any authenticated user.

What a user may not read is handled the way an instance does (§4): list rows are dropped *after*
``sysparm_limit`` is applied, and a single-record GET of a hidden row is a 404, not a 403.
"""

READ_ONLY_ROLE = "snc_read_only"
CICD_ROLE = "sn_cicd.sys_ci_automation"

RULES = {
    "oauth_entity": ({"oauth_admin", READ_ONLY_ROLE}, {"oauth_admin"}),
    "oauth_entity_profile": ({"oauth_admin", READ_ONLY_ROLE}, {"oauth_admin"}),
    "discovery_credentials": ({"credential_admin", READ_ONLY_ROLE}, {"credential_admin"}),
    "oauth_2_0_credentials": ({"credential_admin", READ_ONLY_ROLE}, {"credential_admin"}),
    "sys_connection": ({"connection_admin", READ_ONLY_ROLE}, {"connection_admin"}),
    "http_connection": ({"connection_admin", READ_ONLY_ROLE}, {"connection_admin"}),
    # §2.4: admin creates aliases; credential_admin / connection_admin may read them.
    "sys_alias": ({"credential_admin", "connection_admin", READ_ONLY_ROLE}, set()),
    # The OAuth admin must be able to pick the OAuth API script (§2.1 oauth_api_script).
    "sys_script_include": ({"oauth_admin", READ_ONLY_ROLE}, set()),
    "sys_scope": ({"*"}, set()),
    "sys_package": ({"*"}, set()),
    "sys_store_app": ({"*"}, set()),
    "sys_app": ({"*"}, set()),
    "sys_properties": ({READ_ONLY_ROLE}, set()),
    "v_plugin": ({READ_ONLY_ROLE}, set()),
    "sys_plugins": ({READ_ONLY_ROLE}, set()),
    "sys_user": ({"*"}, {"user_admin"}),
    "sys_user_role": ({"*"}, {"user_admin"}),
    "sys_user_has_role": ({"user_admin", READ_ONLY_ROLE}, {"user_admin"}),
}


def _allowed(roles, wanted):
    return "admin" in roles or "*" in wanted or bool(roles & wanted)


def can_read(roles, table):
    read, dummy = RULES.get(table, (set(), set()))
    return _allowed(roles, read)


def can_write(roles, table):
    if READ_ONLY_ROLE in roles and "admin" not in roles:
        return False
    dummy, write = RULES.get(table, (set(), set()))
    return _allowed(roles, write)


def can_use_cicd(roles):
    return "admin" in roles or CICD_ROLE in roles


# The wording an instance uses when an ACL stops a Table API write (INFERRED: the text ServiceNow returns for
# "ACL Exception <Operation> Failed due to security constraints"; §4 lists 403 for ACL aborts).
def write_denied(operation):
    return {"message": "Operation Failed", "detail": "ACL Exception %s Failed due to security constraints" % operation}
