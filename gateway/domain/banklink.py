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
from gateway.dispatch import banklink_follow, outbox
from gateway.dispatch.lines import advance_batch, apply_results, move_submission_lines, open_lines
from gateway.dispatch.routing import BANKLINK
from gateway.domain import banklink_evidence
from gateway.errors import Conflict, PermissionDenied
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions

# A submission the dispatcher is inquiring about (UNKNOWN) is still the bank's, acknowledged.
VISIBLE_STATES = ("READY", "ACCEPTED", "UNKNOWN", "COMPLETED")


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
    conn: Connection, bank_code: str, *, state: tuple[str, ...] | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    q = (
        select(submissions)
        .where(
            submissions.c.bank_code == bank_code,
            submissions.c.adapter == BANKLINK,
            submissions.c.id > after_id,
            submissions.c.state.in_(state or VISIBLE_STATES),
        )
        .order_by(submissions.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def acknowledge(
    conn: Connection,
    bank_code: str,
    ref: str,
    bank_batch_ref: str,
    merkle_root: bytes,
    principal: str,
    result_wait_seconds: float = 24 * 3600.0,
) -> dict[str, Any]:
    """The bank confirms it holds the submission and names the root it computed: it must be ours.

    From then on the dispatcher follows it: lines without a final result ``result_wait_seconds`` later
    become UNKNOWN and are inquired about (:mod:`gateway.dispatch.banklink_follow`)."""
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
        outbox.enqueue(conn, sub["id"], "POLL", result_wait_seconds)
    return own_submission(conn, bank_code, ref)


_OUTCOMES = {
    "ACCEPTED": LineOutcome.PENDING,
    "PAID": LineOutcome.PAID,
    "FAILED": LineOutcome.FAILED,
    "RETURNED": LineOutcome.RETURNED,
}


def to_line_result(r: dict[str, Any]) -> LineResult:
    """A bank's result (the servicer's dict of a proto ``LineResult``) in the domain's terms. An outcome
    the gateway does not know is UNKNOWN — never success."""
    reason = r.get("failure_reason")
    return LineResult(
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


def complete_if_final(conn: Connection, sub: dict[str, Any]) -> bool:
    """Once no line of the submission is open, the submission is COMPLETED and its batch moves on."""
    if open_lines(conn, sub["id"]) != 0:
        return False
    state = conn.execute(select(submissions.c.state).where(submissions.c.id == sub["id"])).scalar_one()
    if state != "COMPLETED":
        now = now_iso()
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub["id"])
            .values(state="COMPLETED", completed_at=now, updated_at=now)
        )
        advance_batch(conn, sub["batch_id"])
    return True


def push_results(
    conn: Connection,
    bank_code: str,
    ref: str,
    results: Iterable[dict[str, Any]],
    principal: str,
    raw: bytes | None = None,
) -> dict[str, int]:
    """Apply the bank's pushed results; ``raw`` (the push as it came) is kept as evidence. A result the
    gateway cannot read as final leaves its line UNKNOWN and wakes the dispatcher's inquiry."""
    sub = own_submission(conn, bank_code, ref, lock=True)
    if sub["state"] == "READY":
        raise Conflict("acknowledge the submission before pushing results", "NOT_ACKNOWLEDGED")
    evidence = banklink_evidence.keep(conn, bank_code, "banklink_results", raw, sub["id"]) if raw else None
    counts = apply_results(
        conn,
        sub["id"],
        [to_line_result(r) for r in results],
        principal=principal,
        cause="banklink.result",
        evidence_id=evidence,
    )
    if not complete_if_final(conn, sub) and counts.get("UNKNOWN"):
        banklink_follow.wake(conn, sub["id"])
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
