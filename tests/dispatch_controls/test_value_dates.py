"""Value dates from every protocol are stored as YYYY-MM-DD, so date ranges in reconciliation see them."""

from __future__ import annotations

import pytest

from gateway.dispatch.lines import iso_day


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-12-03", "2026-12-03"),  # ISO 20022
        ("20261203", "2026-12-03"),  # direct-link JSON, 回盘 files
        ("2026-12-03T10:00:00+08:00", "2026-12-03"),
        ("20261332", None),  # no such day
        ("3 Dec", None),
        ("", None),
    ],
)
def test_value_dates_are_normalised_or_dropped(sent: str, stored: str | None) -> None:
    assert iso_day(sent) == stored
