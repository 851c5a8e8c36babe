"""Chinese bank protocols: files received from folder banks, each content applied at most once.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "bank_files",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("applied_hash", sa.String(80), nullable=True),
        sa.Column("submission_id", sa.BigInteger, nullable=True),
        sa.Column("bank_reference", sa.String(35), nullable=True),
        sa.Column("part_no", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("detail_lines", sa.Integer, nullable=False),
        sa.Column("lines_moved", sa.Integer, nullable=False),
        sa.Column("line_errors", sa.Integer, nullable=False),
        sa.Column("file_errors", sa.Integer, nullable=False),
        sa.Column("errors", sa.Text, nullable=True),
        sa.Column("evidence_id", sa.BigInteger, nullable=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("applied_hash", name="uq_bank_files_applied_hash"),
    )
    op.create_index("ix_bank_files_submission", "bank_files", ["submission_id"])
    op.create_index("ix_bank_files_hash", "bank_files", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_bank_files_hash", "bank_files")
    op.drop_index("ix_bank_files_submission", "bank_files")
    op.drop_table("bank_files")
