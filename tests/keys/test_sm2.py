"""SM2 signatures through the libcrypto wrapper: GB/T 32918 vectors, the pure reference, misuse, leaks."""

from __future__ import annotations

import os
import secrets
import threading

import psutil
import pytest

from gateway.errors import InvalidInput
from keys.algorithms import SignatureAlgorithm, SM2Signer, SM2Verifier, get_backend, reference

# GB/T 32918.5-2017 annex A (= GM/T 0003.5-2012): recommended curve, ID 1234567812345678.
GBT_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
GBT_XA = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
GBT_YA = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
GBT_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
GBT_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
GBT_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
GBT_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
GBT_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
MSG = b"message digest"

# GB/T 32918.2 example on its 256-bit test curve, ID ALICE123@YAHOO.COM.
TEST_CURVE = reference.Curve(
    p=0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    a=0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    b=0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    gx=0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
    gy=0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    n=0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)


def _pub(v: SM2Verifier) -> tuple[int, int]:
    point = v.public_point()
    return int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")


def test_reference_reproduces_the_gbt32918_part2_test_curve_example() -> None:
    """The pure SM2 signs the part 2 example (test curve, ALICE's ID, fixed k) to the published (r, s)."""
    d = 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263
    k = 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F
    r, s = reference.sign(d, MSG, b"ALICE123@YAHOO.COM", TEST_CURVE, k=k)
    assert r == 0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1
    assert s == 0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7
    assert reference.verify(
        reference.public_key(d, TEST_CURVE), MSG, (r, s), b"ALICE123@YAHOO.COM", TEST_CURVE
    )


def test_reference_reproduces_the_gbt32918_part5_example() -> None:
    """The pure SM2 signs the part 5 example (recommended curve, default ID, fixed k) to its (r, s)."""
    assert reference.sign(int.from_bytes(GBT_D, "big"), MSG, k=GBT_K) == (GBT_R, GBT_S)


def test_z_value_and_digest_of_the_part5_example() -> None:
    """Z_A for ID 1234567812345678 and e = SM3(Z_A ‖ M) equal the values printed in the standard."""
    pub = reference.public_key(int.from_bytes(GBT_D, "big"))
    z = reference.z_value(b"1234567812345678", pub)
    assert z.hex().upper() == GBT_Z
    assert reference.sm3(z + MSG).hex().upper() == GBT_E


def test_public_key_derived_from_the_example_private_key() -> None:
    """Loading the standard's private scalar gives the standard's public key, as the reference computes."""
    signer = SM2Signer.from_private_scalar(GBT_D)
    assert signer.public_point().hex().upper() == "04" + GBT_XA + GBT_YA
    assert _pub(signer) == reference.public_key(int.from_bytes(GBT_D, "big"))


def test_wrapper_verifies_the_standards_signature() -> None:
    """The libcrypto verifier accepts the published (r, s) for 'message digest' and rejects it for others."""
    verifier = SM2Verifier.from_public_point(bytes.fromhex("04" + GBT_XA + GBT_YA))
    sig = reference.der_signature((GBT_R, GBT_S))
    assert verifier.verify(MSG, sig)
    assert not verifier.verify(MSG + b".", sig)
    assert not verifier.verify(MSG, reference.der_signature((GBT_R, (GBT_S + 1) % reference.SM2_CURVE.n)))


def test_wrapper_signatures_verify_in_the_reference() -> None:
    """Signatures made through libcrypto verify in the pure reference, so Z, e and DER all agree."""
    signer = get_backend().generate(SignatureAlgorithm.SM2_SM3)
    for message in (b"", b"abc", secrets.token_bytes(1000)):
        sig = signer.sign(message)
        assert reference.verify(_pub(signer), message, reference.parse_der_signature(sig))


def test_reference_signatures_verify_in_the_wrapper() -> None:
    """Signatures made by the pure reference with a random nonce verify through libcrypto."""
    d = secrets.randbelow(reference.SM2_CURVE.n - 2) + 1
    signer = SM2Signer.from_private_scalar(d.to_bytes(32, "big"))
    for message in (b"", b"payroll", secrets.token_bytes(300)):
        sig = reference.der_signature(reference.sign(d, message))
        assert signer.verify(message, sig)
        assert signer.verifier().verify(message, sig)


def test_signatures_are_randomised() -> None:
    """Two signatures of the same message differ (fresh nonce from OpenSSL's CSPRNG) and both verify."""
    signer = SM2Signer.generate()
    a, b = signer.sign(b"m"), signer.sign(b"m")
    assert a != b
    assert signer.verify(b"m", a) and signer.verify(b"m", b)


def _garbage(sig: bytes) -> list[bytes]:
    r, s = reference.parse_der_signature(sig)
    n = reference.SM2_CURVE.n
    body = sig[2:]
    return (
        [
            b"",
            b"\x30",
            sig[:-1],
            sig + b"\x00",
            b"\x30\x81" + bytes([len(body)]) + body,  # non-minimal length
            bytes(len(sig)),
            b"\xff" * 200,
            secrets.token_bytes(len(sig)),
            reference.der_signature((s, r)),
            reference.der_signature((r, 0)),
            reference.der_signature((0, s)),
            reference.der_signature((r, n)),
            reference.der_signature((r + n, s)),
            b"\x30\x06\x02\x01\x01\x02\x01\x01",
            b"\x30" + bytes([len(body) + 1]) + b"\x02\x21\x00" + body[2:],  # an extra leading zero on r
        ]
        + [bytes([b ^ 0x01 if i == j else b for i, b in enumerate(sig)]) for j in range(len(sig))]
    )


