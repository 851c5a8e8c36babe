"""Direct-link JSON answers (PAYROLL_QUERY results, BOUNCE_QUERY 退票) as bank entries.

The evidence file is the opened answer body, as the adapter reads it after checking the envelope's
signature (``adapters/direct_link/FORMAT.md``): ``{"batchref", "batchstatus", "lines": [...]}`` for a
result query, ``{"batchref", "lines": [{"retdate", …}]}`` (no ``batchstatus``) for returns. Amounts are
read with the adapter's own :func:`~adapters.direct_link.amount_value` in the unit the body names
(``"unit": "FEN"``) or yuan text by default; statuses with the adapter's status table; failure texts with
the bank dictionary. Any bad row refuses the file, naming the row and field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.contract import AmountUnit, LineOutcome, LineResult
from adapters.direct_link import LINE_STATUSES, DirectLinkProfile, amount_value
from reconciliation._base import EvidenceFormat, ParseContext, Sniff
from reconciliation._line_results import entry_from_result, parse_day
from reconciliation.entry import BankEntry, EntryKind, Statement

FORMAT = "direct_link"


def detect(sniff: Sniff) -> bool:
    head = sniff.head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and b'"batchref"' in head and b'"lines"' in head


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key, "")
    return value if isinstance(value, str) else ""


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    try:
        body = json.loads(path.read_bytes().decode("utf-8"), parse_float=_no_float)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ctx.unreadable(f"not a direct-link JSON answer body{where}") from None
    if not isinstance(body, dict):
        raise ctx.unreadable("the answer body is not a JSON object")
    batch_ref = body.get("batchref")
    if not isinstance(batch_ref, str) or not batch_ref:
        ctx.problem("$", "batchref", "missing or not text")
        batch_ref = ""
    unit = AmountUnit.FEN if body.get("unit") in ("FEN", "fen") else AmountUnit.YUAN
    bounce = "batchstatus" not in body
    rows = body.get("lines")
    if not isinstance(rows, list):
        raise ctx.unreadable("lines is not a list")
    profile = DirectLinkProfile()
    entries: list[BankEntry] = []
    seen: set[int] = set()
    for pos, row in enumerate(rows, 1):
        where = f"$.lines[{pos - 1}]"
        if not isinstance(row, dict):
            ctx.problem(where, "row", "not an object")
            continue
        seq = row.get("seq")
        if type(seq) is not int or seq < 1:
            ctx.problem(where, "seq", "not a positive integer")
            continue
        if seq in seen:
            ctx.problem(where, "seq", f"line {seq} appears twice")
            continue
        seen.add(seq)
        amount = amount_value(row.get("amt"), unit)
        if amount is None:
            ctx.problem(where, "amt", f"not {unit.value} amount text")
            continue
        errmsg = _text(row, "errmsg")
        if bounce:
            outcome, raw_code, day_key = LineOutcome.RETURNED, _text(row, "errcode") or "R", "retdate"
        else:
            status = _text(row, "status")
            if status not in LINE_STATUSES:
                ctx.problem(where, "status", f"status {status!r} is not one of {', '.join(LINE_STATUSES)}")
                continue
            outcome, raw_code, day_key = LINE_STATUSES[status], _text(row, "errcode") or status, "valdate"
        try:
            value_date = parse_day(_text(row, day_key))
        except ValueError as exc:
            ctx.problem(where, day_key, str(exc))
            continue
        result = LineResult(
            outcome=outcome,
            seq=seq,
            end_to_end_ref=_text(row, "ref") or None,
            reason=profile.failure_texts.classify(errmsg)
            if outcome in (LineOutcome.FAILED, LineOutcome.RETURNED)
            else None,
            reason_code_list="return" if bounce else "status",
            raw_code=raw_code,
            raw_text=errmsg,
            amount_fen=amount,
        )
        entries.append(
            entry_from_result(
                result,
                source_format=FORMAT,
                source_file=ctx.file_name,
                position=where,
                line=None,
                batch_ref=batch_ref,
                value_date=value_date,
            )
        )
    statement = Statement(
        source_format=FORMAT,
        source_file=ctx.file_name,
        position="$",
        kind=EntryKind.STATUS,
        statement_id=batch_ref or None,
        currency="CNY",
        entries_count=len(entries),
        debit_count=len(entries),
        debit_sum_minor=sum(e.amount_minor or 0 for e in entries),
    )
    return [statement], entries


def _no_float(text: str) -> Any:
    raise ValueError("a JSON number with a fraction: amounts are text")


DIRECT_LINK = EvidenceFormat(FORMAT, "direct-link JSON result or 退票 answer body", detect, parse)
