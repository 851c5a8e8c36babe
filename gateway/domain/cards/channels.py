"""Card-service channels (委托受理, 就近办): who may do which card operation, for which bank, how often.

A channel is a ``channel:…`` principal. Its kind comes from ``[cards.channels."<principal>"]`` in
silink.toml, or else from its name:

* ``channel:branch-<bank code>[-<outlet>]`` — a bank outlet (``bank_branch``): acts only on cards
  issued by its own bank;
* ``channel:12333[-…]`` — the 12333 hotline (``hotline``);
* ``channel:kiosk-…`` — a self-service kiosk (``kiosk``);
* ``channel:ecard-…`` — the electronic social security card (``ecard``): its operations follow the
  physical card (DOMAIN.md §8): under a temporary loss every operation that changes the card needs the
  holder's authorisation token (reading the status does not: the holder must see the loss), under 注销
  none at all;
* ``channel:agency-…`` — a social insurance agency counter (``agency``), any bank.

Each kind has the operations it may perform and a rate limit (calls per second, per channel principal),
both overridable per kind in ``[cards.channel_kinds.<kind>]``::

    [cards]
    temporary_loss_days = 7
    [cards.channel_kinds.kiosk]
    operations = ["STATUS", "REPORT_TEMPORARY_LOSS", "PROGRESS"]
    rate = 20
    burst = 40
    [cards.channels."channel:branch-102-jinan"]
    kind = "bank_branch"
    bank_code = "102"
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.dispatch.ratelimit import RateSettings, TokenBucket
from gateway.errors import InvalidInput, PermissionDenied, Unavailable

OPERATIONS = (
    "STATUS",
    "REPORT_TEMPORARY_LOSS",
    "REPORT_FORMAL_LOSS",
    "LIFT_LOSS",
    "REPLACE",
    "ENABLE",
    "UNLOCK",
    "ACTIVATE",
    "CHANGE_ACCOUNT",
    "PROGRESS",
    "CANCEL",
)
KINDS = ("bank_branch", "hotline", "kiosk", "ecard", "agency")
_ALL = OPERATIONS
DEFAULT_KINDS: dict[str, dict[str, Any]] = {
    "bank_branch": {"operations": list(_ALL), "rate": 200.0},
    "agency": {"operations": list(_ALL), "rate": 200.0},
    # By telephone the holder cannot show the card or an ID: a temporary loss and its lifting only.
    "hotline": {"operations": ["STATUS", "REPORT_TEMPORARY_LOSS", "LIFT_LOSS", "PROGRESS"], "rate": 100.0},
    "kiosk": {
        "operations": ["STATUS", "REPORT_TEMPORARY_LOSS", "LIFT_LOSS", "ENABLE", "UNLOCK", "PROGRESS"],
        "rate": 50.0,
    },
    "ecard": {"operations": ["STATUS", "REPORT_TEMPORARY_LOSS", "LIFT_LOSS", "PROGRESS"], "rate": 200.0},
}
DEFAULT_TEMPORARY_LOSS_DAYS = 7


@dataclass(frozen=True)
class Channel:
    principal: str
    kind: str
    bank_code: str | None  # a bank branch's own bank; None for channels not bound to one bank
    operations: frozenset[str]
    rate: RateSettings

    @property
    def is_ecard(self) -> bool:
        return self.kind == "ecard"


@dataclass(frozen=True)
class CardSettings:
    temporary_loss_days: int = DEFAULT_TEMPORARY_LOSS_DAYS
    kinds: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: DEFAULT_KINDS)
    channels: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> CardSettings:
        """``raw`` is the ``[cards]`` table of silink.toml (possibly empty)."""
        days = int(raw.get("temporary_loss_days", DEFAULT_TEMPORARY_LOSS_DAYS))
        if days < 1:
            raise InvalidInput("[cards] temporary_loss_days must be at least 1", "CONFIG_INVALID")
        kinds = {k: dict(v) for k, v in DEFAULT_KINDS.items()}
        for kind, over in dict(raw.get("channel_kinds", {})).items():
            if kind not in KINDS:
                raise InvalidInput(f"[cards.channel_kinds] unknown kind {kind!r}", "CONFIG_INVALID")
            kinds[kind].update(dict(over))
        for kind, spec in kinds.items():
            bad = set(spec.get("operations", ())) - set(OPERATIONS) - {"*"}
            if bad:
                raise InvalidInput(
                    f"[cards.channel_kinds.{kind}] unknown operations: {', '.join(sorted(bad))}",
                    "CONFIG_INVALID",
                )
        channels = {k: dict(v) for k, v in dict(raw.get("channels", {})).items()}
        for name, spec in channels.items():
            if spec.get("kind") not in KINDS:
                raise InvalidInput(
                    f"[cards.channels.{name!r}] needs a kind of {', '.join(KINDS)}", "CONFIG_INVALID"
                )
        return cls(temporary_loss_days=days, kinds=kinds, channels=channels)

    def channel(self, principal: str) -> Channel:
        """The channel a principal is, or PermissionDenied when it is not a card channel."""
        spec = self.channels.get(principal)
        if spec is not None:
            kind, bank = str(spec["kind"]), spec.get("bank_code")
        else:
            kind, bank = _kind_from_name(principal)
        if kind == "bank_branch" and not (isinstance(bank, str) and len(bank) == 3 and bank.isdigit()):
            raise PermissionDenied("a bank-branch channel must name its 3-digit bank", "CHANNEL_UNKNOWN")
        k = self.kinds[kind]
        ops = frozenset(OPERATIONS if "*" in k.get("operations", ()) else k.get("operations", ()))
        rate = RateSettings(rate=float(k.get("rate", 0.0)), burst=float(k.get("burst", 0.0)))
        return Channel(principal, kind, bank if kind == "bank_branch" else None, ops, rate)


def _kind_from_name(principal: str) -> tuple[str, str | None]:
    kind_part, _, rest = principal.partition(":")
    if kind_part != "channel":
        raise PermissionDenied("card services are for card channels only", "NOT_A_CARD_CHANNEL")
    head, _, tail = rest.partition("-")
    if head == "branch":
        return "bank_branch", tail.split("-", 1)[0]
    if head == "12333":
        return "hotline", None
    if head in ("kiosk", "ecard", "agency"):
        return head, None
    raise PermissionDenied("this channel is not configured for card services", "CHANNEL_UNKNOWN")


def authorise(channel: Channel, operation: str, card_bank_code: str | None) -> None:
    """Refuse an operation the channel may not do, or a bank branch acting on another bank's card."""
    if operation not in channel.operations:
        raise PermissionDenied(
            f"a {channel.kind} channel may not do {operation}",
            "CHANNEL_OPERATION_DENIED",
            metadata={"operation": operation, "channel_kind": channel.kind},
        )
    if channel.bank_code is not None and card_bank_code is not None and card_bank_code != channel.bank_code:
        raise PermissionDenied(
            "a bank branch acts only on cards of its own bank",
            "CROSS_BANK_DENIED",
            metadata={"channel_bank": channel.bank_code},
        )


