"""Persistence throughput of payroll intake: validated lines into a batch on SQLite (and PostgreSQL).

Measures what the server does after validation: keyed hashes, AES-GCM sealing of personal data, masks,
the cross-batch duplicate check, the batch insert and the content hash, in one write transaction —
the same ``BatchIntake`` the upload RPC uses. Run: ``make bench`` or
``.venv/bin/pytest benchmarks/bench_batches.py --benchmark-only``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gateway.domain import batches as dom
from gateway.intake import LineValidator, ValidationSettings
from gateway.intake.generator import PayrollSpec, generate_payroll
from gateway.intake.reader import open_payroll
from gateway.intake.records import ValidatedLine
from gateway.storage import Database, migrate
from keys.datakey import DataProtector

LINES = 200_000
_period = itertools.count(1)


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> list[ValidatedLine]:
    path = tmp_path_factory.mktemp("bench") / "payroll.csv"
    generate_payroll(path, PayrollSpec(payees=LINES, seed=42, period="2026-11"))
    v = LineValidator(ValidationSettings(fund="PENSION_EMPLOYEE"))
    with open_payroll(path) as src:
        out = [v.validate(n, f) for n, f in src]
    assert all(r.__class__ is ValidatedLine for r in out)
    return out


def persist(db: Database, lines: list[ValidatedLine]) -> int:
    """Store ``lines`` as one new batch; each call uses a fresh period so payees never collide."""
    n = next(_period)
    period = f"{2000 + n // 12:04d}-{n % 12 + 1:02d}"
    protector = DataProtector(b"\x01" * 32)
    with db.write() as conn:
        intake = dom.BatchIntake(
            conn,
            protector,
            creator="officer:bench",
            fund_account="370100000000100001",
            header=dom.BatchHeaderIn("PENSION_EMPLOYEE", period, "bench", "bench.csv"),
        )
        for v in lines:
            intake.add(v._replace(period=period))
        return intake.finish().accepted


def test_persist_lines_sqlite(benchmark, validated, tmp_path):
    """Lines/s stored into a new batch on SQLite (WAL, synchronous=FULL)."""
    db = Database(f"sqlite:///{Path(tmp_path) / 'bench.db'}")
    migrate(db)
    stored = benchmark.pedantic(persist, args=(db, validated), rounds=3, iterations=1)
    assert stored == LINES
    benchmark.extra_info["lines_per_second"] = round(LINES / benchmark.stats.stats.mean)
    db.dispose()
