"""AES-256-GCM in both backends: published vectors, byte-identical output, tamper detection."""

from __future__ import annotations

import secrets

import pytest

from gateway.errors import InvalidInput
from keys.algorithms import BACKENDS, Cipher, CipherAlgorithm, generate_cipher_key, get_backend

AES = CipherAlgorithm.AES_256_GCM

# McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13 and 14 (AES-256, zero key/IV).
VECTORS = [
    (b"", "530f8afbc74536b9a963b4f1c4cb738b"),
    (bytes(16), "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("plaintext", "expected"), VECTORS)
def test_gcm_spec_vectors(backend: str, plaintext: bytes, expected: str) -> None:
    """AES-256-GCM reproduces the GCM specification's zero-key test cases 13 and 14."""
    box = get_backend(backend).cipher(AES, bytes(32))
    assert box.encrypt(plaintext, nonce=bytes(12)) == bytes(12) + bytes.fromhex(expected)


@pytest.mark.parametrize("length", [0, 1, 16, 17, 1000])
def test_backends_give_identical_bytes_and_open_each_other(length: int) -> None:
    """Same key, nonce and AAD give equal bytes in cryptography and pycryptodome; each decrypts the other."""
    key, nonce, aad, pt = (
        generate_cipher_key(AES),
        secrets.token_bytes(12),
        secrets.token_bytes(7),
        secrets.token_bytes(length),
    )
    a = get_backend("cryptography").cipher(AES, key)
    b = get_backend("pycryptodome").cipher(AES, key)
    assert a.encrypt(pt, aad, nonce=nonce) == b.encrypt(pt, aad, nonce=nonce)
    assert b.decrypt(a.encrypt(pt, aad), aad) == pt
    assert a.decrypt(b.encrypt(pt, aad), aad) == pt


@pytest.mark.parametrize("backend", BACKENDS)
def test_any_tampering_fails_the_same_way(backend: str) -> None:
    """A flipped byte anywhere, a wrong AAD, or a truncated blob all raise DECRYPTION_FAILED."""
    box = get_backend(backend).cipher(AES, generate_cipher_key(AES))
    blob = box.encrypt(b"account 6222020200112233", b"aad")
    bad_blobs = [bytes(b ^ 0x80 if i == j else b for i, b in enumerate(blob)) for j in range(len(blob))]
    for bad, aad in [*((b, b"aad") for b in bad_blobs), (blob, b"aae"), (blob, b""), (blob[:27], b"aad")]:
        with pytest.raises(InvalidInput) as err:
            box.decrypt(bad, aad)
        assert err.value.reason == "DECRYPTION_FAILED"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(CipherAlgorithm))
def test_ciphers_satisfy_the_interface(backend: str, alg: CipherAlgorithm) -> None:
    """Every cipher is a Cipher, round-trips, and refuses a nonce of the wrong length as a misuse."""
    box = get_backend(backend).cipher(alg, generate_cipher_key(alg))
    assert isinstance(box, Cipher)
    assert box.algorithm == alg
    assert box.decrypt(box.encrypt(b"x" * 33)) == b"x" * 33
    with pytest.raises(InvalidInput) as err:
        box.encrypt(b"x", nonce=b"short")
    assert err.value.reason == "CRYPTO_MISUSE"


def test_generated_keys_are_random_and_sized() -> None:
    """generate_cipher_key gives 32 bytes for AES-256 and 16 for SM4, different every time."""
    assert len(generate_cipher_key(AES)) == 32
    assert len(generate_cipher_key(CipherAlgorithm.SM4_GCM)) == 16
    assert generate_cipher_key(AES) != generate_cipher_key(AES)
