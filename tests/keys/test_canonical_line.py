"""The canonical ``silink-line-v1`` encoding: exact bytes, no ambiguity, strict types, no personal data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import InvalidInput
from keys.canonical import (
    FIELDS,
    PaymentLine,
    canonical_line,
    canonical_lines,
    canonical_row,
    parse_canonical_line,
)

LINE = PaymentLine(
    seq=7,
    end_to_end_ref="E2E0000000000007",
    bank_code="102100099996",
    account="6222020200112233",
    account_type="CARD",
    name="张三",
    id_type="RESIDENT_ID",
    id_number="11010519491231002X",
    amount_fen=150000,
    benefit="PENSION_EMPLOYEE",
    period="2026-05",
    fund_account="3301000000123",
)


def test_exact_bytes_of_a_line() -> None:
    """A line encodes to the version, then its fields in fixed order, joined by U+001F, in UTF-8."""
    expected = (
        b"silink-line-v1\x1f7\x1fE2E0000000000007\x1f102100099996\x1f6222020200112233\x1fCARD\x1f"
        + "张三".encode()
        + b"\x1fRESIDENT_ID\x1f11010519491231002X\x1f150000\x1fPENSION_EMPLOYEE\x1f2026-05\x1f3301000000123"
    )
    assert canonical_line(*LINE) == expected
    assert canonical_row(LINE) == expected
    assert canonical_line(**LINE._asdict()) == expected
    assert list(canonical_lines([LINE, tuple(LINE)])) == [expected, expected]


def test_field_order_is_the_documented_one() -> None:
    """PaymentLine's fields are the canonical order, so a reordering is a visible, versioned change."""
    assert PaymentLine._fields == FIELDS
    assert FIELDS[0] == "seq" and FIELDS[8] == "amount_fen" and FIELDS[-1] == "fund_account"


def test_moving_text_between_fields_changes_the_bytes() -> None:
    """Shifting characters from one field to its neighbour (the classic concatenation ambiguity) changes
    the encoding."""
    a = LINE._replace(account="62220202001122", account_type="33CARD")
    assert canonical_row(a) != canonical_row(LINE)


@pytest.mark.parametrize("field", [f for f in FIELDS if f not in ("seq", "amount_fen")])
def test_separator_inside_a_field_is_refused(field: str) -> None:
    """A text field containing U+001F cannot be encoded unambiguously and is refused."""
    bad = LINE._replace(**{field: "a\x1fb"})
    with pytest.raises(InvalidInput) as err:
        canonical_row(bad)
    assert err.value.reason == "LINE_NOT_CANONICAL"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", "7"),
        ("seq", 7.0),
        ("seq", None),
        ("amount_fen", "150000"),
        ("amount_fen", 1500.00),
        ("name", None),
        ("name", 12),
        ("account", b"6222"),
        ("period", None),
        ("name", "\ud800"),  # a lone surrogate has no UTF-8 form
    ],
)
def test_wrong_types_are_refused(field: str, value: object) -> None:
    """Integers must be int and text must be str (no silent 'None' or '7.0'), or the line is refused."""
    with pytest.raises(InvalidInput) as err:
        canonical_row(LINE._replace(**{field: value}))
    assert err.value.reason == "LINE_NOT_CANONICAL"


def test_errors_carry_no_personal_data() -> None:
    """A refused line's error names the line number only, never the account, name or ID number."""
    bad = LINE._replace(name="张\x1f三")
    with pytest.raises(InvalidInput) as err:
        canonical_row(bad)
    text = str(err.value) + repr(err.value.metadata)
    for secret in ("6222020200112233", "张", "11010519491231002X"):
        assert secret not in text
    assert err.value.metadata == {"seq": "7"}
    shifted = LINE._replace(seq="11010519491231002X")
    with pytest.raises(InvalidInput) as err:
        canonical_row(shifted)
    assert "11010519491231002X" not in str(err.value) + repr(err.value.metadata)


def test_parse_inverts_and_rejects_non_canonical_forms() -> None:
    """parse_canonical_line recovers the line and refuses leading zeros, '+', wrong versions and counts."""
    data = canonical_row(LINE)
    assert parse_canonical_line(data) == LINE
    for bad in (
        data.replace(b"\x1f7\x1f", b"\x1f07\x1f", 1),
        data.replace(b"\x1f7\x1f", b"\x1f+7\x1f", 1),
        data.replace(b"v1", b"v2"),
        data + b"\x1fextra",
        b"\xff" + data,
    ):
        with pytest.raises(InvalidInput):
            parse_canonical_line(bad)


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1f"), max_size=12
)
_lines = st.builds(
    PaymentLine,
    st.integers(min_value=-(10**12), max_value=10**12),
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
    _text,
    st.integers(min_value=-(10**15), max_value=10**15),
    _text,
    _text,
    _text,
)


@given(_lines, _lines)
def test_encoding_is_injective(a: PaymentLine, b: PaymentLine) -> None:
    """Two different lines never share an encoding, and every encoding parses back to its line."""
    ea, eb = canonical_row(a), canonical_row(b)
    assert parse_canonical_line(ea) == a
    assert (ea == eb) == (a == b)
