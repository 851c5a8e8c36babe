"""Payroll intake, offline half: read payroll files, validate every line, report every error.

    open_payroll(path) ──► (line, 11 text fields) ──► LineValidator.validate ──► ValidatedLine
      CSV UTF-8/GBK, XLSX        ▲                                           └─► [LineError, …]
                                 │ the gRPC upload stream feeds the same fields
    validate_file(path, settings) = open_payroll + LineValidator + ValidationReport

Modules: ``identity`` (resident ID, USCC), ``accounts`` (Luhn, account types, bank resolution), ``banks``,
``amounts`` (yuan text ⇄ fen), ``benefits`` (codes, funds, payee rules), ``periods``, ``names``,
``regions``, ``references``, ``columns`` (header aliases), ``reader``, ``validator``, ``report``,
``settings``, ``reasons`` (every reason code), ``generator`` (synthetic payrolls, ``silink gen payroll``).
"""

from gateway.intake.amounts import format_yuan, parse_yuan
from gateway.intake.benefits import BENEFITS, FUNDS, Benefit, resolve_benefit
from gateway.intake.identity import normalise_resident_id, normalise_uscc
from gateway.intake.reader import PayrollSource, open_payroll
from gateway.intake.reasons import FILE_REASONS, LINE_REASONS
from gateway.intake.records import COLUMNS, LineError, RawLine, ValidatedLine
from gateway.intake.report import ValidationReport, validate_file
from gateway.intake.settings import ValidationSettings
from gateway.intake.validator import LineValidator

__all__ = [
    "BENEFITS",
    "COLUMNS",
    "FILE_REASONS",
    "FUNDS",
    "LINE_REASONS",
    "Benefit",
    "LineError",
    "LineValidator",
    "PayrollSource",
    "RawLine",
    "ValidatedLine",
    "ValidationReport",
    "ValidationSettings",
    "format_yuan",
    "normalise_resident_id",
    "normalise_uscc",
    "open_payroll",
    "parse_yuan",
    "resolve_benefit",
    "validate_file",
]
