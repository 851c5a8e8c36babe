"""The conformance suites, run over every registered adapter (see kit.py for what each suite means)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from adapters import registry
from adapters.contract import Action, FailureReason, LineOutcome, SubmitStatus, WireResponse
from adapters.simulator.accounts import REFUSAL, AccountState, Rates, account_state
from adapters.simulator.client import (
    CONNECT_REFUSED,
    CONNECTION_LOST,
    TIMEOUT,
    TRANSPORT_CODES,
    TransportError,
)
from adapters.simulator.faults import FaultBox
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import Request, SimContext, get_protocol
from tests.conformance import kit
from tests.conformance.conftest import ADAPTER_NAMES, require, simulator_args, skip_without_simulator
from tests.conftest import LOG_DIR

FINAL = {LineOutcome.PAID, LineOutcome.FAILED, LineOutcome.RETURNED}
# Strings no bank uses as a status: whatever an adapter's table is, these must not be success.
UNLIKELY_STATUSES = ("", " ", "ZZZZ", "NOT-A-STATUS", "\x00", "未知状态", "SUCCESS?", "paid!", "9" * 40)


def _ledger_lines(sim: kit.SimulatorProcess, reference: str) -> list[dict]:
    return [e for e in sim.control().ledger()["entries"] if e["reference"] == reference]


def _credits_of(sim: kit.SimulatorProcess, refs: set[str]) -> list[dict]:
    return [
        e
        for e in sim.control().ledger()["entries"]
        if e["end_to_end_id"] in refs and e["state"] != "rejected"
    ]


def _expected(line, rates: Rates, limit_fen: int = 500_000) -> tuple[LineOutcome, FailureReason | None]:
    """What the simulated bank must do with a line, from the account alone (no file shared with it)."""
    state = account_state(line.account, kit.KIT_SEED, rates)
    if state in REFUSAL:
        return LineOutcome.FAILED, REFUSAL[state]
    if state is AccountState.CLASS_II and line.amount_fen > limit_fen:
        return LineOutcome.FAILED, FailureReason.CLASS_II_LIMIT
    return LineOutcome.PAID, None


# -- suites without a simulator -------------------------------------------------------------------


@pytest.mark.parametrize("name", ADAPTER_NAMES)
def test_declared_suites_are_known(name):
    """An adapter declares only suite names the kit knows, so a typo cannot skip a suite silently."""
    declared = kit.declared_suites(registry.get(name))
    assert declared <= set(kit.SUITES), f"unknown suite(s) {sorted(declared - set(kit.SUITES))}"


def test_render_parse_round_trip(adapter, signer, tmp_path):
    """The bank's reading of our message gives our lines back; its answers parse to the ledger's states."""
    require(adapter, "render_parse")
    protocol = adapter.capabilities.protocol
    skip_without_simulator(adapter)
    handler = get_protocol(protocol)
    if not (hasattr(handler, "read_batch") and hasattr(handler, "render_result")):
        pytest.skip(f"the {protocol!r} simulator handler has no read_batch/render_result hooks")
    ctx = kit.context(signer)
    a = kit.adapter_for(adapter, ctx)
    sub = kit.submission(kit.payroll_lines(tmp_path, 80, 7, kit.unique("R")))
    message = a.render_submission(sub, ctx)
    rates = Rates.parse(kit.KIT_RATES)
    ledger = Ledger(tmp_path / "ledger.sqlite3", seed=kit.KIT_SEED, rates=rates)
    sim = SimContext(
        ledger=ledger,
        faults=FaultBox(),
        bank_code=kit.KIT_BANK,
        seed=kit.KIT_SEED,
        data_dir=tmp_path,
        xsd_dir=kit.XSD_DIR if kit.XSD_DIR.is_dir() else None,
        client_verifier=signer.gateway.verifier() if signer.gateway is not None else None,
        bank_signer=signer.bank,
        cipher=signer.cipher,
    )
    batch = handler.read_batch(Request("POST", message.path, message.headers, message.body), sim)
    assert batch.reference == sub.bank_reference
    assert batch.refusal is None
    assert [(x.end_to_end_id, x.account, x.amount_fen) for x in batch.lines] == [
        (x.end_to_end_ref, x.account, x.amount_fen) for x in sub.lines
    ]
    view, _ = ledger.receive(batch)

    ack = handler.render_result(view, "ack", sim)
    acked = a.parse_submit_response(WireResponse(ack.status, ack.body, ack.headers), sub)
    assert acked.status is SubmitStatus.ACCEPTED
    assert not [r for r in acked.lines if r.outcome in FINAL]

    final = handler.render_result(view, "final", sim)
    result = a.parse_status_response(WireResponse(final.status, final.body, final.headers), sub)
    by_seq = {r.seq: r for r in result.lines}
    reasons = set()
    for line in view.lines:
        got = by_seq[line.seq]
        if line.credited:
            assert got.outcome is LineOutcome.PAID
        else:
            assert (got.outcome, got.reason) == (LineOutcome.FAILED, FailureReason(line.reason))
            reasons.add(got.reason)
    assert len(reasons) >= 3, "the kit's payroll should meet several account states"

    if adapter.capabilities.returns:
        back = next(x for x in view.lines if x.credited)
        ledger.return_credit(back.end_to_end_id, FailureReason.DECEASED)
        notice = handler.render_result(ledger.batch(sub.bank_reference), "returns", sim)
        returned = a.parse_status_response(WireResponse(notice.status, notice.body, notice.headers), sub)
        assert [(r.end_to_end_ref, r.outcome, r.reason) for r in returned.lines] == [
            (back.end_to_end_id, LineOutcome.RETURNED, FailureReason.DECEASED)
        ]
    ledger.close()


def test_unknown_status_is_never_success(adapter):
    """A status outside the adapter's table maps to UNKNOWN; every table entry maps to its outcome."""
    require(adapter, "status_map")
    table = getattr(adapter, "STATUS_CODES", {}) or {}
    for raw in UNLIKELY_STATUSES:
        if raw not in table:
            assert adapter.map_status(raw) is LineOutcome.UNKNOWN, repr(raw)
    for raw, outcome in table.items():
        assert adapter.map_status(raw) is outcome
        if outcome is LineOutcome.PAID:
            for variant in (raw.lower(), f"{raw}X", f"X{raw}", f"{raw} ?"):
                if variant not in table:
                    assert adapter.map_status(variant) is not LineOutcome.PAID, variant


