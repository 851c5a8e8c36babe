"""Validation of a whole payroll: counts, control totals in fen per fund and bank, and every line error.

``validate_file(path, settings)`` is what ``silink validate`` runs. The server's streaming upload uses the
same pieces line by line: a :class:`~gateway.intake.validator.LineValidator` per upload and
:meth:`ValidationReport.add` for each result, so its totals and error list mean the same thing.

Errors are collected for every line, never only the first. By default the report keeps them all in
``errors``; a caller that expects millions of them (a file with a wrong period on every line) passes
``on_error`` and ``keep_errors=False`` (or ``max_kept_errors``) so memory stays flat, while
``errors_by_reason`` and ``rejected`` still count everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import FileUnreadable
from gateway.intake import reasons as R
from gateway.intake.amounts import format_yuan
from gateway.intake.banks import BANKS
from gateway.intake.reader import open_payroll
from gateway.intake.records import LineError, ValidatedLine
from gateway.intake.settings import ValidationSettings
from gateway.intake.validator import LineValidator


@dataclass
class ValidationReport:
    """What validation of one payroll found. Totals cover valid lines only."""

    source: str = ""
    format: str = ""
    encoding: str | None = None
    header_line: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: int = 0  # data lines (blank lines excluded)
    valid: int = 0
    rejected: int = 0
    blank_lines: int = 0
    total_fen: int = 0
    # (fund, bank code) -> [lines, fen]; by_fund / by_bank are derived from it.
    by_fund_bank: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    errors_by_reason: Counter[str] = field(default_factory=Counter)
    errors: list[LineError] = field(default_factory=list)
    errors_kept_all: bool = True

    @property
    def error_count(self) -> int:
        return sum(self.errors_by_reason.values())

    @property
    def by_fund(self) -> dict[str, tuple[int, int]]:
        """fund -> (lines, fen)."""
        return self._group(0)

    @property
    def by_bank(self) -> dict[str, tuple[int, int]]:
        """bank code -> (lines, fen)."""
        return self._group(1)

    def _group(self, index: int) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for key, (count, fen) in self.by_fund_bank.items():
            acc = out.setdefault(key[index], [0, 0])
            acc[0] += count
            acc[1] += fen
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def add(self, result: ValidatedLine | list[LineError], *, keep_error: bool = True) -> None:
        """Count one validator result (the server's per-message path)."""
        self.lines += 1
        if isinstance(result, ValidatedLine):
            self.valid += 1
            self.total_fen += result.amount_fen
            acc = self.by_fund_bank.get((result.fund, result.bank_code))
            if acc is None:
                acc = self.by_fund_bank[(result.fund, result.bank_code)] = [0, 0]
            acc[0] += 1
            acc[1] += result.amount_fen
        else:
            self.rejected += 1
            for error in result:
                self.errors_by_reason[error.reason] += 1
                if keep_error:
                    self.errors.append(error)
                else:
                    self.errors_kept_all = False

    def to_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        """A JSON-ready summary; amounts in fen (integers) and as yuan text. Errors carry masked values."""
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "header_line": self.header_line,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "warnings": self.warnings,
            "lines": self.lines,
            "valid": self.valid,
            "rejected": self.rejected,
            "blank_lines": self.blank_lines,
            "error_count": self.error_count,
            "total_fen": self.total_fen,
            "total_yuan": format_yuan(self.total_fen, grouping=False),
            "by_fund": [
                {"fund": k, "lines": n, "amount_fen": fen, "amount_yuan": format_yuan(fen, grouping=False)}
                for k, (n, fen) in self.by_fund.items()
            ],
            "by_bank": [
                {
                    "bank_code": k,
                    "bank": BANKS[k][0] if k in BANKS else "",
                    "lines": n,
                    "amount_fen": fen,
                    "amount_yuan": format_yuan(fen, grouping=False),
                }
                for k, (n, fen) in self.by_bank.items()
            ],
            "errors_by_reason": dict(sorted(self.errors_by_reason.items())),
            "errors": [e._asdict() for e in errors],
            "errors_truncated": len(errors) < self.error_count,
        }


def validate_file(
    path: str | Path,
    settings: ValidationSettings | None = None,
    *,
    on_valid: Callable[[ValidatedLine], Any] | None = None,
    on_error: Callable[[LineError], Any] | None = None,
    keep_errors: bool = True,
    max_kept_errors: int | None = None,
) -> ValidationReport:
    """Read and validate a payroll file (CSV or XLSX), streaming.

    ``on_valid`` is called with every valid line and ``on_error`` with every line error, in file order.
    The report keeps errors unless ``keep_errors`` is False; ``max_kept_errors`` keeps only the first N
    (counts stay complete). Raises :class:`~gateway.errors.FileUnreadable` when the file cannot be read
    at all, including when it has a header but no lines.
    """
    validator = LineValidator(settings)
    report = ValidationReport(source=str(path))
    keep_limit = max_kept_errors if keep_errors else 0
    with open_payroll(path) as source:
        report.format = source.format
        report.header_line = source.header_line
        report.columns = dict(source.columns)
        report.ignored_columns = list(source.ignored_columns)

        validate = validator.validate
        by_fund_bank = report.by_fund_bank
        by_reason = report.errors_by_reason
        errors = report.errors
        lines = valid = total = 0
        for line_no, fields in source:
            lines += 1
            result = fields if fields.__class__ is LineError else validate(line_no, fields)
            if result.__class__ is ValidatedLine:
                valid += 1
                fen = result[7]
                total += fen
                acc = by_fund_bank.get((result[9], result[6]))
                if acc is None:
                    acc = by_fund_bank[(result[9], result[6])] = [0, 0]
                acc[0] += 1
                acc[1] += fen
                if on_valid is not None:
                    on_valid(result)
                continue
            found = [result] if result.__class__ is LineError else result
            report.rejected += 1
            for error in found:
                by_reason[error.reason] += 1
                if keep_limit is None or len(errors) < keep_limit:
                    errors.append(error)
                else:
                    report.errors_kept_all = False
                if on_error is not None:
                    on_error(error)
        report.lines = lines
        report.valid = valid
        report.total_fen = total
        report.encoding = source.encoding
        report.blank_lines = source.blank_lines
        report.warnings = list(source.warnings)
    if lines == 0:
        raise FileUnreadable(
            f"{Path(path).name}: a header and no payroll lines",
            reason=R.FILE_EMPTY,
            metadata={"file": Path(path).name},
        )
    return report
