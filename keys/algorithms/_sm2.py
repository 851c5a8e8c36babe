"""SM2 signatures (GB/T 32918.2) with SM3 and the standard distinguishing ID, over system libcrypto.

Signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }`` over ``SM3(Z ‖ M)``, Z computed by OpenSSL from
the ID ``1234567812345678``; this is what ``openssl dgst -sm3 -sigopt distid:1234567812345678`` makes and
checks. Keys are PEM PKCS#8 / SubjectPublicKeyInfo with the ``id-ecPublicKey`` + ``sm2`` curve OIDs, and
raw ``04‖X‖Y`` points / 32-byte scalars for the bank SDKs that exchange keys as hex.
"""

from __future__ import annotations

import base64
import ctypes
import weakref
from ctypes import byref, c_size_t, c_void_p

from gateway.errors import InvalidInput

from ._api import (
    CRYPTO_MISUSE,
    KEY_INVALID,
    SM2_DEFAULT_ID,
    SignatureAlgorithm,
    Verifier,
    require_bytes,
)
from ._libcrypto import LibCrypto, libcrypto

# Order n of the SM2 recommended curve (GB/T 32918.5); a private scalar d must lie in [1, n-2].
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123

# DER prefixes for fixed-size SM2 keys: AlgorithmIdentifier { id-ecPublicKey, sm2 (1.2.156.10197.1.301) }.
_ALG_ID = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
_SPKI_PREFIX = bytes.fromhex("3059") + _ALG_ID + bytes.fromhex("034200")
# PrivateKeyInfo { 0, AlgorithmIdentifier, OCTET STRING ECPrivateKey { 1, OCTET STRING d } }; OpenSSL
# derives the public point when the optional publicKey field is absent.
_PKCS8_PREFIX = bytes.fromhex("3041020100") + _ALG_ID + bytes.fromhex("0427302502010104") + b"\x20"

# A DER SM2 signature is at most 72 bytes; anything far longer is garbage and not worth parsing.
_MAX_SIGNATURE = 128


def _pem(label: str, der: bytes) -> bytes:
    b64 = base64.encodebytes(der).replace(b"\n", b"")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return b"-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label.encode(), b"\n".join(lines), label.encode())


def _adopt_sm2(lc: LibCrypto, pkey: int | None, what: str) -> int:
    """Check that OpenSSL gave us an SM2 key, freeing it (and raising KEY_INVALID) otherwise."""
    if not pkey:
        lc.drain_errors()
        raise InvalidInput(f"cannot read the SM2 {what}", KEY_INVALID)
    if lc.lib.EVP_PKEY_is_a(pkey, b"SM2") != 1:
        lc.lib.EVP_PKEY_free(pkey)
        lc.drain_errors()
        raise InvalidInput(f"the {what} is not an SM2 key", KEY_INVALID)
    return pkey


