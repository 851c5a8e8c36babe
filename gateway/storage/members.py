"""``column IN (values)`` for thousands of values, as ONE bound parameter on SQLite and PostgreSQL.

A plain ``column.in_(values)`` renders one placeholder per value at every execution: the statement is
compiled again for each list (SQLAlchemy cannot cache a statement whose shape follows the data) and each
value passes through SQLAlchemy's per-parameter processing. Over a reconciliation run that loads a
province month's lines a few thousand at a time, that was a fifth of the run. Here the values travel as
one parameter — a JSON array that SQLite's ``json_each`` unpacks, a typed array that PostgreSQL compares
with ``= ANY`` — so the statement keeps one shape, is compiled once, and has no parameter-count limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

# Values per statement: large enough that the per-statement cost vanishes, small enough that one
# parameter stays a few hundred kilobytes.
MEMBERS_PER_QUERY = 5_000


def one_of(conn: Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """A condition true where ``column`` equals one of ``values`` (ints or strings, not None)."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    unpacked = select(literal_column("value")).select_from(
        func.json_each(bindparam(None, json.dumps(values, ensure_ascii=False)))
    )
    return column.in_(unpacked)


def slices(values: Iterable[Any], size: int = MEMBERS_PER_QUERY) -> Iterable[list[Any]]:
    """``values`` sorted (so that each query walks its index in order) and cut into lists of ``size``."""
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]
