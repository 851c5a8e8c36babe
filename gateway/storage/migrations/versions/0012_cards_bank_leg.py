"""Card bank legs fetched by the bank itself (BankLink): when the bank took the leg.

A BankLink bank pulls its card operations; ``sent_at`` records the first time one was handed to it, so a
leg the bank took but did not answer in time becomes UNKNOWN (and is offered again as an inquiry), while
one it never fetched stays PENDING.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("card_bank_legs") as batch:
        batch.add_column(sa.Column("sent_at", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("card_bank_legs") as batch:
        batch.drop_column("sent_at")
