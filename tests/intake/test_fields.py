"""Period, name, region and ref checks."""

from __future__ import annotations

import pytest

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.names import normalise_name
from gateway.intake.periods import add_months, parse_period
from gateway.intake.references import normalise_ref
from gateway.intake.regions import SHANDONG_REGIONS, normalise_region


def reason_of(fn, *args) -> str | None:
    try:
        fn(*args)
    except LineRejected as exc:
        return exc.reason
    return None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2024-05", "2024-05"), ("202405", "2024-05"), (" 2024-12 ", "2024-12"), ("1990-01", "1990-01")],
)
def test_periods_accepted(text, expected):
    """YYYY-MM and YYYYMM name a month inside the window and normalise to YYYY-MM."""
    assert parse_period(text, "1990-01", "2026-01") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", R.PERIOD_MISSING),
        ("2024-13", R.PERIOD_FORMAT),
        ("2024-00", R.PERIOD_FORMAT),
        ("2024/05", R.PERIOD_FORMAT),
        ("24-05", R.PERIOD_FORMAT),
        ("2024-5", R.PERIOD_FORMAT),
        ("二〇二四-05", R.PERIOD_FORMAT),
        ("1989-12", R.PERIOD_OUT_OF_RANGE),
        ("2026-02", R.PERIOD_OUT_OF_RANGE),
    ],
)
def test_periods_refused(text, reason):
    """Malformed months and months outside the window are refused with their reason."""
    assert reason_of(parse_period, text, "1990-01", "2026-01") == reason


def test_add_months_crosses_years():
    """add_months carries into the next or previous year."""
    assert add_months("2024-11", 3) == "2025-02"
    assert add_months("2024-01", -1) == "2023-12"


@pytest.mark.parametrize(
    ("text", "person", "reason"),
    [
        ("张三", True, None),
        ("阿卜杜热合曼·买买提", True, None),
        ("Mary Smith", True, None),
        ("济南第3机械厂", False, None),
        ("", True, R.NAME_MISSING),
        ("   ", True, R.NAME_MISSING),
        ("张三2", True, R.NAME_INVALID),
        ("张三２", True, R.NAME_INVALID),  # full-width digit
        ("张　三", True, R.NAME_INVALID),  # full-width space used for alignment
        ("张\t三", True, R.NAME_INVALID),
        ("=HYPERLINK(1)", False, R.NAME_INVALID),
        ("张" * 31, True, R.NAME_TOO_LONG),
    ],
)
def test_names(text, person, reason):
    """Names must be present, plain text and at most 30 characters for persons."""
    assert reason_of(normalise_name, text, 30, person) == reason


def test_name_is_stripped():
    """Surrounding spaces are removed from names."""
    assert normalise_name("  李四 ", 30, True) == "李四"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", None),
        ("3701", None),
        ("1101", None),
        ("37A1", R.REGION_FORMAT),
        ("370102", R.REGION_FORMAT),
        ("9901", R.REGION_FORMAT),
    ],
)
def test_regions(text, reason):
    """region is optional; when present, a 4-digit prefix starting with a province code."""
    assert reason_of(normalise_region, text) == reason


def test_shandong_regions_of_domain_notes():
    """The 16 Shandong regions of DOMAIN.md §9 are listed, each district code under its region prefix."""
    assert len(SHANDONG_REGIONS) == 16
    assert all(
        d.startswith(prefix) and len(d) == 6 for prefix, (_, ds) in SHANDONG_REGIONS.items() for d in ds
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", None),
        ("A-12_3./x", None),
        ("R" * 32, None),
        ("R" * 33, R.REF_FORMAT),
        ("a b", R.REF_FORMAT),
        ("单号1", R.REF_FORMAT),
    ],
)
def test_refs(text, reason):
    """ref is optional; at most 32 of letters, digits and - _ . /"""
    assert reason_of(normalise_ref, text) == reason
