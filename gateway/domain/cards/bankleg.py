"""The bank leg of a card operation: the financial application lives at the card-issuing bank.

An operation that concerns the financial account writes a PENDING leg in its own transaction
(:mod:`gateway.domain.cards.operations`); after the commit the leg is sent through the bank's adapter
(``[banks.X] adapter``; direct-link is the one with card calls) and the answer is applied in a second
transaction. A BankLink bank fetches its legs and answers them itself
(:mod:`gateway.domain.cards.banklink_legs`); its answers are applied here too:

=============  ===========================================================================================
bank answer    leg
=============  ===========================================================================================
done           CONFIRMED: the bank state becomes what the bank reports (its LOST is our FROZEN); a change of
               disbursement account is recorded in the payee-account registry (re-issue and intake use it)
accepted       stays PENDING: asked again by the same reference
refused        FAILED, with the bank's text; nothing changes at the bank
no answer      UNKNOWN (a timeout after sending, an unreadable answer): asked again by the same reference,
               which the bank answers from its record of that request — never a second operation
not sent       stays PENDING (the request certainly did not leave): sent again later
=============  ===========================================================================================

``query_open`` walks PENDING and UNKNOWN legs (the periodic task of the card service, and the status read).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from adapters.direct_link import CardOutcome, CardRequest, CardResult, Funcode, LossKind
from gateway import audit
from gateway.clock import now_iso
from gateway.domain import payee_accounts
from gateway.domain.cards import machines as m
from gateway.domain.cards.operations import holder_of, locking
from gateway.storage import Database
from gateway.storage.tables_cards import card_bank_legs, cards
from keys.datakey import DataProtector

SYSTEM = "system:cards"
# The card bank's words for the financial application, in ours.
_BANK_STATE = {"NORMAL": m.NORMAL, "NOT_ACTIVATED": m.NOT_ACTIVATED, "FROZEN": m.FROZEN, "LOST": m.FROZEN,
               "CLOSED": m.CLOSED}  # fmt: skip
_FUNCODE = {
    "ACTIVATE": Funcode.CARD_ACTIVATE,
    "FREEZE": Funcode.CARD_LOSS,
    "UNFREEZE": Funcode.CARD_UNLOSS,
    "CHANGE_ACCOUNT": Funcode.ACCOUNT_CHANGE,
    "CLOSE": Funcode.ACCOUNT_CLOSE,
}


class LegNotSent(Exception):
    """The request did not leave: safe to send again."""


Sender = Callable[[str, CardRequest], CardResult]


def payload_of(protector: DataProtector, leg: dict) -> dict[str, Any]:
    """What the leg's operation needs besides the holder (new account, loss kind, close reason)."""
    if leg["payload_enc"] is None:
        return {}
    return json.loads(protector.decrypt(leg["payload_enc"], b"card_bank_legs:" + leg["reference"].encode()))


def build_request(protector: DataProtector, card: dict, leg: dict) -> CardRequest | None:
    """The adapter request of a leg; None when the protocol has no call for its event."""
    funcode = _FUNCODE.get(leg["event"])
    if funcode is None:
        return None
    holder = holder_of(protector, card)
    extra = payload_of(protector, leg)
    return CardRequest(
        funcode=funcode,
        request_id=leg["reference"],
        id_number=holder["id_number"],
        name=holder["name"],
        card_number=holder["card_number"],
        id_type=holder["id_type"],
        loss_kind=LossKind.FORMAL
        if extra.get("loss_kind") == "FORMAL"
        else LossKind.TEMPORARY
        if funcode is Funcode.CARD_LOSS
        else None,
        new_account=extra.get("account", ""),
        new_bank_code=extra.get("bank_code", ""),
        close_reason=extra.get("reason", "OTHER") if funcode is Funcode.ACCOUNT_CLOSE else "",
    )


def _finish(
    conn: Connection, leg: dict, card: dict, state: str, text: str | None, bank_state: str | None
) -> None:
    now = now_iso()
    conn.execute(
        update(card_bank_legs)
        .where(card_bank_legs.c.id == leg["id"])
        .values(state=state, failure_text=text, answered_at=now if state in ("CONFIRMED", "FAILED") else None,
                attempts=leg["attempts"] + 1)
    )  # fmt: skip
    before = card["bank_state"]
    if bank_state is not None and bank_state != before:
        conn.execute(
            update(cards).where(cards.c.id == card["id"]).values(bank_state=bank_state, updated_at=now)
        )
    audit.append(
        conn,
        principal=SYSTEM,
        action="card.bank_leg." + state.lower(),
        object_type="card",
        object_id=card["card_masked"],
        before=before,
        after=bank_state or before,
        detail={"operation": leg["operation"], "reference": leg["reference"], "text": (text or "")[:200]},
    )


