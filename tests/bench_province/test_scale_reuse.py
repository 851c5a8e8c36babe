"""`make bench-scale REUSE=1`: reports already made are kept, the missing size is run, the table is new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import scale


def _report(n: int, rss: float) -> dict:
    stage = {"stage": "ingest", "lines_per_s": 100_000}
    totals = {
        "end_to_end_seconds": n / 2_000,
        "lines_per_s": 2_000,
        "peak_rss_mb": rss,
        "lines_balance": True,
        "amount_balance": True,
        "agrees_with_banks": True,
    }
    machine = {"cores": 2, "cpu_model": "test", "memory_gb": 24, "python": "3.11"}
    return {"payees": n, "stages": [stage], "totals": totals, "machine": machine}


def test_reuse_keeps_reports_and_runs_only_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "province-1000.json").write_text(json.dumps(_report(1000, 500.0)), encoding="utf-8")
    ran: list[int] = []

    def run_size(n: int, out: Path, extra: list[str]) -> dict:
        ran.append(n)
        return _report(n, 600.0)

    monkeypatch.setattr(scale, "run_size", run_size)
    monkeypatch.setattr(scale, "plot", lambda reports, path: path.write_bytes(b"png"))
    assert scale.main(["--sizes", "1000,10000", "--out", str(tmp_path), "--reuse"]) == 0
    assert ran == [10000]
    text = (tmp_path / "scale.md").read_text(encoding="utf-8")
    assert "| 1,000 |" in text and "| 10,000 |" in text
    assert "1.20× that at 1,000" in text
    # Without --reuse every size runs again.
    ran.clear()
    scale.main(["--sizes", "1000,10000", "--out", str(tmp_path)])
    assert ran == [1000, 10000]
