"""BankLink: a partner bank connects to us, pulls its submissions and pushes results back.

Scope is enforced here, not only in the servicer: every function takes the caller's bank code and
answers only for submissions of that bank whose adapter is ``banklink``. An id that is not the
caller's — whether it exists or not — is PERMISSION_DENIED, so a bank learns nothing about others.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select, update

from adapters.contract import FailureReason, LineOutcome, LineResult
from gateway.clock import now_iso
from gateway.dispatch.lines import advance_batch, apply_results, move_submission_lines, open_lines
from gateway.dispatch.routing import BANKLINK
from gateway.errors import Conflict, PermissionDenied
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions

VISIBLE_STATES = ("READY", "ACCEPTED", "COMPLETED")


def own_submission(conn: Connection, bank_code: str, ref: str, *, lock: bool = False) -> dict[str, Any]:
    q = select(submissions).where(
        submissions.c.bank_reference == ref,
        submissions.c.bank_code == bank_code,
        submissions.c.adapter == BANKLINK,
    )
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    if row is None:
        raise PermissionDenied("this submission is not yours", "NOT_YOUR_SUBMISSION")
    return dict(row)


def list_for_bank(
    conn: Connection, bank_code: str, *, state: str | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    q = (
        select(submissions)
        .where(
            submissions.c.bank_code == bank_code,
            submissions.c.adapter == BANKLINK,
            submissions.c.id > after_id,
            submissions.c.state.in_((state,) if state else VISIBLE_STATES),
        )
        .order_by(submissions.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def acknowledge(
    conn: Connection, bank_code: str, ref: str, bank_batch_ref: str, merkle_root: bytes, principal: str
) -> dict[str, Any]:
    """The bank confirms it holds the submission and names the root it computed: it must be ours."""
    sub = own_submission(conn, bank_code, ref, lock=True)
    if merkle_root.hex() != sub["merkle_root"]:
        raise Conflict("the Merkle root you computed differs from the signed manifest", "ROOT_MISMATCH")
    if sub["state"] == "READY":
        now = now_iso()
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub["id"])
            .values(
                state="ACCEPTED",
                sent_at=now,
                bank_batch_reference=bank_batch_ref[:64] or None,
                updated_at=now,
            )
        )
        move_submission_lines(conn, sub["id"], ("PENDING",), "SUBMITTED", "banklink.pulled", principal)
        move_submission_lines(conn, sub["id"], ("SUBMITTED",), "ACCEPTED", "banklink.acknowledged", principal)
        advance_batch(conn, sub["batch_id"])
    return own_submission(conn, bank_code, ref)


_OUTCOMES = {
    "ACCEPTED": LineOutcome.PENDING,
    "PAID": LineOutcome.PAID,
    "FAILED": LineOutcome.FAILED,
    "RETURNED": LineOutcome.RETURNED,
}


def push_results(
    conn: Connection, bank_code: str, ref: str, results: Iterable[dict[str, Any]], principal: str
) -> dict[str, int]:
    sub = own_submission(conn, bank_code, ref, lock=True)
    if sub["state"] == "READY":
        raise Conflict("acknowledge the submission before pushing results", "NOT_ACKNOWLEDGED")
    converted = []
    for r in results:
        reason = r.get("failure_reason")
        converted.append(
            LineResult(
                outcome=_OUTCOMES.get(r["outcome"], LineOutcome.UNKNOWN),
                seq=r.get("seq"),
                end_to_end_ref=r.get("end_to_end_ref"),
                reason=FailureReason[reason]
                if reason in FailureReason.__members__
                else (FailureReason.UNKNOWN if r["outcome"] in ("FAILED", "RETURNED") else None),
                raw_code=r.get("bank_status_code", ""),
                raw_text=r.get("raw_text", ""),
                value_date=r.get("value_date", ""),
            )
        )
    counts = apply_results(conn, sub["id"], converted, principal=principal, cause="banklink.result")
    if open_lines(conn, sub["id"]) == 0 and sub["state"] != "COMPLETED":
        now = now_iso()
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub["id"])
            .values(state="COMPLETED", completed_at=now, updated_at=now)
        )
        advance_batch(conn, sub["batch_id"])
    return counts


def submission_line_ids(conn: Connection, sub: dict[str, Any]) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            select(batch_lines.c.id)
            .where(batch_lines.c.submission_id == sub["id"])
            .order_by(batch_lines.c.line_number)
        )
    ]
