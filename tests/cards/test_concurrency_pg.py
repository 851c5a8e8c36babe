"""Two transactions on PostgreSQL at the same moment (READ COMMITTED): each test holds the first one
open while the second runs in a thread, then commits the first. Without the card-row lock, the
guarded line updates and the advisory lock shared with batch approval, the second would act on what
it read before the first committed: two loss reports of one card, a leg answered twice, a line that
escapes its hold because the approval and the loss report each missed the other."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from adapters.direct_link import CardOutcome, CardResult
from gateway import audit
from gateway.domain import batches
from gateway.domain.cards import bankleg
from gateway.domain.cards import operations as ops
from gateway.errors import InvalidTransition
from gateway.storage.tables import audit_log, batch_lines
from tests.cards.conftest import APPROVER, account, add_card, caller, card_no, ident, make_batch

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


def _second(fn) -> tuple[threading.Thread, dict]:
    """Run ``fn`` in a thread; its result or exception lands in the returned dict."""
    out: dict = {}

    def body():
        try:
            out["result"] = fn()
        except Exception as exc:  # the test looks at it
            out["error"] = exc

    t = threading.Thread(target=body)
    t.start()
    return t, out


def _count(db, action: str) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).where(audit_log.c.action == action)).scalar_one()


def test_two_loss_reports_of_one_card_take_turns(db, protector, cards_ctx):
    add_card(db, protector, 1)
    who = caller(cards_ctx)
    with db.write() as conn:
        ops.report_loss(conn, cards_ctx, who, ident(1), card_no(1), "TEMPORARY")

        def again():
            with db.write() as c2:
                return ops.report_loss(c2, cards_ctx, who, ident(1), card_no(1), "TEMPORARY")

        t, out = _second(again)
        time.sleep(0.5)
        assert t.is_alive(), "the second report waits for the first"
    t.join(10)
    assert isinstance(out.get("error"), InvalidTransition) and out["error"].reason == "ALREADY_LOST"
    assert _count(db, "card.report_loss") == 1
    assert audit.verify(db).ok


def test_an_answer_applied_twice_at_once_counts_once(db, protector, cards_ctx):
    add_card(db, protector, 1, bank_state="NORMAL")
    who = caller(cards_ctx)
    with db.write() as conn:
        view = ops.change_account(
            conn, cards_ctx, who, ident(1), card_no(1), account(9, "622700"), "CARD", "105"
        )
    leg_id = view["bank_leg_id"]
    done = CardResult(CardOutcome.DONE, bank_state="NORMAL")
    with db.write() as conn:
        assert bankleg.apply_answer(conn, protector, leg_id, done) == "CONFIRMED"

        def again():
            with db.write() as c2:
                return bankleg.apply_answer(c2, protector, leg_id, done)

        t, out = _second(again)
        time.sleep(0.5)
    t.join(10)
    assert out == {"result": "CONFIRMED"}  # it found the leg answered, and did nothing
    assert _count(db, "card.bank_leg.confirmed") == 1
    assert _count(db, "payee_account.change") == 1
    assert audit.verify(db).ok


def test_a_loss_reported_while_the_batch_is_being_approved_still_holds_the_line(db, protector, cards_ctx):
    add_card(db, protector, 1)
    batch_id = make_batch(db, protector, [1], approve=False)
    with db.write() as conn:
        b = batches.get(conn, batch_id)
        assert batches.approve(conn, protector, batch_id, APPROVER, b["content_hash"]) == 0  # card not lost

        def lose():
            with db.write() as c2:
                return ops.report_loss(c2, cards_ctx, caller(cards_ctx), ident(1), card_no(1), "TEMPORARY")

        t, out = _second(lose)
        time.sleep(0.5)
        assert t.is_alive(), "the loss report waits for the approval in flight"
    t.join(10)
    assert "error" not in out
    with db.read() as conn:
        state = conn.execute(select(batch_lines.c.state).where(batch_lines.c.batch_id == batch_id)).scalar()
    assert state == "HELD"


def test_an_approval_started_while_a_loss_is_being_reported_holds_the_line(db, protector, cards_ctx):
    add_card(db, protector, 1)
    batch_id = make_batch(db, protector, [1], approve=False)
    with db.write() as conn:
        ops.report_loss(conn, cards_ctx, caller(cards_ctx), ident(1), card_no(1), "TEMPORARY")

        def approve():
            with db.write() as c2:
                b = batches.get(c2, batch_id)
                return batches.approve(c2, protector, batch_id, APPROVER, b["content_hash"])

        t, out = _second(approve)
        time.sleep(0.5)
        assert t.is_alive(), "the approval waits for the loss report in flight"
    t.join(10)
    assert out == {"result": 1}
    with db.read() as conn:
        state = conn.execute(select(batch_lines.c.state).where(batch_lines.c.batch_id == batch_id)).scalar()
    assert state == "HELD"
