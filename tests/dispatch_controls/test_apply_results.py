"""Bank line results are applied in a few batched statements and still forward only, column for column."""

from __future__ import annotations

from sqlalchemy import select

from adapters.contract import FailureReason, LineOutcome, LineResult
from gateway.dispatch.lines import apply_results
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events
from tests.dispatch_controls.helpers import add_lines, add_submission, sqlite_db


def _rows(db, sub_id):
    with db.read() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(batch_lines)
                .where(batch_lines.c.submission_id == sub_id)
                .order_by(batch_lines.c.line_number)
            ).mappings()
        ]


def test_mixed_results_set_each_lines_own_columns_and_only_move_forward(tmp_path) -> None:
    db = sqlite_db(tmp_path)
    try:
        sub_id = add_submission(db, lines=5)
        add_lines(db, sub_id, ["ACCEPTED", "ACCEPTED", "ACCEPTED", "PAID", "ACCEPTED"])
        refs = [r["e2e_ref"] for r in _rows(db, sub_id)]
        results = [
            LineResult(LineOutcome.PAID, end_to_end_ref=refs[0], value_date="2026-12-04"),
            LineResult(LineOutcome.PAID, end_to_end_ref=refs[1]),
            LineResult(
                LineOutcome.FAILED,
                end_to_end_ref=refs[2],
                reason=FailureReason.ACCOUNT_CLOSED,
                raw_code="AC04",
                raw_text="closed",
            ),
            LineResult(
                LineOutcome.FAILED, end_to_end_ref=refs[3], reason=FailureReason.ACCOUNT_CLOSED
            ),  # PAID
            LineResult(LineOutcome.PAID, end_to_end_ref=refs[4], amount_fen=999),  # not what we sent
            LineResult(LineOutcome.PAID, end_to_end_ref="E-NOT-OURS"),
        ]
        with db.write() as conn:
            counts = apply_results(conn, sub_id, results, principal="test", cause="bank.result")
        assert counts == {"PAID": 2, "FAILED": 1, "ignored": 1, "MANUAL": 1, "foreign": 1}
        rows = _rows(db, sub_id)
        assert [r["state"] for r in rows] == ["PAID", "PAID", "FAILED", "PAID", "MANUAL"]
        assert [r["value_date"] for r in rows] == ["2026-12-04", None, None, None, None]
        assert (rows[2]["failure_reason"], rows[2]["bank_raw_code"], rows[2]["bank_raw_text"]) == (
            "ACCOUNT_CLOSED",
            "AC04",
            "closed",
        )
        assert rows[3]["failure_reason"] is None  # the contradiction changed nothing
        with db.read() as conn:
            events = conn.execute(select(line_events.c.line_id, line_events.c.to_state)).all()
        assert sorted(e.to_state for e in events) == ["FAILED", "MANUAL", "PAID", "PAID"]

        # The same answer again: nothing moves, nothing is written.
        with db.write() as conn:
            again = apply_results(conn, sub_id, results, principal="test", cause="bank.result")
        assert "PAID" not in again and "FAILED" not in again
        with db.read() as conn:
            assert len(conn.execute(select(line_events.c.id)).all()) == 4
    finally:
        db.dispose()


def test_two_moves_of_one_line_in_one_answer_are_written_in_order(tmp_path) -> None:
    """A line paid and then returned in the same answer ends RETURNED, as its events say, even though
    the two moves are different shapes of update (the second sets the failure columns)."""
    db = sqlite_db(tmp_path)
    try:
        sub_id = add_submission(db, lines=2)
        add_lines(db, sub_id, ["ACCEPTED", "ACCEPTED"])
        refs = [r["e2e_ref"] for r in _rows(db, sub_id)]
        results = [
            LineResult(LineOutcome.FAILED, end_to_end_ref=refs[0], reason=FailureReason.ACCOUNT_CLOSED),
            LineResult(LineOutcome.PAID, end_to_end_ref=refs[1]),
            LineResult(LineOutcome.RETURNED, end_to_end_ref=refs[1], reason=FailureReason.ACCOUNT_CLOSED),
        ]
        with db.write() as conn:
            counts = apply_results(conn, sub_id, results, principal="test", cause="bank.result")
        assert counts == {"FAILED": 1, "PAID": 1, "RETURNED": 1}
        rows = _rows(db, sub_id)
        assert [r["state"] for r in rows] == ["FAILED", "RETURNED"]
        assert rows[1]["failure_reason"] == "ACCOUNT_CLOSED"
        with db.read() as conn:
            moves = conn.execute(
                select(line_events.c.from_state, line_events.c.to_state)
                .where(line_events.c.line_id == rows[1]["id"])
                .order_by(line_events.c.id)
            ).all()
        assert [tuple(m) for m in moves] == [("ACCEPTED", "PAID"), ("PAID", "RETURNED")]
    finally:
        db.dispose()
