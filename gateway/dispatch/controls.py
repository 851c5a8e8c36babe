"""Per-bank dispatch controls: cut-off calendar, circuit breaker and rate limit, read from ``[banks.X]``.

Before a submission is sent the worker asks :meth:`BankControls.gate`; the answer is either "go" or a
:class:`Deferral` (why, and for how long). A deferred outbox item is put back unchanged — it is not an
attempt, so a closed bank or an open breaker never pushes a submission towards the manual queue.

    [banks."102"]
    breaker_failures = 5              # consecutive transient failures that open the breaker
    breaker_cooldown_seconds = 30     # open this long, then one probe
    rate_limit = 20                   # per second; 0 = no limit
    rate_limit_unit = "submissions"   # or "lines"
    rate_limit_burst = 20             # bucket size (default: one second's worth)
    calendar = "banking"              # see gateway.dispatch.cutoff; "always" = no cut-off
    sla_hours = 24                    # time to a final answer before the submission is overdue
    agreement_start, agreement_end    # the 代发 agreement (gateway.domain.agreements), checked again here

Release checks the agreement, but a submission can wait in the outbox (a closed bank, an open breaker)
past the agreement's last day; the bank has no mandate to pay it then, so the gate holds it back too
(``AGREEMENT_NOT_IN_FORCE``, rechecked like a closed bank) until the agreement is renewed.

Breakers and buckets live in the process (one per bank, shared by its worker threads); each breaker
change is written to ``bank_dispatch_state`` so that other processes (``silink dispatch status``) see it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, update

from gateway.clock import now_iso
from gateway.dispatch.breaker import BreakerSettings, BreakerSnapshot, BreakerState, CircuitBreaker
from gateway.dispatch.cutoff import CutoffCalendar, calendar_from
from gateway.dispatch.ratelimit import UNITS, RateSettings, TokenBucket
from gateway.domain.agreements import NOT_IN_FORCE, Agreement
from gateway.errors import InvalidInput
from gateway.storage.tables_dispatch_controls import bank_dispatch_state

CONTROLS_INVALID = "DISPATCH_CONTROLS_INVALID"
DEFAULT_RATE = 20.0  # submissions per second: well above what a bank front end sees from one agency
DEFAULT_SLA_HOURS = 24
CLOSED_RECHECK_SECONDS = 300.0  # a closed bank's items look again at least this often (config reloads)


@dataclass(frozen=True)
class ControlSettings:
    breaker: BreakerSettings
    rate: RateSettings
    calendar: CutoffCalendar
    sla_hours: float
    agreement: Agreement | None = None


@dataclass(frozen=True)
class Deferral:
    reason: str  # AGREEMENT_NOT_IN_FORCE | BANK_CLOSED | BREAKER_OPEN | RATE_LIMITED
    seconds: float
    detail: str


def _number(code: str, raw: dict[str, Any], key: str, default: float, minimum: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise InvalidInput(
            f"banks.{code}.{key} must be a number ≥ {minimum:g}",
            CONTROLS_INVALID,
            metadata={"setting": f"banks.{code}.{key}"},
        )
    return float(value)


def control_settings(code: str, raw: dict[str, Any]) -> ControlSettings:
    """Bank ``code``'s controls from its ``[banks.X]`` table, every one optional."""
    unit = str(raw.get("rate_limit_unit", "submissions"))
    if unit not in UNITS:
        raise InvalidInput(
            f"banks.{code}.rate_limit_unit must be one of {', '.join(UNITS)}",
            CONTROLS_INVALID,
            metadata={"setting": f"banks.{code}.rate_limit_unit"},
        )
    return ControlSettings(
        breaker=BreakerSettings(
            failure_threshold=int(_number(code, raw, "breaker_failures", 5, 1)),
            cooldown_seconds=_number(code, raw, "breaker_cooldown_seconds", 30.0, 0),
        ),
        rate=RateSettings(
            rate=_number(code, raw, "rate_limit", DEFAULT_RATE, 0),
            burst=_number(code, raw, "rate_limit_burst", 0, 0),
            unit=unit,
        ),
        calendar=calendar_from(code, raw),
        sla_hours=_number(code, raw, "sla_hours", DEFAULT_SLA_HOURS, 0),
        agreement=Agreement.from_config(code, raw),
    )


class BankControls:
    """The breakers and buckets of one process, made on first use per bank."""

    def __init__(
        self,
        settings_for: Callable[[str], ControlSettings],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._settings_for = settings_for
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._settings: dict[str, ControlSettings] = {}
        self._breakers: dict[str, CircuitBreaker] = {}
        self._buckets: dict[str, TokenBucket] = {}

    def settings(self, code: str) -> ControlSettings:
        with self._lock:
            if code not in self._settings:
                s = self._settings_for(code)
                self._settings[code] = s
                self._breakers[code] = CircuitBreaker(s.breaker, self._clock)
                self._buckets[code] = TokenBucket(s.rate, self._clock)
            return self._settings[code]

    def breaker(self, code: str) -> CircuitBreaker:
        self.settings(code)
        return self._breakers[code]

    def bucket(self, code: str) -> TokenBucket:
        self.settings(code)
        return self._buckets[code]

    def gate(self, code: str, lines: int) -> Deferral | None:
        """None: send now (a rate token, or the half-open probe, is taken). Else why and how long to wait."""
        s = self.settings(code)
        now = self._wall()
        # The agreement's dates are the bank's local dates, like its banking hours.
        today = now.astimezone(s.calendar.tz).date()
        if s.agreement is not None and not s.agreement.in_force(today):
            return Deferral(
                NOT_IN_FORCE,
                CLOSED_RECHECK_SECONDS,
                f"the payroll agreement runs {s.agreement.span}; today is {today}",
            )
        if not s.calendar.is_open(now):
            until = s.calendar.seconds_until_open(now)
            wait = CLOSED_RECHECK_SECONDS if until is None else min(until, CLOSED_RECHECK_SECONDS)
            return Deferral("BANK_CLOSED", max(wait, 1.0), f"outside banking hours ({s.calendar.describe()})")
        breaker = self._breakers[code]
        wait = breaker.wait_seconds()
        if wait > 0:
            return Deferral("BREAKER_OPEN", wait, f"circuit breaker {breaker.state.value}")
        probing = breaker.state is BreakerState.HALF_OPEN
        wait = self._buckets[code].take(lines)
        if wait > 0:
            if probing:
                breaker.release_probe()
            return Deferral("RATE_LIMITED", wait, f"rate limit {s.rate.rate:g} {s.rate.unit}/s")
        return None

    def record(self, code: str, ok: bool) -> BreakerSnapshot | None:
        """A transient failure (``ok=False``) or a useful answer; the snapshot when the state changed."""
        breaker = self.breaker(code)
        changed = breaker.record_success() if ok else breaker.record_failure()
        return breaker.snapshot() if changed else None


def save_breaker(conn: Any, code: str, snap: BreakerSnapshot, owner: str) -> None:
    """Make a breaker change visible to other processes (last writer wins: the latest change)."""
    values = {
        "breaker_state": snap.state.value,
        "consecutive_failures": snap.consecutive_failures,
        "changed_at": now_iso(),
        "owner": owner[:80],
    }
    done = conn.execute(
        update(bank_dispatch_state).where(bank_dispatch_state.c.bank_code == code).values(**values)
    )
    if not done.rowcount:
        conn.execute(insert(bank_dispatch_state).values(bank_code=code, **values))