def test_every_error_code_maps_to_an_action(adapter):
    """Every code of the error table maps to an action; unknown codes never RETRY; a timeout never RETRY."""
    require(adapter, "error_map")
    table = getattr(adapter, "ERROR_CODES", {}) or {}
    for code, action in table.items():
        mapped = adapter.map_error(code, "")
        assert isinstance(mapped.action, Action)
        assert mapped.action == action, code
    for code in ("ZZ99", "NO_SUCH_CODE", "", "HTTP_599", "未知错误"):
        if code not in table:
            assert adapter.map_error(code, "").action in (Action.INQUIRE, Action.MANUAL), code
    for code in TRANSPORT_CODES:
        action = adapter.map_error(code, "").action
        if code in (TIMEOUT, CONNECTION_LOST):
            assert action is Action.INQUIRE, code  # the request left: never resend blindly
        else:
            assert action is not Action.TERMINAL, code  # nothing reached the bank: nothing failed for good


# -- suites against the simulator -----------------------------------------------------------------


def test_submit_final_states_agree_with_ledger(adapter, simulator, signer, tmp_path):
    """Submit → accepted → final line states equal the simulator's ledger and what the accounts imply."""
    require(adapter, "submit")
    a = kit.adapter_for(adapter, kit.context(signer))
    sub = kit.submission(kit.payroll_lines(tmp_path, 120, 11, kit.unique("S")))
    acked = a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
    assert acked.status is SubmitStatus.ACCEPTED, acked.error
    assert not [r for r in acked.lines if r.outcome in FINAL]

    result = kit.wait_final(simulator, a, sub, lambda: kit.context(signer))
    assert result.status is SubmitStatus.ACCEPTED
    assert len(result.lines) == len(sub.lines) and all(r.outcome in FINAL for r in result.lines)
    by_seq = {r.seq: r for r in result.lines}
    ledger = {e["seq"]: e for e in _ledger_lines(simulator, sub.bank_reference)}
    rates = Rates.parse(kit.KIT_RATES)
    for line in sub.lines:
        got, booked = by_seq[line.seq], ledger[line.seq]
        assert booked["amount_fen"] == line.amount_fen
        assert line.account not in booked["account"]  # the ledger report masks accounts
        if booked["state"] == "credited":
            assert got.outcome is LineOutcome.PAID
        else:
            assert (got.outcome, got.reason) == (LineOutcome.FAILED, FailureReason(booked["reason"]))
        assert (got.outcome, got.reason) == _expected(line, rates)
    paid = sum(line.amount_fen for line in sub.lines if by_seq[line.seq].outcome is LineOutcome.PAID)
    assert paid == sum(e["amount_fen"] for e in ledger.values() if e["state"] == "credited")


