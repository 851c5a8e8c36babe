"""Payee identity: resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

Resident ID, 18 characters: 6-digit area code, birth date YYYYMMDD, 3-digit sequence, check character.
The check is Σ dᵢ·wᵢ mod 11 with wᵢ = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, indexing ``10X98765432``.
Those weights are 2^(18-i) mod 11, so the sum is congruent to 2 · (the 17 digits read in base 13), because
13 ≡ 2 (mod 11): ``int(body, 13)`` computes the weighted sum in C, which matters at 30 million lines.
Legacy 15-digit IDs (born 1900-1999, no check character) are normalised to 18 by inserting ``19`` before
the two-digit year and computing the check, so both forms of one person compare equal. Birth dates
before ``ValidationSettings.earliest_birth_date`` (default 1850-01-01) are refused, so the standard's own
example ``440524188001010014`` (born 1880) validates.

USCC, 18 characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I O S V Z): registration authority,
organisation type, 6-digit area code, 9-character organisation code, check character
``alphabet[(31 − Σ vᵢ·wᵢ mod 31) mod 31]`` with wᵢ = 3^i mod 31.
"""

from __future__ import annotations

import calendar
from collections.abc import Container
from datetime import date
from functools import lru_cache

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.benefits import RESIDENT_ID, USCC

ID_TYPES = (RESIDENT_ID, USCC)
# Spellings accepted in the id_type column (ASCII compared upper-cased). Empty means "the benefit's
# default" (USCC for enterprise refunds, RESIDENT_ID otherwise).
ID_TYPE_ALIASES: dict[str, str] = {
    RESIDENT_ID: RESIDENT_ID,
    "居民身份证": RESIDENT_ID,
    "身份证": RESIDENT_ID,
    USCC: USCC,
    "统一社会信用代码": USCC,
}

RESIDENT_ID_CHECK = "10X98765432"
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# First two digits of a resident ID: provinces, plus 81/82/83 used by residence permits of Hong Kong,
# Macao and Taiwan residents.
# fmt: off
PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
    "83",
})
# fmt: on

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}


def resolve_id_type(text: str) -> str:
    """``RESIDENT_ID`` or ``USCC`` from the column text; ``""`` when empty (the benefit decides)."""
    key = text.strip()
    if not key:
        return ""
    found = ID_TYPE_ALIASES.get(key.upper() if key.isascii() else key)
    if found is None:
        raise LineRejected("id_type must be RESIDENT_ID or USCC", reason=R.ID_TYPE_UNKNOWN)
    return found


@lru_cache(maxsize=8)
def birth_dates(earliest: date, latest: date) -> frozenset[str]:
    """Every real date from ``earliest`` to ``latest`` as YYYYMMDD: one set lookup checks that a birth date
    exists, is not in the future and not too old (about 46,000 strings, built once per settings)."""
    out = []
    for year in range(earliest.year, latest.year + 1):
        for month in range(1, 13):
            for day in range(1, calendar.monthrange(year, month)[1] + 1):
                out.append(f"{year:04d}{month:02d}{day:02d}")
    lo, hi = earliest.strftime("%Y%m%d"), latest.strftime("%Y%m%d")
    return frozenset(d for d in out if lo <= d <= hi)


def resident_id_check_char(body: str) -> str:
    """The check character for the first 17 digits of a resident ID."""
    return RESIDENT_ID_CHECK[int(body, 13) * 2 % 11]


def normalise_resident_id(text: str, valid_birth_dates: Container[str]) -> str:
    """A valid 18-character resident ID (15-digit IDs converted, ``x`` upper-cased) or LineRejected.

    ``valid_birth_dates`` is :func:`birth_dates` for the settings' date range.
    """
    value = text.strip()
    if not value:
        raise LineRejected("id_number is required", reason=R.ID_MISSING)
    if not value.isascii():
        raise LineRejected("a resident ID has only ASCII digits and a final X", reason=R.ID_FORMAT)
    n = len(value)
    if n == 15:
        if not value.isdigit():
            raise LineRejected("a 15-digit resident ID has only digits", reason=R.ID_FORMAT)
        body = value[:6] + "19" + value[6:]
    elif n == 18:
        body = value[:17]
        if not body.isdigit() or value[17] not in "0123456789Xx":
            raise LineRejected("a resident ID is 17 digits and a digit or X", reason=R.ID_FORMAT)
    else:
        raise LineRejected(f"a resident ID has 18 characters (or 15 digits), not {n}", reason=R.ID_FORMAT)
    if body[:2] not in PROVINCE_CODES:
        raise LineRejected("the area code does not start with a province code", reason=R.ID_AREA_CODE)
    if body[6:14] not in valid_birth_dates:
        raise LineRejected(
            "the birth date is not a real date, is in the future or before the earliest accepted date",
            reason=R.ID_BIRTH_DATE,
        )
    check = resident_id_check_char(body)
    if n == 18 and value[17].upper() != check:
        raise LineRejected("the check character does not match (GB 11643)", reason=R.ID_CHECK_DIGIT)
    return body + check


def uscc_check_char(body: str) -> str:
    """The check character for the first 17 characters of a USCC."""
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(text: str) -> str:
    """A valid unified social credit code (upper-cased) or LineRejected."""
    value = text.strip().upper()
    if not value:
        raise LineRejected("id_number is required", reason=R.ID_MISSING)
    if len(value) != 18:
        raise LineRejected(f"a USCC has 18 characters, not {len(value)}", reason=R.ID_FORMAT)
    if any(c not in _USCC_VALUE for c in value):
        raise LineRejected("a USCC uses digits and capital letters other than I O S V Z", reason=R.ID_FORMAT)
    if not value[2:8].isdigit():
        raise LineRejected("characters 3-8 of a USCC are the area code digits", reason=R.ID_FORMAT)
    if uscc_check_char(value[:17]) != value[17]:
        raise LineRejected("the check character does not match (GB 32100)", reason=R.ID_CHECK_DIGIT)
    return value


def normalise_id(id_type: str, text: str, valid_birth_dates: Container[str]) -> str:
    """Dispatch on ``id_type`` (``RESIDENT_ID`` or ``USCC``)."""
    if id_type == USCC:
        return normalise_uscc(text)
    return normalise_resident_id(text, valid_birth_dates)
