"""Release: an approved batch becomes signed submissions per bank, queued in the outbox, atomically."""

from __future__ import annotations

import grpc
import pytest
from grpc_status import rpc_status
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select, text

from gateway.config import load_config
from gateway.server.status import error_info_of
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import outbox, submissions
from keys.datakey import load_master_key
from keys.manifest import Manifest
from keys.store import KeyStore, verify_manifest_with_store
from tests.batches.conftest import make_payroll, valid_ids


def _release(api, batch_id: str, rid: str = "rel-1") -> dpb.Batch:
    return (
        api("approver:li")
        .dis.ReleaseBatch(dpb.ReleaseBatchRequest(request_id=rid, batch_id=batch_id), timeout=300)
        .batch
    )


def _approved(api, tmp_path, payees: int, seed: int, statuses=()):
    path = make_payroll(tmp_path, payees, seed=seed)
    created = api("officer:wang").submit(path)
    if statuses:
        ids = valid_ids(path)
        api("admin:zhou").statuses([(ids[n], s) for n, s in statuses])
    return api("approver:li").approve(created.batch), path


def test_release_splits_per_bank_in_chunks_with_verifiable_manifests(api, tmp_path, server):
    """Each bank's PENDING lines go into submissions of at most its chunk size; every manifest verifies."""
    batch, _path = _approved(api, tmp_path, 14_000, 41, statuses=[(2, "DECEASED")])
    released = _release(api, batch.batch_id)
    assert released.state == dpb.Batch.STATE_RELEASED and released.releaser == "approver:li"
    cfg = load_config(server.home)
    db = Database(cfg.database_url)
    store = KeyStore(cfg.home, load_master_key(cfg.master_key_path))
    try:
        with db.read() as conn:
            subs = conn.execute(select(submissions)).mappings().all()
            per_bank: dict[str, int] = {}
            for s in subs:
                assert s["line_count"] <= int(cfg.banks[s["bank_code"]]["chunk_size"])
                per_bank[s["bank_code"]] = per_bank.get(s["bank_code"], 0) + s["line_count"]
                lines = conn.execute(
                    select(func.count(), func.sum(batch_lines.c.amount_fen)).where(
                        batch_lines.c.submission_id == s["id"]
                    )
                ).one()
                assert (lines[0], lines[1]) == (s["line_count"], s["control_sum_fen"])
                verdict = verify_manifest_with_store(Manifest.from_json(s["manifest"]), store)
                assert str(verdict) == "OK", verdict
            pending = conn.execute(
                select(batch_lines.c.bank_code, func.count())
                .where(batch_lines.c.state == "PENDING")
                .group_by(batch_lines.c.bank_code)
            ).all()
            assert per_bank == {b: n for b, n in pending}
            held_unsent = conn.execute(
                select(func.count()).where(
                    batch_lines.c.state == "HELD", batch_lines.c.submission_id.is_not(None)
                )
            ).scalar()
            assert held_unsent == 0
            queued = conn.execute(
                select(func.count()).select_from(outbox).where(outbox.c.kind == "SEND")
            ).scalar()
            pushed = [s for s in subs if cfg.banks[s["bank_code"]]["adapter"] != "banklink"]
            assert queued == len(pushed) and len(subs) > len(per_bank)  # 403 has 3,000-line chunks
    finally:
        db.dispose()


def test_release_is_idempotent_and_only_once(api, tmp_path):
    """Replaying the release request returns the same batch; a second release request is refused."""
    batch, _ = _approved(api, tmp_path, 300, 42)
    first = _release(api, batch.batch_id, "r1")
    again = _release(api, batch.batch_id, "r1")
    assert again == first
    with pytest.raises(grpc.RpcError) as exc:
        _release(api, batch.batch_id, "r2")
    assert error_info_of(rpc_status.from_call(exc.value)).reason == "INVALID_TRANSITION"


def test_release_refuses_tampered_content_and_leaves_nothing(api, tmp_path, server):
    """A stored account changed after approval stops the release; no submission or outbox row remains."""
    batch, _ = _approved(api, tmp_path, 200, 43)
    db = Database(load_config(server.home).database_url)
    try:
        with db.write() as conn:
            conn.execute(text("UPDATE batch_lines SET amount_fen = amount_fen + 1 WHERE line_number = 9"))
        with pytest.raises(grpc.RpcError) as exc:
            _release(api, batch.batch_id)
        assert error_info_of(rpc_status.from_call(exc.value)).reason == "CONTENT_TAMPERED"
        with db.read() as conn:
            assert conn.execute(select(func.count()).select_from(submissions)).scalar() == 0
            assert conn.execute(select(func.count()).select_from(outbox)).scalar() == 0
    finally:
        db.dispose()


def test_keys_prove_gives_a_verifying_inclusion_proof_and_catches_a_changed_line(api, tmp_path, server):
    """`silink keys prove` proves a released line; after the stored amount changes it exits 1."""
    import json
    import subprocess
    import sys

    batch, _ = _approved(api, tmp_path, 300, 44)
    _release(api, batch.batch_id)
    db = Database(load_config(server.home).database_url)
    try:
        with db.read() as conn:
            ref, e2e = conn.execute(
                text(
                    "SELECT s.bank_reference, l.e2e_ref FROM submissions s "
                    "JOIN batch_lines l ON l.submission_id = s.id ORDER BY l.id LIMIT 1 OFFSET 7"
                )
            ).one()
        cmd = [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "keys",
            "prove",
            ref,
            e2e,
            "--dir",
            str(server.home),
            "--json",
        ]
        ok = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert ok.returncode == 0, ok.stderr
        out = json.loads(ok.stdout)
        assert out["verdict"] == "OK" and out["end_to_end_ref"] == e2e and out["proof"]
        with db.write() as conn:
            conn.execute(
                text("UPDATE batch_lines SET amount_fen = amount_fen + 1 WHERE e2e_ref = :r"), {"r": e2e}
            )
        bad = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 1
        assert json.loads(bad.stdout)["verdict"] != "OK"
    finally:
        db.dispose()
