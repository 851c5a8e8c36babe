"""Dispatch controls (circuit breaker state, rate limits, SLA supervision).

Revision ID: 0005
Revises: 0004
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so that parallel lines of work keep one linear history; filled in by its issue.
    pass


def downgrade() -> None:
    pass
