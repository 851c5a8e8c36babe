"""SHA-256 and SM3 as hashlib-style objects (``update``/``copy``/``digest``), chosen once at import.

SM3 comes from hashlib when the OpenSSL that Python links provides it (fast, and ``.copy()`` of a
pre-built object is the cheapest way to hash many short messages); otherwise from ``cryptography``'s
``hashes.SM3``, wrapped to the same shape.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from cryptography.hazmat.primitives import hashes as _cg_hashes

from gateway.errors import InvalidInput

from ._api import UNSUPPORTED_ALGORITHM


class HashAlgorithm(StrEnum):
    """Hashes a Merkle tree or manifest may name."""

    SHA256 = "SHA-256"
    SM3 = "SM3"


class HashObject(Protocol):
    digest_size: int

    def update(self, data: bytes, /) -> None: ...

    def copy(self) -> HashObject: ...

    def digest(self) -> bytes: ...

    def hexdigest(self) -> str: ...


class _CryptographySM3:
    """cryptography's SM3 with hashlib's interface (its ``finalize`` may run only once, so digest copies)."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    __slots__ = ("_h",)

    def __init__(self, data: bytes = b"", _h: _cg_hashes.Hash | None = None) -> None:
        self._h = _h if _h is not None else _cg_hashes.Hash(_cg_hashes.SM3())
        if data:
            self._h.update(data)

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def copy(self) -> _CryptographySM3:
        return _CryptographySM3(_h=self._h.copy())

    def digest(self) -> bytes:
        return self._h.copy().finalize()

    def hexdigest(self) -> str:
        return self.digest().hex()


SM3_FROM_HASHLIB = "sm3" in hashlib.algorithms_available
SM3_SOURCE = "hashlib" if SM3_FROM_HASHLIB else "cryptography"


def _hashlib_sm3(data: bytes = b"") -> HashObject:
    return hashlib.new("sm3", data)


sm3: Callable[..., HashObject] = _hashlib_sm3 if SM3_FROM_HASHLIB else _CryptographySM3
sha256: Callable[..., HashObject] = hashlib.sha256

_CONSTRUCTORS: dict[HashAlgorithm, Callable[..., HashObject]] = {
    HashAlgorithm.SHA256: sha256,
    HashAlgorithm.SM3: sm3,
}


def hash_algorithm(name: str | HashAlgorithm) -> HashAlgorithm:
    """Parse a hash name (``SHA-256`` or ``SM3``), raising ``InvalidInput(UNSUPPORTED_ALGORITHM)``."""
    try:
        return HashAlgorithm(name)
    except ValueError:
        raise InvalidInput("unknown hash algorithm", UNSUPPORTED_ALGORITHM) from None


def new_hash(name: str | HashAlgorithm, data: bytes = b"") -> HashObject:
    """A fresh hash object of the named algorithm, fed ``data``."""
    return _CONSTRUCTORS[hash_algorithm(name)](data)


def digest(name: str | HashAlgorithm, data: bytes) -> bytes:
    """One-shot digest of ``data`` with the named algorithm."""
    return _CONSTRUCTORS[hash_algorithm(name)](data).digest()
