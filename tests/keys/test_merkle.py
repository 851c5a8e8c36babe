"""RFC 9162 Merkle trees: hand-computed roots, published vectors, streaming, every proof, every tamper."""

from __future__ import annotations

import hashlib

import pytest

from gateway.errors import InvalidInput
from keys.algorithms import reference, sm3
from keys.merkle import (
    BATCH,
    RootBuilder,
    inclusion_proof,
    leaf_hash,
    leaf_hashes,
    merkle_root,
    root_from_leaf_hashes,
    verify_inclusion,
    verify_inclusion_hash,
)

ALGS = ["SHA-256", "SM3"]
H = {"SHA-256": lambda b: hashlib.sha256(b).digest(), "SM3": lambda b: sm3(b).digest()}


def _mth(alg: str, d: list[bytes]) -> bytes:
    """RFC 9162's recursive definition, written straight from the text as the oracle."""
    h = H[alg]
    if not d:
        return h(b"")
    if len(d) == 1:
        return h(b"\x00" + d[0])
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return h(b"\x01" + _mth(alg, d[:k]) + _mth(alg, d[k:]))


def _lines(n: int) -> list[bytes]:
    return [f"line {i}".encode() for i in range(n)]


@pytest.mark.parametrize("alg", ALGS)
def test_small_trees_by_hand(alg: str) -> None:
    """Roots of 0, 1, 2, 3 and 5 leaves equal the hashes written out by hand (including the 3 = 2+1 and
    5 = 4+1 splits)."""
    h = H[alg]
    a, b, c, d, e = (leaf_hash(x, alg) for x in (b"a", b"b", b"c", b"d", b"e"))
    assert a == h(b"\x00a")
    assert merkle_root([], alg) == h(b"")
    assert merkle_root([b"a"], alg) == a
    assert merkle_root([b"a", b"b"], alg) == h(b"\x01" + a + b)
    assert merkle_root([b"a", b"b", b"c"], alg) == h(b"\x01" + h(b"\x01" + a + b) + c)
    four = h(b"\x01" + h(b"\x01" + a + b) + h(b"\x01" + c + d))
    assert merkle_root([b"a", b"b", b"c", b"d", b"e"], alg) == h(b"\x01" + four + e)


def test_certificate_transparency_vectors() -> None:
    """SHA-256 roots of the 8-leaf test data used by RFC 6962 implementations match, for every prefix."""
    leaves = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43", bytes(range(0x50, 0x58)),
              bytes(range(0x60, 0x70))]  # fmt: skip
    roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    for n, root in enumerate(roots, start=1):
        assert merkle_root(leaves[:n]).hex() == root


def test_sm3_tree_agrees_with_the_pure_reference_hash() -> None:
    """An SM3 tree computed with the native SM3 equals the definition evaluated with the pure-Python SM3."""
    lines = _lines(11)
    H_ref = {"SM3": reference.sm3}

    def mth(d: list[bytes]) -> bytes:
        if len(d) == 1:
            return H_ref["SM3"](b"\x00" + d[0])
        k = 1 << ((len(d) - 1).bit_length() - 1)
        return H_ref["SM3"](b"\x01" + mth(d[:k]) + mth(d[k:]))

    assert merkle_root(lines, "SM3") == mth(lines)


