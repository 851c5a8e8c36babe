"""Card-service calls to the card-issuing bank over the direct-link protocol (the bank leg of a card
operation): CARD_STATUS, CARD_LOSS, CARD_UNLOSS, CARD_ACTIVATE, ACCOUNT_CHANGE, ACCOUNT_CLOSE.

The contract has no card shapes yet, so they are defined here: a :class:`CardRequest` in, a
:class:`CardResult` out. Personal values stay inside the request object (its repr is masked) and never
appear in a result, an error or a log: the result carries only masked account numbers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from adapters.contract import BankError
from gateway.errors import InvalidInput
from gateway.pii import mask_number

from ._codes import CARD_FUNCODES, CARD_STATES, CLOSE_REASONS, ID_TYPES, Funcode

CARD_REQUEST_INVALID = "CARD_REQUEST_INVALID"


class LossKind(enum.StrEnum):
    TEMPORARY = "TEMP"  # 临时挂失: expires, lifted by CARD_UNLOSS
    FORMAL = "FORMAL"  # 正式挂失: only a replacement follows


class CardOutcome(enum.Enum):
    DONE = "done"  # the bank did it (or, for CARD_STATUS, answered)
    PENDING = "pending"  # accepted, not finished: ask again by the same request id
    REFUSED = "refused"  # the bank said no; see the error
    UNKNOWN = "unknown"  # no usable answer: ask again by the same request id, never repeat blindly


@dataclass(frozen=True)
class CardRequest:
    """One card call; ``request_id`` is the channel's idempotency key and goes out as ``head.reqid``."""

    funcode: Funcode
    request_id: str
    id_number: str
    name: str
    card_number: str
    id_type: str = "RESIDENT_ID"
    loss_kind: LossKind | None = None  # CARD_LOSS only
    new_account: str = ""  # ACCOUNT_CHANGE only
    new_bank_code: str = ""  # ACCOUNT_CHANGE only
    close_reason: str = ""  # ACCOUNT_CLOSE only: DEATH, EMIGRATION or OTHER
    outlet_code: str = ""
    operator_id: str = ""

    def __repr__(self) -> str:  # never print personal data
        return (
            f"CardRequest({self.funcode}, request_id={self.request_id}, card={mask_number(self.card_number)})"
        )


@dataclass(frozen=True)
class CardResult:
    outcome: CardOutcome
    bank_state: str = ""  # NORMAL, NOT_ACTIVATED, FROZEN, LOST, CLOSED; UNKNOWN for a code we lack; "" absent
    raw_state: str = ""
    bank_op_reference: str = ""  # the bank's own reference of the operation
    account_masked: str = ""  # the card's financial account, masked (first 6 / last 4)
    error: BankError | None = None


def _refuse(why: str, field: str) -> InvalidInput:
    return InvalidInput(f"card request: {why}", CARD_REQUEST_INVALID, metadata={"field": field})


def card_body(req: CardRequest) -> dict[str, Any]:
    """The request body of a card call; refuses a request that lacks what its function needs."""
    if req.funcode not in CARD_FUNCODES:
        raise _refuse("function code is not a card service", "funcode")
    if not req.request_id or len(req.request_id) > 35 or not req.request_id.isascii():
        raise _refuse("request id must be 1–35 ASCII characters", "request_id")
    for name in ("id_number", "name", "card_number"):
        if not getattr(req, name):
            raise _refuse(f"{name} is required", name)
    if req.id_type not in ID_TYPES:
        raise _refuse("id type is not one the protocol knows", "id_type")
    body: dict[str, Any] = {
        "cardno": req.card_number,
        "idno": req.id_number,
        "idtype": ID_TYPES[req.id_type],
        "name": req.name,
        "operator": req.operator_id,
        "outlet": req.outlet_code,
    }
    if req.funcode is Funcode.CARD_LOSS:
        if req.loss_kind is None:
            raise _refuse("a loss report needs a loss kind", "loss_kind")
        body["losstype"] = LossKind(req.loss_kind).value
    if req.funcode is Funcode.ACCOUNT_CHANGE:
        if not req.new_account or not req.new_bank_code:
            raise _refuse("an account change needs the new account and its bank code", "new_account")
        body["newacc"] = req.new_account
        body["newbank"] = req.new_bank_code
    if req.funcode is Funcode.ACCOUNT_CLOSE:
        if req.close_reason not in CLOSE_REASONS:
            raise _refuse("closing the account needs a reason: DEATH, EMIGRATION or OTHER", "close_reason")
        body["closereason"] = CLOSE_REASONS[req.close_reason]
    return body


def card_state(raw: object) -> str:
    """Wire card state → name; a state we do not know is UNKNOWN (never NORMAL)."""
    if raw is None or raw == "":
        return ""
    return CARD_STATES.get(raw, "UNKNOWN") if isinstance(raw, str) else "UNKNOWN"


def account_masked(raw: object) -> str:
    return mask_number(raw) if isinstance(raw, str) else ""
