"""The two state machines of a social security card (DOMAIN.md §8), as explicit tables.

A card carries two independent applications. The social insurance (人社) application is kept by the
agency and changed only by card operations; the financial application is kept by the card bank, and
the gateway only records what the bank confirmed. Each machine is one table ``(state, event) → state``;
a pair that is not in the table is refused with :class:`InvalidTransition`, whose message says why in
the terms a counter clerk knows (``REFUSALS``), never with personal data.

Social events: ENABLE (启用), REPORT_TEMPORARY_LOSS, REPORT_FORMAL_LOSS, LIFT_LOSS (解挂), EXPIRE_LOSS
(a temporary loss running out), PIN_LOCKOUT, UNLOCK, REPLACE (补换: the card keeps its state until the
new one is collected), CHANGE_ACCOUNT, ACTIVATE (the financial side needs a usable card), CANCEL (注销).

Lifting or expiring a temporary loss returns the card to the state it had before the loss (a sealed
card lost before it was enabled is sealed again); ``RETURNS_TO_BEFORE`` marks those moves.
"""

from __future__ import annotations

from gateway.errors import InvalidTransition

# 人社 application states (proto SocialAppState without the prefix).
NORMAL = "NORMAL"  # 正常
SEALED = "SEALED"  # 封存
TEMPORARY_LOSS = "TEMPORARY_LOSS"  # 临时挂失
FORMAL_LOSS = "FORMAL_LOSS"  # 正式挂失
LOCKED = "LOCKED"  # 锁定
CANCELLED = "CANCELLED"  # 注销
SOCIAL_STATES = (NORMAL, SEALED, TEMPORARY_LOSS, FORMAL_LOSS, LOCKED, CANCELLED)

# Financial application states (proto BankAppState without the prefix).
NOT_ACTIVATED = "NOT_ACTIVATED"  # 未激活
FROZEN = "FROZEN"  # 冻结
CLOSED = "CLOSED"  # 销户
BANK_STATES = (NOT_ACTIVATED, NORMAL, FROZEN, CLOSED)

SOCIAL_EVENTS = (
    "ENABLE",
    "REPORT_TEMPORARY_LOSS",
    "REPORT_FORMAL_LOSS",
    "LIFT_LOSS",
    "EXPIRE_LOSS",
    "PIN_LOCKOUT",
    "UNLOCK",
    "REPLACE",
    "CHANGE_ACCOUNT",
    "ACTIVATE",
    "CANCEL",
)
BANK_EVENTS = ("ACTIVATE", "FREEZE", "UNFREEZE", "CHANGE_ACCOUNT", "CLOSE")

# A placeholder target: "back to the state before the temporary loss".
BEFORE_LOSS = "<before loss>"

