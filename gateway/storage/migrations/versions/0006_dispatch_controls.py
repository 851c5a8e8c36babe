"""Dispatch controls: the banks' circuit-breaker state, and bank answers refused as replays.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "bank_dispatch_state",
        sa.Column("bank_code", sa.String(3), primary_key=True),
        sa.Column("breaker_state", sa.String(10), nullable=False),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
    )
    op.create_table(
        "refused_answers",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("submission_id", sa.BigInteger, nullable=True),
        sa.Column("evidence_id", sa.BigInteger, nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("stamped_at", sa.String(40), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_refused_answers_submission", "refused_answers", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_refused_answers_submission", "refused_answers")
    op.drop_table("refused_answers")
    op.drop_table("bank_dispatch_state")
