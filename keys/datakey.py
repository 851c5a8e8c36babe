"""Encryption of personal data at rest, and keyed hashes to find it again.

Personal data (ID number, name, account) is stored as AES-256-GCM ciphertext under a data key, with the
key id in front so any version of the key can tell which key opens which value. Lookups never decrypt:
they use a keyed BLAKE2b "blind index" of the normalised value under a separate lookup key (keyed BLAKE2b
is a MAC in its own right, and about three times cheaper per call than HMAC-SHA256 at payroll volume).

    ciphertext = key_id_len (1 byte) ‖ key_id (ASCII) ‖ nonce (12 bytes) ‖ AES-GCM(ct ‖ tag)

Versions. The data key lives in the key store (``keys.store``, built-in key ``data``) and rotates:
version 1 is derived from the instance master key with HKDF (key id ``dk1``, what every ciphertext made
before the store carries), later versions are random keys wrapped under the master key (key ids
``data-v2``, ``data-v3``…). :meth:`DataProtector.from_store` encrypts with the current version and
decrypts with every version from the key's ``min_version`` up; ``silink keys reencrypt`` moves old rows
to the current version, after which older versions can be retired (min_version) or revoked.

The lookup key does NOT rotate: blind indexes are compared for equality across every row, so a new key
would silently break duplicate detection and the person-status feed (see ``keys.store``).

The master key lives in a file outside the database (``secrets/master.key``, mode 0600) and never in the
repository. ``DataProtector(master_key)`` alone (no store) keeps the original behaviour: ``dk1`` only.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.errors import Internal

MASTER_KEY_BYTES = 32
_NONCE = 12
_LOOKUP_LABEL = b"silink lookup key v1"
# How often a store-backed protector looks for a rotation made by another process (seconds).
REFRESH_SECONDS = 1.0


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


def derive_key(master: bytes, label: bytes) -> bytes:
    """A 32-byte key for one use (``label``) from the master key, HKDF-SHA256 without salt."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)


_derive = derive_key  # the original private name


def key_id_of(blob: bytes) -> str:
    """The key id a ciphertext names (without decrypting it)."""
    n = blob[0]
    return bytes(blob[1 : 1 + n]).decode("ascii")


@dataclass(frozen=True)
class _State:
    key_id: str
    kid: bytes
    aead: AESGCM
    keys: dict[str, AESGCM]
    retired: frozenset[str]
    stamp: Any  # what the store's record looked like when loaded


