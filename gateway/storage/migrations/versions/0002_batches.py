"""Payroll batches, lines, rejected-line reports and the person-status feed.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "batches",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("fund", sa.String(30), nullable=False),
        sa.Column("fund_account", sa.String(40), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source_name", sa.String(200), nullable=False),
        sa.Column("creator", sa.String(200), nullable=False),
        sa.Column("approver", sa.String(200), nullable=True),
        sa.Column("releaser", sa.String(200), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("line_count", sa.BigInteger, nullable=False),
        sa.Column("total_amount_fen", sa.BigInteger, nullable=False),
        sa.Column("rejected_count", sa.BigInteger, nullable=False),
        sa.Column("state_reason", sa.Text, nullable=True),
        sa.Column("reissue_of", sa.BigInteger, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("approved_at", sa.String(32), nullable=True),
        sa.Column("released_at", sa.String(32), nullable=True),
        sa.CheckConstraint("approver IS NULL OR approver <> creator", name="ck_batches_maker_checker"),
    )
    op.create_table(
        "batch_lines",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.BigInteger, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("line_number", sa.BigInteger, nullable=False),
        sa.Column("e2e_ref", sa.String(16), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("benefit", sa.String(30), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("id_type", sa.String(12), nullable=False),
        sa.Column("account_type", sa.String(12), nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("region", sa.String(6), nullable=False),
        sa.Column("client_ref", sa.String(64), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("account_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("pii", sa.LargeBinary, nullable=False),
        sa.Column("id_masked", sa.String(40), nullable=False),
        sa.Column("name_masked", sa.String(80), nullable=False),
        sa.Column("account_masked", sa.String(40), nullable=False),
        sa.Column("claim", sa.Boolean, nullable=False),
        sa.Column("hold_reason", sa.String(30), nullable=True),
        sa.Column("pull_reason", sa.Text, nullable=True),
        sa.Column("reissue_of", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("e2e_ref", name="uq_batch_lines_e2e_ref"),
        sa.UniqueConstraint("batch_id", "line_number", name="uq_batch_lines_batch_line"),
    )
    op.create_index(
        "uq_batch_lines_claim",
        "batch_lines",
        ["id_hash", "benefit", "period"],
        unique=True,
        sqlite_where=sa.text("claim = 1"),
        postgresql_where=sa.text("claim"),
    )
    op.create_table(
        "line_errors",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.BigInteger, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("line_number", sa.BigInteger, nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(60), nullable=False),
        sa.Column("value_masked", sa.String(80), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_line_errors_batch", "line_errors", ["batch_id", "line_number"])
    op.create_table(
        "person_status",
        sa.Column("id_hash", sa.LargeBinary(16), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("effective_date", sa.String(10), nullable=False),
        sa.Column("source", sa.String(60), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for name in ("person_status", "line_errors", "batch_lines", "batches"):
        op.drop_table(name)
