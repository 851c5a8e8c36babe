"""`silink bench province` as a user runs it: its own instance, simulator processes and payroll; the
report's stages, totals and agreement with the banks' ledgers, on SQLite and on PostgreSQL with two
dispatcher processes; the baseline's ratios; refused options."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

STAGES = ["ingest", "persist", "release", "sign", "render", "dispatch", "statements", "reconcile"]


def _bench(tmp_path: Path, *args: str, timeout: float = 420) -> tuple[int, dict | None, str]:
    out = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "bench",
            "province",
            "--no-progress",
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return done.returncode, report, done.stdout + done.stderr


def _check_report(report: dict, payees: int) -> None:
    assert [s["stage"] for s in report["stages"]] == STAGES
    for stage in report["stages"]:
        assert stage["lines"] == payees, stage  # every stage saw every line
        assert stage["seconds"] > 0 and stage["lines_per_s"] > 0 and stage["peak_rss_mb"] > 0
    t = report["totals"]
    assert t["lines_in"] == payees
    assert t["lines_paid"] + t["lines_failed"] + t["lines_held"] + t["lines_rejected"] == payees
    assert t["lines_in_flight"] == 0 and t["lines_balance"] and t["amount_balance"]
    # The simulators' ledgers are the banks' books: what they credited is what silink counts as paid.
    assert t["agrees_with_banks"] and t["banks_credited_lines"] == t["lines_paid"] > 0
    assert t["lines_failed"] > 0  # the simulated banks refuse some accounts (closed, frozen, …)
    recon = report["reconciliation"]
    assert recon["matched_count"] == payees  # every line matched to a result, and the paid ones booked
    # Nothing but the failed lines is left for finance: no control break, no unmatched booking.
    assert recon["open_exceptions_by_kind"] == {"REJECTED": t["lines_failed"]}
    assert report["machine"]["cores"] >= 1 and report["machine"]["cpu_model"]


def test_province_on_sqlite_with_two_banks_and_the_baseline(tmp_path: Path) -> None:
    code, report, output = _bench(
        tmp_path, "--payees", "3000", "--banks", "2", "--baseline", "--baseline-sign-lines", "200", "--json"
    )
    assert code == 0, output[-2000:]
    assert report is not None and json.loads(output[: output.rindex("}") + 1]) == report
    _check_report(report, 3000)
    assert report["banks"] == {"102": "iso20022", "308": "direct_link_json"}
    algorithms = report["stages"][3]["detail"]["algorithms"]
    assert "SM3" in algorithms["308"] and "SHA-256" in algorithms["102"]  # national and ISO suites
    base = report["baseline"]["stages"]
    assert set(base) == {"ingest", "persist", "sign"}
    assert base["sign"]["lines"] == 200 and base["ingest"]["lines"] == 3000
    for figures in base.values():
        assert figures["ratio"] > 0 and figures["silink_lines_per_s"] > 0


def test_several_batches_and_the_table(tmp_path: Path) -> None:
    # The payroll ends exactly on a batch boundary: three full batches, and no empty fourth one.
    keep = tmp_path / "run"
    code, report, output = _bench(
        tmp_path, "--payees", "3000", "--banks", "1", "--batch-lines", "1000", "--keep", str(keep)
    )
    assert code == 0, output[-2000:]
    assert report["batches"] == 3
    db = sqlite3.connect(keep / "home" / "silink.db")
    try:
        assert db.execute("SELECT line_count FROM batches ORDER BY id").fetchall() == [(1000,)] * 3
    finally:
        db.close()
    _check_report(report, 3000)
    assert "end to end" in output and "agrees" in output and "DOES NOT AGREE" not in output


@pytest.mark.postgres
def test_province_on_postgres_with_two_dispatcher_processes(tmp_path: Path, pg_cluster) -> None:
    from tests.conftest import new_pg_database

    url = new_pg_database(pg_cluster)
    code, report, output = _bench(tmp_path, "--payees", "2000", "--database", url, "--workers", "2")
    assert code == 0, output[-2000:]
    assert report["database"] == "postgresql" and report["workers"] == 2
    assert report["stages"][5]["detail"]["mode"].startswith("processes")
    _check_report(report, 2000)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--payees", "0"], "--payees must be at least 1"),
        (["--payees", "10", "--banks", "9"], "--banks must be 1-6"),
        (["--payees", "10", "--database", "sqlite:///x.db"], "--database takes a PostgreSQL URL"),
    ],
)
def test_bad_options_are_refused_precisely(tmp_path: Path, args: list[str], message: str) -> None:
    code, report, output = _bench(tmp_path, *args, timeout=60)
    assert code != 0 and report is None
    assert message in output