class DataProtector:
    """Encrypts, decrypts and blind-indexes personal fields for one instance.

    ``DataProtector(master_key, key_id="dk1")``: the master-derived key only (the original behaviour).
    ``data_keys`` (key id → 32-byte key) with ``key_id`` naming the one that encrypts: an explicit
    keyring. :meth:`from_store`: the versioned ``data`` key of the key store, reloaded when it rotates.
    """

    def __init__(
        self,
        master_key: bytes,
        key_id: str = "dk1",
        *,
        data_keys: Mapping[str, bytes] | None = None,
        retired: frozenset[str] = frozenset(),
        lookup_key: bytes | None = None,
    ) -> None:
        if data_keys is None:
            data_keys = {key_id: derive_key(master_key, b"silink data key " + key_id.encode("ascii"))}
        self._store: Any = None
        self._store_name = "data"
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._state = self._make_state(key_id, data_keys, retired, None)
        # A pre-keyed hash object; copy() per value avoids re-keying on every call.
        lookup = lookup_key if lookup_key is not None else derive_key(master_key, _LOOKUP_LABEL)
        self._lookup = hashlib.blake2b(key=lookup, digest_size=16)

    @staticmethod
    def _make_state(
        key_id: str, data_keys: Mapping[str, bytes], retired: frozenset[str], stamp: Any
    ) -> _State:
        if key_id not in data_keys:
            raise Internal("the current data key is not in the keyring", "DATA_KEY_UNKNOWN")
        keys = {kid: AESGCM(k) for kid, k in data_keys.items()}
        return _State(key_id, key_id.encode("ascii"), keys[key_id], keys, frozenset(retired), stamp)

    @classmethod
    def from_store(cls, store: Any, name: str = "data", lookup_name: str = "lookup") -> DataProtector:
        """The protector of an instance's key store (``keys.store.KeyStore``): encrypts with the current
        version of ``name``, decrypts with every live version, and notices a rotation made by another
        process (checked at most once a second, and at once when a ciphertext names an unknown key)."""
        ring = store.data_keyring(name)
        self = cls(
            b"",
            ring.current,
            data_keys=ring.keys,
            retired=ring.retired,
            lookup_key=store.lookup_key(lookup_name),
        )
        self._store = store
        self._store_name = name
        # Stamp first, then read: a rotation landing in between is seen at the next check.
        self.refresh(force=True)
        return self

    # -- store refresh ------------------------------------------------------------------------------

    def _stamp(self) -> Any:
        try:
            st = (self._store.folder / f"{self._store_name}.json").stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def refresh(self, *, force: bool = False) -> None:
        """Reload the keyring from the store if its record changed (no-op without a store)."""
        if self._store is None:
            return
        with self._lock:
            self._checked = time.monotonic()
            stamp = self._stamp()
            if not force and stamp == self._state.stamp:
                return
            ring = self._store.data_keyring(self._store_name)
            self._state = self._make_state(ring.current, ring.keys, ring.retired, stamp)

    def _maybe_refresh(self) -> None:
        if self._store is not None and time.monotonic() - self._checked >= REFRESH_SECONDS:
            self.refresh()

    # -- the API ------------------------------------------------------------------------------------

    @property
    def key_id(self) -> str:
        """The key id new ciphertexts carry."""
        self._maybe_refresh()
        return self._state.key_id

    def encrypt(self, plaintext: str, associated: bytes = b"") -> bytes:
        self._maybe_refresh()
        st = self._state
        nonce = secrets.token_bytes(_NONCE)
        ct = st.aead.encrypt(nonce, plaintext.encode("utf-8"), associated or None)
        return bytes([len(st.kid)]) + st.kid + nonce + ct

    def _aead_for(self, kid: str) -> AESGCM:
        st = self._state
        aead = st.keys.get(kid)
        if aead is None and self._store is not None and kid not in st.retired:
            # A version made by another process since we loaded: look once more.
            self.refresh(force=True)
            st = self._state
            aead = st.keys.get(kid)
        if aead is None:
            if kid in st.retired:
                raise Internal(
                    "personal data is under a retired or revoked data key version", "KEY_VERSION_RETIRED"
                )
            raise Internal("personal data is under an unknown data key", "DATA_KEY_UNKNOWN")
        return aead

    def decrypt(self, blob: bytes, associated: bytes = b"") -> str:
        blob = bytes(blob)
        n = blob[0]
        aead = self._aead_for(blob[1 : 1 + n].decode("ascii"))
        nonce = blob[1 + n : 1 + n + _NONCE]
        try:
            return aead.decrypt(nonce, blob[1 + n + _NONCE :], associated or None).decode("utf-8")
        except InvalidTag:
            raise Internal("personal data cannot be decrypted", "DECRYPTION_FAILED") from None

    def is_current(self, blob: bytes) -> bool:
        """Whether ``blob`` is already under the key version that encrypts now."""
        return key_id_of(blob) == self.key_id

    def reencrypt(self, blob: bytes, associated: bytes = b"") -> bytes:
        """``blob`` under the current key version (the same associated data)."""
        return self.encrypt(self.decrypt(blob, associated), associated)

    def blind_index(self, value: str) -> bytes:
        """16-byte keyed hash of a normalised value: equal values match, nothing can be read back."""
        h = self._lookup.copy()
        h.update(value.strip().upper().encode("utf-8"))
        return h.digest()