class ChannelLimits:
    """One token bucket per channel principal, for this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, channel: Channel) -> None:
        with self._lock:
            bucket = self._buckets.get(channel.principal)
            if bucket is None or bucket.settings != channel.rate:
                bucket = self._buckets[channel.principal] = TokenBucket(channel.rate, self._clock)
        wait = bucket.take()
        if wait > 0:
            raise Unavailable(
                "this channel's card-call rate limit is reached; retry shortly",
                "CHANNEL_RATE_LIMITED",
                metadata={"retry_after_ms": str(max(1, int(wait * 1000)))},
            )


# -- the holder's authorisation token (electronic card under temporary loss) ------------------------


def _token_mac(protector: Any, card_number: str, expires: int) -> str:
    return protector.blind_index(f"holder-auth|{card_number}|{expires}").hex()


def issue_holder_token(
    protector: Any, card_number: str, valid_seconds: int = 300, now: float | None = None
) -> str:
    """What the holder's authenticated e-card session hands the channel: bound to one card, short-lived."""
    expires = int((time.time() if now is None else now) + valid_seconds)
    return f"{expires}.{_token_mac(protector, card_number, expires)}"


def holder_token_valid(protector: Any, card_number: str, token: str, now: float | None = None) -> bool:
    expires_text, _, mac = token.partition(".")
    if not expires_text.isdigit() or not mac:
        return False
    if int(expires_text) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac, _token_mac(protector, card_number, int(expires_text)))
