"""Three-way daily control per fund account and day: ledger, bank results and statement, on both backends."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, update

from gateway.storage.tables import batch_lines
from gateway.storage.tables_recon import recon_daily_controls, recon_exceptions
from reconciliation import exceptions as X
from reconciliation.camt053_writer import Booking, render_statement
from reconciliation.daily_control import list_daily_controls, run_daily_control
from reconciliation.importer import import_file
from reconciliation.matcher import run

from .own_files import fixed_width_result
from .recon_db import FUND_A, FUND_B, seed_batch

SENT_DAY = "2025-01-05"  # recon_db.SENT, in its own +08:00 offset
BOOKED = date(2025, 1, 6)
TODAY = date(2025, 1, 31)
AMOUNTS = [10_000, 20_000, 30_000, 40_000]


def _set_states(db, line_ids, states) -> None:
    with db.write() as conn:
        for line_id, state in zip(line_ids, states, strict=True):
            conn.execute(update(batch_lines).where(batch_lines.c.id == line_id).values(state=state))


def _clean_month(db, folder: Path):
    """Four lines from A: two paid, one rejected, one paid and returned; all evidence agrees."""
    s = seed_batch(db, "SLK000000000101", AMOUNTS)
    _set_states(db, s.line_ids, ["PAID", "PAID", "FAILED", "RETURNED"])
    e, a = s.e2e, s.amounts
    rows = [(1, e[0], a[0], "S", "", ""), (2, e[1], a[1], "S", "", "")]
    rows += [(3, e[2], a[2], "E", "ACC04", "账户已销户"), (4, e[3], a[3], "S", "", "")]
    files = [fixed_width_result(folder / "RET_308_20250105_SLK000000000101_001.txt", s.bank_reference, rows)]
    bookings = [Booking(a[n], False, BOOKED, end_to_end_id=e[n]) for n in (0, 1, 3)]
    bookings.append(Booking(a[3], True, date(2025, 1, 9), end_to_end_id=e[3], return_reason="AC04"))
    files.append(folder / "camt053_A_101.xml")
    files[-1].write_bytes(
        render_statement(
            account=FUND_A, statement_id="A-101", sequence=1, opening_fen=10**9, bookings=bookings, day=BOOKED
        )
    )
    for path in files:
        import_file(db, path, principal="import:clerk")
    run(db, today=TODAY)
    return s


def _count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_agreeing_day_totals_and_idempotence(db, tmp_path: Path) -> None:
    _clean_month(db, tmp_path)
    with db.write() as conn:
        rows = run_daily_control(conn)
    assert [(r.account, r.day) for r in rows] == [(FUND_A, SENT_DAY)]
    row = rows[0]
    assert row.agrees and row.breaks == []
    assert (row.ledger_sent_count, row.ledger_sent_minor) == (4, 100_000)
    assert row.ledger_states == {"PAID": [2, 30_000], "FAILED": [1, 30_000], "RETURNED": [1, 40_000]}
    assert (row.bank_paid_count, row.bank_paid_minor) == (3, 70_000)
    assert (row.bank_rejected_count, row.bank_rejected_minor, row.bank_missing_count) == (1, 30_000, 0)
    # Booked the next day, the debits still close the day they were sent; the return too.
    assert (row.statement_debit_count, row.statement_debit_minor) == (3, 70_000)
    assert row.statement_unexplained_debit_minor == 0
    assert (row.statement_credit_count, row.statement_credit_minor, row.returned_minor) == (1, 40_000, 40_000)
    assert row.returned_elsewhere_minor == 0
    assert row.as_json()["account"] != FUND_A and row.as_json()["account"].endswith(FUND_A[-4:])
    with db.read() as conn:
        kinds = sorted(r.kind for r in conn.execute(select(recon_exceptions.c.kind)))
    assert kinds == [X.REJECTED, X.RETURNED_AFTER_SETTLEMENT]  # the matcher's; no control break

    with db.read() as conn:
        stored = list_daily_controls(conn)
    assert [r.as_json() for r in stored] == [row.as_json()]
    with db.write() as conn:
        again = run_daily_control(conn)
    assert [r.as_json() for r in again] == [row.as_json()]  # computed_at included: nothing rewritten
    assert _count(db, recon_daily_controls) == 1


def test_ledger_disagreeing_with_bank_is_one_control_break(db, tmp_path: Path) -> None:
    s = _clean_month(db, tmp_path)
    # The ledger thinks line 3 was paid while its bank rejected it.
    _set_states(db, [s.line_ids[2]], ["PAID"])
    with db.write() as conn:
        (row,) = run_daily_control(conn, day=SENT_DAY, fund_account=FUND_A)
    assert not row.agrees
    assert row.breaks == ["LEDGER_VS_BANK_PAID", "LEDGER_VS_BANK_REJECTED"]
    with db.read() as conn:
        breaks = conn.execute(
            select(recon_exceptions).where(recon_exceptions.c.kind == X.CONTROL_BREAK)
        ).all()
    assert len(breaks) == 1
    assert breaks[0].subject == f"control:{FUND_A}:{SENT_DAY}"
    assert breaks[0].amount_minor == 70_000 - 100_000  # banks paid 700.00, the ledger says 1,000.00
    assert FUND_A not in breaks[0].detail and "LEDGER_VS_BANK_PAID" in breaks[0].detail
    with db.write() as conn:
        run_daily_control(conn)
    assert _count(db, recon_exceptions) == 3  # the matcher's two and the one break; nothing new again


def test_unknown_debit_and_return_to_other_account(db, tmp_path: Path) -> None:
    s = _clean_month(db, tmp_path)
    b = seed_batch(db, "SLK000000000102", [5_000], fund_account=FUND_B)
    _set_states(db, b.line_ids, ["PAID"])
    # Statement 2 of A: an unknown debit on 7 Jan. B's statement: its payment, and line 2 of A (paid from
    # A) coming back to B instead of A.
    extra = tmp_path / "camt053_A_102.xml"
    extra.write_bytes(
        render_statement(
            account=FUND_A,
            statement_id="A-102",
            sequence=2,
            opening_fen=10**9,
            bookings=[Booking(9_999, False, date(2025, 1, 7), end_to_end_id="NOT0000000000009")],
            day=date(2025, 1, 7),
        )
    )
    other = tmp_path / "camt053_B_101.xml"
    other.write_bytes(
        render_statement(
            account=FUND_B,
            statement_id="B-101",
            sequence=1,
            opening_fen=10**8,
            bookings=[
                Booking(5_000, False, BOOKED, end_to_end_id=b.e2e[0]),
                Booking(s.amounts[1], True, date(2025, 1, 9), end_to_end_id=s.e2e[1], return_reason="AC04"),
            ],
            day=BOOKED,
        )
    )
    result_b = fixed_width_result(
        tmp_path / "RET_308_20250105_SLK000000000102_001.txt",
        b.bank_reference,
        [(1, b.e2e[0], 5_000, "S", "", "")],
    )
    for path in (extra, other, result_b):
        import_file(db, path, principal="import:clerk")
    run(db, today=TODAY)
    with db.write() as conn:
        rows = {(r.account, r.day): r for r in run_daily_control(conn)}
    assert set(rows) == {(FUND_A, SENT_DAY), (FUND_A, "2025-01-07"), (FUND_B, SENT_DAY)}
    unknown = rows[(FUND_A, "2025-01-07")]
    assert (unknown.ledger_sent_count, unknown.statement_debit_minor) == (0, 9_999)
    assert unknown.statement_unexplained_debit_minor == 9_999 and unknown.breaks == ["BANK_VS_STATEMENT"]
    a_day = rows[(FUND_A, SENT_DAY)]
    assert a_day.returned_elsewhere_minor == 20_000 and a_day.breaks == ["RETURNED_ELSEWHERE"]
    b_day = rows[(FUND_B, SENT_DAY)]
    assert (b_day.statement_debit_minor, b_day.bank_paid_minor) == (5_000, 5_000)
    assert b_day.statement_credit_minor == 20_000 and b_day.returned_minor == 0
    assert b_day.breaks == ["UNEXPLAINED_CREDIT"]
    with db.read() as conn:
        kinds = [r.kind for r in conn.execute(select(recon_exceptions.c.kind))]
    assert kinds.count(X.CONTROL_BREAK) == 3
    assert kinds.count(X.RETURN_TO_OTHER_ACCOUNT) == 1  # found by the matcher, once
    assert kinds.count(X.UNKNOWN_DEBIT) == 1


def test_new_evidence_updates_the_open_break(db, tmp_path: Path) -> None:
    s = seed_batch(db, "SLK000000000103", [7_000, 8_000])
    _set_states(db, s.line_ids, ["PAID", "PAID"])
    result = fixed_width_result(
        tmp_path / "RET_308_20250105_SLK000000000103_001.txt",
        s.bank_reference,
        [(1, s.e2e[0], 7_000, "S", "", ""), (2, s.e2e[1], 8_000, "S", "", "")],
    )
    import_file(db, result, principal="import:clerk")
    run(db, today=TODAY)
    with db.write() as conn:
        (row,) = run_daily_control(conn)
    assert row.breaks == ["BANK_VS_STATEMENT"] and row.statement_debit_minor == 0  # no statement yet
    with db.read() as conn:
        first = conn.execute(select(recon_exceptions).where(recon_exceptions.c.kind == X.CONTROL_BREAK)).one()
    assert first.amount_minor == -15_000
    stmt = tmp_path / "camt053_A_103.xml"
    stmt.write_bytes(
        render_statement(
            account=FUND_A,
            statement_id="A-103",
            sequence=1,
            opening_fen=10**9,
            bookings=[Booking(7_000, False, BOOKED, end_to_end_id=s.e2e[0])],
            day=BOOKED,
        )
    )
    import_file(db, stmt, principal="import:clerk")
    run(db, today=TODAY)
    with db.write() as conn:
        (row,) = run_daily_control(conn)
    with db.read() as conn:
        now = conn.execute(select(recon_exceptions).where(recon_exceptions.c.kind == X.CONTROL_BREAK)).all()
        stored = conn.execute(select(recon_daily_controls)).one()
    assert len(now) == 1 and now[0].id == first.id and now[0].amount_minor == -8_000
    assert now[0].state == "OPEN"
    assert stored.statement_debit_minor == 7_000 and json.loads(stored.ledger_states) == {"PAID": [2, 15_000]}

    # The second debit arrives: the day agrees, and its break is cleared (not resolved by a person).
    stmt2 = tmp_path / "camt053_A_104.xml"
    stmt2.write_bytes(
        render_statement(
            account=FUND_A,
            statement_id="A-104",
            sequence=2,
            opening_fen=10**9,
            bookings=[Booking(8_000, False, BOOKED, end_to_end_id=s.e2e[1])],
            day=BOOKED,
        )
    )
    import_file(db, stmt2, principal="import:clerk")
    run(db, today=TODAY)
    with db.write() as conn:
        (row,) = run_daily_control(conn)
    assert row.agrees
    with db.read() as conn:
        done = conn.execute(select(recon_exceptions).where(recon_exceptions.c.id == first.id)).one()
    assert (done.state, done.resolved_by) == (X.CLEARED, X.SYSTEM_PRINCIPAL)
    assert [v.id for v in X.list_exceptions(db, state="OPEN") if v.kind == X.CONTROL_BREAK] == []