def test_malformed_signatures_are_false_never_exceptions() -> None:
    """Truncated, padded, non-canonical, out-of-range and bit-flipped signatures all verify False."""
    signer = SM2Signer.generate()
    sig = signer.sign(b"m")
    for bad in _garbage(sig):
        assert signer.verify(b"m", bad) is False


def test_failed_verification_leaves_no_openssl_error_behind() -> None:
    """After a failed verify, the shared OpenSSL error queue of the thread is empty (hashlib shares it)."""
    from keys.algorithms._libcrypto import libcrypto

    signer = SM2Signer.generate()
    assert not signer.verify(b"m", b"\x30\x03\x02\x01\x01")
    assert libcrypto().lib.ERR_get_error() == 0


def test_scalar_out_of_range_is_refused() -> None:
    """Private scalars 0, n-1, n and wrong lengths raise KEY_INVALID."""
    n = reference.SM2_CURVE.n
    for d in (bytes(32), (n - 1).to_bytes(32, "big"), n.to_bytes(32, "big"), b"\x01" * 31):
        with pytest.raises(InvalidInput) as err:
            SM2Signer.from_private_scalar(d)
        assert err.value.reason == "KEY_INVALID"


def test_point_not_on_the_curve_is_refused() -> None:
    """A public point off the SM2 curve (or of the wrong length) raises KEY_INVALID instead of loading."""
    good = bytes.fromhex("04" + GBT_XA + GBT_YA)
    off = good[:-1] + bytes([good[-1] ^ 1])
    for point in (off, good[:-1], b"\x05" + good[1:]):
        with pytest.raises(InvalidInput) as err:
            SM2Verifier.from_public_point(point)
        assert err.value.reason == "KEY_INVALID"
    assert SM2Verifier.from_public_point(good[1:]).public_point() == good


def test_keys_of_other_curves_are_not_sm2() -> None:
    """A P-256 key or an Ed25519 key offered as SM2 raises KEY_INVALID (an algorithm is bound to its key)."""
    be = get_backend()
    for alg in (SignatureAlgorithm.ECDSA_P256_SHA256, SignatureAlgorithm.ED25519):
        other = be.generate(alg)
        with pytest.raises(InvalidInput) as err:
            be.load_signer(SignatureAlgorithm.SM2_SM3, other.private_pem())
        assert err.value.reason == "KEY_INVALID"
        with pytest.raises(InvalidInput):
            be.load_verifier(SignatureAlgorithm.SM2_SM3, other.public_pem())


def test_pem_round_trips_clear_and_encrypted() -> None:
    """PKCS#8 (clear and password-encrypted) and SPKI PEMs reload to the same key."""
    signer = SM2Signer.generate()
    clear = signer.private_pem()
    sealed = signer.private_pem(b"correct horse")
    assert clear.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sealed.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert signer.public_pem().startswith(b"-----BEGIN PUBLIC KEY-----")
    for again in (SM2Signer.load_pem(clear), SM2Signer.load_pem(sealed, b"correct horse")):
        assert again.public_point() == signer.public_point()
        assert signer.verify(b"x", again.sign(b"x"))
    assert SM2Verifier.load_pem(signer.public_pem()).public_point() == signer.public_point()


def test_encrypted_key_without_or_with_wrong_password_fails_without_prompting() -> None:
    """An encrypted key with no password or a wrong one raises KEY_INVALID (OpenSSL never asks a tty)."""
    sealed = SM2Signer.generate().private_pem(b"pw")
    for password in (None, b"wrong"):
        with pytest.raises(InvalidInput) as err:
            SM2Signer.load_pem(sealed, password)
        assert err.value.reason == "KEY_INVALID"


def test_garbage_pem_is_refused() -> None:
    """Text that is not a PEM key raises KEY_INVALID for both private and public loading."""
    for loader in (SM2Signer.load_pem, SM2Verifier.load_pem):
        with pytest.raises(InvalidInput) as err:
            loader(b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
        assert err.value.reason == "KEY_INVALID"


def test_text_instead_of_bytes_is_a_misuse() -> None:
    """Passing str data or signatures raises CRYPTO_MISUSE rather than guessing an encoding."""
    signer = SM2Signer.generate()
    for call in (lambda: signer.sign("text"), lambda: signer.verify("text", b"")):
        with pytest.raises(InvalidInput) as err:
            call()
        assert err.value.reason == "CRYPTO_MISUSE"


def test_signing_from_many_threads_at_once() -> None:
    """Eight threads signing with one key concurrently all produce valid signatures."""
    signer = SM2Signer.generate()
    results: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        for i in range(25):
            msg = f"{threading.get_ident()}-{i}".encode()
            ok = signer.verify(msg, signer.sign(msg))
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 200


def test_no_memory_leak_over_many_operations() -> None:
    """Thousands of load/sign/verify/PEM cycles do not grow the process by more than a few MiB."""
    proc = psutil.Process(os.getpid())
    signer = SM2Signer.generate()
    pem = signer.private_pem()

    def cycle(n: int) -> None:
        for _ in range(n):
            s = SM2Signer.load_pem(pem)
            sig = s.sign(b"leak check")
            s.verify(b"leak check", sig)
            s.verify(b"leak check", b"\x30\x00")
            s.public_pem()
            SM2Verifier.from_public_point(s.public_point())

    cycle(300)  # warm up allocator pools and OpenSSL's caches first
    before = proc.memory_info().rss
    cycle(1500)
    grown = proc.memory_info().rss - before
    # 1500 leaked EVP_PKEYs alone would be several MiB; a leak of one small object per call shows too.
    assert grown < 2 * 1024 * 1024, f"RSS grew by {grown} bytes"
