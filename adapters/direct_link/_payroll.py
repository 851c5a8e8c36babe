"""Payroll bodies of the direct-link protocol: PAYROLL_SUBMIT parts, PAYROLL_QUERY, BOUNCE_QUERY.

Builders take a :class:`Submission` and return plain dicts (the envelope signs and encrypts them);
readers take the verified body of an answer and return line results plus the problems found, so one bad
row never hides the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.contract import AmountUnit, LineOutcome, LineResult, Submission, SubmissionLine
from gateway.errors import InvalidInput, LineRejected
from gateway.intake.amounts import format_yuan
from gateway.intake.benefits import BENEFITS

from ._codes import BATCH_STATUSES, ID_TYPES, LOCAL_BODY_MALFORMED, LOCAL_TOTALS_MISMATCH, LOCAL_UNKNOWN_LINE
from ._profile import DirectLinkProfile

SUBMISSION_INVALID = "SUBMISSION_INVALID"
CONTROL_SUM_MISMATCH = "CONTROL_SUM_MISMATCH"
MAX_REFERENCE = 35
MAX_MEMO = 60

_YUAN = re.compile(r"(?:0|[1-9][0-9]{0,15})\.[0-9]{2}")
_FEN = re.compile(r"0|[1-9][0-9]{0,17}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def amount_text(fen: int, unit: AmountUnit) -> str:
    """Fen to the bank's amount text: ``"1234.56"`` (yuan, integer arithmetic) or ``"123456"`` (fen)."""
    return format_yuan(fen, grouping=False) if unit is AmountUnit.YUAN else str(fen)


def amount_value(text: object, unit: AmountUnit) -> int | None:
    """The bank's amount text to fen; None when it is not exactly the unit's form (no floats, no sign)."""
    if not isinstance(text, str):
        return None
    if unit is AmountUnit.YUAN:
        if not _YUAN.fullmatch(text):
            return None
        whole, _, cents = text.partition(".")
        return int(whole) * 100 + int(cents)
    return int(text) if _FEN.fullmatch(text) else None


def check_submission(sub: Submission) -> None:
    """Refuse a submission we must not send: empty, bad sequence numbers or amounts, wrong control sum."""
    ref = sub.bank_reference
    if not ref or len(ref) > MAX_REFERENCE or not ref.isascii() or not ref.isprintable():
        raise InvalidInput(
            f"bank reference must be 1–{MAX_REFERENCE} printable ASCII characters", SUBMISSION_INVALID
        )
    if not _DATE.fullmatch(sub.requested_date):
        raise InvalidInput("requested date must be YYYY-MM-DD", SUBMISSION_INVALID)
    if not sub.lines:
        raise InvalidInput("submission has no lines", SUBMISSION_INVALID)
    seen: set[int] = set()
    total = 0
    for pos, line in enumerate(sub.lines, 1):
        seq = line.seq
        if type(seq) is not int or seq < 1 or seq in seen:
            raise LineRejected(
                f"line {pos}: sequence number missing, not positive or repeated",
                SUBMISSION_INVALID,
                metadata={"line": str(pos)},
            )
        seen.add(seq)
        if type(line.amount_fen) is not int or line.amount_fen <= 0:
            raise LineRejected(
                f"line {seq}: amount must be a positive integer of fen",
                SUBMISSION_INVALID,
                metadata={"line": str(seq)},
            )
        total += line.amount_fen
    if total != sub.control_sum_fen:
        raise InvalidInput(
            f"lines add up to {total} fen but the control sum is {sub.control_sum_fen} fen",
            CONTROL_SUM_MISMATCH,
        )


def memo(line: SubmissionLine) -> str:
    """``2025-01企业职工基本养老金``: what the payee reads on the statement."""
    benefit = BENEFITS.get(line.benefit)
    return f"{line.period}{benefit.chinese if benefit else line.benefit}"[:MAX_MEMO]


def _line(line: SubmissionLine, profile: DirectLinkProfile) -> dict[str, Any]:
    row: dict[str, Any] = {
        "acc": line.account,
        "amt": amount_text(line.amount_fen, profile.amount_unit),
        "memo": memo(line),
        "name": line.name,
        "ref": line.end_to_end_ref,
        "seq": line.seq,
    }
    if profile.send_id:
        try:
            row["idtype"] = ID_TYPES[line.id_type]
        except KeyError:
            raise LineRejected(
                f"line {line.seq}: id type is not one the protocol knows",
                SUBMISSION_INVALID,
                metadata={"line": str(line.seq), "field": "id_type"},
            ) from None
        row["idno"] = line.id_number
        row["namechk"] = "Y" if profile.name_check else "N"
    return row


def split_parts(sub: Submission, max_lines: int) -> list[Sequence[SubmissionLine]]:
    lines = sub.lines
    return [lines[i : i + max_lines] for i in range(0, len(lines), max_lines)]


