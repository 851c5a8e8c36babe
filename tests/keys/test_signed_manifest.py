"""Signed manifests: round trips, canonical JSON, and a precise verdict for every kind of tampering."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from gateway.errors import InvalidInput
from keys.algorithms import BACKENDS, get_backend
from keys.algorithms import SignatureAlgorithm as S
from keys.canonical import PaymentLine
from keys.manifest import (
    Manifest,
    ManifestFields,
    Verdict,
    sign_manifest,
    summarize_lines,
    verify_manifest,
)
from keys.merkle import inclusion_proof, merkle_root, verify_inclusion

BANK, FUND = "102100099996", "3301000000123"


def _rows(n: int = 25) -> list[PaymentLine]:
    return [
        PaymentLine(
            i,
            f"E2E{i:013d}",
            BANK,
            f"62220202{i:08d}",
            "CARD",
            "李四",
            "RESIDENT_ID",
            f"1101051949123{i:04d}X",
            100_000 + i,
            "PENSION_EMPLOYEE",
            "2026-05",
            FUND,
        )
        for i in range(1, n + 1)
    ]


def _fields(rows: list[PaymentLine], hash_alg: str = "SM3") -> ManifestFields:
    return ManifestFields.for_lines(
        submission_id="SUB-2026-05-0001", bank_code=BANK, fund_account=FUND, rows=rows,
        hash_alg=hash_alg, key_id="release-signing", key_version=3,
    )  # fmt: skip


@pytest.fixture(scope="module")
def sm2():
    return get_backend().generate(S.SM2_SM3)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("alg", list(S))
def test_sign_and_verify_with_every_algorithm(backend: str, alg: S) -> None:
    """A manifest signed with each algorithm verifies with the public key alone, with and without lines."""
    rows = _rows()
    signer = get_backend(backend).generate(alg)
    m = sign_manifest(_fields(rows, "SHA-256" if alg is not S.SM2_SM3 else "SM3"), signer)
    verifier = get_backend(backend).load_verifier(alg, signer.public_pem())
    assert verify_manifest(m, verifier) is Verdict.OK
    assert verify_manifest(m, verifier, rows) is Verdict.OK
    assert m.signature_alg == alg


def test_fields_are_computed_from_the_lines(sm2) -> None:
    """for_lines counts the lines, sums the fen and takes the RFC 9162 root of the canonical lines."""
    rows = _rows(10)
    f = _fields(rows, "SHA-256")
    assert f.line_count == 10
    assert f.control_sum_fen == sum(r.amount_fen for r in rows)
    from keys.canonical import canonical_row

    assert f.merkle_root == merkle_root([canonical_row(r) for r in rows]).hex()


def test_json_round_trip_and_canonical_payload(sm2) -> None:
    """to_json/from_json round-trip; the signed payload is sorted, whitespace-free JSON without the
    signature, and the signature really covers it."""
    m = sign_manifest(_fields(_rows()), sm2)
    assert Manifest.from_json(m.to_json()) == m
    payload = m.signed_payload()
    obj = json.loads(payload)
    assert "signature" not in obj
    assert payload == json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert sm2.verify(payload, base64.b64decode(m.signature))
    assert m.format == "silink-manifest-v1" and m.line_format == "silink-line-v1"
    assert len(m.nonce) == 32 and m.created_at.endswith("Z")


def test_each_signing_gets_a_fresh_nonce(sm2) -> None:
    """Signing the same fields twice gives different nonces (and so different payloads)."""
    f = _fields(_rows(3))
    assert sign_manifest(f, sm2).nonce != sign_manifest(f, sm2).nonce


TAMPER = {
    "submission_id": "SUB-2026-05-0002",
    "bank_code": "103100000026",
    "fund_account": "3301000000999",
    "line_count": 26,
    "control_sum_fen": 1,
    "merkle_root": "00" * 32,
    "hash_alg": "SHA-256",
    "key_id": "other",
    "key_version": 4,
    "created_at": "2020-01-01T00:00:00.000Z",
    "nonce": "ab" * 16,
}


@pytest.mark.parametrize("field", sorted(TAMPER))
def test_tampering_any_signed_field_is_a_bad_signature(sm2, field: str) -> None:
    """Changing any signed field of a manifest gives BAD_SIGNATURE (and not OK with or without lines)."""
    m = sign_manifest(_fields(_rows()), sm2)
    forged = dataclasses.replace(m, **{field: TAMPER[field]})
    assert verify_manifest(forged, sm2) is Verdict.BAD_SIGNATURE
    assert not verify_manifest(forged, sm2, _rows())


def test_tampering_the_signature_or_its_encoding(sm2) -> None:
    """A flipped signature byte, a non-base64 signature or an empty one gives BAD_SIGNATURE."""
    m = sign_manifest(_fields(_rows()), sm2)
    raw = bytearray(base64.b64decode(m.signature))
    raw[10] ^= 1
    for sig in (base64.b64encode(bytes(raw)).decode(), "not base64!", ""):
        assert verify_manifest(dataclasses.replace(m, signature=sig), sm2) is Verdict.BAD_SIGNATURE


def test_structural_problems_are_malformed(sm2) -> None:
    """Unknown format or hash, non-hex root, wrong-length nonce, bad time or a bool count is MALFORMED."""
    m = sign_manifest(_fields(_rows()), sm2)
    for change in (
        {"format": "silink-manifest-v2"},
        {"line_format": "silink-line-v0"},
        {"hash_alg": "MD5"},
        {"merkle_root": "ZZ" * 32},
        {"merkle_root": "AB" * 32},
        {"nonce": "ab"},
        {"created_at": "yesterday"},
        {"created_at": "2026-13-45T00:00:00Z"},
        {"line_count": True},
        {"line_count": -1},
        {"submission_id": ""},
    ):
        assert verify_manifest(dataclasses.replace(m, **change), sm2) is Verdict.MALFORMED, change


def test_another_algorithm_or_key_is_refused(sm2) -> None:
    """Another algorithm's verifier gives ALGORITHM_MISMATCH; another key of the same one, BAD_SIGNATURE."""
    m = sign_manifest(_fields(_rows()), sm2)
    assert verify_manifest(m, get_backend().generate(S.ED25519)) is Verdict.ALGORITHM_MISMATCH
    assert verify_manifest(m, get_backend().generate(S.SM2_SM3)) is Verdict.BAD_SIGNATURE
    relabelled = dataclasses.replace(m, signature_alg="ED25519")
    assert verify_manifest(relabelled, get_backend().generate(S.ED25519)) is Verdict.BAD_SIGNATURE


