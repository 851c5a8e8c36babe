"""A generated month of evidence that produces every exception kind exactly once, on both backends.

One month on two fund accounts: a 回盘 file, direct-link results, fund-account statements (camt.053) with a
batch booking, a partial batch, an unknown debit, a deceased payee's return and a duplicate of it, a
reversal naming nothing of ours, a return arriving on the wrong 支出户, a statement for a stranger's
account, and a later statement with a gap before it and balances that do not add up.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.errors import PermissionDenied, SelfApproval
from gateway.storage.tables import audit_log
from gateway.storage.tables_recon import (
    recon_entries,
    recon_exceptions,
    recon_imports,
    recon_matches,
    recon_suggestions,
)
from reconciliation import exceptions as X
from reconciliation import matcher as matcher_mod
from reconciliation.camt053_writer import Booking, render_statement
from reconciliation.importer import import_file
from reconciliation.matcher import run

from .own_files import direct_link_body, fixed_width_result
from .recon_db import FUND_A, FUND_B, STRANGER, seed_batch

DAY = date(2025, 1, 6)
TODAY = date(2025, 1, 31)
EXPECTED = {
    X.UNMATCHED_INTERNAL,
    X.UNKNOWN_DEBIT,
    X.AMOUNT_MISMATCH,
    X.DUPLICATE_CREDIT,
    X.REJECTED,
    X.RETURNED_AFTER_SETTLEMENT,
    X.REVERSAL_WITHOUT_ORIGINAL,
    X.UNKNOWN_ACCOUNT,
    X.PARTIAL_BATCH,
    X.BALANCE_BREAK,
    X.SEQUENCE_GAP,
    X.RETURN_TO_OTHER_ACCOUNT,
}


def build_month(db, folder: Path) -> dict:
    s1 = seed_batch(db, "SLK000000000001", [100_011 + 1000 * i for i in range(8)])
    s2 = seed_batch(db, "SLK000000000002", [50_000, 60_000, 70_000])
    s3 = seed_batch(db, "SLK000000000003", [11_100, 22_200])
    s4 = seed_batch(db, "SLK000000000004", [33_300], fund_account=FUND_B)
    e, a = s1.e2e, s1.amounts
    files = []
    # 回盘 for batch 1: line 3 rejected (closed account), line 4 reported with one fen more, line 8 absent.
    rows = [(n, e[n - 1], a[n - 1], "S", "", "") for n in (1, 2, 5, 6, 7)]
    rows.insert(2, (3, e[2], a[2], "E", "ACC04", "账户已销户"))
    rows.insert(3, (4, e[3], a[3] + 1, "S", "", ""))
    files.append(
        fixed_width_result(folder / "RET_308_20250105_SLK000000000001_001.txt", s1.bank_reference, rows)
    )
    # Direct-link results for batches 3 and 4.
    for s in (s3, s4):
        body = {
            "batchref": s.bank_reference,
            "batchstatus": "F",
            "unit": "FEN",
            "lines": [
                {"seq": n, "ref": ref, "status": "S", "amt": str(amt), "valdate": "20250106"}
                for n, (ref, amt) in enumerate(zip(s.e2e, s.amounts, strict=True), 1)
            ],
        }
        files.append(direct_link_body(folder / f"dl_{s.bank_reference}.json", body))
    # The 支出户 statement of fund account A, statement 1.
    bookings = [Booking(a[n - 1], False, DAY, end_to_end_id=e[n - 1]) for n in (1, 2, 4, 5, 6, 7)]
    bookings += [
        Booking(sum(s2.amounts), False, DAY, pmt_inf_id=s2.bank_reference, nb_of_txs=3),  # batch booking
        Booking(sum(s3.amounts) - 100, False, DAY, pmt_inf_id=s3.bank_reference, nb_of_txs=2),  # partial
        Booking(77_777, False, DAY, end_to_end_id="NOT0000000000001"),  # unknown debit
        Booking(a[7], False, DAY),  # no reference, amount of line 8: a suggestion only
        Booking(a[4], True, date(2025, 1, 9), end_to_end_id=e[4], return_reason="MD07"),  # deceased
        Booking(a[4], True, date(2025, 1, 10), end_to_end_id=e[4], return_reason="MD07"),  # again
        Booking(5_000, True, date(2025, 1, 10), end_to_end_id="NOT0000000000002", return_reason="AC04"),
    ]
    stmt = render_statement(
        account=FUND_A, statement_id="A-2025-001", sequence=1, opening_fen=10**9, bookings=bookings, day=DAY
    )
    files.append(folder / "camt053_A_001.xml")
    files[-1].write_bytes(stmt)
    # Statement 3 of A (2 is missing), whose closing balance is one fen off.
    files.append(folder / "camt053_A_003.xml")
    files[-1].write_bytes(
        render_statement(
            account=FUND_A,
            statement_id="A-2025-003",
            sequence=3,
            opening_fen=10**9,
            closing_fen=10**9 + 1,
            bookings=[],
            day=date(2025, 1, 20),
        )
    )
    # Fund account B: its payment, and line 7 of batch 1 (paid from A) coming back here.
    files.append(folder / "camt053_B_001.xml")
    files[-1].write_bytes(
        render_statement(
            account=FUND_B,
            statement_id="B-2025-001",
            sequence=1,
            opening_fen=10**8,
            bookings=[
                Booking(s4.amounts[0], False, DAY, end_to_end_id=s4.e2e[0]),
                Booking(a[6], True, date(2025, 1, 12), end_to_end_id=e[6], return_reason="AC04"),
            ],
            day=DAY,
        )
    )
    # A statement of somebody else's account.
    files.append(folder / "camt053_X_001.xml")
    files[-1].write_bytes(
        render_statement(
            account=STRANGER,
            statement_id="X-1",
            sequence=1,
            opening_fen=0,
            bookings=[Booking(a[0], False, DAY, end_to_end_id=e[0])],
            day=DAY,
        )
    )
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "files": files}


def _snapshot(db) -> tuple:
    with db.read() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (recon_imports, recon_entries, recon_matches, recon_suggestions, recon_exceptions)
        )


@pytest.mark.parametrize("chunk", [None, 1, 3], ids=["one-chunk", "chunk-1", "chunk-3"])
def test_month_every_exception_once(db, tmp_path: Path, monkeypatch, chunk: int | None) -> None:
    """The same month whether the matcher reads its entries in one chunk or a few at a time (it holds
    only the lines a chunk names, and reads earlier chunks' claims back from the database)."""
    month = build_month(db, tmp_path)
    for path in month["files"]:
        assert not import_file(db, path, principal="import:finance-clerk").duplicate
    if chunk is not None:
        monkeypatch.setattr(matcher_mod, "CHUNK", chunk)
    summary = run(db, today=TODAY)
    assert summary.new_exceptions == len(EXPECTED)
    with db.read() as conn:
        kinds = Counter(r.kind for r in conn.execute(select(recon_exceptions.c.kind)))
        claims = conn.execute(select(recon_matches.c.line_id, recon_matches.c.role)).all()
        rules = Counter(r.rule for r in conn.execute(select(recon_matches.c.rule)))
        suggestions = conn.execute(select(recon_suggestions)).all()
        detail = {r.kind: r for r in conn.execute(select(recon_exceptions))}
    assert kinds == Counter({k: 1 for k in EXPECTED}), kinds
    # No line claimed twice in a role (the database would have refused; the matcher never tried).
    assert len(claims) == len(set(claims))
    # Batch booking claimed all three lines of batch 2 as booked.
    assert rules["BATCH_TOTAL"] == 3
    s1 = month["s1"]
    # The deceased payee's return carries MD07; the rejection its reason; line 8 is the unmatched one.
    assert detail[X.RETURNED_AFTER_SETTLEMENT].reason_code == "MD07"
    assert detail[X.RETURNED_AFTER_SETTLEMENT].line_id == s1.line_ids[4]
    assert detail[X.REJECTED].reason_code == "AC04" and detail[X.REJECTED].line_id == s1.line_ids[2]
    assert detail[X.UNMATCHED_INTERNAL].line_id == s1.line_ids[7]
    assert detail[X.AMOUNT_MISMATCH].amount_minor == 1
    assert detail[X.PARTIAL_BATCH].amount_minor == -100
    assert detail[X.RETURN_TO_OTHER_ACCOUNT].line_id == s1.line_ids[6]
    assert detail[X.BALANCE_BREAK].amount_minor == 1
    # Only a suggestion for the reference-less debit, on line 8; no claim from it.
    assert [(s.line_id, s.state) for s in suggestions] == [(s1.line_ids[7], "OPEN")]
    assert (s1.line_ids[7], "booking") not in set(claims)
    # No personal data in what finance reads: accounts masked, details free of them.
    for row in detail.values():
        assert FUND_A not in row.detail and STRANGER not in row.detail

    before = _snapshot(db)
    again = run(db, today=TODAY)
    assert (again.new_matches, again.new_suggestions, again.new_exceptions) == (0, 0, 0)
    for path in month["files"]:
        assert import_file(db, path, principal="import:finance-clerk").duplicate
    run(db, today=TODAY)
    assert _snapshot(db) == before


def test_resolution_rules_and_audit(db, tmp_path: Path) -> None:
    month = build_month(db, tmp_path)
    for path in month["files"]:
        import_file(db, path, principal="import:finance-clerk")
    run(db, today=TODAY)
    views = {v.kind: v for v in X.list_exceptions(db)}
    unknown = views[X.UNKNOWN_DEBIT]
    with pytest.raises(PermissionDenied):
        X.resolve(db, unknown.id, principal="ops:x", roles=["operator"], note="n")
    # The clerk who imported the statement caused the exception: someone else must close it.
    with pytest.raises(SelfApproval):
        X.resolve(db, unknown.id, principal="import:finance-clerk", roles=["finance"], note="mine")
    X.resolve(db, unknown.id, principal="finance:lead", roles=["finance"], note="bank fee, booked by hand")
    after = {v.id: v for v in X.list_exceptions(db)}[unknown.id]
    assert (after.state, after.resolved_by) == ("RESOLVED", "finance:lead")
    with db.read() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action))]
    assert actions.count("recon.exception.resolve") == 1
    # Line exceptions are caused by the batch's releaser.
    rejected = views[X.REJECTED]
    with pytest.raises(SelfApproval):
        X.resolve(db, rejected.id, principal="release:ops", roles=["finance"], note="x")


