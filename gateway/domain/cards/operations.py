"""Card operations: one function per CardService call, each inside the caller's write transaction.

Every operation runs the same checks, in this order: the channel may do the operation at all (before
the card is looked up: permission before existence), its rate limit, the card belongs to the holder
(``CARD_HOLDER_MISMATCH`` otherwise, which says nothing about whether the card exists), a bank branch
acts only on its own bank's cards, the electronic-card rules, a due temporary-loss expiry, then the
state machine (:mod:`gateway.domain.cards.machines`). Every change is audited; so is every effect on
payments (line holds and releases, the death feed, the disbursement account).

Operations that concern the financial application start a bank leg (PENDING) and leave the bank state
alone: it changes only when the card bank confirms (:mod:`gateway.domain.cards.bankleg`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from gateway import audit
from gateway.clock import now_iso
from gateway.domain import payee_accounts, persons
from gateway.domain.cards import machines as m
from gateway.domain.cards import payments
from gateway.domain.cards.channels import CardSettings, Channel, ChannelLimits, authorise, holder_token_valid
from gateway.errors import InvalidInput, InvalidTransition, LineRejected, NotFound, PermissionDenied
from gateway.intake.accounts import normalise_account
from gateway.intake.identity import birth_dates, normalise_id
from gateway.intake.settings import ValidationSettings
from gateway.pii import mask_name, mask_number
from gateway.storage.tables import payee_accounts as payee_accounts_table
from gateway.storage.tables_cards import card_applications, card_bank_legs, cards
from keys.datakey import DataProtector

SYSTEM = "system:cards"
LOSS_KINDS = ("TEMPORARY", "FORMAL")
REPLACEMENT_REASONS = ("LOST", "DAMAGED", "EXPIRING", "DATA_CHANGED")
CANCEL_REASONS = ("DEATH", "EMIGRATION", "OTHER")
APPLICATION_STATES = ("SUBMITTED", "ACCEPTED", "IN_PRODUCTION", "READY_FOR_PICKUP", "COLLECTED", "REJECTED")
OPEN_LEG_STATES = ("PENDING", "UNKNOWN")
REPLACE_WINDOW_DAYS = 60


@dataclass(frozen=True)
class Caller:
    """Who acts: the channel principal, where and by whom the holder is served, the holder's token."""

    channel: Channel
    outlet_code: str = ""
    operator_id: str = ""
    holder_token: str = ""

    @property
    def principal(self) -> str:
        return self.channel.principal


@dataclass
class Cards:
    """What operations need besides the connection: keys, settings, this process's rate buckets."""

    protector: DataProtector
    settings: CardSettings
    limits: ChannelLimits


# -- identifiers -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _births(today: str) -> frozenset[str]:
    return birth_dates(ValidationSettings().earliest_birth_date, dt.date.fromisoformat(today))


def normal_id(id_number: str, id_type: str = "RESIDENT_ID") -> str:
    try:
        return normalise_id(id_type, id_number or "", _births(dt.date.today().isoformat()))
    except LineRejected as exc:
        raise InvalidInput(
            f"id_number: {exc.message}", "ID_NUMBER_INVALID", metadata={"field": "id_number"}
        ) from None


def normal_card_number(card_number: str) -> str:
    """社会保障卡卡号: 9 letters or digits (e.g. B41537138), upper-cased."""
    value = (card_number or "").strip().upper()
    if len(value) != 9 or not value.isascii() or not value.isalnum():
        raise InvalidInput(
            "card_number has 9 letters or digits", "CARD_NUMBER_INVALID", metadata={"field": "card_number"}
        )
    return value


def _holder_aad(card_hash: bytes) -> bytes:
    return b"cards:" + card_hash


# -- the registry ------------------------------------------------------------------------------------


