"""Bank evidence for reconciliation: parsers for what banks report back, and the normalised entry.

Public surface (pinned by ``tests/reconciliation/test_recon_model.py``)::

    parse_file(path, format=None, *, options=None) -> ParseResult
    detect_format(path) -> str
    entry_to_json(entry, *, reveal=False) -> dict      # one JSON object per output line
    statement_to_json(statement, *, reveal=False) -> dict
    FORMATS, register(EvidenceFormat), EvidenceFormat, Sniff    # the format registry
    BankEntry, Statement, Balance, References, Reason, ControlTotal,
    EntryKind, EntryStatus, Direction, ReasonList, Scope        # the model
    ParseResult, ParseOptions, ParseWarning

Formats: ``pain.002``, ``camt.053``, ``camt.054``, ``mt940``, ``mt942``. Errors come from the one
hierarchy in :mod:`gateway.errors`: ``FileUnreadable`` (cannot read or recognise the file) and
``LineRejected`` (bad fields, each listed as a field violation with its line or XML path).
"""

from reconciliation._base import EvidenceFormat, ParseOptions, ParseResult, ParseWarning, Sniff
from reconciliation.entry import (
    Balance,
    BankEntry,
    ControlTotal,
    Direction,
    EntryKind,
    EntryStatus,
    Reason,
    ReasonList,
    References,
    Scope,
    Statement,
    entry_to_json,
    statement_to_json,
)
from reconciliation.registry import FORMATS, detect_format, parse_file, register

__all__ = [
    "FORMATS",
    "Balance",
    "BankEntry",
    "ControlTotal",
    "Direction",
    "EntryKind",
    "EntryStatus",
    "EvidenceFormat",
    "ParseOptions",
    "ParseResult",
    "ParseWarning",
    "Reason",
    "ReasonList",
    "References",
    "Scope",
    "Sniff",
    "Statement",
    "detect_format",
    "entry_to_json",
    "parse_file",
    "register",
    "statement_to_json",
]
