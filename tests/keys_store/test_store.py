"""The key store itself: versions, rotation, min_version, revocation, envelope encryption, atomic files."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

from gateway.errors import Conflict, Internal, InvalidInput, NotFound, SilinkError
from keys.algorithms import CipherAlgorithm, SignatureAlgorithm, get_backend
from keys.datakey import DataProtector
from keys.store import ALGORITHMS, KeyStore

SIGNATURE_ALGS = ["sm2", "rsa-pss", "rsa-pkcs1", "ecdsa-p256", "ed25519"]


@pytest.fixture
def master() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def store(tmp_path: Path, master: bytes) -> KeyStore:
    return KeyStore(tmp_path, master)


def reason_of(fn, *args) -> str:
    with pytest.raises(SilinkError) as exc:
        fn(*args)
    return exc.value.reason


def test_store_algorithm_names_map_to_the_algorithm_layer() -> None:
    """Each store algorithm name maps to the keys.algorithms name it stands for."""
    assert ALGORITHMS == {
        "sm2": SignatureAlgorithm.SM2_SM3,
        "rsa-pss": SignatureAlgorithm.RSA_PSS_SHA256,
        "rsa-pkcs1": SignatureAlgorithm.RSA_PKCS1V15_SHA256,
        "ecdsa-p256": SignatureAlgorithm.ECDSA_P256_SHA256,
        "ed25519": SignatureAlgorithm.ED25519,
        "sm4": CipherAlgorithm.SM4_GCM,
        "aes256-gcm": CipherAlgorithm.AES_256_GCM,
        "blake2b": None,
    }


@pytest.mark.parametrize("alg", SIGNATURE_ALGS)
def test_every_signature_algorithm_signs_and_its_exported_public_key_verifies(
    store: KeyStore, alg: str
) -> None:
    """A created key signs with version 1, and the exported public PEM verifies that signature alone."""
    store.create("k", alg)
    signer, version = store.signer("k")
    sig = signer.sign(b"payload")
    outside = get_backend("pycryptodome" if alg != "sm2" else "cryptography").load_verifier(
        ALGORITHMS[alg], store.export_public("k")
    )
    assert version == 1
    assert outside.verify(b"payload", sig)
    assert not outside.verify(b"payload!", sig)


@pytest.mark.parametrize("alg", ["sm4", "aes256-gcm"])
def test_cipher_keys_decrypt_older_versions_until_retired(store: KeyStore, alg: str) -> None:
    """After rotation the old version still decrypts; below min_version it is KEY_VERSION_RETIRED."""
    store.create("box", alg)
    old = store.cipher("box").encrypt(b"secret", b"aad")
    assert store.rotate("box") == 2
    new = store.cipher("box").encrypt(b"secret", b"aad")
    assert store.cipher("box", 1).decrypt(old, b"aad") == b"secret"
    assert store.cipher("box", 2).decrypt(new, b"aad") == b"secret"
    store.set_min_version("box", 2)
    assert reason_of(store.cipher, "box", 1) == "KEY_VERSION_RETIRED"


def test_rotation_signs_with_the_new_version_and_old_versions_verify_until_retired(store: KeyStore) -> None:
    """The newest version signs; v1 verifies until min_version passes it, then KEY_VERSION_RETIRED."""
    store.create("bank-102", "sm2")
    s1, v1 = store.signer("bank-102")
    sig1 = s1.sign(b"m")
    store.rotate("bank-102")
    s2, v2 = store.signer("bank-102")
    assert (v1, v2) == (1, 2)
    assert store.verifier("bank-102", 1).verify(b"m", sig1)
    assert not store.verifier("bank-102", 2).verify(b"m", sig1)
    store.set_min_version("bank-102", 2)
    assert reason_of(store.verifier, "bank-102", 1) == "KEY_VERSION_RETIRED"
    assert store.verifier("bank-102", 2).verify(b"m", s2.sign(b"m"))


def test_revoking_a_version_or_the_key_is_reported_as_key_revoked(store: KeyStore) -> None:
    """A revoked version neither signs nor verifies; a revoked key does nothing at all and cannot rotate."""
    store.create("k", "ed25519")
    store.rotate("k")
    store.revoke("k", 2)
    assert reason_of(store.signer, "k") == "KEY_REVOKED"
    assert reason_of(store.verifier, "k", 2) == "KEY_REVOKED"
    assert store.verifier("k", 1) is not None
    store.revoke("k")
    assert reason_of(store.verifier, "k", 1) == "KEY_REVOKED"
    assert reason_of(store.rotate, "k") == "KEY_REVOKED"


def test_unknown_keys_and_versions_are_not_found(store: KeyStore) -> None:
    """A missing key is KEY_NOT_FOUND and a version that never existed is KEY_VERSION_UNKNOWN."""
    store.create("k", "ecdsa-p256")
    with pytest.raises(NotFound) as exc:
        store.verifier("nope", 1)
    assert exc.value.reason == "KEY_NOT_FOUND"
    assert reason_of(store.verifier, "k", 7) == "KEY_VERSION_UNKNOWN"
    assert reason_of(store.verifier, "k", 0) == "KEY_VERSION_UNKNOWN"


def test_purposes_are_enforced(store: KeyStore) -> None:
    """A cipher key cannot sign, a signing key cannot encrypt, and names are checked."""
    store.create("box", "sm4")
    store.create("sig", "sm2")
    assert reason_of(store.signer, "box") == "KEY_PURPOSE_MISMATCH"
    assert reason_of(store.cipher, "sig") == "KEY_PURPOSE_MISMATCH"
    assert reason_of(store.create, "x", "sm2", "data") == "KEY_PURPOSE_MISMATCH"
    assert reason_of(store.create, "../evil", "sm2") == "KEY_NAME_INVALID"
    assert reason_of(store.create, "sig", "sm2") == "KEY_EXISTS"
    assert reason_of(store.create, "data", "aes256-gcm") == "KEY_EXISTS"


def test_private_material_is_wrapped_and_bound_to_name_and_version(tmp_path: Path, store: KeyStore) -> None:
    """The record holds no clear private key; wrapped material moved to another name or version does not
    open, and a record edited by hand is refused as tampered."""
    store.create("a", "ed25519")
    store.create("b", "ed25519")
    pem_a = store._private_pem_for_export("a", None, b"x" * 16)[0]
    text = (tmp_path / "keys" / "a.json").read_text()
    assert "PRIVATE KEY" not in text and pem_a.decode() not in text
    assert oct(os.stat(tmp_path / "keys" / "a.json").st_mode & 0o777) == "0o600"

    rec_a = json.loads((tmp_path / "keys" / "a.json").read_text())
    rec_b = json.loads((tmp_path / "keys" / "b.json").read_text())
    # Move a's wrapped material into b. Without re-sealing the record, its MAC catches the edit.
    rec_b["versions"][0]["wrapped"] = rec_a["versions"][0]["wrapped"]
    (tmp_path / "keys" / "b.json").write_text(json.dumps(rec_b))
    assert reason_of(store.signer, "b") == "KEY_RECORD_TAMPERED"
    # Even re-sealed (which needs the master key), the AAD still binds the material to name a.
    body = {k: v for k, v in rec_b.items() if k != "mac"}
    rec_b["mac"] = store._mac(body)
    (tmp_path / "keys" / "b.json").write_text(json.dumps(rec_b))
    assert reason_of(store.signer, "b") == "KEY_UNWRAP_FAILED"


def test_an_edited_revocation_is_detected(tmp_path: Path, store: KeyStore) -> None:
    """Un-revoking a version by editing the JSON breaks the record MAC: the key is refused, not reused."""
    store.create("k", "sm2")
    store.rotate("k")
    store.revoke("k", 1)
    path = tmp_path / "keys" / "k.json"
    rec = json.loads(path.read_text())
    rec["versions"][0]["revoked_at"] = None
    path.write_text(json.dumps(rec))
    with pytest.raises(Internal) as exc:
        store.verifier("k", 1)
    assert exc.value.reason == "KEY_RECORD_TAMPERED"


def test_another_master_key_cannot_read_the_store(tmp_path: Path, store: KeyStore) -> None:
    """A store opened with a different master key refuses the records instead of using them."""
    store.create("k", "sm2")
    other = KeyStore(tmp_path, secrets.token_bytes(32))
    assert reason_of(other.signer, "k") == "KEY_RECORD_TAMPERED"


def test_a_crash_while_writing_leaves_the_old_record_intact(
    tmp_path: Path, store: KeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the process dies between writing the temporary file and renaming it, the key is unchanged and
    no partial file is visible under the key's name."""
    store.create("k", "ecdsa-p256")
    before = (tmp_path / "keys" / "k.json").read_bytes()

    def crash(*_a, **_k):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.rotate("k")
    monkeypatch.undo()
    assert (tmp_path / "keys" / "k.json").read_bytes() == before
    assert [p.name for p in (tmp_path / "keys").iterdir() if p.name.endswith(".tmp")] == []
    assert store.current_version("k") == 1
    assert store.rotate("k") == 2


