"""Payee names: present, of plausible length, and plain text.

Names travel to the bank, which compares them with the account holder's name, so they are checked, not
repaired: control characters, full-width spaces used to align short names (``张　三``), digits in a
person's name, and a leading ``= + - @`` (a formula when the file is opened in a spreadsheet) are refused.
Surrounding whitespace is removed. Minority names with ``·`` and Latin names with spaces are accepted.
"""

from __future__ import annotations

from gateway.errors import LineRejected
from gateway.intake import reasons as R

_DIGITS = frozenset("0123456789０１２３４５６７８９")
_FORMULA_START = frozenset("=+-@")


def normalise_name(text: str, max_length: int, person: bool) -> str:
    """The stripped name, or LineRejected. ``person`` is False for enterprises (digits allowed)."""
    value = text.strip()
    if not value:
        raise LineRejected("name is required", reason=R.NAME_MISSING)
    if len(value) > max_length:
        raise LineRejected(f"name is longer than {max_length} characters", reason=R.NAME_TOO_LONG)
    if not value.isprintable():
        raise LineRejected(
            "name contains control or non-printing characters (e.g. full-width spaces)", reason=R.NAME_INVALID
        )
    if value[0] in _FORMULA_START:
        raise LineRejected("name starts with a formula character (= + - @)", reason=R.NAME_INVALID)
    if person and not _DIGITS.isdisjoint(value):
        raise LineRejected("a person's name contains digits", reason=R.NAME_INVALID)
    return value
