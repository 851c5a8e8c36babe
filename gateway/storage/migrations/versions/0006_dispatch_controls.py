"""Dispatch controls (circuit breaker state, rate limits, SLA supervision).

Revision ID: 0006
Revises: 0005
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so that parallel lines of work keep one linear history; filled in by its issue.
    pass


def downgrade() -> None:
    pass