class SM2Verifier:
    """An SM2 public key."""

    __slots__ = ("__weakref__", "_free", "_lc", "_max_sig", "_pkey")

    algorithm = SignatureAlgorithm.SM2_SM3

    def __init__(self, _pkey: int, _lc: LibCrypto) -> None:
        # Takes ownership of an EVP_PKEY*: build instances with the class methods, not directly.
        self._lc = _lc
        self._pkey = _pkey
        self._free = weakref.finalize(self, _lc.lib.EVP_PKEY_free, _pkey)
        self._max_sig = _lc.lib.EVP_PKEY_get_size(_pkey)
        if self._max_sig <= 0:
            raise _lc.fail("EVP_PKEY_get_size")

    # --- construction ------------------------------------------------------------------------------

    @classmethod
    def load_pem(cls, pem: bytes) -> SM2Verifier:
        """Load a PEM SubjectPublicKeyInfo."""
        lc = libcrypto()
        pem = require_bytes(pem, "pem")
        bio = lc.read_bio(pem)
        try:
            pkey = lc.lib.PEM_read_bio_PUBKEY(bio, None, None, None)
        finally:
            lc.lib.BIO_free(bio)
        return SM2Verifier(_adopt_sm2(lc, pkey, "public key"), lc)

    @classmethod
    def from_public_point(cls, point: bytes) -> SM2Verifier:
        """Load a raw public point: ``04‖X‖Y`` (65 bytes) or ``X‖Y`` (64 bytes); must be on the curve."""
        point = require_bytes(point, "point")
        if len(point) == 64:
            point = b"\x04" + point
        if len(point) != 65 or point[0] != 4:
            raise InvalidInput("an SM2 public point is 04‖X‖Y (65 bytes) or X‖Y (64 bytes)", KEY_INVALID)
        return SM2Verifier.load_pem(_pem("PUBLIC KEY", _SPKI_PREFIX + point))

    @classmethod
    def from_certificate(cls, certificate: bytes) -> SM2Verifier:
        """The SM2 public key of an X.509 certificate, PEM or DER (the certificate is not validated)."""
        lc = libcrypto()
        certificate = require_bytes(certificate, "certificate")
        if not certificate.lstrip().startswith(b"-----BEGIN"):
            certificate = _pem("CERTIFICATE", certificate)
        bio = lc.read_bio(certificate)
        try:
            x509 = lc.lib.PEM_read_bio_X509(bio, None, None, None)
        finally:
            lc.lib.BIO_free(bio)
        if not x509:
            lc.drain_errors()
            raise InvalidInput("cannot read the certificate", KEY_INVALID)
        try:
            pkey = lc.lib.X509_get_pubkey(x509)
        finally:
            lc.lib.X509_free(x509)
        return SM2Verifier(_adopt_sm2(lc, pkey, "certificate key"), lc)

    # --- the Verifier interface --------------------------------------------------------------------

    def verify(self, data: bytes, signature: bytes) -> bool:
        data = require_bytes(data, "data")
        signature = require_bytes(signature, "signature")
        if not signature or len(signature) > _MAX_SIGNATURE:
            return False
        lib = self._lc.lib
        mctx = lib.EVP_MD_CTX_new()
        if not mctx:
            raise self._lc.fail("EVP_MD_CTX_new")
        try:
            pctx = c_void_p()  # owned by mctx
            if lib.EVP_DigestVerifyInit(mctx, byref(pctx), self._lc.sm3, None, self._pkey) != 1:
                raise self._lc.fail("EVP_DigestVerifyInit")
            if lib.EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, len(SM2_DEFAULT_ID)) != 1:
                raise self._lc.fail("EVP_PKEY_CTX_set1_id")
            # 1 is valid; 0 is a wrong signature and a negative value a malformed one: both are False.
            rc = lib.EVP_DigestVerify(mctx, signature, len(signature), data, len(data))
            if rc != 1:
                self._lc.drain_errors()
                return False
            return True
        finally:
            lib.EVP_MD_CTX_free(mctx)

    def public_pem(self) -> bytes:
        lc = self._lc
        bio = lc.write_bio()
        try:
            if lc.lib.PEM_write_bio_PUBKEY(bio, self._pkey) != 1:
                raise lc.fail("PEM_write_bio_PUBKEY")
            return lc.bio_bytes(bio)
        finally:
            lc.lib.BIO_free(bio)

    def public_point(self) -> bytes:
        """The public key as the uncompressed point ``04‖X‖Y`` (65 bytes)."""
        buf = ctypes.create_string_buffer(65)
        n = c_size_t(0)
        lib = self._lc.lib
        if lib.EVP_PKEY_get_octet_string_param(self._pkey, b"encoded-pub-key", buf, len(buf), byref(n)) != 1:
            raise self._lc.fail("EVP_PKEY_get_octet_string_param")
        return buf.raw[: n.value]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.public_point()[1:9].hex()}…>"


