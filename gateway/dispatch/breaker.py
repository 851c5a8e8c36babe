"""Per-bank circuit breaker: stop hammering a bank that keeps failing, probe it again after a cool-down.

    CLOSED ──(N consecutive transient failures)──► OPEN ──(cool-down over)──► HALF_OPEN
       ▲                                              ▲                          │
       └──────────────(the probe succeeded)───────────┴──(the probe failed)──────┘

Only *transient* failures count (no connection, a timeout after sending, an answer the adapter maps to
RETRY such as HTTP 503): a bank that refuses a payment for good is healthy. While OPEN no submission is
sent to the bank; its outbox items wait (they are deferred, not failed). HALF_OPEN lets exactly one
send through as the probe; should the probe's worker die without reporting, another probe is allowed
after a further cool-down. The clock is injected so tests need no sleeps.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class BreakerState(enum.Enum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True)
class BreakerSettings:
    failure_threshold: int = 5  # consecutive transient failures that open the breaker
    cooldown_seconds: float = 30.0  # how long it stays open before a probe


@dataclass(frozen=True)
class BreakerSnapshot:
    state: BreakerState
    consecutive_failures: int
    opened_for_seconds: float | None  # how long it has been open (None when closed)


class CircuitBreaker:
    """Thread-safe; one per bank and process, shared by the worker threads."""

    def __init__(self, settings: BreakerSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_at: float | None = None

    @property
    def state(self) -> BreakerState:
        return self._state

    def wait_seconds(self) -> float:
        """0 when a send may go now (in HALF_OPEN this call takes the one probe), else how long to wait."""
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.CLOSED:
                return 0.0
            if self._state is BreakerState.OPEN:
                left = self._opened_at + self.settings.cooldown_seconds - now
                if left > 0:
                    return left
                self._state = BreakerState.HALF_OPEN
                self._probe_at = now
                return 0.0
            # HALF_OPEN: one probe at a time; a probe that never reported frees its place after a cool-down.
            assert self._probe_at is not None
            left = self._probe_at + self.settings.cooldown_seconds - now
            if left > 0:
                return left
            self._probe_at = now
            return 0.0

    def release_probe(self) -> None:
        """The probe taken by :meth:`wait_seconds` was not used (the send was deferred for another reason)."""
        with self._lock:
            if self._state is BreakerState.HALF_OPEN:
                self._probe_at = self._clock() - self.settings.cooldown_seconds

    def record_success(self) -> bool:
        """The bank answered usefully. True when this changed the state (to CLOSED)."""
        with self._lock:
            changed = self._state is not BreakerState.CLOSED
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._probe_at = None
            return changed

    def record_failure(self) -> bool:
        """A transient failure. True when this changed the state (to OPEN)."""
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or (
                self._state is BreakerState.CLOSED and self._failures >= self.settings.failure_threshold
            ):
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                self._probe_at = None
                return True
            if self._state is BreakerState.OPEN:
                self._opened_at = self._clock()  # still failing (e.g. an inquiry): the cool-down restarts
            return False

    def snapshot(self) -> BreakerSnapshot:
        with self._lock:
            opened = None if self._state is BreakerState.CLOSED else self._clock() - self._opened_at
            return BreakerSnapshot(self._state, self._failures, opened)
