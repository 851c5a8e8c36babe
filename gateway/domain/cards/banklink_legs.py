"""Card bank legs of a partner bank on BankLink: the bank fetches them and answers them.

A BankLink bank (``[banks.X] adapter = "banklink"``) connects to us, so nothing is sent to it: the
legs of the cards it issued (activate, freeze on a loss report, unfreeze on lifting, change of the
disbursement account, close on cancellation) wait until it lists them (ListCardOperations), with the
clear holder data it needs, only ever over its own mutual-TLS channel. It answers each by the leg's
reference (AnswerCardOperation), and the answer is applied exactly as a direct-link answer is
(:func:`gateway.domain.cards.bankleg.apply_answer`): done → CONFIRMED, accepted → still PENDING,
refused → FAILED.

Scope, as for submissions: a bank sees and answers only legs of cards it issued; a reference that is not
the caller's, whether it exists or not, is PERMISSION_DENIED, so a bank learns nothing about others.

The timeout of a pull protocol: a leg the bank fetched (``sent_at``) and did not answer within
``[cards] banklink_answer_seconds`` (default 300) becomes UNKNOWN — we cannot tell whether the bank did
it — and is listed again as an inquiry: the bank answers from its record of that reference, never doing
the operation twice. A leg never fetched stays PENDING (it certainly did not reach the bank).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from adapters.contract import Action, BankError
from adapters.direct_link import CardOutcome, CardResult
from gateway.clock import now_iso
from gateway.dispatch.routing import BANKLINK
from gateway.domain.cards import bankleg
from gateway.domain.cards.operations import OPEN_LEG_STATES, holder_of, locking
from gateway.errors import InvalidInput, PermissionDenied
from gateway.storage.tables_cards import card_bank_legs, cards
from keys.datakey import DataProtector

DEFAULT_ANSWER_SECONDS = 300.0
OUTCOMES = ("DONE", "ACCEPTED", "REFUSED")
_legs = card_bank_legs.c
_OPEN_FOR_BANK = (
    select(card_bank_legs, cards.c.card_hash, cards.c.card_enc, cards.c.holder_enc, cards.c.account_enc)
    .join(cards, cards.c.id == _legs.card_id)
    .where(
        cards.c.bank_code == bindparam("bank"),
        _legs.state.in_(OPEN_LEG_STATES),
        _legs.id > bindparam("after"),
    )
    .order_by(_legs.id)
    .limit(bindparam("n"))
)
_MARK_SENT = (
    update(card_bank_legs)
    .where(_legs.id == bindparam("_id"), _legs.sent_at.is_(None))
    .values(sent_at=bindparam("now"))
)


def banklink_banks(banks: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The bank codes whose card legs go over BankLink (``[banks.X] adapter = "banklink"``)."""
    return frozenset(code for code, raw in banks.items() if str(raw.get("adapter", "")) == BANKLINK)


def _require_banklink(bank_code: str, banks: frozenset[str]) -> None:
    if bank_code not in banks:
        raise PermissionDenied(
            "this bank's card operations go through its own adapter, not BankLink", "NOT_A_BANKLINK_BANK"
        )


