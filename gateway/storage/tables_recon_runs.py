"""Reconciliation runs: one row per RunReconciliation, with the figures finance looks at first.

Kept apart from ``tables_recon`` (the evidence and its matches) because a run is a record of a person's
action over a range of days, not evidence: it says who ran what, when, and whether the account balanced.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

recon_runs = Table(
    "recon_runs",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("account", String(40), nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
    Column("matched_count", Integer, nullable=False),
    Column("matched_minor", BigInteger, nullable=False),
    Column("suggestion_count", Integer, nullable=False),
    Column("new_exception_count", Integer, nullable=False),
    Column("open_exception_count", Integer, nullable=False),
    Column("expected_debit_minor", BigInteger, nullable=False),
    Column("statement_debit_minor", BigInteger, nullable=False),
    Column("returned_minor", BigInteger, nullable=False),
    Column("balanced", Boolean, nullable=False),
    Column("principal", String(200), nullable=False),
    Column("started_at", String(32), nullable=False),
    Column("finished_at", String(32), nullable=False),
    Index("ix_recon_runs_account", "account", "id"),
)
