"""报盘 files out, 回执 (receipt) and 回盘 (result) files in.

A 报盘 file is ``header, detail…, trailer``, each record followed by the profile's line ending, signed
whole with a detached SM2 signature (raw DER in ``<file>.sig``). A 回盘 file has the same shape with the
result records; reading it verifies its detached signature first (nothing of an unverified file is
used), hashes the exact bytes, then reads every line, collecting every problem with its line and byte
column instead of stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.contract import AdapterContext, LineOutcome, LineResult, Submission, WireMessage
from adapters.direct_link import check_submission, memo
from gateway.errors import FieldViolation, InvalidInput, LineRejected
from keys.algorithms import new_hash

from . import _codec
from ._codec import EncodeError, FieldIssue
from ._profile import ID_TYPES, FileProfile, RecordLayout

KEYS_MISSING = "ADAPTER_KEYS_MISSING"
SIGNATURE_MISSING = "SIGNATURE_MISSING"
SIGNATURE_INVALID = "SIGNATURE_INVALID"
FILE_MALFORMED = "FILE_MALFORMED"
FIELDS_NOT_WRITABLE = "FIELDS_NOT_WRITABLE"
MAX_VIOLATIONS = 1000

# File issues of a result file (ResultFile.file_errors[i].code).
EMPTY_FILE = "EMPTY_FILE"
HEADER_MISSING = "HEADER_MISSING"
HEADER_INVALID = "HEADER_INVALID"
TRAILER_MISSING = "TRAILER_MISSING"
TRAILER_INVALID = "TRAILER_INVALID"
COUNT_MISMATCH = "COUNT_MISMATCH"
CONTROL_SUM_MISMATCH = "CONTROL_SUM_MISMATCH"
CONTROL_SUM_UNCHECKED = "CONTROL_SUM_UNCHECKED"
REFERENCE_MISMATCH = "REFERENCE_MISMATCH"
# Line problems beyond the codec's (LineError.reason).
EMPTY_LINE = "EMPTY_LINE"
UNKNOWN_LINE = "UNKNOWN_LINE"
DUPLICATE_LINE = "DUPLICATE_LINE"
REF_MISMATCH = "REF_MISMATCH"
AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
ACCOUNT_MISMATCH = "ACCOUNT_MISMATCH"

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class LineError:
    """A line of a result file that was not used: 1-based ``line`` and byte ``column``, no clear values."""

    line: int
    column: int
    field: str
    reason: str
    message: str
    value_masked: str = ""

    def __str__(self) -> str:
        shown = f" ({self.value_masked})" if self.value_masked else ""
        return f"line {self.line}, column {self.column}, {self.field}: {self.message}{shown}"


@dataclass(frozen=True)
class FileIssue:
    code: str
    message: str


@dataclass(frozen=True)
class ResultFile:
    """Everything read from one 回盘 file. ``content_hash`` identifies the exact bytes (``sm3:<hex>``):
    the caller records it and refuses to apply the same file twice."""

    content_hash: str
    batch_ref: str
    part_no: int | None
    lines: tuple[LineResult, ...]
    line_errors: tuple[LineError, ...]
    file_errors: tuple[FileIssue, ...]
    detail_records: int

    @property
    def clean(self) -> bool:
        return not self.line_errors and not self.file_errors


def content_hash(data: bytes, algorithm: str = "SM3") -> str:
    """``sm3:<hex>`` (or ``sha-256:<hex>``) of the exact bytes."""
    return f"{algorithm.lower()}:{new_hash(algorithm, data).hexdigest()}"


def _date8(text: str) -> str:
    return text.replace("-", "")


def file_name(profile: FileProfile, prefix: str, sub: Submission, part_no: int) -> str:
    """``PAY_403_20250105_SLK000000000001_001.txt``: fixed by the submission alone (not by the clock), so
    the names of the receipt and result files can be derived again at any time."""
    for value, what in ((sub.bank_code, "bank code"), (sub.bank_reference, "bank reference")):
        if not _SAFE_NAME.fullmatch(value):
            raise InvalidInput(
                f"{what} cannot be part of a file name (letters, digits, _ . - only)", FILE_MALFORMED
            )
    return f"{prefix}_{sub.bank_code}_{_date8(sub.requested_date)}_{sub.bank_reference}_{part_no:03d}.txt"


def split_parts(sub: Submission, max_lines: int) -> list[Sequence[Any]]:
    lines = sub.lines
    return [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)]


def _violation(where: str, issue: FieldIssue) -> FieldViolation:
    shown = f" (value {issue.value_masked})" if issue.value_masked else ""
    return FieldViolation(f"{where}: {issue.field}", f"{issue.message}{shown}")


def render_files(
    sub: Submission, ctx: AdapterContext, profile: FileProfile, file_date: str
) -> list[WireMessage]:
    """The signed 报盘 file of every part. Every field that cannot be written is reported (line, field,
    masked value) in one ``LineRejected``; nothing is written then."""
    check_submission(sub)
    if ctx.signer is None:
        raise InvalidInput("the file protocol needs the gateway's signer in the context", KEYS_MISSING)
    enc = profile.encoding
    form = profile.amount_form
    header = profile.record("header")
    detail = profile.record("detail")
    trailer = profile.record("trailer")
    parts = split_parts(sub, profile.max_lines)
    violations: list[FieldViolation] = []
    refused = 0  # every refusal counts; only the first MAX_VIOLATIONS are listed
    reasons: set[str] = set()
    first: tuple[str, FieldIssue] | None = None
    writes_id_type = "id_type" in detail.names()
    messages = []
    eol = profile.line_ending
    for part_no, part in enumerate(parts, 1):
        part_fen = sum(line.amount_fen for line in part)
        records: list[bytes] = []
        try:
            records.append(
                _codec.encode_record(
                    header,
                    {
                        "bank_code": sub.bank_code,
                        "batch_ref": sub.bank_reference,
                        "part_no": part_no,
                        "part_count": len(parts),
                        "file_date": file_date,
                        "value_date": _date8(sub.requested_date),
                        "payer_account": sub.fund_account,
                        "payer_name": sub.fund_account_name,
                        "purpose": sub.purpose,
                        "fund": sub.fund,
                        "total_count": len(part),
                        "total_amount": part_fen,
                    },
                    enc,
                    form,
                )
            )
        except EncodeError as exc:
            # Every part's header carries the same agency fields: report a bad one once, not per part.
            if first is None or first[0] != "header":
                violations.append(_violation("header", exc.issue))
                refused += 1
                reasons.add(exc.issue.reason)
            first = first or ("header", exc.issue)
        for line in part:
            values = {
                "seq": line.seq,
                "end_to_end_ref": line.end_to_end_ref,
                "account": line.account,
                "account_type": line.account_type,
                "name": line.name,
                "id_type": ID_TYPES.get(line.id_type, ""),
                "id_number": line.id_number,
                "amount": line.amount_fen,
                "memo": memo(line),
            }
            try:
                if writes_id_type and not values["id_type"]:
                    raise EncodeError(
                        FieldIssue("id_type", 0, _codec.FIELD_INVALID, "id_type is not one the format knows")
                    )
                records.append(_codec.encode_record(detail, values, enc, form))
            except EncodeError as exc:
                if len(violations) < MAX_VIOLATIONS:
                    violations.append(_violation(f"line {line.seq}", exc.issue))
                refused += 1
                reasons.add(exc.issue.reason)
                first = first or (f"line {line.seq}", exc.issue)
        records.append(
            _codec.encode_record(
                trailer,
                {"batch_ref": sub.bank_reference, "total_count": len(part), "total_amount": part_fen},
                enc,
                form,
            )
        )
        if first is None:
            body = eol.join(records) + eol
            name = file_name(profile, profile.file_prefix, sub, part_no)
            messages.append(
                WireMessage(
                    body=body,
                    content_type=f"text/plain; charset={enc}",
                    path=name,
                    headers={
                        "X-Silink-Part": f"{part_no}/{len(parts)}",
                        "X-Silink-Content-Hash": content_hash(body, profile.hash_algorithm),
                    },
                    attachments={name + ".sig": ctx.signer.sign(body)},
                )
            )
    if first is not None:
        where, issue = first
        shown = f" (value {issue.value_masked})" if issue.value_masked else ""
        raise LineRejected(
            f"{refused} field(s) cannot be written in the bank's {enc.upper()} file; first: "
            f"{where}, {issue.field}: {issue.message}{shown}",
            # One kind of problem keeps its precise reason; a mixture gets the umbrella reason.
            reasons.pop() if len(reasons) == 1 else FIELDS_NOT_WRITABLE,
            metadata={
                "where": where,
                "field": issue.field,
                "value": issue.value_masked,
                "count": str(refused),
            },
            field_violations=violations,
        )
    return messages


def verify_detached(data: bytes, signature: bytes | None, verifier: Any) -> None:
    """Refuse unsigned or wrongly signed bytes (``InvalidInput`` SIGNATURE_MISSING / SIGNATURE_INVALID)."""
    if verifier is None:
        raise InvalidInput("reading a bank file needs the bank's verifier in the context", KEYS_MISSING)
    if not signature:
        raise InvalidInput("the bank file has no detached signature", SIGNATURE_MISSING)
    if not verifier.verify(data, signature):
        raise InvalidInput("the bank file's detached signature does not verify", SIGNATURE_INVALID)


def _rows(data: bytes) -> list[bytes]:
    rows = data.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    # Either line ending is accepted: \r never occurs inside a GBK/GB18030 character.
    return [row[:-1] if row.endswith(b"\r") else row for row in rows]


def _column(lay: RecordLayout, name: str) -> int:
    for spec, offset in zip(lay.fields, lay.offsets, strict=True):
        if spec.name == name:
            return offset + 1
    return 1


def parse_receipt(
    data: bytes, signature: bytes | None, verifier: Any, profile: FileProfile
) -> dict[str, Any]:
    """The one ``R`` record of a 回执 file; ``InvalidInput`` (signature reasons or FILE_MALFORMED)."""
    verify_detached(data, signature, verifier)
    rows = _rows(data)
    lay = profile.record("receipt")
    if len(rows) != 1 or not rows[0].startswith(lay.tag):
        raise InvalidInput("a receipt file is exactly one receipt record", FILE_MALFORMED)
    values, issues = _codec.decode_record(lay, rows[0], profile.encoding, profile.amount_form)
    if issues:
        issue = issues[0]
        raise InvalidInput(
            f"receipt line 1, column {issue.column}, {issue.field}: {issue.message}", FILE_MALFORMED
        )
    return values


def parse_result(
    data: bytes,
    signature: bytes | None,
    verifier: Any,
    profile: FileProfile,
    submission: Submission | None = None,
) -> ResultFile:
    """Verify, hash and read a 回盘 file. Raises only for the signature; everything else is collected."""
    verify_detached(data, signature, verifier)
    digest = content_hash(data, profile.hash_algorithm)
    enc = profile.encoding
    form = profile.amount_form
    head_lay = profile.record("result_header")
    det_lay = profile.record("result_detail")
    tail_lay = profile.record("result_trailer")
    rows = _rows(data)
    line_errors: list[LineError] = []
    file_errors: list[FileIssue] = []
    results: list[LineResult] = []
    if not rows:
        return ResultFile(digest, "", None, (), (), (FileIssue(EMPTY_FILE, "the result file is empty"),), 0)

    ours = {line.seq: line for line in submission.lines} if submission is not None else None
    seen: set[int] = set()
    header: dict[str, Any] | None = None
    trailer: dict[str, Any] | None = None
    details = 0
    amounts_complete = True
    total_fen = paid_count = paid_fen = failed_count = failed_fen = 0
    last = len(rows)

    def errors(number: int, issues: list[FieldIssue]) -> None:
        for issue in issues:
            line_errors.append(
                LineError(number, issue.column, issue.field, issue.reason, issue.message, issue.value_masked)
            )

    for number, raw in enumerate(rows, 1):
        if not raw:
            line_errors.append(LineError(number, 1, "record", EMPTY_LINE, "empty line"))
            continue
        if number == 1 and raw.startswith(head_lay.tag):
            values, issues = _codec.decode_record(head_lay, raw, enc, form)
            errors(number, issues)
            header = values if not issues else None
            if issues:
                file_errors.append(FileIssue(HEADER_INVALID, "the header record is malformed"))
            continue
        if number == last and raw.startswith(tail_lay.tag):
            values, issues = _codec.decode_record(tail_lay, raw, enc, form)
            errors(number, issues)
            trailer = values if not issues else None
            if issues:
                file_errors.append(FileIssue(TRAILER_INVALID, "the trailer record is malformed"))
            continue
        if not raw.startswith(det_lay.tag):
            line_errors.append(
                LineError(
                    number,
                    1,
                    "rectype",
                    _codec.RECORD_TYPE,
                    "not a detail record (or a header/trailer out of place)",
                )
            )
            continue
        details += 1
        values, issues = _codec.decode_record(det_lay, raw, enc, form)
        # The trailer sums what the bank wrote, so every readable amount counts, accepted or not.
        if "amount" in values:
            total_fen += values["amount"]
        else:
            amounts_complete = False
        if issues:
            errors(number, issues)
            continue
        seq = values["seq"]
        amount = values["amount"]
        ref = values.get("end_to_end_ref") or None
        status = values["status"]
        outcome = profile.status_codes.get(status, LineOutcome.UNKNOWN)
        if outcome is LineOutcome.PAID:
            paid_count += 1
            paid_fen += amount
        elif outcome is LineOutcome.FAILED:
            failed_count += 1
            failed_fen += amount
        if seq in seen:
            line_errors.append(
                LineError(
                    number,
                    _column(det_lay, "seq"),
                    "seq",
                    DUPLICATE_LINE,
                    f"line sequence {seq} appears again",
                )
            )
            continue
        seen.add(seq)
        if ours is not None:
            line = ours.get(seq)
            problem: tuple[str, str, str] | None = None
            if line is None:
                problem = ("seq", UNKNOWN_LINE, f"line sequence {seq} is not a line of this submission")
            elif ref is not None and ref != line.end_to_end_ref:
                problem = ("end_to_end_ref", REF_MISMATCH, f"line {seq} carries another reference")
            elif amount != line.amount_fen:
                problem = ("amount", AMOUNT_MISMATCH, f"line {seq} amount differs from the amount sent")
            elif "account" in values and values["account"] != line.account:
                problem = ("account", ACCOUNT_MISMATCH, f"line {seq} account differs from the account sent")
            if problem is not None:
                name, reason, message = problem
                shown = _codec.masked(name, str(values.get(name, ""))) if name == "account" else ""
                line_errors.append(LineError(number, _column(det_lay, name), name, reason, message, shown))
                continue
            ref = line.end_to_end_ref
        reason_text = values.get("reason_text", "")
        results.append(
            LineResult(
                outcome=outcome,
                seq=seq,
                end_to_end_ref=ref,
                reason=profile.failure_texts.classify(reason_text)
                if outcome in (LineOutcome.FAILED, LineOutcome.RETURNED)
                else None,
                reason_code_list="return" if outcome is LineOutcome.RETURNED else "status",
                raw_code=values.get("reason_code") or status,
                raw_text=reason_text,
                value_date=values.get("value_date", ""),
                amount_fen=amount,
            )
        )

    if not rows[0].startswith(head_lay.tag):
        file_errors.append(FileIssue(HEADER_MISSING, "the first line is not a header record"))
    if not rows[-1].startswith(tail_lay.tag) or last == 1:
        file_errors.append(
            FileIssue(TRAILER_MISSING, "the last line is not a trailer record (file cut short?)")
        )

    batch_ref = header.get("batch_ref", "") if header else ""
    part_no = header.get("part_no") if header else None
    if submission is not None and header is not None and batch_ref != submission.bank_reference:
        file_errors.append(FileIssue(REFERENCE_MISMATCH, "the result file is for another batch"))
        results = []  # never apply another batch's results to ours

    for totals, where in ((trailer, "trailer"), (header, "header")):
        if totals is None or "total_count" not in totals:
            continue
        if totals["total_count"] != details:
            file_errors.append(
                FileIssue(
                    COUNT_MISMATCH,
                    f"the {where} counts {totals['total_count']} details, the file has {details}",
                )
            )
        if "total_amount" in totals:
            if not amounts_complete:
                file_errors.append(
                    FileIssue(
                        CONTROL_SUM_UNCHECKED,
                        f"the {where} control sum cannot be checked: unreadable amounts",
                    )
                )
            elif totals["total_amount"] != total_fen:
                file_errors.append(
                    FileIssue(
                        CONTROL_SUM_MISMATCH,
                        f"the {where} control sum is {totals['total_amount']} fen, "
                        f"the details add up to {total_fen}",
                    )
                )
    if trailer is not None and not line_errors:
        for label, count_key, amount_key, count, fen in (
            ("success", "success_count", "success_amount", paid_count, paid_fen),
            ("failure", "fail_count", "fail_amount", failed_count, failed_fen),
        ):
            if count_key in trailer and (trailer[count_key] != count or trailer.get(amount_key, fen) != fen):
                file_errors.append(
                    FileIssue(CONTROL_SUM_MISMATCH, f"the trailer's {label} totals differ from the details")
                )

    return ResultFile(
        content_hash=digest,
        batch_ref=batch_ref,
        part_no=part_no if isinstance(part_no, int) else None,
        lines=tuple(results),
        line_errors=tuple(line_errors),
        file_errors=tuple(file_errors),
        detail_records=details,
    )
