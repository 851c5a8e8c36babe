"""What both backends share: name parsing, SM2 (always the libcrypto wrapper), dispatch to subclasses."""

from __future__ import annotations

from typing import ClassVar

from gateway.errors import InvalidInput

from ._api import (
    DEFAULT_RSA_BITS,
    KEY_TOO_SMALL,
    MIN_RSA_BITS,
    Cipher,
    CipherAlgorithm,
    SignatureAlgorithm,
    Signer,
    Verifier,
    cipher_algorithm,
    not_in_backend,
    require_bytes,
    signature_algorithm,
)
from ._sm2 import SM2Signer, SM2Verifier

RSA_ALGORITHMS = (SignatureAlgorithm.RSA_PSS_SHA256, SignatureAlgorithm.RSA_PKCS1V15_SHA256)


def check_rsa_bits(bits: int) -> None:
    if bits < MIN_RSA_BITS:
        raise InvalidInput(f"RSA keys must have at least {MIN_RSA_BITS} bits", KEY_TOO_SMALL)


class BackendBase:
    """Template for a backend: subclasses implement the ``_`` methods for their own algorithms."""

    name = "base"
    # algorithm -> library that runs it; SM2 is always the system libcrypto (no Python package does it
    # safely, see CRYPTO.md), so every backend lists it.
    providers: ClassVar[dict[SignatureAlgorithm | CipherAlgorithm, str]] = {}

    def __repr__(self) -> str:
        return f"<backend {self.name}>"

    def supports(self, algorithm: SignatureAlgorithm | CipherAlgorithm | str) -> bool:
        return algorithm in self.providers

    def provider(self, algorithm: SignatureAlgorithm | CipherAlgorithm) -> str:
        try:
            return self.providers[algorithm]
        except KeyError:
            raise not_in_backend(self.name, algorithm) from None

    def _sig_alg(self, algorithm: SignatureAlgorithm | str) -> SignatureAlgorithm:
        alg = signature_algorithm(algorithm)
        if alg not in self.providers:
            raise not_in_backend(self.name, alg)
        return alg

    def generate(self, algorithm: SignatureAlgorithm | str, *, rsa_bits: int = DEFAULT_RSA_BITS) -> Signer:
        alg = self._sig_alg(algorithm)
        if alg is SignatureAlgorithm.SM2_SM3:
            return SM2Signer.generate()
        if alg in RSA_ALGORITHMS:
            check_rsa_bits(rsa_bits)
        return self._generate(alg, rsa_bits)

    def load_signer(
        self, algorithm: SignatureAlgorithm | str, pem: bytes, password: bytes | None = None
    ) -> Signer:
        alg = self._sig_alg(algorithm)
        pem = require_bytes(pem, "pem")
        if password is not None:
            password = require_bytes(password, "password")
        if alg is SignatureAlgorithm.SM2_SM3:
            return SM2Signer.load_pem(pem, password)
        return self._load_signer(alg, pem, password)

    def load_verifier(self, algorithm: SignatureAlgorithm | str, pem: bytes) -> Verifier:
        alg = self._sig_alg(algorithm)
        pem = require_bytes(pem, "pem")
        if alg is SignatureAlgorithm.SM2_SM3:
            return SM2Verifier.load_pem(pem)
        return self._load_verifier(alg, pem)

    def verifier_from_certificate(self, algorithm: SignatureAlgorithm | str, certificate: bytes) -> Verifier:
        alg = self._sig_alg(algorithm)
        certificate = require_bytes(certificate, "certificate")
        if alg is SignatureAlgorithm.SM2_SM3:
            return SM2Verifier.from_certificate(certificate)
        return self._verifier_from_certificate(alg, certificate)

    def cipher(self, algorithm: CipherAlgorithm | str, key: bytes) -> Cipher:
        alg = cipher_algorithm(algorithm)
        if alg not in self.providers:
            raise not_in_backend(self.name, alg)
        return self._cipher(alg, key)

    # --- implemented by each backend ----------------------------------------------------------------

    def _generate(self, alg: SignatureAlgorithm, rsa_bits: int) -> Signer:
        raise NotImplementedError

    def _load_signer(self, alg: SignatureAlgorithm, pem: bytes, password: bytes | None) -> Signer:
        raise NotImplementedError

    def _load_verifier(self, alg: SignatureAlgorithm, pem: bytes) -> Verifier:
        raise NotImplementedError

    def _verifier_from_certificate(self, alg: SignatureAlgorithm, certificate: bytes) -> Verifier:
        raise NotImplementedError

    def _cipher(self, alg: CipherAlgorithm, key: bytes) -> Cipher:
        raise NotImplementedError
