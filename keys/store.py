"""The key store: named keys with a purpose, an algorithm, versions, rotation and revocation.

::

    store = KeyStore(home, master_key, audit_db=db)
    store.create("bank-102-sign", "sm2", "signing")
    signer, version = store.signer("bank-102-sign")        # the current version signs
    store.rotate("bank-102-sign")                           # version 2 signs from now on
    store.verifier("bank-102-sign", 1)                      # version 1 still verifies …
    store.set_min_version("bank-102-sign", 2)               # … until it falls below min_version
    store.verifier("bank-102-sign", 1)                      # Conflict(KEY_VERSION_RETIRED)

Purposes: ``signing`` (our private keys, e.g. one per bank), ``verification`` (a bank's public key,
imported as a PEM or a certificate; a bank's new key is imported as a new version), ``encryption``
(symmetric keys for bank protocols, SM4/AES), ``data`` (the personal-data key, see ``keys.datakey``) and
``lookup`` (the blind-index key). Algorithms: ``sm2``, ``rsa-pss``, ``rsa-pkcs1``, ``ecdsa-p256``,
``ed25519``, ``sm4``, ``aes256-gcm``, and ``blake2b`` (keyed BLAKE2b, for ``lookup`` keys only).

Versions (after HashiCorp Vault Transit): the newest version signs/encrypts; every version from the key's
``min_version`` up still verifies/decrypts; a version below it fails with ``KEY_VERSION_RETIRED``. A
revoked version or key fails with ``KEY_REVOKED``. Errors are the ``gateway.errors`` hierarchy:
``NotFound(KEY_NOT_FOUND | KEY_VERSION_UNKNOWN)``, ``Conflict(KEY_REVOKED | KEY_VERSION_RETIRED |
KEY_EXISTS | KEY_NOT_ROTATABLE | …)``, ``InvalidInput(KEY_PURPOSE_MISMATCH | KEY_NAME_INVALID | …)``.

Storage: one JSON file per key, ``DIR/keys/NAME.json``, written atomically (temp file + fsync + rename,
under a folder lock), and authenticated as a whole with an HMAC under a key derived from the master key,
so an edited record (a swapped bank key, an un-revoked version) is refused (``KEY_RECORD_TAMPERED``).
Private material is envelope-encrypted: a fresh AES-256-GCM data-encryption key per version encrypts the
material, and a key-encryption key derived from the master key with HKDF-SHA256 wraps that DEK; both
layers use the associated data ``silink-key-v1 ‖ name ‖ version ‖ algorithm ‖ purpose``, so wrapped
material cannot be moved to another key or version. Backends: ``file`` (that envelope) and ``pkcs11``
(the private key is generated in the HSM and never leaves it; see ``keys.pkcs11_backend``).

Built-in keys: ``data`` and ``lookup`` exist in every instance without being created. Their version 1 is
derived from the master key exactly as before the store existed (HKDF labels ``silink data key dk1`` and
``silink lookup key v1``), so old ciphertexts and blind indexes stay valid. ``data`` rotates like any
key (new versions are random, wrapped keys; ``silink keys reencrypt`` moves old rows forward).
``lookup`` does NOT rotate: a blind index is compared for equality across all rows, so a new lookup key
would silently make every existing ``id_hash``/``account_hash`` unmatchable and break duplicate
detection (``DUPLICATE_PAYMENT``) and the person-status feed. Changing it needs a planned migration that
recomputes every index from the decrypted values, not a rotation.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.clock import now_iso
from gateway.errors import Conflict, Internal, InvalidInput, NotFound, SilinkError

from . import manifest as _manifest
from .algorithms import Cipher, CipherAlgorithm, SignatureAlgorithm, Signer, Verifier, get_backend
from .canonical import canonical_row
from .datakey import derive_key
from .merkle import verify_inclusion
from .pkcs11_backend import KEY_NOT_EXPORTABLE, Pkcs11Config, Pkcs11Signer, Pkcs11Token

RECORD_FORMAT = "silink-key-v1"
KEYS_FOLDER = "keys"

# Error reasons of the store.
KEY_NOT_FOUND = "KEY_NOT_FOUND"
KEY_EXISTS = "KEY_EXISTS"
KEY_REVOKED = "KEY_REVOKED"
KEY_VERSION_RETIRED = "KEY_VERSION_RETIRED"
KEY_VERSION_UNKNOWN = "KEY_VERSION_UNKNOWN"
KEY_PURPOSE_MISMATCH = "KEY_PURPOSE_MISMATCH"
KEY_NAME_INVALID = "KEY_NAME_INVALID"
KEY_RECORD_TAMPERED = "KEY_RECORD_TAMPERED"
KEY_UNWRAP_FAILED = "KEY_UNWRAP_FAILED"
KEY_NOT_ROTATABLE = "KEY_NOT_ROTATABLE"
KEY_NOT_REVOCABLE = "KEY_NOT_REVOCABLE"
PKCS11_NOT_CONFIGURED = "PKCS11_NOT_CONFIGURED"
UNSUPPORTED_KEY_ALGORITHM = "UNSUPPORTED_KEY_ALGORITHM"

_KEK_LABEL = b"silink key-encryption key v1"
_MAC_LABEL = b"silink key-record mac v1"
_LEGACY_DATA_LABEL = b"silink data key dk1"
_LEGACY_LOOKUP_LABEL = b"silink lookup key v1"
LEGACY_DATA_KEY_ID = "dk1"
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class Purpose(StrEnum):
    SIGNING = "signing"
    VERIFICATION = "verification"
    ENCRYPTION = "encryption"
    DATA = "data"
    LOOKUP = "lookup"


# Store algorithm names → keys.algorithms names (None: keyed BLAKE2b, which is not a Cipher).
ALGORITHMS: dict[str, SignatureAlgorithm | CipherAlgorithm | None] = {
    "sm2": SignatureAlgorithm.SM2_SM3,
    "rsa-pss": SignatureAlgorithm.RSA_PSS_SHA256,
    "rsa-pkcs1": SignatureAlgorithm.RSA_PKCS1V15_SHA256,
    "ecdsa-p256": SignatureAlgorithm.ECDSA_P256_SHA256,
    "ed25519": SignatureAlgorithm.ED25519,
    "sm4": CipherAlgorithm.SM4_GCM,
    "aes256-gcm": CipherAlgorithm.AES_256_GCM,
    "blake2b": None,
}
_BY_LIBRARY_NAME = {str(v): k for k, v in ALGORITHMS.items() if v is not None}
_SECRET_SIZES = {"sm4": 16, "aes256-gcm": 32, "blake2b": 32}
_PURPOSES_OF = {
    "signature": (Purpose.SIGNING, Purpose.VERIFICATION),
    "aes256-gcm": (Purpose.ENCRYPTION, Purpose.DATA),
    "sm4": (Purpose.ENCRYPTION,),
    "blake2b": (Purpose.LOOKUP,),
}

# Keys every instance has; version 1 of each is derived from the master key (see the module docstring).
BUILTIN: dict[str, tuple[str, Purpose, bytes]] = {
    "data": ("aes256-gcm", Purpose.DATA, _LEGACY_DATA_LABEL),
    "lookup": ("blake2b", Purpose.LOOKUP, _LEGACY_LOOKUP_LABEL),
}


def store_algorithm(name: str) -> str:
    """Normalise an algorithm name: the store's own (``sm2``) or the library's (``SM2-SM3``)."""
    if name in ALGORITHMS:
        return name
    if name in _BY_LIBRARY_NAME:
        return _BY_LIBRARY_NAME[name]
    raise InvalidInput(
        f"unknown key algorithm; use one of {', '.join(ALGORITHMS)}",
        UNSUPPORTED_KEY_ALGORITHM,
        metadata={"algorithms": ",".join(ALGORITHMS)},
    )


def is_signature(alg: str) -> bool:
    return isinstance(ALGORITHMS[alg], SignatureAlgorithm)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(name: str, version: int, alg: str, purpose: str) -> bytes:
    return "\x1f".join((RECORD_FORMAT, name, str(version), alg, purpose)).encode()


# -- records ----------------------------------------------------------------------------------------


@dataclass
class KeyVersion:
    version: int
    created_at: str
    revoked_at: str | None = None
    public_pem: str | None = None  # signature keys: always (file, pkcs11 and imported)
    certificate: str | None = None  # imported from a certificate: the certificate PEM
    wrapped: dict[str, str] | None = None  # file backend: {"dek": …, "ct": …}
    derived: str | None = None  # built-in version 1: the HKDF label
    pkcs11_id: str | None = None  # pkcs11 backend: CKA_ID (hex)


@dataclass
class KeyRecord:
    name: str
    alg: str
    purpose: str
    backend: str  # file | pkcs11 | public
    created_at: str
    current_version: int
    min_version: int
    revoked_at: str | None = None
    versions: list[KeyVersion] = field(default_factory=list)

    def version(self, v: int) -> KeyVersion:
        if type(v) is not int or not 1 <= v <= len(self.versions):
            raise NotFound("no such key version", KEY_VERSION_UNKNOWN, metadata={"key": self.name})
        return self.versions[v - 1]

    def to_json(self) -> dict[str, Any]:
        return {"format": RECORD_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> KeyRecord:
        obj = dict(obj)
        if obj.pop("format", None) != RECORD_FORMAT:
            raise Internal("key record has an unknown format", KEY_RECORD_TAMPERED)
        versions = [KeyVersion(**v) for v in obj.pop("versions")]
        return cls(versions=versions, **obj)

    def version_status(self, v: KeyVersion) -> str:
        if self.revoked_at or v.revoked_at:
            return "revoked"
        if v.version < self.min_version:
            return "retired"
        return "current" if v.version == self.current_version else "active"


@dataclass(frozen=True)
class KeyInfo:
    """What ``list()`` and ``info()`` tell about a key: never any secret material."""

    name: str
    alg: str
    purpose: str
    backend: str
    current_version: int
    min_version: int
    revoked: bool
    builtin: bool
    versions: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "alg": self.alg,
            "purpose": self.purpose,
            "backend": self.backend,
            "current_version": self.current_version,
            "min_version": self.min_version,
            "revoked": self.revoked,
            "builtin": self.builtin,
            "versions": list(self.versions),
        }


@dataclass(frozen=True)
class DataKeyring:
    """The personal-data key for ``keys.datakey``: the key id that encrypts, every key id that may still
    decrypt (id → 32-byte AES key), and the ids that exist but may not (retired or revoked)."""

    current: str
    keys: dict[str, bytes]
    retired: frozenset[str]


def data_key_id(name: str, version: int, derived: bool) -> str:
    """The key id written in front of each ciphertext: ``dk1`` for the master-derived version 1 of the
    built-in key (what every ciphertext before the store carries), ``NAME-vN`` otherwise."""
    return LEGACY_DATA_KEY_ID if derived and name == "data" else f"{name}-v{version}"


# -- the store --------------------------------------------------------------------------------------


class KeyStore:
    """Keys of one instance, in ``home/keys/``; private material wrapped under ``master_key``.

    ``audit_db`` (a ``gateway.storage.Database``): when given, every change (create, rotate, revoke,
    import, min-version) is appended to the audit chain in the same step as the file write, as
    ``principal`` (default ``local:<OS user>``). ``pkcs11`` configures the HSM backend.
    """

    def __init__(
        self,
        home: Path,
        master_key: bytes,
        audit_db: Any = None,
        *,
        pkcs11: Pkcs11Config | None = None,
        principal: str | None = None,
        crypto_backend: str = "cryptography",
    ) -> None:
        self.home = Path(home)
        self.folder = self.home / KEYS_FOLDER
        self._master = bytes(master_key)
        self._kek = AESGCM(derive_key(self._master, _KEK_LABEL))
        self._mac_key = derive_key(self._master, _MAC_LABEL)
        self.audit_db = audit_db
        self.pkcs11 = pkcs11
        self.principal = principal or f"local:{_os_user()}"
        self._backend = get_backend(crypto_backend)
        self._records: dict[str, tuple[tuple[int, int, int], KeyRecord]] = {}
        self._objects: dict[tuple[str, int, str], Any] = {}

    def __repr__(self) -> str:
        return f"<KeyStore {self.folder}>"

    # -- reading -------------------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidInput(
                "key names are 1–64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
                KEY_NAME_INVALID,
            )
        return self.folder / f"{name}.json"

    def _mac(self, body: dict[str, Any]) -> str:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        return hmac.new(self._mac_key, canonical, hashlib.sha256).hexdigest()

    def _builtin(self, name: str) -> KeyRecord:
        alg, purpose, label = BUILTIN[name]
        return KeyRecord(
            name=name,
            alg=alg,
            purpose=str(purpose),
            backend="file",
            created_at="",
            current_version=1,
            min_version=1,
            versions=[KeyVersion(version=1, created_at="", derived=label.decode())],
        )

    def _load(self, name: str) -> KeyRecord:
        path = self._path(name)
        try:
            st = path.stat()
        except FileNotFoundError:
            if name in BUILTIN:
                return self._builtin(name)
            raise NotFound("no such key", KEY_NOT_FOUND, metadata={"key": name}) from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._records.get(name)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            obj = json.loads(path.read_bytes())
            mac = obj.pop("mac")
        except (ValueError, KeyError, AttributeError, TypeError):
            raise Internal("key record is unreadable", KEY_RECORD_TAMPERED, metadata={"key": name}) from None
        if not hmac.compare_digest(str(mac), self._mac(obj)):
            raise Internal(
                "key record fails its integrity check (edited, or another master key)",
                KEY_RECORD_TAMPERED,
                metadata={"key": name},
            )
        try:
            rec = KeyRecord.from_json(obj)
        except TypeError:
            raise Internal("key record is unreadable", KEY_RECORD_TAMPERED, metadata={"key": name}) from None
        if rec.name != name:
            raise Internal("key record belongs to another name", KEY_RECORD_TAMPERED, metadata={"key": name})
        self._records[name] = (stamp, rec)
        return rec

    def _save(self, rec: KeyRecord) -> None:
        from ._files import atomic_write

        body = rec.to_json()
        body["mac"] = self._mac(rec.to_json())
        data = json.dumps(body, indent=1, ensure_ascii=False).encode() + b"\n"
        atomic_write(self._path(rec.name), data, mode=0o600)
        self._records.pop(rec.name, None)

    def exists(self, name: str) -> bool:
        return name in BUILTIN or self._path(name).exists()

    def names(self) -> list[str]:
        on_disk = {p.stem for p in self.folder.glob("*.json") if _NAME.fullmatch(p.stem)}
        return sorted(on_disk | set(BUILTIN))

    def info(self, name: str) -> KeyInfo:
        rec = self._load(name)
        return KeyInfo(
            name=rec.name,
            alg=rec.alg,
            purpose=rec.purpose,
            backend=rec.backend,
            current_version=rec.current_version,
            min_version=rec.min_version,
            revoked=rec.revoked_at is not None,
            builtin=rec.name in BUILTIN,
            versions=tuple(
                {
                    "version": v.version,
                    "created_at": v.created_at,
                    "status": rec.version_status(v),
                    "revoked_at": v.revoked_at or rec.revoked_at,
                    "source": "derived"
                    if v.derived
                    else "certificate"
                    if v.certificate
                    else "pkcs11"
                    if v.pkcs11_id
                    else "imported"
                    if rec.backend == "public"
                    else "generated",
                }
                for v in rec.versions
            ),
        )

    def list(self) -> list[KeyInfo]:
        return [self.info(n) for n in self.names()]

    # -- writing -------------------------------------------------------------------------------------

    @contextmanager
    def _change(
        self, action: str, name: str, after: str | None, detail: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """A locked read-modify-write of one record, audited in the same step when ``audit_db`` is set.

        The audit entry is appended in the transaction that is open while the file is written: if the
        file write fails, the entry is rolled back; the commit comes last. The body may fill in
        ``note["after"]`` and ``note["detail"]`` once it knows them (the new version number).
        """
        from gateway import audit

        from ._files import folder_lock

        note: dict[str, Any] = {"after": after, "detail": dict(detail)}
        tx = self.audit_db.write() if self.audit_db is not None else nullcontext(None)
        with folder_lock(self.folder), tx as conn:
            try:
                yield note
            except BaseException:
                # The body may have changed the cached record in place before failing: forget it.
                self._records.pop(name, None)
                raise
            if conn is not None:
                audit.append(
                    conn,
                    principal=self.principal,
                    action=action,
                    object_type="key",
                    object_id=name,
                    after=note["after"],
                    detail=note["detail"],
                )

    def _wrap(self, rec: KeyRecord, version: int, material: bytes) -> dict[str, str]:
        aad = _aad(rec.name, version, rec.alg, rec.purpose)
        dek = secrets.token_bytes(32)
        n1, n2 = secrets.token_bytes(12), secrets.token_bytes(12)
        return {
            "kek": "hkdf-sha256:v1",
            "dek": _b64(n1 + self._kek.encrypt(n1, dek, aad)),
            "ct": _b64(n2 + AESGCM(dek).encrypt(n2, material, aad)),
        }

    def _unwrap(self, rec: KeyRecord, v: KeyVersion) -> bytes:
        if v.derived is not None:
            return derive_key(self._master, v.derived.encode())
        if v.wrapped is None:
            raise Internal("the key version holds no secret material", KEY_UNWRAP_FAILED)
        aad = _aad(rec.name, v.version, rec.alg, rec.purpose)
        try:
            d = _unb64(v.wrapped["dek"])
            dek = self._kek.decrypt(d[:12], d[12:], aad)
            c = _unb64(v.wrapped["ct"])
            return AESGCM(dek).decrypt(c[:12], c[12:], aad)
        except (InvalidTag, ValueError, KeyError):
            raise Internal(
                "cannot unwrap the key (another master key, or a tampered record)",
                KEY_UNWRAP_FAILED,
                metadata={"key": rec.name},
            ) from None

    def _new_version(self, rec: KeyRecord, version: int) -> KeyVersion:
        """Generate the material of ``version`` of ``rec`` in its backend."""
        kv = KeyVersion(version=version, created_at=now_iso())
        if rec.backend == "pkcs11":
            if self.pkcs11 is None:
                raise InvalidInput("no [keys.pkcs11] token is configured", PKCS11_NOT_CONFIGURED)
            token = Pkcs11Token.get(self.pkcs11)
            alg = ALGORITHMS[rec.alg]
            assert isinstance(alg, SignatureAlgorithm)
            key_id, pem = token.generate(alg, f"silink:{rec.name}:v{version}")
            kv.pkcs11_id = key_id.hex()
            kv.public_pem = pem.decode()
        elif is_signature(rec.alg):
            alg = ALGORITHMS[rec.alg]
            assert isinstance(alg, SignatureAlgorithm)
            signer = self._backend.generate(alg)
            kv.public_pem = signer.public_pem().decode()
            kv.wrapped = self._wrap(rec, version, signer.private_pem())
        else:
            kv.wrapped = self._wrap(rec, version, secrets.token_bytes(_SECRET_SIZES[rec.alg]))
        return kv

    def create(self, name: str, alg: str, purpose: str | None = None, *, backend: str = "file") -> KeyInfo:
        """A new key, version 1, generated in ``backend`` (``file`` or ``pkcs11``)."""
        alg = store_algorithm(alg)
        kind = "signature" if is_signature(alg) else alg
        allowed = _PURPOSES_OF[kind]
        if purpose and purpose not in {str(p) for p in Purpose}:
            raise InvalidInput("unknown key purpose", KEY_PURPOSE_MISMATCH)
        chosen = Purpose(purpose) if purpose else allowed[0]
        if chosen not in allowed or chosen is Purpose.VERIFICATION:
            # Verification keys are public keys of others: they come in through import_public.
            raise InvalidInput(f"a {alg} key cannot have purpose {chosen}", KEY_PURPOSE_MISMATCH)
        if backend not in ("file", "pkcs11"):
            raise InvalidInput("backend is file or pkcs11", "KEY_BACKEND_INVALID")
        if backend == "pkcs11" and not is_signature(alg):
            raise InvalidInput("the pkcs11 backend holds signing keys only", "KEY_BACKEND_INVALID")
        path = self._path(name)
        rec = KeyRecord(
            name=name,
            alg=alg,
            purpose=str(chosen),
            backend=backend,
            created_at=now_iso(),
            current_version=1,
            min_version=1,
        )
        with self._change(
            "key.created", name, "v1", {"alg": alg, "purpose": str(chosen), "backend": backend}
        ):
            if name in BUILTIN or path.exists():
                raise Conflict("a key with this name exists", KEY_EXISTS, metadata={"key": name})
            rec.versions.append(self._new_version(rec, 1))
            self._save(rec)
        return self.info(name)

    def rotate(self, name: str) -> int:
        """Add a version that signs/encrypts from now on; older versions keep verifying/decrypting."""
        rec = self._load(name)
        if rec.purpose == Purpose.LOOKUP:
            raise Conflict(
                "a lookup key must not rotate: existing blind indexes would stop matching",
                KEY_NOT_ROTATABLE,
                metadata={"key": name},
            )
        if rec.backend == "public":
            raise Conflict("a verification key changes by importing the partner's new key", KEY_NOT_ROTATABLE)
        with self._change("key.rotated", name, None, {}) as note:
            rec = self._load(name)
            if rec.revoked_at:
                raise Conflict("the key is revoked", KEY_REVOKED, metadata={"key": name})
            new = rec.current_version + 1
            rec.versions.append(self._new_version(rec, new))
            rec.current_version = new
            self._save(rec)
            note["after"] = f"v{new}"
        return new

    def revoke(self, name: str, version: int | None = None) -> None:
        """Revoke one version, or the whole key (``version=None``). Revoked material never signs,
        verifies, encrypts or decrypts again; revocation cannot be undone."""
        target = "key" if version is None else f"v{version}"
        with self._change("key.revoked", name, "REVOKED", {"target": target}):
            rec = self._load(name)
            if rec.purpose == Purpose.LOOKUP or (
                rec.purpose == Purpose.DATA and version in (None, rec.current_version)
            ):
                # Revoking the data key in use (or the lookup key) would make personal data unreadable
                # or unfindable at once: rotate and re-encrypt first, then revoke the old data version.
                raise Conflict(
                    "only a non-current version of the data key can be revoked",
                    KEY_NOT_REVOCABLE,
                    metadata={"key": name},
                )
            when = now_iso()
            if version is None:
                rec.revoked_at = rec.revoked_at or when
            else:
                kv = rec.version(version)
                kv.revoked_at = kv.revoked_at or when
            self._save(rec)

    def set_min_version(self, name: str, min_version: int) -> None:
        """Versions below ``min_version`` stop verifying/decrypting (``KEY_VERSION_RETIRED``)."""
        with self._change("key.min_version", name, f"min v{min_version}", {"min_version": min_version}):
            rec = self._load(name)
            if type(min_version) is not int or not 1 <= min_version <= rec.current_version:
                raise InvalidInput("min_version must be between 1 and the current version", "KEY_MIN_VERSION")
            rec.min_version = min_version
            self._save(rec)

    def import_secret(self, name: str, material: bytes, alg: str = "sm4") -> KeyInfo:
        """Import a symmetric key a partner issued (a bank's SM4 working key) as an encryption key,
        wrapped like a generated one; importing into an existing key of that algorithm adds a version
        (the bank issued a new working key; the older one keeps decrypting until retired)."""
        alg = store_algorithm(alg)
        if alg not in ("sm4", "aes256-gcm"):
            raise InvalidInput("only sm4 or aes256-gcm keys can be imported as secrets", KEY_PURPOSE_MISMATCH)
        material = bytes(material)
        if len(material) != _SECRET_SIZES[alg]:
            raise InvalidInput(
                f"a {alg} key is {_SECRET_SIZES[alg]} bytes, not {len(material)}",
                "KEY_MATERIAL_INVALID",
                metadata={"key": name},
            )
        path = self._path(name)
        with self._change("key.imported", name, None, {"alg": alg, "secret": True}) as note:
            if name in BUILTIN:
                raise Conflict("a key with this name exists", KEY_EXISTS, metadata={"key": name})
            if path.exists():
                rec = self._load(name)
                if rec.backend != "file" or rec.alg != alg or rec.purpose != Purpose.ENCRYPTION:
                    raise Conflict(
                        "a key with this name exists and is not an encryption key of that algorithm",
                        KEY_EXISTS,
                        metadata={"key": name},
                    )
                if rec.revoked_at:
                    raise Conflict("the key is revoked", KEY_REVOKED, metadata={"key": name})
            else:
                rec = KeyRecord(
                    name=name,
                    alg=alg,
                    purpose=str(Purpose.ENCRYPTION),
                    backend="file",
                    created_at=now_iso(),
                    current_version=0,
                    min_version=1,
                )
            version = rec.current_version + 1
            kv = KeyVersion(version=version, created_at=now_iso())
            kv.wrapped = self._wrap(rec, version, material)
            rec.versions.append(kv)
            rec.current_version = version
            self._save(rec)
            note["after"] = f"v{version}"
        return self.info(name)

    def import_public(self, name: str, pem_or_cert: bytes, alg: str) -> KeyInfo:
        """Import a partner's public key (PEM SubjectPublicKeyInfo, or an X.509 certificate in PEM or
        DER) as a verification key; importing into an existing verification key adds a version."""
        alg = store_algorithm(alg)
        if not is_signature(alg):
            raise InvalidInput("only signature keys can be imported as public keys", KEY_PURPOSE_MISMATCH)
        sig_alg = ALGORITHMS[alg]
        assert isinstance(sig_alg, SignatureAlgorithm)
        data = bytes(pem_or_cert)
        cert_pem: str | None = None
        if b"-----BEGIN CERTIFICATE" in data or not data.lstrip().startswith(b"-----"):
            verifier = self._backend.verifier_from_certificate(sig_alg, data)
            cert_pem = _certificate_pem(data)
        else:
            verifier = self._backend.load_verifier(sig_alg, data)
        kv = KeyVersion(version=0, created_at=now_iso(), public_pem=verifier.public_pem().decode())
        kv.certificate = cert_pem
        path = self._path(name)
        imported = {"alg": alg, "certificate": cert_pem is not None}
        with self._change("key.imported", name, None, imported) as note:
            if name in BUILTIN:
                raise Conflict("a key with this name exists", KEY_EXISTS, metadata={"key": name})
            if path.exists():
                rec = self._load(name)
                if rec.backend != "public" or rec.alg != alg:
                    raise Conflict(
                        "a key with this name exists and is not a verification key of that algorithm",
                        KEY_EXISTS,
                        metadata={"key": name},
                    )
                if rec.revoked_at:
                    raise Conflict("the key is revoked", KEY_REVOKED, metadata={"key": name})
            else:
                rec = KeyRecord(
                    name=name,
                    alg=alg,
                    purpose=str(Purpose.VERIFICATION),
                    backend="public",
                    created_at=now_iso(),
                    current_version=0,
                    min_version=1,
                )
            kv.version = rec.current_version + 1
            rec.versions.append(kv)
            rec.current_version = kv.version
            self._save(rec)
            note["after"] = f"v{kv.version}"
        return self.info(name)

    # -- using keys ----------------------------------------------------------------------------------

    def _usable(self, rec: KeyRecord, version: int) -> KeyVersion:
        """The version if it may be used now; the precise refusal otherwise."""
        if rec.revoked_at:
            raise Conflict("the key is revoked", KEY_REVOKED, metadata={"key": rec.name})
        kv = rec.version(version)
        if kv.revoked_at:
            raise Conflict(
                "this key version is revoked",
                KEY_REVOKED,
                metadata={"key": rec.name, "version": str(version)},
            )
        if version < rec.min_version:
            raise Conflict(
                "this key version is below the key's min_version",
                KEY_VERSION_RETIRED,
                metadata={"key": rec.name, "version": str(version), "min_version": str(rec.min_version)},
            )
        return kv

    def _cached(self, rec: KeyRecord, kv: KeyVersion, kind: str, build: Any) -> Any:
        # Keyed by the material's identity too, so a re-created key of the same name never reuses a
        # stale object.
        tag = kv.public_pem or kv.pkcs11_id or (kv.wrapped or {}).get("dek") or kv.derived or ""
        key = (rec.name, kv.version, kind + hashlib.sha256(tag.encode()).hexdigest())
        obj = self._objects.get(key)
        if obj is None:
            obj = self._objects[key] = build()
        return obj

    def signer(self, name: str) -> tuple[Signer, int]:
        """The current version's Signer and its version number (to put in the manifest)."""
        rec = self._load(name)
        if rec.purpose != Purpose.SIGNING:
            raise InvalidInput("the key is not a signing key", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        kv = self._usable(rec, rec.current_version)
        alg = ALGORITHMS[rec.alg]
        assert isinstance(alg, SignatureAlgorithm)

        def build() -> Signer:
            if rec.backend == "pkcs11":
                if self.pkcs11 is None:
                    raise InvalidInput("no [keys.pkcs11] token is configured", PKCS11_NOT_CONFIGURED)
                assert kv.pkcs11_id and kv.public_pem
                return Pkcs11Signer(
                    Pkcs11Token.get(self.pkcs11), alg, bytes.fromhex(kv.pkcs11_id), kv.public_pem.encode()
                )
            return self._backend.load_signer(alg, self._unwrap(rec, kv))

        return self._cached(rec, kv, "signer", build), kv.version

    def verifier(self, name: str, version: int) -> Verifier:
        """The Verifier of one version; ``Conflict(KEY_VERSION_RETIRED | KEY_REVOKED)`` when that
        version may no longer verify, ``NotFound(KEY_NOT_FOUND | KEY_VERSION_UNKNOWN)``."""
        rec = self._load(name)
        if rec.purpose not in (Purpose.SIGNING, Purpose.VERIFICATION):
            raise InvalidInput("the key is not a signature key", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        kv = self._usable(rec, version)
        alg = ALGORITHMS[rec.alg]
        assert isinstance(alg, SignatureAlgorithm) and kv.public_pem
        pem = kv.public_pem.encode()
        return self._cached(rec, kv, "verifier", lambda: self._backend.load_verifier(alg, pem))

    def current_version(self, name: str) -> int:
        return self._load(name).current_version

    def cipher(self, name: str, version: int | None = None) -> Cipher:
        """The Cipher of ``version`` (default: the current one) of an encryption or data key."""
        rec = self._load(name)
        alg = ALGORITHMS[rec.alg]
        if not isinstance(alg, CipherAlgorithm):
            raise InvalidInput("the key is not a cipher key", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        kv = self._usable(rec, rec.current_version if version is None else version)
        return self._cached(rec, kv, "cipher", lambda: self._backend.cipher(alg, self._unwrap(rec, kv)))

    def export_public(self, name: str, version: int | None = None) -> bytes:
        """The public key (PEM SubjectPublicKeyInfo) of ``version`` (default: current) of a signature key."""
        rec = self._load(name)
        if not is_signature(rec.alg):
            raise InvalidInput("the key has no public half", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        kv = rec.version(rec.current_version if version is None else version)
        assert kv.public_pem
        return kv.public_pem.encode()

    def fingerprint(self, name: str, version: int) -> str:
        """A non-secret identification of one version, hex, to compare with a partner's or an HSM's.

        Signature keys: SHA-256 of the public key (DER SubjectPublicKeyInfo). Symmetric keys: the
        banking key check value (KCV), the first 3 bytes of a zero block encrypted with the key (ECB) —
        what a bank quotes with the SM4 working key it issues; for the keyed-BLAKE2b lookup key, the first
        3 bytes of its keyed hash of a zero block. Empty when the store holds nothing to compute it from.
        """
        rec = self._load(name)
        kv = rec.version(version)
        if is_signature(rec.alg):
            if not kv.public_pem:
                return ""
            body = "".join(ln for ln in kv.public_pem.splitlines() if ln and not ln.startswith("-----"))
            return hashlib.sha256(base64.b64decode(body)).hexdigest()
        if kv.wrapped is None and kv.derived is None:
            return ""
        secret = self._unwrap(rec, kv)
        zero = bytes(16)
        if rec.alg == "blake2b":
            return hashlib.blake2b(zero, key=secret, digest_size=32).digest()[:3].hex()
        from cryptography.hazmat.primitives.ciphers import Cipher as _BlockCipher
        from cryptography.hazmat.primitives.ciphers import algorithms, modes

        block = algorithms.SM4(secret) if rec.alg == "sm4" else algorithms.AES(secret)
        enc = _BlockCipher(block, modes.ECB()).encryptor()  # noqa: S305 - one block: a check value, not data
        return (enc.update(zero) + enc.finalize())[:3].hex()

    def data_keyring(self, name: str = "data") -> DataKeyring:
        """The personal-data keys for :class:`keys.datakey.DataProtector`."""
        rec = self._load(name)
        if rec.purpose != Purpose.DATA:
            raise InvalidInput("the key is not a data key", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        keys: dict[str, bytes] = {}
        retired: set[str] = set()
        for kv in rec.versions:
            kid = data_key_id(rec.name, kv.version, kv.derived is not None)
            if rec.version_status(kv) in ("revoked", "retired"):
                retired.add(kid)
            else:
                keys[kid] = self._unwrap(rec, kv)
        current = rec.version(rec.current_version)
        return DataKeyring(
            current=data_key_id(rec.name, current.version, current.derived is not None),
            keys=keys,
            retired=frozenset(retired),
        )

    def lookup_key(self, name: str = "lookup") -> bytes:
        """The blind-index key (32 bytes); it never rotates (see the module docstring)."""
        rec = self._load(name)
        if rec.purpose != Purpose.LOOKUP:
            raise InvalidInput("the key is not a lookup key", KEY_PURPOSE_MISMATCH, metadata={"key": name})
        return self._unwrap(rec, self._usable(rec, rec.current_version))

    def _private_pem_for_export(self, name: str, version: int | None, password: bytes) -> tuple[bytes, int]:
        """The encrypted PKCS#8 PEM of a file-backend signing key: only ``keys.export`` (dual control)
        calls this."""
        rec = self._load(name)
        if rec.purpose != Purpose.SIGNING or rec.backend != "file":
            raise Conflict(
                "only signing keys of the file backend can be exported",
                KEY_NOT_EXPORTABLE,
                metadata={"key": name},
            )
        v = rec.current_version if version is None else version
        kv = self._usable(rec, v)
        alg = ALGORITHMS[rec.alg]
        assert isinstance(alg, SignatureAlgorithm)
        signer = self._backend.load_signer(alg, self._unwrap(rec, kv))
        return signer.private_pem(password), v


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _certificate_pem(data: bytes) -> str:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
    except ValueError:
        # An SM2 certificate that cryptography cannot parse was read by the SM2 wrapper already; keep
        # what we were given.
        return data.decode("ascii") if data.lstrip().startswith(b"-----BEGIN") else _pem_cert(data)
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _pem_cert(der: bytes) -> str:
    b64 = base64.encodebytes(der).decode().replace("\n", "")
    body = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


# -- manifests through the store --------------------------------------------------------------------


class StoreVerdict(StrEnum):
    """:func:`verify_manifest_with_store`'s answer: the manifest verdicts plus what the store knows about
    the key. Only OK is truthy."""

    OK = "OK"
    MALFORMED = "MALFORMED"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_VERSION_UNKNOWN = "KEY_VERSION_UNKNOWN"
    KEY_REVOKED = "KEY_REVOKED"
    KEY_VERSION_RETIRED = "KEY_VERSION_RETIRED"
    KEY_PURPOSE_MISMATCH = "KEY_PURPOSE_MISMATCH"
    ALGORITHM_MISMATCH = "ALGORITHM_MISMATCH"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    LINE_MALFORMED = "LINE_MALFORMED"
    LINE_OUTSIDE_SUBMISSION = "LINE_OUTSIDE_SUBMISSION"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    CONTROL_SUM_MISMATCH = "CONTROL_SUM_MISMATCH"
    ROOT_MISMATCH = "ROOT_MISMATCH"
    PROOF_INVALID = "PROOF_INVALID"

    def __bool__(self) -> bool:
        return self is StoreVerdict.OK


_KEY_REASONS = {r.value for r in StoreVerdict if r.name.startswith("KEY_")}


def verify_manifest_with_store(
    manifest: _manifest.Manifest, store: KeyStore, lines: Any = None
) -> StoreVerdict:
    """Verify ``manifest`` with the key its ``key_id``/``key_version`` name in ``store``, and the lines
    if given. Never raises for bad data: the verdict names the first problem (MALFORMED, then the key's
    state — KEY_NOT_FOUND, KEY_VERSION_UNKNOWN, KEY_REVOKED, KEY_VERSION_RETIRED, KEY_PURPOSE_MISMATCH —
    then the manifest's own checks in :func:`keys.manifest.verify_manifest` order)."""
    if not isinstance(manifest, _manifest.Manifest) or not _manifest._well_formed(manifest):
        return StoreVerdict.MALFORMED
    if not _canonical_base64(manifest.signature):
        # Base64 leaves a few bits of the last character unused: without this, a changed character
        # there would decode to the same signature and the changed manifest would still "verify".
        return StoreVerdict.BAD_SIGNATURE
    try:
        verifier = store.verifier(manifest.key_id, manifest.key_version)
    except SilinkError as exc:
        if exc.reason in _KEY_REASONS:
            return StoreVerdict(exc.reason)
        if exc.reason == KEY_NAME_INVALID:
            return StoreVerdict.KEY_NOT_FOUND
        raise
    return StoreVerdict(_manifest.verify_manifest(manifest, verifier, lines).value)


def _canonical_base64(text: str) -> bool:
    try:
        return base64.b64encode(base64.b64decode(text, validate=True)).decode("ascii") == text
    except (ValueError, UnicodeDecodeError):
        return False


def verify_inclusion_with_store(
    manifest: _manifest.Manifest,
    store: KeyStore,
    row: Sequence[Any],
    index: int,
    proof: Sequence[bytes],
) -> StoreVerdict:
    """That ``row`` (a line in canonical field order) is line ``index`` of the signed ``manifest``: the
    manifest verifies through the store, then the RFC 9162 inclusion ``proof`` against its root."""
    verdict = verify_manifest_with_store(manifest, store)
    if not verdict:
        return verdict
    try:
        line = canonical_row(tuple(row))
    except (SilinkError, TypeError, IndexError, ValueError):
        return StoreVerdict.LINE_MALFORMED
    ok = verify_inclusion(
        line, index, manifest.line_count, list(proof), bytes.fromhex(manifest.merkle_root), manifest.hash_alg
    )
    return StoreVerdict.OK if ok else StoreVerdict.PROOF_INVALID
