"""A submission's lines move together, in the database: only lines in an allowed state move, each with
one event naming the state it left."""

from __future__ import annotations

from sqlalchemy import select

from gateway.dispatch.lines import move_submission_lines
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events
from tests.dispatch_controls.helpers import add_lines, add_submission, sqlite_db


def test_only_lines_in_a_from_state_move_each_with_the_state_it_left(tmp_path) -> None:
    """SUBMITTED and UNKNOWN lines become ACCEPTED with their own from_state; a PAID line stays PAID."""
    db = sqlite_db(tmp_path)
    try:
        sub_id = add_submission(db, lines=4)
        add_lines(db, sub_id, ["SUBMITTED", "UNKNOWN", "PAID", "SUBMITTED"])
        with db.write() as conn:
            moved = move_submission_lines(
                conn, sub_id, ("SUBMITTED", "UNKNOWN"), "ACCEPTED", "bank.inquiry", "test"
            )
        assert moved == 3
        with db.read() as conn:
            states = conn.execute(
                select(batch_lines.c.id, batch_lines.c.state)
                .where(batch_lines.c.submission_id == sub_id)
                .order_by(batch_lines.c.line_number)
            ).all()
            events = conn.execute(
                select(line_events.c.line_id, line_events.c.from_state, line_events.c.to_state)
            ).all()
        assert [s.state for s in states] == ["ACCEPTED", "ACCEPTED", "PAID", "ACCEPTED"]
        ids = [s.id for s in states]
        assert sorted((e.line_id, e.from_state, e.to_state) for e in events) == sorted(
            [
                (ids[0], "SUBMITTED", "ACCEPTED"),
                (ids[1], "UNKNOWN", "ACCEPTED"),
                (ids[3], "SUBMITTED", "ACCEPTED"),
            ]
        )

        # Again: nothing is in a from-state any more, so nothing moves and no event is written.
        with db.write() as conn:
            assert move_submission_lines(conn, sub_id, ("SUBMITTED",), "ACCEPTED", "again", "test") == 0
        with db.read() as conn:
            assert len(conn.execute(select(line_events.c.id)).all()) == 3
    finally:
        db.dispose()
