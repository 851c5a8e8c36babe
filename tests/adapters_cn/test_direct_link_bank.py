"""The direct-link bank simulator (adapters/simulator/protocols/direct_link.py), in process: how it reads our
requests and what it answers, against the adapter, with fixed keys and a fixed clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from adapters.contract import Action, FailureReason, LineOutcome, SubmitStatus, WireMessage, WireResponse
from adapters.direct_link import CardOutcome, CardRequest, DirectLinkAdapter, Funcode, LossKind, open_envelope
from adapters.failure_texts import table_for
from adapters.simulator import bank_texts
from adapters.simulator.accounts import Rates
from adapters.simulator.cards import start_account, start_state
from adapters.simulator.faults import Fault, FaultBox
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import Request, SimContext, get_protocol
from gateway.pii import mask_number

from .helpers import (
    BANK,
    GATEWAY,
    NOW,
    OTHER,
    WRONG_SM4_KEY,
    check_golden,
    direct_ctx,
    gcm,
    make_line,
    pretty,
)

CLOCK = dt.datetime.fromisoformat(NOW).timestamp()
SETTINGS = {"bank_code": "308", "user_id": "SILINK3701", "max_lines": 4}


@pytest.fixture
def sim(tmp_path: Path) -> SimContext:
    ledger = Ledger(tmp_path / "ledger.sqlite3", seed=5, rates=Rates(closed=0.2, frozen=0.1, class_ii=0.0))
    ctx = SimContext(
        ledger=ledger,
        faults=FaultBox(seed=5),
        bank_code="308",
        seed=5,
        data_dir=tmp_path,
        client_verifier=GATEWAY.verifier(),
        bank_signer=BANK,
        cipher=gcm(),
        options={"max_lines": 4},
        clock=lambda: CLOCK,
    )
    yield ctx
    ledger.close()


_nonces = iter(range(1, 10**6))


def _ctx(settings: dict | None = None, **kw):
    return direct_ctx({**SETTINGS, **(settings or {})}, nonce=f"n{next(_nonces):06d}", **kw)


def _post(sim: SimContext, message: WireMessage) -> WireResponse:
    handler = get_protocol("direct_link_json")
    request = Request("POST", message.path, dict(message.headers), message.body)
    answer = handler.handle(handler.endpoints[message.path], request, sim)
    return WireResponse(answer.status, answer.body, dict(answer.headers))


def _sub(n: int = 6, reference: str = "SLK000000000777"):
    from .helpers import make_submission

    return make_submission([make_line(i) for i in range(1, n + 1)], bank_code="308", reference=reference)


def _submit(sim: SimContext, sub, ctx=None) -> list:
    ctx = ctx or _ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    return [
        adapter.parse_submit_response(_post(sim, m), sub) for m in adapter.render_submission_parts(sub, ctx)
    ]


def _opened(response: WireResponse) -> dict:
    """An answer opened with the bank's key, without what changes per answer (nonce, time stamp)."""
    head, body = open_envelope(response.body, verifier=BANK.verifier(), cipher=gcm())
    return {"head": {k: v for k, v in head.items() if k not in ("nonce", "resptime")}, "body": body}


def test_a_batch_in_parts_is_booked_once_the_last_part_is_in(sim) -> None:
    """Six lines, four per part: two parts answered 0000; only the last books the batch, every line once."""
    sub = _sub(6)
    results = _submit(sim, sub)
    assert [r.status for r in results] == [SubmitStatus.ACCEPTED, SubmitStatus.ACCEPTED]
    view = sim.ledger.batch(sub.bank_reference)
    assert view is not None and [x.seq for x in view.lines] == [1, 2, 3, 4, 5, 6]
    assert view.declared_count == 6 and view.declared_sum_fen == sub.control_sum_fen
    again = _submit(sim, sub)  # the same parts again: answered alike, counted, nothing booked twice
    assert all(r.status is SubmitStatus.ACCEPTED for r in again)
    totals = sim.ledger.totals()
    assert totals["batches"] == 1 and totals["resends"] == 2
    assert totals["credited_count"] + totals["rejected_count"] == 6


