"""Signed manifests checked through the key store: every changed byte fails, with a precise reason."""

from __future__ import annotations

import dataclasses
import json
import secrets
from pathlib import Path

import pytest

from gateway.errors import SilinkError
from keys.canonical import PaymentLine, canonical_row
from keys.manifest import Manifest, ManifestFields, sign_manifest
from keys.merkle import inclusion_proof, leaf_hashes
from keys.store import KeyStore, StoreVerdict, verify_inclusion_with_store, verify_manifest_with_store

BANK, FUND = "102", "370100000000100001"


def make_rows(n: int) -> list[PaymentLine]:
    # Synthetic values only: no real-looking ID or card numbers in tests.
    return [
        PaymentLine(
            seq=i,
            end_to_end_ref=f"E2E{i:08d}",
            bank_code=BANK,
            account=f"TESTACCT{i:06d}",
            account_type="CARD",
            name=f"测试{i}",
            id_type="RESIDENT_ID",
            id_number=f"TESTID{i:08d}",
            amount_fen=100_000 + i,
            benefit="PENSION_EMPLOYEE",
            period="2026-11",
            fund_account=FUND,
        )
        for i in range(1, n + 1)
    ]


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    s = KeyStore(tmp_path, secrets.token_bytes(32))
    s.create("bank-102-sign", "sm2")
    return s


def signed(store: KeyStore, rows: list[PaymentLine], hash_alg: str = "SM3") -> Manifest:
    signer, version = store.signer("bank-102-sign")
    fields = ManifestFields.for_lines(
        submission_id="S-1",
        bank_code=BANK,
        fund_account=FUND,
        rows=rows,
        hash_alg=hash_alg,
        key_id="bank-102-sign",
        key_version=version,
    )
    return sign_manifest(fields, signer)


def test_a_good_manifest_and_its_lines_verify(store: KeyStore) -> None:
    """The manifest verifies through the store with the key and version it names, lines included."""
    rows = make_rows(37)
    m = signed(store, rows)
    assert verify_manifest_with_store(m, store) is StoreVerdict.OK
    assert verify_manifest_with_store(m, store, rows) is StoreVerdict.OK


def test_changing_any_field_of_any_line_fails(store: KeyStore) -> None:
    """A change in any field of a line (a byte of its canonical form) makes the lines fail to verify."""
    rows = make_rows(9)
    m = signed(store, rows)
    for i in range(len(rows)):
        for f in range(12):
            row = list(rows[i])
            row[f] = row[f] + 1 if isinstance(row[f], int) else row[f][:-1] + chr(ord(row[f][-1]) ^ 1)
            changed = [*rows[:i], tuple(row), *rows[i + 1 :]]
            assert not verify_manifest_with_store(m, store, changed), (i, f)
    assert verify_manifest_with_store(m, store, rows[:-1]) is StoreVerdict.COUNT_MISMATCH


def test_changing_any_byte_of_the_manifest_fails(store: KeyStore) -> None:
    """Flipping a bit of any byte of the manifest's JSON makes it unparseable or unverifiable."""
    text = signed(store, make_rows(5)).to_json().encode()
    for i in range(len(text)):
        changed = bytearray(text)
        changed[i] ^= 0x01
        try:
            m = Manifest.from_json(bytes(changed))
        except SilinkError:
            continue  # refused as malformed: a failure, as it should be
        assert not verify_manifest_with_store(m, store), i


def test_changing_any_byte_of_a_proof_fails(store: KeyStore) -> None:
    """An inclusion proof verifies through the store; a flipped byte in any proof node, another index or
    another line does not."""
    rows = make_rows(13)
    m = signed(store, rows)
    hashes = leaf_hashes(map(canonical_row, rows), "SM3")
    for index in (0, 6, 12):
        proof = inclusion_proof(hashes, index, "SM3")
        assert verify_inclusion_with_store(m, store, rows[index], index, proof) is StoreVerdict.OK
        for n, node in enumerate(proof):
            for b in range(len(node)):
                bad = bytearray(node)
                bad[b] ^= 0x80
                broken = [*proof[:n], bytes(bad), *proof[n + 1 :]]
                assert (
                    verify_inclusion_with_store(m, store, rows[index], index, broken)
                    is StoreVerdict.PROOF_INVALID
                )
        assert not verify_inclusion_with_store(m, store, rows[index], (index + 1) % 13, proof)
        assert not verify_inclusion_with_store(m, store, rows[(index + 1) % 13], index, proof)


