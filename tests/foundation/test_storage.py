"""Storage on both backends: migrations, SQLite durability settings, metadata agreement."""

from __future__ import annotations

from sqlalchemy import inspect, text

from gateway.storage.tables import metadata


def test_migrations_create_every_table_of_the_metadata(db):
    """The migrated schema has exactly the tables and columns that the Core metadata declares."""
    insp = inspect(db.engine)
    tables = set(insp.get_table_names()) - {"alembic_version"}
    assert tables == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert {c["name"] for c in insp.get_columns(name)} == {c.name for c in table.columns}, name


def test_sqlite_runs_in_wal_with_full_sync(tmp_path):
    """The embedded default uses WAL and synchronous=FULL on every connection."""
    from gateway.storage import Database

    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # 2 = FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_migrate_twice_is_a_no_op(db):
    """Running migrations on an up-to-date database changes nothing and does not fail."""
    from alembic.script import ScriptDirectory

    from gateway.storage import migrate
    from gateway.storage.database import alembic_config

    migrate(db)
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    with db.read() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
