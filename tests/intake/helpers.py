"""Helpers shared by the intake tests and benchmarks/bench_intake.py (the same helper drives both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gateway.intake import ValidationReport, ValidationSettings, validate_file
from gateway.intake.generator import GenerationSummary, PayrollSpec, generate_payroll, read_expected_bad

# Fixed "today" so results never depend on the day the suite runs.
REFERENCE_DATE = date(2025, 1, 15)


def settings(**overrides) -> ValidationSettings:
    return ValidationSettings(reference_date=REFERENCE_DATE, **overrides)


@dataclass
class GeneratedRun:
    summary: GenerationSummary
    report: ValidationReport
    expected: dict[int, str]  # line -> reason, from the sidecar

    def reported(self) -> dict[int, set[str]]:
        """line -> the set of reasons validation reported on it."""
        out: dict[int, set[str]] = {}
        for error in self.report.errors:
            out.setdefault(error.line, set()).add(error.reason)
        return out

    def missed(self) -> dict[int, str]:
        """Injected bad lines not reported with exactly their reason."""
        got = self.reported()
        return {line: reason for line, reason in self.expected.items() if got.get(line) != {reason}}

    def unexpected(self) -> list[int]:
        """Lines reported although the generator made them valid."""
        return sorted(set(self.reported()) - set(self.expected))


def make_payroll(
    folder: Path, payees: int, seed: int = 7, bad_rate: float = 0.0, **spec
) -> GenerationSummary:
    """Generate a payroll CSV in ``folder``."""
    return generate_payroll(
        folder / f"payroll-{payees}-{seed}.csv", PayrollSpec(payees, seed, bad_rate=bad_rate, **spec)
    )


def generate_and_validate(
    folder: Path, payees: int, seed: int = 7, bad_rate: float = 0.0, **spec
) -> GeneratedRun:
    """Generate a payroll, validate it with the fixed reference date, and load the expected bad lines."""
    summary = make_payroll(folder, payees, seed, bad_rate, **spec)
    report = validate_file(summary.path, settings())
    return GeneratedRun(summary, report, read_expected_bad(summary.path))
