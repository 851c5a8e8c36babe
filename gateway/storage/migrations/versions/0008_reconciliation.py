"""Reconciliation (imports, bank entries, matches, exceptions, daily control totals).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "recon_imports",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("account", sa.String(40), nullable=True),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("content_hash", name="uq_recon_imports_hash"),
    )
    op.create_table(
        "recon_statements",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.BigInteger, nullable=False),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("statement_ref", sa.String(80), nullable=True),
        sa.Column("account", sa.String(40), nullable=True),
        sa.Column("statement_number", sa.Integer, nullable=True),
        sa.Column("page_number", sa.Integer, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("opening_minor", sa.BigInteger, nullable=True),
        sa.Column("closing_minor", sa.BigInteger, nullable=True),
        sa.Column("closing_date", sa.String(10), nullable=True),
        sa.Column("balance_difference_minor", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("import_id", "position", name="uq_recon_statements_pos"),
    )
    op.create_table(
        "recon_entries",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.BigInteger, nullable=False),
        sa.Column("statement_id", sa.BigInteger, nullable=True),
        sa.Column("parent_id", sa.BigInteger, nullable=True),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("source_format", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("direction", sa.String(6), nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("booking_date", sa.String(10), nullable=True),
        sa.Column("value_date", sa.String(10), nullable=True),
        sa.Column("account", sa.String(40), nullable=True),
        sa.Column("e2e_ref", sa.String(35), nullable=True),
        sa.Column("batch_ref", sa.String(35), nullable=True),
        sa.Column("line_seq", sa.Integer, nullable=True),
        sa.Column("uetr", sa.String(36), nullable=True),
        sa.Column("message_ref", sa.String(35), nullable=True),
        sa.Column("bank_ref", sa.String(80), nullable=True),
        sa.Column("reason_list", sa.String(6), nullable=True),
        sa.Column("reason_code", sa.String(20), nullable=True),
        sa.Column("raw_code", sa.String(40), nullable=True),
        sa.Column("raw_text", sa.Text, nullable=True),
        sa.Column("reversal", sa.Boolean, nullable=False),
        sa.Column("batch_booked", sa.Boolean, nullable=False),
        sa.Column("nb_of_txs", sa.Integer, nullable=True),
        sa.UniqueConstraint("import_id", "position", name="uq_recon_entries_pos"),
    )
    op.create_index("ix_recon_entries_batch", "recon_entries", ["batch_ref", "line_seq"])
    op.create_index("ix_recon_entries_e2e", "recon_entries", ["e2e_ref"])
    op.create_table(
        "recon_matches",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("line_id", sa.BigInteger, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.String(12), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=True),
        sa.Column("matched_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("line_id", "role", name="uq_recon_matches_line_role"),
    )
    op.create_index("ix_recon_matches_entry", "recon_matches", ["entry_id"])
    op.create_table(
        "recon_suggestions",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, nullable=False),
        sa.Column("line_id", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("entry_id", "line_id", name="uq_recon_suggestions_pair"),
    )
    op.create_table(
        "recon_exceptions",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(120), nullable=False),
        sa.Column("entry_id", sa.BigInteger, nullable=True),
        sa.Column("line_id", sa.BigInteger, nullable=True),
        sa.Column("batch_id", sa.BigInteger, nullable=True),
        sa.Column("account", sa.String(40), nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=True),
        sa.Column("reason_code", sa.String(20), nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("caused_by", sa.String(200), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("resolved_at", sa.String(32), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("kind", "subject", name="uq_recon_exceptions_kind_subject"),
    )
    op.create_table(
        "recon_daily_controls",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("ledger_sent_count", sa.Integer, nullable=False),
        sa.Column("ledger_sent_minor", sa.BigInteger, nullable=False),
        sa.Column("ledger_states", sa.Text, nullable=False),
        sa.Column("bank_paid_count", sa.Integer, nullable=False),
        sa.Column("bank_paid_minor", sa.BigInteger, nullable=False),
        sa.Column("bank_rejected_count", sa.Integer, nullable=False),
        sa.Column("bank_rejected_minor", sa.BigInteger, nullable=False),
        sa.Column("bank_missing_count", sa.Integer, nullable=False),
        sa.Column("statement_debit_count", sa.Integer, nullable=False),
        sa.Column("statement_debit_minor", sa.BigInteger, nullable=False),
        sa.Column("statement_unexplained_debit_minor", sa.BigInteger, nullable=False),
        sa.Column("statement_credit_count", sa.Integer, nullable=False),
        sa.Column("statement_credit_minor", sa.BigInteger, nullable=False),
        sa.Column("returned_minor", sa.BigInteger, nullable=False),
        sa.Column("returned_elsewhere_minor", sa.BigInteger, nullable=False),
        sa.Column("agrees", sa.Boolean, nullable=False),
        sa.Column("breaks", sa.Text, nullable=True),
        sa.Column("computed_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("account", "day", name="uq_recon_daily_controls_account_day"),
    )


def downgrade() -> None:
    op.drop_table("recon_daily_controls")
    op.drop_table("recon_exceptions")
    op.drop_table("recon_suggestions")
    op.drop_table("recon_matches")
    op.drop_table("recon_entries")
    op.drop_table("recon_statements")
    op.drop_table("recon_imports")
