"""Settlement of the generated month: outcomes and reasons per batch, bank and fund, ageing of what is
unmatched, and the per-payee action list feeding the person-status feed (deceased → payments held)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select, update

from gateway.storage.tables import audit_log, batch_lines, batches, person_status
from reconciliation import settlement as S
from reconciliation.importer import import_file
from reconciliation.matcher import run

from .recon_db import FUND_A, seed_batch
from .test_recon_month import TODAY, build_month


def _reconciled_month(db, folder: Path) -> dict:
    month = build_month(db, folder)
    for path in month["files"]:
        import_file(db, path, principal="import:finance-clerk")
    # A batch at another bank and fund with no evidence at all yet, sent later.
    month["s5"] = seed_batch(
        db, "SLK000000000005", [4_400, 5_500], bank_code="105", sent_at="2025-01-29T10:00:00+08:00"
    )
    with db.write() as conn:
        conn.execute(update(batches).where(batches.c.id == month["s5"].batch_id).values(fund="MEDICAL_AID"))
    run(db, today=TODAY)
    return month


def _t(count: int, minor: int) -> S.Totals:
    return S.Totals(count, minor)


def test_outcomes_reasons_and_groups(db, tmp_path: Path) -> None:
    m = _reconciled_month(db, tmp_path)
    with db.read() as conn:
        st = S.build_settlement(conn, as_of=TODAY)
    a = m["s1"].amounts
    sent = sum(sum(m[k].amounts) for k in ("s1", "s2", "s3", "s4", "s5"))
    assert st.total.sent == _t(16, sent)
    # Outcome sums add up to what was sent.
    assert sum(t.minor for t in st.total.by_state.values()) == sent
    assert st.total.state(S.RETURNED) == _t(2, a[4] + a[6])  # the deceased payee; the one back on B
    assert st.total.state(S.REJECTED) == _t(1, a[2])
    assert st.total.state(S.UNMATCHED) == _t(3, a[7] + 4_400 + 5_500)
    assert st.total.by_reason == {"AC04": _t(2, a[2] + a[6]), "MD07": _t(1, a[4])}
    batches_ = {g.key: g for g in st.batches}
    b1 = batches_[f"B{m['s1'].batch_id:08d}"]
    assert b1.sent == _t(8, sum(a)) and b1.state(S.PAID) == _t(4, a[0] + a[1] + a[3] + a[5])
    b2 = batches_[f"B{m['s2'].batch_id:08d}"]
    assert b2.by_state == {S.PAID: _t(3, 180_000)}  # booked as one lump
    assert [(g.key, g.label) for g in st.banks] == [("105", "bank 105"), ("308", "bank 308")]
    assert st.banks[0].by_state == {S.UNMATCHED: _t(2, 9_900)}
    assert {g.key: g.sent.count for g in st.funds} == {"MEDICAL_AID": 2, "PENSION_EMPLOYEE": 14}
    # Filters narrow the lines and leave the bank-side ageing out.
    with db.read() as conn:
        one = S.build_settlement(conn, as_of=TODAY, batch_ids=[m["s2"].batch_id])
        aid = S.build_settlement(conn, as_of=TODAY, fund="MEDICAL_AID", bank_names={"105": "建设银行"})
    assert one.total.sent == _t(3, 180_000) and [g.key for g in one.batches] == [b2.key]
    assert aid.total.sent == _t(2, 9_900) and sum(b.bank.count for b in aid.ageing) == 0
    assert [g.label for g in aid.banks] == ["建设银行 (105)"]
    json.dumps(st.as_json())  # serialisable as it stands


def test_ageing_buckets(db, tmp_path: Path) -> None:
    m = _reconciled_month(db, tmp_path)
    with db.read() as conn:
        st = S.build_settlement(conn, as_of=TODAY)
    ages = {b.label: b for b in st.ageing}
    a, s3 = m["s1"].amounts, m["s3"].amounts
    # Line 8 of batch 1 was sent on the 5th: 26 days; batch 5 on the 29th: 2 days.
    assert ages["0–2 days"].internal == _t(2, 9_900)
    assert ages["8–30 days"].internal == _t(1, a[7])
    # Bank entries naming none of our lines, all booked 6–10 Jan: the unknown debit, the reference-less
    # debit (a suggestion only), the partial lump, the second MD07 return, the reversal without original
    # and the stranger's statement line.
    bank = [77_777, a[7], sum(s3) - 100, a[4], 5_000, a[0]]
    assert ages["8–30 days"].bank == _t(len(bank), sum(bank))
    assert ages["3–7 days"].bank == _t(0, 0) and ages["over 30 days"].internal == _t(0, 0)
    with db.read() as conn:
        later = S.build_settlement(conn, as_of=date(2025, 3, 1))
    assert {b.label: b.internal.count for b in later.ageing}["over 30 days"] == 3


def test_deceased_actions_are_the_settlements_own(db, tmp_path: Path) -> None:
    """What a reconciliation run feeds the person-status feed, read from the few lines that name a
    deceased code, is exactly the settlement's DECEASED_SUSPECTED list (and not its other actions)."""
    _reconciled_month(db, tmp_path)
    with db.read() as conn:
        full = [a for a in S.build_settlement(conn, as_of=TODAY).actions if a.action == S.DECEASED_SUSPECTED]
        quick = S.deceased_actions(conn)
    assert full and [a.as_json() for a in quick] == [a.as_json() for a in full]
    assert [a.id_hash for a in quick] == [a.id_hash for a in full]


