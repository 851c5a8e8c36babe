"""Properties over generated inputs: amounts and names survive every encoding they fit, exactly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.contract import AmountUnit
from adapters.direct_link import amount_text, amount_value, canonical_json, strict_loads
from adapters.fixed_width import BUILTIN, FIELD_NOT_ENCODABLE, FIELD_TOO_LONG, decode_record, encode_record
from adapters.fixed_width._codec import EncodeError

FEN = st.integers(min_value=0, max_value=10**15)
GBK = BUILTIN["default"]
GB18030 = BUILTIN["gb18030-decimal"]
# CJK (basic, extension A and B) plus Latin: enough to hit characters in and out of GBK.
NAME_CHARS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.sampled_from("abcXYZ·"),
)
NAMES = st.text(NAME_CHARS, min_size=1, max_size=40)


@given(FEN)
def test_amounts_round_trip_in_both_units(fen: int) -> None:
    """Any fen amount written as yuan or fen text reads back to the same integer."""
    assert amount_value(amount_text(fen, AmountUnit.YUAN), AmountUnit.YUAN) == fen
    assert amount_value(amount_text(fen, AmountUnit.FEN), AmountUnit.FEN) == fen


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_canonical_json_reads_back_to_the_same_value(value: object) -> None:
    """Canonical bytes parse strictly back to the value, and re-canonicalise to the same bytes."""
    data = canonical_json(value)
    assert strict_loads(data, "x") == value and canonical_json(strict_loads(data, "x")) == data


@settings(max_examples=300)
@given(NAMES)
def test_a_name_round_trips_or_is_refused_never_mangled(name: str) -> None:
    """In GBK and GB18030 a name is written and read back exactly, or refused (unencodable / too long)."""
    for profile in (GBK, GB18030):
        lay = profile.record("result_detail")
        values = {"seq": 1, "name": name, "amount": 1, "status": "S"}
        try:
            data = encode_record(lay, values, profile.encoding, profile.amount_form)
        except EncodeError as exc:
            try:
                fits = len(name.encode(profile.encoding)) <= 60
                expected = FIELD_TOO_LONG
            except UnicodeEncodeError:
                fits, expected = False, FIELD_NOT_ENCODABLE
            assert not fits and exc.issue.reason == expected
            continue
        assert len(data) == lay.length
        decoded, issues = decode_record(lay, data, profile.encoding, profile.amount_form)
        assert issues == [] and decoded["name"] == name
