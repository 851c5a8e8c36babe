"""One record ⇄ bytes, field by field, with byte-exact widths in GBK or GB18030.

Writing refuses instead of repairing: a character the encoding lacks, a value longer than its field in
bytes (so nothing is ever cut, least of all in the middle of a multi-byte character), control characters
(they would break the record structure) and leading/trailing padding characters (they would be lost on
reading, so the value would not round-trip). Reading reports every bad field of a record with its byte
column; values in messages are masked.

Splitting a file into lines on ``\\n`` is safe in both encodings: GBK trail bytes are 0x40–0xFE and the
GB18030 four-byte form uses 0x30–0x39 for its second and fourth bytes, so 0x0A/0x0D never occur inside a
character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.intake.amounts import format_yuan
from gateway.pii import mask_name, mask_number

from ._profile import Align, AmountForm, FieldSpec, Kind, RecordLayout

FIELD_NOT_ENCODABLE = "FIELD_NOT_ENCODABLE"
FIELD_TOO_LONG = "FIELD_TOO_LONG"
FIELD_INVALID = "FIELD_INVALID"
FIELD_NOT_DECODABLE = "FIELD_NOT_DECODABLE"
FIELD_NOT_NUMERIC = "FIELD_NOT_NUMERIC"
RECORD_LENGTH = "RECORD_LENGTH"
RECORD_TYPE = "RECORD_TYPE"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_YUAN = re.compile(rb"(?:0|[1-9][0-9]*)\.[0-9]{2}")
_NAME_LIKE = frozenset({"name", "payer_name"})


def masked(spec_name: str, value: str) -> str:
    """How a value may appear in an error: names by their first character, anything else 6+4 at most."""
    return mask_name(value) if spec_name in _NAME_LIKE else mask_number(value)


@dataclass(frozen=True)
class FieldIssue:
    """One bad field: byte ``column`` (1-based, within the record), reason, message, masked value."""

    field: str
    column: int
    reason: str
    message: str
    value_masked: str = ""


class EncodeError(Exception):
    """Raised by :func:`encode_record`; the renderer adds the line number."""

    def __init__(self, issue: FieldIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _pad(spec: FieldSpec, data: bytes) -> bytes:
    if spec.align is Align.LEFT:
        return data.ljust(spec.width, spec.pad_byte)
    return data.rjust(spec.width, spec.pad_byte)


def amount_bytes(fen: int, form: AmountForm) -> bytes:
    if form is AmountForm.YUAN_DECIMAL:
        return format_yuan(fen, grouping=False).encode("ascii")
    return str(fen).encode("ascii")  # fen, or yuan with two implied decimals: the same digits


def encode_field(spec: FieldSpec, value: Any, encoding: str, form: AmountForm, column: int) -> bytes:
    kind = spec.kind
    if kind is Kind.CONST:
        return spec.value.encode("ascii")
    if kind is Kind.FILLER:
        return spec.pad_byte * spec.width
    if kind is Kind.TEXT:
        text = "" if value is None else value
        if not isinstance(text, str):
            raise EncodeError(FieldIssue(spec.name, column, FIELD_INVALID, f"{spec.name} is not text"))
        if _CONTROL.search(text):
            raise EncodeError(
                FieldIssue(
                    spec.name,
                    column,
                    FIELD_INVALID,
                    f"{spec.name} contains control characters",
                    masked(spec.name, text),
                )
            )
        if text and (text[0] == spec.pad if spec.align is Align.RIGHT else text[-1] == spec.pad):
            raise EncodeError(
                FieldIssue(
                    spec.name,
                    column,
                    FIELD_INVALID,
                    f"{spec.name} starts or ends with the padding character, which reading would drop",
                    masked(spec.name, text),
                )
            )
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError as exc:
            raise EncodeError(
                FieldIssue(
                    spec.name,
                    column,
                    FIELD_NOT_ENCODABLE,
                    f"{spec.name} character {exc.start + 1} of {len(text)} "
                    f"cannot be written in {encoding.upper()}",
                    masked(spec.name, text),
                )
            ) from None
        if len(data) > spec.width:
            raise EncodeError(
                FieldIssue(
                    spec.name,
                    column,
                    FIELD_TOO_LONG,
                    f"{spec.name} is {len(data)} bytes in {encoding.upper()}, the field holds {spec.width}",
                    masked(spec.name, text),
                )
            )
        return _pad(spec, data)
    # digits and amounts: non-negative integers (fen for amounts)
    if type(value) is not int or value < 0:
        raise EncodeError(
            FieldIssue(spec.name, column, FIELD_INVALID, f"{spec.name} is not a non-negative integer")
        )
    data = amount_bytes(value, form) if kind is Kind.AMOUNT else str(value).encode("ascii")
    if len(data) > spec.width:
        raise EncodeError(
            FieldIssue(
                spec.name,
                column,
                FIELD_TOO_LONG,
                f"{spec.name} needs {len(data)} digits, the field holds {spec.width}",
            )
        )
    return _pad(spec, data)


def encode_record(lay: RecordLayout, values: Mapping[str, Any], encoding: str, form: AmountForm) -> bytes:
    """The record's bytes; :class:`EncodeError` for the first field that cannot be written."""
    return b"".join(
        encode_field(spec, values.get(spec.name), encoding, form, offset + 1)
        for spec, offset in zip(lay.fields, lay.offsets, strict=True)
    )


