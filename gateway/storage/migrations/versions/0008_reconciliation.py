"""Reconciliation (imports, bank entries, matches, exceptions, settlement, re-issue).

Revision ID: 0008
Revises: 0007
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so that parallel lines of work keep one linear history; filled in by its issue.
    pass


def downgrade() -> None:
    pass
