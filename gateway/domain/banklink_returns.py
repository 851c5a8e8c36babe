"""BankLink returns (退票): a partner bank reports payments it credited and then got back.

Only a line the bank itself was given (a BankLink submission of its own bank code) and that the gateway
holds as PAID moves, to RETURNED, through :func:`gateway.dispatch.lines.apply_results` — the one place
line states change, as for pushed results and statement returns in reconciliation. The bank's reason
code is mapped to the domain taxonomy with the ISO 20022 return codes (``AC04`` → ACCOUNT_CLOSED, …),
as reconciliation does, unless the bank gives the normalised reason itself.

A reference that is not one of the caller's lines — another bank's, or none at all — gets the same
``UNKNOWN_REFERENCE`` error, so a bank learns nothing about others. A return already recorded is a
duplicate and changes nothing, so pushing the same returns again is harmless. Money credited back to
another account than the fund's expenditure account (支出户) does not move the line: it opens a
RETURN_TO_OTHER_ACCOUNT reconciliation exception for finance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from adapters.contract import FailureReason, LineOutcome, LineResult
from adapters.iso20022._codes import reason_of
from gateway.dispatch.lines import apply_results, iso_day
from gateway.dispatch.routing import BANKLINK
from gateway.domain import banklink_evidence
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from reconciliation import exceptions as recon_exceptions

_IN_CHUNK = 500


@dataclass(frozen=True)
class ReturnIn:
    end_to_end_ref: str
    amount_fen: int
    reason_code: str = ""
    failure_reason: str | None = None  # a FailureReason name, when the bank gives it
    raw_text: str = ""
    return_date: str = ""
    bank_reference: str = ""
    credited_account: str = ""


@dataclass(frozen=True)
class ReturnError:
    position: int  # 1-based position in the push
    field: str
    reason: str
    message: str
    value: str = ""  # never personal data: our reference or an amount


@dataclass
class ReturnsOutcome:
    recorded: int = 0
    duplicates: int = 0
    errors: list[ReturnError] = field(default_factory=list)


def _own_lines(conn: Connection, bank_code: str, refs: Sequence[str]) -> dict[str, dict]:
    """The caller's lines by end-to-end reference (BankLink submissions of its bank code only)."""
    found: dict[str, dict] = {}
    wanted = sorted(set(refs))
    for i in range(0, len(wanted), _IN_CHUNK):
        q = (
            select(
                batch_lines.c.id,
                batch_lines.c.e2e_ref,
                batch_lines.c.state,
                batch_lines.c.amount_fen,
                batch_lines.c.batch_id,
                batch_lines.c.submission_id,
                submissions.c.fund_account,
            )
            .join(submissions, submissions.c.id == batch_lines.c.submission_id)
            .where(
                batch_lines.c.e2e_ref.in_(wanted[i : i + _IN_CHUNK]),
                submissions.c.bank_code == bank_code,
                submissions.c.adapter == BANKLINK,
            )
        )
        found.update({r.e2e_ref: dict(r._mapping) for r in conn.execute(q)})
    return found


def _reason(item: ReturnIn) -> FailureReason:
    if item.failure_reason in FailureReason.__members__:
        return FailureReason[item.failure_reason]
    return reason_of(item.reason_code) if item.reason_code else FailureReason.UNKNOWN


def push_returns(
    conn: Connection, bank_code: str, items: Sequence[ReturnIn], principal: str, raw: bytes
) -> ReturnsOutcome:
    """Record the bank's returns in the caller's transaction; ``raw`` is the push as it came."""
    out = ReturnsOutcome()
    lines = _own_lines(conn, bank_code, [i.end_to_end_ref for i in items if i.end_to_end_ref])
    evidence = banklink_evidence.keep(conn, bank_code, "banklink_returns", raw)
    state = {ref: line["state"] for ref, line in lines.items()}
    by_submission: dict[int, list[LineResult]] = {}
    for pos, item in enumerate(items, start=1):
        line = lines.get(item.end_to_end_ref)
        if line is None:
            out.errors.append(
                ReturnError(
                    pos,
                    "end_to_end_ref",
                    "UNKNOWN_REFERENCE",
                    "no payment of yours has this end-to-end reference",
                    item.end_to_end_ref[:35],
                )
            )
            continue
        if item.amount_fen != line["amount_fen"]:
            reason = "AMOUNT_EXCEEDS_PAID" if item.amount_fen > line["amount_fen"] else "PARTIAL_RETURN"
            out.errors.append(
                ReturnError(
                    pos,
                    "amount_fen",
                    reason,
                    "a return must give back the whole amount paid; a partial return is for reconciliation",
                    str(item.amount_fen),
                )
            )
            continue
        if item.return_date and iso_day(item.return_date) is None:
            out.errors.append(
                ReturnError(pos, "return_date", "DATE_FORMAT", "return_date must be YYYY-MM-DD")
            )
            continue
        current = state[item.end_to_end_ref]
        if current == "RETURNED":
            out.duplicates += 1
            continue
        if current != "PAID":
            out.errors.append(
                ReturnError(
                    pos,
                    "end_to_end_ref",
                    "NOT_PAID",
                    f"only a paid line can be returned; this one is {current}",
                    item.end_to_end_ref,
                )
            )
            continue
        if item.credited_account and item.credited_account != line["fund_account"]:
            # The money must come back to the 支出户 it left; anywhere else is finance's to sort out.
            recon_exceptions.Recorder(conn).open(
                recon_exceptions.RETURN_TO_OTHER_ACCOUNT,
                f"line:{line['id']}",
                line_id=line["id"],
                batch_id=line["batch_id"],
                account=item.credited_account[:40],
                amount_minor=item.amount_fen,
                reason_code=item.reason_code[:40] or None,
                detail=f"BankLink return of line {item.end_to_end_ref} arrived on another account than "
                "its 支出户",
            )
            out.errors.append(
                ReturnError(
                    pos,
                    "credited_account",
                    "RETURN_TO_OTHER_ACCOUNT",
                    "the money was credited back to another account than the fund's expenditure "
                    "account; a reconciliation exception was opened",
                )
            )
            continue
        state[item.end_to_end_ref] = "RETURNED"
        by_submission.setdefault(line["submission_id"], []).append(
            LineResult(
                outcome=LineOutcome.RETURNED,
                end_to_end_ref=item.end_to_end_ref,
                reason=_reason(item),
                reason_code_list="return",
                raw_code=(item.reason_code or "")[:40],
                raw_text=item.raw_text[:500],
                amount_fen=item.amount_fen,
            )
        )
    for submission_id, results in by_submission.items():
        counts = apply_results(
            conn,
            submission_id,
            results,
            principal=principal,
            cause="banklink.return",
            evidence_id=evidence,
        )
        out.recorded += counts.get("RETURNED", 0)
        out.duplicates += counts.get("ignored", 0)
    return out
