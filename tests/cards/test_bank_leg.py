"""The bank leg against the direct-link simulator (in process, its real card ledger): PENDING until the
card bank confirms, UNKNOWN when the answer is lost and then asked again by the same reference, the
confirmed account change recorded for payments, a refusal left as FAILED."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from adapters.contract import WireResponse
from adapters.direct_link import CardOutcome, CardResult, DirectLinkAdapter
from adapters.simulator.accounts import Rates
from adapters.simulator.faults import FaultBox
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import Request, SimContext, get_protocol
from gateway.domain.cards import bankleg
from gateway.domain.cards import operations as ops
from gateway.domain.payee_accounts import current_account
from gateway.storage.tables_cards import card_bank_legs
from tests.adapters_cn.helpers import BANK, GATEWAY, NOW, direct_ctx, gcm
from tests.cards.conftest import account, add_card, caller, card_no, ident

_nonce = itertools.count(1)


@pytest.fixture
def sim(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3", seed=5, rates=Rates(closed=0.0, frozen=0.0, class_ii=0.0))
    ctx = SimContext(
        ledger=ledger,
        faults=FaultBox(seed=5),
        bank_code="308",
        seed=5,
        data_dir=tmp_path,
        client_verifier=GATEWAY.verifier(),
        bank_signer=BANK,
        cipher=gcm(),
        options={},
        clock=lambda: dt.datetime.fromisoformat(NOW).timestamp(),
    )
    yield ctx
    ledger.close()


class SimBank:
    """A Sender that goes through the real adapter and the simulator; ``lose_answers`` drops answers."""

    def __init__(self, sim: SimContext) -> None:
        self.sim = sim
        self.lose_answers = 0
        self.calls = 0

    def __call__(self, bank_code, request):
        ctx = direct_ctx({"bank_code": bank_code, "user_id": "SILINK3701"}, nonce=f"c{next(_nonce):06d}")
        adapter = DirectLinkAdapter.bind(ctx)
        message = adapter.render_card_request(request, ctx)
        handler = get_protocol("direct_link_json")
        answer = handler.handle(
            handler.endpoints[message.path],
            Request("POST", message.path, dict(message.headers), message.body),
            self.sim,
        )
        self.calls += 1
        if self.lose_answers:
            self.lose_answers -= 1
            return CardResult(CardOutcome.UNKNOWN)  # as the transport reports a timeout after sending
        return adapter.parse_card_response(
            WireResponse(answer.status, answer.body, dict(answer.headers)), request, ctx
        )


def _run(db, fn, *args, **kw):
    with db.write() as conn:
        return fn(conn, *args, **kw)


def _status(db, ctx, n):
    return _run(db, ops.get_status, ctx, caller(ctx, "channel:branch-308"), ident(n), card_no(n))


def test_activation_is_pending_until_the_bank_confirms(db, protector, cards_ctx, sim):
    add_card(
        db, protector, 1, bank="308", bank_state="NOT_ACTIVATED"
    )  # the simulator starts B…1 NOT_ACTIVATED
    view = _run(db, ops.activate, cards_ctx, caller(cards_ctx, "channel:branch-308"), ident(1), card_no(1))
    assert (view["bank_state"], view["bank_leg"]["state"]) == ("NOT_ACTIVATED", "PENDING")
    bank = SimBank(sim)
    assert bankleg.send(db, protector, bank, view["bank_leg_id"]) == "CONFIRMED"
    after = _status(db, cards_ctx, 1)
    assert (after["bank_state"], after["bank_leg"]["state"]) == ("NORMAL", "CONFIRMED")


def test_a_lost_answer_is_unknown_and_asked_again_never_repeated(db, protector, cards_ctx, sim):
    add_card(db, protector, 1, bank="308", bank_state="NOT_ACTIVATED")
    view = _run(db, ops.activate, cards_ctx, caller(cards_ctx, "channel:branch-308"), ident(1), card_no(1))
    bank = SimBank(sim)
    bank.lose_answers = 1
    assert bankleg.send(db, protector, bank, view["bank_leg_id"]) == "UNKNOWN"
    assert _status(db, cards_ctx, 1)["bank_leg"]["state"] == "UNKNOWN"
    # The bank did activate; had we sent a new activation it would refuse (3012). Asking again by the same
    # reference gets the bank's stored answer: CONFIRMED.
    assert bankleg.query_open(db, protector, bank) == {"CONFIRMED": 1}
    assert _status(db, cards_ctx, 1)["bank_state"] == "NORMAL"
    with db.read() as conn:
        assert {r.reference for r in conn.execute(select(card_bank_legs))} == {view["bank_leg"]["reference"]}


def test_a_confirmed_account_change_feeds_the_payee_registry(db, protector, cards_ctx, sim):
    add_card(db, protector, 3, bank="308")  # NORMAL at the simulated bank
    new = account(77, "622700")
    view = _run(
        db,
        ops.change_account,
        cards_ctx,
        caller(cards_ctx, "channel:branch-308"),
        ident(3),
        card_no(3),
        new,
        "CARD",
        "105",
    )
    assert view["disbursement_account_masked"] == view["account_masked"]  # not before the bank confirms
    with db.read() as conn:
        assert current_account(conn, protector, protector.blind_index(ident(3))) is None
    assert bankleg.send(db, protector, SimBank(sim), view["bank_leg_id"]) == "CONFIRMED"
    with db.read() as conn:
        acc = current_account(conn, protector, protector.blind_index(ident(3)))
    assert (acc.account, acc.bank_code, acc.source) == (new, "105", "CARD")
    after = _status(db, cards_ctx, 3)
    assert (
        after["disbursement_account_masked"].endswith(new[-4:]) and after["disbursement_bank_code"] == "105"
    )


def test_a_refusal_is_failed_and_changes_nothing(db, protector, cards_ctx, sim):
    # Our record says NORMAL, the simulated bank has B…2 FROZEN: the bank refuses the change (3012).
    add_card(db, protector, 2, bank="308")
    view = _run(
        db, ops.change_account, cards_ctx, caller(cards_ctx, "channel:branch-308"), ident(2), card_no(2),
        account(5, "622700"), "CARD", "105",
    )  # fmt: skip
    assert bankleg.send(db, protector, SimBank(sim), view["bank_leg_id"]) == "FAILED"
    after = _status(db, cards_ctx, 2)
    assert after["bank_leg"]["state"] == "FAILED" and after["bank_leg"]["failure_text"].startswith("3012")
    with db.read() as conn:
        assert current_account(conn, protector, protector.blind_index(ident(2))) is None


def test_loss_with_the_financial_account_freezes_it_and_lifting_unfreezes(db, protector, cards_ctx, sim):
    add_card(db, protector, 3, bank="308")
    who = caller(cards_ctx, "channel:branch-308")
    bank = SimBank(sim)
    view = _run(
        db, ops.report_loss, cards_ctx, who, ident(3), card_no(3), "TEMPORARY", include_financial_account=True
    )
    assert bankleg.send(db, protector, bank, view["bank_leg_id"]) == "CONFIRMED"
    assert _status(db, cards_ctx, 3)["bank_state"] == "FROZEN"
    view = _run(db, ops.lift_loss, cards_ctx, who, ident(3), card_no(3))
    assert view["bank_leg"]["operation"] == "LIFT_LOSS"
    assert bankleg.send(db, protector, bank, view["bank_leg_id"]) == "CONFIRMED"
    assert _status(db, cards_ctx, 3)["bank_state"] == "NORMAL"


def test_the_services_sweep_expires_losses_and_asks_about_open_legs(db, protector, cards_ctx, sim):
    """The CardService's periodic task: due temporary losses expire, PENDING/UNKNOWN legs are asked about."""
    from types import SimpleNamespace

    from gateway import audit
    from gateway.services.base import AppContext
    from gateway.services.card import CardServicer

    add_card(db, protector, 1, bank="308", bank_state="NOT_ACTIVATED")
    add_card(db, protector, 3, bank="308")
    who = caller(cards_ctx, "channel:branch-308")
    _run(db, ops.activate, cards_ctx, who, ident(1), card_no(1))
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    _run(db, ops.report_loss, cards_ctx, who, ident(3), card_no(3), "TEMPORARY", now=long_ago)
    cfg = SimpleNamespace(raw={"cards": {"temporary_loss_days": 7}}, banks={})
    servicer = CardServicer(
        AppContext(cfg=cfg, db=db, protector=protector, extras={"card_sender": SimBank(sim)})
    )
    assert servicer.sweep_once() == {"expired": 1, "CONFIRMED": 1}
    assert _status(db, cards_ctx, 1)["bank_state"] == "NORMAL"
    assert _status(db, cards_ctx, 3)["social_state"] == "NORMAL"
    assert servicer.sweep_once() == {"expired": 0}
    assert audit.verify(db).ok


