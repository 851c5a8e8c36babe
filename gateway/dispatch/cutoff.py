"""Per-bank cut-off calendar: submissions go to a bank only inside its banking hours.

Banking hours are local to the bank (Asia/Shanghai by default): weekdays, an opening and a closing
time, minus the public holidays, plus the make-up working days (调休) on which a weekend day is worked.
A bank whose ``calendar = "always"`` takes submissions at any time (simulators, the demo, banks with a
24×7 front end). Outside the window a submission is not failed: it waits, and goes when the bank opens.

    [banks."102"]
    calendar = "banking"              # default; "always" = no cut-off
    banking_days = ["mon", "tue", "wed", "thu", "fri"]
    banking_hours = "08:30-17:00"     # opens at 08:30, the last send leaves before 17:00
    holidays = ["2026-10-01", "2026-10-02"]
    extra_workdays = ["2026-09-27"]   # a Sunday worked instead of a holiday
    calendar_timezone = "Asia/Shanghai"
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.errors import InvalidInput

CALENDAR_INVALID = "CALENDAR_INVALID"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_DAYS = frozenset(range(5))
DEFAULT_HOURS = "08:30-17:00"
DEFAULT_TZ = "Asia/Shanghai"
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_LOOKAHEAD_DAYS = 400  # a calendar that never opens within this is reported, not searched forever


@dataclass(frozen=True)
class CutoffCalendar:
    always: bool = False
    days: frozenset[int] = DEFAULT_DAYS  # 0 = Monday
    opens: dt.time = dt.time(8, 30)
    closes: dt.time = dt.time(17, 0)  # exclusive; 24:00 is written as time.max
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_workdays: frozenset[dt.date] = field(default_factory=frozenset)
    tz: dt.tzinfo = field(default_factory=lambda: _zone(DEFAULT_TZ))

    def describe(self) -> str:
        if self.always:
            return "always"
        days = ",".join(DAYS[d] for d in sorted(self.days))
        closes = "24:00" if self.closes == dt.time.max else self.closes.strftime("%H:%M")
        return f"{days} {self.opens.strftime('%H:%M')}-{closes} {self.tz}"

    def _working_day(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.days and day not in self.holidays

    def is_open(self, at: dt.datetime) -> bool:
        if self.always:
            return True
        local = at.astimezone(self.tz)
        return self._working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_open(self, at: dt.datetime) -> dt.datetime | None:
        """The first moment at or after ``at`` when the bank takes submissions (None: not within a year)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.tz)
        day = local.date()
        for _ in range(_LOOKAHEAD_DAYS):
            if self._working_day(day):
                start = dt.datetime.combine(day, self.opens, tzinfo=self.tz)
                if start >= local:
                    return start
            day += dt.timedelta(days=1)
        return None

    def seconds_until_open(self, at: dt.datetime) -> float | None:
        nxt = self.next_open(at)
        return None if nxt is None else max(0.0, (nxt - at).total_seconds())


def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TZ:  # no tz database on this host: China keeps UTC+8 all year
            return dt.timezone(dt.timedelta(hours=8), DEFAULT_TZ)
        raise


def _bad(code: str, key: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"banks.{code}.{key}: {why}", CALENDAR_INVALID, metadata={"setting": f"banks.{code}.{key}"}
    )


def _dates(code: str, key: str, value: Any) -> frozenset[dt.date]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise _bad(code, key, "must be a list of dates YYYY-MM-DD")
    out = set()
    for item in value:
        if isinstance(item, dt.date) and not isinstance(item, dt.datetime):
            out.add(item)
            continue
        try:
            out.add(dt.date.fromisoformat(str(item)))
        except ValueError:
            raise _bad(code, key, f"{item!r} is not a date YYYY-MM-DD") from None
    return frozenset(out)


def calendar_from(code: str, raw: dict[str, Any]) -> CutoffCalendar:
    """The calendar of bank ``code`` from its ``[banks.X]`` table; a precise error for a bad setting."""
    kind = str(raw.get("calendar", "banking"))
    if kind not in ("banking", "always"):
        raise _bad(code, "calendar", f'{kind!r} is neither "banking" nor "always"')
    if kind == "always":
        return CutoffCalendar(always=True)
    days_raw = raw.get("banking_days", [DAYS[d] for d in sorted(DEFAULT_DAYS)])
    if not isinstance(days_raw, list) or not days_raw:
        raise _bad(code, "banking_days", 'must be a non-empty list such as ["mon", "tue"]')
    days = set()
    for d in days_raw:
        name = str(d).lower()[:3]
        if name not in DAYS:
            raise _bad(code, "banking_days", f"{d!r} is not a day (mon … sun)")
        days.add(DAYS.index(name))
    hours = str(raw.get("banking_hours", DEFAULT_HOURS))
    m = _HOURS.match(hours)
    if not m:
        raise _bad(code, "banking_hours", f"{hours!r} is not HH:MM-HH:MM")
    opens = dt.time(int(m[1]), int(m[2]))
    if int(m[3]) == 24:
        if m[4] != "00":
            raise _bad(code, "banking_hours", "24:MM is not a time")
        closes = dt.time.max
    else:
        closes = dt.time(int(m[3]), int(m[4]))
    if closes <= opens:
        raise _bad(code, "banking_hours", "the window must close after it opens")
    tz_name = str(raw.get("calendar_timezone", DEFAULT_TZ))
    try:
        tz = _zone(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(code, "calendar_timezone", f"{tz_name!r} is not a known time zone") from None
    return CutoffCalendar(
        always=False,
        days=frozenset(days),
        opens=opens,
        closes=closes,
        holidays=_dates(code, "holidays", raw.get("holidays")),
        extra_workdays=_dates(code, "extra_workdays", raw.get("extra_workdays")),
        tz=tz,
    )
