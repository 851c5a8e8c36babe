"""PKCS#11 key backend: signing keys that live in an HSM and never leave it.

Keys are generated on the token as ``CKA_SENSITIVE`` and not ``CKA_EXTRACTABLE``; the gateway keeps only
the public key (to verify and to hand to banks) and the key's ``CKA_ID``. Signing goes through the HSM;
verification runs on the host with ``keys.algorithms`` (no reason to spend HSM time on public-key work).

Algorithms: RSA-PSS and RSA PKCS#1 v1.5 (``CKM_SHA256_RSA_PKCS_PSS`` / ``CKM_SHA256_RSA_PKCS``), ECDSA
P-256 and Ed25519. SoftHSM2 has no combined ECDSA-with-SHA-256 mechanism, so ECDSA hashes on the host
and signs the digest with ``CKM_ECDSA``, then DER-encodes the raw ``r‖s`` the token returns. SM2 is not
offered (SoftHSM has no SM2/SM3/SM4): asking for it is ``Unimplemented(ALGORITHM_NOT_IN_BACKEND)``.

python-pkcs11 is not thread-safe: a process holds one session per token, and every call into it takes
that token's lock. A session does not survive ``fork``; the child opens its own on first use.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gateway.errors import InvalidInput, NotFound, Unavailable, Unimplemented

from .algorithms import ALGORITHM_NOT_IN_BACKEND, SignatureAlgorithm, Verifier, get_backend
from .algorithms._api import require_bytes

PKCS11_UNAVAILABLE = "PKCS11_UNAVAILABLE"
PKCS11_KEY_MISSING = "PKCS11_KEY_MISSING"
KEY_NOT_EXPORTABLE = "KEY_NOT_EXPORTABLE"

# DER of the named-curve OIDs that go into CKA_EC_PARAMS.
_P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")  # 1.2.840.10045.3.1.7 prime256v1
_ED25519_PARAMS = bytes.fromhex("06032b6570")  # 1.3.101.112 id-Ed25519

SUPPORTED = (
    SignatureAlgorithm.RSA_PSS_SHA256,
    SignatureAlgorithm.RSA_PKCS1V15_SHA256,
    SignatureAlgorithm.ECDSA_P256_SHA256,
    SignatureAlgorithm.ED25519,
)


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the HSM is: the vendor's PKCS#11 module, the token label and the user PIN."""

    module: str
    token_label: str
    pin: str

    def __repr__(self) -> str:
        # The PIN is a secret: never in a repr, a log line or an error.
        return f"Pkcs11Config(module={self.module!r}, token_label={self.token_label!r}, pin=***)"

    @classmethod
    def from_settings(cls, settings: dict[str, Any], home: Path) -> Pkcs11Config:
        """From the ``[keys.pkcs11]`` table of ``silink.toml``: ``module``, ``token``, and the PIN from
        ``pin_file`` (relative to the instance folder) or the environment variable named by ``pin_env``."""
        module = settings.get("module")
        token = settings.get("token")
        if not module or not token:
            raise InvalidInput("[keys.pkcs11] needs module and token", "PKCS11_CONFIG_INVALID")
        pin: str | None = None
        if settings.get("pin_file"):
            p = Path(settings["pin_file"])
            pin = (p if p.is_absolute() else home / p).read_text(encoding="utf-8").strip()
        elif settings.get("pin_env"):
            pin = os.environ.get(str(settings["pin_env"]))
        if not pin:
            raise InvalidInput(
                "[keys.pkcs11] has no usable PIN (pin_file or pin_env)", "PKCS11_CONFIG_INVALID"
            )
        return cls(module=str(module), token_label=str(token), pin=pin)


def _der_octets(data: bytes) -> bytes:
    """The content of a DER OCTET STRING if ``data`` is one, else ``data`` (tokens differ on whether
    CKA_EC_POINT is wrapped)."""
    if len(data) >= 2 and data[0] == 0x04:
        n = data[1]
        if n < 0x80 and len(data) == 2 + n:
            return data[2:]
        if n == 0x81 and len(data) >= 3 and len(data) == 3 + data[2]:
            return data[3:]
    return data


