"""Payee accounts: the confirmed disbursement account of a payee, as corrected by a feed or a card call.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "payee_accounts",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("id_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("account_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("account_enc", sa.LargeBinary, nullable=False),
        sa.Column("account_masked", sa.String(40), nullable=False),
        sa.Column("account_type", sa.String(12), nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(80), nullable=False),
        sa.Column("effective_at", sa.String(32), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("source", "source_ref", name="uq_payee_accounts_source_ref"),
    )
    op.create_index("ix_payee_accounts_id_hash", "payee_accounts", ["id_hash", "id"])


def downgrade() -> None:
    op.drop_index("ix_payee_accounts_id_hash", "payee_accounts")
    op.drop_table("payee_accounts")
