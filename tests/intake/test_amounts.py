"""Amounts: yuan text to integer fen, strictly, and fen back to yuan text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.amounts import check_ceiling, format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("2345.67", 234567),
        ("2345.6", 234560),
        ("2345", 234500),
        ("0.01", 1),
        (" 12.30 ", 1230),
        ("007.00", 700),
    ],
)
def test_accepted_amounts(text, fen):
    """Digits with at most two decimals become exact integer fen."""
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", R.AMOUNT_MISSING),
        ("1e3", R.AMOUNT_FORMAT),
        ("1,000.00", R.AMOUNT_FORMAT),
        ("+5", R.AMOUNT_FORMAT),
        ("5.", R.AMOUNT_FORMAT),
        (".5", R.AMOUNT_FORMAT),
        ("1.2.3", R.AMOUNT_FORMAT),
        ("¥100", R.AMOUNT_FORMAT),
        ("100元", R.AMOUNT_FORMAT),
        ("１００", R.AMOUNT_FORMAT),  # full-width digits
        ("nan", R.AMOUNT_FORMAT),
        ("1_000", R.AMOUNT_FORMAT),
        ("9" * 16, R.AMOUNT_FORMAT),
        ("123.456", R.AMOUNT_DECIMALS),
        ("123.450", R.AMOUNT_DECIMALS),
        ("0", R.AMOUNT_NOT_POSITIVE),
        ("0.00", R.AMOUNT_NOT_POSITIVE),
        ("-5", R.AMOUNT_NOT_POSITIVE),
        ("-0.01", R.AMOUNT_NOT_POSITIVE),
    ],
)
def test_refused_amounts(text, reason):
    """Signs, exponents, separators, currency marks and extra decimals are refused with their reason."""
    with pytest.raises(LineRejected) as caught:
        parse_yuan(text)
    assert caught.value.reason == reason


def test_ceiling_is_inclusive():
    """An amount equal to the ceiling passes; one fen more is AMOUNT_OVER_CEILING."""
    check_ceiling(3_000_000, 3_000_000)
    with pytest.raises(LineRejected) as caught:
        check_ceiling(3_000_001, 3_000_000)
    assert caught.value.reason == R.AMOUNT_OVER_CEILING


@given(st.integers(min_value=1, max_value=10**15))
def test_format_and_parse_round_trip(fen):
    """format_yuan without grouping and parse_yuan are inverse on every positive amount."""
    assert parse_yuan(format_yuan(fen, grouping=False)) == fen


def test_format_groups_thousands():
    """format_yuan groups thousands for people: 123456789 fen is 1,234,567.89."""
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-150) == "-1.50"
