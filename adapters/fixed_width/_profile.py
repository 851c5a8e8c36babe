"""Bank file profiles: the byte layout of every record of the 报盘 / 回执 / 回盘 files of one bank.

A profile is data: it can be written in ``silink.toml`` (``[banks.X.file_profile]``), built in per bank
code, or derived from a built-in one by overriding some keys (``base = "default"``). Widths are in
**bytes of the profile's encoding**: a Chinese character takes 2 bytes in GBK and 2 or 4 in GB18030.

Field kinds:

=========  ============================================================================================
``const``  fixed bytes (the record tag such as ``H``, ``D``, ``T``; the first field of every record)
``text``   text in the profile's encoding, padded; refused (never cut) when longer than the field
``digits`` a non-negative integer (counts, sequence numbers)
``amount`` money from integer fen: ``fen`` or ``yuan_implied`` (the same digits: yuan with 2 implied
           decimals) or ``yuan_decimal`` (``1234.56``); the form is the profile's ``amount_form``
``filler`` padding only
=========  ============================================================================================
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from adapters.contract import AmountUnit, LineOutcome
from adapters.failure_texts import FailureTexts, table_for
from gateway.errors import InvalidInput

CONFIG_INVALID = "CONFIG_INVALID"


class Kind(enum.StrEnum):
    CONST = "const"
    TEXT = "text"
    DIGITS = "digits"
    AMOUNT = "amount"
    FILLER = "filler"


class AmountForm(enum.StrEnum):
    FEN = "fen"
    YUAN_IMPLIED = "yuan_implied"
    YUAN_DECIMAL = "yuan_decimal"


class Align(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"


ENCODINGS = ("gbk", "gb18030")
TEXT_PADS = " !\"#$%&'()*+,-./"
# Fields whose values are personal data: shown only masked in any error.
PERSONAL = frozenset({"account", "name", "id_number", "payer_account"})

# What each record may contain (besides const tags and fillers), and of which kind.
_TEXT = Kind.TEXT
_DIG = Kind.DIGITS
_AMT = Kind.AMOUNT
RECORD_FIELDS: Mapping[str, Mapping[str, Kind]] = MappingProxyType(
    {
        "header": {
            "bank_code": _TEXT,
            "batch_ref": _TEXT,
            "part_no": _DIG,
            "part_count": _DIG,
            "file_date": _TEXT,
            "value_date": _TEXT,
            "payer_account": _TEXT,
            "payer_name": _TEXT,
            "purpose": _TEXT,
            "fund": _TEXT,
            "total_count": _DIG,
            "total_amount": _AMT,
        },
        "detail": {
            "seq": _DIG,
            "end_to_end_ref": _TEXT,
            "account": _TEXT,
            "account_type": _TEXT,
            "name": _TEXT,
            "id_type": _TEXT,
            "id_number": _TEXT,
            "amount": _AMT,
            "memo": _TEXT,
        },
        "trailer": {"batch_ref": _TEXT, "total_count": _DIG, "total_amount": _AMT},
        "receipt": {
            "batch_ref": _TEXT,
            "part_no": _DIG,
            "retcode": _TEXT,
            "retmsg": _TEXT,
            "total_count": _DIG,
            "total_amount": _AMT,
        },
        "result_header": {
            "bank_code": _TEXT,
            "batch_ref": _TEXT,
            "part_no": _DIG,
            "result_date": _TEXT,
            "total_count": _DIG,
            "total_amount": _AMT,
        },
        "result_detail": {
            "seq": _DIG,
            "end_to_end_ref": _TEXT,
            "account": _TEXT,
            "name": _TEXT,
            "amount": _AMT,
            "status": _TEXT,
            "reason_code": _TEXT,
            "reason_text": _TEXT,
            "value_date": _TEXT,
        },
        "result_trailer": {
            "total_count": _DIG,
            "total_amount": _AMT,
            "success_count": _DIG,
            "success_amount": _AMT,
            "fail_count": _DIG,
            "fail_amount": _AMT,
        },
    }
)
RECORDS = tuple(RECORD_FIELDS)


def _bad(where: str, why: str) -> InvalidInput:
    return InvalidInput(f"file profile {where}: {why}", CONFIG_INVALID, metadata={"setting": where})


@dataclass(frozen=True)
class FieldSpec:
    """One field: ``name`` (what it carries), ``width`` in bytes, and how it is written."""

    name: str
    width: int
    kind: Kind
    align: Align
    pad: str
    value: str = ""  # the bytes (ASCII) of a const field

    @property
    def personal(self) -> bool:
        return self.name in PERSONAL

    @functools.cached_property
    def pad_byte(self) -> bytes:
        # Cached: every field of every line is padded or stripped with it.
        return self.pad.encode("ascii")


@dataclass(frozen=True)
class RecordLayout:
    """The fields of one record type, in order; ``offsets[i]`` is the 0-based byte offset of field i."""

    record: str
    fields: tuple[FieldSpec, ...]
    offsets: tuple[int, ...]
    length: int

    @property
    def tag(self) -> bytes:
        return self.fields[0].value.encode("ascii")

    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


def _field(record: str, index: int, raw: Mapping[str, Any]) -> FieldSpec:
    where = f"{record}[{index}]"
    if not isinstance(raw, Mapping):
        raise _bad(where, "a field is a table with name and width")
    name = raw.get("name")
    width = raw.get("width")
    if not isinstance(name, str) or not name:
        raise _bad(where, "needs a name")
    if type(width) is not int or not 1 <= width <= 1000:
        raise _bad(where, "width must be an integer from 1 to 1000 (bytes)")
    if name in ("rectype", "const") or raw.get("kind") == "const":
        kind = Kind.CONST
    elif name == "filler":
        kind = Kind.FILLER
    else:
        allowed = RECORD_FIELDS[record]
        if name not in allowed:
            raise _bad(where, f"{name!r} is not a field of a {record} record ({', '.join(sorted(allowed))})")
        kind = allowed[name]
        if "kind" in raw and raw["kind"] != kind.value:
            raise _bad(where, f"{name!r} is always of kind {kind.value}")
    numeric = kind in (Kind.DIGITS, Kind.AMOUNT)
    align_text = raw.get("align", "right" if numeric else "left")
    try:
        align = Align(align_text)
    except ValueError:
        raise _bad(where, 'align must be "left" or "right"') from None
    pad = raw.get("pad", "0" if numeric else " ")
    if not isinstance(pad, str) or len(pad) != 1 or not pad.isascii() or not pad.isprintable():
        raise _bad(where, "pad must be one printable ASCII character")
    if numeric and pad not in "0 ":
        raise _bad(where, 'numbers pad with "0" or " "')
    if not numeric and pad not in TEXT_PADS:
        # Bytes from 0x30 up occur inside GBK/GB18030 characters; stripping them could cut a character.
        raise _bad(where, "text pads with a space or ASCII punctuation below '0'")
    value = raw.get("value", "")
    if kind is Kind.CONST and (not isinstance(value, str) or not value.isascii() or len(value) != width):
        raise _bad(where, "a const field needs an ASCII value exactly as wide as the field")
    return FieldSpec(name=name, width=width, kind=kind, align=align, pad=pad, value=value)


def layout(record: str, raw_fields: Sequence[Mapping[str, Any]]) -> RecordLayout:
    """Check and build one record layout from its list of field tables."""
    if record not in RECORD_FIELDS:
        raise _bad(record, "is not a record of the format")
    if not isinstance(raw_fields, Sequence) or isinstance(raw_fields, str) or not raw_fields:
        raise _bad(record, "needs a list of fields")
    fields = tuple(_field(record, i, raw) for i, raw in enumerate(raw_fields))
    if fields[0].kind is not Kind.CONST:
        raise _bad(record, "the first field must be the const record tag")
    seen: set[str] = set()
    for f in fields[1:]:
        if f.kind is Kind.CONST:
            continue
        if f.kind is not Kind.FILLER and f.name in seen:
            raise _bad(record, f"field {f.name!r} appears twice")
        seen.add(f.name)
    offsets = []
    at = 0
    for f in fields:
        offsets.append(at)
        at += f.width
    return RecordLayout(record, fields, tuple(offsets), at)


def _c(value: str) -> dict[str, Any]:
    return {"name": "rectype", "width": len(value), "kind": "const", "value": value}


def _f(name: str, width: int, **kw: Any) -> dict[str, Any]:
    return {"name": name, "width": width, **kw}


# The default layout "silink-fw-1" (documented byte by byte in FORMAT.md).
DEFAULT_LAYOUTS: Mapping[str, list[dict[str, Any]]] = MappingProxyType(
    {
        "header": [
            _c("H"),
            _f("bank_code", 3),
            _f("batch_ref", 35),
            _f("part_no", 3),
            _f("part_count", 3),
            _f("file_date", 8),
            _f("value_date", 8),
            _f("payer_account", 32),
            _f("payer_name", 60),
            _f("purpose", 40),
            _f("fund", 20),
            _f("total_count", 10),
            _f("total_amount", 18),
        ],
        "detail": [
            _c("D"),
            _f("seq", 8),
            _f("end_to_end_ref", 16),
            _f("account", 32),
            _f("name", 60),
            _f("id_type", 2),
            _f("id_number", 18),
            _f("amount", 15),
            _f("memo", 40),
        ],
        "trailer": [_c("T"), _f("batch_ref", 35), _f("total_count", 10), _f("total_amount", 18)],
        "receipt": [
            _c("R"),
            _f("batch_ref", 35),
            _f("part_no", 3),
            _f("retcode", 4),
            _f("retmsg", 60),
            _f("total_count", 10),
            _f("total_amount", 18),
        ],
        "result_header": [
            _c("H"),
            _f("bank_code", 3),
            _f("batch_ref", 35),
            _f("part_no", 3),
            _f("result_date", 8),
            _f("total_count", 10),
            _f("total_amount", 18),
        ],
        "result_detail": [
            _c("D"),
            _f("seq", 8),
            _f("end_to_end_ref", 16),
            _f("account", 32),
            _f("name", 60),
            _f("amount", 15),
            _f("status", 1),
            _f("reason_code", 8),
            _f("reason_text", 60),
            _f("value_date", 8),
        ],
        "result_trailer": [
            _c("T"),
            _f("total_count", 10),
            _f("total_amount", 18),
            _f("success_count", 10),
            _f("success_amount", 18),
            _f("fail_count", 10),
            _f("fail_amount", 18),
        ],
    }
)

# R: a line credited and then returned (退票), in a returns file (RTN_…).
DEFAULT_STATUS_CODES: Mapping[str, str] = MappingProxyType(
    {"S": "paid", "E": "failed", "A": "pending", "R": "returned"}
)
ID_TYPES: Mapping[str, str] = MappingProxyType({"RESIDENT_ID": "01", "USCC": "51"})


@dataclass(frozen=True)
class FileProfile:
    """One bank's file conventions. Build with :meth:`from_dict` (checked) or use a built-in."""

    name: str
    encoding: str
    amount_form: AmountForm
    line_ending: bytes
    max_lines: int
    records: Mapping[str, RecordLayout]
    status_codes: Mapping[str, LineOutcome]
    file_prefix: str = "PAY"
    receipt_prefix: str = "ACK"
    result_prefix: str = "RET"
    returns_prefix: str = "RTN"
    hash_algorithm: str = "SM3"
    failure_texts: FailureTexts = field(default_factory=lambda: table_for(""))
    return_code_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def amount_unit(self) -> AmountUnit:
        return AmountUnit.FEN if self.amount_form is AmountForm.FEN else AmountUnit.YUAN

    def record(self, name: str) -> RecordLayout:
        return self.records[name]

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], bank_code: str = "") -> FileProfile:
        """A profile from settings: any key left out is taken from ``base`` (a built-in name, default
        ``"default"``); records given replace the base's record whole."""
        if not isinstance(raw, Mapping):
            raise _bad("file_profile", "must be a table")
        base_name = raw.get("base", "default")
        if base_name not in BUILTIN:
            raise _bad("base", f"{base_name!r} is not a built-in profile ({', '.join(sorted(BUILTIN))})")
        base = BUILTIN[base_name]
        encoding = raw.get("encoding", base.encoding)
        if encoding not in ENCODINGS:
            raise _bad("encoding", f"must be one of {', '.join(ENCODINGS)}")
        try:
            form = AmountForm(raw.get("amount_form", base.amount_form))
        except ValueError:
            raise _bad("amount_form", f"must be one of {', '.join(a.value for a in AmountForm)}") from None
        ending = raw.get("line_ending", base.line_ending.decode("ascii"))
        if ending not in ("\r\n", "\n"):
            raise _bad("line_ending", 'must be "\\r\\n" or "\\n"')
        max_lines = raw.get("max_lines", base.max_lines)
        if type(max_lines) is not int or not 1 <= max_lines <= 10_000_000:
            raise _bad("max_lines", "must be a positive integer")
        records = dict(base.records)
        for record in RECORDS:
            if record in raw:
                records[record] = layout(record, raw[record])
        statuses = raw.get("status_codes")
        status_codes = base.status_codes if statuses is None else _status_codes(statuses)
        prefixes = {}
        for key in ("file_prefix", "receipt_prefix", "result_prefix", "returns_prefix"):
            value = raw.get(key, getattr(base, key))
            if not isinstance(value, str) or not value.isascii() or not value.isalnum():
                raise _bad(key, "must be ASCII letters and digits")
            prefixes[key] = value
        texts = raw.get("failure_texts", {})
        if not isinstance(texts, Mapping):
            raise _bad("failure_texts", "must be a table")
        table = table_for(bank_code)
        if texts:
            table = table.extended(texts)
        codes = raw.get("return_codes", {})
        if not isinstance(codes, Mapping) or any(
            v not in ("retry", "inquire", "manual", "terminal") for v in codes.values()
        ):
            raise _bad("return_codes", "must map codes to retry, inquire, manual or terminal")
        profile = cls(
            name=str(raw.get("name", f"{base.name}+custom")),
            encoding=encoding,
            amount_form=form,
            line_ending=ending.encode("ascii"),
            max_lines=max_lines,
            records=MappingProxyType(records),
            status_codes=status_codes,
            failure_texts=table,
            return_code_overrides=MappingProxyType({str(k): v for k, v in codes.items()}),
            **prefixes,
        )
        profile.check()
        return profile

    def check(self) -> None:
        """Cross-record rules: distinct tags within each file, the fields the adapter relies on present."""
        for group in (("header", "detail", "trailer"), ("result_header", "result_detail", "result_trailer")):
            tags = [self.records[r].tag for r in group]
            for i, a in enumerate(tags):
                for b in tags[i + 1 :]:
                    if a.startswith(b) or b.startswith(a):
                        raise _bad(
                            group[0], "record tags of one file must differ (and not prefix each other)"
                        )
        needs = {
            "detail": {"seq", "account", "name", "amount"},
            "trailer": {"total_count", "total_amount"},
            "receipt": {"batch_ref", "retcode"},
            "result_header": {"batch_ref"},
            "result_detail": {"seq", "amount", "status"},
            "result_trailer": {"total_count", "total_amount"},
        }
        for record, required in needs.items():
            missing = required - self.records[record].names()
            if missing:
                raise _bad(record, f"must have the fields {', '.join(sorted(missing))}")