def test_parts_out_of_order_and_a_reused_reference_are_refused(sim) -> None:
    """Part 2 before part 1 is 3008 (manual); another batch under a used reference is 3006 (inquire)."""
    sub = _sub(6)
    ctx = _ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    first, second = adapter.render_submission_parts(sub, ctx)
    early = adapter.parse_submit_response(_post(sim, second), sub)
    assert (early.error.code, early.error.action) == ("3008", Action.MANUAL)
    assert sim.ledger.batch(sub.bank_reference) is None
    assert adapter.parse_submit_response(_post(sim, first), sub).status is SubmitStatus.ACCEPTED
    other = dataclasses.replace(_sub(3), bank_reference=sub.bank_reference)
    reused = _submit(sim, other)[0]
    assert (reused.status, reused.error.code, reused.error.action) == (
        SubmitStatus.UNKNOWN,
        "3006",
        Action.INQUIRE,
    )


def test_totals_that_do_not_add_up_are_refused_with_their_code(sim) -> None:
    """A part whose figures differ from its lines is 3004; a batch whose total differs is booked refused."""
    sub = _sub(3)
    wrong = dataclasses.replace(sub, control_sum_fen=sub.control_sum_fen + 1)
    ctx = _ctx()
    message = DirectLinkAdapter.bind(ctx).render_submission_parts(sub, ctx)[0]
    head, body = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=gcm())
    body["summary"]["totalamt"] = "1.00"  # the batch total no longer matches the lines
    from adapters.direct_link import seal

    forged = dataclasses.replace(message, body=seal(head, body, signer=GATEWAY, cipher=gcm()))
    result = DirectLinkAdapter.bind(ctx).parse_submit_response(_post(sim, forged), wrong)
    assert (result.status, result.error.code, result.error.action) == (
        SubmitStatus.REJECTED,
        "3004",
        Action.TERMINAL,
    )
    view = sim.ledger.batch(sub.bank_reference)
    assert (
        view.group_code == FailureReason.CONTROL_SUM_ERROR.value
        and sim.ledger.totals()["credited_count"] == 0
    )


def test_a_wrong_sm4_key_and_a_forged_signature_are_refused_and_book_nothing(sim) -> None:
    """Our request under another SM4 key: 2003, which the wrong key cannot even read; signed by another
    key: 2002 (manual). The bank books nothing either way."""
    sub = _sub(2)
    wrong_key = _ctx(cipher=gcm(WRONG_SM4_KEY))
    unreadable = _submit(sim, sub, wrong_key)[0]
    assert (unreadable.status, unreadable.error.code) == (SubmitStatus.UNKNOWN, "SILINK_DECRYPTION_FAILED")
    ctx = _ctx()
    message = DirectLinkAdapter.bind(ctx).render_submission(sub, _ctx(cipher=gcm(WRONG_SM4_KEY)))
    assert _opened(_post(sim, message))["head"]["retcode"] == "2003"
    forged = _submit(sim, sub, _ctx(signer=OTHER))[0]
    assert (forged.status, forged.error.code, forged.error.action) == (
        SubmitStatus.REJECTED,
        "2002",
        Action.MANUAL,
    )
    assert sim.ledger.batch(sub.bank_reference) is None


def test_a_replayed_or_stale_request_is_refused(sim) -> None:
    """The same nonce twice is 2005; a request stamped ten minutes ago is 2004."""
    sub = _sub(2)
    ctx = _ctx()
    message = DirectLinkAdapter.bind(ctx).render_status_query(sub, ctx)
    assert _opened(_post(sim, message))["head"]["retcode"] == "3010"  # no such batch yet
    assert _opened(_post(sim, message))["head"]["retcode"] == "2005"
    old = _ctx(now_iso=(dt.datetime.fromisoformat(NOW) - dt.timedelta(minutes=10)).isoformat())
    stale = DirectLinkAdapter.bind(old).render_status_query(sub, old)
    assert _opened(_post(sim, stale))["head"]["retcode"] == "2004"


