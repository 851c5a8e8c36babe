"""Tables of release and dispatch: submissions, the outbox, line events and raw bank evidence.

Kept apart from :mod:`gateway.storage.tables` (same ``metadata``) so the dispatch schema reads as one
unit. A submission and its outbox row are always written in one transaction; the outbox is what the
dispatcher workers claim, with a lease, so that any number of gateway processes can share the work.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

# One signed chunk of a batch for one bank. ``bank_reference`` is our idempotency key at the bank
# (MsgId, YURREF, fSeqno …): unique here, so no two submissions can ever share one.
submissions = Table(
    "submissions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("batch_id", BigInteger, ForeignKey("batches.id"), nullable=False),
    Column("seq_in_batch", Integer, nullable=False),
    Column("bank_code", String(3), nullable=False),
    Column("adapter", String(40), nullable=False),
    Column("fund", String(30), nullable=False),
    Column("fund_account", String(40), nullable=False),
    Column("bank_reference", String(35), nullable=False),
    Column("state", String(12), nullable=False),
    Column("line_count", BigInteger, nullable=False),
    Column("control_sum_fen", BigInteger, nullable=False),
    Column("merkle_root", String(64), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("bank_batch_reference", String(64), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("sent_at", String(32), nullable=True),
    Column("sla_deadline", String(32), nullable=True),
    Column("completed_at", String(32), nullable=True),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("bank_reference", name="uq_submissions_bank_reference"),
    UniqueConstraint("batch_id", "seq_in_batch", name="uq_submissions_batch_seq"),
)

# Work for the dispatcher. ``kind``: SEND (first delivery), INQUIRE (status query after an unknown
# outcome), POLL (fetch results). A row is claimed by setting lease_owner/lease_until; a worker that
# dies simply lets its lease run out.
outbox = Table(
    "outbox",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("submission_id", BigInteger, ForeignKey("submissions.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", String(32), nullable=False),
    Column("lease_owner", String(80), nullable=True),
    Column("lease_until", String(32), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Index("ix_outbox_ready", "state", "next_attempt_at"),
)

# Every line state change with its cause and the principal (or "system:dispatcher") that caused it.
line_events = Table(
    "line_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False),
    Column("from_state", String(12), nullable=False),
    Column("to_state", String(12), nullable=False),
    Column("cause", String(60), nullable=False),
    Column("principal", String(200), nullable=False),
    Column("evidence_id", BigInteger, nullable=True),
    Column("at", String(32), nullable=False),
    Index("ix_line_events_line", "line_id"),
)

# Raw bank messages and files, in and out, kept as evidence. ``content_hash`` is unique per
# direction: the same result file delivered twice is recognised and applied once.
bank_evidence = Table(
    "bank_evidence",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("submission_id", BigInteger, nullable=True),
    Column("bank_code", String(3), nullable=False),
    Column("direction", String(3), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("at", String(32), nullable=False),
    UniqueConstraint("direction", "content_hash", name="uq_bank_evidence_content"),
)
