"""How many SQL statements a loss report and a lift cost under the SQLite group committer's unit of
work (idempotency lookup and record, the card, the holds, the audit entry): the hot write path of the
card service, kept from growing back unnoticed. A count, not a timing."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from gateway.domain.cards import operations as ops
from gateway.idempotency import run_once_in
from tests.cards.conftest import add_card, caller, ident

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _statements(db, work) -> tuple[list[str], object]:
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        verb = statement.split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):  # the transaction's, not the call's
            seen.append(verb)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        with db.write() as conn:
            result = work(conn)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen, result


def _once(conn, rid: str, effect):
    return run_once_in(
        conn,
        principal="channel:branch-102-0",
        method="/m",
        request_id=rid,
        payload=rid.encode(),
        effect=effect,
    )


def test_report_loss_and_lift_each_run_at_most_eight_statements(db, protector, cards_ctx) -> None:
    """A temporary loss report and its lift (no payment lines to hold, no bank leg) each run at most
    eight statements, and the card ends NORMAL with nothing held."""
    number = add_card(db, protector, 1)
    who = caller(cards_ctx)

    def report(conn):
        view = ops.report_loss(conn, cards_ctx, who, ident(1), number, "TEMPORARY")
        assert view["social_state"] == "TEMPORARY_LOSS" and view["payments_held"]
        return b"r"

    def lift(conn):
        view = ops.lift_loss(conn, cards_ctx, who, ident(1), number)
        assert view["social_state"] == "NORMAL" and not view["payments_held"]
        return b"l"

    reported, _ = _statements(db, lambda conn: _once(conn, "r1", report))
    lifted, _ = _statements(db, lambda conn: _once(conn, "l1", lift))
    # lookup, card, update, holds, audit head, audit insert, head move, idempotency record
    assert len(reported) <= 8, reported
    assert len(lifted) <= 8, lifted
