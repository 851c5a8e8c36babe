"""Storage: SQLAlchemy Core tables, Alembic migrations, and the same code on SQLite and PostgreSQL."""

from gateway.storage.database import Database, migrate

__all__ = ["Database", "migrate"]
