"""SQLAlchemy Core tables. The schema itself is created by the Alembic migrations beside this file;
a test checks that the migrated database and this metadata agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# One row per money-moving or otherwise mutating request. The unique constraint, not a check in
# code, is what stops two concurrent calls with the same request_id from both taking effect.
idempotency = Table(
    "idempotency",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("principal", String(200), nullable=False),
    Column("method", String(200), nullable=False),
    Column("request_id", String(200), nullable=False),
    Column("payload_hash", LargeBinary(32), nullable=False),
    Column("response", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("principal", "method", "request_id", name="uq_idempotency_key"),
)

# Append-only, hash-chained. Database triggers refuse UPDATE and DELETE (see the migration); the
# chain makes any change made around the triggers visible to `silink audit verify`.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("principal", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("object_type", String(50), nullable=False),
    Column("object_id", String(100), nullable=False),
    Column("before_state", String(50), nullable=True),
    Column("after_state", String(50), nullable=True),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# A single row that serialises appenders (row lock on PostgreSQL) and remembers the chain head.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)