def apply_answer(conn: Connection, protector: DataProtector, leg_id: int, result: CardResult | None) -> str:
    """Record the bank's answer to a leg (``None``: the protocol has no such call); returns the leg state."""
    lock = locking(conn)  # PostgreSQL: the send after the reply and the sweep may answer one leg at once
    leg_q = select(card_bank_legs).where(card_bank_legs.c.id == leg_id)
    leg = dict(conn.execute(leg_q.with_for_update() if lock else leg_q).mappings().one())
    if leg["state"] not in ("PENDING", "UNKNOWN"):
        return leg["state"]  # answered already (another process, or a replayed answer)
    card_q = select(cards).where(cards.c.id == leg["card_id"])
    card = dict(conn.execute(card_q.with_for_update() if lock else card_q).mappings().one())
    if result is None:
        _finish(
            conn, leg, card, "FAILED", "the card bank's adapter has no call for this; do it at the bank", None
        )
        return "FAILED"
    if result.outcome is CardOutcome.DONE:
        reported = _BANK_STATE.get(result.bank_state)
        target = reported or m.bank_next(card["bank_state"], leg["event"])
        if leg["event"] == "CHANGE_ACCOUNT":
            extra = payload_of(protector, leg)
            payee_accounts.record_change(
                conn,
                protector,
                id_hash=card["id_hash"],
                account=extra["account"],
                account_type=extra["account_type"],
                bank_code=extra["bank_code"],
                source="CARD",
                source_ref=leg["reference"],
                principal=leg["principal"],
            )
        _finish(conn, leg, card, "CONFIRMED", None, target)
        return "CONFIRMED"
    if result.outcome is CardOutcome.REFUSED:
        text = result.error.text if result.error else "refused"
        _finish(
            conn, leg, card, "FAILED", f"{result.error.code if result.error else ''} {text}".strip(), None
        )
        return "FAILED"
    state = "PENDING" if result.outcome is CardOutcome.PENDING else "UNKNOWN"
    if state != leg["state"]:
        _finish(conn, leg, card, state, result.error.text if result.error else None, None)
    return state


def send(db: Database, protector: DataProtector, sender: Sender, leg_id: int) -> str:
    """Send (or ask again about) one leg and record the answer; returns the leg's state after."""
    with db.read() as conn:
        leg = dict(conn.execute(select(card_bank_legs).where(card_bank_legs.c.id == leg_id)).mappings().one())
        if leg["state"] not in ("PENDING", "UNKNOWN"):
            return leg["state"]
        card = dict(conn.execute(select(cards).where(cards.c.id == leg["card_id"])).mappings().one())
    request = build_request(protector, card, leg)
    result: CardResult | None = None
    if request is not None:
        try:
            result = sender(card["bank_code"], request)
        except LegNotSent:
            return "PENDING"
    with db.write() as conn:
        return apply_answer(conn, protector, leg_id, result)


def open_legs(conn: Connection, limit: int = 100, skip_banks: frozenset[str] = frozenset()) -> list[int]:
    """Open legs, oldest first; ``skip_banks``: banks that fetch their legs themselves (BankLink), whose
    legs would otherwise fill every sweep's quota and starve the rest."""
    q = (
        select(card_bank_legs.c.id)
        .where(card_bank_legs.c.state.in_(("PENDING", "UNKNOWN")))
        .order_by(card_bank_legs.c.id)
        .limit(limit)
    )
    if skip_banks:
        q = q.join(cards, cards.c.id == card_bank_legs.c.card_id).where(
            cards.c.bank_code.not_in(sorted(skip_banks))
        )
    return [int(i) for i in conn.execute(q).scalars()]


def query_open(
    db: Database,
    protector: DataProtector,
    sender: Sender,
    limit: int = 100,
    skip_banks: frozenset[str] = frozenset(),
) -> dict[str, int]:
    with db.read() as conn:
        ids = open_legs(conn, limit, skip_banks)
    counts: dict[str, int] = {}
    for leg_id in ids:
        state = send(db, protector, sender, leg_id)
        counts[state] = counts.get(state, 0) + 1
    return counts


def adapter_sender(ctx: Any) -> Sender:
    """The production sender: the bank's adapter and transport from ``[banks.X]`` (as dispatch uses them)."""
    from adapters import registry
    from gateway.dispatch.service import context_for, transport_for
    from gateway.dispatch.transport import NotSent, OutcomeUnknown

    def send_one(bank_code: str, request: CardRequest) -> CardResult:
        name = str((ctx.cfg.banks.get(bank_code) or {}).get("adapter", ""))
        if name not in registry.names():
            raise LegNotSent(f"bank {bank_code} has no adapter configured")
        adapter = registry.get(name)
        if not adapter.capabilities.card_services or not hasattr(adapter, "render_card_request"):
            raise LegNotSent(f"the {name} adapter has no card calls")
        actx = context_for(ctx, bank_code)
        bind = getattr(adapter, "bind", None)
        bound = bind(actx) if callable(bind) else adapter
        message = bound.render_card_request(request, actx)
        try:
            response = transport_for(ctx, bank_code).send(message)
        except NotSent as exc:
            raise LegNotSent(str(exc)) from None
        except OutcomeUnknown:
            return CardResult(CardOutcome.UNKNOWN)
        return bound.parse_card_response(response, request, actx)

    return send_one
