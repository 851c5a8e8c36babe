"""`silink keys reencrypt`: personal data moves to the current data-key version, in chunks, resumably."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import load_config
from gateway.domain.batches import open_pii
from gateway.storage import Database
from gateway.storage.tables import batch_lines, batches
from keys.datakey import DataProtector, key_id_of, load_master_key
from keys.reencrypt import reencrypt_pii
from keys.store import KeyStore

REPO = Path(__file__).resolve().parents[2]
SEP = "\x1f"


def synthetic(i: int) -> tuple[str, str, str]:
    # Not real-looking numbers: nothing here may resemble an ID or card number in a log or report.
    return f"TESTID{i:08d}", f"测试{i}", f"TESTACCT{i:06d}"


def fill(home: Path, n: int) -> dict[str, tuple[str, str, str]]:
    """One batch of ``n`` lines sealed the way intake seals them (legacy dk1 key); returns ref → values."""
    cfg = load_config(home)
    legacy = DataProtector(load_master_key(cfg.master_key_path))
    db = Database(cfg.database_url)
    now = "2026-11-25T00:00:00.000000+00:00"
    expected = {}
    try:
        with db.write() as conn:
            batch_id = conn.execute(
                batches.insert().values(
                    state="VALIDATED", fund="PENSION_EMPLOYEE", fund_account="370100000000100001",
                    period="2026-11", title="t", source_name="t.csv", creator="officer:wang", line_count=n,
                    total_amount_fen=n * 100, rejected_count=0, created_at=now, updated_at=now,
                )
            ).inserted_primary_key[0]  # fmt: skip
            rows = []
            for i in range(1, n + 1):
                ref = f"R{i:011d}"
                values = synthetic(i)
                expected[ref] = values
                rows.append(
                    dict(
                        batch_id=batch_id,
                        line_number=i,
                        e2e_ref=ref,
                        state="VALID",
                        benefit="PENSION_EMPLOYEE",
                        period="2026-11",
                        id_type="RESIDENT_ID",
                        account_type="CARD",
                        bank_code="102",
                        amount_fen=100,
                        region="370100",
                        client_ref="",
                        id_hash=i.to_bytes(16, "big"),
                        account_hash=i.to_bytes(16, "big"),
                        pii=legacy.encrypt(SEP.join(values), ref.encode()),
                        id_masked="x",
                        name_masked="x",
                        account_masked="x",
                        claim=False,
                        updated_at=now,
                    )
                )
            conn.execute(batch_lines.insert(), rows)
    finally:
        db.dispose()
    return expected


def key_ids(home: Path) -> dict[str, int]:
    db = Database(load_config(home).database_url)
    try:
        with db.read() as conn:
            counts: dict[str, int] = {}
            for (blob,) in conn.execute(select(batch_lines.c.pii)):
                kid = key_id_of(bytes(blob))
                counts[kid] = counts.get(kid, 0) + 1
            return counts
    finally:
        db.dispose()


def undecryptable(home: Path, expected: dict[str, tuple[str, str, str]]) -> int:
    """How many lines do not open to their original values with the instance's current protector."""
    cfg = load_config(home)
    protector = DataProtector.from_store(KeyStore(home, load_master_key(cfg.master_key_path)))
    db = Database(cfg.database_url)
    bad = 0
    try:
        with db.read() as conn:
            for ref, blob in conn.execute(select(batch_lines.c.e2e_ref, batch_lines.c.pii)):
                try:
                    bad += open_pii(protector, ref, bytes(blob)) != expected[ref]
                except Exception:
                    bad += 1
    finally:
        db.dispose()
    return bad


class Interrupted(Exception):
    pass


def test_reencrypt_resumes_after_an_interruption(instance: Path, silink) -> None:
    """Interrupted after two chunks, the job leaves every line readable (some old, some new key); run
    again it finishes the rest only; then the old version can be retired and every line still opens."""
    expected = fill(instance, 53)
    assert silink("keys", "rotate", "data", "--dir", instance).code == 0
    cfg = load_config(instance)
    store = KeyStore(instance, load_master_key(cfg.master_key_path))
    db = Database(cfg.database_url)

    def crash_after_two(done: int, total: int) -> None:
        if done >= 20:
            raise Interrupted

    try:
        with pytest.raises(Interrupted):
            reencrypt_pii(db, DataProtector.from_store(store), batch_size=10, on_chunk=crash_after_two)
    finally:
        db.dispose()
    assert key_ids(instance) == {"data-v2": 20, "dk1": 33}
    assert undecryptable(instance, expected) == 0

    r = silink("keys", "reencrypt", "--batch-size", "10", "--dir", instance, "--json")
    assert r.code == 0
    assert r.json() == {"key_id": "data-v2", "rows": 33, "chunks": 4, "remaining": 0}
    assert r.err.count("chunk ") == 4  # one progress line per chunk (stderr, since stdout carries JSON)
    assert key_ids(instance) == {"data-v2": 53}

    assert silink("keys", "set-min-version", "data", "2", "--dir", instance).code == 0
    assert undecryptable(instance, expected) == 0
    again = silink("keys", "reencrypt", "--dir", instance, "--json").json()
    assert (again["rows"], again["remaining"]) == (0, 0)


def test_reencrypt_survives_a_killed_process(home: Path, silink) -> None:
    """`silink keys reencrypt` killed with SIGKILL mid-run loses nothing: a second run completes it and
    every line opens with the new key version."""
    expected = fill(home, 1000)
    assert silink("keys", "rotate", "data", "--dir", home).code == 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "keys",
            "reencrypt",
            "--batch-size",
            "5",
            "--dir",
            str(home),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    assert all(line.startswith(b"chunk ") for line in lines)  # a line per chunk when not on a terminal
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    moved = key_ids(home).get("data-v2", 0)
    assert 15 <= moved < 1000
    assert undecryptable(home, expected) == 0
    r = silink("keys", "reencrypt", "--batch-size", "100", "--dir", home, "--json").json()
    assert r["rows"] == 1000 - moved and r["remaining"] == 0
    assert key_ids(home) == {"data-v2": 1000}
    assert undecryptable(home, expected) == 0
