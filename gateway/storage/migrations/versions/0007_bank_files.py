"""Chinese bank protocols (processed result files, folder exchange).

Revision ID: 0007
Revises: 0006
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Reserved so that parallel lines of work keep one linear history; filled in by its issue.
    pass


def downgrade() -> None:
    pass