class Pkcs11Token:
    """One logged-in session on one token for this process, behind a lock."""

    _instances: ClassVar[dict[tuple[str, str], Pkcs11Token]] = {}
    _instances_lock = threading.Lock()

    def __init__(self, config: Pkcs11Config) -> None:
        self.config = config
        self.lock = threading.RLock()
        self._session: Any = None
        self._pid = 0
        # CKA_ID → private key object of the open session: finding an object costs as much as an ECDSA
        # signature, so it is done once per key and session.
        self._keys: dict[bytes, Any] = {}

    @classmethod
    def get(cls, config: Pkcs11Config) -> Pkcs11Token:
        """The process-wide token object for this module and label (so there is one session each)."""
        key = (config.module, config.token_label)
        with cls._instances_lock:
            tok = cls._instances.get(key)
            if tok is None or tok.config != config:
                tok = cls._instances[key] = Pkcs11Token(config)
            return tok

    def session(self) -> Any:
        """The open session, opened on first use (or again after a fork). Call with ``self.lock`` held."""
        if self._session is not None and self._pid == os.getpid():
            return self._session
        try:
            import pkcs11
        except ImportError:  # pragma: no cover - python-pkcs11 is a declared dependency
            raise Unavailable("python-pkcs11 is not installed", PKCS11_UNAVAILABLE) from None
        try:
            lib = pkcs11.lib(self.config.module)
            token = lib.get_token(token_label=self.config.token_label)
            self._keys = {}
            self._session = token.open(rw=True, user_pin=self.config.pin)
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            # The exception text may name the module path but never the PIN; keep only its type.
            raise Unavailable(
                f"cannot open the PKCS#11 token ({type(exc).__name__})", PKCS11_UNAVAILABLE
            ) from None
        self._pid = os.getpid()
        return self._session

    def close(self) -> None:
        with self.lock:
            if self._session is not None and self._pid == os.getpid():
                self._session.close()
            self._session = None
            self._keys = {}

    # -- keys ---------------------------------------------------------------------------------------

    def generate(self, alg: SignatureAlgorithm, label: str) -> tuple[bytes, bytes]:
        """A new non-extractable key pair on the token; returns (CKA_ID, public key PEM)."""
        if alg not in SUPPORTED:
            raise Unimplemented(f"{alg} is not available in the pkcs11 backend", ALGORITHM_NOT_IN_BACKEND)
        from pkcs11 import Attribute, KeyType

        key_id = secrets.token_bytes(16)
        private = {
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.PRIVATE: True,
        }
        with self.lock:
            s = self.session()
            if alg in (SignatureAlgorithm.RSA_PSS_SHA256, SignatureAlgorithm.RSA_PKCS1V15_SHA256):
                pub, _ = s.generate_keypair(
                    KeyType.RSA, 2048, id=key_id, label=label, store=True, private_template=private
                )
            elif alg is SignatureAlgorithm.ECDSA_P256_SHA256:
                pub, _ = s.generate_keypair(
                    KeyType.EC,
                    id=key_id,
                    label=label,
                    store=True,
                    public_template={Attribute.EC_PARAMS: _P256_PARAMS},
                    private_template=private,
                )
            else:
                pub, _ = s.generate_keypair(
                    KeyType.EC_EDWARDS,
                    id=key_id,
                    label=label,
                    store=True,
                    public_template={Attribute.EC_PARAMS: _ED25519_PARAMS},
                    private_template=private,
                )
            pem = _public_pem(alg, pub)
        return key_id, pem

    def private_key(self, key_id: bytes) -> Any:
        """The token's private key object with this CKA_ID. Call with ``self.lock`` held."""
        from pkcs11 import ObjectClass
        from pkcs11.exceptions import MultipleObjectsReturned, NoSuchKey

        session = self.session()
        key = self._keys.get(key_id)
        if key is None:
            try:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
            except (NoSuchKey, MultipleObjectsReturned):
                raise NotFound("the key is not on the PKCS#11 token", PKCS11_KEY_MISSING) from None
            self._keys[key_id] = key
        return key

    def key_attributes(self, key_id: bytes) -> dict[str, bool]:
        """SENSITIVE / EXTRACTABLE / NEVER_EXTRACTABLE of a private key, to prove it cannot leave."""
        from pkcs11 import Attribute

        with self.lock:
            k = self.private_key(key_id)
            return {
                "sensitive": bool(k[Attribute.SENSITIVE]),
                "extractable": bool(k[Attribute.EXTRACTABLE]),
                "never_extractable": bool(k[Attribute.NEVER_EXTRACTABLE]),
            }

    def sign(self, alg: SignatureAlgorithm, key_id: bytes, data: bytes) -> bytes:
        from pkcs11 import MGF, Mechanism

        with self.lock:
            key = self.private_key(key_id)
            if alg is SignatureAlgorithm.RSA_PSS_SHA256:
                return key.sign(
                    data,
                    mechanism=Mechanism.SHA256_RSA_PKCS_PSS,
                    mechanism_param=(Mechanism.SHA256, MGF.SHA256, 32),
                )
            if alg is SignatureAlgorithm.RSA_PKCS1V15_SHA256:
                return key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS)
            if alg is SignatureAlgorithm.ECDSA_P256_SHA256:
                # No CKM_ECDSA_SHA256 in SoftHSM: hash here, sign the digest there.
                raw = key.sign(hashlib.sha256(data).digest(), mechanism=Mechanism.ECDSA)
                half = len(raw) // 2
                return encode_dss_signature(
                    int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
                )
            return key.sign(data, mechanism=Mechanism.EDDSA)