def _strip(spec: FieldSpec, raw: bytes) -> bytes:
    return raw.rstrip(spec.pad_byte) if spec.align is Align.LEFT else raw.lstrip(spec.pad_byte)


def decode_field(
    spec: FieldSpec, raw: bytes, encoding: str, form: AmountForm, column: int
) -> tuple[Any, FieldIssue | None]:
    kind = spec.kind
    if kind is Kind.CONST:
        if raw != spec.value.encode("ascii"):
            return None, FieldIssue(spec.name, column, RECORD_TYPE, f"record tag is not {spec.value!r}")
        return spec.value, None
    if kind is Kind.FILLER:
        return None, None
    if kind is Kind.TEXT:
        try:
            text = _strip(spec, raw).decode(encoding)
        except UnicodeDecodeError as exc:
            return None, FieldIssue(
                spec.name,
                column + exc.start,
                FIELD_NOT_DECODABLE,
                f"{spec.name} has bytes that are not valid {encoding.upper()} "
                "(a character cut at the field edge?)",
            )
        return text, None
    body = _strip(spec, raw)
    # A right-aligned, zero-padded 0 strips to nothing.
    if not body and spec.pad == "0":
        return 0, None
    if kind is Kind.AMOUNT and form is AmountForm.YUAN_DECIMAL:
        if _YUAN.fullmatch(body):
            whole, _, cents = body.partition(b".")
            return int(whole) * 100 + int(cents), None
    elif body.isdigit():  # bytes.isdigit is ASCII-only
        return int(body), None
    shown = raw.decode(encoding, errors="replace")
    decimal = kind is Kind.AMOUNT and form is AmountForm.YUAN_DECIMAL
    expect = "yuan with two decimals" if decimal else "digits"
    # Point at the first byte that can never belong to the number; else (misplaced point) at the field.
    allowed = b"0123456789" + spec.pad_byte + (b"." if decimal else b"")
    bad_at = next((i for i, byte in enumerate(raw) if byte not in allowed), 0)
    message = f"{spec.name} is not {expect}"
    return None, FieldIssue(
        spec.name, column + bad_at, FIELD_NOT_NUMERIC, message, masked(spec.name, shown.strip())
    )


def decode_record(
    lay: RecordLayout, raw: bytes, encoding: str, form: AmountForm
) -> tuple[dict[str, Any], list[FieldIssue]]:
    """Field values of one record and every problem found (wrong length: one issue, no values)."""
    if len(raw) != lay.length:
        column = min(len(raw), lay.length) + 1
        field = "record"
        for spec, offset in zip(lay.fields, lay.offsets, strict=True):
            if offset < column <= offset + spec.width:
                field = spec.name
        return {}, [
            FieldIssue(
                field,
                column,
                RECORD_LENGTH,
                f"{lay.record} record is {len(raw)} bytes, expected {lay.length}",
            )
        ]
    values: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    for spec, offset in zip(lay.fields, lay.offsets, strict=True):
        value, issue = decode_field(spec, raw[offset : offset + spec.width], encoding, form, offset + 1)
        if issue is not None:
            issues.append(issue)
        elif spec.kind not in (Kind.CONST, Kind.FILLER):
            values[spec.name] = value
    return values, issues
