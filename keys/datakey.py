"""Encryption of personal data at rest, and keyed hashes to find it again.

Personal data (ID number, name, account) is stored as AES-256-GCM ciphertext under a data key, with the
key id in front so a later rotation can tell which key opens which value. Lookups never decrypt: they
use a keyed BLAKE2b "blind index" of the normalised value under a separate lookup key (keyed BLAKE2b is
a MAC in its own right, and about three times cheaper per call than HMAC-SHA256 at payroll volume).

Both keys are derived with HKDF from the instance master key, which lives in a file outside the
database (``secrets/master.key``, mode 0600) and never in the repository. The key store of the keys
issue will take over versioning and rotation; the ciphertext format already carries what it needs:

    ciphertext = key_id_len (1 byte) ‖ key_id (ASCII) ‖ nonce (12 bytes) ‖ AES-GCM(ct ‖ tag)
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.errors import Internal

MASTER_KEY_BYTES = 32
_NONCE = 12


def create_master_key(path: Path) -> None:
    """Write a fresh random master key; refuses to overwrite one (that would orphan all data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(MASTER_KEY_BYTES))


def load_master_key(path: Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise Internal("master key file is missing; run `silink init`", "MASTER_KEY_MISSING") from None
    if len(data) != MASTER_KEY_BYTES:
        raise Internal("master key file has the wrong size", "MASTER_KEY_INVALID")
    return data


def _derive(master: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)


class DataProtector:
    """Encrypts, decrypts and blind-indexes personal fields for one instance."""

    def __init__(self, master_key: bytes, key_id: str = "dk1") -> None:
        self.key_id = key_id
        self._kid = key_id.encode("ascii")
        self._aead = AESGCM(_derive(master_key, b"silink data key " + self._kid))
        # A pre-keyed hash object; copy() per value avoids re-keying on every call.
        self._lookup = hashlib.blake2b(key=_derive(master_key, b"silink lookup key v1"), digest_size=16)
        self._keys = {key_id: self._aead}

    def encrypt(self, plaintext: str, associated: bytes = b"") -> bytes:
        nonce = secrets.token_bytes(_NONCE)
        ct = self._aead.encrypt(nonce, plaintext.encode("utf-8"), associated or None)
        return bytes([len(self._kid)]) + self._kid + nonce + ct

    def decrypt(self, blob: bytes, associated: bytes = b"") -> str:
        n = blob[0]
        kid = blob[1 : 1 + n].decode("ascii")
        aead = self._keys.get(kid)
        if aead is None:
            raise Internal("personal data is under an unknown data key", "DATA_KEY_UNKNOWN")
        nonce = blob[1 + n : 1 + n + _NONCE]
        return aead.decrypt(nonce, blob[1 + n + _NONCE :], associated or None).decode("utf-8")

    def blind_index(self, value: str) -> bytes:
        """16-byte keyed hash of a normalised value: equal values match, nothing can be read back."""
        h = self._lookup.copy()
        h.update(value.strip().upper().encode("utf-8"))
        return h.digest()