SIZES = [*range(0, 40), BATCH - 1, BATCH, BATCH + 1, 2 * BATCH - 1, 2 * BATCH + 1, 3 * BATCH + 77]


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("n", SIZES)
def test_streaming_equals_the_definition(alg: str, n: int) -> None:
    """Appending one by one, extending in bulk, mixing both, and building from leaf hashes all give MTH."""
    lines = _lines(n)
    expected = _mth(alg, lines)
    one = RootBuilder(alg)
    for line in lines:
        one.append(line)
    mixed = RootBuilder(alg)
    mixed.extend(lines[: n // 3])
    for line in lines[n // 3 : n // 2]:
        mixed.append(line)
    mixed.append_leaf_hashes(leaf_hashes(lines[n // 2 :], alg))
    assert one.root() == merkle_root(lines, alg) == mixed.root() == expected
    assert root_from_leaf_hashes(leaf_hashes(lines, alg), alg) == expected
    assert one.size == mixed.size == n


def test_root_can_be_read_midway() -> None:
    """root() does not disturb the builder: reading it midway and continuing gives the full root."""
    b = RootBuilder()
    lines = _lines(2 * BATCH + 5)
    for i, line in enumerate(lines):
        b.append(line)
        if i in (0, 6, BATCH - 1, BATCH + 3):
            assert b.root() == _mth("SHA-256", lines[: i + 1])
    assert b.root() == _mth("SHA-256", lines)


def test_builder_state_stays_logarithmic() -> None:
    """After 100,000 appends the builder holds at most one subtree per bit of the size plus one batch."""
    b = RootBuilder()
    b.extend(_lines(100_000))
    assert len(b._stack) <= (100_000).bit_length()
    assert len(b._pending) < BATCH


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("n", range(1, 34))
def test_every_proof_of_trees_up_to_33(alg: str, n: int) -> None:
    """For every index of trees of 1..33 leaves, the proof verifies for its line at its index only."""
    lines = _lines(n)
    hashes = leaf_hashes(lines, alg)
    root = merkle_root(lines, alg)
    for i in range(n):
        proof = inclusion_proof(hashes, i, alg)
        assert len(proof) <= max(1, (n - 1).bit_length())
        assert verify_inclusion(lines[i], i, n, proof, root, alg)
        assert not verify_inclusion(lines[i], (i + 1) % n, n, proof, root, alg) or n == 1
        # (The tree size is not bound by every proof — index 0 of 3 and of 4 share a path shape — which is
        # why the manifest signs the line count next to the root.)


def _flip(b: bytes, j: int) -> bytes:
    return b[:j] + bytes([b[j] ^ 0x01]) + b[j + 1 :]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 13])
def test_any_flipped_byte_fails(n: int) -> None:
    """Flipping any byte of the line, of any proof element, or of the root makes verification fail."""
    lines = [f"payee {i}: 张三 6222020200112233".encode() for i in range(n)]
    hashes = leaf_hashes(lines)
    root = merkle_root(lines)
    i = n // 2
    proof = inclusion_proof(hashes, i)
    assert verify_inclusion(lines[i], i, n, proof, root)
    for j in range(len(lines[i])):
        assert not verify_inclusion(_flip(lines[i], j), i, n, proof, root)
    for k in range(len(proof)):
        for j in range(32):
            bad = [*proof[:k], _flip(proof[k], j), *proof[k + 1 :]]
            assert not verify_inclusion(lines[i], i, n, bad, root)
    for j in range(32):
        assert not verify_inclusion(lines[i], i, n, proof, _flip(root, j))


def test_malformed_proofs_are_false_not_errors() -> None:
    """Extra, missing, short or non-bytes proof elements, bad indexes and sizes return False."""
    lines = _lines(6)
    hashes = leaf_hashes(lines)
    root = merkle_root(lines)
    proof = inclusion_proof(hashes, 2)
    leaf = hashes[2]
    assert verify_inclusion_hash(leaf, 2, 6, proof, root)
    for bad_proof in ([*proof, proof[0]], proof[:-1], [], [proof[0][:31], *proof[1:]], [None, *proof[1:]]):
        assert not verify_inclusion_hash(leaf, 2, 6, bad_proof, root)
    for index, size in ((6, 6), (-1, 6), (2, 0), (2, -3)):
        assert not verify_inclusion_hash(leaf, index, size, proof, root)
    assert not verify_inclusion_hash(leaf[:31], 2, 6, proof, root)
    assert not verify_inclusion_hash(leaf, 2, 6, proof, root[:31])


def test_sha256_and_sm3_trees_differ_and_proofs_do_not_cross() -> None:
    """The same lines give different roots under SHA-256 and SM3, and a proof of one fails under the other."""
    lines = _lines(5)
    sha_root, sm3_root = merkle_root(lines, "SHA-256"), merkle_root(lines, "SM3")
    assert sha_root != sm3_root
    proof = inclusion_proof(leaf_hashes(lines, "SM3"), 1, "SM3")
    assert verify_inclusion(lines[1], 1, 5, proof, sm3_root, "SM3")
    assert not verify_inclusion(lines[1], 1, 5, proof, sm3_root, "SHA-256")


def test_misuse_raises() -> None:
    """Unknown hash names, str leaves, malformed leaf hashes and out-of-range proof requests raise."""
    with pytest.raises(InvalidInput):
        merkle_root([b"a"], "MD5")
    with pytest.raises(InvalidInput):
        RootBuilder().append("text")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        inclusion_proof(leaf_hashes(_lines(3)), 3)
    for bad in ([b"x" * 31], ["a" * 32], [bytearray(32)]):
        with pytest.raises(InvalidInput):
            RootBuilder().append_leaf_hashes(bad)  # type: ignore[arg-type]