SOCIAL_TABLE: dict[tuple[str, str], str] = {
    (SEALED, "ENABLE"): NORMAL,
    # A card can be reported lost whether or not it was enabled or is locked.
    (NORMAL, "REPORT_TEMPORARY_LOSS"): TEMPORARY_LOSS,
    (SEALED, "REPORT_TEMPORARY_LOSS"): TEMPORARY_LOSS,
    (LOCKED, "REPORT_TEMPORARY_LOSS"): TEMPORARY_LOSS,
    (NORMAL, "REPORT_FORMAL_LOSS"): FORMAL_LOSS,
    (SEALED, "REPORT_FORMAL_LOSS"): FORMAL_LOSS,
    (LOCKED, "REPORT_FORMAL_LOSS"): FORMAL_LOSS,
    (TEMPORARY_LOSS, "REPORT_FORMAL_LOSS"): FORMAL_LOSS,  # a temporary loss made formal
    (TEMPORARY_LOSS, "LIFT_LOSS"): BEFORE_LOSS,
    (TEMPORARY_LOSS, "EXPIRE_LOSS"): BEFORE_LOSS,
    (NORMAL, "PIN_LOCKOUT"): LOCKED,
    (LOCKED, "UNLOCK"): NORMAL,
    # 补换 changes nothing on the old card; a lost card needs a formal loss report first.
    (NORMAL, "REPLACE"): NORMAL,
    (SEALED, "REPLACE"): SEALED,
    (LOCKED, "REPLACE"): LOCKED,
    (FORMAL_LOSS, "REPLACE"): FORMAL_LOSS,
    # The disbursement account may be changed while the card is lost: that is when it matters most.
    (NORMAL, "CHANGE_ACCOUNT"): NORMAL,
    (SEALED, "CHANGE_ACCOUNT"): SEALED,
    (LOCKED, "CHANGE_ACCOUNT"): LOCKED,
    (TEMPORARY_LOSS, "CHANGE_ACCOUNT"): TEMPORARY_LOSS,
    (FORMAL_LOSS, "CHANGE_ACCOUNT"): FORMAL_LOSS,
    (NORMAL, "ACTIVATE"): NORMAL,
    (NORMAL, "CANCEL"): CANCELLED,
    (SEALED, "CANCEL"): CANCELLED,
    (TEMPORARY_LOSS, "CANCEL"): CANCELLED,
    (FORMAL_LOSS, "CANCEL"): CANCELLED,
    (LOCKED, "CANCEL"): CANCELLED,
}

BANK_TABLE: dict[tuple[str, str], str] = {
    (NOT_ACTIVATED, "ACTIVATE"): NORMAL,
    (NOT_ACTIVATED, "FREEZE"): FROZEN,
    (NORMAL, "FREEZE"): FROZEN,
    (FROZEN, "FREEZE"): FROZEN,  # a temporary loss at the bank made formal
    (FROZEN, "UNFREEZE"): NORMAL,
    (NORMAL, "CHANGE_ACCOUNT"): NORMAL,
    (NOT_ACTIVATED, "CLOSE"): CLOSED,
    (NORMAL, "CLOSE"): CLOSED,
    (FROZEN, "CLOSE"): CLOSED,
}

