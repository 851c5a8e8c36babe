"""Marking lines failed by hand: for banks that answer on paper, by letter or by phone.

Some small banks send no machine-readable result at all; finance staff read the bank's letter and mark
the lines it names as failed. The mark goes through the same line-state table as a bank's own result
(only lines the bank still holds can fail: SUBMITTED, ACCEPTED, UNKNOWN or MANUAL), so a paid line can
never be marked failed and paid again by a re-issue. All the lines move, or none does.

The bank's reason text is kept as the raw text, redacted: finance types what the letter says, and a
letter can quote an account number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from adapters.contract import FailureReason, LineOutcome, LineResult
from gateway import audit
from gateway.clock import now_iso
from gateway.dispatch.lines import advance_batch, apply_results, can_move, open_lines
from gateway.domain.refs import batch_ref, line_ref
from gateway.errors import FieldViolation, InvalidInput, InvalidTransition, NotFound
from gateway.redaction import redact_text
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions

MAX_LINES = 1000
MARKABLE = ("SUBMITTED", "ACCEPTED", "UNKNOWN", "MANUAL")
MANUAL_CODE = "MANUAL"


@dataclass(frozen=True)
class MarkResult:
    marked_count: int
    marked_amount_fen: int
    batch_ids: tuple[int, ...]


def _check_request(line_ids: Sequence[int], reason: str, note: str) -> FailureReason:
    if not line_ids:
        raise InvalidInput(
            "name at least one line to mark failed", "FIELD_REQUIRED", metadata={"field": "line_ids"}
        )
    if len(line_ids) > MAX_LINES:
        raise InvalidInput(
            f"at most {MAX_LINES} lines per call", "TOO_MANY_LINES", metadata={"field": "line_ids"}
        )
    if len(set(line_ids)) != len(line_ids):
        raise InvalidInput("a line is named twice", "DUPLICATE_LINE", metadata={"field": "line_ids"})
    try:
        parsed = FailureReason(reason)
    except ValueError:
        raise InvalidInput(
            f"unknown failure reason {reason!r}", "FIELD_INVALID", metadata={"field": "failure_reason"}
        ) from None
    if parsed is FailureReason.UNKNOWN:
        # A person who read the bank's letter knows why; UNKNOWN would send the line back to inquiry.
        raise InvalidInput(
            "UNKNOWN is not a reason a person can give", "FIELD_INVALID", metadata={"field": "failure_reason"}
        )
    if not note.strip():
        raise InvalidInput(
            "say what the bank's document says (note)", "NOTE_REQUIRED", metadata={"field": "note"}
        )
    return parsed


def mark_lines_failed(
    conn: Connection,
    *,
    principal: str,
    line_ids: Sequence[int],
    reason: str,
    note: str,
    evidence_reference: str = "",
) -> MarkResult:
    """Move every named line to FAILED with ``reason``, audited; refuse all if any one cannot move."""
    parsed = _check_request(line_ids, reason, note)
    cols = batch_lines.c
    rows = conn.execute(
        select(cols.id, cols.batch_id, cols.submission_id, cols.e2e_ref, cols.state, cols.amount_fen)
        .where(cols.id.in_(list(line_ids)))
        .with_for_update()
    ).all()
    found = {r.id: r for r in rows}
    missing = [i for i in line_ids if i not in found]
    if missing:
        raise NotFound(
            f"{len(missing)} line(s) not found; first: {line_ref(missing[0])}",
            metadata={"line_id": line_ref(missing[0])},
        )
    bad = [
        FieldViolation(
            f"line_ids[{pos}]", f"{line_ref(i)} is {found[i].state}; only a line the bank holds can fail"
        )
        for pos, i in enumerate(line_ids)
        if found[i].state not in MARKABLE
        or found[i].submission_id is None
        or not can_move(found[i].state, "FAILED")
    ]
    if bad:
        raise InvalidTransition(
            f"{len(bad)} line(s) cannot be marked failed; first: {bad[0].description}",
            "INVALID_TRANSITION",
            field_violations=bad,
        )
    text = redact_text(note.strip())[:500]
    by_submission: dict[int, list[LineResult]] = {}
    for i in line_ids:
        r = found[i]
        by_submission.setdefault(r.submission_id, []).append(
            LineResult(
                outcome=LineOutcome.FAILED,
                end_to_end_ref=r.e2e_ref,
                reason=parsed,
                reason_code_list="status",
                raw_code=MANUAL_CODE,
                raw_text=text,
            )
        )
    moved = 0
    for sub_id, results in by_submission.items():
        counts = apply_results(conn, sub_id, results, principal=principal, cause="finance.mark_failed")
        moved += counts.get("FAILED", 0)
        _complete_if_settled(conn, sub_id)
    if moved != len(line_ids):
        # The lines were locked and checked above; anything else is a bug, and nothing may half-apply.
        raise InvalidTransition("lines changed while being marked; nothing was marked", "CONCURRENT_CHANGE")
    total = sum(found[i].amount_fen for i in line_ids)
    batch_ids = tuple(sorted({found[i].batch_id for i in line_ids}))
    for batch_id in batch_ids:
        mine = [i for i in line_ids if found[i].batch_id == batch_id]
        audit.append(
            conn,
            principal=principal,
            action="line.mark_failed",
            object_type="batch",
            object_id=batch_ref(batch_id),
            before=None,
            after="FAILED",
            detail={
                "lines": [line_ref(i) for i in mine[:50]],
                "line_count": len(mine),
                "amount_fen": sum(found[i].amount_fen for i in mine),
                "reason": parsed.value,
                "note": text,
                "evidence_reference": redact_text(evidence_reference.strip())[:200],
            },
        )
    return MarkResult(len(line_ids), total, batch_ids)


def _complete_if_settled(conn: Connection, submission_id: int) -> None:
    """A submission whose last open line was just marked is done; its batch may then be too."""
    state, batch_id = conn.execute(
        select(submissions.c.state, submissions.c.batch_id).where(submissions.c.id == submission_id)
    ).one()
    if open_lines(conn, submission_id) == 0 and state not in ("COMPLETED", "REJECTED"):
        now = now_iso()
        conn.execute(
            update(submissions)
            .where(submissions.c.id == submission_id)
            .values(state="COMPLETED", completed_at=now, updated_at=now)
        )
    advance_batch(conn, batch_id)