def test_line_tampering_gets_a_precise_verdict(sm2) -> None:
    """Dropped, added, re-priced, swapped, renamed, reordered, foreign and broken lines each get their own
    verdict."""
    rows = _rows()
    m = sign_manifest(_fields(rows), sm2)
    swapped = list(rows)
    swapped[0], swapped[1] = (
        rows[0]._replace(amount_fen=rows[1].amount_fen),
        rows[1]._replace(amount_fen=rows[0].amount_fen),
    )
    cases = [
        (rows[:-1], Verdict.COUNT_MISMATCH),
        ([*rows, rows[0]._replace(seq=99)], Verdict.COUNT_MISMATCH),
        ([rows[0]._replace(amount_fen=rows[0].amount_fen + 1), *rows[1:]], Verdict.CONTROL_SUM_MISMATCH),
        (swapped, Verdict.ROOT_MISMATCH),
        ([rows[0]._replace(name="王五"), *rows[1:]], Verdict.ROOT_MISMATCH),
        ([rows[0]._replace(account="6222999999999999"), *rows[1:]], Verdict.ROOT_MISMATCH),
        ([rows[1], rows[0], *rows[2:]], Verdict.ROOT_MISMATCH),
        ([rows[0]._replace(bank_code="103100000026"), *rows[1:]], Verdict.LINE_OUTSIDE_SUBMISSION),
        ([rows[0]._replace(fund_account="3301000000999"), *rows[1:]], Verdict.LINE_OUTSIDE_SUBMISSION),
        ([rows[0]._replace(name=None), *rows[1:]], Verdict.LINE_MALFORMED),
        ([("short",), *rows[1:]], Verdict.LINE_MALFORMED),
    ]
    for lines, verdict in cases:
        assert verify_manifest(m, sm2, lines) is verdict
    assert verify_manifest(m, sm2, iter(rows)) is Verdict.OK


