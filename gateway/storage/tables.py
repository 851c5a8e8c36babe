"""SQLAlchemy Core tables. The schema itself is created by the Alembic migrations beside this file;
a test checks that the migrated database and this metadata agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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


# -- payroll batches (intake, approval) ------------------------------------------------------------

# A batch is bound to exactly one fund and its expenditure account (支出户). The CHECK is the
# database half of maker-checker: no update, by code or by hand, can make the creator the approver.
batches = Table(
    "batches",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("state", String(20), nullable=False),
    Column("fund", String(30), nullable=False),
    Column("fund_account", String(40), nullable=False),
    Column("period", String(7), nullable=False),
    Column("title", String(200), nullable=False),
    Column("source_name", String(200), nullable=False),
    Column("creator", String(200), nullable=False),
    Column("approver", String(200), nullable=True),
    Column("releaser", String(200), nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("line_count", BigInteger, nullable=False),
    Column("total_amount_fen", BigInteger, nullable=False),
    Column("rejected_count", BigInteger, nullable=False),
    Column("state_reason", Text, nullable=True),
    Column("reissue_of", BigInteger, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("approved_at", String(32), nullable=True),
    Column("released_at", String(32), nullable=True),
    CheckConstraint("approver IS NULL OR approver <> creator", name="maker_checker"),
)

# One payment line. Personal data is one AES-GCM blob (id number, name, account) plus keyed hashes
# for lookups and masked copies for display. ``claim`` marks the line as holding its payee's
# (benefit, period) slot: the partial unique index is what forbids paying one person twice for one
# benefit and period across every batch that is not cancelled.
batch_lines = Table(
    "batch_lines",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("batch_id", BigInteger, ForeignKey("batches.id"), nullable=False),
    Column("line_number", BigInteger, nullable=False),
    Column("e2e_ref", String(16), nullable=False),
    Column("state", String(12), nullable=False),
    Column("benefit", String(30), nullable=False),
    Column("period", String(7), nullable=False),
    Column("id_type", String(12), nullable=False),
    Column("account_type", String(12), nullable=False),
    Column("bank_code", String(3), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("region", String(6), nullable=False),
    Column("client_ref", String(64), nullable=False),
    Column("id_hash", LargeBinary(16), nullable=False),
    Column("account_hash", LargeBinary(16), nullable=False),
    Column("pii", LargeBinary, nullable=False),
    Column("id_masked", String(40), nullable=False),
    Column("name_masked", String(80), nullable=False),
    Column("account_masked", String(40), nullable=False),
    Column("claim", Boolean, nullable=False),
    Column("hold_reason", String(30), nullable=True),
    Column("pull_reason", Text, nullable=True),
    Column("reissue_of", BigInteger, nullable=True),
    Column("updated_at", String(32), nullable=False),
    # Set at release (migration 0004): the submission carrying the line, and the bank's verdict.
    Column("submission_id", BigInteger, nullable=True),
    Column("failure_reason", String(30), nullable=True),
    Column("bank_raw_code", String(40), nullable=True),
    Column("bank_raw_text", Text, nullable=True),
    Column("value_date", String(10), nullable=True),
    UniqueConstraint("e2e_ref", name="uq_batch_lines_e2e_ref"),
    UniqueConstraint("batch_id", "line_number", name="uq_batch_lines_batch_line"),
    Index("ix_batch_lines_submission", "submission_id"),
    Index(
        "uq_batch_lines_claim",
        "id_hash",
        "benefit",
        "period",
        unique=True,
        sqlite_where=text("claim = 1"),
        postgresql_where=text("claim"),
    ),
)

# Rejected input lines of a batch: masked values only.
line_errors = Table(
    "line_errors",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("batch_id", BigInteger, ForeignKey("batches.id"), nullable=False),
    Column("line_number", BigInteger, nullable=False),
    Column("field", String(40), nullable=False),
    Column("reason", String(60), nullable=False),
    Column("value_masked", String(80), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_line_errors_batch", "batch_id", "line_number"),
)

# The person-status feed (suspended, terminated, uncertified, deceased, card lost, active), by keyed
# hash of the ID number: the gateway never needs the clear number to hold a payment.
person_status = Table(
    "person_status",
    metadata,
    Column("id_hash", LargeBinary(16), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("effective_date", String(10), nullable=False),
    Column("source", String(60), nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", String(32), nullable=False),
)


# -- keys: replay protection and dual-control key export (migration 0003) ---------------------------

# Every nonce of a signed message we accepted, until its timestamp leaves the replay window. The primary
# key, not a check in code, is what makes a second use of a nonce fail — across restarts and between
# gateway processes that share the database.
replay_nonces = Table(
    "replay_nonces",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("nonce", String(128), primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
    Column("seen_at", String(32), nullable=False),
    Index("ix_replay_nonces_expires", "expires_at"),
)

# A request to export a private key, and its approval by a second administrator. The CHECK is the
# database half of dual control: no update can make the requester their own approver.
key_export_requests = Table(
    "key_export_requests",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("key_name", String(64), nullable=False),
    Column("key_version", Integer, nullable=False),
    Column("state", String(12), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("approved_by", String(200), nullable=True),
    Column("approved_at", String(32), nullable=True),
    CheckConstraint("approved_by IS NULL OR approved_by <> requested_by", name="dual_control"),
)


# -- payee accounts (migration 0005) ----------------------------------------------------------------

# The confirmed disbursement account of a payee, one row per change, newest last (highest id). Written
# by the person/account feed and by the card service's change of disbursement account once the card
# bank confirms it; read by re-issue and by intake. ``(source, source_ref)`` is unique, so the same
# feed line or card operation can never record a change twice.
payee_accounts = Table(
    "payee_accounts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id_hash", LargeBinary(16), nullable=False),
    Column("account_hash", LargeBinary(16), nullable=False),
    Column("account_enc", LargeBinary, nullable=False),
    Column("account_masked", String(40), nullable=False),
    Column("account_type", String(12), nullable=False),
    Column("bank_code", String(3), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_ref", String(80), nullable=False),
    Column("effective_at", String(32), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    UniqueConstraint("source", "source_ref", name="uq_payee_accounts_source_ref"),
    Index("ix_payee_accounts_id_hash", "id_hash", "id"),
)
