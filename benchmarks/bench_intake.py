"""Payroll intake throughput: validation of a generated payroll (target ≥ 300,000 lines/s on one core),
the line validator alone (the gRPC upload's per-line path), the reader alone, and the generator.

Input comes from the same helper the tests use (tests/intake/helpers.py), with a fixed reference date.
Each benchmark records lines/s in ``extra_info``; run with
``.venv/bin/pytest benchmarks/bench_intake.py --benchmark-only``.
"""

from __future__ import annotations

import pytest

from gateway.intake import LineValidator, open_payroll, validate_file
from gateway.intake.generator import PayrollSpec, generate_payroll
from tests.intake.helpers import make_payroll, settings

LINES = 200_000
TARGET_LINES_PER_SECOND = 300_000


@pytest.fixture(scope="module")
def payroll(tmp_path_factory):
    """A 200,000-line payroll with 0.1% bad lines of every kind."""
    return make_payroll(tmp_path_factory.mktemp("bench"), LINES, seed=1, bad_rate=0.001).path


def _record(benchmark, lines: int) -> None:
    if benchmark.stats:
        best = benchmark.stats["min"]
        benchmark.extra_info["lines"] = lines
        benchmark.extra_info["lines_per_second"] = round(lines / best)
        benchmark.extra_info["target_lines_per_second"] = TARGET_LINES_PER_SECOND


def test_validate_file_throughput(benchmark, payroll):
    """Read, decode, split and validate every line of the file, with totals and duplicate detection."""
    report = benchmark.pedantic(validate_file, args=(payroll, settings()), rounds=3, iterations=1)
    assert report.lines == LINES and report.rejected > 0
    _record(benchmark, report.lines)


def test_line_validator_throughput(benchmark, payroll):
    """The line validator alone on already-split lines (what the gRPC upload stream calls per message):
    20,000 lines validated 10 times by fresh validators, so the input held in memory stays small."""
    with open_payroll(payroll) as source:
        rows = []
        for n, fields in source:
            if isinstance(fields, list):
                rows.append((n, fields))
            if len(rows) == LINES // 10:
                break

    def run() -> int:
        for _ in range(10):
            validate = LineValidator(settings()).validate
            for n, fields in rows:
                validate(n, fields)
        return 10 * len(rows)

    assert benchmark.pedantic(run, rounds=3, iterations=1) == LINES
    _record(benchmark, LINES)


def test_reader_throughput(benchmark, payroll):
    """Reading alone: blocks decoded, split into lines and fields, mapped to the canonical columns."""

    def run() -> int:
        with open_payroll(payroll) as source:
            return sum(1 for _ in source)

    assert benchmark.pedantic(run, rounds=3, iterations=1) == LINES
    _record(benchmark, LINES)


def test_generator_throughput(benchmark, tmp_path):
    """Generating a 200,000-line payroll with bad lines (target ≥ 200,000 lines/s)."""
    spec = PayrollSpec(LINES, seed=1, bad_rate=0.001)
    summary = benchmark.pedantic(generate_payroll, args=(tmp_path / "g.csv", spec), rounds=3, iterations=1)
    assert summary.lines == LINES
    _record(benchmark, LINES)
    benchmark.extra_info["target_lines_per_second"] = 200_000
