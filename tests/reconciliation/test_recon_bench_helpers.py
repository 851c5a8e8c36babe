"""The benchmark's file generators make valid files that parse to exactly the totals they report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from lxml import etree

from reconciliation import Direction, EntryStatus, parse_file

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_parsers.py"


def _bench_module():
    if "bench_parsers" in sys.modules:
        return sys.modules["bench_parsers"]
    spec = importlib.util.spec_from_file_location("bench_parsers", _BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_parsers"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _sums(result) -> tuple[int, int]:
    credit = sum(e.amount_minor for e in result.entries if e.direction is Direction.CREDIT)
    debit = sum(e.amount_minor for e in result.entries if e.direction is Direction.DEBIT)
    return credit, debit


def test_generated_camt054_is_valid_and_exact(formats_dir: Path, tmp_path: Path) -> None:
    """A generated camt.054 is schema-valid and parses to its count, sums and number of returns."""
    bench = _bench_module()
    generated = bench.make_camt054(tmp_path / "c.xml", 300)
    schema = etree.XMLSchema(etree.parse(str(formats_dir / "xsd" / "camt.054.001.08.xsd")))
    schema.assertValid(etree.parse(str(generated.path)))
    result = parse_file(generated.path)
    assert len(result.entries) == generated.entries == 300
    assert _sums(result) == (generated.credit_minor, generated.debit_minor)
    assert sum(e.status is EntryStatus.RETURNED for e in result.entries) == generated.returns == 6


def test_generated_mt940_balances(tmp_path: Path) -> None:
    """A generated MT940 parses with every statement balanced and no sequence warning."""
    bench = _bench_module()
    generated = bench.make_mt940(tmp_path / "s.sta", 5, 40)
    result = parse_file(generated.path)
    assert len(result.entries) == 200 and len(result.statements) == 5
    assert _sums(result) == (generated.credit_minor, generated.debit_minor)
    assert all(s.balance_ok for s in result.statements)
    assert result.warnings == ()