def register_card(
    conn: Connection,
    protector: DataProtector,
    *,
    id_number: str,
    name: str,
    card_number: str,
    bank_code: str,
    account: str,
    principal: str,
    social_state: str = m.SEALED,
    bank_state: str = m.NOT_ACTIVATED,
    issue_date: str | None = None,
    expiry_date: str | None = None,
    id_type: str = "RESIDENT_ID",
) -> int:
    """Record an issued card (from the card platform's issue file); it becomes the holder's current card."""
    ident = normal_id(id_number, id_type)
    number = normal_card_number(card_number)
    if not (len(bank_code) == 3 and bank_code.isdigit()):
        raise InvalidInput("bank_code has 3 digits", "BANK_CODE_INVALID", metadata={"field": "bank_code"})
    try:
        acc = normalise_account(account, "CARD")
    except LineRejected as exc:
        raise InvalidInput(f"account: {exc.message}", exc.reason, metadata={"field": "account"}) from None
    if social_state not in m.SOCIAL_STATES or bank_state not in m.BANK_STATES:
        raise InvalidInput("unknown card state", "CARD_STATE_UNKNOWN")
    if not name.strip():
        raise InvalidInput("name is required", "FIELD_REQUIRED", metadata={"field": "name"})
    card_hash = protector.blind_index(number)
    if conn.execute(select(cards.c.id).where(cards.c.card_hash == card_hash)).first() is not None:
        raise InvalidInput("this card number is already registered", "CARD_EXISTS")
    today = dt.date.today()
    issue = issue_date or today.isoformat()
    expiry = expiry_date or today.replace(year=today.year + 10).isoformat()
    id_hash = protector.blind_index(ident)
    conn.execute(update(cards).where(cards.c.id_hash == id_hash).values(is_current=False))
    aad = _holder_aad(card_hash)
    card_id = conn.execute(
        insert(cards).values(
            card_hash=card_hash,
            card_enc=protector.encrypt(number, aad),
            card_masked=mask_number(number),
            id_hash=id_hash,
            holder_enc=protector.encrypt(
                json.dumps({"id_type": id_type, "id_number": ident, "name": name.strip()}), aad
            ),
            id_masked=mask_number(ident),
            name_masked=mask_name(name.strip()),
            bank_code=bank_code,
            account_hash=protector.blind_index(acc),
            account_enc=protector.encrypt(acc, aad),
            account_masked=mask_number(acc),
            social_state=social_state,
            bank_state=bank_state,
            bank_loss_included=False,
            payments_held=False,
            is_current=True,
            issue_date=issue,
            expiry_date=expiry,
            updated_at=now_iso(),
        )
    ).inserted_primary_key[0]
    audit.append(
        conn,
        principal=principal,
        action="card.register",
        object_type="card",
        object_id=mask_number(number),
        after=social_state,
        detail={"bank_code": bank_code, "bank_state": bank_state},
    )
    return int(card_id)


def holder_of(protector: DataProtector, card: dict) -> dict[str, str]:
    """The clear holder data of a card row, for the bank leg only."""
    aad = _holder_aad(card["card_hash"])
    out = json.loads(protector.decrypt(card["holder_enc"], aad))
    out["card_number"] = protector.decrypt(card["card_enc"], aad)
    out["account"] = protector.decrypt(card["account_enc"], aad)
    return out


