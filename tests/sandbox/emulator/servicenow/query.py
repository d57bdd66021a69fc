"""Encoded queries (servicenow-api.md §4 "Encoded query syntax").

``^`` AND, ``^OR`` OR (binds to the term before it), ``^NQ`` starts a new query whose rows are added,
``ORDERBY<field>`` / ``ORDERBYDESC<field>``, and the operators listed in ``OPERATORS``. Column names, operators
and values are case-sensitive. ``^^`` is a literal ``^`` inside a value (INFERRED in §4).

A term naming a field the table does not have, or using an operator we do not know, is *dropped*: the rest of
the query still filters and the rows come back as if the term were absent. That is what a real instance does
unless ``glide.invalid_query.returns_no_rows`` is true (§4 "Invalid parts of a query are silently ignored").
"""

import re

# Longest first, so "NOT LIKE" wins over "LIKE" and "ISNOTEMPTY" over "ISEMPTY".
OPERATORS = ("ISNOTEMPTY", "ISEMPTY", "NOT LIKE", "NOT IN", "STARTSWITH", "ENDSWITH", "BETWEEN", "ANYTHING",
             "LIKE", "IN", "!=", ">=", "<=", "=", ">", "<")
NO_VALUE = ("ISNOTEMPTY", "ISEMPTY", "ANYTHING")
# Column names are lower case on an instance, so upper-case letters start the operator ("nameLIKEx").
_FIELD = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")


class Term:
    __slots__ = ("field", "op", "value")

    def __init__(self, field, op, value):
        self.field = field
        self.op = op
        self.value = value

    def __repr__(self):
        return "Term(%r, %r, %r)" % (self.field, self.op, self.value)


class Query:
    """``queries``: a list (joined by ^NQ) of AND-lists of OR-lists of terms; ``order``: [(field, descending)].

    ``invalid`` lists the parts that were dropped (unknown field or operator) after ``bind``.
    """

    def __init__(self):
        self.queries = [[]]
        self.order = []
        self.invalid = []


def _split(encoded):
    """Split on ``^``, keeping ``^^`` as a literal caret."""
    parts, current, i = [], [], 0
    while i < len(encoded):
        if encoded[i] == "^":
            if encoded.startswith("^^", i):
                current.append("^")
                i += 2
                continue
            parts.append("".join(current))
            current = []
        else:
            current.append(encoded[i])
        i += 1
    parts.append("".join(current))
    return parts


def parse_term(text):
    """``Term`` for ``fieldOPvalue``, or None when no known operator follows a field name."""
    match = _FIELD.match(text)
    if not match:
        return None
    rest = text[match.end():]
    for op in OPERATORS:
        if rest.startswith(op):
            value = rest[len(op):]
            if op in NO_VALUE and value:
                return None
            return Term(match.group(0), op, value)
    return None


def parse(encoded):
    query = Query()
    for token in _split(encoded or ""):
        if not token:
            continue
        if token.startswith("NQ"):
            query.queries.append([])
            token = token[2:]
            if not token:
                continue
        if token.startswith("ORDERBYDESC"):
            query.order.append((token[len("ORDERBYDESC"):], True))
            continue
        if token.startswith("ORDERBY"):
            query.order.append((token[len("ORDERBY"):], False))
            continue
        if token.startswith("GROUPBY") or token == "EQ":
            continue  # grouping does not change a Table API list; EQ just ends the query
        is_or = token.startswith("OR")
        term = parse_term(token[2:] if is_or else token)
        if term is None:
            query.invalid.append(token)
            continue
        clauses = query.queries[-1]
        if is_or and clauses:
            clauses[-1].append(term)
        else:
            clauses.append([term])
    return query


def bind(query, is_valid):
    """Drop the terms and orderings whose field ``is_valid(field)`` rejects; records them in ``query.invalid``."""
    for clauses in query.queries:
        kept_clauses = []
        for clause in clauses:
            kept = [t for t in clause if is_valid(t.field)]
            query.invalid.extend(t.field for t in clause if not is_valid(t.field))
            if kept:
                kept_clauses.append(kept)
        clauses[:] = kept_clauses
    query.invalid.extend(f for f, dummy in query.order if not is_valid(f))
    query.order = [(f, d) for f, d in query.order if is_valid(f)]
    return query


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(actual, expected):
    a, b = _number(actual), _number(expected)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    return (actual > expected) - (actual < expected)


def test(term, actual):
    """Does the string ``actual`` satisfy ``term``? Empty and missing values are both ``""``."""
    op, value = term.op, term.value
    actual = actual or ""
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "LIKE":
        return value in actual
    if op == "NOT LIKE":
        return value not in actual
    if op == "STARTSWITH":
        return actual.startswith(value)
    if op == "ENDSWITH":
        return actual.endswith(value)
    if op == "IN":
        return actual in value.split(",")
    if op == "NOT IN":
        return actual not in value.split(",")
    if op == "ISEMPTY":
        return actual == ""
    if op == "ISNOTEMPTY":
        return actual != ""
    if op == "ANYTHING":
        return True
    if op == "BETWEEN":
        low, dummy, high = value.partition("@")
        return actual != "" and _compare(actual, low) >= 0 and _compare(actual, high) <= 0
    if actual == "":
        return False
    sign = _compare(actual, value)
    return {">": sign > 0, "<": sign < 0, ">=": sign >= 0, "<=": sign <= 0}[op]


def folded(term):
    """``term`` with its value in lower case (case-insensitive matching)."""
    return Term(term.field, term.op, (term.value or "").lower())


def matches(query, row, value_of, fold=False):
    """``value_of(row, field)`` gives the row's stored value for a (possibly dot-walked) field. ``fold``: compare
    string values case-insensitively (flag ``case_insensitive_queries``)."""
    if fold:
        return any(all(any(test(folded(t), (value_of(row, t.field) or "").lower()) for t in clause) for clause in clauses)
                   for clauses in query.queries)
    return any(all(any(test(t, value_of(row, t.field)) for t in clause) for clause in clauses)
               for clauses in query.queries)


def sort_key(value, numeric):
    if numeric:
        number = _number(value)
        return (0, number if number is not None else float("-inf"), "")
    return (0, 0.0, value or "")