def test_import_public_from_pem_and_certificate_adds_versions(tmp_path: Path, store: KeyStore) -> None:
    """A bank's public key imports as a verification key; its new certificate becomes version 2; it can
    verify but never sign, and it does not rotate."""
    from keys.devca import DevCA

    bank_v1 = get_backend().generate(SignatureAlgorithm.ECDSA_P256_SHA256)
    store.import_public("bank-105-verify", bank_v1.public_pem(), "ecdsa-p256")
    ca = DevCA(tmp_path / "pki")
    ca.create()
    issued = ca.issue("bank:105", tmp_path / "pki" / "clients")
    info = store.import_public("bank-105-verify", issued.cert_path.read_bytes(), "ecdsa-p256")
    assert (info.purpose, info.current_version) == ("verification", 2)
    assert store.verifier("bank-105-verify", 1).verify(b"m", bank_v1.sign(b"m"))
    bank_v2 = get_backend().load_signer(SignatureAlgorithm.ECDSA_P256_SHA256, issued.key_path.read_bytes())
    assert store.verifier("bank-105-verify", 2).verify(b"m", bank_v2.sign(b"m"))
    assert reason_of(store.signer, "bank-105-verify") == "KEY_PURPOSE_MISMATCH"
    assert reason_of(store.rotate, "bank-105-verify") == "KEY_NOT_ROTATABLE"
    with pytest.raises(InvalidInput):
        store.import_public("bank-105-verify", b"not a key", "ecdsa-p256")