# Built once, one statement: card reads are the hot path of the card service. Besides the card row it
# brings the id of the card's latest bank leg and the holder's newest disbursement account (masked).
_payee = payee_accounts_table.c
_CARD_EXTRAS = (
    select(func.max(card_bank_legs.c.id))
    .where(card_bank_legs.c.card_id == cards.c.id)
    .scalar_subquery()
    .label("_leg_id"),
    select(_payee.account_masked)
    .where(_payee.id_hash == cards.c.id_hash)
    .order_by(_payee.id.desc())
    .limit(1)
    .scalar_subquery()
    .label("_disb_masked"),
    select(_payee.bank_code)
    .where(_payee.id_hash == cards.c.id_hash)
    .order_by(_payee.id.desc())
    .limit(1)
    .scalar_subquery()
    .label("_disb_bank"),
)
_CARD_BY_NUMBER = select(cards, *_CARD_EXTRAS).where(cards.c.card_hash == bindparam("h"))
_CURRENT_CARD = select(cards, *_CARD_EXTRAS).where(cards.c.id_hash == bindparam("h"), cards.c.is_current)
_UPDATE_CARD = update(cards).where(cards.c.id == bindparam("_card_id"))  # SET from the parameters given
_LEG_BY_ID = select(card_bank_legs).where(card_bank_legs.c.id == bindparam("i"))
_LATEST_LEG = (
    select(card_bank_legs)
    .where(card_bank_legs.c.card_id == bindparam("c"))
    .order_by(card_bank_legs.c.id.desc())
    .limit(1)
)
_DISBURSEMENT = (
    select(_payee.account_masked, _payee.bank_code)
    .where(_payee.id_hash == bindparam("h"))
    .order_by(_payee.id.desc())
    .limit(1)
)


# PostgreSQL runs READ COMMITTED: a write transaction locks the card row it reads, so two operations
# on one card (two gateway processes, or a lift racing the expiry sweep) take turns and the second sees
# the first's result instead of overwriting it. SQLite writers are serialised by BEGIN IMMEDIATE.
_CARD_BY_NUMBER_LOCKED = _CARD_BY_NUMBER.with_for_update(of=cards)
_CURRENT_CARD_LOCKED = _CURRENT_CARD.with_for_update(of=cards)


def locking(conn: Connection) -> bool:
    """A PostgreSQL write transaction (``Database.write``): row locks are needed and allowed."""
    return conn.dialect.name == "postgresql" and bool(conn.get_execution_options().get("silink_write"))


def _find(conn: Connection, protector: DataProtector, id_number: str, card_number: str | None) -> dict:
    id_hash = protector.blind_index(normal_id(id_number))
    lock = locking(conn)
    if card_number:
        q, key = (
            _CARD_BY_NUMBER_LOCKED if lock else _CARD_BY_NUMBER,
            protector.blind_index(normal_card_number(card_number)),
        )
    else:
        q, key = _CURRENT_CARD_LOCKED if lock else _CURRENT_CARD, id_hash
    if lock:
        payments.card_side_of_approval(conn)  # before any audit entry: see payments.py
    row = conn.execute(q, {"h": key}).mappings().first()
    if row is None or row["id_hash"] != id_hash:
        # Same answer for "no such card" and "someone else's card": the caller learns nothing.
        raise NotFound("no card with this number belongs to this holder", "CARD_HOLDER_MISMATCH")
    return dict(row)


# -- shared checks -----------------------------------------------------------------------------------


def _admit(ctx: Cards, caller: Caller, operation: str) -> None:
    authorise(caller.channel, operation, None)
    ctx.limits.check(caller.channel)


def _check_card(ctx: Cards, caller: Caller, operation: str, card: dict, card_number: str | None) -> None:
    authorise(caller.channel, operation, card["bank_code"])
    if caller.channel.is_ecard:
        state = card["social_state"]
        if state == m.CANCELLED:
            raise PermissionDenied(
                "the electronic card of a cancelled card offers no service", "ECARD_CARD_CANCELLED"
            )
        # Reads carry no token (GetCardStatusRequest has no field for it), and the holder must be able to
        # see that the card is lost; everything that changes the card needs the holder's authorisation.
        if state == m.TEMPORARY_LOSS and operation not in ("STATUS", "PROGRESS"):
            number = holder_of(ctx.protector, card)["card_number"]
            if not caller.holder_token or not holder_token_valid(ctx.protector, number, caller.holder_token):
                raise PermissionDenied(
                    "under a temporary loss the electronic card needs the holder's authorisation",
                    "HOLDER_AUTHORIZATION_REQUIRED",
                )


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def expiry_due(card: dict, now: dt.datetime | None = None) -> bool:
    return (
        card["social_state"] == m.TEMPORARY_LOSS
        and card["temp_loss_expires_at"] is not None
        and card["temp_loss_expires_at"] <= _now(now).isoformat(timespec="microseconds")
    )