def test_old_manifests_verify_after_rotation_until_retired(store: KeyStore) -> None:
    """A manifest of version 1 still verifies after rotation, and fails with KEY_VERSION_RETIRED once
    min_version passes it; version 2 manifests are unaffected."""
    rows = make_rows(4)
    old = signed(store, rows)
    store.rotate("bank-102-sign")
    new = signed(store, rows)
    assert (old.key_version, new.key_version) == (1, 2)
    assert verify_manifest_with_store(old, store, rows) is StoreVerdict.OK
    store.set_min_version("bank-102-sign", 2)
    assert verify_manifest_with_store(old, store, rows) is StoreVerdict.KEY_VERSION_RETIRED
    assert verify_manifest_with_store(new, store, rows) is StoreVerdict.OK


def test_key_problems_are_named(store: KeyStore) -> None:
    """Revoked, unknown key and unknown version each give their own verdict, and a manifest that claims
    another key version does not verify."""
    m = signed(store, make_rows(3))
    assert (
        verify_manifest_with_store(dataclasses.replace(m, key_id="nobody"), store)
        is StoreVerdict.KEY_NOT_FOUND
    )
    assert (
        verify_manifest_with_store(dataclasses.replace(m, key_version=5), store)
        is StoreVerdict.KEY_VERSION_UNKNOWN
    )
    store.rotate("bank-102-sign")
    assert (
        verify_manifest_with_store(dataclasses.replace(m, key_version=2), store) is StoreVerdict.BAD_SIGNATURE
    )
    store.revoke("bank-102-sign", 1)
    assert verify_manifest_with_store(m, store) is StoreVerdict.KEY_REVOKED


def test_cli_verify_manifest_with_lines_and_after_retirement(home: Path, tmp_path: Path, silink) -> None:
    """`silink keys verify-manifest` exits 0 for a good manifest and lines, 1 with the verdict for changed
    lines, and 1 with KEY_VERSION_RETIRED after the version is retired."""
    from gateway.config import load_config
    from keys.datakey import load_master_key

    assert silink("keys", "create", "bank-102-sign", "--alg", "sm2", "--dir", home).code == 0
    store = KeyStore(home, load_master_key(load_config(home).master_key_path))
    rows = make_rows(6)
    (tmp_path / "m.json").write_text(signed(store, rows).to_json())
    (tmp_path / "lines.jsonl").write_text(
        "".join(json.dumps(list(r), ensure_ascii=False) + "\n" for r in rows)
    )
    bad_rows = [*rows[:2], rows[2]._replace(amount_fen=rows[2].amount_fen + 1), *rows[3:]]
    (tmp_path / "bad.jsonl").write_text(
        "".join(json.dumps(r._asdict(), ensure_ascii=False) + "\n" for r in bad_rows)
    )

    ok = silink(
        "keys",
        "verify-manifest",
        tmp_path / "m.json",
        "--lines",
        tmp_path / "lines.jsonl",
        "--dir",
        home,
        "--json",
    )
    assert (ok.code, ok.json()["verdict"]) == (0, "OK")
    bad = silink(
        "keys",
        "verify-manifest",
        tmp_path / "m.json",
        "--lines",
        tmp_path / "bad.jsonl",
        "--dir",
        home,
        "--json",
    )
    assert (bad.code, bad.json()["verdict"]) == (1, "CONTROL_SUM_MISMATCH")
    assert silink("keys", "rotate", "bank-102-sign", "--dir", home).code == 0
    assert silink("keys", "verify-manifest", tmp_path / "m.json", "--dir", home).code == 0
    assert silink("keys", "set-min-version", "bank-102-sign", "2", "--dir", home).code == 0
    retired = silink("keys", "verify-manifest", tmp_path / "m.json", "--dir", home, "--json")
    assert (retired.code, retired.json()["verdict"]) == (1, "KEY_VERSION_RETIRED")
