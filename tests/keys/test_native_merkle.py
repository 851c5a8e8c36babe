"""The optional C path (keys._native._merkle) gives exactly the bytes, roots and errors of the Python path.

Comparisons with C skip (with a reason) when the extension is not built; the pure-Python path is
exercised too, by switching ``keys.merkle.NATIVE`` off.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.errors import InvalidInput
from keys import merkle
from keys.canonical import LINE_NOT_CANONICAL, PaymentLine, canonical_row
from keys.manifest import summarize_lines
from keys.merkle import leaf_hashes, merkle_root, root_from_leaf_hashes, row_leaf_hashes

native = merkle._native
needs_native = pytest.mark.skipif(native is None, reason="the C extension keys._native._merkle is not built")
ALGS = ("SHA-256", "SM3")
CODE = {"SHA-256": 0, "SM3": 1}

# Rare and astral characters (CJK Extension A, a common-but-unusual name character, a plane-2 character),
# Latin-1 and two-byte text, so every UTF-8 length and every str storage kind is covered.
_TEXT = ("", "张三", "䶮", "堃", "𠮷", "王𠮷䶮堃", "é", "Ω", "ASCII-only", "a b", "零" * 40)
_INTS = (0, 1, -1, 9, 10, -10, 2**31, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**30, -(10**30))


def _random_rows(n: int, seed: int = 7) -> list[PaymentLine]:
    rnd = random.Random(seed)

    def text() -> str:
        return rnd.choice(_TEXT) + rnd.choice(_TEXT) + str(rnd.randrange(10**6))

    return [
        PaymentLine(
            rnd.choice(_INTS) if i % 5 == 0 else i,
            text(),
            text(),
            text(),
            rnd.choice(("CARD", "")),
            text(),
            "RESIDENT_ID",
            text(),
            rnd.choice(_INTS),
            text(),
            "2026-05",
            text(),
        )
        for i in range(n)
    ]


def _pure_leaves(rows: list[tuple], alg: str) -> list[bytes]:
    h = hashlib.sha256 if alg == "SHA-256" else (lambda b: hashlib.new("sm3", b))
    return [h(b"\x00" + canonical_row(r)).digest() for r in rows]


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Python fallback, as on a machine without a C compiler."""
    monkeypatch.setattr(merkle, "NATIVE", False)
    yield


@pytest.fixture(params=["fast", "portable"])
def c_impl(request: pytest.FixtureRequest) -> Iterator[str]:
    """Both variants of the C hashing: the fastest this CPU has (SHA-NI, AVX2 eight-lane SM3) and the
    portable C that runs everywhere."""
    if native is None:
        pytest.skip("the C extension keys._native._merkle is not built")
    before = native.SHA256_IMPL, native.SM3_IMPL
    if request.param == "portable":
        native.set_sha256_impl("portable")
        native.set_sm3_impl("portable")
    yield request.param
    native.set_sha256_impl(before[0])
    native.set_sm3_impl(before[1])


# --- the hash functions against published vectors -------------------------------------------------


@needs_native
def test_sm3_vectors_of_gbt_32905(c_impl: str) -> None:
    """SM3 gives the two example digests of GB/T 32905-2016 (Appendix A): "abc" and "abcd" x 16."""
    assert native.digest(b"abc", 1).hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert native.digest(b"abcd" * 16, 1).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sha256_vectors_of_fips_180_2(c_impl: str) -> None:
    """SHA-256 gives the FIPS 180-2 example digests: one block, two blocks, and a million 'a'."""
    assert native.digest(b"abc", 0).hex() == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert native.digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0).hex() == (
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    )
    assert native.digest(b"a" * 1_000_000, 0).hex() == (
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    )


@pytest.mark.parametrize("alg", ALGS)
def test_every_length_and_prefix_matches_hashlib(alg: str, c_impl: str) -> None:
    """Across padding boundaries (0-200 bytes), with and without the leaf/node prefix byte, C agrees
    with hashlib."""
    rnd = random.Random(3)
    ref = hashlib.sha256 if alg == "SHA-256" else (lambda b: hashlib.new("sm3", b))
    for n in range(201):
        data = rnd.randbytes(n)
        assert native.digest(data, CODE[alg]) == ref(data).digest(), n
        for prefix in (0, 1):
            assert native.digest(data, CODE[alg], prefix) == ref(bytes([prefix]) + data).digest(), n