def _set(conn: Connection, card: dict, **values: Any) -> dict:
    values["updated_at"] = now_iso()
    conn.execute(_UPDATE_CARD, {"_card_id": card["id"], **values})
    card.update(values)
    return card


def _audit(
    conn: Connection, caller_name: str, action: str, card: dict, before: str | None, **detail: Any
) -> None:
    audit.append(
        conn,
        principal=caller_name,
        action=action,
        object_type="card",
        object_id=card["card_masked"],
        before=before,
        after=card["social_state"],
        detail=detail,
    )


def _lift(
    conn: Connection,
    card: dict,
    event: str,
    principal: str,
    also: dict[str, Any] | None = None,
    **detail: Any,
) -> int:
    """End a loss; ``also`` are further card columns to set in the same UPDATE."""
    before = card["social_state"]
    target = m.social_next(before, event, card["state_before_loss"])
    _set(
        conn,
        card,
        social_state=target,
        state_before_loss=None,
        temp_loss_expires_at=None,
        payments_held=False,
        **(also or {}),
    )
    released = payments.release_card_lines(conn, card, principal)
    action = "card.loss_expired" if event == "EXPIRE_LOSS" else "card.lift_loss"
    _audit(conn, principal, action, card, before, lines_released=released, **detail)
    return released


def expire_due(conn: Connection, now: dt.datetime | None = None, principal: str = SYSTEM) -> int:
    """Lift every temporary loss whose period ran out; returns how many. Called periodically and lazily."""
    stamp = _now(now).isoformat(timespec="microseconds")
    q = select(cards).where(cards.c.social_state == m.TEMPORARY_LOSS, cards.c.temp_loss_expires_at <= stamp)
    if locking(conn):
        # A card lifted meanwhile by a holder no longer matches once its lock is granted: not lifted twice.
        payments.card_side_of_approval(conn)
        q = q.with_for_update()
    rows = conn.execute(q).mappings()
    due = [dict(r) for r in rows]
    for card in due:
        _lift(conn, card, "EXPIRE_LOSS", principal)
    return len(due)


class ExpiryDue(Exception):
    """A read found a temporary loss that has run out: read again in a write transaction."""


def _load(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    operation: str,
    id_number: str,
    card_number: str | None,
    now: dt.datetime | None = None,
    expire: bool = True,
) -> dict:
    _admit(ctx, caller, operation)
    card = _find(conn, ctx.protector, id_number, card_number)
    if expiry_due(card, now):
        if not expire:
            raise ExpiryDue
        _lift(conn, card, "EXPIRE_LOSS", SYSTEM)
    _check_card(ctx, caller, operation, card, card_number)
    return card


def _open_leg(conn: Connection, card: dict) -> dict | None:
    if "_leg_id" in card:  # read with the card: no leg at all, or its id
        if card["_leg_id"] is None:
            return None
        row = conn.execute(_LEG_BY_ID, {"i": card["_leg_id"]}).mappings().first()
    else:
        row = conn.execute(_LATEST_LEG, {"c": card["id"]}).mappings().first()
    return dict(row) if row is not None else None


