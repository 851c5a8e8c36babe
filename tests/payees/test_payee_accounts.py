"""The payee-account registry: confirmed account changes, newest wins, replay-safe, audited, encrypted."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from gateway import audit
from gateway.domain.payee_accounts import changed_since, current_account, record_change
from gateway.errors import InvalidInput, LineRejected
from gateway.storage.tables import audit_log, payee_accounts
from keys.datakey import DataProtector

CARD_A = "6222020000000000000"  # Luhn-valid test numbers, not real accounts
CARD_B = "6227000000000000003"


@pytest.fixture
def protector() -> DataProtector:
    return DataProtector(secrets.token_bytes(32))


def _record(db, protector, account=CARD_A, ref="card-op-1", source="CARD", id_hash=b"p" * 16):
    with db.write() as conn:
        return record_change(
            conn,
            protector,
            id_hash=id_hash,
            account=account,
            account_type="CARD",
            bank_code="102",
            source=source,
            source_ref=ref,
            principal="channel:branch-102",
        )


def test_newest_change_is_the_current_account(db, protector):
    """Two changes for one payee: the later one is current, decrypted, with its masked form."""
    _record(db, protector, CARD_A, "op-1")
    second = _record(db, protector, CARD_B, "op-2")
    with db.read() as conn:
        acc = current_account(conn, protector, b"p" * 16)
        assert current_account(conn, protector, b"q" * 16) is None
    assert acc is not None and acc.change_id == second
    assert acc.account == CARD_B and acc.account_masked == "622700*********0003"
    assert CARD_B not in repr(acc)


def test_same_source_ref_records_nothing_twice(db, protector):
    """Replaying a card operation or feed line returns the first change and adds no row or audit entry."""
    first = _record(db, protector, CARD_A, "op-1")
    with db.read() as conn:
        audits = len(conn.execute(select(audit_log.c.seq)).all())
    again = _record(db, protector, CARD_B, "op-1")
    with db.read() as conn:
        rows = conn.execute(select(payee_accounts)).all()
        assert len(conn.execute(select(audit_log.c.seq)).all()) == audits
    assert again == first and len(rows) == 1


def test_stored_encrypted_bound_to_payee_and_audited_masked(db, protector):
    """The clear account is neither in the row nor in the audit detail, and the audit chain verifies."""
    change = _record(db, protector)
    with db.read() as conn:
        row = conn.execute(select(payee_accounts)).one()
        detail = conn.execute(select(audit_log.c.detail).where(audit_log.c.object_id == str(change))).scalar()
    assert CARD_A.encode() not in bytes(row.account_enc)
    assert CARD_A not in detail and "622202" in detail
    assert audit.verify(db).ok


def test_changed_since(db, protector):
    """changed_since tells whether a correction came after a moment (re-issue waits for one)."""
    _record(db, protector)
    with db.read() as conn:
        assert changed_since(conn, b"p" * 16, "2000-01-01T00:00:00Z")
        assert not changed_since(conn, b"p" * 16, "2999-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"source": "PHONE"}, "ACCOUNT_SOURCE_UNKNOWN"),
        ({"account": "6222020000000000001"}, "ACCOUNT_LUHN"),
        ({"ref": ""}, "SOURCE_REF_INVALID"),
    ],
)
def test_bad_changes_are_refused_with_a_reason(db, protector, kw, reason):
    """A bad source, a card number failing Luhn or a missing reference is refused; nothing is written."""
    with pytest.raises((InvalidInput, LineRejected)) as err:
        _record(db, protector, **kw)
    assert err.value.reason == reason
    with db.read() as conn:
        assert conn.execute(select(payee_accounts)).first() is None
