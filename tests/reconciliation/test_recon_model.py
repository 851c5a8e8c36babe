"""The entry model, exact money conversion, status tables, the registry and the public surface."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import reconciliation
from gateway.errors import FileUnreadable
from reconciliation import (
    FORMATS,
    Balance,
    BankEntry,
    EntryKind,
    EntryStatus,
    EvidenceFormat,
    Statement,
    entry_to_json,
    parse_file,
    register,
)
from reconciliation._iso import PAYMENT_STATUS, payment_status
from reconciliation._money import AmountError, decimal_to_minor, format_minor, iso_to_minor, swift_to_minor
from reconciliation.registry import unregister


def test_public_api_is_pinned() -> None:
    """The package exports exactly the documented names."""
    assert set(reconciliation.__all__) == {
        "FORMATS", "Balance", "BankEntry", "ControlTotal", "Direction", "EntryKind", "EntryStatus",
        "EvidenceFormat", "ParseOptions", "ParseResult", "ParseWarning", "Reason", "ReasonList", "References",
        "Scope", "Sniff", "Statement", "detect_format", "entry_to_json", "parse_file", "register",
        "statement_to_json",
    }  # fmt: skip
    assert list(FORMATS)[:5] == ["pain.002", "camt.053", "camt.054", "mt940", "mt942"]


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("1234.5", "CNY", 123450),
        ("0.01", "EUR", 1),
        ("10.500", "CNY", 1050),
        ("99999999999999.99", "CNY", 9999999999999999),
        ("2700", "JPY", 2700),
        ("1.234", "BHD", 1234),
    ],
)
def test_iso_amounts_are_exact(text: str, currency: str, minor: int) -> None:
    """Decimal amount text becomes integer minor units exactly, by the currency's exponent."""
    assert iso_to_minor(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("1.005", "CNY"),
        ("1.5", "JPY"),
        ("-1.00", "CNY"),
        ("1,00", "CNY"),
        ("1e3", "CNY"),
        ("", "CNY"),
        ("1", "cn"),
    ],
)
def test_iso_amounts_that_are_not_exact_are_refused(text: str, currency: str) -> None:
    """Extra decimals, signs, commas, exponents, empty text and bad currencies are errors, never rounded."""
    with pytest.raises(AmountError):
        iso_to_minor(text, currency)


def test_swift_and_decimal_amounts() -> None:
    """SWIFT comma amounts and Decimals built from text convert exactly; a float-like tail is refused."""
    assert swift_to_minor("1234,", "EUR") == 123400
    assert swift_to_minor("0,5", "EUR") == 50
    assert decimal_to_minor(Decimal("-12.30"), "CNY") == -1230
    with pytest.raises(AmountError):
        decimal_to_minor(Decimal("0.001"), "CNY")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["CNY", "JPY", "KWD"]))
def test_format_and_parse_round_trip(minor: int, currency: str) -> None:
    """Formatting minor units and parsing the text back gives the same integer."""
    text = format_minor(abs(minor), currency)
    assert iso_to_minor(text, currency) == abs(minor)


def test_every_published_status_code_is_mapped(formats_dir: Path) -> None:
    """Every ISO transaction and group status code has a state; only settlement codes mean SETTLED."""
    codes = set()
    for name in ("external_payment_transaction_status_code.json", "external_payment_group_status_code.json"):
        codes |= set(json.loads((formats_dir / "codes" / name).read_text(encoding="utf-8"))["codes"])
    assert codes <= set(PAYMENT_STATUS)
    assert {c for c, s in PAYMENT_STATUS.items() if s is EntryStatus.SETTLED} == {"ACSC", "ACCC", "CPUC"}
    assert payment_status("XXXX") is EntryStatus.UNKNOWN
    assert payment_status(None) is EntryStatus.UNKNOWN


def _statement(opening: int, closing: int, net: int, value_dated: int | None = None) -> Statement:
    return Statement(
        source_format="camt.053",
        source_file="f.xml",
        position="/Document",
        kind=EntryKind.BOOKED,
        account="6222021234567890123",
        opening=Balance("OPBD", opening, "CNY", date(2024, 7, 1)),
        closing=Balance("CLBD", closing, "CNY", date(2024, 7, 1)),
        booked_net_minor=net,
        value_dated_net_minor=value_dated,
    )


def test_statement_balance_check() -> None:
    """opening + Σ = closing holds on booking or value-date basis; otherwise the difference is given."""
    assert _statement(1000, 1500, 500).balance_basis == "booking"
    assert _statement(1000, 1400, 500, value_dated=400).balance_basis == "value_date"
    broken = _statement(1000, 1499, 500)
    assert (broken.balance_ok, broken.balance_difference) == (False, -1)
    assert "6222021234567890123" not in repr(broken)


def test_entry_json_is_stable_and_masked() -> None:
    """entry_to_json gives JSON-ready values and masks account numbers in the account and free text."""
    entry = BankEntry(
        source_format="mt940",
        source_file="stmt_6222021234567890123.sta",
        position="line 5",
        kind=EntryKind.BOOKED,
        status=EntryStatus.BOOKED,
        account="6222021234567890123",
        amount_minor=123456,
        currency="CNY",
        raw_text="to 6222 0212 3456 7890 123 ZHANG",
    )
    out = entry_to_json(entry)
    text = json.dumps(out, ensure_ascii=False)
    assert "6222021234567890123" not in text
    assert out["amount"] == "1234.56" and out["amount_minor"] == 123456
    assert out["account"] == "622202*********0123"
    assert out["raw_text"] == "to 622202*********0123 ZHANG"
    assert "ZHANG" not in repr(entry)


def test_registry_is_extensible(tmp_path: Path) -> None:
    """A new format registers a detector and a parser; detection picks it and parse_file runs it."""

    def detect(sniff) -> bool:
        return sniff.text is not None and sniff.text.startswith("HUIPAN|")

    def parse(path, ctx):
        return [], [
            BankEntry(source_format="huipan", source_file=ctx.file_name, position="line 1",
                      kind=EntryKind.STATUS, status=EntryStatus.UNKNOWN, line=1)
        ]  # fmt: skip

    fmt = EvidenceFormat("huipan", "test format", detect, parse)
    register(fmt)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register(fmt)
        path = tmp_path / "r.txt"
        path.write_text("HUIPAN|1\n", encoding="utf-8")
        result = parse_file(path)
        assert (result.format, len(result.entries)) == ("huipan", 1)
    finally:
        unregister("huipan")
    with pytest.raises(FileUnreadable):
        parse_file(path)