def _start_leg(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    card: dict,
    operation: str,
    event: str,
    payload: dict | None = None,
) -> dict:
    """A PENDING bank leg; checked against the bank machine first so a hopeless request never leaves."""
    last = _open_leg(conn, card)
    if last is not None and last["state"] in OPEN_LEG_STATES:
        raise InvalidTransition(
            "the card bank has not answered the card's previous operation yet",
            "BANK_LEG_IN_PROGRESS",
            metadata={"reference": last["reference"]},
        )
    m.bank_next(card["bank_state"], event)
    reference = "CRD" + secrets.token_hex(8).upper()
    blob = None
    if payload is not None:
        blob = ctx.protector.encrypt(json.dumps(payload), b"card_bank_legs:" + reference.encode())
    leg = {
        "card_id": card["id"],
        "operation": operation,
        "event": event,
        "state": "PENDING",
        "reference": reference,
        "payload_enc": blob,
        "principal": caller.principal,
        "attempts": 0,
        "requested_at": now_iso(),
    }
    leg["id"] = conn.execute(insert(card_bank_legs).values(**leg)).inserted_primary_key[0]
    card["_leg_id"] = leg["id"]
    audit.append(
        conn,
        principal=caller.principal,
        action="card.bank_leg.start",
        object_type="card",
        object_id=card["card_masked"],
        before=card["bank_state"],
        after="PENDING",
        detail={"operation": operation, "reference": reference, "bank_code": card["bank_code"]},
    )
    return leg


# -- the view ----------------------------------------------------------------------------------------


def view(conn: Connection, ctx: Cards, card: dict) -> dict[str, Any]:
    """What a caller may see of a card: masked values, states, the latest bank leg."""
    # The registry's newest account for the holder, masked (nothing to decrypt for a view).
    if "_disb_masked" in card:
        masked, bank = card["_disb_masked"], card["_disb_bank"]
    else:
        disb = conn.execute(_DISBURSEMENT, {"h": card["id_hash"]}).first()
        masked, bank = (disb.account_masked, disb.bank_code) if disb else (None, None)
    leg = _open_leg(conn, card)
    return {
        "card_masked": card["card_masked"],
        "id_masked": card["id_masked"],
        "name_masked": card["name_masked"],
        "social_state": card["social_state"],
        "bank_state": card["bank_state"],
        "bank_code": card["bank_code"],
        "account_masked": card["account_masked"],
        "disbursement_account_masked": masked or card["account_masked"],
        "disbursement_bank_code": bank or card["bank_code"],
        "payments_held": bool(card["payments_held"]),
        "temp_loss_expires_at": card["temp_loss_expires_at"],
        "issue_date": card["issue_date"],
        "expiry_date": card["expiry_date"],
        "updated_at": card["updated_at"],
        "bank_leg": None
        if leg is None
        else {
            k: leg[k]
            for k in ("operation", "state", "reference", "failure_text", "requested_at", "answered_at")
        },
        "bank_leg_id": None if leg is None else int(leg["id"]),
    }


# -- the operations ----------------------------------------------------------------------------------


def get_status(
    conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str | None, expire: bool = True
) -> dict:
    """The card's view; with ``expire=False`` (a read transaction) a due expiry raises ExpiryDue."""
    card = _load(conn, ctx, caller, "STATUS", id_number, card_number, expire=expire)
    return view(conn, ctx, card)


def report_loss(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    id_number: str,
    card_number: str,
    loss_kind: str,
    include_financial_account: bool = False,
    now: dt.datetime | None = None,
) -> dict:
    if loss_kind not in LOSS_KINDS:
        raise InvalidInput(
            "loss_kind must be TEMPORARY or FORMAL", "FIELD_REQUIRED", metadata={"field": "loss_kind"}
        )
    operation = f"REPORT_{loss_kind}_LOSS"
    card = _load(conn, ctx, caller, operation, id_number, card_number, now)
    before = card["social_state"]
    target = m.social_next(before, operation)
    values: dict[str, Any] = {"social_state": target, "payments_held": True}
    if loss_kind == "TEMPORARY":
        expires = _now(now) + dt.timedelta(days=ctx.settings.temporary_loss_days)
        values.update(
            state_before_loss=before, temp_loss_expires_at=expires.isoformat(timespec="microseconds")
        )
    else:
        values.update(state_before_loss=None, temp_loss_expires_at=None)
    if include_financial_account:
        _start_leg(conn, ctx, caller, card, operation, "FREEZE", {"loss_kind": loss_kind})
        values["bank_loss_included"] = True
    _set(conn, card, **values)
    held = payments.hold_card_lines(conn, card, caller.principal)
    _audit(
        conn,
        caller.principal,
        "card.report_loss",
        card,
        before,
        kind=loss_kind,
        lines_held=held,
        outlet=caller.outlet_code,
        operator=caller.operator_id,
        bank_leg=include_financial_account,
    )
    return view(conn, ctx, card)


