"""Dual-control export of a private key (PCI DSS 3.7.6 style): two different administrators, both audited.

1. An administrator requests the export of a key (:func:`request_export`): a row in
   ``key_export_requests`` (state PENDING, valid for 24 hours) and an audit entry ``key.export_requested``.
2. A *different* administrator approves it (:func:`approve_export`): only then is the key written, as an
   encrypted PKCS#8 PEM (passphrase-based, AES-256-CBC with PBKDF2/scrypt), to a new file created 0600;
   the request becomes DONE (single use) and ``key.exported`` is audited in the same transaction. The
   requester approving their own request is refused (``SELF_APPROVAL``, audited as
   ``key.export_refused``), by this code and by a CHECK constraint in the database.

The key is never printed, logged or put in an error. Only signing keys of the file backend can leave;
an HSM key cannot (``KEY_NOT_EXPORTABLE``).

The command line works on the instance folder directly, so a principal cannot be taken from a TLS
handshake: :func:`authenticate_local_principal` makes the caller prove it holds the principal's client
certificate *and* its private key (issued by the instance CA, not revoked, not expired).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import insert, select, update

from gateway import audit
from gateway.clock import now_iso
from gateway.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SelfApproval, Unauthenticated
from gateway.storage.tables import key_export_requests

from ._files import write_new_private
from .devca import DevCA
from .pkcs11_backend import KEY_NOT_EXPORTABLE
from .revocation import serial_hex

ADMIN_ROLE = "admin"
REQUEST_TTL = dt.timedelta(hours=24)
MIN_PASSPHRASE = 12
EXPORT_REQUEST_NOT_FOUND = "EXPORT_REQUEST_NOT_FOUND"
EXPORT_REQUEST_NOT_PENDING = "EXPORT_REQUEST_NOT_PENDING"
EXPORT_REQUEST_EXPIRED = "EXPORT_REQUEST_EXPIRED"
PASSPHRASE_TOO_SHORT = "PASSPHRASE_TOO_SHORT"  # noqa: S105 - an error reason, not a secret


@dataclass(frozen=True)
class ExportResult:
    request_id: int
    key_name: str
    key_version: int
    requested_by: str
    approved_by: str
    path: Path


def _require_admin(identity: Any, principal: str) -> None:
    if identity is not None and ADMIN_ROLE not in identity.roles_of(principal):
        raise PermissionDenied("key export needs the admin role", metadata={"principal": principal})


def request_export(
    db: Any, store: Any, name: str, principal: str, *, reason: str = "", identity: Any = None
) -> int:
    """Step 1: record a request to export the current version of ``name``; returns its id."""
    _require_admin(identity, principal)
    info = store.info(name)
    if info.purpose != "signing" or info.backend != "file":
        raise Conflict("only signing keys of the file backend can be exported", KEY_NOT_EXPORTABLE)
    if info.revoked:
        raise Conflict("the key is revoked", "KEY_REVOKED")
    now = dt.datetime.now(dt.UTC)
    with db.write() as conn:
        rid = conn.execute(
            insert(key_export_requests).values(
                key_name=name,
                key_version=info.current_version,
                state="PENDING",
                requested_by=principal,
                requested_at=now_iso(),
                reason=reason[:500],
                expires_at=(now + REQUEST_TTL).isoformat(timespec="microseconds"),
            )
        ).inserted_primary_key[0]
        audit.append(
            conn,
            principal=principal,
            action="key.export_requested",
            object_type="key",
            object_id=name,
            after="PENDING",
            detail={"request_id": rid, "version": info.current_version, "reason": reason[:200]},
        )
    return int(rid)


def pending_requests(db: Any) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            select(key_export_requests)
            .where(key_export_requests.c.state == "PENDING")
            .order_by(key_export_requests.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def approve_export(
    db: Any,
    store: Any,
    request_id: int,
    principal: str,
    passphrase: bytes,
    out: Path,
    *,
    identity: Any = None,
) -> ExportResult:
    """Step 2: a second administrator approves; the key is written to ``out`` (new file, 0600) as an
    encrypted PKCS#8 PEM under ``passphrase``. Refused for the requester themself (SELF_APPROVAL)."""
    _require_admin(identity, principal)
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase needs at least {MIN_PASSPHRASE} characters", PASSPHRASE_TOO_SHORT)
    out = Path(out)
    with db.write() as conn:
        q = select(key_export_requests).where(key_export_requests.c.id == request_id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).mappings().first()
        if row is None:
            raise NotFound("no such export request", EXPORT_REQUEST_NOT_FOUND)
        if row["state"] != "PENDING":
            raise Conflict("the export request is not pending", EXPORT_REQUEST_NOT_PENDING)
        if dt.datetime.fromisoformat(row["expires_at"]) < dt.datetime.now(dt.UTC):
            raise Conflict("the export request has expired", EXPORT_REQUEST_EXPIRED)
        self_approval = row["requested_by"] == principal
    if self_approval:
        # Recorded in its own transaction: the refusal is itself evidence worth keeping.
        with db.write() as conn:
            audit.append(
                conn,
                principal=principal,
                action="key.export_refused",
                object_type="key",
                object_id=row["key_name"],
                before="PENDING",
                after="PENDING",
                detail={"request_id": request_id, "reason": "SELF_APPROVAL"},
            )
        raise SelfApproval("an administrator cannot approve their own key export request")

    written = False
    try:
        with db.write() as conn:
            changed = conn.execute(
                update(key_export_requests)
                .where(key_export_requests.c.id == request_id, key_export_requests.c.state == "PENDING")
                .values(state="DONE", approved_by=principal, approved_at=now_iso())
            ).rowcount
            if changed != 1:
                raise Conflict("the export request is not pending", EXPORT_REQUEST_NOT_PENDING)
            audit.append(
                conn,
                principal=principal,
                action="key.exported",
                object_type="key",
                object_id=row["key_name"],
                before="PENDING",
                after="DONE",
                detail={
                    "request_id": request_id,
                    "version": row["key_version"],
                    "requested_by": row["requested_by"],
                    "format": "PKCS#8 encrypted PEM",
                },
            )
            pem, version = store._private_pem_for_export(row["key_name"], row["key_version"], passphrase)
            write_new_private(out, pem)
            written = True
    except BaseException:
        # Nothing committed (or the commit failed): no exported file may outlive the missing record.
        if written:
            with contextlib.suppress(FileNotFoundError):
                out.unlink()
        raise
    return ExportResult(request_id, row["key_name"], version, row["requested_by"], principal, out)


