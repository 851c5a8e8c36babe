"""Province-scale storage.

Revision ID: 0010
Revises: 0009
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so that parallel lines of work keep one linear history; filled in by its issue.
    pass


def downgrade() -> None:
    pass
