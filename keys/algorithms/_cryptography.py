"""The default backend: ``cryptography`` (native OpenSSL speed) for RSA, ECDSA, Ed25519, AES and SM4."""

from __future__ import annotations

from typing import ClassVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

from gateway.errors import InvalidInput

from ._api import (
    KEY_INVALID,
    RSA_PSS_SALT_LENGTH,
    Cipher,
    CipherAlgorithm,
    SignatureAlgorithm,
    Signer,
    Verifier,
    require_bytes,
)
from ._backend import RSA_ALGORITHMS, BackendBase, check_rsa_bits
from ._ciphers import CIPHERS

_SHA256 = hashes.SHA256()
_PSS = rsa_padding.PSS(mgf=rsa_padding.MGF1(_SHA256), salt_length=RSA_PSS_SALT_LENGTH)
_PKCS1V15 = rsa_padding.PKCS1v15()
_ECDSA = ec.ECDSA(_SHA256)

_PRIVATE_TYPES = {
    SignatureAlgorithm.RSA_PSS_SHA256: rsa.RSAPrivateKey,
    SignatureAlgorithm.RSA_PKCS1V15_SHA256: rsa.RSAPrivateKey,
    SignatureAlgorithm.ECDSA_P256_SHA256: ec.EllipticCurvePrivateKey,
    SignatureAlgorithm.ED25519: ed25519.Ed25519PrivateKey,
}
_PUBLIC_TYPES = {
    SignatureAlgorithm.RSA_PSS_SHA256: rsa.RSAPublicKey,
    SignatureAlgorithm.RSA_PKCS1V15_SHA256: rsa.RSAPublicKey,
    SignatureAlgorithm.ECDSA_P256_SHA256: ec.EllipticCurvePublicKey,
    SignatureAlgorithm.ED25519: ed25519.Ed25519PublicKey,
}


def _check_key(alg: SignatureAlgorithm, key: object, types: dict) -> None:
    """Bind a key to exactly one algorithm: right type, P-256 curve, RSA ≥ 2048 bits."""
    if not isinstance(key, types[alg]):
        raise InvalidInput(f"the key is not a {alg} key", KEY_INVALID)
    if alg is SignatureAlgorithm.ECDSA_P256_SHA256 and not isinstance(key.curve, ec.SECP256R1):
        raise InvalidInput("the key is not on the P-256 curve", KEY_INVALID)
    if alg in RSA_ALGORITHMS:
        check_rsa_bits(key.key_size)


class CgVerifier:
    """A public key of cryptography bound to one algorithm."""

    __slots__ = ("_pub", "algorithm")

    def __init__(self, alg: SignatureAlgorithm, public_key: object) -> None:
        _check_key(alg, public_key, _PUBLIC_TYPES)
        self.algorithm = alg
        self._pub = public_key

    def verify(self, data: bytes, signature: bytes) -> bool:
        data = require_bytes(data, "data")
        signature = require_bytes(signature, "signature")
        alg = self.algorithm
        try:
            if alg is SignatureAlgorithm.RSA_PSS_SHA256:
                self._pub.verify(signature, data, _PSS, _SHA256)
            elif alg is SignatureAlgorithm.RSA_PKCS1V15_SHA256:
                self._pub.verify(signature, data, _PKCS1V15, _SHA256)
            elif alg is SignatureAlgorithm.ECDSA_P256_SHA256:
                self._pub.verify(signature, data, _ECDSA)
            else:
                self._pub.verify(signature, data)
        except (InvalidSignature, ValueError):
            # ValueError too: a garbage signature must read as "invalid", never as an exception.
            return False
        return True

    def public_pem(self) -> bytes:
        return self._pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.algorithm}>"


class CgSigner(CgVerifier):
    """A private key of cryptography bound to one algorithm."""

    __slots__ = ("_priv",)

    def __init__(self, alg: SignatureAlgorithm, private_key: object) -> None:
        _check_key(alg, private_key, _PRIVATE_TYPES)
        super().__init__(alg, private_key.public_key())
        self._priv = private_key

    def sign(self, data: bytes) -> bytes:
        data = require_bytes(data, "data")
        alg = self.algorithm
        if alg is SignatureAlgorithm.RSA_PSS_SHA256:
            return self._priv.sign(data, _PSS, _SHA256)
        if alg is SignatureAlgorithm.RSA_PKCS1V15_SHA256:
            return self._priv.sign(data, _PKCS1V15, _SHA256)
        if alg is SignatureAlgorithm.ECDSA_P256_SHA256:
            return self._priv.sign(data, _ECDSA)
        return self._priv.sign(data)

    def private_pem(self, password: bytes | None = None) -> bytes:
        enc: serialization.KeySerializationEncryption = serialization.NoEncryption()
        if password is not None:
            enc = serialization.BestAvailableEncryption(require_bytes(password, "password"))
        return self._priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)

    def verifier(self) -> Verifier:
        return CgVerifier(self.algorithm, self._pub)


class CryptographyBackend(BackendBase):
    """``cryptography`` for everything except SM2, which is the libcrypto wrapper."""

    name = "cryptography"
    providers: ClassVar[dict[SignatureAlgorithm | CipherAlgorithm, str]] = {
        SignatureAlgorithm.SM2_SM3: "libcrypto",
        SignatureAlgorithm.RSA_PSS_SHA256: "cryptography",
        SignatureAlgorithm.RSA_PKCS1V15_SHA256: "cryptography",
        SignatureAlgorithm.ECDSA_P256_SHA256: "cryptography",
        SignatureAlgorithm.ED25519: "cryptography",
        CipherAlgorithm.AES_256_GCM: "cryptography",
        CipherAlgorithm.SM4_GCM: "cryptography",
        CipherAlgorithm.SM4_CBC: "cryptography",
    }

    def _generate(self, alg: SignatureAlgorithm, rsa_bits: int) -> Signer:
        if alg in RSA_ALGORITHMS:
            return CgSigner(alg, rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits))
        if alg is SignatureAlgorithm.ECDSA_P256_SHA256:
            return CgSigner(alg, ec.generate_private_key(ec.SECP256R1()))
        return CgSigner(alg, ed25519.Ed25519PrivateKey.generate())

    def _load_signer(self, alg: SignatureAlgorithm, pem: bytes, password: bytes | None) -> Signer:
        try:
            key = serialization.load_pem_private_key(pem, password)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            # TypeError: a password for a clear key or none for an encrypted one.
            raise InvalidInput("cannot read the private key", KEY_INVALID) from None
        return CgSigner(alg, key)

    def _load_verifier(self, alg: SignatureAlgorithm, pem: bytes) -> Verifier:
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm):
            raise InvalidInput("cannot read the public key", KEY_INVALID) from None
        return CgVerifier(alg, key)

    def _verifier_from_certificate(self, alg: SignatureAlgorithm, certificate: bytes) -> Verifier:
        try:
            if certificate.lstrip().startswith(b"-----BEGIN"):
                cert = x509.load_pem_x509_certificate(certificate)
            else:
                cert = x509.load_der_x509_certificate(certificate)
            key = cert.public_key()
        except (ValueError, UnsupportedAlgorithm):
            raise InvalidInput("cannot read the certificate", KEY_INVALID) from None
        return CgVerifier(alg, key)

    def _cipher(self, alg: CipherAlgorithm, key: bytes) -> Cipher:
        return CIPHERS[alg](key)
