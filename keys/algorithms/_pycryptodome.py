"""The second, independent backend: pycryptodome for RSA, ECDSA P-256, Ed25519 and AES-256-GCM.

pycryptodome has no SM2, SM3 or SM4. SM2 is the same libcrypto wrapper as in the default backend and the
SM4 ciphers are ``cryptography``'s, so choosing this backend changes who runs the international
algorithms only; ``provider(alg)`` says which library runs what.
"""

from __future__ import annotations

from typing import ClassVar

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.PublicKey import ECC, RSA
from Crypto.Signature import DSS, eddsa, pkcs1_15, pss

from gateway.errors import InvalidInput

from ._api import (
    GCM_NONCE_SIZE,
    GCM_TAG_SIZE,
    KEY_INVALID,
    RSA_PSS_SALT_LENGTH,
    Cipher,
    CipherAlgorithm,
    SignatureAlgorithm,
    Signer,
    Verifier,
    check_cipher_key,
    require_bytes,
)
from ._backend import RSA_ALGORITHMS, BackendBase, check_rsa_bits
from ._ciphers import CIPHERS, decryption_failed, fresh_or_given_nonce

_P256_NAMES = frozenset({"NIST P-256", "p256", "P-256", "prime256v1", "secp256r1"})
# PKCS#8 encryption that OpenSSL and cryptography read: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.
_PROTECTION = "PBKDF2WithHMAC-SHA256AndAES256-CBC"


def _pem_bytes(pem: str | bytes) -> bytes:
    # pycryptodome returns bytes for RSA and str for ECC, without the final newline OpenSSL writes.
    return (pem if isinstance(pem, bytes) else pem.encode("ascii")).rstrip(b"\n") + b"\n"


def _check_key(alg: SignatureAlgorithm, key: object, private: bool) -> None:
    """Bind a key to exactly one algorithm: right type, right curve, RSA ≥ 2048 bits, private if asked."""
    if alg in RSA_ALGORITHMS:
        ok = isinstance(key, RSA.RsaKey)
    elif alg is SignatureAlgorithm.ECDSA_P256_SHA256:
        ok = isinstance(key, ECC.EccKey) and key.curve in _P256_NAMES
    else:
        ok = isinstance(key, ECC.EccKey) and key.curve == "Ed25519"
    if not ok or (private and not key.has_private()):
        raise InvalidInput(f"the key is not a {alg} {'private' if private else 'public'} key", KEY_INVALID)
    if alg in RSA_ALGORITHMS:
        check_rsa_bits(key.size_in_bits())


class PcdVerifier:
    """A pycryptodome public key bound to one algorithm."""

    __slots__ = ("_pub", "algorithm")

    def __init__(self, alg: SignatureAlgorithm, public_key: RSA.RsaKey | ECC.EccKey) -> None:
        _check_key(alg, public_key, private=False)
        self.algorithm = alg
        self._pub = public_key

    def verify(self, data: bytes, signature: bytes) -> bool:
        data = require_bytes(data, "data")
        signature = require_bytes(signature, "signature")
        alg = self.algorithm
        try:
            if alg is SignatureAlgorithm.RSA_PSS_SHA256:
                pss.new(self._pub, salt_bytes=RSA_PSS_SALT_LENGTH).verify(SHA256.new(data), signature)
            elif alg is SignatureAlgorithm.RSA_PKCS1V15_SHA256:
                pkcs1_15.new(self._pub).verify(SHA256.new(data), signature)
            elif alg is SignatureAlgorithm.ECDSA_P256_SHA256:
                DSS.new(self._pub, "fips-186-3", encoding="der").verify(SHA256.new(data), signature)
            else:
                eddsa.new(self._pub, "rfc8032").verify(data, signature)
        except (ValueError, TypeError, IndexError):
            # pycryptodome reports a bad signature as ValueError; malformed DER can surface as others.
            return False
        return True

    def public_pem(self) -> bytes:
        return _pem_bytes(self._pub.public_key().export_key(format="PEM"))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.algorithm}>"


class PcdSigner(PcdVerifier):
    """A pycryptodome private key bound to one algorithm."""

    __slots__ = ("_priv",)

    def __init__(self, alg: SignatureAlgorithm, private_key: RSA.RsaKey | ECC.EccKey) -> None:
        _check_key(alg, private_key, private=True)
        super().__init__(alg, private_key.public_key())
        self._priv = private_key

    def sign(self, data: bytes) -> bytes:
        data = require_bytes(data, "data")
        alg = self.algorithm
        if alg is SignatureAlgorithm.RSA_PSS_SHA256:
            return pss.new(self._priv, salt_bytes=RSA_PSS_SALT_LENGTH).sign(SHA256.new(data))
        if alg is SignatureAlgorithm.RSA_PKCS1V15_SHA256:
            return pkcs1_15.new(self._priv).sign(SHA256.new(data))
        if alg is SignatureAlgorithm.ECDSA_P256_SHA256:
            return DSS.new(self._priv, "fips-186-3", encoding="der").sign(SHA256.new(data))
        return eddsa.new(self._priv, "rfc8032").sign(data)

    def private_pem(self, password: bytes | None = None) -> bytes:
        kw: dict[str, object] = {"format": "PEM"}
        if isinstance(self._priv, RSA.RsaKey):
            kw["pkcs"] = 8
        else:
            kw["use_pkcs8"] = True
        if password is not None:
            kw["passphrase"] = require_bytes(password, "password")
            kw["protection"] = _PROTECTION
        return _pem_bytes(self._priv.export_key(**kw))

    def verifier(self) -> Verifier:
        return PcdVerifier(self.algorithm, self._pub)


