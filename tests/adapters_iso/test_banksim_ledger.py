"""The simulated bank's books: deterministic account states, at-most-once credits, returns, faults."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter

import pytest

from adapters.contract import FailureReason
from adapters.simulator.accounts import AccountState, Rates, account_state
from adapters.simulator.faults import Fault, FaultBox, FaultKind
from adapters.simulator.ledger import IncomingBatch, IncomingLine, Ledger

RATES = Rates(closed=0.1, frozen=0.1, name_mismatch=0.1, deceased=0.1, class_ii=0.1)


def _accounts(n: int, start: int = 0) -> list[str]:
    return [f"62220202{i:011d}" for i in range(start, start + n)]


def _batch(
    reference: str, accounts: list[str], prefix: str = "E", amount: int = 300_000, **kw
) -> IncomingBatch:
    lines = [IncomingLine(i, f"{prefix}{i:06d}", acct, amount) for i, acct in enumerate(accounts, start=1)]
    return IncomingBatch(reference, lines, len(lines), sum(x.amount_fen for x in lines), "3700001", **kw)


@pytest.fixture
def ledger(tmp_path):
    book = Ledger(tmp_path / "ledger.sqlite3", seed=7, rates=RATES, class_ii_limit_fen=500_000)
    yield book
    book.close()


def test_account_states_are_a_pure_function_of_account_and_seed():
    """The same account and seed give the same state, another seed a different spread, at the given rates."""
    accounts = _accounts(20_000)
    states = [account_state(a, 7, RATES) for a in accounts]
    assert states == [account_state(a, 7, RATES) for a in accounts]
    assert states != [account_state(a, 8, RATES) for a in accounts]
    counts = Counter(states)
    for state in (AccountState.CLOSED, AccountState.FROZEN, AccountState.DECEASED, AccountState.CLASS_II):
        assert 1700 < counts[state] < 2300, state  # 10 % each, within a few standard deviations
    assert account_state("12AB", 7, RATES) is AccountState.INVALID
    assert account_state("6222", 7, RATES) is AccountState.INVALID


def test_rates_are_checked_and_parsed():
    """Rates outside [0, 1] or adding up to more than 1 are refused; the CLI form parses."""
    with pytest.raises(ValueError):
        Rates(closed=0.7, frozen=0.5)
    assert Rates.parse("closed=0.05, name-mismatch=0.01") == Rates(closed=0.05, name_mismatch=0.01)
    with pytest.raises(ValueError):
        Rates.parse("lost=0.1")


def test_each_line_ends_as_its_account_state_says(ledger):
    """Normal accounts are credited; closed, frozen, name mismatch, deceased, class II over limit are not."""
    accounts = _accounts(400)
    view, new = ledger.receive(_batch("B1", accounts, amount=600_000))
    assert new
    expected = {
        AccountState.NORMAL: None,
        AccountState.CLOSED: "ACCOUNT_CLOSED",
        AccountState.FROZEN: "ACCOUNT_FROZEN",
        AccountState.NAME_MISMATCH: "NAME_MISMATCH",
        AccountState.DECEASED: "DECEASED",
        AccountState.CLASS_II: "CLASS_II_LIMIT",  # 6000 yuan is above the 5000 yuan limit
    }
    for line, account in zip(view.lines, accounts, strict=True):
        assert line.reason == expected[account_state(account, 7, RATES)]
        assert line.credited is (line.reason is None)


def test_class_ii_limit_is_per_day_and_cumulative(ledger):
    """A class-II account takes credits until the day's total would pass the limit."""
    account = next(a for a in _accounts(2000) if account_state(a, 7, RATES) is AccountState.CLASS_II)
    first, _ = ledger.receive(_batch("C1", [account], prefix="C", amount=300_000))
    second, _ = ledger.receive(_batch("C2", [account], prefix="D", amount=300_000))
    assert first.lines[0].credited and second.lines[0].reason == "CLASS_II_LIMIT"


def test_same_reference_is_booked_once(ledger):
    """A batch received again under its reference is not processed again: same view, one more resend."""
    accounts = _accounts(50)
    first, new = ledger.receive(_batch("B1", accounts))
    again, new_again = ledger.receive(_batch("B1", accounts))
    assert new and not new_again
    assert again.lines == first.lines and again.resends == 1
    assert ledger.totals()["credited_count"] == sum(x.credited for x in first.lines)


def test_end_to_end_id_is_credited_once_across_batches(ledger):
    """Lines whose end-to-end ids were credited before are refused as DUPLICATE under a new reference."""
    accounts = _accounts(30)
    first, _ = ledger.receive(_batch("B1", accounts))
    second, _ = ledger.receive(_batch("B2", accounts))
    for a, b in zip(first.lines, second.lines, strict=True):
        if a.credited:
            assert (b.credited, b.reason) == (False, "DUPLICATE")
        else:
            assert b.reason == a.reason  # never credited: decided again, the same way
    inside = IncomingBatch(
        "B3", [IncomingLine(1, "X1", accounts[0], 100), IncomingLine(2, "X1", accounts[1], 100)]
    )
    view, _ = ledger.receive(inside)
    assert view.lines[1].reason == "DUPLICATE"


def test_control_totals_that_do_not_add_up_refuse_the_batch(ledger):
    """Declared count or sum that differ from the lines refuse the whole batch; nothing is credited."""
    batch = _batch("B1", _accounts(5))
    wrong = IncomingBatch(batch.reference, batch.lines, 5, batch.declared_sum_fen + 1, "3700001")
    view, _ = ledger.receive(wrong)
    assert view.group_code == "CONTROL_SUM_ERROR"
    assert ledger.totals()["credited_count"] == 0


