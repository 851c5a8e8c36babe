"""Development certificate authority for mutual TLS.

`silink init` creates a CA and certificates so that even the embedded default runs with client
certificates. The certificate's common name is the principal (``officer:alice``, ``bank:102``); roles
come from the configuration, never from the certificate. Keys are ECDSA P-256: fast to make and to
verify, and accepted by every gRPC stack.

Every certificate issued is recorded in ``issued.json`` (serial, principal, server or client, expiry) so
that revoking a principal revokes every certificate it was ever given, not only the newest file.
:meth:`DevCA.revoke` adds serials to ``revoked.json`` (see ``keys.revocation``), which the server reads.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.clock import now_iso

from ._files import atomic_write, folder_lock
from .revocation import REVOKED_FILE, RevokedCert, add_revocations, read_revocations, serial_hex

ISSUED_FILE = "issued.json"
CA_NAME = "silink development CA"
_VALIDITY = dt.timedelta(days=825)


@dataclass(frozen=True)
class IssuedCert:
    cert_path: Path
    key_path: Path
    serial: str = ""


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start so the key is never readable by others, even briefly.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class DevCA:
    """A CA kept as two PEM files in ``folder`` (``ca.pem``, ``ca.key``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.cert_path = self.folder / "ca.pem"
        self.key_path = self.folder / "ca.key"

    def exists(self) -> bool:
        return self.cert_path.exists() and self.key_path.exists()

    def create(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        _write_private(self.key_path, _key_pem(key))
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _load(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cert, key

    def issue(
        self,
        common_name: str,
        out_dir: Path,
        *,
        server: bool = False,
        hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1"),
        file_stem: str | None = None,
    ) -> IssuedCert:
        """Issue a leaf certificate; ``server=True`` adds the host names as subject alternative names."""
        ca_cert, ca_key = self._load()
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH] if server else [ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            sans: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    sans.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        stem = file_stem or common_name.replace(":", "_")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        key_path = out_dir / f"{stem}.key"
        cert_path = out_dir / f"{stem}.pem"
        _write_private(key_path, _key_pem(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        serial = serial_hex(cert.serial_number)
        self._record_issued(
            {
                "serial": serial,
                "principal": common_name,
                "server": server,
                "not_after": cert.not_valid_after_utc.isoformat(),
                "path": str(cert_path),
                "issued_at": now_iso(),
            }
        )
        return IssuedCert(cert_path=cert_path, key_path=key_path, serial=serial)

    # -- issuance log and revocation -----------------------------------------------------------------

    @property
    def issued_path(self) -> Path:
        return self.folder / ISSUED_FILE

    @property
    def revocation_path(self) -> Path:
        return self.folder / REVOKED_FILE

    def issued(self) -> list[dict]:
        """Every certificate this CA recorded issuing (oldest first)."""
        try:
            return list(json.loads(self.issued_path.read_text(encoding="utf-8"))["issued"])
        except FileNotFoundError:
            return []

    def _record_issued(self, entry: dict) -> None:
        with folder_lock(self.folder):
            entries = [*self.issued(), entry]
            atomic_write(
                self.issued_path,
                json.dumps({"issued": entries}, indent=1, ensure_ascii=False).encode() + b"\n",
                mode=0o644,
            )

    def certificates_of(self, principal: str) -> list[str]:
        """Serials (hex) of every certificate issued to ``principal``: from the issuance log, and from
        certificate files under the CA folder (for certificates issued before the log existed)."""
        serials = [e["serial"] for e in self.issued() if e.get("principal") == principal]
        for path in sorted(self.folder.rglob("*.pem")):
            if path == self.cert_path:
                continue
            try:
                cert = x509.load_pem_x509_certificate(path.read_bytes())
            except ValueError:
                continue
            cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            if cns and cns[0].value == principal:
                serials.append(serial_hex(cert.serial_number))
        return list(dict.fromkeys(serials))

    def principal_of(self, serial: str) -> str | None:
        for e in self.issued():
            if e.get("serial") == serial:
                return e.get("principal")
        return None

    def revoke(self, serial: str | int, *, principal: str | None = None, reason: str = "") -> bool:
        """Put one certificate serial on the revocation list; False if it was already there."""
        hexs = (
            serial_hex(serial) if isinstance(serial, int) else serial.lower().removeprefix("0x").lstrip("0")
        )
        who = principal or self.principal_of(hexs) or ""
        entry = RevokedCert(serial=hexs or "0", principal=who, revoked_at=now_iso(), reason=reason)
        return bool(add_revocations(self.revocation_path, [entry]))

    def revoke_principal(self, principal: str, *, reason: str = "") -> list[str]:
        """Revoke every certificate issued to ``principal``; returns the serials newly revoked."""
        entries = [
            RevokedCert(serial=s, principal=principal, revoked_at=now_iso(), reason=reason)
            for s in self.certificates_of(principal)
        ]
        return [e.serial for e in add_revocations(self.revocation_path, entries)]

    def revoked(self) -> list[RevokedCert]:
        return read_revocations(self.revocation_path)