# -- who is at the keyboard --------------------------------------------------------------------------


def authenticate_local_principal(ca: DevCA, principal: str, cert_path: Path, key_path: Path) -> str:
    """Prove, without a server, that the caller holds ``principal``'s certificate and private key:
    the certificate names the principal, was issued by the instance CA, is valid now and not revoked,
    and the key signs a fresh challenge that the certificate's public key verifies."""
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
        key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(ca.cert_path.read_bytes())
    except (ValueError, TypeError):
        raise Unauthenticated(
            "cannot read the principal's certificate or key", "CREDENTIALS_UNREADABLE"
        ) from None
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not cns or cns[0].value != principal:
        raise Unauthenticated("the certificate does not name this principal", "CREDENTIALS_MISMATCH")
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        raise Unauthenticated(
            "the certificate was not issued by this instance's CA", "CREDENTIALS_UNTRUSTED"
        ) from None
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise Unauthenticated("the certificate is not valid now", "CREDENTIALS_EXPIRED")
    if serial_hex(cert.serial_number) in {e.serial for e in ca.revoked()}:
        raise Unauthenticated("the certificate is revoked", "CERTIFICATE_REVOKED")
    challenge = secrets.token_bytes(32)
    pub = cert.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(key.sign(challenge, ec.ECDSA(hashes.SHA256())), challenge, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPrivateKey) and isinstance(pub, rsa.RSAPublicKey):
            pad = padding.PKCS1v15()
            pub.verify(key.sign(challenge, pad, hashes.SHA256()), challenge, pad, hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PrivateKey) and isinstance(pub, ed25519.Ed25519PublicKey):
            pub.verify(key.sign(challenge), challenge)
        else:
            raise InvalidSignature
    except InvalidSignature:
        raise Unauthenticated("the key does not belong to the certificate", "CREDENTIALS_MISMATCH") from None
    return principal
