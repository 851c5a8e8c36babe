"""Engines and transactions for SQLite (embedded default) and PostgreSQL (production, scale-out).

SQLite runs in WAL mode with ``synchronous=FULL``: a committed payment state survives a power cut.
Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock
upgrade; they queue on ``busy_timeout`` instead. Reads use plain deferred transactions and, thanks to
WAL, never wait for a writer. PostgreSQL uses READ COMMITTED with row locks where the code needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event

_MIGRATIONS = Path(__file__).with_name("migrations")
_WRITE = "silink_write"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # 64 MiB page cache: index pages of a million-line batch stay in memory during the insert.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql://"):
        # Use psycopg 3 (the installed driver) when the DSN names no driver.
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """One engine plus the two kinds of transaction the code uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that will write: committed on success, rolled back on any exception."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(db: Database) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["database"] = db
    return cfg


def migrate(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""
    command.upgrade(alembic_config(db), revision)