def test_concurrent_receipts_credit_each_reference_and_line_once(ledger):
    """Sixteen threads sending the same batch and its lines under other references credit every line once."""
    accounts = _accounts(60)
    errors: list[BaseException] = []

    def send(reference: str) -> None:
        try:
            ledger.receive(_batch(reference, accounts))
        except BaseException as exc:  # the assertion below reports any
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(f"R{i % 4}",)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    entries = [e for e in ledger.entries() if e["state"] == "credited"]
    assert len(entries) == len({e["end_to_end_id"] for e in entries})
    totals = ledger.totals()
    assert (totals["batches"], totals["resends"]) == (4, 12)


def test_the_database_itself_refuses_a_second_credit(ledger):
    """The unique constraint, not only the code, stops a second credit of an end-to-end id (invariant 5)."""
    view, _ = ledger.receive(_batch("B1", _accounts(20)))
    credited = next(x for x in view.lines if x.credited)
    db = sqlite3.connect(ledger.path)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO credits VALUES (?, 'B9', 1, '6222020000000000001', 100, 0)",
            (credited.end_to_end_id,),
        )
    db.close()


def test_returns_happen_once_and_change_the_account(ledger):
    """A credit comes back at most once; a return for closure closes the account for later credits."""
    accounts = _accounts(40)
    view, _ = ledger.receive(_batch("B1", accounts))
    line = next(x for x in view.lines if x.credited)
    account = accounts[line.seq - 1]
    assert ledger.return_credit(line.end_to_end_id, FailureReason.ACCOUNT_CLOSED)
    assert not ledger.return_credit(line.end_to_end_id, FailureReason.ACCOUNT_CLOSED)
    assert not ledger.return_credit("NEVER-CREDITED", FailureReason.ACCOUNT_CLOSED)
    later, _ = ledger.receive(IncomingBatch("B2", [IncomingLine(1, "Z1", account, 100)]))
    assert later.lines[0].reason == "ACCOUNT_CLOSED"
    totals = ledger.totals()
    assert totals["returned_count"] == 1 and totals["net_credited_fen"] == totals["credited_fen"] - 300_000


def test_late_returns_pick_the_same_lines_whenever_asked(ledger):
    """Late returns at a rate choose lines by a keyed hash: asking twice returns nothing more."""
    view, _ = ledger.receive(_batch("B1", _accounts(200)))
    first = ledger.late_returns("B1", 0.2)
    assert 0 < first < sum(x.credited for x in view.lines)
    assert ledger.late_returns("B1", 0.2) == 0


def test_settlement_delay_holds_lines_until_settled(tmp_path):
    """With a settlement delay a batch is unsettled until the delay passes or it is settled by command."""
    book = Ledger(tmp_path / "l.sqlite3", seed=7, settle_after_s=3600)
    view, _ = book.receive(_batch("B1", _accounts(3)), now=1000.0)
    assert not view.settled(1000.0) and view.settled(4600.0)
    assert book.late_returns("B1", 1.0, now=1001.0) == 0  # nothing settled, nothing to return
    assert book.settle_now("B1", now=1001.0) == 1
    assert book.batch("B1").settled(1001.0)
    book.close()


def test_books_survive_a_restart(tmp_path):
    """Closing and reopening the ledger keeps batches, credits and account states."""
    book = Ledger(tmp_path / "l.sqlite3", seed=7, rates=RATES)
    book.receive(_batch("B1", _accounts(25)))
    before = (book.totals(), list(book.entries()))
    book.close()
    again = Ledger(tmp_path / "l.sqlite3", seed=99, rates=Rates())  # other settings: stored states win
    assert (again.totals(), list(again.entries())) == before
    _, new = again.receive(_batch("B1", _accounts(25)))
    assert not new
    again.close()


def test_ledger_report_masks_accounts(ledger):
    """The ledger's entries show accounts masked (first 6, last 4), never in clear."""
    accounts = _accounts(5)
    ledger.receive(_batch("B1", accounts))
    shown = [e["account"] for e in ledger.entries()]
    assert all("*" in s and s[:6] == a[:6] and s[-4:] == a[-4:] for s, a in zip(shown, accounts, strict=True))


def test_faults_fire_at_their_rate_deterministically_and_disarm_after_count():
    """A fault hits the share of requests its rate says, the same ones every run, and stops after count."""
    box = FaultBox(seed=3)
    box.arm(Fault(FaultKind.HTTP_5XX, rate=0.25))
    hits = [box.fires(FaultKind.HTTP_5XX, "submit") is not None for _ in range(400)]
    again = FaultBox(seed=3)
    again.arm(Fault(FaultKind.HTTP_5XX, rate=0.25))
    assert hits == [again.fires(FaultKind.HTTP_5XX, "submit") is not None for _ in range(400)]
    assert 60 < sum(hits) < 140
    box.arm(Fault(FaultKind.DROP_RESPONSE, count=2, endpoints=("status",)))
    assert box.fires(FaultKind.DROP_RESPONSE, "submit") is None
    assert [box.fires(FaultKind.DROP_RESPONSE, "status") is not None for _ in range(3)] == [True, True, False]
    with pytest.raises(ValueError):
        Fault(FaultKind.LATENCY, ms=10**7)
    with pytest.raises(ValueError):
        Fault(FaultKind.HTTP_5XX, status=404)
