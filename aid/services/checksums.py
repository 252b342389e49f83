"""Row counts and checksums of a table, computed the same way on SQLite and PostgreSQL.

Each row becomes one JSON line of its values in column order, each value normalised so the
two databases agree on it: datetimes in ISO form (aware ones in UTC), floats by `repr` (SQLite
may hand back an integer where PostgreSQL has a double), booleans as booleans (SQLite may hold
0 or 1), decimals without trailing zeros, enums by value, bytes in hex, JSON documents with
sorted keys. The lines go into SHA-256 in primary-key order; where the key is not all integers
the lines are sorted in Python, since PostgreSQL's collation and SQLite's byte order can rank
text differently.
"""
import enum
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa


@dataclass(frozen=True)
class Digest:
    rows: int
    sha256: str


def digest(conn, table):
    """The row count and SHA-256 of `table` as seen through `conn`."""
    hasher, rows = hashlib.sha256(), 0
    for line in _lines(conn, table):
        hasher.update(line)
        rows += 1
    return Digest(rows, hasher.hexdigest())


def _lines(conn, table):
    key = list(table.primary_key.columns) or list(table.columns)
    result = conn.execute(sa.select(*table.columns).order_by(*key))
    lines = (_line(table.columns, row) for row in result)
    if all(isinstance(column.type, sa.Integer) for column in key):
        return lines
    return sorted(lines)


def _line(columns, row):
    values = [_value(column, value) for column, value in zip(columns, row, strict=True)]
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _value(column, value):
    """One value in the form both databases agree on (see the module's docstring)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(column.type, sa.Boolean):
        return bool(value)  # a 0 or 1 that reached SQLite by plain SQL
    if isinstance(column.type, sa.Float) and isinstance(value, int | float | Decimal):
        return repr(float(value))
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value  # int, str, and JSON documents (dicts and lists: keys sorted by json.dumps)
