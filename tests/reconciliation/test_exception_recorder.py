"""Exceptions noted in bulk are written at flush, keep an existing one as it is, and are counted once."""

from __future__ import annotations

from sqlalchemy import select

from gateway.storage.tables_recon import recon_exceptions
from reconciliation import exceptions as X


def test_noted_exceptions_are_written_at_flush_and_counted_once(db) -> None:
    with db.write() as conn:
        rec = X.Recorder(conn)
        assert rec.open(X.REJECTED, "line:1", detail="first words", amount_minor=100)
        rec.note(X.REJECTED, "line:1", detail="second words", amount_minor=100)  # exists: kept as it was
        rec.note(X.REJECTED, "line:2", detail="new", amount_minor=200, reason_code="AC04")
        rec.note(X.REJECTED, "line:2", detail="twice in one run", amount_minor=200)
        rec.note(X.UNKNOWN_DEBIT, "line:1", detail="same subject, other kind")  # another shape of row
        assert len(conn.execute(select(recon_exceptions.c.id)).all()) == 1  # noted, not yet written
        rec.flush()
        rows = {(r.kind, r.subject): r for r in conn.execute(select(recon_exceptions)).all()}
    assert rec.added == 3
    assert set(rows) == {(X.REJECTED, "line:1"), (X.REJECTED, "line:2"), (X.UNKNOWN_DEBIT, "line:1")}
    assert rows[(X.REJECTED, "line:1")].detail == "first words"
    assert rows[(X.REJECTED, "line:2")].detail == "new" and rows[(X.REJECTED, "line:2")].reason_code == "AC04"
    with db.write() as conn:
        again = X.Recorder(conn)
        again.note(X.REJECTED, "line:2", detail="next run", amount_minor=200)
        again.flush()
        again.flush()  # nothing left to write
    assert again.added == 0