class SM2Signer(SM2Verifier):
    """An SM2 private key (it verifies with its public half too)."""

    __slots__ = ()

    @classmethod
    def generate(cls) -> SM2Signer:
        """A fresh key pair from OpenSSL's CSPRNG."""
        lc = libcrypto()
        lib = lc.lib
        ctx = lib.EVP_PKEY_CTX_new_from_name(None, b"SM2", None)
        if not ctx:
            raise lc.fail("EVP_PKEY_CTX_new_from_name")
        try:
            pkey = c_void_p()
            if lib.EVP_PKEY_keygen_init(ctx) != 1 or lib.EVP_PKEY_keygen(ctx, byref(pkey)) != 1:
                raise lc.fail("EVP_PKEY_keygen")
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        return SM2Signer(pkey.value, lc)

    @classmethod
    def load_pem(cls, pem: bytes, password: bytes | None = None) -> SM2Signer:
        """Load a PEM private key (PKCS#8, encrypted PKCS#8 with ``password``, or traditional EC)."""
        lc = libcrypto()
        pem = require_bytes(pem, "pem")
        if password is not None:
            password = require_bytes(password, "password")
            if b"\0" in password:
                raise InvalidInput("password must not contain NUL bytes", CRYPTO_MISUSE)
        bio = lc.read_bio(pem)
        try:
            # An empty passphrase rather than NULL: with NULL, OpenSSL would prompt on the terminal for an
            # encrypted key and block the server.
            pkey = lc.lib.PEM_read_bio_PrivateKey(bio, None, None, password if password is not None else b"")
        finally:
            lc.lib.BIO_free(bio)
        return SM2Signer(_adopt_sm2(lc, pkey, "private key"), lc)

    @classmethod
    def from_private_scalar(cls, scalar: bytes) -> SM2Signer:
        """Load a raw 32-byte big-endian private scalar d (1 ≤ d ≤ n−2); the public point is derived."""
        scalar = require_bytes(scalar, "scalar")
        if len(scalar) != 32 or not 1 <= int.from_bytes(scalar, "big") <= SM2_N - 2:
            raise InvalidInput("an SM2 private key is a 32-byte scalar in [1, n-2]", KEY_INVALID)
        return SM2Signer.load_pem(_pem("PRIVATE KEY", _PKCS8_PREFIX + scalar))

    def sign(self, data: bytes) -> bytes:
        data = require_bytes(data, "data")
        lib = self._lc.lib
        mctx = lib.EVP_MD_CTX_new()
        if not mctx:
            raise self._lc.fail("EVP_MD_CTX_new")
        try:
            pctx = c_void_p()  # owned by mctx
            if lib.EVP_DigestSignInit(mctx, byref(pctx), self._lc.sm3, None, self._pkey) != 1:
                raise self._lc.fail("EVP_DigestSignInit")
            if lib.EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, len(SM2_DEFAULT_ID)) != 1:
                raise self._lc.fail("EVP_PKEY_CTX_set1_id")
            buf = ctypes.create_string_buffer(self._max_sig)
            siglen = c_size_t(self._max_sig)
            if lib.EVP_DigestSign(mctx, buf, byref(siglen), data, len(data)) != 1:
                raise self._lc.fail("EVP_DigestSign")
            return buf.raw[: siglen.value]
        finally:
            lib.EVP_MD_CTX_free(mctx)

    def private_pem(self, password: bytes | None = None) -> bytes:
        lc = self._lc
        lib = lc.lib
        bio = lc.write_bio()
        try:
            if password is None:
                ok = lib.PEM_write_bio_PrivateKey(bio, self._pkey, None, None, 0, None, None)
            else:
                password = require_bytes(password, "password")
                if not password or b"\0" in password:
                    raise InvalidInput("password must be non-empty without NUL bytes", CRYPTO_MISUSE)
                ok = lib.PEM_write_bio_PKCS8PrivateKey(
                    bio, self._pkey, lib.EVP_aes_256_cbc(), password, len(password), None, None
                )
            if ok != 1:
                raise lc.fail("PEM_write_bio_PrivateKey")
            return lc.bio_bytes(bio)
        finally:
            lib.BIO_free(bio)

    def verifier(self) -> Verifier:
        return SM2Verifier.load_pem(self.public_pem())