def test_query_answers_follow_the_ledger_with_the_banks_own_texts(sim) -> None:
    """Before settlement every line is A; after, S or E with the bank's (CMB's) wording, read back to the
    ledger's reasons; duplicated and reversed rows read the same; a bounce is RETURNED with its reason."""
    sim.ledger.settle_after_s = 3600
    sub = _sub(8)
    _submit(sim, sub)
    adapter = DirectLinkAdapter.bind(_ctx())

    def query():
        ctx = _ctx()
        return adapter.parse_status_response(_post(sim, adapter.render_status_query(sub, ctx)), sub, ctx)

    interim = query()
    assert interim.error is None and {r.outcome for r in interim.lines} == {LineOutcome.PENDING}
    sim.ledger.settle_now(sub.bank_reference, CLOCK)
    final = query()
    view = sim.ledger.batch(sub.bank_reference)
    assert final.error is None
    reasons = set()
    for line, result in zip(view.lines, final.lines, strict=True):
        assert result.outcome is (LineOutcome.PAID if line.credited else LineOutcome.FAILED)
        if not line.credited:
            assert result.reason is FailureReason(line.reason)
            assert result.raw_text == bank_texts.failure_text("308", line.reason)[1]
            reasons.add(result.reason)
    assert reasons, "the seed should refuse some lines"
    sim.faults.arm(Fault("duplicate-results"))
    sim.faults.arm(Fault("reorder-results"))
    odd = query()
    assert [(r.seq, r.outcome, r.reason) for r in odd.lines] == [
        (r.seq, r.outcome, r.reason) for r in final.lines
    ]
    sim.faults.clear()

    paid = next(x for x in view.lines if x.credited)
    sim.ledger.return_credit(paid.end_to_end_id, FailureReason.DECEASED, CLOCK)
    ctx = _ctx()
    bounced = adapter.parse_status_response(_post(sim, adapter.render_bounce_query(sub, ctx)), sub, ctx)
    assert [(r.end_to_end_ref, r.outcome, r.reason, r.reason_code_list) for r in bounced.lines] == [
        (paid.end_to_end_id, LineOutcome.RETURNED, FailureReason.DECEASED, "return")
    ]


@pytest.mark.parametrize("variant", ["truncated", "garbage", "empty", "unknown-retcode", "suspect"])
def test_malformed_answers_leave_the_outcome_unknown(sim, variant: str) -> None:
    """Each malformed variant of an answer is UNKNOWN with INQUIRE: never accepted, never a paid line."""
    handler = get_protocol("direct_link_json")
    sub = _sub(2)
    ctx = _ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    message = adapter.render_submission(sub, ctx)
    answer = handler.handle("submit", Request("POST", message.path, dict(message.headers), message.body), sim)
    bad = handler.corrupt(answer, variant, sim)
    result = adapter.parse_submit_response(WireResponse(bad.status, bad.body), sub)
    assert result.status is SubmitStatus.UNKNOWN and result.error.action is Action.INQUIRE, variant


@pytest.mark.parametrize(
    ("variant", "code"),
    [("bad-signature", "SILINK_SIGNATURE_INVALID"), ("wrong-key", "SILINK_DECRYPTION_FAILED")],
)
def test_forged_answers_are_detected(sim, variant: str, code: str) -> None:
    """An answer sealed with another SM2 key, or encrypted with another SM4 key, is refused (MANUAL)."""
    handler = get_protocol("direct_link_json")
    sub = _sub(2)
    ctx = _ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    message = adapter.render_submission(sub, ctx)
    answer = handler.handle("submit", Request("POST", message.path, dict(message.headers), message.body), sim)
    bad = handler.corrupt(answer, variant, sim)
    result = adapter.parse_submit_response(WireResponse(bad.status, bad.body), sub)
    assert (result.status, result.error.code, result.error.action) == (
        SubmitStatus.UNKNOWN,
        code,
        Action.MANUAL,
    )


