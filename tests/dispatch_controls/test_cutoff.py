"""Cut-off calendar: banking hours in Asia/Shanghai, holidays, make-up working days, "always"."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.dispatch.cutoff import calendar_from
from gateway.errors import InvalidInput
from tests.dispatch_controls.helpers import shanghai

# 2026-12-04 is a Friday, 2026-12-05 a Saturday.


def test_default_is_weekdays_0830_to_1700_shanghai_time() -> None:
    cal = calendar_from("102", {})
    assert not cal.is_open(shanghai(2026, 12, 4, 8, 29))
    assert cal.is_open(shanghai(2026, 12, 4, 8, 30))
    assert cal.is_open(shanghai(2026, 12, 4, 16, 59))
    assert not cal.is_open(shanghai(2026, 12, 4, 17, 0))
    assert not cal.is_open(shanghai(2026, 12, 5, 10, 0))  # Saturday
    # The same moment given in UTC: 01:00 UTC is 09:00 in Shanghai.
    assert cal.is_open(dt.datetime(2026, 12, 4, 1, 0, tzinfo=dt.UTC))
    assert not cal.is_open(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC))  # 18:00 local


def test_next_opening_skips_the_weekend_and_holidays() -> None:
    cal = calendar_from("102", {"holidays": ["2026-12-07"]})  # Monday off
    friday_evening = shanghai(2026, 12, 4, 18, 0)
    assert cal.next_open(friday_evening) == shanghai(2026, 12, 8, 8, 30)
    assert cal.seconds_until_open(friday_evening) == pytest.approx((3 * 24 + 14.5) * 3600)
    assert cal.next_open(shanghai(2026, 12, 8, 7, 0)) == shanghai(2026, 12, 8, 8, 30)


def test_make_up_workday_and_custom_days_and_hours() -> None:
    cal = calendar_from(
        "308",
        {"banking_days": ["mon", "wed"], "banking_hours": "09:00-24:00", "extra_workdays": ["2026-12-05"]},
    )
    assert cal.is_open(shanghai(2026, 12, 5, 23, 59))  # Saturday worked (调休)
    assert not cal.is_open(shanghai(2026, 12, 4, 12, 0))  # Friday is not a banking day here
    assert cal.is_open(shanghai(2026, 12, 7, 9, 0))


def test_always_is_open_at_any_hour() -> None:
    cal = calendar_from("102", {"calendar": "always"})
    assert cal.is_open(shanghai(2026, 12, 5, 3, 0)) and cal.describe() == "always"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"calendar": "sometimes"}, "calendar"),
        ({"banking_hours": "8:30-17:00"}, "banking_hours"),
        ({"banking_hours": "17:00-08:30"}, "banking_hours"),
        ({"banking_days": ["funday"]}, "banking_days"),
        ({"holidays": ["2026-13-01"]}, "holidays"),
        ({"calendar_timezone": "Mars/Olympus"}, "calendar_timezone"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(raw, key) -> None:
    with pytest.raises(InvalidInput) as err:
        calendar_from("102", raw)
    assert err.value.metadata["setting"] == f"banks.102.{key}"
