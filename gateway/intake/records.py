"""The records intake passes around: raw lines in, validated lines or line errors out.

All three are tuples (``NamedTuple``): immutable, compact, and cheap to build on a hot path that sees
tens of millions of lines. Their ``repr`` masks personal data, so a record that reaches a log, a
traceback or a failing assertion never shows an ID number, a name or an account in clear.
"""

from __future__ import annotations

from typing import NamedTuple

from gateway.errors import FieldViolation, LineRejected
from gateway.pii import mask_name, mask_number

# The payroll columns in canonical order (DESIGN.md "Payroll CSV columns"). A reader maps whatever the
# file's header says onto this order; the gRPC upload carries the same fields as strings.
COLUMNS: tuple[str, ...] = (
    "id_type",
    "id_number",
    "name",
    "account",
    "account_type",
    "bank_code",
    "amount",
    "benefit",
    "period",
    "region",
    "ref",
)
REQUIRED_COLUMNS: frozenset[str] = frozenset({"id_number", "name", "account", "amount", "benefit", "period"})


class RawLine(NamedTuple):
    """One payroll line as text, fields in :data:`COLUMNS` order (absent optional fields are ``""``)."""

    id_type: str = ""
    id_number: str = ""
    name: str = ""
    account: str = ""
    account_type: str = ""
    bank_code: str = ""
    amount: str = ""
    benefit: str = ""
    period: str = ""
    region: str = ""
    ref: str = ""

    def __repr__(self) -> str:
        return (
            f"RawLine(id_type={self.id_type!r}, id_number={mask_number(self.id_number)!r}, "
            f"name={mask_name(self.name)!r}, account={mask_number(self.account)!r}, "
            f"account_type={self.account_type!r}, bank_code={self.bank_code!r}, amount={self.amount!r}, "
            f"benefit={self.benefit!r}, period={self.period!r}, region={self.region!r}, ref={self.ref!r})"
        )


class ValidatedLine(NamedTuple):
    """A line that passed every check, normalised (18-char ID, 3-digit bank code, integer fen)."""

    line: int
    id_type: str
    id_number: str
    name: str
    account: str
    account_type: str
    bank_code: str
    amount_fen: int
    benefit: str
    fund: str
    period: str
    region: str
    ref: str

    def __repr__(self) -> str:
        return (
            f"ValidatedLine(line={self.line}, id_type={self.id_type}, "
            f"id_number={mask_number(self.id_number)}, name={mask_name(self.name)}, "
            f"account={mask_number(self.account)}, "
            f"account_type={self.account_type}, bank_code={self.bank_code}, amount_fen={self.amount_fen}, "
            f"benefit={self.benefit}, fund={self.fund}, period={self.period}, region={self.region!r}, "
            f"ref={self.ref!r})"
        )


class LineError(NamedTuple):
    """One problem on one line: ``value`` is already masked, ``message`` never holds personal data."""

    line: int
    field: str
    reason: str
    value: str
    message: str

    def __str__(self) -> str:
        shown = f" [{self.value}]" if self.value else ""
        return f"line {self.line}: {self.field} {self.reason}{shown}: {self.message}"

    def to_violation(self) -> FieldViolation:
        """The ``BadRequest`` field violation the server sends for this error."""
        return FieldViolation(
            field=f"line {self.line}: {self.field}", description=f"{self.reason}: {self.message}"
        )

    def to_exception(self, source: str = "") -> LineRejected:
        """This error as :class:`~gateway.errors.LineRejected` (file, line and field in its metadata)."""
        meta = {"line": str(self.line), "field": self.field}
        if source:
            meta["file"] = source
        return LineRejected(
            f"line {self.line}: {self.field}: {self.message}",
            reason=self.reason,
            metadata=meta,
            field_violations=[self.to_violation()],
        )


# Fields whose values identify a person: masked whenever an error shows them.
_NUMBER_FIELDS = frozenset({"id_number", "account"})


def display_value(field: str, value: str) -> str:
    """What an error may show of ``value``: PII fields masked; other fields clear only when they are short
    ASCII codes, because a shifted column can put an account or a name into any field."""
    if not value:
        return ""
    if field in _NUMBER_FIELDS:
        return mask_number(value)
    if field == "name":
        return mask_name(value)
    if not value.isascii():
        return mask_name(value)
    digits = sum(c.isdigit() for c in value)
    if len(value) > 16 or digits >= 8:
        return mask_number(value)
    return value
