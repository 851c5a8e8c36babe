"""Storage: SQLAlchemy Core tables, Alembic migrations, and the same code on SQLite and PostgreSQL."""

import gateway.storage.tables_bankfiles  # noqa: F401 - registers the bank-file table on the metadata
from gateway.storage import (
    tables_banklink,  # noqa: F401 - registers the BankLink inquiry table
    tables_cards,  # noqa: F401 - registers the card tables
    tables_dispatch,  # noqa: F401 - registers the dispatch tables on the metadata
    tables_dispatch_controls,  # noqa: F401 - registers the dispatch-control tables
    tables_recon,  # noqa: F401 - registers the reconciliation tables
    tables_recon_runs,  # noqa: F401 - registers the reconciliation-run table
)
from gateway.storage.database import Database, migrate

__all__ = ["Database", "migrate"]