def lift_loss(conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str) -> dict:
    card = _load(conn, ctx, caller, "LIFT_LOSS", id_number, card_number)
    m.social_next(card["social_state"], "LIFT_LOSS", card["state_before_loss"])  # refuse before any effect
    if card["bank_loss_included"] and card["bank_state"] == m.FROZEN:
        _start_leg(conn, ctx, caller, card, "LIFT_LOSS", "UNFREEZE")
    _lift(
        conn,
        card,
        "LIFT_LOSS",
        caller.principal,
        also={"bank_loss_included": False},
        outlet=caller.outlet_code,
        operator=caller.operator_id,
    )
    return view(conn, ctx, card)


def _simple(
    conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str, event: str, action: str
) -> dict:
    card = _load(conn, ctx, caller, event, id_number, card_number)
    before = card["social_state"]
    _set(conn, card, social_state=m.social_next(before, event))
    _audit(
        conn, caller.principal, action, card, before, outlet=caller.outlet_code, operator=caller.operator_id
    )
    return view(conn, ctx, card)


def enable(conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str) -> dict:
    return _simple(conn, ctx, caller, id_number, card_number, "ENABLE", "card.enable")


def unlock(conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str) -> dict:
    return _simple(conn, ctx, caller, id_number, card_number, "UNLOCK", "card.unlock")


def record_pin_lockout(
    conn: Connection, protector: DataProtector, card_number: str, principal: str = SYSTEM
) -> None:
    """The card platform reports six wrong PINs: the 人社 application locks."""
    q = select(cards).where(cards.c.card_hash == protector.blind_index(normal_card_number(card_number)))
    row = conn.execute(q.with_for_update() if locking(conn) else q).mappings().first()
    if row is None:
        raise NotFound("no such card", "CARD_NOT_FOUND")
    card = dict(row)
    before = card["social_state"]
    _set(conn, card, social_state=m.social_next(before, "PIN_LOCKOUT"))
    _audit(conn, principal, "card.pin_lockout", card, before)


def activate(conn: Connection, ctx: Cards, caller: Caller, id_number: str, card_number: str) -> dict:
    card = _load(conn, ctx, caller, "ACTIVATE", id_number, card_number)
    m.social_next(card["social_state"], "ACTIVATE")
    _start_leg(conn, ctx, caller, card, "ACTIVATE", "ACTIVATE")
    _audit(conn, caller.principal, "card.activate", card, card["social_state"], outlet=caller.outlet_code)
    return view(conn, ctx, card)


def change_account(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    id_number: str,
    card_number: str,
    new_account: str,
    new_account_type: str,
    new_bank_code: str,
) -> dict:
    """Starts the bank leg; the payee account changes only once the card bank confirms."""
    card = _load(conn, ctx, caller, "CHANGE_ACCOUNT", id_number, card_number)
    m.social_next(card["social_state"], "CHANGE_ACCOUNT")
    if new_account_type not in payee_accounts.ACCOUNT_TYPES:
        raise InvalidInput(
            "new_account_type must be set", "FIELD_REQUIRED", metadata={"field": "new_account_type"}
        )
    if not (len(new_bank_code) == 3 and new_bank_code.isdigit()):
        raise InvalidInput(
            "new_bank_code has 3 digits", "BANK_CODE_INVALID", metadata={"field": "new_bank_code"}
        )
    try:
        acc = normalise_account(new_account, new_account_type)
    except LineRejected as exc:
        raise InvalidInput(
            f"new_account: {exc.message}", exc.reason, metadata={"field": "new_account"}
        ) from None
    leg = _start_leg(
        conn,
        ctx,
        caller,
        card,
        "CHANGE_ACCOUNT",
        "CHANGE_ACCOUNT",
        {"account": acc, "account_type": new_account_type, "bank_code": new_bank_code},
    )
    _audit(
        conn,
        caller.principal,
        "card.change_account",
        card,
        card["social_state"],
        account=mask_number(acc),
        bank_code=new_bank_code,
        reference=leg["reference"],
    )
    return view(conn, ctx, card)


