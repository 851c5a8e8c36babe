"""Release and dispatch: submissions, outbox, line events, bank evidence; line ↔ submission link.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "submissions",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.BigInteger, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("seq_in_batch", sa.Integer, nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("adapter", sa.String(40), nullable=False),
        sa.Column("fund", sa.String(30), nullable=False),
        sa.Column("fund_account", sa.String(40), nullable=False),
        sa.Column("bank_reference", sa.String(35), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("line_count", sa.BigInteger, nullable=False),
        sa.Column("control_sum_fen", sa.BigInteger, nullable=False),
        sa.Column("merkle_root", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("bank_batch_reference", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("sent_at", sa.String(32), nullable=True),
        sa.Column("sla_deadline", sa.String(32), nullable=True),
        sa.Column("completed_at", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("bank_reference", name="uq_submissions_bank_reference"),
        sa.UniqueConstraint("batch_id", "seq_in_batch", name="uq_submissions_batch_seq"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.BigInteger, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.String(32), nullable=False),
        sa.Column("lease_owner", sa.String(80), nullable=True),
        sa.Column("lease_until", sa.String(32), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_outbox_ready", "outbox", ["state", "next_attempt_at"])
    op.create_table(
        "line_events",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("line_id", sa.BigInteger, nullable=False),
        sa.Column("from_state", sa.String(12), nullable=False),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("cause", sa.String(60), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("evidence_id", sa.BigInteger, nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_line_events_line", "line_events", ["line_id"])
    op.create_table(
        "bank_evidence",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.BigInteger, nullable=True),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.UniqueConstraint("direction", "content_hash", name="uq_bank_evidence_content"),
    )
    # Plain ADD COLUMN (no table rebuild on SQLite), so the partial unique index on claims is untouched.
    op.add_column("batch_lines", sa.Column("submission_id", sa.BigInteger, nullable=True))
    op.add_column("batch_lines", sa.Column("failure_reason", sa.String(30), nullable=True))
    op.add_column("batch_lines", sa.Column("bank_raw_code", sa.String(40), nullable=True))
    op.add_column("batch_lines", sa.Column("bank_raw_text", sa.Text, nullable=True))
    op.add_column("batch_lines", sa.Column("value_date", sa.String(10), nullable=True))
    op.create_index("ix_batch_lines_submission", "batch_lines", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_batch_lines_submission", "batch_lines")
    with op.batch_alter_table("batch_lines") as b:
        for name in ("value_date", "bank_raw_text", "bank_raw_code", "failure_reason", "submission_id"):
            b.drop_column(name)
    for name in ("bank_evidence", "line_events", "outbox", "submissions"):
        op.drop_table(name)
