"""Accounts: Luhn for cards only, lengths per account type, and which bank holds an account."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.accounts import (
    BankResolver,
    luhn_check_digit,
    luhn_valid,
    normalise_account,
    resolve_account_type,
)
from gateway.intake.banks import BANKS, DEFAULT_BINS


def card(prefix: str, length: int = 19) -> str:
    """A Luhn-valid synthetic card number with ``prefix``."""
    payload = (prefix + "0123456789" * 2)[: length - 1]
    return payload + luhn_check_digit(payload)


def broken(number: str) -> str:
    """``number`` with its last digit changed, which always breaks Luhn."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def reason_of(fn, *args) -> str | None:
    try:
        fn(*args)
    except LineRejected as exc:
        return exc.reason
    return None


def luhn_reference(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@given(st.text(alphabet="0123456789", min_size=2, max_size=32))
def test_luhn_shortcut_matches_the_textbook_algorithm(digits):
    """The translate/base-11 Luhn agrees with the digit-by-digit definition for any digit string."""
    assert luhn_valid(digits) == luhn_reference(digits)


@given(st.text(alphabet="0123456789", min_size=1, max_size=31))
def test_check_digit_makes_a_valid_number(payload):
    """Appending luhn_check_digit(payload) always yields a Luhn-valid number."""
    assert luhn_reference(payload + luhn_check_digit(payload))


def test_known_test_card_numbers():
    """Classic Luhn test numbers: 79927398713 passes, 79927398710 fails."""
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")


@pytest.mark.parametrize(
    ("account", "account_type", "reason"),
    [
        (card("622202"), "CARD", None),
        (card("622588", 16), "CARD", None),
        (broken(card("622202")), "CARD", R.ACCOUNT_LUHN),
        (card("622202", 15), "CARD", R.ACCOUNT_LENGTH),
        (card("622202", 20), "CARD", R.ACCOUNT_LENGTH),
        ("62220212345678901A", "CARD", R.ACCOUNT_FORMAT),
        ("", "CARD", R.ACCOUNT_MISSING),
        ("１２３４５６７８９０１２３４５６７", "CARD", R.ACCOUNT_FORMAT),  # full-width digits
        ("12345678", "PASSBOOK", None),  # passbooks need not pass Luhn
        ("12345670000000000000000000000001", "PASSBOOK", None),  # 32 digits
        ("1234567", "PASSBOOK", R.ACCOUNT_LENGTH),
        ("123456700000000000000000000000012", "CORPORATE", R.ACCOUNT_LENGTH),  # 33 digits
        ("37010100000000012", "CORPORATE", None),
    ],
)
def test_account_rules(account, account_type, reason):
    """Cards need 16-19 digits and Luhn; passbooks and corporate accounts 8-32 digits, no Luhn."""
    assert reason_of(normalise_account, account, account_type) == reason


def test_spaces_inside_an_account_are_removed():
    """A card number copied with spaces between digit groups normalises to its digits."""
    number = card("622202")
    ok = normalise_account(f"{number[:4]} {number[4:8]} {number[8:]}", "CARD") == number
    assert ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("CARD", "CARD"),
        ("card", "CARD"),
        ("银行卡", "CARD"),
        ("社保卡", "CARD"),
        ("存折", "PASSBOOK"),
        ("PASSBOOK", "PASSBOOK"),
        ("对公账户", "CORPORATE"),
        ("corporate", "CORPORATE"),
    ],
)
def test_account_type_aliases(text, expected):
    """account_type accepts codes in any case and Chinese names; empty means the benefit's default."""
    assert resolve_account_type(text) == expected


def test_unknown_account_type():
    """A cheque account is not a benefit account type."""
    assert reason_of(resolve_account_type, "CHEQUE") == R.ACCOUNT_TYPE_UNKNOWN


def test_bank_from_code_short_name_chinese_name_and_cnaps_number():
    """bank_code accepts 102, ICBC, icbc, 中国工商银行, 工商银行 and a 12-digit CNAPS number."""
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    found = {
        resolver.from_code(t) for t in ("102", "ICBC", "icbc", "中国工商银行", "工商银行", "102100099996")
    }
    assert found == {"102"}
    assert resolver.from_code("403") == "403"


def test_unknown_bank_code():
    """A bank code that is not in the table is BANK_CODE_UNKNOWN (also as a 12-digit CNAPS number)."""
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    assert reason_of(resolver.from_code, "999") == R.BANK_CODE_UNKNOWN
    assert reason_of(resolver.from_code, "999100099996") == R.BANK_CODE_UNKNOWN


def test_default_bins_of_domain_notes():
    """Each BIN of DOMAIN.md §5 maps to its bank code."""
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    expected = {
        "622202": "102",
        "622208": "102",
        "622848": "103",
        "621661": "104",
        "622700": "105",
        "622262": "301",
        "622588": "308",
        "621799": "403",
        "622188": "403",
    }
    assert {b: resolver.from_bin(card(b)) for b in expected} == expected


def test_unknown_bin():
    """A card whose BIN is not in the table, without a bank code, is BANK_UNKNOWN."""
    resolver = BankResolver(BANKS, DEFAULT_BINS)
    assert reason_of(resolver.from_bin, card("999999")) == R.BANK_UNKNOWN


def test_longest_configured_bin_wins():
    """A configured 8-digit co-branded range beats the 6-digit BIN it starts with."""
    resolver = BankResolver(BANKS, {**DEFAULT_BINS, "62220299": "309"})
    assert resolver.from_bin(card("62220299")) == "309"
    assert resolver.from_bin(card("62220211")) == "102"
