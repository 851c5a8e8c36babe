"""The public surface of the algorithm layer is pinned: changing it is a visible, reviewed decision."""

from __future__ import annotations

import inspect

import keys.algorithms as algorithms
from keys import canonical, manifest, merkle


def test_algorithms_exports_are_pinned() -> None:
    """keys.algorithms exports exactly the documented names, and each of them exists."""
    assert sorted(algorithms.__all__) == sorted(
        [
            "ALGORITHM_NOT_IN_BACKEND", "BACKENDS", "CRYPTO_BACKEND_FAILED", "CRYPTO_MISUSE",
            "DECRYPTION_FAILED", "DEFAULT_BACKEND", "KEY_INVALID", "KEY_TOO_SMALL", "MIN_RSA_BITS",
            "RSA_PSS_SALT_LENGTH", "SM2_DEFAULT_ID", "SM2_UNAVAILABLE", "SM3_SOURCE",
            "UNSUPPORTED_ALGORITHM", "Backend", "Cipher", "CipherAlgorithm", "HashAlgorithm", "HashObject",
            "SM2Signer", "SM2Verifier", "SignatureAlgorithm", "Signer", "Verifier", "digest",
            "generate_cipher_key", "get_backend", "hash_algorithm", "new_hash", "sha256", "sm3",
        ]
    )  # fmt: skip
    for name in algorithms.__all__:
        assert hasattr(algorithms, name)


def test_interface_methods_are_pinned() -> None:
    """Signer, Verifier, Cipher and Backend keep their method names and parameters."""

    def params(cls: type, method: str) -> list[str]:
        return list(inspect.signature(getattr(cls, method)).parameters)

    assert params(algorithms.Verifier, "verify") == ["self", "data", "signature"]
    assert params(algorithms.Signer, "sign") == ["self", "data"]
    assert params(algorithms.Signer, "private_pem") == ["self", "password"]
    assert params(algorithms.Cipher, "encrypt") == ["self", "plaintext", "aad", "nonce"]
    assert params(algorithms.Cipher, "decrypt") == ["self", "blob", "aad"]
    assert params(algorithms.Backend, "load_signer") == ["self", "algorithm", "pem", "password"]
    assert params(algorithms.Backend, "verifier_from_certificate") == ["self", "algorithm", "certificate"]


def test_algorithm_names_are_stable() -> None:
    """The stored names of algorithms (in manifests and key records) never change."""
    assert [a.value for a in algorithms.SignatureAlgorithm] == [
        "SM2-SM3", "RSA-PSS-SHA256", "RSA-PKCS1V15-SHA256", "ECDSA-P256-SHA256", "ED25519"
    ]  # fmt: skip
    assert [a.value for a in algorithms.CipherAlgorithm] == ["SM4-GCM", "SM4-CBC", "AES-256-GCM"]
    assert [a.value for a in algorithms.HashAlgorithm] == ["SHA-256", "SM3"]


def test_merkle_canonical_manifest_entry_points_exist() -> None:
    """The Merkle, canonical-line and manifest entry points other packages call are present."""
    for module, names in (
        (merkle, ["RootBuilder", "merkle_root", "leaf_hashes", "inclusion_proof", "verify_inclusion"]),
        (canonical, ["canonical_line", "canonical_row", "canonical_lines", "PaymentLine", "LINE_FORMAT"]),
        (manifest, ["Manifest", "ManifestFields", "Verdict", "sign_manifest", "verify_manifest"]),
    ):
        for name in names:
            assert hasattr(module, name), (module.__name__, name)


def test_library_code_never_uses_the_random_module() -> None:
    """No module under keys/ imports Python's non-cryptographic `random`; keys and nonces come from
    OpenSSL or `secrets`."""
    import pathlib
    import re

    root = pathlib.Path(merkle.__file__).parent
    pattern = re.compile(r"^\s*(import random\b|from random\b)", re.MULTILINE)
    offenders = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