def test_lookup_key_never_rotates_and_the_current_data_key_cannot_be_revoked(store: KeyStore) -> None:
    """Rotating the lookup key, or revoking the data key in use, is refused with a reason."""
    with pytest.raises(Conflict) as exc:
        store.rotate("lookup")
    assert exc.value.reason == "KEY_NOT_ROTATABLE"
    assert reason_of(store.revoke, "data", None) == "KEY_NOT_REVOCABLE"
    assert reason_of(store.revoke, "data", 1) == "KEY_NOT_REVOCABLE"


def test_data_key_rotation_keeps_old_ciphertexts_and_blind_indexes(store: KeyStore, master: bytes) -> None:
    """A ciphertext made by the pre-store protector (dk1) opens after rotation; new ones carry data-v2;
    blind indexes do not change; a retired version is refused with KEY_VERSION_RETIRED."""
    legacy = DataProtector(master)
    old_blob = legacy.encrypt("TESTVALUE-1", b"ref-1")
    protector = DataProtector.from_store(store)
    assert protector.key_id == "dk1"
    store.rotate("data")
    protector.refresh()
    new_blob = protector.encrypt("TESTVALUE-2", b"ref-2")
    assert new_blob[1:8] == b"data-v2"
    assert protector.decrypt(old_blob, b"ref-1") == "TESTVALUE-1"
    assert protector.decrypt(new_blob, b"ref-2") == "TESTVALUE-2"
    assert protector.blind_index("x1") == legacy.blind_index("x1")
    with pytest.raises(Internal):
        protector.decrypt(new_blob, b"ref-other")  # the associated data binds the blob to its line
    store.set_min_version("data", 2)
    protector.refresh()
    with pytest.raises(Internal) as exc:
        protector.decrypt(old_blob, b"ref-1")
    assert exc.value.reason == "KEY_VERSION_RETIRED"


