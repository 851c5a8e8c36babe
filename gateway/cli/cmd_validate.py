"""`silink validate FILE [--json] [--max-errors N]`: offline validation of a payroll file.

Exit codes (DESIGN.md stable CLI contract): 0 every line valid, 1 some lines rejected, 2 the file is
unreadable. Output never shows personal data in clear: error values are masked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from gateway.cli._common import add_json_arg, emit_json
from gateway.errors import FileUnreadable, InvalidInput
from gateway.intake.amounts import format_yuan
from gateway.intake.banks import bank_label
from gateway.intake.benefits import FUNDS
from gateway.intake.report import ValidationReport, validate_file
from gateway.intake.settings import ValidationSettings

DEFAULT_MAX_ERRORS = 100


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="validate a payroll file offline (CSV or XLSX); exit 0 valid, 1 lines rejected, 2 unreadable",
        description=(
            "Read a payroll (CSV in UTF-8 or GBK, or XLSX), check every line and print a summary with "
            "totals per fund and bank and every rejected line (masked). Exit 0 when all lines are valid, "
            "1 when some are rejected, 2 when the file cannot be read."
        ),
    )
    p.add_argument("file", metavar="FILE", help="payroll file (.csv or .xlsx)")
    add_json_arg(p)
    p.add_argument(
        "--max-errors",
        type=int,
        default=DEFAULT_MAX_ERRORS,
        metavar="N",
        help=f"show at most N line errors (default {DEFAULT_MAX_ERRORS}; counts always cover all of them)",
    )
    p.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="reference date for birth-date and period checks (default: today)",
    )
    p.add_argument(
        "--fund", default=None, choices=sorted(FUNDS), help="require every line to belong to this fund"
    )
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> ValidationSettings:
    kwargs = {}
    if args.as_of:
        try:
            kwargs["reference_date"] = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise InvalidInput("--as-of must be a date YYYY-MM-DD", reason="ARGUMENT_INVALID") from None
    if args.fund:
        kwargs["fund"] = args.fund
    return ValidationSettings(**kwargs)


def run(args: argparse.Namespace) -> int:
    if args.max_errors < 0:
        raise InvalidInput("--max-errors must be 0 or more", reason="ARGUMENT_INVALID")
    settings = _settings(args)
    try:
        report = validate_file(args.file, settings, max_kept_errors=args.max_errors)
    except FileUnreadable as exc:
        if not args.json:
            raise  # main prints "silink: REASON: message" and exits 2
        emit_json(
            {
                "source": args.file,
                "readable": False,
                "reason": exc.reason,
                "message": exc.message,
                "line": int(exc.metadata["line"]) if "line" in exc.metadata else None,
            }
        )
        return 2
    if args.json:
        emit_json({"readable": True, **report.to_dict(max_errors=args.max_errors)})
    else:
        _print_report(report, args.max_errors)
    return 1 if report.rejected else 0


def _table(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _print_report(report: ValidationReport, max_errors: int) -> None:
    w = sys.stdout.write
    enc = f", {report.encoding}" if report.encoding else ""
    w(f"payroll {report.source} ({report.format}{enc}, header on line {report.header_line})\n")
    if report.ignored_columns:
        w(f"  ignored columns: {', '.join(report.ignored_columns)}\n")
    for warning in report.warnings:
        w(f"  warning: {warning}\n")
    w(
        f"  lines {report.lines:,}   valid {report.valid:,}   rejected {report.rejected:,}"
        f"   blank {report.blank_lines:,}\n"
    )
    w(f"  total of valid lines: {format_yuan(report.total_fen)} yuan\n")
    if report.by_fund:
        w("\n")
        rows = [("fund", "lines", "amount (yuan)")]
        rows += [(k, f"{n:,}", format_yuan(fen)) for k, (n, fen) in report.by_fund.items()]
        w("\n".join(_table(rows, {1, 2})) + "\n")
        w("\n")
        rows = [("bank", "lines", "amount (yuan)")]
        rows += [(bank_label(k), f"{n:,}", format_yuan(fen)) for k, (n, fen) in report.by_bank.items()]
        w("\n".join(_table(rows, {1, 2})) + "\n")
    if report.error_count:
        w("\n")
        shown = report.errors[:max_errors]
        w(f"rejected lines: {report.rejected:,} ({report.error_count:,} errors; showing {len(shown):,})\n")
        if shown:
            rows = [("line", "field", "reason", "value", "message")]
            rows += [(str(e.line), e.field, e.reason, e.value, e.message) for e in shown]
            w("\n".join(_table(rows, {0})) + "\n")
        w("\nerrors by reason:\n")
        rows = [(reason, f"{n:,}") for reason, n in sorted(report.errors_by_reason.items())]
        w("\n".join(_table(rows, {1})) + "\n")