def _status_codes(raw: object) -> Mapping[str, LineOutcome]:
    if not isinstance(raw, Mapping) or not raw:
        raise _bad("status_codes", "must be a table of bank status → paid/failed/pending/returned")
    out = {}
    for code, outcome in raw.items():
        if outcome not in ("paid", "failed", "pending", "returned"):
            raise _bad("status_codes", f"maps {code!r} to {outcome!r}, not paid/failed/pending/returned")
        out[str(code)] = LineOutcome(outcome)
    return MappingProxyType(out)


def _builtin(name: str, encoding: str, form: AmountForm, amount_pad: str = "0") -> FileProfile:
    records = {}
    for record, fields in DEFAULT_LAYOUTS.items():
        if amount_pad != "0":
            fields = [
                {**f, "pad": amount_pad} if RECORD_FIELDS[record].get(f["name"]) is Kind.AMOUNT else f
                for f in fields
            ]
        records[record] = layout(record, fields)
    profile = FileProfile(
        name=name,
        encoding=encoding,
        amount_form=form,
        line_ending=b"\r\n",
        max_lines=3000,
        records=MappingProxyType(records),
        status_codes=_status_codes(DEFAULT_STATUS_CODES),
    )
    profile.check()
    return profile


# Built-in profiles: the default (GBK, yuan with 2 implied decimals) and a GB18030 variant with explicit
# decimals (``   1234.56``), which PSBC (403) uses here so that rare name characters travel exactly.
BUILTIN: Mapping[str, FileProfile] = MappingProxyType(
    {
        "default": _builtin("default", "gbk", AmountForm.YUAN_IMPLIED),
        "gb18030-decimal": _builtin("gb18030-decimal", "gb18030", AmountForm.YUAN_DECIMAL, amount_pad=" "),
    }
)
BANK_PROFILES: Mapping[str, str] = MappingProxyType({"403": "gb18030-decimal"})


def profile_for(settings: Mapping[str, object] | None) -> FileProfile:
    """The profile of a bank: ``settings["file_profile"]`` (a table, or the name of a built-in), else the
    built-in of ``settings["bank_code"]``, else the default; the failure texts follow the bank code."""
    s = settings or {}
    bank_code = s.get("bank_code", "")
    if not isinstance(bank_code, str):
        raise _bad("bank_code", "must be text")
    chosen = s.get("file_profile")
    if isinstance(chosen, Mapping):
        return FileProfile.from_dict(chosen, bank_code)
    if chosen is None:
        chosen = BANK_PROFILES.get(bank_code[:3], "default")
    if not isinstance(chosen, str) or chosen not in BUILTIN:
        raise _bad("file_profile", f"must be a table or one of {', '.join(sorted(BUILTIN))}")
    profile = BUILTIN[chosen]
    if bank_code:
        profile = replace(profile, failure_texts=table_for(bank_code))
    return profile
