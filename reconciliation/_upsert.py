"""Insert a row unless a unique constraint says it exists, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from gateway.storage.bulk import insert_many


def insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> bool:
    """True when the row was added, False when an equal key was already there."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # RETURNING, not rowcount: the PostgreSQL driver does not report a row count for this statement.
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return conn.execute(stmt).first() is not None


def insert_ignore_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Many rows in one executemany, each skipped when its key exists; the caller counts what was added
    (the drivers do not report it for this statement)."""
    insert_many(conn, table, rows, skip_existing=True)