def cancel(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    id_number: str,
    card_number: str,
    reason: str,
    note: str = "",
    include_financial_account: bool = False,
) -> dict:
    if reason not in CANCEL_REASONS:
        raise InvalidInput("reason must be set", "FIELD_REQUIRED", metadata={"field": "reason"})
    if reason == "OTHER" and not note.strip():
        raise InvalidInput(
            "a cancellation for another reason needs a note", "FIELD_REQUIRED", metadata={"field": "note"}
        )
    card = _load(conn, ctx, caller, "CANCEL", id_number, card_number)
    before = card["social_state"]
    target = m.social_next(before, "CANCEL")
    if include_financial_account:
        _start_leg(conn, ctx, caller, card, "CANCEL", "CLOSE", {"reason": reason})
    fed = None
    if reason == "DEATH":
        # The person-status feed holds every line of the person with DECEASED (never lifted by itself).
        holder = holder_of(ctx.protector, card)
        fed = persons.apply_updates(
            conn,
            ctx.protector,
            [
                persons.StatusUpdate(
                    1,
                    holder["id_type"],
                    holder["id_number"],
                    "DECEASED",
                    dt.date.today().isoformat(),
                    "card:cancel",
                )
            ],
            caller.principal,
        )
    _set(
        conn,
        card,
        social_state=target,
        payments_held=True,
        cancel_reason=reason,
        temp_loss_expires_at=None,
        state_before_loss=None,
        is_current=False,
    )
    held = payments.hold_card_lines(conn, card, caller.principal)
    _audit(
        conn,
        caller.principal,
        "card.cancel",
        card,
        before,
        reason=reason,
        note=note[:200],
        person_status="DECEASED" if fed is not None else None,
        lines_held=held + (fed.lines_held if fed is not None else 0),
        bank_leg=include_financial_account,
    )
    return view(conn, ctx, card)


# -- replacement applications --------------------------------------------------------------------------


