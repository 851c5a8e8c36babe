"""validate_file and ValidationReport: callbacks, bounded error lists, totals, and the per-message path."""

from __future__ import annotations

from gateway.intake import LineValidator, ValidationReport, open_payroll, validate_file
from tests.intake.helpers import make_payroll, settings


def test_callbacks_see_every_valid_line_and_error(tmp_path):
    """on_valid and on_error are called for every valid line and every error, in file order."""
    path = make_payroll(tmp_path, 2_000, seed=8, bad_rate=0.05).path
    valid_lines: list[int] = []
    error_lines: list[int] = []
    report = validate_file(
        path,
        settings(),
        on_valid=lambda v: valid_lines.append(v.line),
        on_error=lambda e: error_lines.append(e.line),
    )
    assert len(valid_lines) == report.valid and valid_lines == sorted(valid_lines)
    assert len(error_lines) == report.error_count and error_lines == sorted(error_lines)


def test_error_list_can_be_bounded_while_counts_stay_complete(tmp_path):
    """max_kept_errors keeps the first N errors; keep_errors=False keeps none; counts cover all."""
    path = make_payroll(tmp_path, 2_000, seed=8, bad_rate=0.05).path
    full = validate_file(path, settings())
    first = validate_file(path, settings(), max_kept_errors=3)
    none = validate_file(path, settings(), keep_errors=False)
    assert [e.line for e in first.errors] == [e.line for e in full.errors[:3]]
    assert none.errors == [] and not none.errors_kept_all and full.errors_kept_all
    assert first.errors_by_reason == none.errors_by_reason == full.errors_by_reason


def test_totals_by_fund_and_bank_add_up(tmp_path):
    """Totals per fund and per bank each add up to the total of valid lines."""
    report = validate_file(make_payroll(tmp_path, 3_000, seed=8, bad_rate=0.02).path, settings())
    assert sum(fen for _, fen in report.by_fund.values()) == report.total_fen
    assert sum(fen for _, fen in report.by_bank.values()) == report.total_fen
    assert sum(n for n, _ in report.by_bank.values()) == report.valid


def test_per_message_path_gives_the_same_report(tmp_path):
    """Feeding lines one by one to a LineValidator and ValidationReport.add (the gRPC upload path) gives
    the same counts, totals and errors as validate_file."""
    path = make_payroll(tmp_path, 2_000, seed=8, bad_rate=0.05).path
    expected = validate_file(path, settings())
    validator, report = LineValidator(settings()), ValidationReport()
    with open_payroll(path) as source:
        for line, fields in source:
            report.add([fields] if not isinstance(fields, list) else validator.validate(line, fields))
    assert (report.lines, report.valid, report.rejected, report.total_fen) == (
        expected.lines,
        expected.valid,
        expected.rejected,
        expected.total_fen,
    )
    assert report.by_fund_bank == expected.by_fund_bank
    assert [(e.line, e.reason) for e in report.errors] == [(e.line, e.reason) for e in expected.errors]


def test_to_dict_is_json_ready(tmp_path):
    """to_dict reports yuan as exact text derived from fen."""
    report = validate_file(make_payroll(tmp_path, 100, seed=8).path, settings())
    data = report.to_dict()
    assert data["total_yuan"] == f"{report.total_fen // 100}.{report.total_fen % 100:02d}"
    assert data["errors"] == [] and data["errors_truncated"] is False
