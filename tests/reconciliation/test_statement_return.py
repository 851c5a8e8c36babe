"""A return booked back on the 支出户 settles the line: PAID becomes RETURNED with the bank's reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events
from reconciliation.camt053_writer import Booking, render_statement
from reconciliation.importer import import_file
from reconciliation.matcher import run

from .recon_db import FUND_A, seed_batch

DAY = date(2025, 1, 6)


def _state(db, line_id: int) -> tuple[str, str | None]:
    with db.read() as conn:
        row = conn.execute(
            select(batch_lines.c.state, batch_lines.c.failure_reason).where(batch_lines.c.id == line_id)
        ).one()
    return row.state, row.failure_reason


def test_a_returned_payment_becomes_returned_once_and_a_pending_one_is_left_alone(db, tmp_path: Path) -> None:
    s = seed_batch(db, "SLK000000000009", [12_300, 45_600, 78_900])
    paid, other_paid, unsettled = s.line_ids
    with db.write() as conn:
        conn.execute(update(batch_lines).where(batch_lines.c.id.in_([paid, other_paid])).values(state="PAID"))
    stmt = tmp_path / "stmt.xml"
    stmt.write_bytes(
        render_statement(
            account=FUND_A,
            statement_id="A-RET-1",
            sequence=1,
            opening_fen=10**8,
            bookings=[
                Booking(12_300, True, DAY, end_to_end_id=s.e2e[0], return_reason="MD07"),
                # The bank also returns a line it never reported paid: evidence, but not ours to settle.
                Booking(78_900, True, DAY, end_to_end_id=s.e2e[2], return_reason="AC04"),
            ],
            day=DAY,
        )
    )
    import_file(db, stmt, principal="finance:clerk")
    run(db, today=DAY)
    assert _state(db, paid) == ("RETURNED", "DECEASED")
    assert _state(db, other_paid) == ("PAID", None)
    assert _state(db, unsettled)[0] == "SUBMITTED"
    run(db, today=DAY)  # a second run moves nothing and writes no second event
    with db.read() as conn:
        events = conn.execute(
            select(line_events.c.from_state, line_events.c.to_state, line_events.c.cause).where(
                line_events.c.line_id == paid
            )
        ).all()
    assert [tuple(e) for e in events] == [("PAID", "RETURNED", "recon.statement_return")]
