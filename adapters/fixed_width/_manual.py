"""Manual results: a finance officer marks lines failed with a reason (e.g. after a paper 回盘 or a
phone call with the bank). The audited workflow (who may, four eyes, audit entries) is the core's job;
this only turns the marks into the same :class:`LineResult` objects a result file gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from adapters.contract import FailureReason, LineOutcome, LineResult, Submission
from adapters.failure_texts import table_for
from gateway.errors import FieldViolation, LineRejected

MANUAL_CODE = "MANUAL"
MANUAL_MARK_INVALID = "MANUAL_MARK_INVALID"


@dataclass(frozen=True)
class ManualMark:
    """``seq`` of the line, and a reason, a text, or both (the text is kept as the raw text)."""

    seq: int
    reason: FailureReason | None = None
    text: str = ""


def manual_results(
    marks: Iterable[ManualMark], submission: Submission, bank_code: str = ""
) -> list[LineResult]:
    """FAILED line results for the marks. A mark with only a text gets the reason the bank's failure-text
    dictionary gives it, OTHER when none matches (a person decided the line failed; UNKNOWN would send
    it to inquiry). Every bad mark is reported at once; then none is used."""
    ours = {line.seq: line for line in submission.lines}
    texts = table_for(bank_code or submission.bank_code)
    seen: set[int] = set()
    results: list[LineResult] = []
    problems: list[FieldViolation] = []
    for pos, mark in enumerate(marks, 1):
        where = f"mark {pos}"
        line = ours.get(mark.seq) if type(mark.seq) is int else None
        if line is None:
            problems.append(FieldViolation(f"{where}: seq", "is not a line of this submission"))
            continue
        if mark.seq in seen:
            problems.append(FieldViolation(f"{where}: seq", f"line {mark.seq} is marked twice"))
            continue
        seen.add(mark.seq)
        if mark.reason is None and not mark.text.strip():
            problems.append(FieldViolation(f"{where}: reason", "a reason or a reason text is required"))
            continue
        if mark.reason is FailureReason.UNKNOWN:
            problems.append(FieldViolation(f"{where}: reason", "UNKNOWN is not a reason a person can give"))
            continue
        reason = mark.reason
        if reason is None:
            reason = texts.classify(mark.text)
            if reason is FailureReason.UNKNOWN:
                reason = FailureReason.OTHER
        results.append(
            LineResult(
                outcome=LineOutcome.FAILED,
                seq=line.seq,
                end_to_end_ref=line.end_to_end_ref,
                reason=reason,
                reason_code_list="status",
                raw_code=MANUAL_CODE,
                raw_text=mark.text.strip(),
                amount_fen=line.amount_fen,
            )
        )
    if problems:
        raise LineRejected(
            f"{len(problems)} manual mark(s) refused; first: {problems[0].field} {problems[0].description}",
            MANUAL_MARK_INVALID,
            field_violations=problems,
        )
    return results
