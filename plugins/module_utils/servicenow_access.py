# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a ServiceNow account may write what the Camunda setup writes, decided before anything is written.

What is knowable without writing: the roles the account holds (``sys_user_has_role``, one batch item with the
role names dot-walked) and the roles each table's ACLs ask for, from the reference sheet (servicenow-api.md):
the Application Registry and its profiles need ``oauth_admin`` (§2.1), an OAuth 2.0 credential ``credential_admin``,
an HTTP(s) connection ``connection_admin`` (§2.5), and reading a connection alias ``credential_admin`` or
``connection_admin`` (§2.4); ``admin`` passes every ACL, and ``snc_read_only`` forbids every write whatever else the
account holds. Pure functions: ``servicenow_spoke_info`` reads, these decide (unit-tested case by case in
tests/unit/plugins/module_utils/test_servicenow_access.py).

The roles cannot always be read: an account authenticated by API key, bearer token or the client-credentials grant
has no user name here, and an instance shows ``sys_user_has_role`` rows only to accounts its ACLs allow (an
unreadable table reads as no rows). Then the access is *unknown*: said, never guessed, never a stop.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.records import normalize

ADMIN = "admin"
READ_ONLY = "snc_read_only"

# What the setup does to each table and the roles whose ACLs allow it (any one of them), in the order of the steps.
SETUP_ACCESS = (
    ("oauth_entity", "write", ("oauth_admin",)),
    ("oauth_entity_profile", "write", ("oauth_admin",)),
    ("oauth_2_0_credentials", "write", ("credential_admin",)),
    ("sys_alias", "read", ("credential_admin", "connection_admin")),
    ("http_connection", "write", ("connection_admin",)),
)

ROLE_FIELDS = ["role.name", "state"]


def relevant_roles(needs=SETUP_ACCESS):
    """Every role name the decision looks at: admin, snc_read_only and the roles of ``needs``."""
    names = [ADMIN, READ_ONLY]
    for _table, _operation, roles in needs:
        names.extend(role for role in roles if role not in names)
    return names


def account_of(auth, grant_type, username):
    """The user name the instance knows the caller by: ``username`` for Basic authentication and the OAuth password
    grant, else None (an API key, a bearer token or another grant carries no user name the module knows)."""
    if username and (auth == "basic" or (auth == "oauth" and grant_type == "password")):
        return username
    return None


def roles_request(username, needs=SETUP_ACCESS):
    """The batch item that reads which of the relevant roles ``username`` holds (directly, inherited or through a
    group: ``sys_user_has_role`` has a row for each), or None when the account has no user name."""
    if not username:
        return None
    names = relevant_roles(needs)
    return dict(table="sys_user_has_role", query="user.user_name=%s^role.nameIN%s" % (
        _escape(username), ",".join(names)), fields=list(ROLE_FIELDS), limit=5 * len(names), optional=True)


def _escape(value):
    return str(value).replace("^", "^^")


def held_roles(rows):
    """The role names of active grants (a row whose ``state`` is empty or ``active``)."""
    out = []
    for row in rows or []:
        if not isinstance(row, dict) or normalize(row.get("state")) not in ("", "active"):
            continue
        name = normalize(row.get("role.name"))
        if name and name not in out:
            out.append(name)
    return sorted(out)


def denied(roles, needs=SETUP_ACCESS):
    """``[(table, operation, roles that would allow it)]`` that ``roles`` do not allow, in the order of ``needs``."""
    roles = set(roles)
    out = []
    for table, operation, allowed in needs:
        if ADMIN in roles:
            continue
        if operation == "write" and READ_ONLY in roles:
            out.append((table, operation, allowed))
        elif not roles & set(allowed):
            out.append((table, operation, allowed))
    return out


def grants(refused, roles=()):
    """The fewest roles to grant for ``refused``: each need that one role alone allows first, then a need with a
    choice only when no role granted (or held) already covers it (connection_admin covers the alias read)."""
    chosen = []
    held = set(roles) - set([READ_ONLY])
    for _table, _operation, allowed in sorted(refused, key=lambda need: len(need[2])):
        if held & set(allowed) or set(chosen) & set(allowed):
            continue
        chosen.append(allowed[0])
    order = relevant_roles()
    return sorted(chosen, key=lambda role: order.index(role) if role in order else len(order))


def access_facts(rows, username, needs=SETUP_ACCESS):
    """What the preflight returns as ``access``: the account, whether its roles could be read (``known``), the
    relevant roles it holds, what it may not do and the roles to grant. ``rows`` is the answer to
    :func:`roles_request` (None: not read, or refused)."""
    roles = held_roles(rows)
    known = bool(username) and bool(roles)
    refused = denied(roles, needs) if known else []
    return dict(checked=True, account=username or "", known=known, roles=roles,
                denied=[dict(table=table, operation=operation, roles=list(allowed)) for table, operation, allowed
                        in refused],
                grant=grants(refused, roles) if known else [])


def _join(items, word="and"):
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return "%s %s %s" % (", ".join(items[:-1]), word, items[-1])


def access_sentence(facts, host, account_option="instance"):
    """ONE sentence naming the roles to grant when the account may not do what the setup needs, else None.
    ``account_option`` is how the caller names the setting that holds the account (the role: its variable)."""
    if not facts.get("known") or not facts.get("denied"):
        return None
    writes = [d["table"] for d in facts["denied"] if d["operation"] == "write"]
    reads = [d["table"] for d in facts["denied"] if d["operation"] == "read"]
    what = []
    if writes:
        what.append("write " + _join(writes))
    if reads:
        what.append("read " + _join(reads))
    fix = "grant it %s (or admin)" % _join(facts["grant"]) if facts["grant"] else ""
    if READ_ONLY in facts["roles"]:
        fix = "remove %s from it (a read-only account may write nothing)%s" % (READ_ONLY, " and " + fix if fix else "")
    held = _join(facts["roles"]) or "none of the roles those ACLs ask for"
    return ("The ServiceNow account %r on %s may not %s, which the setup needs (it holds %s): %s, or set %s to an "
            "account that may." % (facts["account"], host, " or ".join(what), held, fix, account_option))


def unknown_sentence(facts, host):
    """The sentence for an account whose roles could not be read (None when they were)."""
    if facts.get("known"):
        return None
    if facts.get("account"):
        who, why = "the account %r" % facts["account"], "its roles in sys_user_has_role are not readable to it"
    else:
        who, why = "the account", "it signs in without a user name: API key, token or client credentials"
    return ("Whether %s may write what the setup writes on %s could not be told (%s): the setup needs %s (or admin) "
            "and no %s." % (who, host, why, _join(grants(SETUP_ACCESS)), READ_ONLY))
