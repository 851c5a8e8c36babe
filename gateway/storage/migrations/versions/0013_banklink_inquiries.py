"""BankLink status inquiries: questions the dispatcher leaves for a partner bank that pulls.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "banklink_inquiries",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.BigInteger, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("line_id", sa.BigInteger, nullable=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("our_reference", sa.String(35), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("finding", sa.String(10), nullable=True),
        sa.Column("line_state", sa.String(12), nullable=True),
        sa.Column("evidence_id", sa.BigInteger, nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("answered_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_banklink_inquiries_bank", "banklink_inquiries", ["bank_code", "state", "id"])
    op.create_index("ix_banklink_inquiries_submission", "banklink_inquiries", ["submission_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_banklink_inquiries_submission", table_name="banklink_inquiries")
    op.drop_index("ix_banklink_inquiries_bank", table_name="banklink_inquiries")
    op.drop_table("banklink_inquiries")
