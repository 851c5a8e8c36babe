"""The algorithm layer: one small interface, two backends, national and international algorithms.

::

    from keys.algorithms import get_backend, SignatureAlgorithm as S, CipherAlgorithm as C

    be = get_backend()                        # "cryptography" (default) or "pycryptodome"
    signer = be.generate(S.SM2_SM3)           # Signer: sign / verify / public_pem / private_pem / verifier
    sig = signer.sign(b"data")
    verifier = be.load_verifier(S.SM2_SM3, signer.public_pem())
    assert verifier.verify(b"data", sig)      # False (never an exception) for any bad signature
    box = be.cipher(C.SM4_GCM, key)           # Cipher: encrypt / decrypt (nonce ‖ ciphertext ‖ tag)

Backends (``get_backend(name)``) and who runs what:

==================  ==================  ==================
algorithm           ``cryptography``    ``pycryptodome``
==================  ==================  ==================
SM2-SM3             libcrypto (ctypes)  libcrypto (ctypes)
RSA-PSS / PKCS1v15  cryptography        pycryptodome
ECDSA-P256          cryptography        pycryptodome
ED25519             cryptography        pycryptodome
AES-256-GCM         cryptography        pycryptodome
SM4-GCM / SM4-CBC   cryptography        cryptography
SM3 (hash)          hashlib, else cryptography (chosen at import)
==================  ==================  ==================

Conventions: SM2 uses SM3 and the distinguishing ID ``1234567812345678``, DER (r, s); RSA ≥ 2048 bits,
SHA-256, PSS with MGF1-SHA-256 and a 32-byte salt; ECDSA P-256 SHA-256 DER; Ed25519 raw 64-byte signatures
(pure, RFC 8032). Keys are PEM PKCS#8 (private) and SubjectPublicKeyInfo (public). A key is bound to one
algorithm when loaded: an RSA key loaded for PSS signs only PSS.

``keys.algorithms.reference`` is a slow pure-Python SM2/SM3/SM4 for tests to cross-check against; it is
not a backend.
"""

from __future__ import annotations

import secrets

from gateway.errors import InvalidInput

from ._api import (
    ALGORITHM_NOT_IN_BACKEND,
    CIPHER_KEY_SIZES,
    CRYPTO_BACKEND_FAILED,
    CRYPTO_MISUSE,
    DECRYPTION_FAILED,
    KEY_INVALID,
    KEY_TOO_SMALL,
    MIN_RSA_BITS,
    RSA_PSS_SALT_LENGTH,
    SM2_DEFAULT_ID,
    SM2_UNAVAILABLE,
    UNSUPPORTED_ALGORITHM,
    Backend,
    Cipher,
    CipherAlgorithm,
    SignatureAlgorithm,
    Signer,
    Verifier,
    cipher_algorithm,
)
from ._cryptography import CryptographyBackend
from ._hashes import SM3_SOURCE, HashAlgorithm, HashObject, digest, hash_algorithm, new_hash, sha256, sm3
from ._pycryptodome import PycryptodomeBackend
from ._sm2 import SM2Signer, SM2Verifier

DEFAULT_BACKEND = "cryptography"
_BACKENDS: dict[str, Backend] = {
    "cryptography": CryptographyBackend(),
    "pycryptodome": PycryptodomeBackend(),
}
BACKENDS = tuple(_BACKENDS)


def get_backend(name: str = DEFAULT_BACKEND) -> Backend:
    """The named backend (``cryptography`` or ``pycryptodome``); ``InvalidInput(UNSUPPORTED_ALGORITHM)``
    for any other name."""
    try:
        return _BACKENDS[name]
    except KeyError:
        raise InvalidInput("unknown crypto backend", UNSUPPORTED_ALGORITHM) from None


def generate_cipher_key(algorithm: CipherAlgorithm | str) -> bytes:
    """A fresh random key of the right size for ``algorithm``, from the OS CSPRNG."""
    return secrets.token_bytes(CIPHER_KEY_SIZES[cipher_algorithm(algorithm)])


__all__ = [
    "ALGORITHM_NOT_IN_BACKEND",
    "BACKENDS",
    "CRYPTO_BACKEND_FAILED",
    "CRYPTO_MISUSE",
    "DECRYPTION_FAILED",
    "DEFAULT_BACKEND",
    "KEY_INVALID",
    "KEY_TOO_SMALL",
    "MIN_RSA_BITS",
    "RSA_PSS_SALT_LENGTH",
    "SM2_DEFAULT_ID",
    "SM2_UNAVAILABLE",
    "SM3_SOURCE",
    "UNSUPPORTED_ALGORITHM",
    "Backend",
    "Cipher",
    "CipherAlgorithm",
    "HashAlgorithm",
    "HashObject",
    "SM2Signer",
    "SM2Verifier",
    "SignatureAlgorithm",
    "Signer",
    "Verifier",
    "digest",
    "generate_cipher_key",
    "get_backend",
    "hash_algorithm",
    "new_hash",
    "sha256",
    "sm3",
]
