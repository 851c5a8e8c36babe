"""Keys: replay-protection nonces and dual-control private-key export requests.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "replay_nonces",
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("seen_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("scope", "nonce", name="pk_replay_nonces"),
    )
    op.create_index("ix_replay_nonces_expires", "replay_nonces", ["expires_at"])
    op.create_table(
        "key_export_requests",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("key_name", sa.String(64), nullable=False),
        sa.Column("key_version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", sa.String(32), nullable=True),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> requested_by", name="ck_key_export_requests_dual_control"
        ),
    )


def downgrade() -> None:
    op.drop_table("key_export_requests")
    op.drop_index("ix_replay_nonces_expires", table_name="replay_nonces")
    op.drop_table("replay_nonces")
