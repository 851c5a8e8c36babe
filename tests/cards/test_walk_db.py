"""Both state machines walked through the card operations and the database, on SQLite and PostgreSQL:
every (state, operation) pair on its own card, the stored state after an allowed move, and for a
refusal the precise reason with nothing written (no state change, no audit entry, no bank leg).
The expected targets are the hand-written tables of test_machines.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from adapters.direct_link import CardOutcome, CardResult
from gateway.domain.cards import bankleg
from gateway.domain.cards import operations as ops
from gateway.domain.cards.channels import CardSettings, ChannelLimits
from gateway.errors import InvalidTransition
from gateway.storage.tables import audit_log
from gateway.storage.tables_cards import card_bank_legs, cards
from tests.cards.conftest import account, caller, card_no, ident
from tests.cards.test_machines import BANK_ALLOWED, BANK_STATES, SOCIAL_ALLOWED, SOCIAL_STATES

# Each social event that a counter can ask for, as the operation that asks for it.
SOCIAL_CALLS = {
    "ENABLE": lambda conn, ctx, who, n: ops.enable(conn, ctx, who, ident(n), card_no(n)),
    "REPORT_TEMPORARY_LOSS": lambda conn, ctx, who, n: ops.report_loss(
        conn, ctx, who, ident(n), card_no(n), "TEMPORARY"
    ),
    "REPORT_FORMAL_LOSS": lambda conn, ctx, who, n: ops.report_loss(
        conn, ctx, who, ident(n), card_no(n), "FORMAL"
    ),
    "LIFT_LOSS": lambda conn, ctx, who, n: ops.lift_loss(conn, ctx, who, ident(n), card_no(n)),
    "UNLOCK": lambda conn, ctx, who, n: ops.unlock(conn, ctx, who, ident(n), card_no(n)),
    "PIN_LOCKOUT": lambda conn, ctx, who, n: ops.record_pin_lockout(conn, ctx.protector, card_no(n)),
    "CHANGE_ACCOUNT": lambda conn, ctx, who, n: ops.change_account(
        conn, ctx, who, ident(n), card_no(n), account(n, "622700"), "CARD", "102"
    ),
    "ACTIVATE": lambda conn, ctx, who, n: ops.activate(conn, ctx, who, ident(n), card_no(n)),
    "CANCEL": lambda conn, ctx, who, n: ops.cancel(conn, ctx, who, ident(n), card_no(n), "EMIGRATION"),
}


def _replace(conn, ctx, who, n, state):
    reason = "LOST" if state == "FORMAL_LOSS" else "DAMAGED"
    return ops.apply_replacement(conn, ctx, who, ident(n), card_no(n), reason, "370102001")


@pytest.fixture
def ctx(protector) -> ops.Cards:
    raw = {"temporary_loss_days": 7, "channel_kinds": {"bank_branch": {"rate": 100000}}}
    return ops.Cards(protector, CardSettings.from_config(raw), ChannelLimits())


def _register(db, protector, n: int, social: str, bank: str, **values) -> int:
    with db.write() as conn:
        card_id = ops.register_card(
            conn, protector, id_number=ident(n), name="张三", card_number=card_no(n), bank_code="102",
            account=account(n), principal="system:test", social_state=social, bank_state=bank,
        )  # fmt: skip
        if values:
            conn.execute(cards.update().where(cards.c.id == card_id).values(**values))
    return card_id


def _row(db, card_id: int):
    with db.read() as conn:
        q = select(cards.c.social_state, cards.c.bank_state).where(cards.c.id == card_id)
        return conn.execute(q).one()


def _counts(db) -> tuple[int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
            conn.execute(select(func.count()).select_from(card_bank_legs)).scalar_one(),
        )


def test_every_social_pair_through_the_database(db, protector, ctx):
    who = caller(ctx)
    n = 0
    walked = 0
    for state in SOCIAL_STATES:
        for event in [*SOCIAL_CALLS, "REPLACE"]:
            n += 1
            # The financial side allows the bank part of the call: only the 人社 state is walked here.
            card_id = _register(db, protector, n, state, "NOT_ACTIVATED" if event == "ACTIVATE" else "NORMAL")
            before = _counts(db)
            # A card registered as temporarily lost has no state before the loss: it returns to NORMAL.
            expected = SOCIAL_ALLOWED.get((state, event))
            if expected is not None and state == "TEMPORARY_LOSS" and event == "LIFT_LOSS":
                expected = "NORMAL"
            try:
                with db.write() as conn:
                    if event == "REPLACE":
                        _replace(conn, ctx, who, n, state)
                    else:
                        SOCIAL_CALLS[event](conn, ctx, who, n)
            except InvalidTransition as exc:
                assert expected is None, f"{state} + {event} was refused: {exc.reason}"
                assert exc.reason and exc.reason != "INVALID_TRANSITION"
                assert _row(db, card_id).social_state == state, f"{state} + {event} changed the card"
                assert _counts(db) == before, f"{state} + {event} wrote something"
            else:
                assert expected is not None, f"{state} + {event} should be refused"
                assert _row(db, card_id).social_state == expected, f"{state} + {event}"
                assert _counts(db)[0] > before[0], "every change is audited"
            walked += 1
    assert walked == len(SOCIAL_STATES) * (len(SOCIAL_CALLS) + 1)


# Each bank event, as the operation that starts it on a NORMAL (人社) card.
def _bank_call(event: str):
    if event == "ACTIVATE":
        return lambda conn, ctx, who, n: ops.activate(conn, ctx, who, ident(n), card_no(n))
    if event == "FREEZE":
        return lambda conn, ctx, who, n: ops.report_loss(
            conn, ctx, who, ident(n), card_no(n), "TEMPORARY", include_financial_account=True
        )
    if event == "CHANGE_ACCOUNT":
        return SOCIAL_CALLS["CHANGE_ACCOUNT"]
    if event == "CLOSE":
        return lambda conn, ctx, who, n: ops.cancel(
            conn, ctx, who, ident(n), card_no(n), "EMIGRATION", include_financial_account=True
        )
    raise AssertionError(event)


def test_every_bank_pair_through_the_database(db, protector, ctx):
    """A refused pair never leaves for the bank; an allowed one is PENDING and moves only when confirmed."""
    who = caller(ctx)
    n = 100
    done = CardResult(CardOutcome.DONE)
    for state in BANK_STATES:
        for event in ("ACTIVATE", "FREEZE", "UNFREEZE", "CHANGE_ACCOUNT", "CLOSE"):
            n += 1
            # UNFREEZE is asked for by lifting a loss that included the financial account.
            social = "TEMPORARY_LOSS" if event == "UNFREEZE" else "NORMAL"
            extra = {"bank_loss_included": True} if event == "UNFREEZE" else {}
            card_id = _register(db, protector, n, social, state, **extra)
            before = _counts(db)
            expected = BANK_ALLOWED.get((state, event))
            try:
                with db.write() as conn:
                    if event == "UNFREEZE":
                        view = ops.lift_loss(conn, ctx, who, ident(n), card_no(n))
                    else:
                        view = _bank_call(event)(conn, ctx, who, n)
            except InvalidTransition as exc:
                assert expected is None, f"{state} + {event} was refused: {exc.reason}"
                assert exc.reason.startswith("BANK_ACCOUNT_"), exc.reason
                assert _row(db, card_id).bank_state == state
                assert _counts(db) == before, f"{state} + {event} wrote something"
                continue
            if event == "UNFREEZE" and state != "FROZEN":
                # Lifting a loss when the bank never froze the account asks nothing of the bank.
                assert expected is None and view["bank_leg"] is None
                continue
            assert expected is not None, f"{state} + {event} should be refused"
            assert view["bank_leg"]["state"] == "PENDING" and _row(db, card_id).bank_state == state
            with db.write() as conn:
                assert bankleg.apply_answer(conn, protector, view["bank_leg_id"], done) == "CONFIRMED"
            assert _row(db, card_id).bank_state == expected, f"{state} + {event}"
