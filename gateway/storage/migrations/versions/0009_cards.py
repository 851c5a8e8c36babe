"""Social security card services: cards, card applications, bank legs of card operations.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "cards",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("card_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("card_enc", sa.LargeBinary, nullable=False),
        sa.Column("card_masked", sa.String(20), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("holder_enc", sa.LargeBinary, nullable=False),
        sa.Column("id_masked", sa.String(40), nullable=False),
        sa.Column("name_masked", sa.String(80), nullable=False),
        sa.Column("bank_code", sa.String(3), nullable=False),
        sa.Column("account_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("account_enc", sa.LargeBinary, nullable=False),
        sa.Column("account_masked", sa.String(40), nullable=False),
        sa.Column("social_state", sa.String(20), nullable=False),
        sa.Column("state_before_loss", sa.String(20), nullable=True),
        sa.Column("temp_loss_expires_at", sa.String(32), nullable=True),
        sa.Column("bank_state", sa.String(20), nullable=False),
        sa.Column("bank_loss_included", sa.Boolean, nullable=False),
        sa.Column("payments_held", sa.Boolean, nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("issue_date", sa.String(10), nullable=False),
        sa.Column("expiry_date", sa.String(10), nullable=False),
        sa.Column("cancel_reason", sa.String(20), nullable=True),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("card_hash", name="uq_cards_card_hash"),
    )
    op.create_index("ix_cards_id_hash", "cards", ["id_hash"])
    op.create_index("ix_cards_temp_loss", "cards", ["social_state", "temp_loss_expires_at"])
    op.create_table(
        "card_applications",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("card_id", sa.BigInteger, nullable=False),
        sa.Column("id_hash", sa.LargeBinary(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("pickup_outlet_code", sa.String(40), nullable=False),
        sa.Column("state_reason", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_card_applications_id_hash", "card_applications", ["id_hash", "id"])
    op.create_table(
        "card_bank_legs",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("card_id", sa.BigInteger, nullable=False),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("payload_enc", sa.LargeBinary, nullable=True),
        sa.Column("failure_text", sa.Text, nullable=True),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("requested_at", sa.String(32), nullable=False),
        sa.Column("answered_at", sa.String(32), nullable=True),
        sa.UniqueConstraint("reference", name="uq_card_bank_legs_reference"),
    )
    op.create_index("ix_card_bank_legs_card", "card_bank_legs", ["card_id", "id"])
    op.create_index("ix_card_bank_legs_state", "card_bank_legs", ["state"])


def downgrade() -> None:
    op.drop_index("ix_card_bank_legs_state", "card_bank_legs")
    op.drop_index("ix_card_bank_legs_card", "card_bank_legs")
    op.drop_table("card_bank_legs")
    op.drop_index("ix_card_applications_id_hash", "card_applications")
    op.drop_table("card_applications")
    op.drop_index("ix_cards_temp_loss", "cards")
    op.drop_index("ix_cards_id_hash", "cards")
    op.drop_table("cards")
