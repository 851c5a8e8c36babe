"""BankLink pushes (``PushLineResultsRequest`` in its proto JSON form) as bank entries.

A BankLink bank pushes results for one submission (by ``submissionId``), each naming the line by ``seq``
or ``endToEndRef``; the push carries no amount (the gateway knows what it sent). Entries therefore carry
the end-to-end reference and the sequence, with the submission id as the statement id; the matcher joins
them to our lines by reference, or by (submission, seq).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from google.protobuf import json_format

from adapters.contract import FailureReason, LineOutcome, LineResult
from reconciliation._base import EvidenceFormat, ParseContext, Sniff
from reconciliation._line_results import entry_from_result, parse_day
from reconciliation.entry import BankEntry, EntryKind, Statement

FORMAT = "banklink_push"

_OUTCOMES = {
    "LINE_OUTCOME_ACCEPTED": LineOutcome.PENDING,
    "LINE_OUTCOME_PAID": LineOutcome.PAID,
    "LINE_OUTCOME_FAILED": LineOutcome.FAILED,
}


def detect(sniff: Sniff) -> bool:
    head = sniff.head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and (b'"submissionId"' in head or b'"submission_id"' in head)


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    from silink.banklink.v1 import banklink_pb2 as bpb

    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
        request = json_format.ParseDict(raw, bpb.PushLineResultsRequest())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ctx.unreadable(f"not JSON ({exc.__class__.__name__})") from None
    except json_format.ParseError as exc:
        # The message names the field (never a value of ours: pushes carry no personal data).
        raise ctx.unreadable(f"not a PushLineResultsRequest: {exc}") from None
    if not request.submission_id:
        ctx.problem("$", "submissionId", "missing")
    entries: list[BankEntry] = []
    for i, res in enumerate(request.results):
        where = f"$.results[{i}]"
        name = bpb.LineOutcome.Name(res.outcome)
        if name not in _OUTCOMES:
            ctx.problem(where, "outcome", f"{name} is not a result")
            continue
        which = res.WhichOneof("line")
        if which is None or (which == "seq" and res.seq < 1):
            ctx.problem(where, "line", "names no line (seq or endToEndRef)")
            continue
        try:
            value_date = parse_day(res.value_date)
        except ValueError as exc:
            ctx.problem(where, "valueDate", str(exc))
            continue
        reason_name = _reason_name(res.failure_reason)
        result = LineResult(
            outcome=_OUTCOMES[name],
            seq=res.seq if which == "seq" else None,
            end_to_end_ref=res.end_to_end_ref if which == "end_to_end_ref" else None,
            reason=FailureReason[reason_name] if reason_name in FailureReason.__members__ else None,
            raw_code=res.reason_code or res.bank_status_code,
            raw_text=res.raw_text,
        )
        entries.append(
            entry_from_result(
                result,
                source_format=FORMAT,
                source_file=ctx.file_name,
                position=where,
                line=None,
                batch_ref="",
                value_date=value_date,
            )
        )
    stamped = [replace(e, statement_id=request.submission_id or None) for e in entries]
    statement = Statement(
        source_format=FORMAT,
        source_file=ctx.file_name,
        position="$",
        kind=EntryKind.STATUS,
        statement_id=request.submission_id or None,
        message_id=request.request_id or None,
        entries_count=len(stamped),
    )
    return [statement], stamped


def _reason_name(value: int) -> str:
    from silink.common.v1 import common_pb2

    return common_pb2.FailureReason.Name(value).removeprefix("FAILURE_REASON_")


BANKLINK_PUSH = EvidenceFormat(FORMAT, "BankLink PushLineResultsRequest (proto JSON)", detect, parse)