def test_action_list_is_masked_and_feeds_person_status(db, tmp_path: Path) -> None:
    m = _reconciled_month(db, tmp_path)
    s1 = m["s1"]
    with db.read() as conn:
        st = S.build_settlement(conn, as_of=TODAY)
        lines = {r.id: r for r in conn.execute(select(batch_lines).where(batch_lines.c.id.in_(s1.line_ids)))}
    by_action = {(a.action, a.line_refs[0]): a for a in st.actions}
    assert sorted(by_action) == sorted(
        [
            (S.ACCOUNT_CORRECTION, f"L{s1.line_ids[2]:010d}"),  # rejected: account closed
            (S.ACCOUNT_CORRECTION, f"L{s1.line_ids[6]:010d}"),  # returned: account closed
            (S.DECEASED_SUSPECTED, f"L{s1.line_ids[4]:010d}"),
        ]
    )
    dead = by_action[(S.DECEASED_SUSPECTED, f"L{s1.line_ids[4]:010d}")]
    line = lines[s1.line_ids[4]]
    assert dead.reason_code == "MD07" and dead.amount_minor == s1.amounts[4]
    assert dead.person_id == S.person_id(line.id_hash) and dead.name_masked == line.name_masked
    shown = json.dumps([a.as_json() for a in st.actions], ensure_ascii=False)
    assert "id_hash" not in shown and line.id_hash.hex() not in shown.lower()
    assert FUND_A not in shown and "622202" + "0" * 13 not in shown

    # A later payroll for the same person, approved and not yet sent: the death hold stops it.
    with db.write() as conn:
        approved = conn.execute(
            insert(batches).values(
                state="APPROVED",
                fund="PENSION_EMPLOYEE",
                fund_account=FUND_A,
                period="2025-02",
                title="t",
                source_name="t.csv",
                creator="maker:a",
                approver="checker:b",
                line_count=1,
                total_amount_fen=1,
                rejected_count=0,
                created_at="x",
                updated_at="x",
            )
        ).inserted_primary_key[0]
        row = {k: v for k, v in line._mapping.items() if k != "id"}
        row.update(
            batch_id=approved,
            e2e_ref="F000000000000001",
            state="PENDING",
            period="2025-02",
            submission_id=None,
            claim=True,
        )
        conn.execute(insert(batch_lines).values(**row))
    with db.write() as conn:
        done = S.apply_payee_actions(conn, st.actions, principal="finance:lead", effective_date=TODAY)
    assert (done.persons_marked, done.persons_already, done.lines_held) == (1, 0, 1)
    with db.read() as conn:
        status = conn.execute(select(person_status)).one()
        held = conn.execute(
            select(batch_lines.c.state, batch_lines.c.hold_reason).where(batch_lines.c.batch_id == approved)
        ).one()
        audits = conn.execute(
            select(audit_log).where(audit_log.c.action == "person.status.deceased_suspected")
        ).all()
    assert (status.id_hash, status.status, status.source) == (
        line.id_hash,
        "DECEASED",
        S.PERSON_STATUS_SOURCE,
    )
    assert tuple(held) == ("HELD", "DECEASED")
    assert len(audits) == 1 and audits[0].object_id == dead.person_id
    with db.write() as conn:
        again = S.apply_payee_actions(conn, st.actions, principal="finance:lead", effective_date=TODAY)
    assert (again.persons_marked, again.persons_already, again.lines_held) == (0, 1, 0)
