# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired-state engine shared by every resource module (ServiceNow records and Camunda resources alike).

Pure logic, no I/O: normalise values, find the one record matching a natural key, plan what to write (only the
managed fields that differ), build a diff in which secrets only ever appear as a fixed mask, verify what the server
saved, and turn a plan into the standard module result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

SECRET_MASK = "********"
# Shown as the "before" of a readable secret (Camunda connector secrets) whose value will change.
SECRET_MASK_BEFORE = "******** (current value, hidden)"
UPDATE_SECRET_CHOICES = ("on_create", "always")
ID_FIELDS = ("sys_id", "id", "clientId", "name")


WHERE = "{where}"


class RecordError(Exception):
    """A desired-state problem (duplicates, a value the server changed); ``str(err)`` is one actionable sentence.

    The engine does not know which host it works on, so its sentences carry a ``{where}`` marker that
    ``locate(host)`` turns into " on <host>" (the module runner does that); unlocated, the marker disappears.
    """

    def __init__(self, message, **facts):
        super(RecordError, self).__init__(message)
        self.template = message
        self.where = None
        self.facts = facts

    def locate(self, where):
        if where and not self.where:
            self.where = where
        return self

    @property
    def message(self):
        return self.template.replace(WHERE, " on {0}".format(self.where) if self.where else "")

    def __str__(self):
        return self.message


def check_name(name, what, default):
    """Refuse, before any request, a natural-key name that would be written wrong: empty or blank, or padded with
    spaces (a near-duplicate of the record the user means). ``what`` names the record for the sentence."""
    if not isinstance(name, str) or not name.strip():
        raise RecordError("The {0} name is empty; give the record's name in name (default {1!r}), nothing was "
                          "written.".format(what, default))
    if name != name.strip():
        raise RecordError("The {0} name {1!r} has leading or trailing spaces, which would make a near-duplicate of "
                          "{2!r}; remove them, nothing was written.".format(what, name, name.strip()))


def account(instance):
    """How a ServiceNow module authenticates, in words ("user 'admin'", "the OAuth client 'x'", else "the ServiceNow
    account"), for the permission hint of a "not found" sentence: a record the account may not read looks absent."""
    instance = instance or {}
    if not instance.get("access_token") and not instance.get("api_key"):
        if instance.get("username"):
            return "user %r" % instance["username"]
        if instance.get("client_id"):
            return "the OAuth client %r" % instance["client_id"]
    return "the ServiceNow account"


