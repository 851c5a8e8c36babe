"""Which state a payee account is in at the simulated bank: a pure function of the account and a seed.

``silink gen payroll`` makes accounts with real BINs; the simulator never sees that file, yet both sides
must agree on which payees fail and why. So the state is derived, not stored in advance: a keyed hash
(HMAC-SHA-256, key = the simulator's seed) of the account number gives a uniform number in [0, 1), and
configurable small rates cut that interval into states::

    [0, closed) → CLOSED, [closed, closed+frozen) → FROZEN, … , the rest → NORMAL

A test (or the demo) calls :func:`account_state` with the same seed and rates to predict every line's
outcome. The ledger stores the state the first time it sees an account and keeps it from then on (a late
return can close an account), so a restart does not change the bank's mind.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, fields
from enum import StrEnum

from adapters.contract import FailureReason


class AccountState(StrEnum):
    NORMAL = "normal"
    CLOSED = "closed"
    FROZEN = "frozen"
    NAME_MISMATCH = "name_mismatch"
    DECEASED = "deceased"
    CLASS_II = "class_ii"  # a 非Ⅰ类 account: credits above the daily limit are refused
    INVALID = "invalid"  # not an account number this bank could have (wrong shape)


# What a credit to an account in each state ends as (None: credited; CLASS_II depends on the amount).
REFUSAL = {
    AccountState.CLOSED: FailureReason.ACCOUNT_CLOSED,
    AccountState.FROZEN: FailureReason.ACCOUNT_FROZEN,
    AccountState.NAME_MISMATCH: FailureReason.NAME_MISMATCH,
    AccountState.DECEASED: FailureReason.DECEASED,
    AccountState.INVALID: FailureReason.ACCOUNT_INVALID,
}


@dataclass(frozen=True)
class Rates:
    """Share of accounts in each non-normal state (each in [0, 1], together at most 1)."""

    closed: float = 0.004
    frozen: float = 0.002
    name_mismatch: float = 0.003
    deceased: float = 0.001
    class_ii: float = 0.01

    def __post_init__(self) -> None:
        values = [getattr(self, f.name) for f in fields(self)]
        if any(not 0.0 <= v <= 1.0 for v in values) or sum(values) > 1.0:
            raise ValueError("account state rates must be in [0, 1] and add up to at most 1")

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def parse(cls, text: str) -> Rates:
        """``"closed=0.05,frozen=0.02"`` (unnamed states keep their defaults)."""
        values: dict[str, float] = {}
        names = {f.name for f in fields(cls)}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            key = key.strip().replace("-", "_")
            if key not in names:
                raise ValueError(f"unknown account state {key!r} (known: {', '.join(sorted(names))})")
            values[key] = float(value)
        return cls(**values)


_ORDER = (
    ("closed", AccountState.CLOSED),
    ("frozen", AccountState.FROZEN),
    ("name_mismatch", AccountState.NAME_MISMATCH),
    ("deceased", AccountState.DECEASED),
    ("class_ii", AccountState.CLASS_II),
)


def valid_account(account: str) -> bool:
    # Cards are 16-19 digits, passbooks and corporate accounts up to 32; anything else cannot exist here.
    return account.isascii() and account.isdigit() and 8 <= len(account) <= 32


def account_point(account: str, seed: int) -> float:
    """The account's uniform point in [0, 1) under ``seed`` (a keyed hash: unpredictable without it)."""
    digest = hmac.new(f"silink-banksim:{seed}".encode(), account.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def account_state(account: str, seed: int, rates: Rates) -> AccountState:
    """The state a fresh account starts in at the simulated bank."""
    if not valid_account(account):
        return AccountState.INVALID
    point = account_point(account, seed)
    edge = 0.0
    for name, state in _ORDER:
        edge += getattr(rates, name)
        if point < edge:
            return state
    return AccountState.NORMAL


def keyed_fraction(seed: int, *parts: str) -> float:
    """A deterministic uniform number in [0, 1) for ``parts`` (fault and return decisions)."""
    msg = "\x1f".join(parts).encode("utf-8")
    digest = hmac.new(f"silink-banksim:{seed}".encode(), msg, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