def test_resend_never_credits_twice(adapter, simulator, signer, tmp_path):
    """A resent bank reference (serially, concurrently, or its lines under a new reference) credits once."""
    require(adapter, "dedup")
    a = kit.adapter_for(adapter, kit.context(signer))
    sub = kit.submission(kit.payroll_lines(tmp_path, 40, 13, kit.unique("D")))
    refs = {line.end_to_end_ref for line in sub.lines}
    first = a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
    assert first.status is SubmitStatus.ACCEPTED
    credited = {e["end_to_end_id"] for e in _credits_of(simulator, refs)}
    assert credited

    for _ in range(3):
        again = a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
        assert again.status is SubmitStatus.ACCEPTED
    results: list = []
    messages = [a.render_submission(sub, kit.context(signer)) for _ in range(6)]
    threads = [threading.Thread(target=lambda m=m: results.append(simulator.send(m))) for m in messages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6
    assert all(a.parse_submit_response(r, sub).status is SubmitStatus.ACCEPTED for r in results)

    reissued = kit.submission(list(sub.lines), kit.unique("D2"))
    a.parse_submit_response(simulator.send(a.render_submission(reissued, kit.context(signer))), reissued)
    second = kit.wait_final(simulator, a, reissued, lambda: kit.context(signer))
    for r in second.lines:
        if r.end_to_end_ref in credited:
            assert (r.outcome, r.reason) == (LineOutcome.FAILED, FailureReason.DUPLICATE)

    entries = _credits_of(simulator, refs)
    assert sorted(e["end_to_end_id"] for e in entries) == sorted(credited)  # each credited exactly once


def test_restart_keeps_the_ledger_and_refusal_means_retry(adapter, signer, tmp_path):
    """A stopped bank refuses connections (RETRY); restarted on the same folder it remembers every credit."""
    require(adapter, "dedup")
    skip_without_simulator(adapter)
    sim = kit.SimulatorProcess(
        tmp_path / "data", adapter.capabilities.protocol, LOG_DIR, *simulator_args(adapter, signer, tmp_path)
    )
    try:
        a = kit.adapter_for(adapter, kit.context(signer))
        sub = kit.submission(kit.payroll_lines(tmp_path, 25, 17, kit.unique("T")))
        assert a.parse_submit_response(
            sim.send(a.render_submission(sub, kit.context(signer))), sub
        ).status is (SubmitStatus.ACCEPTED)
        before = sim.control().ledger()["totals"]
        transport = sim.transport(timeout=5)
        sim.stop()
        if adapter.capabilities.transport == "folder":
            # Nobody takes the file from the folder while the bank is down: no receipt, outcome unknown
            # (ask again later), never a refusal; the bank finds it when it is back.
            with pytest.raises(TransportError) as silent:
                sim.transport(timeout=1.5).send(a.render_submission(sub, kit.context(signer)))
            assert silent.value.code == TIMEOUT and a.map_error(TIMEOUT).action is Action.INQUIRE
        else:
            with pytest.raises(TransportError) as refused:
                transport.send(a.render_submission(sub, kit.context(signer)))
            assert refused.value.code == CONNECT_REFUSED
            assert a.map_error(refused.value.code).action is Action.RETRY

        sim.start()
        resends = before["resends"]
        if adapter.capabilities.transport == "folder":
            deadline = time.monotonic() + 20
            while sim.control().ledger()["totals"]["resends"] == resends and time.monotonic() < deadline:
                time.sleep(0.1)
            resends += 1  # the file dropped while the bank was down, taken now: a resend, not a credit
            assert sim.control().ledger()["totals"]["resends"] == resends
        again = a.parse_submit_response(sim.send(a.render_submission(sub, kit.context(signer))), sub)
        assert again.status is SubmitStatus.ACCEPTED
        after = sim.control().ledger()["totals"]
        if adapter.capabilities.transport == "folder":
            # The folder is asynchronous: the receipt read back may be the one the bank wrote for the
            # earlier drop, before it has taken this one. Wait (bounded) until it has.
            deadline = time.monotonic() + 20
            while after["resends"] == resends and time.monotonic() < deadline:
                time.sleep(0.1)
                after = sim.control().ledger()["totals"]
        assert (after["credited_count"], after["credited_fen"]) == (
            before["credited_count"],
            before["credited_fen"],
        )
        assert after["resends"] == resends + 1
    finally:
        sim.stop()


def test_malformed_answers_are_unknown_never_success(adapter, simulator, signer, tmp_path):
    """Each malformed-answer variant gives UNKNOWN with INQUIRE, never acceptance or a paid line."""
    require(adapter, "malformed")
    a = kit.adapter_for(adapter, kit.context(signer))
    control = simulator.control()
    variants = get_protocol(adapter.capabilities.protocol).malformed_variants
    lines = kit.payroll_lines(tmp_path, 6, 19, "x")
    try:
        for variant in variants:
            prefix = kit.unique("M")
            sub = kit.submission([replace(line, end_to_end_ref=f"{prefix}{line.seq}") for line in lines])
            control.fault("malformed", variant=variant, count=1, endpoints=["submit"])
            acked = a.parse_submit_response(
                simulator.send(a.render_submission(sub, kit.context(signer))), sub
            )
            assert acked.status is SubmitStatus.UNKNOWN, variant
            assert acked.error is not None and acked.error.action is Action.INQUIRE, variant
            assert not [r for r in acked.lines if r.outcome in FINAL], variant

            control.fault("malformed", variant=variant, count=1, endpoints=["status"])
            status = a.parse_status_response(
                simulator.send(a.render_status_query(sub, kit.context(signer))), sub
            )
            assert status.status is SubmitStatus.UNKNOWN, variant
            assert status.error is not None and status.error.action is Action.INQUIRE, variant
            assert not [r for r in status.lines if r.outcome in FINAL], variant

            clean = kit.wait_final(simulator, a, sub, lambda: kit.context(signer))
            assert all(r.outcome in FINAL for r in clean.lines), variant  # the bank did execute it
    finally:
        control.clear_faults()


def test_faults_map_to_actions_and_end_in_one_credit(adapter, simulator, signer, tmp_path):
    """5xx → RETRY, refusal → RETRY/INQUIRE, dropped answer or timeout → INQUIRE; each ends in one credit."""
    require(adapter, "faults")
    a = kit.adapter_for(adapter, kit.context(signer))
    control = simulator.control()
    base = kit.payroll_lines(tmp_path, 8, 23, "x")

    def fresh():
        prefix = kit.unique("F")
        return kit.submission([replace(line, end_to_end_ref=f"{prefix}{line.seq}") for line in base])

    try:
        # 5xx: refused before it was taken → RETRY; nothing booked; the retry is accepted.
        sub = fresh()
        control.fault("http-5xx", count=1, endpoints=["submit"])
        refused = a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
        assert refused.error is not None and refused.error.action is Action.RETRY
        assert _ledger_lines(simulator, sub.bank_reference) == []
        retried = a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
        assert retried.status is SubmitStatus.ACCEPTED

        # Refused connection: nothing was taken.
        sub = fresh()
        control.fault("refuse", count=1)
        with pytest.raises(TransportError) as lost:
            simulator.send(a.render_submission(sub, kit.context(signer)))
        assert a.map_error(lost.value.code).action in (Action.RETRY, Action.INQUIRE)
        assert _ledger_lines(simulator, sub.bank_reference) == []

        # Executed, then the answer dropped → INQUIRE; the status query finds it done.
        sub = fresh()
        control.fault("drop-response", count=1, endpoints=["submit"])
        with pytest.raises(TransportError) as dropped:
            simulator.send(a.render_submission(sub, kit.context(signer)))
        assert a.map_error(dropped.value.code).action is Action.INQUIRE
        done = kit.wait_final(simulator, a, sub, lambda: kit.context(signer))
        assert all(r.outcome in FINAL for r in done.lines)

        # Slow bank, impatient client → TIMEOUT → INQUIRE; the work was done all the same.
        sub = fresh()
        control.fault("latency", ms=1500, count=1, endpoints=["submit"])
        with pytest.raises(TransportError) as slow:
            simulator.send(a.render_submission(sub, kit.context(signer)), timeout=0.4)
        assert slow.value.code == TIMEOUT and a.map_error(slow.value.code).action is Action.INQUIRE
        deadline = time.monotonic() + 10
        while not _ledger_lines(simulator, sub.bank_reference) and time.monotonic() < deadline:
            time.sleep(0.1)
        clean = kit.wait_final(simulator, a, sub, lambda: kit.context(signer))
        expected = [(r.seq, r.outcome, r.reason) for r in clean.lines]

        # Duplicated and reordered results read the same; a stale interim report claims nothing final.
        for kind in ("duplicate-results", "reorder-results"):
            control.fault(kind, count=1, endpoints=["status"])
            odd = a.parse_status_response(
                simulator.send(a.render_status_query(sub, kit.context(signer))), sub
            )
            assert [(r.seq, r.outcome, r.reason) for r in odd.lines] == expected, kind
        control.fault("reorder-results", variant="stale", count=1, endpoints=["status"])
        stale = a.parse_status_response(simulator.send(a.render_status_query(sub, kit.context(signer))), sub)
        assert not [r for r in stale.lines if r.outcome in FINAL]

        entries = _credits_of(simulator, {line.end_to_end_ref for line in sub.lines})
        assert len(entries) == len({e["end_to_end_id"] for e in entries})
    finally:
        control.clear_faults()


def test_returns_after_settlement(adapter, simulator, signer, tmp_path):
    """A return after settlement is RETURNED with the return-list reason and our original end-to-end id."""
    require(adapter, "returns")
    if not adapter.capabilities.returns:
        pytest.fail("the adapter declares the returns suite but capabilities.returns is False")
    a = kit.adapter_for(adapter, kit.context(signer))
    sub = kit.submission(kit.payroll_lines(tmp_path, 30, 29, kit.unique("B")))
    a.parse_submit_response(simulator.send(a.render_submission(sub, kit.context(signer))), sub)
    final = kit.wait_final(simulator, a, sub, lambda: kit.context(signer))
    paid = [r.end_to_end_ref for r in final.lines if r.outcome is LineOutcome.PAID]
    assert len(paid) >= 2
    query = getattr(a, "render_notification_query", a.render_status_query)

    control = simulator.control()
    assert control.return_credit(paid[0], "DECEASED")["returned"] == 1
    assert control.return_credit(paid[0], "DECEASED")["returned"] == 0  # a credit comes back once
    result = a.parse_status_response(simulator.send(query(sub, kit.context(signer))), sub)
    returned = {r.end_to_end_ref: r for r in result.lines if r.outcome is LineOutcome.RETURNED}
    assert set(returned) == {paid[0]}
    assert returned[paid[0]].reason is FailureReason.DECEASED
    assert returned[paid[0]].reason_code_list == "return"

    try:
        control.fault("late-returns", rate=1.0)
        result = a.parse_status_response(simulator.send(query(sub, kit.context(signer))), sub)
    finally:
        control.clear_faults()
    assert {r.end_to_end_ref for r in result.lines if r.outcome is LineOutcome.RETURNED} == set(paid)
    states = {e["end_to_end_id"]: e["state"] for e in _ledger_lines(simulator, sub.bank_reference)}
    assert all(states[ref] == "returned" for ref in paid)