# Why a refused pair is refused: the specific reasons first, then one per state, then per event.
_SOCIAL_SPECIFIC: dict[tuple[str, str], tuple[str, str]] = {
    (FORMAL_LOSS, "LIFT_LOSS"): (
        "a formal loss report cannot be lifted; apply for a replacement card",
        "FORMAL_LOSS_NOT_LIFTABLE",
    ),
    (FORMAL_LOSS, "REPORT_FORMAL_LOSS"): ("the card is already formally reported lost", "ALREADY_LOST"),
    (FORMAL_LOSS, "REPORT_TEMPORARY_LOSS"): ("the card is already formally reported lost", "ALREADY_LOST"),
    (TEMPORARY_LOSS, "REPORT_TEMPORARY_LOSS"): (
        "the card is already temporarily reported lost",
        "ALREADY_LOST",
    ),
    (TEMPORARY_LOSS, "REPLACE"): (
        "a temporarily lost card must be reported formally lost before a replacement",
        "FORMAL_LOSS_REQUIRED",
    ),
    (NORMAL, "ENABLE"): ("the card is already enabled", "ALREADY_ENABLED"),
    (SEALED, "ACTIVATE"): (
        "the card must be enabled before its financial account is activated",
        "CARD_NOT_ENABLED",
    ),
    (SEALED, "PIN_LOCKOUT"): ("a sealed card has no PIN in use yet", "CARD_NOT_ENABLED"),
    (LOCKED, "PIN_LOCKOUT"): ("the card is already locked", "ALREADY_LOCKED"),
}
_SOCIAL_BY_STATE: dict[str, tuple[str, str]] = {
    CANCELLED: ("the card is cancelled (注销) and accepts no operation", "CARD_CANCELLED"),
    FORMAL_LOSS: ("the card is formally reported lost; only a replacement follows", "CARD_FORMALLY_LOST"),
    TEMPORARY_LOSS: ("the card is temporarily reported lost; lift the loss first", "CARD_TEMPORARILY_LOST"),
    LOCKED: ("the card is locked after wrong PINs; unlock it first", "CARD_LOCKED"),
    SEALED: ("the card is sealed (封存); enable it first", "CARD_SEALED"),
}
_SOCIAL_BY_EVENT: dict[str, tuple[str, str]] = {
    "LIFT_LOSS": ("the card is not reported lost", "CARD_NOT_LOST"),
    "EXPIRE_LOSS": ("the card is not temporarily reported lost", "CARD_NOT_LOST"),
    "UNLOCK": ("the card is not locked", "CARD_NOT_LOCKED"),
    "ENABLE": ("only a sealed card can be enabled", "CARD_NOT_SEALED"),
}
_BANK_BY_STATE: dict[str, tuple[str, str]] = {
    CLOSED: ("the financial account is closed (销户) and accepts no operation", "BANK_ACCOUNT_CLOSED"),
    FROZEN: ("the financial account is frozen", "BANK_ACCOUNT_FROZEN"),
    NOT_ACTIVATED: ("the financial account is not activated", "BANK_ACCOUNT_NOT_ACTIVATED"),
}
_BANK_SPECIFIC: dict[tuple[str, str], tuple[str, str]] = {
    (NORMAL, "ACTIVATE"): ("the financial account is already active", "BANK_ACCOUNT_ALREADY_ACTIVE"),
    (NORMAL, "UNFREEZE"): ("the financial account is not frozen", "BANK_ACCOUNT_NOT_FROZEN"),
    (NOT_ACTIVATED, "UNFREEZE"): ("the financial account is not frozen", "BANK_ACCOUNT_NOT_FROZEN"),
    (FROZEN, "ACTIVATE"): ("the financial account is frozen", "BANK_ACCOUNT_FROZEN"),
}


def _refuse(kind: str, state: str, event: str, why: tuple[str, str]) -> InvalidTransition:
    message, reason = why
    return InvalidTransition(
        f"{event.lower().replace('_', ' ')}: {message}",
        reason,
        metadata={"application": kind, "state": state, "event": event},
    )


def social_next(state: str, event: str, before_loss: str | None = None) -> str:
    """The 人社 state after ``event``, or InvalidTransition saying why the card cannot take it."""
    if state not in SOCIAL_STATES or event not in SOCIAL_EVENTS:
        raise ValueError(f"unknown social state or event: {state}/{event}")
    target = SOCIAL_TABLE.get((state, event))
    if target is None:
        why = (
            _SOCIAL_SPECIFIC.get((state, event))
            or (_SOCIAL_BY_STATE[CANCELLED] if state == CANCELLED else None)
            or _SOCIAL_BY_EVENT.get(event)
            or _SOCIAL_BY_STATE.get(state)
            or ("the card's state does not allow this operation", "INVALID_TRANSITION")
        )
        raise _refuse("social", state, event, why)
    if target == BEFORE_LOSS:
        # Only states a loss may start from can come back; anything else would be a corrupt row.
        return before_loss if before_loss in (NORMAL, SEALED, LOCKED) else NORMAL
    return target


def bank_next(state: str, event: str) -> str:
    """The financial-application state after a confirmed ``event``, or InvalidTransition."""
    if state not in BANK_STATES or event not in BANK_EVENTS:
        raise ValueError(f"unknown bank state or event: {state}/{event}")
    target = BANK_TABLE.get((state, event))
    if target is None:
        why = (
            (_BANK_BY_STATE[CLOSED] if state == CLOSED else None)
            or _BANK_SPECIFIC.get((state, event))
            or _BANK_BY_STATE.get(state)
            or ("the financial account's state does not allow this operation", "INVALID_TRANSITION")
        )
        raise _refuse("bank", state, event, why)
    return target
