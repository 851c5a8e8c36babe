"""The payroll generator: deterministic, plausible, and every injected bad line reported as promised."""

from __future__ import annotations

import json

import pytest

from gateway.errors import InvalidInput
from gateway.intake import LINE_REASONS
from gateway.intake import reasons as R
from gateway.intake.generator import BAD_KINDS, PayrollSpec, generate_payroll, read_expected_bad
from gateway.intake.regions import SHANDONG_REGIONS
from tests.intake.helpers import generate_and_validate

# Reasons the generator cannot inject with default settings (FUND_MISMATCH needs a fund-bound validation).
NOT_INJECTED = {R.FUND_MISMATCH, R.LINE_TOO_LONG}


def test_same_arguments_same_bytes(tmp_path):
    """Two runs with the same spec write byte-identical payrolls and sidecars."""
    spec = PayrollSpec(2_000, seed=11, bad_rate=0.05, banks=4)
    a = generate_payroll(tmp_path / "a.csv", spec)
    b = generate_payroll(tmp_path / "b.csv", spec)
    assert a.path.read_bytes() == b.path.read_bytes()
    side_a = json.loads(a.sidecar.read_text())
    side_b = json.loads(b.sidecar.read_text())
    assert side_a["bad"] == side_b["bad"] and side_a["bad_count"] == a.bad


def test_other_seed_other_file(tmp_path):
    """A different seed gives a different payroll."""
    a = generate_payroll(tmp_path / "a.csv", PayrollSpec(500, seed=1))
    b = generate_payroll(tmp_path / "b.csv", PayrollSpec(500, seed=2))
    assert a.path.read_bytes() != b.path.read_bytes()


def test_clean_payroll_is_all_valid_and_plausible(tmp_path):
    """Without bad lines every line validates; totals match; banks, regions and amounts are as asked."""
    run = generate_and_validate(tmp_path, 5_000, seed=5, banks=3)
    report = run.report
    assert (report.lines, report.valid, report.rejected) == (5_000, 5_000, 0)
    assert report.total_fen == run.summary.good_fen
    assert set(report.by_bank) == {"102", "103", "104"}
    assert set(report.by_fund) == {"PENSION_EMPLOYEE"}
    average_yuan = report.total_fen / report.valid / 100
    assert 2_000 <= average_yuan <= 6_000
    assert run.summary.sidecar is None and run.expected == {}


def test_pensioners_are_60_to_95_and_live_in_shandong(tmp_path):
    """Resident IDs start with a Shandong district and pensioners are 60 to 95 years old at the period."""
    summary = generate_payroll(tmp_path / "p.csv", PayrollSpec(2_000, seed=9, period="2024-05"))
    districts = {d for _, ds in SHANDONG_REGIONS.values() for d in ds}
    ages, in_shandong = [], 0
    for line in summary.path.read_text().splitlines()[1:]:
        id_number = line.split(",")[1]
        in_shandong += id_number[:6] in districts
        ages.append(2024 - int(id_number[6:10]) - (id_number[10:14] > "0501"))
    assert in_shandong == 2_000 and min(ages) >= 60 and max(ages) <= 95


def test_every_bad_kind_is_reported_exactly_on_10000_lines(tmp_path):
    """On 10,000 lines with bad lines, every injected bad line is reported with exactly its reason and
    no generated valid line is rejected."""
    run = generate_and_validate(tmp_path, 10_000, seed=1, bad_rate=0.03)
    assert run.summary.bad == len(run.expected) > 250
    assert run.missed() == {}
    assert run.unexpected() == []
    assert run.report.rejected == len(run.expected)
    assert run.report.total_fen == run.summary.good_fen


def test_bad_kinds_cover_every_line_reason(tmp_path):
    """The injected bad lines cover every line reason the validator has, except those needing settings."""
    run = generate_and_validate(tmp_path, 3_000, seed=2, bad_rate=0.5)
    assert set(run.expected.values()) == set(LINE_REASONS) - NOT_INJECTED
    assert run.missed() == {} and run.unexpected() == []


@pytest.mark.parametrize(
    "spec",
    [
        {"encoding": "gbk"},
        {"header": "zh"},
        {"benefit": "PENSION_RESIDENT", "encoding": "gbk"},
        {"benefit": "UNEMPLOYMENT"},
        {"benefit": "WORK_INJURY", "header": "zh"},
        {"benefit": "STABILIZATION_REFUND"},
        {"benefit": "STABILIZATION_REFUND", "encoding": "gbk"},
        {"banks": 1, "period": "2025-01"},
    ],
)
def test_variants_keep_their_promise(tmp_path, spec):
    """GBK files, Chinese headers, every benefit (enterprise refunds too) and one bank: bad lines reported
    exactly, good lines accepted."""
    run = generate_and_validate(tmp_path, 4_000, seed=3, bad_rate=0.05, **spec)
    assert run.missed() == {} and run.unexpected() == []
    assert run.report.total_fen == run.summary.good_fen
    if spec.get("encoding") == "gbk":
        assert run.report.encoding == "gb18030"


def test_sidecar_round_trip(tmp_path):
    """read_expected_bad returns the sidecar's line -> reason map; a clean payroll has none."""
    summary = generate_payroll(tmp_path / "p.csv", PayrollSpec(1_000, seed=4, bad_rate=0.1))
    expected = read_expected_bad(summary.path)
    assert len(expected) == summary.bad and all(2 <= line <= 1_001 for line in expected)
    assert read_expected_bad(tmp_path / "none.csv") == {}


def test_all_kinds_are_listed():
    """Every bad kind is a distinct function."""
    assert len(set(BAD_KINDS)) == len(BAD_KINDS)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"payees": 0},
        {"payees": 1, "banks": 8},
        {"payees": 1, "bad_rate": 1.5},
        {"payees": 1, "benefit": "X"},
        {"payees": 1, "period": "2024-13"},
        {"payees": 1, "encoding": "latin-1"},
    ],
)
def test_spec_is_checked(kwargs):
    """Impossible generator arguments are InvalidInput."""
    with pytest.raises(InvalidInput):
        PayrollSpec(**kwargs)


@pytest.mark.slow
def test_one_million_lines(tmp_path):
    """At 1,000,000 lines every injected bad line is reported with its reason and no valid line rejected."""
    run = generate_and_validate(tmp_path, 1_000_000, seed=1, bad_rate=0.001)
    assert run.report.lines == 1_000_000 and run.summary.bad == len(run.expected) > 800
    assert run.missed() == {} and run.unexpected() == []
    assert run.report.total_fen == run.summary.good_fen


def test_bank_codes_pick_exactly_those_banks(tmp_path):
    """PayrollSpec.bank_codes pays into exactly the named banks and refuses an unknown code."""
    import pytest as _pytest

    from gateway.errors import InvalidInput
    from gateway.intake import validate_file
    from gateway.intake.generator import PayrollSpec, generate_payroll

    path = tmp_path / "two.csv"
    generate_payroll(path, PayrollSpec(payees=500, seed=4, bank_codes=("102", "105")))
    assert {bank for _fund, bank in validate_file(path).by_fund_bank} == {"102", "105"}
    with _pytest.raises(InvalidInput):
        PayrollSpec(payees=5, bank_codes=("999",))
