"""SM3 (GB/T 32905) through hashlib, through the cryptography fallback, and in the pure reference."""

from __future__ import annotations

import hashlib

import pytest

from gateway.errors import InvalidInput
from keys.algorithms import SM3_SOURCE, digest, new_hash, reference, sm3
from keys.algorithms._hashes import _CryptographySM3

ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
VECTORS = [(b"abc", ABC), (b"abcd" * 16, ABCD16)]

IMPLEMENTATIONS = {
    "selected": lambda m: sm3(m).digest(),
    "cryptography-fallback": lambda m: _CryptographySM3(m).digest(),
    "reference": reference.sm3,
    "by-name": lambda m: digest("SM3", m),
}


@pytest.mark.parametrize("impl", sorted(IMPLEMENTATIONS))
@pytest.mark.parametrize(("message", "expected"), VECTORS)
def test_gbt32905_vectors(impl: str, message: bytes, expected: str) -> None:
    """Every SM3 implementation reproduces both GB/T 32905 example digests."""
    assert IMPLEMENTATIONS[impl](message).hex() == expected


def test_hashlib_is_chosen_when_openssl_has_sm3() -> None:
    """The fast hashlib SM3 is used whenever Python's OpenSSL provides it, the fallback otherwise."""
    assert ("hashlib" if "sm3" in hashlib.algorithms_available else "cryptography") == SM3_SOURCE


@pytest.mark.parametrize("length", [0, 1, 55, 56, 63, 64, 65, 119, 128, 1000])
def test_reference_agrees_with_native_on_padding_boundaries(length: int) -> None:
    """The reference and the native SM3 agree on lengths around the 64-byte block and padding edges."""
    message = bytes(range(256)) * (length // 256 + 1)
    message = message[:length]
    assert reference.sm3(message) == sm3(message).digest() == _CryptographySM3(message).digest()


def test_fallback_copy_and_incremental_updates_behave_like_hashlib() -> None:
    """The fallback's copy() forks the state and digest() can be called repeatedly, as in hashlib."""
    base = _CryptographySM3(b"ab")
    fork = base.copy()
    fork.update(b"c")
    assert fork.digest().hex() == ABC
    assert fork.hexdigest() == ABC
    assert base.digest() == sm3(b"ab").digest()


def test_unknown_hash_name_is_refused() -> None:
    """Asking for a hash by an unknown name raises InvalidInput(UNSUPPORTED_ALGORITHM)."""
    with pytest.raises(InvalidInput) as err:
        new_hash("MD5")
    assert err.value.reason == "UNSUPPORTED_ALGORITHM"
