"""Many rows into one table through the driver's executemany, skipping SQLAlchemy's per-row work.

For the hot paths that write thousands of rows a call (a submission's line events): Core's executemany
builds and processes a parameter dict per row, which costs about as much again as the database's own
work. The SQL is built from the table's own column names, never from data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_many(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, skip_existing: bool = False
) -> None:
    """INSERT ``rows`` (dicts with the same keys, all columns of ``table``) in one executemany.

    ``skip_existing``: a row whose unique key is already there is skipped (``ON CONFLICT DO NOTHING``,
    the same words on SQLite and PostgreSQL), not an error."""
    if not rows:
        return
    columns = list(rows[0])
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608 - the table's own column names
        f"VALUES ({', '.join(['?'] * len(columns))})"
    )
    if skip_existing:
        sql += " ON CONFLICT DO NOTHING"
    execute_many(conn, sql, [tuple(r[c] for c in columns) for r in rows])


def execute_many(conn: Connection, sql: str, rows: Sequence[tuple]) -> None:
    """``sql``, written with ``?`` marks, for every row in one driver executemany (``%s`` marks where the
    driver wants them). Only for SQL built from fixed names, never from data."""
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)