def test_closing_the_account_goes_to_the_bank_pending_then_unknown_then_asked(db, protector, cards_ctx, sim):
    """Cancellation with the financial account: 销户 at the bank (ACCOUNT_CLOSE). The bank settles first
    (pending); the answer that would confirm is lost (UNKNOWN); asked again by the same reference it is
    confirmed and the bank state becomes CLOSED. One reference, one closing at the bank."""
    import dataclasses

    clock = [sim.now()]
    slow = dataclasses.replace(sim, options={"card_close_after": 60}, clock=lambda: clock[0])
    add_card(db, protector, 3, bank="308")
    who = caller(cards_ctx, "channel:branch-308")
    view = _run(db, ops.cancel, cards_ctx, who, ident(3), card_no(3), "DEATH", include_financial_account=True)
    assert (view["social_state"], view["bank_state"]) == ("CANCELLED", "NORMAL")
    assert (view["bank_leg"]["operation"], view["bank_leg"]["state"]) == ("CANCEL", "PENDING")
    bank = SimBank(slow)
    assert bankleg.send(db, protector, bank, view["bank_leg_id"]) == "PENDING"
    assert _status(db, cards_ctx, 3)["bank_state"] == "NORMAL"  # not before the bank confirms
    clock[0] += 61
    bank.lose_answers = 1
    assert bankleg.query_open(db, protector, bank) == {"UNKNOWN": 1}
    assert _status(db, cards_ctx, 3)["bank_leg"]["state"] == "UNKNOWN"
    assert bankleg.query_open(db, protector, bank) == {"CONFIRMED": 1}
    after = _status(db, cards_ctx, 3)
    assert (after["bank_state"], after["bank_leg"]["state"]) == ("CLOSED", "CONFIRMED")
    from adapters.simulator.protocols.direct_link import DirectLinkHandler

    book = DirectLinkHandler().cards(slow)
    (entry,) = [e for e in book.entries() if e["card_no"] == card_no(3)]
    assert (entry["state"], entry["operations"]) == ("CLOSED", 1)
    book.close()
