"""A thin ctypes binding to the system OpenSSL 3 libcrypto: only what SM2 needs, through the EVP API.

``cryptography`` has no SM2 keys, so SM2 goes straight to the libcrypto that the OS ships (the one the
``openssl`` command uses, which is what banks test against). Rules kept in every caller:

* every pointer argument and result is declared ``c_void_p`` (an undeclared restype truncates a 64-bit
  pointer to a C ``int``);
* every object that is created is freed in a ``finally`` (EVP_MD_CTX, BIO, X509) or by a
  ``weakref.finalize`` (EVP_PKEY);
* after any failed call the thread's OpenSSL error queue is cleared, so stale errors cannot leak into
  hashlib or ssl, which share this library;
* randomness is OpenSSL's CSPRNG (inside keygen and sign), never Python's.

ctypes drops the GIL around each foreign call, so signing from several threads runs in parallel.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from ctypes import POINTER, c_char_p, c_int, c_long, c_size_t, c_ulong, c_void_p
from typing import Any

from gateway.errors import Unavailable

from ._api import SM2_UNAVAILABLE, backend_failure

log = logging.getLogger(__name__)

BIO_CTRL_INFO = 3  # BIO_get_mem_data(b, pp) is BIO_ctrl(b, BIO_CTRL_INFO, 0, pp)

_vp = c_void_p
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "OpenSSL_version_num": (c_ulong, []),
    "ERR_get_error": (c_ulong, []),
    "ERR_error_string_n": (None, [c_ulong, c_char_p, c_size_t]),
    "ERR_clear_error": (None, []),
    "BIO_new": (_vp, [_vp]),
    "BIO_s_mem": (_vp, []),
    "BIO_new_mem_buf": (_vp, [c_char_p, c_int]),
    "BIO_ctrl": (c_long, [_vp, c_int, c_long, _vp]),
    "BIO_free": (c_int, [_vp]),
    "EVP_MD_fetch": (_vp, [_vp, c_char_p, c_char_p]),
    "EVP_aes_256_cbc": (_vp, []),
    "EVP_PKEY_CTX_new_from_name": (_vp, [_vp, c_char_p, c_char_p]),
    "EVP_PKEY_CTX_free": (None, [_vp]),
    "EVP_PKEY_keygen_init": (c_int, [_vp]),
    "EVP_PKEY_keygen": (c_int, [_vp, POINTER(_vp)]),
    "EVP_PKEY_CTX_set1_id": (c_int, [_vp, c_char_p, c_int]),
    "EVP_PKEY_free": (None, [_vp]),
    "EVP_PKEY_is_a": (c_int, [_vp, c_char_p]),
    "EVP_PKEY_get_size": (c_int, [_vp]),
    "EVP_PKEY_get_octet_string_param": (c_int, [_vp, c_char_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "EVP_MD_CTX_new": (_vp, []),
    "EVP_MD_CTX_free": (None, [_vp]),
    "EVP_DigestSignInit": (c_int, [_vp, POINTER(_vp), _vp, _vp, _vp]),
    "EVP_DigestSign": (c_int, [_vp, c_char_p, POINTER(c_size_t), c_char_p, c_size_t]),
    "EVP_DigestVerifyInit": (c_int, [_vp, POINTER(_vp), _vp, _vp, _vp]),
    "EVP_DigestVerify": (c_int, [_vp, c_char_p, c_size_t, c_char_p, c_size_t]),
    "PEM_read_bio_PrivateKey": (_vp, [_vp, _vp, _vp, c_char_p]),
    "PEM_read_bio_PUBKEY": (_vp, [_vp, _vp, _vp, _vp]),
    "PEM_write_bio_PrivateKey": (c_int, [_vp, _vp, _vp, c_char_p, c_int, _vp, _vp]),
    "PEM_write_bio_PKCS8PrivateKey": (c_int, [_vp, _vp, _vp, c_char_p, c_int, _vp, _vp]),
    "PEM_write_bio_PUBKEY": (c_int, [_vp, _vp]),
    "PEM_read_bio_X509": (_vp, [_vp, _vp, _vp, _vp]),
    "X509_get_pubkey": (_vp, [_vp]),
    "X509_free": (None, [_vp]),
}


class LibCrypto:
    """The loaded library with every function's prototype declared, and the pre-fetched SM3 digest."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        for name, (restype, argtypes) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        self.lib = lib
        self.version = lib.OpenSSL_version_num()
        if self.version < 0x30000000:
            raise OSError("libcrypto is older than OpenSSL 3.0")
        # Fetched once and kept for the process: an implicit fetch on every EVP_DigestSignInit costs time.
        self.sm3 = lib.EVP_MD_fetch(None, b"SM3", None)
        if not self.sm3:
            self.drain_errors()
            raise OSError("libcrypto has no SM3")

    def drain_errors(self) -> str:
        """Empty this thread's error queue, returning the errors as text for the log."""
        buf = ctypes.create_string_buffer(256)
        out = []
        while code := self.lib.ERR_get_error():
            self.lib.ERR_error_string_n(code, buf, len(buf))
            out.append(buf.value.decode("ascii", "replace"))
        return "; ".join(out)

    def fail(self, what: str) -> Exception:
        """Log and clear the error queue, then return the error for the caller to raise."""
        detail = self.drain_errors()
        log.error("libcrypto call failed: %s: %s", what, detail)
        return backend_failure(what)

    # --- BIO helpers -------------------------------------------------------------------------------

    def read_bio(self, data: bytes) -> int:
        """A read-only memory BIO over ``data``; the caller keeps ``data`` alive and frees the BIO."""
        bio = self.lib.BIO_new_mem_buf(data, len(data))
        if not bio:
            raise self.fail("BIO_new_mem_buf")
        return bio

    def write_bio(self) -> int:
        bio = self.lib.BIO_new(self.lib.BIO_s_mem())
        if not bio:
            raise self.fail("BIO_new")
        return bio

    def bio_bytes(self, bio: int) -> bytes:
        ptr = c_void_p()
        n = self.lib.BIO_ctrl(bio, BIO_CTRL_INFO, 0, ctypes.addressof(ptr))
        if n <= 0 or not ptr.value:
            return b""
        return ctypes.string_at(ptr.value, n)


@functools.cache
def libcrypto() -> LibCrypto:
    """The process-wide binding, loaded on first use; ``Unavailable(SM2_UNAVAILABLE)`` if it cannot be."""
    path = ctypes.util.find_library("crypto")
    try:
        if path is None:
            raise OSError("libcrypto not found")
        return LibCrypto(path)
    except (OSError, AttributeError) as exc:
        log.error("system libcrypto unusable for SM2: %s", exc)
        raise Unavailable("SM2 needs the system OpenSSL 3 libcrypto", SM2_UNAVAILABLE) from None