def _card(funcode: Funcode, request_id: str, card: str = "B41537138", **kw) -> CardRequest:
    return CardRequest(
        funcode=funcode,
        request_id=request_id,
        id_number="11010519491231002X",
        name="王堃",
        card_number=card,
        outlet_code="370102001",
        operator_id="op-017",
        **kw,
    )


def _call(sim, request: CardRequest):
    ctx = _ctx()
    adapter = DirectLinkAdapter.bind(ctx)
    return adapter.parse_card_response(_post(sim, adapter.render_card_request(request, ctx)), request, ctx)


def test_card_calls_follow_the_documented_card_ledger(sim) -> None:
    """Status, temporary loss, lift, formal loss (then no lift), account change only when normal,
    activation of a not-activated card; the same request id repeats its answer and changes nothing."""
    assert start_state("B41537131") == "NOT_ACTIVATED" and start_state("B41537138") == "NORMAL"
    status = _call(sim, _card(Funcode.CARD_STATUS, "R1"))
    assert (status.outcome, status.bank_state) == (CardOutcome.DONE, "NORMAL")
    assert status.account_masked == mask_number(start_account("B41537138"))
    lost = _call(sim, _card(Funcode.CARD_LOSS, "R2", loss_kind=LossKind.TEMPORARY))
    assert (lost.outcome, lost.bank_state) == (CardOutcome.DONE, "LOST")
    refused = _call(
        sim, _card(Funcode.ACCOUNT_CHANGE, "R3", new_account="6222020200112233445", new_bank_code="102")
    )
    assert (refused.outcome, refused.error.code) == (CardOutcome.REFUSED, "3012")
    lifted = _call(sim, _card(Funcode.CARD_UNLOSS, "R4"))
    assert (lifted.outcome, lifted.bank_state) == (CardOutcome.DONE, "NORMAL")
    changed = _call(
        sim, _card(Funcode.ACCOUNT_CHANGE, "R5", new_account="6222020200112233445", new_bank_code="102")
    )
    assert changed.outcome is CardOutcome.DONE and changed.account_masked.endswith("3445")
    again = _call(
        sim, _card(Funcode.ACCOUNT_CHANGE, "R5", new_account="6222020200112233445", new_bank_code="102")
    )
    assert (again.outcome, again.bank_op_reference) == (CardOutcome.DONE, changed.bank_op_reference)
    _call(sim, _card(Funcode.CARD_LOSS, "R6", loss_kind=LossKind.FORMAL))
    assert _call(sim, _card(Funcode.CARD_UNLOSS, "R7")).error.code == "3012"  # a formal loss is never lifted
    other = dataclasses.replace(_card(Funcode.CARD_STATUS, "R8"), id_number="440524188001010014")
    assert _call(sim, other).error.code == "3011"  # the card belongs to another ID number
    fresh = _call(sim, _card(Funcode.CARD_ACTIVATE, "R9", card="B41537131"))
    assert (fresh.outcome, fresh.bank_state) == (CardOutcome.DONE, "NORMAL")
    assert _call(sim, _card(Funcode.CARD_ACTIVATE, "R10", card="B41537131")).error.code == "3012"


