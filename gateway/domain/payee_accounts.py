"""The confirmed disbursement account of each payee: one registry, two writers, two readers.

Writers:

* the person/account feed (``source="FEED"``): the core system reports a corrected account;
* the card service (``source="CARD"``): a change of disbursement account (DOMAIN.md §8), recorded only
  once the card bank has confirmed it.

Readers: re-issue (a failed or returned line goes out again only to a corrected account) and intake
(future batches). Every change is audited; the account is stored encrypted, found by keyed hash and
shown masked. ``(source, source_ref)`` is unique, so replaying a feed line or a card operation records
nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from gateway import audit
from gateway.clock import now_iso
from gateway.errors import InvalidInput
from gateway.intake.accounts import normalise_account
from gateway.pii import mask_number
from gateway.storage.tables import payee_accounts
from keys.datakey import DataProtector

SOURCES = ("FEED", "CARD", "FINANCE")
ACCOUNT_TYPES = ("CARD", "PASSBOOK", "CORPORATE")


@dataclass(frozen=True)
class PayeeAccount:
    """A payee's confirmed account. ``account`` is clear: keep it inside the call that needs it."""

    change_id: int
    account: str
    account_type: str
    bank_code: str
    account_masked: str
    source: str
    effective_at: str

    def __repr__(self) -> str:  # never print the clear account
        return (
            f"PayeeAccount(change_id={self.change_id}, account={self.account_masked}, "
            f"bank={self.bank_code}, source={self.source})"
        )


def _associated(id_hash: bytes) -> bytes:
    # Binds the ciphertext to its payee: a row copied onto another payee no longer decrypts.
    return b"payee_accounts:" + id_hash


def record_change(
    conn: Connection,
    protector: DataProtector,
    *,
    id_hash: bytes,
    account: str,
    account_type: str,
    bank_code: str,
    source: str,
    source_ref: str,
    principal: str,
    effective_at: str | None = None,
) -> int:
    """Record a confirmed account change inside the caller's write transaction; returns its id.

    ``id_hash`` is ``protector.blind_index(normalised id number)``, as in ``batch_lines.id_hash``. The
    same ``(source, source_ref)`` recorded again returns the first change's id and writes nothing.
    """
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}", "ACCOUNT_SOURCE_UNKNOWN")
    if account_type not in ACCOUNT_TYPES:
        raise InvalidInput(f"account_type must be one of {', '.join(ACCOUNT_TYPES)}", "ACCOUNT_TYPE_UNKNOWN")
    if not (len(bank_code) == 3 and bank_code.isdigit()):
        raise InvalidInput("bank_code has 3 digits", "BANK_CODE_INVALID")
    if not source_ref or len(source_ref) > 80:
        raise InvalidInput("source_ref is required (at most 80 characters)", "SOURCE_REF_INVALID")
    clear = normalise_account(account, account_type)  # LineRejected names the reason, never the value
    existing = conn.execute(
        select(payee_accounts.c.id).where(
            payee_accounts.c.source == source, payee_accounts.c.source_ref == source_ref
        )
    ).scalar()
    if existing is not None:
        return int(existing)
    now = now_iso()
    masked = mask_number(clear)
    change_id = conn.execute(
        insert(payee_accounts).values(
            id_hash=id_hash,
            account_hash=protector.blind_index(clear),
            account_enc=protector.encrypt(clear, _associated(id_hash)),
            account_masked=masked,
            account_type=account_type,
            bank_code=bank_code,
            source=source,
            source_ref=source_ref,
            effective_at=effective_at or now,
            recorded_by=principal,
            recorded_at=now,
        )
    ).inserted_primary_key[0]
    audit.append(
        conn,
        principal=principal,
        action="payee_account.change",
        object_type="payee_account",
        object_id=str(change_id),
        after=source,
        detail={"account": masked, "bank_code": bank_code, "account_type": account_type, "ref": source_ref},
    )
    return int(change_id)


def current_account(conn: Connection, protector: DataProtector, id_hash: bytes) -> PayeeAccount | None:
    """The payee's newest confirmed account, or None when no change was ever recorded."""
    row = conn.execute(
        select(payee_accounts)
        .where(payee_accounts.c.id_hash == id_hash)
        .order_by(payee_accounts.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PayeeAccount(
        change_id=int(row.id),
        account=protector.decrypt(row.account_enc, _associated(id_hash)),
        account_type=row.account_type,
        bank_code=row.bank_code,
        account_masked=row.account_masked,
        source=row.source,
        effective_at=row.effective_at,
    )


def changed_since(conn: Connection, id_hash: bytes, since_iso: str) -> bool:
    """Whether a change was recorded for the payee after ``since_iso`` (e.g. after a line failed)."""
    found = conn.execute(
        select(payee_accounts.c.id)
        .where(payee_accounts.c.id_hash == id_hash, payee_accounts.c.recorded_at > since_iso)
        .limit(1)
    ).first()
    return found is not None
