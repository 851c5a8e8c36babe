"""The one small interface every algorithm implements, the algorithm names, and the error reasons.

A :class:`Signer` holds a private key and can also verify (it knows its public half); a :class:`Verifier`
holds only a public key. ``verify`` never raises on a bad, truncated or garbage signature: it returns
False. Everything raises :class:`~gateway.errors.SilinkError` subclasses on misuse (wrong types, a key of
the wrong kind, an RSA key under 2048 bits), never on an attacker-controlled signature.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from gateway.errors import Internal, InvalidInput, Unimplemented

# Error reasons (ErrorInfo.reason) raised by the algorithm layer.
KEY_INVALID = "KEY_INVALID"
KEY_TOO_SMALL = "KEY_TOO_SMALL"
UNSUPPORTED_ALGORITHM = "UNSUPPORTED_ALGORITHM"
ALGORITHM_NOT_IN_BACKEND = "ALGORITHM_NOT_IN_BACKEND"
CRYPTO_MISUSE = "CRYPTO_MISUSE"
DECRYPTION_FAILED = "DECRYPTION_FAILED"
CRYPTO_BACKEND_FAILED = "CRYPTO_BACKEND_FAILED"
SM2_UNAVAILABLE = "SM2_UNAVAILABLE"

MIN_RSA_BITS = 2048
DEFAULT_RSA_BITS = 2048

# GB/T 35276 / GM/T 0009 default user ID; every Chinese bank and `openssl -sigopt distid:` expects it.
SM2_DEFAULT_ID = b"1234567812345678"

# RSA-PSS convention: MGF1 with SHA-256 and a salt as long as the digest (32 bytes), the common
# interoperable choice (`openssl ... -sigopt rsa_pss_saltlen:digest`). Verification insists on it.
RSA_PSS_SALT_LENGTH = 32


class SignatureAlgorithm(StrEnum):
    """Signature schemes; the value is what manifests and key records store."""

    SM2_SM3 = "SM2-SM3"
    RSA_PSS_SHA256 = "RSA-PSS-SHA256"
    RSA_PKCS1V15_SHA256 = "RSA-PKCS1V15-SHA256"
    ECDSA_P256_SHA256 = "ECDSA-P256-SHA256"
    ED25519 = "ED25519"


class CipherAlgorithm(StrEnum):
    """Symmetric ciphers; GCM ones are authenticated, SM4-CBC is not (banks that demand it sign too)."""

    SM4_GCM = "SM4-GCM"
    SM4_CBC = "SM4-CBC"
    AES_256_GCM = "AES-256-GCM"


CIPHER_KEY_SIZES = {
    CipherAlgorithm.SM4_GCM: 16,
    CipherAlgorithm.SM4_CBC: 16,
    CipherAlgorithm.AES_256_GCM: 32,
}
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
CBC_IV_SIZE = 16


@runtime_checkable
class Verifier(Protocol):
    """A public key bound to one signature algorithm."""

    @property
    def algorithm(self) -> SignatureAlgorithm: ...

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True only for a valid signature over ``data``; False for anything else, never raising."""
        ...

    def public_pem(self) -> bytes:
        """The public key as a PEM SubjectPublicKeyInfo."""
        ...


@runtime_checkable
class Signer(Verifier, Protocol):
    """A private key bound to one signature algorithm; it verifies with its own public half too."""

    def sign(self, data: bytes) -> bytes: ...

    def private_pem(self, password: bytes | None = None) -> bytes:
        """The private key as PEM PKCS#8, encrypted (AES-256-CBC, PBKDF2) when a password is given."""
        ...

    def verifier(self) -> Verifier:
        """The public half alone, to hand to whoever only checks signatures."""
        ...


@runtime_checkable
class Cipher(Protocol):
    """A symmetric key bound to one cipher.

    ``encrypt`` returns ``nonce ‖ ciphertext ‖ tag`` for GCM (12-byte nonce, 16-byte tag) and
    ``iv ‖ ciphertext`` for CBC (16-byte IV, PKCS#7 padding); ``decrypt`` takes the same layout. A fresh
    random nonce/IV is drawn from the OS CSPRNG unless one is passed (only for test vectors and bank
    protocols that fix it: never reuse a GCM nonce with the same key). ``decrypt`` raises
    ``InvalidInput(DECRYPTION_FAILED)`` for any tampered or malformed input, the same for every cause.
    """

    @property
    def algorithm(self) -> CipherAlgorithm: ...

    @property
    def nonce_size(self) -> int: ...

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes: ...

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes: ...


class Backend(Protocol):
    """One implementation of every algorithm it supports; choose with ``get_backend(name)``."""

    name: str

    def supports(self, algorithm: SignatureAlgorithm | CipherAlgorithm) -> bool: ...

    def provider(self, algorithm: SignatureAlgorithm | CipherAlgorithm) -> str:
        """Which library really runs ``algorithm`` in this backend (``pycryptodome``, ``libcrypto``…)."""
        ...

    def generate(self, algorithm: SignatureAlgorithm, *, rsa_bits: int = DEFAULT_RSA_BITS) -> Signer: ...

    def load_signer(
        self, algorithm: SignatureAlgorithm, pem: bytes, password: bytes | None = None
    ) -> Signer: ...

    def load_verifier(self, algorithm: SignatureAlgorithm, pem: bytes) -> Verifier: ...

    def verifier_from_certificate(self, algorithm: SignatureAlgorithm, certificate: bytes) -> Verifier:
        """The public key of an X.509 certificate (PEM or DER); the certificate itself is not validated."""
        ...

    def cipher(self, algorithm: CipherAlgorithm, key: bytes) -> Cipher: ...


def signature_algorithm(name: str | SignatureAlgorithm) -> SignatureAlgorithm:
    """Parse an algorithm name, raising ``InvalidInput(UNSUPPORTED_ALGORITHM)`` for unknown ones."""
    try:
        return SignatureAlgorithm(name)
    except ValueError:
        raise InvalidInput("unknown signature algorithm", UNSUPPORTED_ALGORITHM) from None


def cipher_algorithm(name: str | CipherAlgorithm) -> CipherAlgorithm:
    """Parse a cipher name, raising ``InvalidInput(UNSUPPORTED_ALGORITHM)`` for unknown ones."""
    try:
        return CipherAlgorithm(name)
    except ValueError:
        raise InvalidInput("unknown cipher algorithm", UNSUPPORTED_ALGORITHM) from None


def require_bytes(value: object, what: str) -> bytes:
    """Accept bytes-like input as bytes; anything else (notably str) is a caller bug."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise InvalidInput(f"{what} must be bytes", CRYPTO_MISUSE)


def check_cipher_key(algorithm: CipherAlgorithm, key: object) -> bytes:
    key = require_bytes(key, "key")
    if len(key) != CIPHER_KEY_SIZES[algorithm]:
        raise InvalidInput(f"{algorithm} needs a {CIPHER_KEY_SIZES[algorithm]}-byte key", KEY_INVALID)
    return key


def not_in_backend(backend: str, algorithm: object) -> Unimplemented:
    return Unimplemented(f"{algorithm} is not available in the {backend} backend", ALGORITHM_NOT_IN_BACKEND)


def backend_failure(what: str) -> Internal:
    # The detail (OpenSSL's error string) goes to the log by the caller, never into the message.
    return Internal(f"cryptographic backend failed: {what}", CRYPTO_BACKEND_FAILED)
