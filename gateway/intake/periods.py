"""Benefit periods (所属期): ``YYYY-MM`` as the contract says, ``YYYYMM`` accepted too (做账期号 form).

A period must name a real month and lie in the settings' window: not before ``earliest_period``, not more
than ``max_future_months`` after the reference date (back pay for old months is legitimate; a payroll for
a month two years ahead is a typo).
"""

from __future__ import annotations

from gateway.errors import LineRejected
from gateway.intake import reasons as R


def add_months(period: str, months: int) -> str:
    """``add_months("2024-11", 3)`` → ``"2025-02"``."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_period(text: str, earliest: str, latest: str) -> str:
    """The normalised ``YYYY-MM`` period, or LineRejected. ``earliest``/``latest`` are ``YYYY-MM``."""
    value = text.strip()
    if not value:
        raise LineRejected("period is required", reason=R.PERIOD_MISSING)
    if not value.isascii():
        raise LineRejected("period must be YYYY-MM", reason=R.PERIOD_FORMAT)
    if len(value) == 7 and value[4] == "-":
        year, month = value[:4], value[5:]
    elif len(value) == 6:
        year, month = value[:4], value[4:]
    else:
        raise LineRejected("period must be YYYY-MM", reason=R.PERIOD_FORMAT)
    if not (year.isdigit() and month.isdigit()) or not 1 <= int(month) <= 12:
        raise LineRejected("period must be YYYY-MM with a month from 01 to 12", reason=R.PERIOD_FORMAT)
    period = f"{year}-{month}"
    if not earliest <= period <= latest:
        raise LineRejected(f"period must lie between {earliest} and {latest}", reason=R.PERIOD_OUT_OF_RANGE)
    return period