def submit_bodies(sub: Submission, profile: DirectLinkProfile) -> list[dict[str, Any]]:
    """One PAYROLL_SUBMIT body per part; every part carries the whole batch's totals and its own."""
    check_submission(sub)
    unit = profile.amount_unit
    parts = split_parts(sub, profile.max_lines)
    common = {
        "batchref": sub.bank_reference,
        "expdate": sub.requested_date.replace("-", ""),
        "fund": sub.fund,
        "partcount": len(parts),
        "payacc": sub.fund_account,
        "payname": sub.fund_account_name,
        "purpose": sub.purpose,
        "totalamt": amount_text(sub.control_sum_fen, unit),
        "totalcount": len(sub.lines),
        "unit": unit.name,
    }
    bodies = []
    for number, part in enumerate(parts, 1):
        summary = {
            **common,
            "first": number == 1,
            "last": number == len(parts),
            "partamt": amount_text(sum(line.amount_fen for line in part), unit),
            "partlines": len(part),
            "partno": number,
        }
        if profile.send_manifest and number == 1 and sub.manifest_json:
            summary["manifest"] = sub.manifest_json
        bodies.append({"lines": [_line(line, profile) for line in part], "summary": summary})
    return bodies


def query_body(sub: Submission) -> dict[str, Any]:
    return {"batchref": sub.bank_reference, "querytype": "DETAIL"}


def bounce_body(sub: Submission) -> dict[str, Any]:
    return {"batchref": sub.bank_reference}


# --- reading answers ---------------------------------------------------------------------------------


class Problems:
    """What was wrong in an answer, as (local code, message without personal data)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, code: str, message: str) -> None:
        self.items.append((code, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key, "")
    return value if isinstance(value, str) else ""


def read_lines(
    rows: object,
    sub: Submission,
    profile: DirectLinkProfile,
    problems: Problems,
    *,
    bounce: bool = False,
) -> list[LineResult]:
    """Line results of an answer, joined to our lines by sequence number (and checked by reference).

    Rows that name a line we did not send, repeat one, carry another reference or an unreadable amount
    are left out and recorded in ``problems``; every other row becomes a LineResult.
    """
    if rows is None:
        return []
    if not isinstance(rows, list):
        problems.add(LOCAL_BODY_MALFORMED, "lines is not a list")
        return []
    ours = {line.seq: line for line in sub.lines}
    seen: set[int] = set()
    out: list[LineResult] = []
    unit = profile.amount_unit
    for pos, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            problems.add(LOCAL_BODY_MALFORMED, f"row {pos}: not an object")
            continue
        seq = row.get("seq")
        line = ours.get(seq) if type(seq) is int else None
        if line is None:
            problems.add(LOCAL_UNKNOWN_LINE, f"row {pos}: sequence number is not a line of this batch")
            continue
        if seq in seen:
            problems.add(LOCAL_UNKNOWN_LINE, f"row {pos}: line {seq} appears twice")
            continue
        seen.add(seq)
        ref = row.get("ref", line.end_to_end_ref)
        if ref != line.end_to_end_ref:
            problems.add(LOCAL_UNKNOWN_LINE, f"row {pos}: line {seq} carries another reference")
            continue
        amount = amount_value(row.get("amt"), unit)
        if amount is None:
            problems.add(LOCAL_BODY_MALFORMED, f"row {pos}: line {seq} amount is not {unit.value} text")
            continue
        errcode = _text(row, "errcode")
        errmsg = _text(row, "errmsg")
        if bounce:
            outcome = LineOutcome.RETURNED
            raw_code = errcode or "R"
            value_date = _text(row, "retdate")
        else:
            status = _text(row, "status")
            outcome = profile.status_table.get(status, LineOutcome.UNKNOWN)
            raw_code = errcode or status
            value_date = _text(row, "valdate")
        reason = (
            profile.failure_texts.classify(errmsg)
            if outcome in (LineOutcome.FAILED, LineOutcome.RETURNED)
            else None
        )
        out.append(
            LineResult(
                outcome=outcome,
                seq=seq,
                end_to_end_ref=line.end_to_end_ref,
                reason=reason,
                reason_code_list="return" if bounce else "status",
                raw_code=raw_code,
                raw_text=errmsg,
                value_date=value_date,
                amount_fen=amount,
            )
        )
    # In the order of our lines, whatever order the bank listed them in.
    out.sort(key=lambda r: r.seq or 0)
    return out


def check_totals(
    body: Mapping[str, Any],
    sub: Submission,
    results: Sequence[LineResult],
    profile: DirectLinkProfile,
    problems: Problems,
) -> None:
    """A PAYROLL_QUERY answer's batch figures must match our batch and its own rows."""
    unit = profile.amount_unit
    if body.get("batchstatus") not in BATCH_STATUSES:
        problems.add(LOCAL_BODY_MALFORMED, "batch status is not P or F")
    if (
        body.get("totalcount") != len(sub.lines)
        or amount_value(body.get("totalamt"), unit) != sub.control_sum_fen
    ):
        problems.add(LOCAL_TOTALS_MISMATCH, "the bank's batch count or amount differs from ours")
    paid = [r for r in results if r.outcome is LineOutcome.PAID]
    failed = [r for r in results if r.outcome is LineOutcome.FAILED]
    for label, rows, count_key, amount_key in (
        ("success", paid, "succount", "sucamt"),
        ("failure", failed, "failcount", "failamt"),
    ):
        count = body.get(count_key)
        amount = amount_value(body.get(amount_key), unit)
        if count != len(rows) or amount != sum(r.amount_fen or 0 for r in rows):
            problems.add(LOCAL_TOTALS_MISMATCH, f"the bank's {label} count or amount differs from its rows")
    if body.get("batchstatus") == "F" and len(results) != len(sub.lines):
        problems.add(LOCAL_TOTALS_MISMATCH, "the batch is finished but not every line has a row")
