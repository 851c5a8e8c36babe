"""Replay protection for signed messages in both directions: a timestamp window and single-use nonces.

Every signed message we send or accept carries a timestamp and a random nonce (:func:`new_stamp` makes
both). On receipt, :meth:`ReplayGuard.check`:

1. refuses a timestamp more than ``window_seconds`` away from our clock, either way
   (``Unauthenticated(REPLAY_WINDOW)``) — so a captured message is worthless after the window;
2. records the nonce in ``replay_nonces``; the table's primary key (scope, nonce) makes a second use fail
   (``Unauthenticated(REPLAY_NONCE)``) in the database itself, so it holds across a restart and between
   gateway processes that check concurrently;
3. now and then deletes nonces whose message is past the window (they can no longer pass step 1).

A nonce is kept until ``timestamp + window``: the last moment its message could still pass step 1.
``scope`` separates the nonce spaces of different peers (e.g. ``bank:102``) when they need it.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from gateway.clock import now_iso
from gateway.errors import InvalidInput, Unauthenticated
from gateway.storage.tables import replay_nonces

REPLAY_WINDOW = "REPLAY_WINDOW"
REPLAY_NONCE = "REPLAY_NONCE"
REPLAY_MALFORMED = "REPLAY_MALFORMED"
DEFAULT_WINDOW_SECONDS = 300
_NONCE = re.compile(r"[A-Za-z0-9_\-+/=.:]{16,128}")


def new_stamp() -> tuple[str, str]:
    """A fresh (nonce, timestamp) for an outgoing message: 128 random bits as hex, UTC ISO-8601."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return secrets.token_hex(16), stamp


def parse_timestamp(value: object) -> float:
    """Seconds since the epoch from epoch seconds (int/float/decimal text), an aware datetime, or
    ISO-8601 text with a zone (``Z`` or ``+08:00``). ``InvalidInput(REPLAY_MALFORMED)`` otherwise."""
    if isinstance(value, bool):
        raise InvalidInput("message timestamp is malformed", REPLAY_MALFORMED)
    if isinstance(value, int | float):
        ts = float(value)
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("message timestamp has no time zone", REPLAY_MALFORMED)
        ts = value.timestamp()
    elif isinstance(value, str):
        text = value.strip()
        try:
            ts = float(text)
        except ValueError:
            try:
                dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidInput("message timestamp is malformed", REPLAY_MALFORMED) from None
            if dt.tzinfo is None:
                raise InvalidInput("message timestamp has no time zone", REPLAY_MALFORMED) from None
            ts = dt.timestamp()
    else:
        raise InvalidInput("message timestamp is malformed", REPLAY_MALFORMED)
    if not math.isfinite(ts):
        raise InvalidInput("message timestamp is malformed", REPLAY_MALFORMED)
    return ts


class ReplayGuard:
    """Rejects stale and replayed messages; state lives in the database (``gateway.storage.Database``)."""

    def __init__(
        self,
        db: object,
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.time,
        purge_interval_seconds: float = 60.0,
    ) -> None:
        if window_seconds <= 0:
            raise InvalidInput("the replay window must be positive", REPLAY_MALFORMED)
        self.db = db
        self.window = int(window_seconds)
        self._clock = clock
        self._purge_interval = purge_interval_seconds
        self._next_purge = 0.0

    def check(self, nonce: str, timestamp: object, scope: str = "") -> None:
        """Accept a message once: raises ``Unauthenticated(REPLAY_WINDOW | REPLAY_NONCE)`` for a stale
        or replayed one, ``InvalidInput(REPLAY_MALFORMED)`` for a malformed nonce or timestamp."""
        if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
            raise InvalidInput("message nonce is malformed (16–128 URL-safe characters)", REPLAY_MALFORMED)
        if not isinstance(scope, str) or len(scope) > 64:
            raise InvalidInput("replay scope is malformed", REPLAY_MALFORMED)
        ts = parse_timestamp(timestamp)
        now = self._clock()
        if abs(now - ts) > self.window:
            raise Unauthenticated(
                "message timestamp is outside the replay window",
                REPLAY_WINDOW,
                metadata={"window_seconds": str(self.window)},
            )
        if now >= self._next_purge:
            self.purge(now)
        try:
            with self.db.write() as conn:  # type: ignore[attr-defined]
                conn.execute(
                    insert(replay_nonces).values(
                        scope=scope,
                        nonce=nonce,
                        expires_at=math.ceil(ts + self.window),
                        seen_at=now_iso(),
                    )
                )
        except IntegrityError:
            raise Unauthenticated("message nonce was already used", REPLAY_NONCE) from None

    def purge(self, now: float | None = None) -> int:
        """Delete nonces whose messages are past the window; returns how many."""
        now = self._clock() if now is None else now
        self._next_purge = now + self._purge_interval
        with self.db.write() as conn:  # type: ignore[attr-defined]
            result = conn.execute(delete(replay_nonces).where(replay_nonces.c.expires_at < math.floor(now)))
        return result.rowcount or 0
