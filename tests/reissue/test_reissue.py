"""Re-issue: failed or returned lines with a corrected account go out again in a new batch, once."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, insert, select, update

from gateway.clock import now_iso
from gateway.domain import batches as dom
from gateway.domain.batches import BatchHeaderIn, BatchIntake, open_pii
from gateway.domain.payee_accounts import record_change
from gateway.domain.reissue import Correction, create_reissue
from gateway.errors import Conflict, InvalidInput, InvalidTransition, SelfApproval
from gateway.intake.accounts import BankResolver, luhn_check_digit
from gateway.intake.banks import BANKS, DEFAULT_BINS
from gateway.intake.records import ValidatedLine
from gateway.pii import mask_number
from gateway.storage.tables import audit_log, batch_lines, batches, payee_accounts
from gateway.storage.tables_dispatch import line_events
from keys.datakey import DataProtector

OFFICER = "officer:zhang"
APPROVER = "approver:li"


def card(bin6: str, n: int) -> str:
    body = f"{bin6}{n:012d}"
    return body + luhn_check_digit(body)  # 19-digit Luhn-valid test numbers, not real accounts


def ident(n: int) -> str:
    return f"11010119{n:02d}0101{n:03d}X"[:18]


@pytest.fixture
def protector() -> DataProtector:
    return DataProtector(secrets.token_bytes(32))


def make_batch(db, protector, n: int = 4) -> int:
    with db.write() as conn:
        intake = BatchIntake(
            conn,
            protector,
            creator=OFFICER,
            header=BatchHeaderIn("PENSION_EMPLOYEE", "2026-11", "November pensions", "nov.csv"),
            fund_account="1001",
        )
        for i in range(1, n + 1):
            intake.add(
                ValidatedLine(
                    i,
                    "RESIDENT_ID",
                    ident(i),
                    "张三",
                    card("622202", i),
                    "CARD",
                    "102",
                    100_000 + i,
                    "PENSION_EMPLOYEE",
                    "PENSION_EMPLOYEE",
                    "2026-11",
                    "110101",
                    f"r{i}",
                )
            )
        return intake.finish().batch_id


def line_ids(db, batch_id: int) -> list[int]:
    with db.read() as conn:
        c = batch_lines.c
        return list(
            conn.execute(select(c.id).where(c.batch_id == batch_id).order_by(c.line_number)).scalars()
        )


def set_state(db, line_id: int, state: str, reason: str | None = None) -> None:
    """Put a line where the dispatcher would have left it, with the event that moved it there."""
    with db.write() as conn:
        old = conn.execute(select(batch_lines.c.state).where(batch_lines.c.id == line_id)).scalar_one()
        at = now_iso()
        conn.execute(
            update(batch_lines)
            .where(batch_lines.c.id == line_id)
            .values(state=state, failure_reason=reason, updated_at=at)
        )
        conn.execute(
            insert(line_events).values(
                line_id=line_id, from_state=old, to_state=state, cause="test", principal="bank:102", at=at
            )
        )


def correct(db, protector, n: int, account: str, ref: str) -> None:
    with db.write() as conn:
        record_change(
            conn,
            protector,
            id_hash=protector.blind_index(ident(n)),
            account=account,
            account_type="CARD",
            bank_code="103",
            source="FEED",
            source_ref=ref,
            principal="feed:core",
        )


def count_batches(db) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(batches)).scalar_one()


def test_corrected_failure_goes_out_in_a_new_batch_that_needs_approval(db, protector):
    """A failed line whose account was corrected since goes out again: new ref and account, claim moved."""
    batch = make_batch(db, protector)
    first, second, *_ = line_ids(db, batch)
    set_state(db, first, "FAILED", "ACCOUNT_CLOSED")
    set_state(db, second, "FAILED", "ACCOUNT_FROZEN")  # failed, but nobody corrected it
    new_account = card("622848", 77)
    correct(db, protector, 1, new_account, "feed-1")
    with db.write() as conn:
        result = create_reissue(
            conn, protector, principal=OFFICER, title="", request_ref="rq1", all_corrected_of_batch=batch
        )
    assert result.line_count == 1 and result.total_fen == 100_001
    assert result.skipped == {"NO_CORRECTION": 1}
    with db.read() as conn:
        new = conn.execute(select(batches).where(batches.c.id == result.batch_id)).mappings().one()
        assert new["state"] == "VALIDATED" and new["reissue_of"] == batch and new["fund_account"] == "1001"
        line = (
            conn.execute(select(batch_lines).where(batch_lines.c.batch_id == result.batch_id))
            .mappings()
            .one()
        )
        old = conn.execute(select(batch_lines).where(batch_lines.c.id == first)).mappings().one()
        assert line["reissue_of"] == first and line["e2e_ref"] != old["e2e_ref"]
        assert line["claim"] and not old["claim"] and old["state"] == "REISSUED"
        assert line["bank_code"] == "103" and line["account_masked"] == mask_number(new_account)
        assert open_pii(protector, line["e2e_ref"], line["pii"]) == (ident(1), "张三", new_account)
        # The stored content hash is what approval recomputes: the approver sees exactly these lines.
        assert dom.recompute_content_hash(conn, protector, result.batch_id) == result.content_hash
        events = conn.execute(select(line_events.c.to_state).where(line_events.c.line_id == first)).scalars()
        assert list(events)[-1] == "REISSUED"
        assert (
            conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq.desc())).first()[0]
            == "batch.reissue"
        )
    with db.write() as conn, pytest.raises(SelfApproval):
        dom.approve(conn, protector, result.batch_id, OFFICER, result.content_hash)
    with db.write() as conn:
        dom.approve(conn, protector, result.batch_id, APPROVER, result.content_hash)


@pytest.mark.parametrize("state", ["PENDING", "SUBMITTED", "ACCEPTED", "UNKNOWN", "MANUAL"])
def test_a_line_that_could_still_be_paid_is_never_reissued(db, protector, state):
    """In flight or unknown: the bank may still pay it, so re-issue is refused and nothing is written."""
    batch = make_batch(db, protector, 2)
    first, _ = line_ids(db, batch)
    if state != "PENDING":
        set_state(db, first, state)
    before = count_batches(db)
    with db.write() as conn, pytest.raises(InvalidTransition) as err:
        create_reissue(
            conn,
            protector,
            principal=OFFICER,
            title="t",
            request_ref="rq",
            line_ids=[first],
            corrections={first: Correction(card("622848", 5), bank_code="103")},
        )
    assert err.value.reason == "LINE_STILL_PAYABLE"
    assert count_batches(db) == before
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(payee_accounts)).scalar_one() == 0


@pytest.mark.parametrize("reason", ["DECEASED", "DUPLICATE"])
def test_deceased_and_duplicate_failures_are_never_reissued(db, protector, reason):
    batch = make_batch(db, protector, 1)
    (first,) = line_ids(db, batch)
    set_state(db, first, "FAILED", reason)
    correct(db, protector, 1, card("622848", 8), "feed-8")
    with db.write() as conn, pytest.raises(InvalidTransition) as err:
        create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="rq", line_ids=[first])
    assert err.value.reason == "LINE_NEVER_REISSUED"


def test_a_correction_recorded_before_the_failure_does_not_count(db, protector):
    batch = make_batch(db, protector, 1)
    (first,) = line_ids(db, batch)
    correct(db, protector, 1, card("622848", 9), "feed-early")
    set_state(db, first, "RETURNED", "ACCOUNT_CLOSED")
    with db.write() as conn, pytest.raises(InvalidInput) as err:
        create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="rq", line_ids=[first])
    assert err.value.reason == "NO_CORRECTION"
    with db.write() as conn, pytest.raises(InvalidInput) as err:
        create_reissue(
            conn, protector, principal=OFFICER, title="t", request_ref="rq", all_corrected_of_batch=batch
        )
    assert err.value.reason == "NOTHING_TO_REISSUE"


def test_an_officer_given_account_is_recorded_in_the_registry_with_its_bank_from_the_bin(db, protector):
    batch = make_batch(db, protector, 1)
    (first,) = line_ids(db, batch)
    set_state(db, first, "RETURNED", "ACCOUNT_CLOSED")
    given = card("622848", 12)
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    with db.write() as conn:
        result = create_reissue(
            conn,
            protector,
            principal=OFFICER,
            title="t",
            request_ref="rq7",
            line_ids=[first],
            corrections={first: Correction(given)},
            resolver=resolver,
        )
    with db.read() as conn:
        change = conn.execute(select(payee_accounts)).mappings().one()
        assert change["source"] == "FINANCE" and change["bank_code"] == "103"
        assert change["source_ref"] == f"reissue:rq7:{first}"
        line = (
            conn.execute(select(batch_lines).where(batch_lines.c.batch_id == result.batch_id))
            .mappings()
            .one()
        )
        assert line["bank_code"] == "103" and open_pii(protector, line["e2e_ref"], line["pii"])[2] == given
    assert given not in repr(Correction(given))


def test_reissued_once_until_that_reissue_is_cancelled(db, protector):
    """A live re-issue cannot be re-issued again; once its batch is rejected the line may go again."""
    batch = make_batch(db, protector, 1)
    (first,) = line_ids(db, batch)
    set_state(db, first, "FAILED", "ACCOUNT_CLOSED")
    correct(db, protector, 1, card("622848", 20), "feed-20")
    with db.write() as conn:
        one = create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="a", line_ids=[first])
    with db.write() as conn, pytest.raises(InvalidTransition) as err:
        create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="b", line_ids=[first])
    assert err.value.reason == "LINE_ALREADY_REISSUED"
    with db.write() as conn:
        dom.reject(conn, one.batch_id, APPROVER, "wrong title")
    with db.write() as conn:
        two = create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="c", line_ids=[first])
    with db.read() as conn:
        live = conn.execute(
            select(func.count()).where(batch_lines.c.reissue_of == first, batch_lines.c.claim)
        ).scalar_one()
    assert two.batch_id != one.batch_id and live == 1


def test_the_slot_taken_by_another_batch_meanwhile_refuses_the_reissue(db, protector):
    """A cancelled re-issue freed the slot and a new payroll paid the payee: re-issuing would pay twice."""
    batch = make_batch(db, protector, 1)
    (first,) = line_ids(db, batch)
    set_state(db, first, "FAILED", "ACCOUNT_CLOSED")
    correct(db, protector, 1, card("622848", 30), "feed-30")
    with db.write() as conn:
        one = create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="a", line_ids=[first])
    with db.write() as conn:
        dom.cancel(conn, one.batch_id, OFFICER, "redo")
    make_batch(db, protector, 1)  # the next payroll claims the same payee, benefit and period
    with db.write() as conn, pytest.raises(Conflict) as err:
        create_reissue(conn, protector, principal=OFFICER, title="t", request_ref="b", line_ids=[first])
    assert err.value.reason == "DUPLICATE_PAYMENT"
