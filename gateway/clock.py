"""The one source of "now" for stored timestamps: UTC, ISO 8601, microseconds (sortable as text)."""

from __future__ import annotations

import datetime as dt


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