def test_only_ok_is_truthy() -> None:
    """Every verdict but OK is falsy, so `if verify_manifest(...)` cannot accept a failure."""
    assert [v for v in Verdict if v] == [Verdict.OK]


def test_from_json_is_strict() -> None:
    """Missing or unknown keys, wrong JSON types (bool or str for numbers) and non-JSON raise MALFORMED."""
    m = sign_manifest(_fields(_rows(3)), get_backend().generate(S.ED25519))
    good = json.loads(m.to_json())
    bad_docs = [
        "not json",
        "[]",
        json.dumps({k: v for k, v in good.items() if k != "nonce"}),
        json.dumps({**good, "extra": 1}),
        json.dumps({**good, "line_count": True}),
        json.dumps({**good, "line_count": "3"}),
        json.dumps({**good, "key_id": 5}),
    ]
    for doc in bad_docs:
        with pytest.raises(InvalidInput) as err:
            Manifest.from_json(doc)
        assert err.value.reason == "MANIFEST_MALFORMED"


def test_lines_of_another_bank_cannot_be_sealed() -> None:
    """for_lines refuses rows of another bank or fund account: a manifest never covers foreign lines."""
    rows = [*_rows(3), _rows(1)[0]._replace(bank_code="103100000026")]
    with pytest.raises(InvalidInput) as err:
        _fields(rows)
    assert err.value.reason == "LINES_OUTSIDE_SUBMISSION"


def test_sign_refuses_malformed_fields(sm2) -> None:
    """sign_manifest will not sign fields that verify_manifest would call MALFORMED."""
    f = dataclasses.replace(_fields(_rows(2)), merkle_root="xyz")
    with pytest.raises(InvalidInput) as err:
        sign_manifest(f, sm2)
    assert err.value.reason == "MANIFEST_MALFORMED"


def test_a_line_can_be_proven_from_kept_leaf_hashes(sm2) -> None:
    """The leaf hashes kept by summarize_lines prove any one line against the signed manifest's root."""
    rows = _rows(13)
    summary = summarize_lines(rows, "SM3", keep_leaf_hashes=True)
    m = sign_manifest(_fields(rows), sm2)
    assert summary.merkle_root.hex() == m.merkle_root
    from keys.canonical import canonical_row

    proof = inclusion_proof(summary.leaf_hashes, 5, "SM3")
    assert verify_inclusion(
        canonical_row(rows[5]), 5, m.line_count, proof, bytes.fromhex(m.merkle_root), "SM3"
    )


def test_every_single_character_change_of_the_signature_text_fails(tmp_path):
    """Flipping any bit of any character of the base64 signature makes verification fail."""
    import dataclasses

    from keys.algorithms import SignatureAlgorithm, get_backend
    from keys.manifest import ManifestFields, sign_manifest, verify_manifest

    signer = get_backend().generate(SignatureAlgorithm.ECDSA_P256_SHA256)
    rows = [
        (
            1,
            "S000001000000001",
            "102",
            "6222020200112233445",
            "CARD",
            "张三",
            "RESIDENT_ID",
            "11010519491231002X",
            100,
            "PENSION_EMPLOYEE",
            "2026-11",
            "370100000000100001",
        )
    ]
    fields = ManifestFields.for_lines(
        submission_id="SLK1",
        bank_code="102",
        fund_account="370100000000100001",
        rows=rows,
        hash_alg="SHA-256",
        key_id="gw-102",
        key_version=1,
    )
    m = sign_manifest(fields, signer)
    accepted = 0
    for i, ch in enumerate(m.signature):
        for bit in range(7):
            changed = chr(ord(ch) ^ (1 << bit))
            if changed == ch:
                continue
            tampered = dataclasses.replace(m, signature=m.signature[:i] + changed + m.signature[i + 1 :])
            if verify_manifest(tampered, signer.verifier()):
                accepted += 1
    assert accepted == 0
