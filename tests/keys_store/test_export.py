"""Dual-control export of a private key: refused for one administrator, done for two, audited."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.config import load_config
from gateway.storage import Database
from gateway.storage.tables import audit_log, key_export_requests

PASSPHRASE = "correct horse battery staple"


def audit_rows(home: Path) -> list[tuple[str, str, str]]:
    db = Database(load_config(home).database_url)
    try:
        with db.read() as conn:
            rows = conn.execute(
                select(audit_log.c.principal, audit_log.c.action, audit_log.c.object_id).order_by(
                    audit_log.c.seq
                )
            ).all()
        assert audit.verify(db).ok
        return [tuple(r) for r in rows]
    finally:
        db.dispose()


@pytest.fixture
def pp(tmp_path: Path) -> Path:
    p = tmp_path / "passphrase"
    p.write_text(PASSPHRASE + "\n")
    return p


def test_one_admin_cannot_export_alone_two_can_and_both_steps_are_audited(
    home: Path, tmp_path: Path, pp: Path, silink, openssl
) -> None:
    """The requester's own approval is refused (SELF_APPROVAL) and writes nothing; a second admin's
    approval writes an encrypted PKCS#8 file (0600) of the right key, once; every step is audited."""
    assert silink("keys", "create", "bank-102-sign", "--alg", "sm2", "--dir", home).code == 0
    req = silink("keys", "export-private", "bank-102-sign", "--as", "admin:zhou", "--reason", "HSM move",
                 "--dir", home, "--json")  # fmt: skip
    assert req.code == 0
    rid = str(req.json()["request_id"])
    out = tmp_path / "exported.pem"

    alone = silink("keys", "export-private", "bank-102-sign", "--request", rid, "--as", "admin:zhou",
                   "-o", out, "--passphrase-file", pp, "--dir", home)  # fmt: skip
    assert alone.code == 2 and "SELF_APPROVAL" in alone.err
    assert not out.exists()

    two = silink("keys", "export-private", "bank-102-sign", "--request", rid, "--as", "admin:wu",
                 "-o", out, "--passphrase-file", pp, "--dir", home, "--json")  # fmt: skip
    assert two.code == 0
    assert (two.json()["requested_by"], two.json()["approved_by"]) == ("admin:zhou", "admin:wu")
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"
    pem = out.read_text()
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "PRIVATE KEY" not in two.out + two.err  # the key is never printed
    (tmp_path / "pp2").write_text(PASSPHRASE)
    shutil.copy(out, tmp_path / "k.pem")
    openssl("pkey", "-in", "k.pem", "-passin", "file:pp2", "-pubout", "-out", "pub-from-export.pem")
    exported_pub = (tmp_path / "pub-from-export.pem").read_text()
    assert exported_pub == silink("keys", "export-public", "bank-102-sign", "--dir", home).out
    assert openssl("pkey", "-in", "k.pem", "-passin", "pass:wrong-passphrase", check=False).returncode != 0

    again = silink("keys", "export-private", "bank-102-sign", "--request", rid, "--as", "admin:wu",
                   "-o", tmp_path / "again.pem", "--passphrase-file", pp, "--dir", home)  # fmt: skip
    assert again.code == 2 and "EXPORT_REQUEST_NOT_PENDING" in again.err

    actions = [r for r in audit_rows(home) if r[1].startswith("key.export")]
    assert actions == [
        ("admin:zhou", "key.export_requested", "bank-102-sign"),
        ("admin:zhou", "key.export_refused", "bank-102-sign"),
        ("admin:wu", "key.exported", "bank-102-sign"),
    ]


def test_only_proven_admins_take_part(home: Path, tmp_path: Path, pp: Path, silink) -> None:
    """A non-admin cannot request or approve; an admin name without that admin's key, or with a revoked
    certificate, is refused before anything happens."""
    assert silink("keys", "create", "k", "--alg", "ed25519", "--dir", home).code == 0
    officer = silink("keys", "export-private", "k", "--as", "officer:wang", "--dir", home)
    assert officer.code == 2 and "PERMISSION_DENIED" in officer.err
    nobody = silink("keys", "export-private", "k", "--dir", home)
    assert nobody.code == 2 and "PRINCIPAL_REQUIRED" in nobody.err
    clients = home / "pki" / "clients"
    forged = silink("keys", "export-private", "k", "--as", "admin:wu", "--as-cert", clients / "admin_wu.pem",
                    "--as-key", clients / "admin_zhou.key", "--dir", home)  # fmt: skip
    assert forged.code == 2 and "CREDENTIALS_MISMATCH" in forged.err
    rid = str(
        silink("keys", "export-private", "k", "--as", "admin:zhou", "--dir", home, "--json").json()[
            "request_id"
        ]
    )
    assert silink("keys", "revoke-cert", "admin:wu", "--dir", home).code == 0
    out = tmp_path / "x.pem"
    revoked = silink("keys", "export-private", "k", "--request", rid, "--as", "admin:wu", "-o", out,
                     "--passphrase-file", pp, "--dir", home)  # fmt: skip
    assert revoked.code == 2 and "CERTIFICATE_REVOKED" in revoked.err
    assert not (tmp_path / "x.pem").exists()


def test_short_passphrase_and_symmetric_or_hsm_keys_are_refused(home: Path, tmp_path: Path, silink) -> None:
    """A passphrase under 12 characters is refused, and a symmetric key cannot be requested at all."""
    assert silink("keys", "create", "k", "--alg", "ecdsa-p256", "--dir", home).code == 0
    assert silink("keys", "create", "box", "--alg", "sm4", "--dir", home).code == 0
    box = silink("keys", "export-private", "box", "--as", "admin:zhou", "--dir", home)
    assert box.code == 2 and "KEY_NOT_EXPORTABLE" in box.err
    rid = str(
        silink("keys", "export-private", "k", "--as", "admin:zhou", "--dir", home, "--json").json()[
            "request_id"
        ]
    )
    (tmp_path / "short").write_text("short")
    out = tmp_path / "x.pem"
    short = silink("keys", "export-private", "k", "--request", rid, "--as", "admin:wu", "-o", out,
                   "--passphrase-file", tmp_path / "short", "--dir", home)  # fmt: skip
    assert short.code == 2 and "PASSPHRASE_TOO_SHORT" in short.err


def test_the_database_refuses_a_self_approved_export(db) -> None:
    """The CHECK constraint stops any update that makes the requester the approver, on both backends."""
    with db.write() as conn:
        conn.execute(
            key_export_requests.insert().values(
                key_name="k", key_version=1, state="PENDING", requested_by="admin:zhou",
                requested_at="2026-11-25T00:00:00+00:00", reason="", expires_at="2026-11-26T00:00:00+00:00",
            )
        )  # fmt: skip
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(update(key_export_requests).values(approved_by="admin:zhou", state="DONE"))
