"""`silink batch release` and `silink batch watch` against a real server: the progress they print is the
server's own count (release) and the database's per bank and state totals (watch)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from gateway.config import load_config
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from tests.batches.conftest import make_payroll

_PROGRESS = re.compile(r"releasing (B\d+): ([\d,]+) of ([\d,]+) lines in ([\d,]+) signed submissions")
_RELEASED = re.compile(r"released (B\d+): ([\d,]+) signed submissions")


def _cli(server, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "gateway.cli.main", "batch", *args, "--dir", str(server.home)]
    cmd += ["--server", server.target]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _n(text: str) -> int:
    return int(text.replace(",", ""))


def _db_picture(server, batch_ref: str) -> tuple[int, int, dict[tuple[str, str], tuple[int, int]]]:
    """(lines in submissions, submissions, {(bank, state): (lines, fen)}) straight from the database."""
    batch_id = int(batch_ref[1:])
    db = Database(load_config(server.home).database_url)
    try:
        with db.read() as conn:
            placed = conn.execute(
                select(func.count()).where(
                    batch_lines.c.batch_id == batch_id, batch_lines.c.submission_id.is_not(None)
                )
            ).scalar_one()
            subs = conn.execute(
                select(func.count()).select_from(submissions).where(submissions.c.batch_id == batch_id)
            ).scalar_one()
            per = {
                (r.bank_code, r.state): (int(r.n), int(r.fen))
                for r in conn.execute(
                    select(
                        batch_lines.c.bank_code,
                        batch_lines.c.state,
                        func.count().label("n"),
                        func.sum(batch_lines.c.amount_fen).label("fen"),
                    )
                    .where(batch_lines.c.batch_id == batch_id)
                    .group_by(batch_lines.c.bank_code, batch_lines.c.state)
                )
            }
    finally:
        db.dispose()
    return placed, subs, per


def test_release_prints_the_servers_running_count_then_watch_shows_bank_and_state_totals(
    api, tmp_path, server
):
    path = make_payroll(tmp_path, 20_000, seed=71)
    created = api("officer:wang").submit(path)
    batch = api("approver:li").approve(created.batch)

    rel = _cli(server, "release", batch.batch_id, "--as", "approver:li")
    assert rel.returncode == 0, rel.stderr
    placed, subs, per = _db_picture(server, batch.batch_id)
    assert placed > 0 and subs > 1

    progress = [m.groups() for m in _PROGRESS.finditer(rel.stderr)]
    assert progress, f"no live release progress printed:\n{rel.stderr}"
    done = [_n(p[1]) for p in progress]
    written = [_n(p[3]) for p in progress]
    assert {p[0] for p in progress} == {batch.batch_id}
    assert {_n(p[2]) for p in progress} == {placed}  # the total is the lines the release placed
    assert done == sorted(done) and written == sorted(written)  # counts only ever grow
    assert all(d <= placed for d in done) and all(w <= subs for w in written)
    (final,) = _RELEASED.findall(rel.stderr)
    assert final == (batch.batch_id, f"{subs:,}")
    assert "RELEASED" in rel.stdout or "DISPATCHING" in rel.stdout  # then the batch, as `batch status`

    snap = _cli(server, "watch", batch.batch_id, "--as", "officer:wang", "--json", timeout=60)
    assert snap.returncode == 0, snap.stderr
    data = json.loads(snap.stdout)  # one snapshot, then the command ends
    assert data["batch_id"] == batch.batch_id and data["submissions_total"] == subs
    by_bank = {
        (bank, state): (v["lines"], v["amount_fen"])
        for bank, states in data["lines_by_bank"].items()
        for state, v in states.items()
    }
    # Dispatch may have moved lines since; the snapshot and a database read right after must agree on
    # every line being counted exactly once, with the same sums.
    _placed, _subs, now = _db_picture(server, batch.batch_id)
    assert sum(n for n, _ in by_bank.values()) == sum(n for n, _ in now.values()) == batch.line_count
    assert sum(f for _, f in by_bank.values()) == sum(f for _, f in now.values())
    assert {b for b, _ in by_bank} == {b for b, _ in per}


def test_watch_prints_a_table_per_change_and_ends_when_every_line_is_final(api, tmp_path, server):
    path = make_payroll(tmp_path, 50, seed=72)
    created = api("officer:wang").submit(path)
    api("officer:wang").dis.CancelBatch(
        dpb.CancelBatchRequest(request_id="c1", batch_id=created.batch.batch_id, reason="wrong period"),
        timeout=60,
    )
    out = _cli(server, "watch", created.batch.batch_id, "--as", "officer:wang", timeout=60)
    assert out.returncode == 0, out.stderr
    _placed, _subs, per = _db_picture(server, created.batch.batch_id)
    assert f"{created.batch.batch_id} CANCELLED" in out.stdout
    assert "every line is final" in out.stdout
    for (bank, state), (n, _fen) in per.items():
        row = next(ln for ln in out.stdout.splitlines() if ln.strip("│ ").startswith(bank))
        assert f"{n:,} · " in row, (bank, state, row)
