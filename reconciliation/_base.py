"""What every evidence parser shares: options, the result, warnings, and the problem collector.

A parser reads the whole file, collecting every problem it finds (like moov-io/ach's reader, it does not
stop at the first bad line), and only then either returns a complete :class:`ParseResult` or raises one
:class:`~gateway.errors.LineRejected` carrying all problems as field violations. A file that cannot be read
at all (not XML, unknown format, a DOCTYPE) raises :class:`~gateway.errors.FileUnreadable` at once.

Messages never carry personal data: file names are masked (bank file names often embed the account
number), and no account, name or free text from the file is echoed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gateway.errors import FieldViolation, FileUnreadable, LineRejected
from reconciliation.entry import BankEntry, Statement, mask_file_name


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """The one settings object for evidence parsing.

    ``balance_breaks``: what a statement whose balances do not add up (opening + entries ≠ closing) or
    whose declared control totals do not match does. ``"error"`` (default) refuses the file, because
    reconciling against inconsistent evidence gives wrong answers; ``"warn"`` returns the result with a
    warning per break, for looking at a bad file.

    ``encoding``: force the text encoding of SWIFT MT files (default: UTF-8, else Latin-1 with a warning).

    ``max_problems``: stop collecting after this many problems (the error says there were more).
    """

    balance_breaks: Literal["error", "warn"] = "error"
    encoding: str | None = None
    max_problems: int = 100


DEFAULT_OPTIONS = ParseOptions()


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the finance staff should see that does not make the file unusable."""

    code: str  # BALANCE_BREAK, TOTALS_MISMATCH, SEQUENCE_GAP, SEQUENCE_DUPLICATE, SEQUENCE_ORDER,
    # BALANCE_CONTINUITY, UNKNOWN_STATUS, ENCODING_FALLBACK
    message: str  # no personal data
    position: str | None = None


@dataclass(frozen=True, slots=True)
class ParseResult:
    """A fully parsed evidence file."""

    format: str
    source_file: str
    statements: tuple[Statement, ...]
    entries: tuple[BankEntry, ...]
    warnings: tuple[ParseWarning, ...] = ()

    def __iter__(self) -> Iterator[BankEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def payments(self) -> Iterator[BankEntry]:
        """Entries at payment level: the listed parts of batch entries instead of the batch itself."""
        for entry in self.entries:
            yield from entry.payments()


def safe_file_name(path: str | Path) -> str:
    """The file's name (no folder) with account-like tokens masked, fit for messages and logs."""
    return mask_file_name(Path(path).name) or ""


class ParseContext:
    """Collects problems and warnings while one file is parsed."""

    def __init__(self, path: str | Path, format_name: str, options: ParseOptions = DEFAULT_OPTIONS) -> None:
        self.path = Path(path)
        self.file_name = self.path.name
        self.display_name = safe_file_name(self.path)
        self.format = format_name
        self.options = options
        self.problems: list[FieldViolation] = []
        self.first_problem: tuple[str, str, str, int | None] | None = None
        self.only_balance_breaks = True
        self.warnings: list[ParseWarning] = []

    def unreadable(
        self, why: str, reason: str = "FILE_UNREADABLE", line: int | None = None
    ) -> FileUnreadable:
        """An error for a file that cannot be read at all (to be raised by the caller)."""
        where = f" (line {line})" if line else ""
        meta = {"file": self.display_name, "format": self.format}
        if line:
            meta["line"] = str(line)
        return FileUnreadable(f"{self.format} file {self.display_name}{where}: {why}", reason, metadata=meta)

    def problem(
        self, position: str, field: str, why: str, line: int | None = None, *, balance: bool = False
    ) -> None:
        """Record one problem at ``position`` (``line 12`` or an XML path) in ``field``."""
        if not balance:
            self.only_balance_breaks = False
        where = position if line is None or position.startswith("line ") else f"{position} (line {line})"
        if self.first_problem is None:
            self.first_problem = (where, field, why, line)
        self.problems.append(FieldViolation(field=f"{where}: {field}", description=why))
        if len(self.problems) >= self.options.max_problems:
            raise self._error(truncated=True)

    def balance_break(self, position: str, code: str, message: str, line: int | None = None) -> None:
        """A statement that does not add up: a problem or a warning, as the options say."""
        if self.options.balance_breaks == "warn":
            self.warn(code, message, position)
        else:
            self.problem(
                position,
                "balance" if code == "BALANCE_BREAK" else "control totals",
                message,
                line,
                balance=True,
            )

    def warn(self, code: str, message: str, position: str | None = None) -> None:
        self.warnings.append(ParseWarning(code, message, position))

    def _error(self, *, truncated: bool = False) -> LineRejected:
        assert self.first_problem is not None
        where, field, why, line = self.first_problem
        count = f"{len(self.problems)}{'+' if truncated else ''}"
        reason = "STATEMENT_UNBALANCED" if self.only_balance_breaks else "LINE_REJECTED"
        meta = {
            "file": self.display_name,
            "format": self.format,
            "problems": count,
            "position": where,
            "field": field,
        }
        if line is not None:
            meta["line"] = str(line)
        return LineRejected(
            f"{self.format} file {self.display_name}: {count} problem(s), first at {where}: {field}: {why}",
            reason,
            metadata=meta,
            field_violations=list(self.problems),
        )

    def raise_if_problems(self) -> None:
        if self.problems:
            raise self._error()


@dataclass(frozen=True, slots=True)
class Sniff:
    """What format detection gets to look at: the first bytes, and for XML the root element."""

    head: bytes
    text: str | None  # ``head`` decoded leniently, for text formats
    xml_namespace: str | None  # root element namespace, when the head is XML
    xml_root: str | None  # root element local name


@dataclass(frozen=True, slots=True)
class EvidenceFormat:
    """One registered evidence format: how to recognise it, and how to parse it.

    ``detect`` gets the :class:`Sniff` of a file and says whether the file is this format; ``parse`` gets
    the path and a fresh :class:`ParseContext` and returns statements and entries (or raises).
    """

    name: str
    description: str
    detect: Callable[[Sniff], bool]
    parse: Callable[[Path, ParseContext], tuple[list[Statement], list[BankEntry]]]
