"""RSA-PSS, RSA PKCS#1 v1.5, ECDSA P-256 and Ed25519 across both backends; the one interface's promises."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from gateway.errors import InvalidInput, Unimplemented
from keys.algorithms import (
    BACKENDS,
    CipherAlgorithm,
    Signer,
    Verifier,
    get_backend,
)
from keys.algorithms import SignatureAlgorithm as S

INTERNATIONAL = [S.RSA_PSS_SHA256, S.RSA_PKCS1V15_SHA256, S.ECDSA_P256_SHA256, S.ED25519]

# RFC 8032 §7.1, TEST 1 and TEST 2: secret key, public key, message, signature.
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


def _pkcs8(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_ed25519_rfc8032_vectors(
    backend: str, secret: str, public: str, message: str, signature: str
) -> None:
    """Both backends produce RFC 8032's deterministic Ed25519 signatures for test 1 and test 2."""
    pem = _pkcs8(ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret)))
    signer = get_backend(backend).load_signer(S.ED25519, pem)
    pub = serialization.load_pem_public_key(signer.public_pem())
    assert pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex() == public
    assert signer.sign(bytes.fromhex(message)).hex() == signature
    assert signer.verify(bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize("alg", INTERNATIONAL)
@pytest.mark.parametrize(
    ("signing", "verifying"), [("cryptography", "pycryptodome"), ("pycryptodome", "cryptography")]
)
def test_sign_with_one_backend_verify_with_the_other(alg: S, signing: str, verifying: str) -> None:
    """A signature from one backend verifies in the other from the exported public PEM, and only for its
    own message."""
    signer = get_backend(signing).generate(alg)
    verifier = get_backend(verifying).load_verifier(alg, signer.public_pem())
    for message in (b"", b"x", secrets.token_bytes(5000)):
        sig = signer.sign(message)
        assert verifier.verify(message, sig)
        assert not verifier.verify(message + b"\x00", sig)


@pytest.mark.parametrize("alg", INTERNATIONAL)
def test_private_keys_move_between_backends(alg: S) -> None:
    """A password-encrypted PKCS#8 from either backend loads in the other and signs verifiably."""
    for src, dst in (("cryptography", "pycryptodome"), ("pycryptodome", "cryptography")):
        signer = get_backend(src).generate(alg)
        moved = get_backend(dst).load_signer(alg, signer.private_pem(b"pw"), b"pw")
        assert moved.public_pem() == signer.public_pem()
        assert signer.verify(b"m", moved.sign(b"m"))


def test_deterministic_schemes_agree_bytewise_across_backends() -> None:
    """RSA PKCS#1 v1.5 and Ed25519 are deterministic, so both backends give identical signature bytes."""
    for alg in (S.RSA_PKCS1V15_SHA256, S.ED25519):
        signer = get_backend("cryptography").generate(alg)
        twin = get_backend("pycryptodome").load_signer(alg, signer.private_pem())
        assert signer.sign(b"payroll") == twin.sign(b"payroll")


def _garbage(sig: bytes) -> list[bytes]:
    flips = [
        bytes(b ^ (1 << (i % 8)) if i == j else b for i, b in enumerate(sig)) for j in range(0, len(sig), 7)
    ]
    fixed = [b"", b"\x00", sig[:-1], sig + b"\x00", bytes(len(sig)), b"\xff" * len(sig), b"A" * 1000]
    der_zeros = b"\x30\x06\x02\x01\x00\x02\x01\x00"
    return [*fixed, secrets.token_bytes(len(sig)), der_zeros, b"\x30\x80" + sig, *flips]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_bad_signatures_return_false_never_raise(backend: str, alg: S) -> None:
    """Empty, truncated, extended, zeroed, random, bit-flipped and malformed-DER signatures all give False."""
    signer = get_backend(backend).generate(alg)
    verifier = signer.verifier()
    sig = signer.sign(b"m")
    for bad in _garbage(sig):
        assert verifier.verify(b"m", bad) is False
        assert signer.verify(b"m", bad) is False
    assert verifier.verify(b"m", bytearray(sig)) is True


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_every_key_satisfies_the_interface(backend: str, alg: S) -> None:
    """Generated keys are Signers, their verifier() is a Verifier, and both report the algorithm."""
    signer = get_backend(backend).generate(alg)
    assert isinstance(signer, Signer)
    assert isinstance(signer.verifier(), Verifier)
    assert signer.algorithm == alg == signer.verifier().algorithm
    assert signer.private_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert signer.public_pem().startswith(b"-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", [S.RSA_PSS_SHA256, S.RSA_PKCS1V15_SHA256])
def test_rsa_below_2048_bits_is_refused(backend: str, alg: S) -> None:
    """Generating or loading an RSA key under 2048 bits raises KEY_TOO_SMALL."""
    be = get_backend(backend)
    with pytest.raises(InvalidInput) as err:
        be.generate(alg, rsa_bits=1024)
    assert err.value.reason == "KEY_TOO_SMALL"
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the point of the test
    with pytest.raises(InvalidInput) as err:
        be.load_signer(alg, _pkcs8(small))
    assert err.value.reason == "KEY_TOO_SMALL"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_key_is_bound_to_its_algorithm(backend: str) -> None:
    """A P-384 key is not ECDSA-P256, an Ed25519 key is not ECDSA, an RSA key is not Ed25519: KEY_INVALID."""
    be = get_backend(backend)
    cases = [
        (S.ECDSA_P256_SHA256, ec.generate_private_key(ec.SECP384R1())),
        (S.ECDSA_P256_SHA256, ed25519.Ed25519PrivateKey.generate()),
        (S.ED25519, rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        (S.RSA_PSS_SHA256, ec.generate_private_key(ec.SECP256R1())),
    ]
    for alg, key in cases:
        with pytest.raises(InvalidInput) as err:
            be.load_signer(alg, _pkcs8(key))
        assert err.value.reason == "KEY_INVALID"


@pytest.mark.parametrize("backend", BACKENDS)
def test_private_pem_where_a_public_key_is_expected_is_refused(backend: str) -> None:
    """load_verifier refuses a private key PEM (a misplaced secret), and garbage, with KEY_INVALID."""
    be = get_backend(backend)
    signer = be.generate(S.ECDSA_P256_SHA256)
    for pem in (signer.private_pem(), b"not a key"):
        with pytest.raises(InvalidInput) as err:
            be.load_verifier(S.ECDSA_P256_SHA256, pem)
        assert err.value.reason == "KEY_INVALID"


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrong_or_missing_password(backend: str) -> None:
    """An encrypted key with a wrong or no password raises KEY_INVALID."""
    be = get_backend(backend)
    sealed = be.generate(S.ED25519).private_pem(b"right")
    for password in (b"wrong", None):
        with pytest.raises(InvalidInput) as err:
            be.load_signer(S.ED25519, sealed, password)
        assert err.value.reason == "KEY_INVALID"


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_is_not_bytes(backend: str) -> None:
    """str passed as data or signature is CRYPTO_MISUSE on every algorithm."""
    signer = get_backend(backend).generate(S.ED25519)
    with pytest.raises(InvalidInput) as err:
        signer.sign("data")  # type: ignore[arg-type]
    assert err.value.reason == "CRYPTO_MISUSE"
    with pytest.raises(InvalidInput):
        signer.verify(b"data", "sig")  # type: ignore[arg-type]


def test_backend_selector_and_providers() -> None:
    """get_backend names exactly the two backends; each says which library runs each algorithm."""
    assert BACKENDS == ("cryptography", "pycryptodome")
    assert get_backend().name == "cryptography"
    pcd = get_backend("pycryptodome")
    assert pcd.provider(S.RSA_PSS_SHA256) == "pycryptodome"
    assert pcd.provider(S.SM2_SM3) == get_backend().provider(S.SM2_SM3) == "libcrypto"
    assert pcd.provider(CipherAlgorithm.SM4_GCM) == "cryptography"
    assert all(get_backend(b).supports(a) for b in BACKENDS for a in [*S, *CipherAlgorithm])
    with pytest.raises(InvalidInput) as err:
        get_backend("nss")
    assert err.value.reason == "UNSUPPORTED_ALGORITHM"
    with pytest.raises(InvalidInput):
        get_backend().generate("DSA")


def test_not_in_backend_is_unimplemented() -> None:
    """Asking a backend for an algorithm it does not list raises Unimplemented(ALGORITHM_NOT_IN_BACKEND)."""
    from keys.algorithms._backend import BackendBase

    class Empty(BackendBase):
        name = "empty"

    with pytest.raises(Unimplemented) as err:
        Empty().generate(S.ED25519)
    assert err.value.reason == "ALGORITHM_NOT_IN_BACKEND"
