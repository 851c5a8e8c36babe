"""The payee-account feed: the core system reports payees' corrected disbursement accounts.

This is how a failed payment becomes payable again: the payee (or the 经办 at the service hall) gives a
new account, the core system sends it here, and re-issue (``silink reissue --batch B``) picks up every
failed or returned line whose payee has an account changed since the failure. Future batches can use it
too. Each update is validated like a payroll line's account (Luhn for cards, the bank from the code or
the BIN); a bad update is reported with its line, field, reason and masked value and the others still
apply. An update is keyed by ``(feed name, change reference)``: replaying a feed records nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from gateway.domain.payee_accounts import ACCOUNT_TYPES, record_change
from gateway.errors import InvalidInput, LineRejected
from gateway.intake.accounts import BankResolver, normalise_account
from gateway.intake.banks import BANKS, DEFAULT_BINS
from gateway.intake.identity import birth_dates, normalise_id, resolve_id_type
from gateway.intake.records import LineError, display_value
from gateway.intake.settings import ValidationSettings
from gateway.storage.tables import payee_accounts
from keys.datakey import DataProtector


@dataclass(frozen=True)
class AccountUpdate:
    line: int
    id_type: str
    id_number: str
    account: str
    account_type: str
    bank_code: str
    change_ref: str  # the core system's reference of this change (unique within the feed)

    def __repr__(self) -> str:  # never print the clear values
        return f"AccountUpdate(line={self.line}, ref={self.change_ref!r})"


@dataclass
class AccountFeedResult:
    received: int = 0
    recorded: int = 0
    repeated: int = 0  # already recorded under the same reference: nothing written
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)


def _reject(res: AccountFeedResult, line: int, field_name: str, value: str, exc: InvalidInput) -> None:
    res.rejected += 1
    res.errors.append(LineError(line, field_name, exc.reason, display_value(field_name, value), exc.message))


def apply_account_changes(
    conn: Connection,
    protector: DataProtector,
    updates: Iterable[AccountUpdate],
    *,
    principal: str,
    feed_name: str,
) -> AccountFeedResult:
    """Record each valid update as a FEED account change inside the caller's transaction."""
    res = AccountFeedResult()
    births = birth_dates(ValidationSettings().earliest_birth_date, dt.date.today())
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    feed = (feed_name.strip() or "feed")[:30]
    for u in updates:
        res.received += 1
        try:
            id_type = resolve_id_type(u.id_type) or "RESIDENT_ID"
            id_number = normalise_id(id_type, u.id_number, births)
        except LineRejected as exc:
            _reject(res, u.line, "id_number", u.id_number, exc)
            continue
        kind = (u.account_type or "CARD").upper()
        if kind not in ACCOUNT_TYPES:
            _reject(
                res,
                u.line,
                "account_type",
                kind,
                LineRejected(
                    f"account_type must be one of {', '.join(ACCOUNT_TYPES)}", reason="ACCOUNT_TYPE_UNKNOWN"
                ),
            )
            continue
        try:
            clear = normalise_account(u.account, kind)
            bank = resolver.from_code(u.bank_code) if u.bank_code.strip() else resolver.from_bin(clear)
        except LineRejected as exc:
            _reject(
                res, u.line, "account" if exc.reason != "BANK_CODE_UNKNOWN" else "bank_code", u.account, exc
            )
            continue
        ref = u.change_ref.strip()
        if not ref or len(ref) > 48:
            _reject(
                res,
                u.line,
                "change_ref",
                ref[:20],
                LineRejected("change_ref is required (at most 48 characters)", reason="FIELD_REQUIRED"),
            )
            continue
        source_ref = f"{feed}:{ref}"
        seen = conn.execute(
            select(payee_accounts.c.id).where(
                payee_accounts.c.source == "FEED", payee_accounts.c.source_ref == source_ref
            )
        ).first()
        if seen is not None:
            res.repeated += 1
            continue
        record_change(
            conn,
            protector,
            id_hash=protector.blind_index(id_number),
            account=clear,
            account_type=kind,
            bank_code=bank,
            source="FEED",
            source_ref=source_ref,
            principal=principal,
        )
        res.recorded += 1
    return res
