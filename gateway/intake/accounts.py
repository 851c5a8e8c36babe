"""Payee accounts: account types, shape and Luhn checks, and which bank holds the account.

UnionPay debit cards are 16-19 digits and pass Luhn. Passbooks and corporate accounts are legitimate
benefit accounts whose numbers need not pass Luhn: for them only 8-32 digits are required. Spaces inside
an account (``6222 0212 …`` copied from a card face) are removed; anything else that is not a digit is an
error.

Luhn runs on bytes: doubling a digit and adding the digits of the product is one ``bytes.translate``
(``0123456789`` → ``0246813579``), and the digit sum mod 10 of a string is ``int(s, 11) % 10`` because
11 ≡ 1 (mod 10). Both are C loops; a per-digit Python loop costs several times more per line.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.banks import bank_aliases
from gateway.intake.benefits import CARD, CORPORATE, PASSBOOK

ACCOUNT_TYPES = (CARD, PASSBOOK, CORPORATE)
ACCOUNT_TYPE_ALIASES: dict[str, str] = {
    CARD: CARD,
    "银行卡": CARD,
    "借记卡": CARD,
    "社保卡": CARD,
    "社会保障卡": CARD,
    "卡": CARD,
    PASSBOOK: PASSBOOK,
    "存折": PASSBOOK,
    CORPORATE: CORPORATE,
    "对公": CORPORATE,
    "对公账户": CORPORATE,
    "单位账户": CORPORATE,
}
CARD_LENGTHS = range(16, 20)
OTHER_LENGTHS = range(8, 33)

_DOUBLED = bytes.maketrans(b"0123456789", b"0246813579")


def resolve_account_type(text: str) -> str:
    """``CARD``, ``PASSBOOK`` or ``CORPORATE``; ``""`` when empty (the benefit decides)."""
    key = text.strip()
    if not key:
        return ""
    found = ACCOUNT_TYPE_ALIASES.get(key.upper() if key.isascii() else key)
    if found is None:
        raise LineRejected("account_type must be CARD, PASSBOOK or CORPORATE", reason=R.ACCOUNT_TYPE_UNKNOWN)
    return found


def luhn_valid(digits: str) -> bool:
    """Luhn (ISO/IEC 7812) check of a string of ASCII digits (the caller has checked they are digits)."""
    b = digits.encode("ascii")
    # From the right: the check digit and every second digit count as they are, the others doubled.
    return int(b[-2::-2].translate(_DOUBLED) + b[::-2], 11) % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes ``payload + digit`` pass Luhn (used by the generator)."""
    b = payload.encode("ascii")
    # Appending a digit shifts positions: the payload's last digit becomes a doubled one.
    total = int(b[::-2].translate(_DOUBLED) + b[-2::-2], 11) % 10
    return str((10 - total) % 10)


def normalise_account(text: str, account_type: str) -> str:
    """The account as digits, checked for its type, or LineRejected."""
    value = text.strip()
    if not value:
        raise LineRejected("account is required", reason=R.ACCOUNT_MISSING)
    if " " in value:
        value = value.replace(" ", "")
    if not (value.isascii() and value.isdigit()):
        raise LineRejected("an account has only digits", reason=R.ACCOUNT_FORMAT)
    n = len(value)
    if account_type == CARD:
        if n not in CARD_LENGTHS:
            raise LineRejected(f"a card account has 16-19 digits, not {n}", reason=R.ACCOUNT_LENGTH)
        if not luhn_valid(value):
            raise LineRejected("the card number fails the Luhn check", reason=R.ACCOUNT_LUHN)
    elif n not in OTHER_LENGTHS:
        raise LineRejected(
            f"a {account_type.lower()} account has 8-32 digits, not {n}", reason=R.ACCOUNT_LENGTH
        )
    return value


class BankResolver:
    """Finds the bank of a line: from its bank_code (code, 12-digit CNAPS number, short or Chinese name),
    else by longest BIN prefix of the account."""

    def __init__(self, banks: Mapping[str, tuple[str, str]], bin_table: Mapping[str, str]) -> None:
        self.banks = dict(banks)
        self.aliases = bank_aliases(self.banks)
        self.bins = dict(bin_table)
        # Longest prefix first, so a configured 8-digit co-branded range beats its 6-digit parent BIN.
        self.bin_lengths = tuple(sorted({len(p) for p in self.bins}, reverse=True))

    def from_code(self, text: str) -> str:
        """The 3-digit code named by a non-empty bank_code cell, or LineRejected(BANK_CODE_UNKNOWN)."""
        key = text.strip()
        code = self.aliases.get(key.upper() if key.isascii() else key)
        if code is None and len(key) == 12 and key.isascii() and key.isdigit():
            code = key[:3] if key[:3] in self.banks else None
        if code is None:
            raise LineRejected("bank_code is not a known bank", reason=R.BANK_CODE_UNKNOWN)
        return code

    def from_bin(self, account: str) -> str:
        """The bank whose BIN starts ``account``, or LineRejected(BANK_UNKNOWN)."""
        for n in self.bin_lengths:
            code = self.bins.get(account[:n])
            if code is not None:
                return code
        raise LineRejected(
            "no bank_code and the account's BIN is not in the BIN table", reason=R.BANK_UNKNOWN
        )