def test_a_running_protector_notices_a_rotation_made_elsewhere(tmp_path: Path, master: bytes) -> None:
    """A protector (the server's) opens ciphertexts of a version created by another process (the CLI)."""
    server_side = DataProtector.from_store(KeyStore(tmp_path, master))
    cli_side = KeyStore(tmp_path, master)
    cli_side.rotate("data")
    blob = DataProtector.from_store(cli_side).encrypt("TESTVALUE-3", b"r")
    assert server_side.decrypt(blob, b"r") == "TESTVALUE-3"


def test_changes_are_audited_when_a_database_is_given(tmp_path: Path, master: bytes) -> None:
    """create, rotate, revoke and min-version each append one audit entry naming the principal."""
    from sqlalchemy import select

    from gateway import audit
    from gateway.storage import Database, migrate
    from gateway.storage.tables import audit_log

    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    migrate(db)
    s = KeyStore(tmp_path, master, audit_db=db, principal="admin:zhou")
    s.create("k", "sm2")
    s.rotate("k")
    s.set_min_version("k", 2)
    s.revoke("k", 1)
    with db.read() as conn:
        rows = conn.execute(select(audit_log.c.principal, audit_log.c.action, audit_log.c.after_state)).all()
    assert [tuple(r) for r in rows] == [
        ("admin:zhou", "key.created", "v1"),
        ("admin:zhou", "key.rotated", "v2"),
        ("admin:zhou", "key.min_version", "min v2"),
        ("admin:zhou", "key.revoked", "REVOKED"),
    ]
    assert audit.verify(db).ok
    db.dispose()


def test_an_imported_bank_working_key_encrypts_as_the_bank_does_and_adds_versions(
    tmp_path: Path, store: KeyStore, master: bytes
) -> None:
    """A bank's SM4 key imported twice: both versions decrypt the bank's ciphertexts; the file is wrapped."""
    first, second = secrets.token_bytes(16), secrets.token_bytes(16)
    backend = get_backend()
    info = store.import_secret("bank-308-sm4", first, "sm4")
    assert (info.alg, info.purpose, info.current_version) == ("sm4", "encryption", 1)
    blob_v1 = backend.cipher(CipherAlgorithm.SM4_GCM, first).encrypt(b"bank message", b"aad")
    assert store.cipher("bank-308-sm4").decrypt(blob_v1, b"aad") == b"bank message"
    assert store.import_secret("bank-308-sm4", second).current_version == 2
    blob_v2 = store.cipher("bank-308-sm4").encrypt(b"ours", b"")
    assert backend.cipher(CipherAlgorithm.SM4_GCM, second).decrypt(blob_v2, b"") == b"ours"
    assert store.cipher("bank-308-sm4", 1).decrypt(blob_v1, b"aad") == b"bank message"
    raw = (tmp_path / "keys" / "bank-308-sm4.json").read_bytes()
    assert first.hex().encode() not in raw and second.hex().encode() not in raw
    assert KeyStore(tmp_path, master).cipher("bank-308-sm4").decrypt(blob_v2, b"") == b"ours"
    assert reason_of(store.import_secret, "bank-308-sm4", b"short", "sm4") == "KEY_MATERIAL_INVALID"
    assert reason_of(store.import_secret, "x", secrets.token_bytes(16), "sm2") == "KEY_PURPOSE_MISMATCH"
    store.create("gw-sig", "sm2")
    assert reason_of(store.import_secret, "gw-sig", secrets.token_bytes(16), "sm4") == "KEY_EXISTS"