class PcdAesGcm:
    """AES-256-GCM by pycryptodome, same layout as the default backend's."""

    __slots__ = ("_key",)

    algorithm = CipherAlgorithm.AES_256_GCM
    nonce_size = GCM_NONCE_SIZE

    def __init__(self, key: bytes) -> None:
        self._key = check_cipher_key(self.algorithm, key)

    def encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        nonce = fresh_or_given_nonce(nonce, GCM_NONCE_SIZE)
        c = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=GCM_TAG_SIZE)
        c.update(require_bytes(aad, "aad"))
        ct, tag = c.encrypt_and_digest(require_bytes(plaintext, "plaintext"))
        return nonce + ct + tag

    def decrypt(self, blob: bytes, aad: bytes = b"") -> bytes:
        blob = require_bytes(blob, "ciphertext")
        aad = require_bytes(aad, "aad")
        if len(blob) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
            raise decryption_failed()
        c = AES.new(self._key, AES.MODE_GCM, nonce=blob[:GCM_NONCE_SIZE], mac_len=GCM_TAG_SIZE)
        c.update(aad)
        try:
            return c.decrypt_and_verify(blob[GCM_NONCE_SIZE:-GCM_TAG_SIZE], blob[-GCM_TAG_SIZE:])
        except ValueError:
            raise decryption_failed() from None


def _import(data: bytes, passphrase: bytes | None, alg: SignatureAlgorithm) -> RSA.RsaKey | ECC.EccKey:
    module = RSA if alg in RSA_ALGORITHMS else ECC
    try:
        return module.import_key(data, passphrase=passphrase)
    except (ValueError, TypeError, IndexError, KeyError):
        raise InvalidInput("cannot read the key", KEY_INVALID) from None


class PycryptodomeBackend(BackendBase):
    """pycryptodome for the international algorithms; SM2 via libcrypto, SM4 via cryptography."""

    name = "pycryptodome"
    providers: ClassVar[dict[SignatureAlgorithm | CipherAlgorithm, str]] = {
        SignatureAlgorithm.SM2_SM3: "libcrypto",
        SignatureAlgorithm.RSA_PSS_SHA256: "pycryptodome",
        SignatureAlgorithm.RSA_PKCS1V15_SHA256: "pycryptodome",
        SignatureAlgorithm.ECDSA_P256_SHA256: "pycryptodome",
        SignatureAlgorithm.ED25519: "pycryptodome",
        CipherAlgorithm.AES_256_GCM: "pycryptodome",
        CipherAlgorithm.SM4_GCM: "cryptography",
        CipherAlgorithm.SM4_CBC: "cryptography",
    }

    def _generate(self, alg: SignatureAlgorithm, rsa_bits: int) -> Signer:
        if alg in RSA_ALGORITHMS:
            return PcdSigner(alg, RSA.generate(rsa_bits))
        if alg is SignatureAlgorithm.ECDSA_P256_SHA256:
            return PcdSigner(alg, ECC.generate(curve="P-256"))
        return PcdSigner(alg, ECC.generate(curve="Ed25519"))

    def _load_signer(self, alg: SignatureAlgorithm, pem: bytes, password: bytes | None) -> Signer:
        return PcdSigner(alg, _import(pem, password, alg))

    def _load_verifier(self, alg: SignatureAlgorithm, pem: bytes) -> Verifier:
        key = _import(pem, None, alg)
        if key.has_private():
            raise InvalidInput("expected a public key", KEY_INVALID)
        return PcdVerifier(alg, key)

    def _verifier_from_certificate(self, alg: SignatureAlgorithm, certificate: bytes) -> Verifier:
        # pycryptodome reads the SubjectPublicKeyInfo straight out of a PEM or DER X.509 certificate.
        return PcdVerifier(alg, _import(certificate, None, alg))

    def _cipher(self, alg: CipherAlgorithm, key: bytes) -> Cipher:
        if alg is CipherAlgorithm.AES_256_GCM:
            return PcdAesGcm(key)
        return CIPHERS[alg](key)