def test_banklink_push_naming_its_submission_by_reference_matches_by_position(db, tmp_path, monkeypatch):
    """A push names the submission by its bank reference and each line by position: the matcher loads
    that submission whole (a chunk at a time: here two entries per chunk) to find the lines."""

    s = seed_batch(db, "SLK000000000009", [10_000, 20_000, 30_000])
    results = [
        {"seq": "1", "outcome": "LINE_OUTCOME_PAID", "bankStatusCode": "00", "valueDate": "2025-01-05"},
        {"seq": "2", "outcome": "LINE_OUTCOME_FAILED", "reasonCode": "AC04"},
        {"seq": "3", "outcome": "LINE_OUTCOME_PAID", "bankStatusCode": "00", "valueDate": "2025-01-05"},
    ]
    path = tmp_path / "push.json"
    path.write_text(json.dumps({"requestId": "r1", "submissionId": s.bank_reference, "results": results}))
    import_file(db, path, principal="import:finance-clerk")
    monkeypatch.setattr(matcher_mod, "CHUNK", 2)
    run(db, today=TODAY)
    with db.read() as conn:
        claims = conn.execute(
            select(recon_matches.c.line_id, recon_matches.c.role, recon_matches.c.rule)
        ).all()
        rejected = (
            conn.execute(select(recon_exceptions.c.line_id).where(recon_exceptions.c.kind == X.REJECTED))
            .scalars()
            .all()
        )
    assert sorted(claims) == sorted((line, "result", "BATCH_SEQ") for line in s.line_ids)
    assert rejected == [s.line_ids[1]]