def _public_pem(alg: SignatureAlgorithm, pub: Any) -> bytes:
    """SubjectPublicKeyInfo PEM of a token public key object."""
    from pkcs11 import Attribute

    if alg in (SignatureAlgorithm.RSA_PSS_SHA256, SignatureAlgorithm.RSA_PKCS1V15_SHA256):
        n = int.from_bytes(pub[Attribute.MODULUS], "big")
        e = int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big")
        key: Any = rsa.RSAPublicNumbers(e, n).public_key()
    elif alg is SignatureAlgorithm.ECDSA_P256_SHA256:
        key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), _der_octets(pub[Attribute.EC_POINT])
        )
    else:
        key = ed25519.Ed25519PublicKey.from_public_bytes(_der_octets(pub[Attribute.EC_POINT]))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class Pkcs11Signer:
    """A Signer whose private half is on the token: ``sign`` goes to the HSM, ``verify`` stays here."""

    __slots__ = ("_key_id", "_pub", "_token", "algorithm")

    def __init__(self, token: Pkcs11Token, alg: SignatureAlgorithm, key_id: bytes, public_pem: bytes) -> None:
        self._token = token
        self.algorithm = alg
        self._key_id = key_id
        self._pub = get_backend().load_verifier(alg, public_pem)

    def sign(self, data: bytes) -> bytes:
        return self._token.sign(self.algorithm, self._key_id, require_bytes(data, "data"))

    def verify(self, data: bytes, signature: bytes) -> bool:
        return self._pub.verify(data, signature)

    def public_pem(self) -> bytes:
        return self._pub.public_pem()

    def private_pem(self, password: bytes | None = None) -> bytes:
        raise InvalidInput("a PKCS#11 key never leaves the HSM", KEY_NOT_EXPORTABLE)

    def verifier(self) -> Verifier:
        return self._pub

    def __repr__(self) -> str:
        return f"<Pkcs11Signer {self.algorithm} id={self._key_id.hex()[:8]}…>"