def list_for_bank(
    conn: Connection,
    protector: DataProtector,
    bank_code: str,
    banks: frozenset[str],
    *,
    after_id: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The caller's open legs, oldest first, with what the bank needs to carry them out (in clear).

    Listing hands the legs to the bank: each gets ``sent_at`` the first time (a write transaction)."""
    _require_banklink(bank_code, banks)
    rows = [
        dict(r)
        for r in conn.execute(_OPEN_FOR_BANK, {"bank": bank_code, "after": after_id, "n": limit}).mappings()
    ]
    now = now_iso()
    fresh = [{"_id": r["id"], "now": now} for r in rows if r["sent_at"] is None]
    if fresh:
        conn.execute(_MARK_SENT, fresh)
    out = []
    for r in rows:
        holder = holder_of(protector, r)
        extra = bankleg.payload_of(protector, r)
        out.append(
            {
                "id": int(r["id"]),
                "reference": r["reference"],
                "event": r["event"],
                "state": r["state"],
                "requested_at": r["requested_at"],
                "card_number": holder["card_number"],
                "id_type": holder["id_type"],
                "id_number": holder["id_number"],
                "name": holder["name"],
                "loss_kind": extra.get("loss_kind", "TEMPORARY") if r["event"] == "FREEZE" else "",
                "new_account": extra.get("account", ""),
                "new_account_type": extra.get("account_type", ""),
                "new_bank_code": extra.get("bank_code", ""),
                "close_reason": extra.get("reason", "OTHER") if r["event"] == "CLOSE" else "",
            }
        )
    return out


def _own_leg(conn: Connection, bank_code: str, reference: str) -> dict[str, Any]:
    q = (
        select(card_bank_legs)
        .join(cards, cards.c.id == _legs.card_id)
        .where(_legs.reference == reference, cards.c.bank_code == bank_code)
    )
    row = conn.execute(q).mappings().first()
    if row is None:
        raise PermissionDenied("this card operation is not yours", "NOT_YOUR_CARD_OPERATION")
    return dict(row)


def answer(
    conn: Connection,
    protector: DataProtector,
    bank_code: str,
    banks: frozenset[str],
    reference: str,
    outcome: str,
    *,
    bank_state: str = "",
    reason_code: str = "",
    raw_text: str = "",
) -> dict[str, Any]:
    """Apply the bank's answer to one of its legs; returns the leg after (no personal data)."""
    _require_banklink(bank_code, banks)
    leg = _own_leg(conn, bank_code, reference)  # permission before validation: nothing about others
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "outcome must be DONE, ACCEPTED or REFUSED", "FIELD_REQUIRED", metadata={"field": "outcome"}
        )
    error = (
        BankError(reason_code[:40], raw_text[:500], Action.TERMINAL) if (reason_code or raw_text) else None
    )
    kind = {"DONE": CardOutcome.DONE, "ACCEPTED": CardOutcome.PENDING, "REFUSED": CardOutcome.REFUSED}[
        outcome
    ]
    bankleg.apply_answer(conn, protector, leg["id"], CardResult(kind, bank_state=bank_state, error=error))
    if kind is CardOutcome.PENDING:
        # The bank has it and is working on it: the answer clock starts again from now.
        conn.execute(update(card_bank_legs).where(_legs.id == leg["id"]).values(sent_at=now_iso()))
    return _own_leg(conn, bank_code, reference)


def mark_unanswered(
    conn: Connection,
    protector: DataProtector,
    banks: frozenset[str],
    seconds: float = DEFAULT_ANSWER_SECONDS,
    now: dt.datetime | None = None,
) -> int:
    """PENDING legs a BankLink bank fetched and left unanswered for ``seconds`` become UNKNOWN."""
    if not banks:
        return 0
    cutoff = ((now or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=seconds)).isoformat(
        timespec="microseconds"
    )
    q = (
        select(_legs.id)
        .join(cards, cards.c.id == _legs.card_id)
        .where(_legs.state == "PENDING", _legs.sent_at.is_not(None), _legs.sent_at <= cutoff,
               cards.c.bank_code.in_(sorted(banks)))
        .order_by(_legs.id)
    )  # fmt: skip
    if locking(conn):
        q = q.with_for_update(of=card_bank_legs, skip_locked=True)  # one being answered right now is left
    ids = [int(i) for i in conn.execute(q).scalars()]
    silence = BankError("", f"no answer from the bank within {int(seconds)} s of fetching it", Action.INQUIRE)
    for leg_id in ids:
        bankleg.apply_answer(conn, protector, leg_id, CardResult(CardOutcome.UNKNOWN, error=silence))
    return len(ids)
