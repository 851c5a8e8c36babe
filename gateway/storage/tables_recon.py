"""Reconciliation: imported evidence files, their statements and entries, matches, suggestions, exceptions
and the daily control totals per fund account.

``recon_imports.content_hash`` is unique: importing the same bytes again changes nothing. An import and
all its rows are written in one transaction.

``recon_matches`` is where "each internal line is claimed by at most one bank entry" lives: one row per
(line, role), unique. A line has three roles it can be claimed in: ``result`` (the bank's verdict: a
pain.002 line, a 回盘 line, a push), ``booking`` (the debit on the fund-account statement, directly or as
part of a batch booking) and ``return`` (the money coming back). A second entry that wants the same line
in the same role cannot take it: the database refuses, and the matcher records an exception instead.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.storage.tables import metadata

_ID = BigInteger().with_variant(Integer, "sqlite")

recon_imports = Table(
    "recon_imports",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("content_hash", String(80), nullable=False),  # sha-256:<hex> of the exact bytes
    Column("file_name", String(200), nullable=False),  # masked
    Column("format", String(20), nullable=False),
    Column("account", String(40), nullable=True),  # the fund account it reports on, when it says
    Column("entries", Integer, nullable=False),
    Column("statements", Integer, nullable=False),
    Column("principal", String(200), nullable=False),
    Column("imported_at", String(32), nullable=False),
    UniqueConstraint("content_hash", name="uq_recon_imports_hash"),
)

recon_statements = Table(
    "recon_statements",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("import_id", BigInteger, nullable=False),
    Column("position", String(200), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("statement_ref", String(80), nullable=True),
    Column("account", String(40), nullable=True),
    Column("statement_number", Integer, nullable=True),
    Column("page_number", Integer, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("opening_minor", BigInteger, nullable=True),
    Column("closing_minor", BigInteger, nullable=True),
    Column("closing_date", String(10), nullable=True),
    Column("balance_difference_minor", BigInteger, nullable=True),
    UniqueConstraint("import_id", "position", name="uq_recon_statements_pos"),
)

recon_entries = Table(
    "recon_entries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("import_id", BigInteger, nullable=False),
    Column("statement_id", BigInteger, nullable=True),  # recon_statements.id
    Column("parent_id", BigInteger, nullable=True),  # the batch entry this is a listed part of
    Column("position", String(200), nullable=False),
    Column("source_format", String(20), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("scope", String(12), nullable=False),
    Column("direction", String(6), nullable=True),
    Column("amount_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("booking_date", String(10), nullable=True),
    Column("value_date", String(10), nullable=True),
    Column("account", String(40), nullable=True),
    Column("e2e_ref", String(35), nullable=True),
    Column("batch_ref", String(35), nullable=True),
    Column("line_seq", Integer, nullable=True),
    Column("uetr", String(36), nullable=True),
    Column("message_ref", String(35), nullable=True),  # MsgId / OrgnlMsgId / PmtInfId / submission id
    Column("bank_ref", String(80), nullable=True),
    Column("reason_list", String(6), nullable=True),
    Column("reason_code", String(20), nullable=True),
    Column("raw_code", String(40), nullable=True),
    Column("raw_text", Text, nullable=True),  # redacted
    Column("reversal", Boolean, nullable=False),
    Column("batch_booked", Boolean, nullable=False),
    Column("nb_of_txs", Integer, nullable=True),
    UniqueConstraint("import_id", "position", name="uq_recon_entries_pos"),
    Index("ix_recon_entries_e2e", "e2e_ref"),
    Index("ix_recon_entries_batch", "batch_ref", "line_seq"),
)

recon_matches = Table(
    "recon_matches",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False),  # batch_lines.id
    Column("role", String(8), nullable=False),  # result | booking | return
    Column("entry_id", BigInteger, nullable=False),
    Column("rule", String(12), nullable=False),  # E2E | BATCH_SEQ | UETR | BATCH_TOTAL | CONFIRMED
    Column("amount_minor", BigInteger, nullable=True),
    Column("matched_at", String(32), nullable=False),
    UniqueConstraint("line_id", "role", name="uq_recon_matches_line_role"),
    Index("ix_recon_matches_entry", "entry_id"),
)

recon_suggestions = Table(
    "recon_suggestions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("entry_id", BigInteger, nullable=False),
    Column("line_id", BigInteger, nullable=False),
    Column("state", String(10), nullable=False),  # OPEN | CONFIRMED | REJECTED
    Column("decided_by", String(200), nullable=True),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("entry_id", "line_id", name="uq_recon_suggestions_pair"),
)

recon_exceptions = Table(
    "recon_exceptions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("subject", String(120), nullable=False),  # what it is about; with kind, unique
    Column("entry_id", BigInteger, nullable=True),
    Column("line_id", BigInteger, nullable=True),
    Column("batch_id", BigInteger, nullable=True),
    Column("account", String(40), nullable=True),
    Column("amount_minor", BigInteger, nullable=True),
    Column("reason_code", String(20), nullable=True),
    Column("detail", Text, nullable=False),  # no personal data
    Column("caused_by", String(200), nullable=True),  # the principal whose action it came from
    Column("state", String(10), nullable=False),  # OPEN | RESOLVED | CLEARED (the break went away)
    Column("resolved_by", String(200), nullable=True),
    Column("note", Text, nullable=True),
    Column("resolved_at", String(32), nullable=True),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("kind", "subject", name="uq_recon_exceptions_kind_subject"),
)

recon_daily_controls = Table(
    "recon_daily_controls",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("account", String(40), nullable=False),
    Column("day", String(10), nullable=False),
    # The gateway ledger: lines sent from the account that day, and their states ({state: [n, fen]}).
    Column("ledger_sent_count", Integer, nullable=False),
    Column("ledger_sent_minor", BigInteger, nullable=False),
    Column("ledger_states", Text, nullable=False),
    # The banks' results for those lines.
    Column("bank_paid_count", Integer, nullable=False),
    Column("bank_paid_minor", BigInteger, nullable=False),
    Column("bank_rejected_count", Integer, nullable=False),
    Column("bank_rejected_minor", BigInteger, nullable=False),
    Column("bank_missing_count", Integer, nullable=False),  # lines with no result yet
    # The fund-account statement: what left and came back, and how much of it names no line of ours.
    Column("statement_debit_count", Integer, nullable=False),
    Column("statement_debit_minor", BigInteger, nullable=False),
    Column("statement_unexplained_debit_minor", BigInteger, nullable=False),
    Column("statement_credit_count", Integer, nullable=False),
    Column("statement_credit_minor", BigInteger, nullable=False),
    Column("returned_minor", BigInteger, nullable=False),  # returns of our lines booked back here
    Column("returned_elsewhere_minor", BigInteger, nullable=False),  # … that arrived on another account
    Column("agrees", Boolean, nullable=False),
    Column("breaks", Text, nullable=True),  # which checks failed, no personal data
    Column("computed_at", String(32), nullable=False),
    UniqueConstraint("account", "day", name="uq_recon_daily_controls_account_day"),
)

RECON_TABLES = (
    recon_imports,
    recon_statements,
    recon_entries,
    recon_matches,
    recon_suggestions,
    recon_exceptions,
    recon_daily_controls,
)