def normalize(value):
    """The comparable string form of a value.

    None -> ""; booleans -> "true"/"false"; integral floats -> "1"; numbers -> str; references
    ``{"link", "value"}`` (or ``{"display_value", "value"}``) -> the value (a sys_id); lists -> the sorted,
    comma-joined normalised items (ServiceNow list fields and permission lists are sets); other dicts -> canonical
    JSON; strings unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        if "value" in value and set(value) <= set(("link", "value", "display_value")):
            return normalize(value["value"])
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(sorted(normalize(item) for item in value))
    return str(value)


def _display(value):
    """A value as shown in a diff or result: references reduced to their sys_id, everything else unchanged."""
    if isinstance(value, dict) and "value" in value and set(value) <= set(("link", "value", "display_value")):
        return value["value"]
    return value


def _diff_value(value):
    """A value as shown in a diff: references reduced to sys_ids, scalars in their normalised string form (so the
    server's "true" and a wanted True look alike), lists and other values unchanged."""
    value = _display(value)
    if isinstance(value, (bool, int, float)):
        return normalize(value)
    return value


def record_id(record, id_fields=ID_FIELDS):
    """The first identifying field a record has (sys_id, id, clientId, name), or "?"."""
    for field in id_fields:
        if isinstance(record, dict) and record.get(field) not in (None, ""):
            return str(_display(record[field]))
    return "?"


def _describe_key(key):
    return ", ".join("{0}={1!r}".format(k, normalize(v)) for k, v in sorted(key.items()))


def matches(row, key):
    """True when every field of ``key`` has exactly that (normalised) value in ``row``."""
    return all(normalize(row.get(field)) == normalize(value) for field, value in key.items())


def case_variants(rows, key):
    """The rows whose fields equal ``key`` when letter case is ignored, but not exactly."""
    folded = dict((k, normalize(v).lower()) for k, v in key.items())
    return [row for row in (rows or []) if isinstance(row, dict) and not matches(row, key)
            and all(normalize(row.get(k)).lower() == v for k, v in folded.items())]


def find_exact(rows, key, what="record", id_fields=ID_FIELDS, refuse_case_variants=False):
    """The one row of ``rows`` whose fields equal ``key`` exactly (checked again here: the server may ignore unknown
    query fields or compare case-insensitively), or None. Two or more matches raise RecordError naming them.

    ``refuse_case_variants``: for a service that may compare case-insensitively (ServiceNow), a row that differs from
    ``key`` only in letter case, with no exact match, raises RecordError instead of reading as "absent": creating
    the record would make a second one the service may treat as the same, and adopting it would manage a record
    the user did not name."""
    found = [row for row in (rows or []) if isinstance(row, dict) and matches(row, key)]
    if not found and refuse_case_variants:
        variants = case_variants(rows, key)
        if variants:
            ids = [record_id(row, id_fields) for row in variants]
            found_keys = ", ".join(_describe_key(dict((k, row.get(k)) for k in key)) for row in variants)
            raise RecordError(
                "Found the {0} {1} ({2}){{where}}, which differs from {3} only in letter case; the instance matches "
                "values case-insensitively, so it is neither adopted nor duplicated: rename or delete it, or use its "
                "exact name".format(what, found_keys, ", ".join(ids), _describe_key(key)), ids=ids)
    if not found:
        return None
    if len(found) > 1:
        ids = [record_id(row, id_fields) for row in found]
        raise RecordError(
            "Found {0} {1} records matching {2}{{where}} ({3}: {4}); a natural key must identify one record, so remove or "
            "rename the duplicates, or identify the record by its id".format(
                len(found), what, _describe_key(key), id_fields[0] if id_fields else "ids", ", ".join(ids)),
            ids=ids)
    return found[0]


class Plan:
    """What to do: ``action`` is "create", "update", "delete" or "none"; ``payload`` holds only what to write;
    ``diff`` is ``{"before": {...}, "after": {...}}`` over the managed fields, secrets masked."""

    def __init__(self, action, payload, diff, current=None, desired=None, secret_fields=()):
        self.action = action
        self.payload = payload
        self.diff = diff
        self.current = current
        self.desired = desired
        self.secret_fields = tuple(secret_fields)

    @property
    def changed(self):
        return self.action != "none"

    def __repr__(self):
        return "Plan(action={0!r}, payload_keys={1!r})".format(self.action, sorted(self.payload))


def masked(record, secret_fields):
    """A copy of ``record`` with every secret field that has a value replaced by the fixed mask."""
    if record is None:
        return None
    out = dict(record)
    for field in secret_fields:
        if field in out and out[field] not in (None, ""):
            out[field] = SECRET_MASK
    return out


def managed_view(record, fields, secret_fields=()):
    """The managed ``fields`` of ``record`` (references reduced to sys_ids) without any secret."""
    if not record:
        return {}
    return dict((k, _diff_value(record.get(k))) for k in fields if k not in secret_fields and k in record)


def plan(current, desired, state="present", secret_fields=(), update_secret="on_create", readable_secrets=()):
    """Compare ``current`` (the record found, or None) with ``desired`` (managed field -> wanted value; None means
    "not managed") and decide.

    * Only the keys of ``desired`` are compared, in normalised form; the payload holds only those that differ.
    * ``secret_fields`` are never compared unless listed in ``readable_secrets`` (services that return a secret's
      value, like the Camunda Console for connector secrets). A secret is written on create, and on update only
      when ``update_secret == "always"`` (or, for a readable secret, when it differs). It appears in the diff only
      as the fixed mask, and only when it will be written.
    """
    if state not in ("present", "absent"):
        raise ValueError("state must be present or absent, not {0!r}".format(state))
    if update_secret not in UPDATE_SECRET_CHOICES:
        raise ValueError("update_secret must be one of {0}, not {1!r}".format(", ".join(UPDATE_SECRET_CHOICES), update_secret))
    secret_fields = tuple(secret_fields)
    wanted = dict((k, v) for k, v in desired.items() if v is not None)
    plain = [k for k in wanted if k not in secret_fields]

    if state == "absent":
        if current is None:
            return Plan("none", {}, {"before": {}, "after": {}}, current, wanted, secret_fields)
        return Plan("delete", {}, {"before": managed_view(current, list(desired), secret_fields), "after": {}},
                    current, wanted, secret_fields)

    if current is None:
        after = dict((k, _diff_value(wanted[k])) for k in plain)
        for k in wanted:
            if k in secret_fields:
                after[k] = SECRET_MASK
        return Plan("create", dict(wanted), {"before": {}, "after": after}, current, wanted, secret_fields)

    before = managed_view(current, plain, secret_fields)
    after = dict(before)
    payload = {}
    for k in plain:
        if normalize(current.get(k)) != normalize(wanted[k]):
            payload[k] = wanted[k]
            after[k] = _diff_value(wanted[k])
            if k not in before:
                before[k] = None
    for k in wanted:
        if k not in secret_fields:
            continue
        if k in readable_secrets:
            if normalize(current.get(k)) != normalize(wanted[k]) or update_secret == "always":
                payload[k] = wanted[k]
                before[k] = SECRET_MASK_BEFORE
                after[k] = SECRET_MASK
        elif update_secret == "always":
            payload[k] = wanted[k]
            after[k] = SECRET_MASK
    if not payload:
        return Plan("none", {}, {"before": before, "after": after}, current, wanted, secret_fields)
    return Plan("update", payload, {"before": before, "after": after}, current, wanted, secret_fields)


TRUE_SPELLINGS = ("true", "1", "yes", "on")
FALSE_SPELLINGS = ("false", "0", "no", "off", "")


def _as_boolean(value):
    """True/False for a boolean or one of its usual string spellings, else None."""
    if isinstance(value, bool):
        return value
    text = normalize(value).strip().lower() if isinstance(value, str) else None
    if text in TRUE_SPELLINGS:
        return True
    if text in FALSE_SPELLINGS and text != "":
        return False
    return None


def _as_number(value):
    """The number a value stands for (an int or float, or a string such as "8,640,000", " 1800 ", "1800.0"), else
    None. Booleans are not numbers here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def same_when_normalised(saved, sent):
    """True when ``saved`` is ``sent`` in the form the server stores it: the same normalised string, the same
    boolean in another spelling ("1" for True), or the same number in another format ("8,640,000" for 8640000).
    A boolean is compared as a boolean only when it was sent as one (a bool, or the string "true"/"false")."""
    if normalize(saved) == normalize(sent):
        return True
    if isinstance(sent, bool) or (isinstance(sent, str) and sent.strip().lower() in ("true", "false")):
        return _as_boolean(saved) is not None and _as_boolean(saved) == _as_boolean(sent)
    sent_number, saved_number = _as_number(sent), _as_number(saved)
    if isinstance(sent, (int, float)) or (sent_number is not None and isinstance(sent, str) and sent.strip()):
        return sent_number is not None and saved_number is not None and sent_number == saved_number
    return False


def verify_saved(saved, payload, secret_fields=(), what="record", service="The server", may_differ=None):
    """Check ``saved`` (the write's response) against ``payload`` and return notes about accepted differences.

    A value the server stored in its own normal form (a boolean as "true" for True or "1", an integer without
    grouping) is the value asked for. A field for which ``may_differ(field)`` returns a reason (a read-only column
    the server ignores, a value the server computes) may differ: each such difference becomes a note (one sentence,
    for a warning). Any other difference, or a field missing from the answer, is a rejected value: RecordError (a
    business rule, a data policy or an unknown field name changed or dropped it). Secrets are not compared."""
    notes = []
    if saved is None:
        return notes
    problems = []
    for field in sorted(payload):
        if field in secret_fields:
            continue
        reason = may_differ(field) if may_differ else None
        if field not in saved:
            if reason:
                notes.append("{0} did not save {1} ({2})".format(service, field, reason))
                continue
            problems.append("{0} was not saved (is it a field of this table?)".format(field))
        elif not same_when_normalised(saved.get(field), payload[field]):
            if reason:
                notes.append("{0} saved {1} of the {2} {3}{{where}} as {4!r}, not the {5!r} sent ({6})".format(
                    service, field, what, record_id(saved), normalize(saved.get(field)), normalize(payload[field]),
                    reason))
                continue
            problems.append("{0} is {1!r}, not the {2!r} asked for".format(
                field, normalize(saved.get(field)), normalize(payload[field])))
    if problems:
        raise RecordError(
            "{0} saved the {1} {2}{{where}} differently than asked: {3}; a business rule or data policy on the instance "
            "probably changed it, check the record and the rules of its table".format(
                service, what, record_id(saved), "; ".join(problems)),
            fields=sorted(payload))
    return notes


def predicted(the_plan):
    """The record the plan would leave (for check mode): current with the payload applied; None after a delete."""
    if the_plan.action == "delete":
        return None
    record = dict(the_plan.current or {})
    record.update(the_plan.payload)
    return record


def located(text, where=None):
    """``text`` with its ``{where}`` marker turned into " on <where>" (or removed when ``where`` is empty)."""
    return text.replace(WHERE, " on {0}".format(where) if where else "")


def apply_plan(the_plan, check_mode, create=None, update=None, delete=None, what="record", service="The server",
               verify=True, fields=None, may_differ=None, where=None):
    """Carry out ``the_plan`` (unless ``check_mode``) and return the standard module result
    ``{"changed", "diff", "record"}``. ``create(payload)``/``update(payload)`` return the saved record (the write's
    response, not read again); ``delete()`` returns nothing. The saved record is verified against the payload
    (``may_differ``: see verify_saved; its notes come back as ``warnings``, a key Ansible shows as warnings, located
    at ``where``),
    secrets are masked, and ``fields`` (if given) limits the returned record to those fields."""
    record = the_plan.current
    notes = []
    if the_plan.action == "none":
        pass
    elif check_mode:
        record = predicted(the_plan)
    elif the_plan.action in ("create", "update"):
        record = (create if the_plan.action == "create" else update)(the_plan.payload)
        if verify:
            notes = verify_saved(record, the_plan.payload, the_plan.secret_fields, what, service, may_differ)
    elif the_plan.action == "delete":
        delete()
        record = None
    result = module_result(the_plan, record, fields)
    if notes:
        result["warnings"] = [located(note, where) for note in notes]
    return result


def module_result(the_plan, record, fields=None):
    """``{"changed", "diff", "record"}`` for ``the_plan`` and the resulting ``record`` (secrets masked, references
    reduced to sys_ids, limited to ``fields`` when given; ``{}`` when the record is absent)."""
    out = {}
    if record:
        keys = fields if fields is not None else list(record)
        out = dict((k, _display(record.get(k))) for k in keys if k in record)
        out = masked(out, the_plan.secret_fields)
    return {"changed": the_plan.changed, "diff": the_plan.diff, "record": out}
