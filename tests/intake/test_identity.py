"""Resident ID (GB 11643) and USCC (GB 32100) checks.

Values compared here are the standards' published examples or synthetic numbers, and assertions compare
reason codes or booleans, so a failure never prints an ID.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.identity import (
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    birth_dates,
    normalise_resident_id,
    normalise_uscc,
    resident_id_check_char,
    resolve_id_type,
    uscc_check_char,
)
from gateway.intake.settings import ValidationSettings

BIRTHS = birth_dates(date(1900, 1, 1), date(2025, 1, 15))


def reason_of(fn, *args) -> str | None:
    try:
        fn(*args)
    except LineRejected as exc:
        return exc.reason
    return None


def test_standard_examples_have_the_right_check_character():
    """Both GB 11643 examples of DOMAIN.md §5 get their printed check character from the weighted sum."""
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == "4"


def test_example_resident_ids_validate():
    """Both DOMAIN.md examples, 11010519491231002X and 440524188001010014 (born 1880), validate by default."""
    default = birth_dates(ValidationSettings().earliest_birth_date, date(2025, 1, 15))
    ok_1949 = normalise_resident_id("11010519491231002X", default) == "11010519491231002X"
    ok_1880 = normalise_resident_id("440524188001010014", default) == "440524188001010014"
    assert ok_1949 and ok_1880


def test_birth_before_the_configured_floor_is_refused():
    """With the earliest birth date set to 1900-01-01, the 1880 example is refused as ID_BIRTH_DATE."""
    assert reason_of(normalise_resident_id, "440524188001010014", BIRTHS) == R.ID_BIRTH_DATE


def test_example_uscc_validates():
    """91350100M000100Y43 (DOMAIN.md §5) is a valid unified social credit code."""
    assert reason_of(normalise_uscc, "91350100M000100Y43") is None
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", R.ID_MISSING),
        ("   ", R.ID_MISSING),
        ("11010519491231002", R.ID_FORMAT),  # 17 characters
        ("11010519491231002XX", R.ID_FORMAT),
        ("1101051949123100AX", R.ID_FORMAT),
        ("11010519491231002Y", R.ID_FORMAT),
        ("１１０１０５１９４９１２３１００２Ｘ", R.ID_FORMAT),  # full-width digits
        ("11010519491231003X", R.ID_CHECK_DIGIT),
        ("110105194912310021", R.ID_CHECK_DIGIT),
        ("99010519491231002X", R.ID_AREA_CODE),
        ("110105195102300011", R.ID_BIRTH_DATE),  # 30 February
        ("110105195213010010", R.ID_BIRTH_DATE),  # month 13
        ("110105209901010010", R.ID_BIRTH_DATE),  # in the future
        ("110105189912310010", R.ID_BIRTH_DATE),  # before 1900
        ("11010549123100", R.ID_FORMAT),  # 14 digits
        ("11010549123100A", R.ID_FORMAT),  # 15 characters, not all digits
        ("110105490230002", R.ID_BIRTH_DATE),  # legacy 15-digit, 30 February 1949
    ],
)
def test_resident_id_reasons(value, reason):
    """Each malformed resident ID is refused with the reason for its first problem."""
    assert reason_of(normalise_resident_id, value, BIRTHS) == reason


def test_birth_date_checks_structure_before_checksum():
    """An impossible birth date is reported as such even when the check character is also wrong."""
    assert reason_of(normalise_resident_id, "110105195102300012", BIRTHS) == R.ID_BIRTH_DATE


def test_leap_day_is_a_real_date_only_in_leap_years():
    """29 February exists in 1948 and 2000 but not in 1949 or 1900."""
    assert "19480229" in BIRTHS and "20000229" in BIRTHS
    assert "19490229" not in BIRTHS and "19000229" not in BIRTHS


def test_birth_date_window_follows_the_reference_date():
    """A birth on the reference date is accepted, the day after is not."""
    window = birth_dates(date(1900, 1, 1), date(2025, 1, 15))
    assert "20250115" in window and "20250116" not in window and "19000101" in window


def test_legacy_15_digit_id_becomes_the_18_digit_form():
    """110105491231002 normalises to 11010519491231002X (19 inserted, check computed)."""
    ok = normalise_resident_id("110105491231002", BIRTHS) == "11010519491231002X"
    assert ok


def test_lowercase_x_and_spaces_are_normalised():
    """A lowercase x and surrounding spaces are accepted and normalised."""
    ok = normalise_resident_id(" 11010519491231002x ", BIRTHS) == "11010519491231002X"
    assert ok


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", R.ID_MISSING),
        ("91350100M000100Y4", R.ID_FORMAT),
        ("91350100M000100Y44", R.ID_CHECK_DIGIT),
        ("91350100M000100I43", R.ID_FORMAT),  # I is not in the alphabet
        ("9135A100M000100Y43", R.ID_FORMAT),  # area code must be digits
    ],
)
def test_uscc_reasons(value, reason):
    """Each malformed USCC is refused with the reason for its first problem."""
    assert reason_of(normalise_uscc, value) == reason


def test_uscc_lowercase_is_upper_cased():
    """A lowercase USCC is accepted and upper-cased."""
    ok = normalise_uscc("91350100m000100y43") == "91350100M000100Y43"
    assert ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("RESIDENT_ID", "RESIDENT_ID"),
        ("resident_id", "RESIDENT_ID"),
        ("居民身份证", "RESIDENT_ID"),
        ("身份证", "RESIDENT_ID"),
        ("USCC", "USCC"),
        ("统一社会信用代码", "USCC"),
    ],
)
def test_id_type_aliases(text, expected):
    """id_type accepts codes in any case and Chinese names; empty means the benefit's default."""
    assert resolve_id_type(text) == expected


def test_unknown_id_type():
    """Passports are not a supported id_type."""
    assert reason_of(resolve_id_type, "PASSPORT") == R.ID_TYPE_UNKNOWN


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_base13_check_equals_the_weighted_sum(body):
    """The base-13 shortcut gives the same check character as the GB 11643 weighted sum, for any 17 digits."""
    total = sum(int(d) * w for d, w in zip(body, RESIDENT_ID_WEIGHTS, strict=True))
    assert resident_id_check_char(body) == "10X98765432"[total % 11]


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_matches_its_definition(body):
    """uscc_check_char follows alphabet[(31 - Σ vᵢwᵢ mod 31) mod 31] with weights 3^i mod 31."""
    assert list(USCC_WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    assert uscc_check_char(body) == USCC_ALPHABET[(31 - total % 31) % 31]
