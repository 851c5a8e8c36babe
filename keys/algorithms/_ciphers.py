"""Symmetric ciphers over ``cryptography``: AES-256-GCM, SM4-GCM and SM4-CBC (PKCS#7).

Layouts follow :class:`keys.algorithms.Cipher`: ``nonce ‖ ciphertext ‖ tag`` and ``iv ‖ ciphertext``.
Every decryption failure (short input, bad tag, bad padding) raises the same
``InvalidInput(DECRYPTION_FAILED)`` so callers cannot become a padding oracle.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher as _CgCipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.errors import InvalidInput

from ._api import (
    CBC_IV_SIZE,
    CRYPTO_MISUSE,
    DECRYPTION_FAILED,
    GCM_NONCE_SIZE,
    GCM_TAG_SIZE,
    CipherAlgorithm,
    check_cipher_key,
    require_bytes,
)


def decryption_failed() -> InvalidInput:
    return InvalidInput("decryption failed", DECRYPTION_FAILED)


def fresh_or_given_nonce(nonce: bytes | None, size: int) -> bytes:
    """A CSPRNG nonce, or the caller's after a length check (test vectors, fixed bank IVs)."""
    if nonce is None:
        return secrets.token_bytes(size)
    nonce = require_bytes(nonce, "nonce")
    if len(nonce) != size:
        raise InvalidInput(f"nonce must be {size} bytes", CRYPTO_MISUSE)
    return nonce


class AesGcm:
    """AES-256-GCM with a 12-byte nonce and 16-byte tag (cryptography's one-shot AEAD)."""

    __slots__ = ("_aead",)

    algorithm = CipherAlgorithm.AES_256_GCM
    nonce_size = GCM_NONCE_SIZE

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(check_cipher_key(self.algorithm, key))

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        nonce = fresh_or_given_nonce(nonce, GCM_NONCE_SIZE)
        pt = require_bytes(plaintext, "plaintext")
        return nonce + self._aead.encrypt(nonce, pt, require_bytes(aad, "aad") or None)

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        blob = require_bytes(blob, "ciphertext")
        aad = require_bytes(aad, "aad")
        if len(blob) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
            raise decryption_failed()
        try:
            return self._aead.decrypt(blob[:GCM_NONCE_SIZE], blob[GCM_NONCE_SIZE:], aad or None)
        except InvalidTag:
            raise decryption_failed() from None


class Sm4Gcm:
    """SM4-GCM (RFC 8998) with a 12-byte nonce and 16-byte tag."""

    __slots__ = ("_algo",)

    algorithm = CipherAlgorithm.SM4_GCM
    nonce_size = GCM_NONCE_SIZE

    def __init__(self, key: bytes) -> None:
        self._algo = algorithms.SM4(check_cipher_key(self.algorithm, key))

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        nonce = fresh_or_given_nonce(nonce, GCM_NONCE_SIZE)
        pt = require_bytes(plaintext, "plaintext")
        enc = _CgCipher(self._algo, modes.GCM(nonce)).encryptor()
        if aad:
            enc.authenticate_additional_data(require_bytes(aad, "aad"))
        ct = enc.update(pt) + enc.finalize()
        return nonce + ct + enc.tag

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        blob = require_bytes(blob, "ciphertext")
        aad = require_bytes(aad, "aad")
        if len(blob) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
            raise decryption_failed()
        nonce, ct, tag = blob[:GCM_NONCE_SIZE], blob[GCM_NONCE_SIZE:-GCM_TAG_SIZE], blob[-GCM_TAG_SIZE:]
        dec = _CgCipher(self._algo, modes.GCM(nonce, tag)).decryptor()
        if aad:
            dec.authenticate_additional_data(aad)
        try:
            return dec.update(ct) + dec.finalize()
        except InvalidTag:
            raise decryption_failed() from None


class Sm4Cbc:
    """SM4-CBC with PKCS#7 padding; NOT authenticated, so ``aad`` must stay empty."""

    __slots__ = ("_algo",)

    algorithm = CipherAlgorithm.SM4_CBC
    nonce_size = CBC_IV_SIZE

    def __init__(self, key: bytes) -> None:
        self._algo = algorithms.SM4(check_cipher_key(self.algorithm, key))

    @staticmethod
    def _no_aad(aad: bytes) -> None:
        if aad:
            raise InvalidInput("SM4-CBC is not authenticated and takes no associated data", CRYPTO_MISUSE)

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        self._no_aad(aad)
        iv = fresh_or_given_nonce(nonce, CBC_IV_SIZE)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(require_bytes(plaintext, "plaintext")) + padder.finalize()
        enc = _CgCipher(self._algo, modes.CBC(iv)).encryptor()
        return iv + enc.update(padded) + enc.finalize()

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        self._no_aad(aad)
        blob = require_bytes(blob, "ciphertext")
        body = len(blob) - CBC_IV_SIZE
        if body <= 0 or body % 16:
            raise decryption_failed()
        dec = _CgCipher(self._algo, modes.CBC(blob[:CBC_IV_SIZE])).decryptor()
        padded = dec.update(blob[CBC_IV_SIZE:]) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise decryption_failed() from None


CIPHERS = {
    CipherAlgorithm.AES_256_GCM: AesGcm,
    CipherAlgorithm.SM4_GCM: Sm4Gcm,
    CipherAlgorithm.SM4_CBC: Sm4Cbc,
}
