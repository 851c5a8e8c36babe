"""Reconciliation runs: who reconciled which fund account over which days, and whether it balanced.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "recon_runs",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("start_date", sa.String(10), nullable=False),
        sa.Column("end_date", sa.String(10), nullable=False),
        sa.Column("matched_count", sa.Integer, nullable=False),
        sa.Column("matched_minor", sa.BigInteger, nullable=False),
        sa.Column("suggestion_count", sa.Integer, nullable=False),
        sa.Column("new_exception_count", sa.Integer, nullable=False),
        sa.Column("open_exception_count", sa.Integer, nullable=False),
        sa.Column("expected_debit_minor", sa.BigInteger, nullable=False),
        sa.Column("statement_debit_minor", sa.BigInteger, nullable=False),
        sa.Column("returned_minor", sa.BigInteger, nullable=False),
        sa.Column("balanced", sa.Boolean, nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_recon_runs_account", "recon_runs", ["account", "id"])


def downgrade() -> None:
    op.drop_index("ix_recon_runs_account", table_name="recon_runs")
    op.drop_table("recon_runs")
