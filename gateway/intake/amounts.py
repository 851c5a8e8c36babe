"""Amounts: yuan text in payroll files to integer fen, and back for display. No float anywhere.

Accepted: ASCII digits, optionally a point and one or two decimals (``2345``, ``2345.6``, ``2345.67``).
Refused, each with its own reason so the officer knows what to fix:

* empty → AMOUNT_MISSING;
* signs, exponents (``1e3``), currency marks (``¥``, ``元``), full-width digits, a bare point (``5.``,
  ``.5``), and thousands separators (``1,000.00``) → AMOUNT_FORMAT. Separators are refused on purpose:
  in a CSV an unquoted ``1,000.00`` is already two columns, and a comma is a decimal mark in some exports,
  so guessing could move money by a factor of 100 or 1000;
* more than two decimals, even trailing zeros → AMOUNT_DECIMALS;
* zero or negative (``-5``, ``0.00``) → AMOUNT_NOT_POSITIVE;
* above the benefit's ceiling → AMOUNT_OVER_CEILING (checked by the caller that knows the benefit).
"""

from __future__ import annotations

from gateway.errors import LineRejected
from gateway.intake import reasons as R

# 15 digits of yuan is far beyond any ceiling and keeps int() away from absurdly long digit strings.
MAX_YUAN_DIGITS = 15


def parse_yuan(text: str) -> int:
    """``"2345.67"`` → ``234567`` (fen), or LineRejected with the reason of the first problem."""
    value = text.strip()
    if not value:
        raise LineRejected("amount is required", reason=R.AMOUNT_MISSING)
    negative = value[0] == "-"
    whole, dot, frac = (value[1:] if negative else value).partition(".")
    if not (whole.isascii() and whole.isdigit()):
        raise LineRejected(
            "amount must be yuan digits with an optional decimal point", reason=R.AMOUNT_FORMAT
        )
    if dot:
        if not (frac.isascii() and frac.isdigit()):
            raise LineRejected(
                "amount must be yuan digits with an optional decimal point", reason=R.AMOUNT_FORMAT
            )
        if len(frac) > 2:
            raise LineRejected("amount has more than two decimals", reason=R.AMOUNT_DECIMALS)
    if len(whole) > MAX_YUAN_DIGITS:
        raise LineRejected(f"amount has more than {MAX_YUAN_DIGITS} digits of yuan", reason=R.AMOUNT_FORMAT)
    fen = int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
    if negative or fen == 0:
        raise LineRejected("amount must be greater than zero", reason=R.AMOUNT_NOT_POSITIVE)
    return fen


def check_ceiling(fen: int, ceiling_fen: int) -> None:
    if fen > ceiling_fen:
        raise LineRejected(
            f"amount is above the ceiling of {format_yuan(ceiling_fen)} yuan for this benefit",
            reason=R.AMOUNT_OVER_CEILING,
        )


def format_yuan(fen: int, grouping: bool = True) -> str:
    """``123456789`` → ``1,234,567.89`` (``grouping=False``: ``1234567.89``)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if grouping else str(yuan)
    return f"{sign}{whole}.{cents:02d}"