# --- canonical rows and leaves ---------------------------------------------------------------------


@needs_native
@pytest.mark.parametrize("alg", ALGS)
def test_row_leaf_hashes_equal_the_python_path(alg: str, c_impl: str) -> None:
    """Random rows with rare characters, empty strings, huge and negative integers hash identically."""
    rows = _random_rows(2_000)
    assert row_leaf_hashes(rows, alg) == _pure_leaves(rows, alg)
    # Plain tuples, and a generator, take the same path.
    assert row_leaf_hashes(tuple(map(tuple, rows)), alg) == _pure_leaves(rows, alg)
    assert row_leaf_hashes((r for r in rows), alg) == _pure_leaves(rows, alg)


@needs_native
def test_rows_c_leaves_to_python_are_still_hashed() -> None:
    """A bool, a str subclass or an int beyond 64 bits go through canonical_row: same hashes."""

    class Text(str):
        pass

    base = _random_rows(1)[0]
    odd = [base._replace(seq=True), base._replace(name=Text("李四")), base._replace(amount_fen=2**70)]
    rows = [base, *odd, base]
    assert row_leaf_hashes(rows, "SHA-256") == _pure_leaves(rows, "SHA-256")


@pytest.mark.parametrize("alg", ALGS)
def test_bulk_hashing_of_every_length_matches_hashlib(alg: str, c_impl: str) -> None:
    """leaf_hashes (lanes of eight for SM3 with AVX2) agrees with hashlib for lines of 0-1100 bytes,
    beyond the 1024 bytes above which a line is hashed alone, in a shuffled mix of lengths."""
    rnd = random.Random(5)
    lines = [rnd.randbytes(n) for n in range(1101)]
    rnd.shuffle(lines)
    ref = hashlib.sha256 if alg == "SHA-256" else (lambda b: hashlib.new("sm3", b))
    assert native.leaf_hashes(lines, CODE[alg]) == ([ref(b"\x00" + x).digest() for x in lines], [])


@needs_native
@pytest.mark.parametrize("alg", ALGS)
def test_bytes_leaves_equal_the_python_path(alg: str) -> None:
    """leaf_hashes over bytes lines, bytearray and memoryview included, is unchanged by C."""
    lines = [canonical_row(r) for r in _random_rows(300)]
    mixed = [*lines, bytearray(b"abc"), memoryview(b"xyz")]
    ref = hashlib.sha256 if alg == "SHA-256" else (lambda b: hashlib.new("sm3", b))
    assert leaf_hashes(mixed, alg) == [ref(b"\x00" + bytes(x)).digest() for x in mixed]


def _error(rows: list[tuple]) -> tuple[type, str, str, dict]:
    with pytest.raises(Exception) as err:
        row_leaf_hashes(rows, "SHA-256")
    e = err.value
    return type(e), getattr(e, "reason", ""), str(e), getattr(e, "metadata", {})


BAD_ROWS = {
    "separator in a text field": {"name": "张\x1f三"},
    "lone surrogate": {"name": "\ud800"},
    "int where text belongs": {"account": 6222020200112233},
    "text where an int belongs": {"amount_fen": "150000"},
    "float amount": {"amount_fen": 1.5},
    "None field": {"period": None},
    "bytes field": {"bank_code": b"102"},
}