def apply_replacement(
    conn: Connection,
    ctx: Cards,
    caller: Caller,
    id_number: str,
    card_number: str,
    reason: str,
    pickup_outlet_code: str,
    today: dt.date | None = None,
) -> tuple[dict, dict]:
    if reason not in REPLACEMENT_REASONS:
        raise InvalidInput("reason must be set", "FIELD_REQUIRED", metadata={"field": "reason"})
    if not pickup_outlet_code.strip():
        raise InvalidInput(
            "pickup_outlet_code is required", "FIELD_REQUIRED", metadata={"field": "pickup_outlet_code"}
        )
    card = _load(conn, ctx, caller, "REPLACE", id_number, card_number)
    state = card["social_state"]
    m.social_next(state, "REPLACE")
    if reason == "LOST" and state != m.FORMAL_LOSS:
        raise InvalidTransition(
            "replacing a lost card needs a formal loss report first", "FORMAL_LOSS_REQUIRED"
        )
    if reason != "LOST" and state == m.FORMAL_LOSS:
        raise InvalidTransition("a formally lost card is replaced with reason LOST", "REASON_MISMATCH")
    if reason == "EXPIRING":
        days = (dt.date.fromisoformat(card["expiry_date"]) - (today or dt.date.today())).days
        if days > REPLACE_WINDOW_DAYS:
            raise InvalidTransition(
                f"a card can be replaced for expiry from {REPLACE_WINDOW_DAYS} days before it expires",
                "TOO_EARLY_FOR_RENEWAL",
                metadata={"days_left": str(days)},
            )
    open_app = conn.execute(
        select(card_applications.c.id).where(
            card_applications.c.card_id == card["id"],
            card_applications.c.state.not_in(("COLLECTED", "REJECTED")),
        )
    ).first()
    if open_app is not None:
        raise InvalidTransition(
            "a replacement for this card is already in progress", "APPLICATION_IN_PROGRESS"
        )
    now = now_iso()
    app = {
        "card_id": card["id"],
        "id_hash": card["id_hash"],
        "state": "SUBMITTED",
        "reason": reason,
        "pickup_outlet_code": pickup_outlet_code.strip()[:40],
        "created_by": caller.principal,
        "created_at": now,
        "updated_at": now,
    }
    app["id"] = conn.execute(insert(card_applications).values(**app)).inserted_primary_key[0]
    _audit(
        conn,
        caller.principal,
        "card.apply_replacement",
        card,
        state,
        reason=reason,
        application=application_ref(app["id"]),
    )
    return view(conn, ctx, card), {**app, "state_reason": None}


def application_ref(app_id: int) -> str:
    return f"APP{int(app_id):010d}"


def _app_id(ref: str) -> int:
    if not (ref.startswith("APP") and ref[3:].isdigit()):
        raise InvalidInput("application_id looks like APP0000000001", "APPLICATION_ID_INVALID")
    return int(ref[3:])


_APP_FORWARD = {
    "SUBMITTED": ("ACCEPTED", "REJECTED"),
    "ACCEPTED": ("IN_PRODUCTION", "REJECTED"),
    "IN_PRODUCTION": ("READY_FOR_PICKUP",),
    "READY_FOR_PICKUP": ("COLLECTED",),
    "COLLECTED": (),
    "REJECTED": (),
}


def get_progress(conn: Connection, ctx: Cards, caller: Caller, id_number: str, application_id: str) -> dict:
    _admit(ctx, caller, "PROGRESS")
    id_hash = ctx.protector.blind_index(normal_id(id_number))
    q = select(card_applications).where(card_applications.c.id_hash == id_hash)
    q = q.where(card_applications.c.id == _app_id(application_id)) if application_id else q
    row = conn.execute(q.order_by(card_applications.c.id.desc()).limit(1)).mappings().first()
    if row is None:
        raise NotFound("no card application for this holder", "APPLICATION_NOT_FOUND")
    card = conn.execute(select(cards).where(cards.c.id == row["card_id"])).mappings().one()
    authorise(caller.channel, "PROGRESS", card["bank_code"])
    return dict(row)


def advance_application(
    conn: Connection, application_id: str, state: str, principal: str, reason: str = ""
) -> dict:
    """The card platform reports production progress; states only move forward."""
    row = (
        conn.execute(select(card_applications).where(card_applications.c.id == _app_id(application_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("no such card application", "APPLICATION_NOT_FOUND")
    if state not in _APP_FORWARD[row["state"]]:
        raise InvalidTransition(
            f"a card application moves from {row['state']} only to "
            + (", ".join(_APP_FORWARD[row["state"]]) or "nothing"),
            metadata={"state": row["state"], "to": state},
        )
    conn.execute(
        update(card_applications)
        .where(card_applications.c.id == row["id"])
        .values(state=state, state_reason=reason[:500] or None, updated_at=now_iso())
    )
    audit.append(
        conn,
        principal=principal,
        action="card.application",
        object_type="card_application",
        object_id=application_id,
        before=row["state"],
        after=state,
    )
    return {**dict(row), "state": state, "state_reason": reason or None}
