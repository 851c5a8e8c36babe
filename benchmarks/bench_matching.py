"""Reconciliation matching throughput: exact-reference matching, in memory and through the database.

Two figures, because they measure different things:

* **core**: :func:`reconciliation.matcher.match_exact`, the dict join the matcher runs over every entry
  (end-to-end reference, else batch reference + line sequence, else UETR), on one core, with the index
  and the entries already in memory. Entries are 90% named by end-to-end reference, 8% by batch
  reference + sequence, 2% by nothing of ours.
* **db**: one whole :func:`reconciliation.matcher.run` on SQLite: load the line index and the entries,
  match, write one claim per (line, role), and run every exception check, in one transaction. Each line
  has a bank result (a 回盘-style line naming batch reference + sequence) and a statement debit naming
  its end-to-end reference; the entries are inserted directly (parsing is measured by bench_parsers).

Run as a script: ``.venv/bin/python -m benchmarks.bench_matching [--core-entries N] [--db-lines N]``, one
JSON line per figure; or under pytest-benchmark: ``.venv/bin/pytest benchmarks/bench_matching.py
--benchmark-only``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(_ROOT))

from sqlalchemy import func, insert, select  # noqa: E402 - after the path fix above

from gateway.storage import Database, migrate  # noqa: E402
from gateway.storage.tables import batch_lines, batches  # noqa: E402
from gateway.storage.tables_dispatch import submissions  # noqa: E402
from gateway.storage.tables_recon import (  # noqa: E402
    recon_entries,
    recon_imports,
    recon_matches,
    recon_statements,
)
from reconciliation import matcher  # noqa: E402

FUND = "370100000000100001"
SENT = "2025-01-05T09:00:00+08:00"
TODAY = date(2025, 1, 31)
LINES_PER_SUBMISSION = 3_000


# -- the in-memory core -----------------------------------------------------------------------------


def core_inputs(entries: int, *, seed: int = 7) -> tuple[list[tuple], dict, dict, dict]:
    """``entries`` entry tuples and the three indexes over as many lines."""
    rng = random.Random(seed)
    by_e2e: dict[str, int] = {}
    by_batch_seq: dict[tuple[str, int], int] = {}
    for line_id in range(1, entries + 1):
        batch, seq = divmod(line_id - 1, LINES_PER_SUBMISSION)
        by_e2e[f"S{batch:06d}{seq + 1:09d}"] = line_id
        by_batch_seq[(f"SLK{batch:012d}", seq + 1)] = line_id
    rows = []
    for entry_id in range(1, entries + 1):
        line_id = rng.randint(1, entries)
        batch, seq = divmod(line_id - 1, LINES_PER_SUBMISSION)
        roll = rng.random()
        if roll < 0.90:
            rows.append((entry_id, f"S{batch:06d}{seq + 1:09d}", None, None, None))
        elif roll < 0.98:
            rows.append((entry_id, None, f"SLK{batch:012d}", seq + 1, None))
        else:
            rows.append((entry_id, f"NOTOURS{entry_id:09d}", None, None, f"uetr-{entry_id}"))
    return rows, by_e2e, by_batch_seq, {}


def match_core(rows: list[tuple], by_e2e: dict, by_batch_seq: dict, by_uetr: dict) -> int:
    return sum(1 for _ in matcher.match_exact(rows, by_e2e, by_batch_seq, by_uetr))


def time_core(entries: int, rounds: int = 3) -> dict:
    rows, by_e2e, by_bs, by_uetr = core_inputs(entries)
    best = best_cpu = float("inf")
    matched = 0
    gc.disable()  # the loop allocates little; keep the collector's pauses out of the figure
    try:
        for _ in range(rounds):
            start, start_cpu = time.perf_counter(), time.process_time()
            matched = match_core(rows, by_e2e, by_bs, by_uetr)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
    finally:
        gc.enable()
    return {
        "figure": "core",
        "entries": entries,
        "matched": matched,
        "seconds": round(best, 4),
        "entries_per_s": round(entries / best),
        # CPU time of this process only: what one core does when other work shares the machine.
        "cpu_seconds": round(best_cpu, 4),
        "entries_per_cpu_s": round(entries / best_cpu),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


# -- through the database ---------------------------------------------------------------------------


def seed_database(db: Database, lines: int) -> int:
    """``lines`` released lines in submissions of 3,000, each with a result and a statement debit;
    returns the number of entries."""
    with db.write() as conn:
        subs = []
        for n in range(0, lines, LINES_PER_SUBMISSION):
            count = min(LINES_PER_SUBMISSION, lines - n)
            batch_id = conn.execute(
                insert(batches).values(
                    state="RELEASED",
                    fund="PENSION_EMPLOYEE",
                    fund_account=FUND,
                    period="2025-01",
                    title="bench",
                    source_name="bench.csv",
                    creator="maker:a",
                    approver="checker:b",
                    releaser="release:ops",
                    line_count=count,
                    total_amount_fen=0,
                    rejected_count=0,
                    created_at=SENT,
                    updated_at=SENT,
                )
            ).inserted_primary_key[0]
            ref = f"SLK{len(subs):012d}"
            sub_id = conn.execute(
                insert(submissions).values(
                    batch_id=batch_id,
                    seq_in_batch=1,
                    bank_code="308",
                    adapter="fixed_width_file",
                    fund="PENSION_EMPLOYEE",
                    fund_account=FUND,
                    bank_reference=ref,
                    state="ACCEPTED",
                    line_count=count,
                    control_sum_fen=0,
                    merkle_root="0" * 64,
                    manifest="{}",
                    attempts=1,
                    created_at=SENT,
                    sent_at=SENT,
                    updated_at=SENT,
                )
            ).inserted_primary_key[0]
            subs.append((batch_id, sub_id, ref, count))
        rng = random.Random(11)
        line_rows, results, bookings = [], [], []
        for batch_id, sub_id, ref, count in subs:
            for seq in range(1, count + 1):
                e2e = f"S{batch_id:06d}{seq:09d}"
                amount = rng.randint(10_000, 800_000)
                key = e2e.encode()[:16].ljust(16, b"k")
                line_rows.append(
                    {
                        "batch_id": batch_id,
                        "line_number": seq,
                        "e2e_ref": e2e,
                        "state": "SETTLED",
                        "benefit": "PENSION_EMPLOYEE",
                        "period": "2025-01",
                        "id_type": "RESIDENT_ID",
                        "account_type": "CARD",
                        "bank_code": "308",
                        "amount_fen": amount,
                        "region": "370100",
                        "client_ref": f"c{e2e}",
                        "id_hash": key,
                        "account_hash": key,
                        "pii": b"sealed",
                        "id_masked": "3701**********0011",
                        "name_masked": "张*",
                        "account_masked": "622202*********0001",
                        "claim": False,
                        "updated_at": SENT,
                        "submission_id": sub_id,
                    }
                )
                results.append(_entry(f"r{ref}/{seq}", "fixed_width", "STATUS", "SETTLED", amount, ref, seq))
                bookings.append(_entry(f"b{e2e}", "camt.053", "BOOKED", "BOOKED", amount, None, None, e2e))
        conn.execute(insert(batch_lines), line_rows)
        imp = conn.execute(
            insert(recon_imports).values(
                content_hash="sha-256:bench",
                file_name="bench",
                format="camt.053",
                account=FUND,
                entries=len(results) + len(bookings),
                statements=1,
                principal="import:bench",
                imported_at=SENT,
            )
        ).inserted_primary_key[0]
        stmt = conn.execute(
            insert(recon_statements).values(
                import_id=imp, position="/Stmt[1]", kind="BOOKED", account=FUND, statement_number=1
            )
        ).inserted_primary_key[0]
        for r in results:
            r["import_id"] = imp
        for b in bookings:
            b["import_id"], b["statement_id"] = imp, stmt
        conn.execute(insert(recon_entries), results + bookings)
    return len(results) + len(bookings)


def _entry(pos, fmt, kind, status, amount, batch_ref, seq, e2e=None) -> dict:
    return {
        "statement_id": None,
        "parent_id": None,
        "position": pos,
        "source_format": fmt,
        "kind": kind,
        "status": status,
        "scope": "TRANSACTION",
        "direction": "DEBIT",
        "amount_minor": amount,
        "currency": "CNY",
        "booking_date": "2025-01-06",
        "value_date": "2025-01-06",
        "account": FUND if kind == "BOOKED" else None,
        "e2e_ref": e2e,
        "batch_ref": batch_ref,
        "line_seq": seq,
        "uetr": None,
        "message_ref": None,
        "bank_ref": None,
        "reason_list": None,
        "reason_code": None,
        "raw_code": None,
        "raw_text": None,
        "reversal": False,
        "batch_booked": False,
        "nb_of_txs": None,
    }


def time_db(lines: int, folder: Path) -> list[dict]:
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    migrate(db)
    entries = seed_database(db, lines)
    out = []
    for name in ("db_first_run", "db_rerun_noop"):
        start = time.perf_counter()
        start_cpu = time.process_time()
        summary = matcher.run(db, today=TODAY)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        with db.read() as conn:
            claims = conn.execute(select(func.count()).select_from(recon_matches)).scalar()
        assert claims == 2 * lines, claims
        assert summary.new_matches == (2 * lines if name == "db_first_run" else 0)
        out.append(
            {
                "figure": name,
                "backend": "sqlite",
                "lines": lines,
                "entries": entries,
                "new_matches": summary.new_matches,
                "seconds": round(elapsed, 3),
                "entries_per_s": round(entries / elapsed),
                "entries_per_cpu_s": round(entries / cpu),
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    db.dispose()
    return out


# -- pytest-benchmark ---------------------------------------------------------------------------------


def test_bench_match_exact_core(benchmark) -> None:
    """The in-memory exact-reference join over 500,000 entries."""
    rows, by_e2e, by_bs, by_uetr = core_inputs(500_000)
    matched = benchmark.pedantic(match_core, args=(rows, by_e2e, by_bs, by_uetr), rounds=5, iterations=1)
    assert matched == sum(1 for r in rows if not (r[1] or "").startswith("NOTOURS"))
    benchmark.extra_info["entries_per_s"] = len(rows) / benchmark.stats.stats.mean


def test_bench_matcher_run_sqlite(benchmark, tmp_path: Path) -> None:
    """A whole matcher run on SQLite: 20,000 lines, 40,000 entries, first run (claims written)."""
    db = Database(f"sqlite:///{tmp_path / 'bench.db'}")
    migrate(db)
    entries = seed_database(db, 20_000)

    def fresh_run():
        with db.write() as conn:
            conn.execute(recon_matches.delete())
        return matcher.run(db, today=TODAY)

    summary = benchmark.pedantic(fresh_run, rounds=2, iterations=1)
    assert summary.new_matches == 40_000
    benchmark.extra_info["entries_per_s"] = entries / benchmark.stats.stats.mean
    db.dispose()


# -- script ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--core-entries", type=int, default=1_000_000)
    parser.add_argument("--db-lines", type=int, default=50_000, help="lines; each has two entries")
    args = parser.parse_args(argv)
    print(json.dumps(time_core(args.core_entries)))
    with tempfile.TemporaryDirectory(prefix="silink-bench-") as tmp:
        for figure in time_db(args.db_lines, Path(tmp)):
            print(json.dumps(figure))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
