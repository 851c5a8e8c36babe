"""SM4 (GB/T 32907) block, CBC and GCM (RFC 8998) against the standards and the pure reference."""

from __future__ import annotations

import secrets

import pytest

from gateway.errors import InvalidInput
from keys.algorithms import CipherAlgorithm, get_backend, reference

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
ONE_BLOCK = "681edf34d206965e86b3e94f536e4246"
MILLION = "595298c7c6fd271f0402f804c33d3f66"

# RFC 8998 appendix A.1.
GCM_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
GCM_IV = bytes.fromhex("00001234567800000000ABCD")
GCM_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
GCM_PT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
GCM_CT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
GCM_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")

BACKENDS = ["cryptography", "pycryptodome"]


def test_reference_block_cipher_matches_gbt32907_example() -> None:
    """The pure SM4 encrypts the standard's example block to 681edf34… and decrypts it back."""
    c = reference.SM4(KEY)
    assert c.encrypt_block(KEY).hex() == ONE_BLOCK
    assert c.decrypt_block(bytes.fromhex(ONE_BLOCK)) == KEY


@pytest.mark.parametrize("backend", BACKENDS)
def test_cbc_first_block_is_the_gbt32907_example(backend: str) -> None:
    """With a zero IV the first CBC block is a plain SM4 encryption, so it equals the standard's example."""
    box = get_backend(backend).cipher(CipherAlgorithm.SM4_CBC, KEY)
    out = box.encrypt(KEY, nonce=bytes(16))
    assert out[:16] == bytes(16)
    assert out[16:32].hex() == ONE_BLOCK


def test_million_iterations_through_cbc() -> None:
    """Encrypting the example 1,000,000 times gives 595298c7… (CBC over zero blocks iterates SM4)."""
    # C_i = E(P_i xor C_{i-1}): with P_1 = the example and every later P_i = 0, C_i = E(C_{i-1}).
    box = get_backend().cipher(CipherAlgorithm.SM4_CBC, KEY)
    out = box.encrypt(KEY + bytes(16 * 999_999), nonce=bytes(16))
    assert out[16 + 16 * 999_999 : 16 + 16 * 1_000_000].hex() == MILLION


@pytest.mark.slow
def test_million_iterations_in_the_reference() -> None:
    """The pure SM4 iterated 1,000,000 times on the example reaches 595298c7… too."""
    c = reference.SM4(KEY)
    block = KEY
    for _ in range(1_000_000):
        block = c.encrypt_block(block)
    assert block.hex() == MILLION


@pytest.mark.parametrize("backend", BACKENDS)
def test_gcm_matches_rfc8998_vector(backend: str) -> None:
    """SM4-GCM with the RFC 8998 key, IV and AAD produces the published ciphertext and tag, and opens."""
    box = get_backend(backend).cipher(CipherAlgorithm.SM4_GCM, GCM_KEY)
    blob = box.encrypt(GCM_PT, GCM_AAD, nonce=GCM_IV)
    assert blob == GCM_IV + GCM_CT + GCM_TAG
    assert box.decrypt(blob, GCM_AAD) == GCM_PT


def test_reference_gcm_matches_rfc8998_vector() -> None:
    """The pure SM4-GCM reproduces the RFC 8998 ciphertext and tag."""
    assert reference.sm4_gcm_encrypt(GCM_KEY, GCM_IV, GCM_PT, GCM_AAD) == (GCM_CT, GCM_TAG)


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 31, 32, 33, 100])
def test_gcm_agrees_with_reference_on_random_inputs(length: int) -> None:
    """For random key, nonce, AAD and plaintext, SM4-GCM and the reference give identical bytes."""
    key, nonce, aad, pt = (secrets.token_bytes(n) for n in (16, 12, length % 23, length))
    ct, tag = reference.sm4_gcm_encrypt(key, nonce, pt, aad)
    box = get_backend().cipher(CipherAlgorithm.SM4_GCM, key)
    assert box.encrypt(pt, aad, nonce=nonce) == nonce + ct + tag
    assert box.decrypt(nonce + ct + tag, aad) == pt


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 32, 100])
def test_cbc_agrees_with_reference_both_ways(length: int) -> None:
    """SM4-CBC with PKCS#7 gives the reference's ciphertext, and each decrypts the other's output."""
    key, iv, pt = secrets.token_bytes(16), secrets.token_bytes(16), secrets.token_bytes(length)
    box = get_backend().cipher(CipherAlgorithm.SM4_CBC, key)
    ours = box.encrypt(pt, nonce=iv)
    theirs = reference.sm4_cbc_encrypt(key, iv, pt)
    assert ours == iv + theirs
    assert reference.sm4_cbc_decrypt(key, iv, ours[16:]) == pt
    assert box.decrypt(iv + theirs) == pt


@pytest.mark.parametrize("alg", [CipherAlgorithm.SM4_GCM, CipherAlgorithm.SM4_CBC])
def test_fresh_nonce_every_time(alg: CipherAlgorithm) -> None:
    """Two encryptions of the same plaintext use different random nonces/IVs and so differ."""
    box = get_backend().cipher(alg, secrets.token_bytes(16))
    a, b = box.encrypt(b"same"), box.encrypt(b"same")
    assert a[: box.nonce_size] != b[: box.nonce_size]
    assert a != b


def test_gcm_refuses_every_single_byte_flip() -> None:
    """Flipping any one byte of nonce, ciphertext or tag makes SM4-GCM decryption fail the same way."""
    box = get_backend().cipher(CipherAlgorithm.SM4_GCM, GCM_KEY)
    blob = box.encrypt(GCM_PT, GCM_AAD)
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with pytest.raises(InvalidInput) as err:
            box.decrypt(bytes(bad), GCM_AAD)
        assert err.value.reason == "DECRYPTION_FAILED"
    with pytest.raises(InvalidInput):
        box.decrypt(blob, GCM_AAD + b"x")


def test_cbc_bad_padding_and_length_fail_alike() -> None:
    """A wrong key (so bad padding), a short or ragged input all raise DECRYPTION_FAILED."""
    box = get_backend().cipher(CipherAlgorithm.SM4_CBC, KEY)
    other = get_backend().cipher(CipherAlgorithm.SM4_CBC, bytes(16))
    blob = box.encrypt(b"payroll")
    for bad in (blob[:16], blob[:-1], blob + b"x"):
        with pytest.raises(InvalidInput) as err:
            box.decrypt(bad)
        assert err.value.reason == "DECRYPTION_FAILED"
    # A wrong key almost always yields bad padding; a lucky valid padding returns garbage instead.
    try:
        assert other.decrypt(blob) != b"payroll"
    except InvalidInput as err:
        assert err.reason == "DECRYPTION_FAILED"


def test_cbc_refuses_associated_data() -> None:
    """SM4-CBC is not authenticated, so passing AAD is a misuse, not silently ignored."""
    box = get_backend().cipher(CipherAlgorithm.SM4_CBC, KEY)
    with pytest.raises(InvalidInput) as err:
        box.encrypt(b"x", b"aad")
    assert err.value.reason == "CRYPTO_MISUSE"


@pytest.mark.parametrize("alg", list(CipherAlgorithm))
def test_wrong_key_size_is_refused(alg: CipherAlgorithm) -> None:
    """A key of the wrong length for the cipher raises KEY_INVALID."""
    with pytest.raises(InvalidInput) as err:
        get_backend().cipher(alg, bytes(24))
    assert err.value.reason == "KEY_INVALID"