def test_account_close_is_immediate_or_pending_until_due(sim) -> None:
    """ACCOUNT_CLOSE (销户): closes at once by default; with close_after the bank answers pending, the same
    request id is pending until the time has passed and then done; a closed account refuses a second close
    and every other change."""
    closed = _call(sim, _card(Funcode.ACCOUNT_CLOSE, "C1", close_reason="DEATH"))
    assert (closed.outcome, closed.bank_state) == (CardOutcome.DONE, "CLOSED")
    assert _call(sim, _card(Funcode.ACCOUNT_CLOSE, "C2", close_reason="OTHER")).error.code == "3012"
    assert _call(sim, _card(Funcode.CARD_LOSS, "C3", loss_kind=LossKind.TEMPORARY)).error.code == "3012"

    clock = [CLOCK]
    slow = dataclasses.replace(sim, options={**sim.options, "card_close_after": 60}, clock=lambda: clock[0])
    first = _call(slow, _card(Funcode.ACCOUNT_CLOSE, "C4", card="B41537135", close_reason="EMIGRATION"))
    assert (first.outcome, first.bank_state) == (CardOutcome.PENDING, "NORMAL")
    clock[0] += 30
    assert _call(
        slow, _card(Funcode.ACCOUNT_CLOSE, "C4", card="B41537135", close_reason="EMIGRATION")
    ).outcome is (CardOutcome.PENDING)
    assert _call(slow, _card(Funcode.CARD_STATUS, "C5", card="B41537135")).bank_state == "NORMAL"
    clock[0] += 31
    done = _call(slow, _card(Funcode.ACCOUNT_CLOSE, "C4", card="B41537135", close_reason="EMIGRATION"))
    assert (done.outcome, done.bank_state, done.bank_op_reference) == (
        CardOutcome.DONE,
        "CLOSED",
        first.bank_op_reference,
    )
    assert _call(slow, _card(Funcode.CARD_STATUS, "C6", card="B41537135")).bank_state == "CLOSED"


@pytest.mark.parametrize("bank", ["default", *bank_texts.bank_codes(), "403"])
def test_every_bank_text_reads_back_as_its_reason(bank: str) -> None:
    """What a simulated bank writes for each refusal and return reason its own dictionary reads back."""
    table = table_for(bank)
    for reason in bank_texts.DEFAULT:
        assert table.classify(bank_texts.failure_text(bank, reason)[1]).value == reason, (bank, reason)
    for reason in bank_texts.RETURNS:
        assert table.classify(bank_texts.return_text(reason)[1]).value == reason, (bank, reason)


def test_the_banks_reading_and_answers_golden(sim) -> None:
    """Golden files of the bank's side: how it reads our PAYROLL_SUBMIT, and its opened answers (submit,
    final query, bounce, a card call) for a fixed ledger."""
    handler = get_protocol("direct_link_json")
    sub = _sub(3, reference="SLK000000000042")
    ctx = _ctx()
    message = DirectLinkAdapter.bind(ctx).render_submission(sub, ctx)
    batch = handler.read_batch(Request("POST", message.path, dict(message.headers), message.body), sim)
    check_golden("direct_link/bank_read_submit.json", pretty(batch))
    ctx = _ctx()  # the same request once more, under a fresh nonce (the bank has seen the first)
    answers = {"submit": _opened(_post(sim, DirectLinkAdapter.bind(ctx).render_submission(sub, ctx)))}
    view = sim.ledger.batch(sub.bank_reference)
    answers["query_final"] = _opened(handler.render_result(view, "final", sim))
    paid = next(x for x in view.lines if x.credited)
    sim.ledger.return_credit(paid.end_to_end_id, FailureReason.ACCOUNT_CLOSED, CLOCK)
    answers["bounce"] = _opened(handler.render_result(sim.ledger.batch(sub.bank_reference), "returns", sim))
    ctx = _ctx()
    card = DirectLinkAdapter.bind(ctx).render_card_request(_card(Funcode.CARD_STATUS, "CARD-0001"), ctx)
    answers["card_status"] = _opened(_post(sim, card))
    for answer in answers.values():
        if answer["head"]["reqid"].startswith("Q"):
            del answer["head"]["reqid"]  # a query's id is fresh every time
        answer["body"].pop("opref", None)  # the bank's operation reference carries its clock
    check_golden("direct_link/bank_answers.json", pretty(json.loads(json.dumps(answers))))
