"""Rows of one instance: storage with table extension, value coercion, dot-walking and output formatting.

Every stored value is a string, as the Table API returns it (§4). A row lives once, under its concrete table
(``sys_class_name``); reading a parent table also returns the rows of every table that extends it (§2.3, §2.5,
§2.7). Rows carry a hidden ``__seq`` so lists keep insertion order across restarts (the JSON store sorts keys).
"""

import datetime
import secrets

from cryptography.fernet import Fernet, InvalidToken

from . import query as q
from .schema import CHOICE_LABELS

SEQ = "__seq"


def now_text():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def new_sys_id():
    return secrets.token_hex(16)


def is_sys_id(text):
    return isinstance(text, str) and len(text) == 32 and all(c in "0123456789abcdef" for c in text)


class Database:
    def __init__(self, data, schema):
        self.data = data
        self.schema = schema
        self.flags = {}  # the instance's flags (set per request): case folding, value normalisation
        data.setdefault("tables", {})
        data.setdefault("seq", 0)
        if "cipher_key" not in data:
            data["cipher_key"] = Fernet.generate_key().decode("ascii")
        self._fernet = Fernet(data["cipher_key"].encode("ascii"))

    # --- password2: two-way encrypted at rest; the Table API never hands the plaintext back (§4) ---

    def encrypt(self, plain):
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii") if plain else ""

    def decrypt(self, stored):
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8") if stored else ""
        except (InvalidToken, ValueError):
            return ""

    # --- reading ---

    def rows(self, table):
        """Rows of ``table`` and its children, in insertion order."""
        out = []
        for name in self.schema.family(table):
            out.extend(self.data["tables"].get(name, {}).values())
        out.sort(key=lambda row: row.get(SEQ, 0))
        return out

    def get(self, table, sys_id):
        if not self.schema.exists(table) and table not in self.schema.tables:
            return None
        for name in self.schema.family(table):
            row = self.data["tables"].get(name, {}).get(sys_id)
            if row is not None:
                return row
        return None

    def column(self, table, field):
        """The column a (possibly dot-walked) field ends on, or None when any part is unknown."""
        head, dummy, rest = field.partition(".")
        column = self.schema.columns(table).get(head)
        if column is None or not rest:
            return column
        if column.reference not in self.schema.tables:
            return None
        return self.column(column.reference, rest)

    def value_of(self, table, row, field):
        head, dummy, rest = field.partition(".")
        value = row.get(head, "")
        if not rest:
            return value
        column = self.schema.columns(table)[head]
        target = self.get(column.reference, value) if value else None
        return self.value_of(column.reference, target, rest) if target else ""

    def select(self, table, encoded, pairs=()):
        """Rows matching the encoded query plus name=value pairs, ordered. Returns ``(rows, query)``."""
        parsed = q.parse(encoded)
        for name, value in pairs:
            term = q.Term(name, "=", value)
            for clauses in parsed.queries:
                clauses.append([term])
        q.bind(parsed, lambda field: self.column(table, field) is not None)
        fold = bool(self.flags.get("case_insensitive_queries"))
        rows = [row for row in self.rows(table) if q.matches(parsed, row, lambda r, f: self.value_of(table, r, f), fold)]
        for field, descending in reversed(parsed.order):
            numeric = self.column(table, field).type in ("integer", "decimal")
            rows.sort(key=lambda r, f=field, n=numeric: q.sort_key(self.value_of(table, r, f), n), reverse=descending)
        return rows, parsed

    def display_value(self, table, row, field):
        column = self.column(table, field)
        value = self.value_of(table, row, field)
        if column is None or value == "":
            return value
        if column.reference:
            target = self.get(column.reference, value)
            if target is None:
                return value if column.type == "domain_id" else ""
            return target.get(self.schema.display_field(target["sys_class_name"]), "")
        if column.type == "integer":
            try:
                return "{:,}".format(int(value))  # an instance formats integers with grouping: "8,640,000"
            except ValueError:
                return value
        if column.type == "choice":
            owner = table.split(".")[0]
            return CHOICE_LABELS.get((owner, field), {}).get(value, value)
        return value

    # --- writing ---

    def coerce(self, column, value, resolve_display=False):
        """The stored string for a value a client sent for ``column``."""
        if isinstance(value, dict):  # a reference echoed back as {link, value}
            value = value.get("value", "")
        if value is None:
            return ""
        if column.type in ("boolean", "integer") and not self.flags.get("normalize_values", True):
            # Flag normalize_values off: stored exactly as sent (only Python's True/False become true/false).
            return "true" if value is True else "false" if value is False else str(value)
        if column.type == "boolean":
            return "true" if str(value).strip().lower() in ("true", "1", "yes", "on") else "false"
        if column.type == "integer":
            try:
                return str(int(float(str(value).replace(",", "").strip())))
            except ValueError:
                return "0"
        if column.type == "glide_list" and isinstance(value, list):
            return ",".join(str(v) for v in value)
        if column.type == "password2":
            return self.encrypt(str(value))
        text = "true" if value is True else "false" if value is False else str(value)
        if column.reference and resolve_display and text and not self.get(column.reference, text):
            # sysparm_input_display_value=true: a reference may be given by its display value (§4).
            display = self.schema.display_field(column.reference)
            for row in self.rows(column.reference):
                if row.get(display) == text:
                    return row["sys_id"]
        return text

    def _writable(self, table, values, resolve_display):
        """Known, writable columns only: unknown columns and most sys_* fields are ignored (§4 "Writes")."""
        columns = self.schema.columns(table)
        out = {}
        for key, value in values.items():
            column = columns.get(key)
            if column is None or (key.startswith("sys_") and key not in ("sys_scope", "sys_domain", "sys_name")):
                continue
            out[key] = self.coerce(column, value, resolve_display)
        return out

    def new_row(self, table, values, user, resolve_display=False, sys_id=None):
        """A complete row (defaults filled in) that ``insert`` can store; business rules look at it first.

        ``sys_id`` is used as given: the seed needs the well-known ``global``; the Table API passes only 32-hex ids.
        """
        row = {name: column.default for name, column in self.schema.columns(table).items()}
        row.update(self._writable(table, values, resolve_display))
        stamp = now_text()
        row.update({
            "sys_id": sys_id or new_sys_id(), "sys_class_name": table,
            "sys_created_on": stamp, "sys_updated_on": stamp, "sys_created_by": user, "sys_updated_by": user,
            "sys_mod_count": "0",
        })
        return row

    def insert(self, row):
        self.data["seq"] += 1
        row[SEQ] = self.data["seq"]
        self.data["tables"].setdefault(row["sys_class_name"], {})[row["sys_id"]] = row
        return row

    def changes(self, row, values, resolve_display=False):
        return self._writable(row["sys_class_name"], values, resolve_display)

    def update(self, row, changes, user):
        row.update(changes)
        row["sys_updated_on"] = now_text()
        row["sys_updated_by"] = user
        row["sys_mod_count"] = str(int(row.get("sys_mod_count") or 0) + 1)
        return row

    def delete(self, row):
        self.data["tables"].get(row["sys_class_name"], {}).pop(row["sys_id"], None)

    # --- output ---

    def format(self, table, row, fields=None, display="false", exclude_link=False, base_url=""):
        """One record as the Table API returns it (§4 "Reference fields", sysparm_display_value).

        ``table`` is the table the request named: a row of a child table read through its parent (``sys_scope``
        for a ``sys_store_app`` row) shows the parent's columns only, as an instance does; ``sys_class_name``
        still names the child.
        """
        columns = self.schema.columns(table)
        names = fields if fields is not None else [n for n in columns if not n.startswith("__")]
        out = {}
        for name in names:
            column = self.column(table, name)
            if column is None:
                continue  # sysparm_fields: invalid fields (and a child table's columns) are ignored
            value = self.value_of(table, row, name)
            link = None
            if column.reference and value and not exclude_link:
                link = "%s/api/now/table/%s/%s" % (base_url, column.reference, value)
            if display == "true":
                shown = self.display_value(table, row, name)
                # A reference keeps its link next to the display value unless links are excluded [I].
                out[name] = {"display_value": shown, "link": link} if link else shown
            elif display == "all":
                item = {"display_value": self.display_value(table, row, name), "value": value}
                if link:
                    item["link"] = link
                out[name] = item
            elif link:
                out[name] = {"link": link, "value": value}
            else:
                out[name] = value
        return out
