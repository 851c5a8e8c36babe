"""Per-bank rate limit: a token bucket, counted in submissions or in lines per second.

A bank that agreed to take at most so many requests (or payment lines) per second gets no more: a send
takes ``cost`` tokens (1 per submission, or its line count), tokens come back at ``rate`` per second up
to ``burst``. A cost larger than the burst is capped at the burst, so a big submission waits for a full
bucket instead of forever. ``rate = 0`` means no limit. The clock is injected so tests need no sleeps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

UNITS = ("submissions", "lines")


@dataclass(frozen=True)
class RateSettings:
    rate: float = 0.0  # tokens per second; 0 = unlimited
    burst: float = 0.0  # bucket size; 0 = one second's worth (at least 1)
    unit: str = "submissions"  # or "lines"

    @property
    def capacity(self) -> float:
        return self.burst if self.burst > 0 else max(self.rate, 1.0)

    def cost(self, lines: int) -> float:
        return float(lines) if self.unit == "lines" else 1.0


class TokenBucket:
    """Thread-safe; one per bank and process, shared by the worker threads."""

    def __init__(self, settings: RateSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = settings.capacity
        self._at = clock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.settings.capacity, self._tokens + (now - self._at) * self.settings.rate)
        self._at = now

    def take(self, lines: int = 1) -> float:
        """0 when the send may go now (its tokens are taken), else seconds until enough tokens are back."""
        if self.settings.rate <= 0:
            return 0.0
        cost = min(self.settings.cost(lines), self.settings.capacity)
        with self._lock:
            self._refill(self._clock())
            if self._tokens >= cost:
                self._tokens -= cost
                return 0.0
            return (cost - self._tokens) / self.settings.rate

    def available(self) -> float:
        with self._lock:
            self._refill(self._clock())
            return self._tokens