@pytest.mark.parametrize("change", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_bad_rows_raise_the_same_error_with_and_without_c(change: dict, monkeypatch) -> None:
    """The first bad row raises the same InvalidInput(LINE_NOT_CANONICAL), naming only its seq."""
    rows = _random_rows(50)
    rows = [r._replace(seq=i + 1) for i, r in enumerate(rows)]
    rows[30] = rows[30]._replace(**change)
    rows[40] = rows[40]._replace(name="\x1f")  # a later bad row must not be the one reported
    with_c = _error(rows)
    monkeypatch.setattr(merkle, "NATIVE", False)
    without_c = _error(rows)
    assert with_c == without_c
    assert with_c[0] is InvalidInput and with_c[1] == LINE_NOT_CANONICAL
    assert with_c[3] == {"seq": "31"}
    assert "张" not in with_c[2] and "6222" not in with_c[2]


@pytest.mark.parametrize("row", [(1, "a"), 5, None, ("x",) * 12], ids=["short", "int", "None", "str-seq"])
def test_malformed_rows_fail_the_same_way_with_and_without_c(row: object, monkeypatch) -> None:
    """Rows that are not 12-field tuples fail identically (type, reason, message)."""
    rows = [*_random_rows(3), row]
    with_c = _error(rows)
    monkeypatch.setattr(merkle, "NATIVE", False)
    assert _error(rows) == with_c


# --- trees -------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 1023, 1024, 1025, 2049])
def test_roots_equal_with_and_without_c(alg: str, n: int, monkeypatch) -> None:
    """Roots over 0, 1, 2, 3 and batch-boundary sizes are the same whichever path computes them."""
    rows = _random_rows(n, seed=n)
    lines = [canonical_row(r) for r in rows]
    hashes = leaf_hashes(lines, alg)
    got = (
        merkle_root(lines, alg),
        root_from_leaf_hashes(hashes, alg),
        summarize_lines(rows, alg).merkle_root,
    )
    monkeypatch.setattr(merkle, "NATIVE", False)
    assert leaf_hashes(lines, alg) == hashes
    want = merkle_root(lines, alg)
    assert got == (want, want, want)
    assert summarize_lines(rows, alg).merkle_root == want


@pytest.mark.parametrize("alg", ALGS)
def test_native_reduce_and_subtree_root(alg: str, c_impl: str) -> None:
    """reduce() pairs nodes as H(0x01 ‖ l ‖ r); subtree_root() repeats it to one hash; bad input refused."""
    ref = hashlib.sha256 if alg == "SHA-256" else (lambda b: hashlib.new("sm3", b))
    wide = [ref(bytes([i % 256, i // 256])).digest() for i in range(1024)]
    assert native.reduce(wide, CODE[alg]) == [
        ref(b"\x01" + wide[i] + wide[i + 1]).digest() for i in range(0, 1024, 2)
    ]
    level = wide[:8]
    pairs = [ref(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, 8, 2)]
    assert native.reduce(level, CODE[alg]) == pairs
    top = ref(
        b"\x01" + ref(b"\x01" + pairs[0] + pairs[1]).digest() + ref(b"\x01" + pairs[2] + pairs[3]).digest()
    )
    assert native.subtree_root(level, CODE[alg]) == top.digest()
    with pytest.raises(ValueError):
        native.reduce(level[:3], CODE[alg])
    with pytest.raises(ValueError):
        native.subtree_root(level[:6], CODE[alg])
    with pytest.raises(ValueError):
        native.reduce([b"short", b"short"], CODE[alg])


def test_fallback_computes_row_leaf_hashes(pure: None) -> None:
    """Without C, row_leaf_hashes is leaf_hashes of canonical_row over the rows."""
    rows = _random_rows(100)
    for alg in ALGS:
        assert row_leaf_hashes(rows, alg) == _pure_leaves(rows, alg)


# Any text (surrogates and U+001F included) and any integer size: C and Python must agree on every row,
# whether it encodes or not.
_any_text = st.text(max_size=8) | st.sampled_from(_TEXT)
_any_int = st.integers() | st.sampled_from(_INTS) | st.booleans()
_any_row = st.tuples(_any_int, *[_any_text] * 7, _any_int, *[_any_text] * 3)


def _outcome(row: tuple) -> object:
    try:
        return row_leaf_hashes([row], "SM3")
    except InvalidInput as e:
        return (e.reason, e.message, e.metadata)


@needs_native
@settings(max_examples=300, deadline=None)
@given(_any_row)
def test_any_row_has_the_same_outcome_with_and_without_c(row: tuple) -> None:
    """For arbitrary rows, C and Python give the same leaf hash or the same InvalidInput."""
    with_c = _outcome(row)
    merkle.NATIVE = False
    try:
        without_c = _outcome(row)
    finally:
        merkle.NATIVE = True
    assert with_c == without_c
