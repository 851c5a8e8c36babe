"""Exact conversion of decimal amount text to integer minor units.

Bank evidence writes amounts as decimal text: ISO 20022 with a dot (``1234.50``), SWIFT MT with a comma
(``1234,50`` or ``1234,``). Floats never touch them: the text is split into digits and scaled by the
currency's ISO 4217 exponent. An amount with more significant decimals than its currency has is an error
(``10.005 CNY`` is not a fen amount), trailing zeros beyond the exponent are fine (``10.500`` → 1050).
"""

from __future__ import annotations

import re
from decimal import Decimal

# ISO 4217 exponents that differ from the usual 2. Historic codes a bank may still send (DEM in old MT940
# test files) fall back to 2, which is right for all of them.
_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
            "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}  # fmt: skip

_CURRENCY_RE = re.compile(r"[A-Z]{3}")
# ISO 20022 ActiveOrHistoricCurrencyAndAmount: up to 18 digits, at most 5 of them decimals, no sign.
_ISO_AMOUNT_RE = re.compile(r"(\d{1,18})(?:\.(\d{1,5}))?")
_ISO_DECIMAL_RE = re.compile(r"(\d{1,18})(?:\.(\d{1,17}))?")
# SWIFT 15d: digits with a mandatory decimal comma (some banks write a dot); the comma may end the text.
_SWIFT_AMOUNT_RE = re.compile(r"(\d{1,15})(?:[,.](\d{0,15}))?")


class AmountError(ValueError):
    """The amount text is not an exact amount in its currency; ``args[0]`` says why (no amount echoed)."""


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency`` (2 unless ISO 4217 says otherwise)."""
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: str | None) -> str:
    """Return ``currency`` if it is three upper-case letters, else raise :class:`AmountError`."""
    if not currency or not _CURRENCY_RE.fullmatch(currency):
        raise AmountError("currency must be a three-letter ISO 4217 code")
    return currency


def _scale(whole: str, frac: str, currency: str) -> int:
    exp = exponent(currency)
    significant = frac.rstrip("0")
    if len(significant) > exp:
        raise AmountError(f"more than {exp} decimal places for {currency}")
    return int(whole) * 10**exp + (int(frac[:exp].ljust(exp, "0")) if exp else 0)


def iso_to_minor(text: str | None, currency: str | None) -> int:
    """``"1234.5"`` in EUR → ``123450``; raises :class:`AmountError` for anything that is not exact."""
    check_currency(currency)
    match = _ISO_AMOUNT_RE.fullmatch((text or "").strip())
    if not match:
        raise AmountError("not an unsigned decimal amount (digits with an optional '.' and up to 5 decimals)")
    return _scale(match.group(1), match.group(2) or "", currency)  # type: ignore[arg-type]


def iso_decimal_to_minor(text: str | None, currency: str) -> int:
    """ISO ``DecimalNumber`` (control sums: up to 18 digits, 17 decimals, no currency of its own) → minor
    units of ``currency``; exact or :class:`AmountError`."""
    match = _ISO_DECIMAL_RE.fullmatch((text or "").strip())
    if not match:
        raise AmountError("not an unsigned decimal number")
    return _scale(match.group(1), match.group(2) or "", currency)


def swift_to_minor(text: str | None, currency: str | None) -> int:
    """``"1234,5"`` in EUR → ``123450`` (SWIFT ``15d``: decimal comma, may end the text)."""
    check_currency(currency)
    match = _SWIFT_AMOUNT_RE.fullmatch((text or "").strip())
    if not match:
        raise AmountError("not a SWIFT decimal amount (digits with a decimal comma)")
    return _scale(match.group(1), match.group(2) or "", currency)  # type: ignore[arg-type]


def decimal_to_minor(value: Decimal, currency: str) -> int:
    """An exact :class:`~decimal.Decimal` (built from text, never from a float) → signed minor units."""
    check_currency(currency)
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise AmountError(f"more than {exponent(currency)} decimal places for {currency}")
    return int(scaled)


def format_minor(amount_minor: int, currency: str | None) -> str:
    """Signed minor units back to decimal text, for messages and JSON (``-123450`` → ``"-1234.50"``)."""
    exp = exponent(currency or "")
    sign = "-" if amount_minor < 0 else ""
    digits = str(abs(amount_minor)).rjust(exp + 1, "0")
    return f"{sign}{digits[:-exp]}.{digits[-exp:]}" if exp else f"{sign}{digits}"
