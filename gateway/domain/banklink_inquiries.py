"""BankLink status inquiries: how the gateway asks a bank that pulls what became of a payment.

An ISO 20022 or direct-link bank is asked by a request we send. A BankLink bank connects to us, so the
question waits here for it: the dispatcher (:mod:`gateway.dispatch.banklink_follow`) opens an inquiry
for what it does not know, the bank lists its open inquiries and answers each one.

* A **line inquiry** (``seq`` ≥ 1, ``our_reference`` = the line's end-to-end reference) is opened for a
  line that is UNKNOWN: the bank gave a result the gateway could not read as final, or none in time.
* A **submission inquiry** (``seq`` = 0, ``our_reference`` = the submission id) is opened instead when
  many lines of one submission are unknown at once (more than :data:`LINE_INQUIRY_LIMIT`): one question,
  answered FOUND with the lines' results pushed by ``PushLineResults``.

An answer applies exactly like a pushed result (:func:`gateway.dispatch.lines.apply_results`): a known
final outcome moves the line, an outcome the gateway does not know leaves it UNKNOWN (never success),
and the dispatcher asks again later, up to its inquiry horizon, then hands it to a person (MANUAL).
NOT_FOUND — the bank says it never received what it acknowledged — is a contradiction a person must
look at: the unknown lines go to the manual queue, never automatically out again. The answer as it came
is kept as bank evidence. Scope as everywhere in BankLink: an inquiry id that is not the caller's, whether
it exists or not, is PERMISSION_DENIED.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gateway.clock import now_iso
from gateway.dispatch.lines import apply_results, move_line, move_submission_lines
from gateway.dispatch.routing import BANKLINK
from gateway.domain import banklink_evidence
from gateway.domain.banklink import complete_if_final, to_line_result
from gateway.errors import Conflict, InvalidInput, PermissionDenied
from gateway.storage.tables import batch_lines
from gateway.storage.tables_banklink import banklink_inquiries as inq
from gateway.storage.tables_dispatch import submissions

LINE_INQUIRY_LIMIT = 100
FINDINGS = ("FOUND", "NOT_FOUND")
_REF = re.compile(r"INQ(\d{1,15})")


def inquiry_ref(inquiry_id: int) -> str:
    return f"INQ{inquiry_id:012d}"


def _not_yours() -> PermissionDenied:
    return PermissionDenied("this inquiry is not yours", "NOT_YOUR_INQUIRY")


# -- the dispatcher's side -----------------------------------------------------------------------------


def open_for_unknown(conn: Connection, sub: dict[str, Any]) -> int:
    """Open inquiries for the submission's UNKNOWN lines that no open inquiry covers; returns how many
    were opened (0 when every unknown line is already asked about)."""
    if conn.execute(
        select(inq.c.id).where(inq.c.submission_id == sub["id"], inq.c.state == "OPEN", inq.c.seq == 0)
    ).first():
        return 0  # the whole submission is being asked about
    lines = conn.execute(
        select(batch_lines.c.id, batch_lines.c.line_number, batch_lines.c.e2e_ref, batch_lines.c.amount_fen)
        .where(batch_lines.c.submission_id == sub["id"], batch_lines.c.state == "UNKNOWN")
        .order_by(batch_lines.c.line_number)
    ).all()
    asked = {
        r[0]
        for r in conn.execute(
            select(inq.c.line_id).where(inq.c.submission_id == sub["id"], inq.c.state == "OPEN")
        )
    }
    todo = [ln for ln in lines if ln.id not in asked]
    if not todo:
        return 0
    now = now_iso()
    base = {"submission_id": sub["id"], "bank_code": sub["bank_code"], "state": "OPEN", "created_at": now}
    if len(todo) > LINE_INQUIRY_LIMIT:
        conn.execute(
            insert(inq).values(
                **base,
                line_id=None,
                seq=0,
                our_reference=sub["bank_reference"],
                amount_fen=sum(ln.amount_fen for ln in todo),
            )
        )
        return 1
    # The seq the bank knows is the line's 1-based position in the submission.
    seq_of = _seqs(conn, sub["id"])
    conn.execute(
        insert(inq),
        [
            {
                **base,
                "line_id": ln.id,
                "seq": seq_of[ln.id],
                "our_reference": ln.e2e_ref,
                "amount_fen": ln.amount_fen,
            }
            for ln in todo
        ],
    )
    return len(todo)


def _seqs(conn: Connection, submission_id: int) -> dict[int, int]:
    ids = conn.execute(
        select(batch_lines.c.id)
        .where(batch_lines.c.submission_id == submission_id)
        .order_by(batch_lines.c.line_number)
    ).all()
    return {r[0]: n for n, r in enumerate(ids, start=1)}


# -- the bank's side -------------------------------------------------------------------------------------


def list_for_bank(
    conn: Connection, bank_code: str, *, state: str | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    q = (
        select(inq, submissions.c.bank_reference.label("submission_ref"))
        .join(submissions, submissions.c.id == inq.c.submission_id)
        .where(inq.c.bank_code == bank_code, submissions.c.adapter == BANKLINK, inq.c.id > after_id)
        .order_by(inq.c.id)
        .limit(limit)
    )
    if state:
        q = q.where(inq.c.state == state)
    return [dict(r) for r in conn.execute(q).mappings()]


def own_inquiry(conn: Connection, bank_code: str, ref: str, *, lock: bool = False) -> dict[str, Any]:
    m = _REF.fullmatch(ref or "")
    if m is None:
        raise _not_yours()
    q = (
        select(inq, submissions.c.bank_reference.label("submission_ref"))
        .join(submissions, submissions.c.id == inq.c.submission_id)
        .where(inq.c.id == int(m.group(1)), inq.c.bank_code == bank_code, submissions.c.adapter == BANKLINK)
    )
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update(of=inq)
    row = conn.execute(q).mappings().first()
    if row is None:
        raise _not_yours()
    return dict(row)


def answer(
    conn: Connection,
    bank_code: str,
    ref: str,
    finding: str,
    result: dict[str, Any] | None,
    principal: str,
    raw: bytes,
) -> dict[str, Any]:
    """Record the bank's answer to one of its inquiries and apply it to the line(s) asked about."""
    q = own_inquiry(conn, bank_code, ref, lock=True)
    if q["state"] != "OPEN":
        raise Conflict(
            "this inquiry is already answered; push later results with PushLineResults",
            "INQUIRY_ANSWERED",
        )
    if finding not in FINDINGS:
        raise InvalidInput(
            "finding must be FOUND or NOT_FOUND", "FIELD_REQUIRED", metadata={"field": "finding"}
        )
    sq = select(submissions).where(submissions.c.id == q["submission_id"])
    if conn.dialect.name == "postgresql":
        sq = sq.with_for_update()  # as pushes and the dispatcher's follow-up do: one at a time
    sub = dict(conn.execute(sq).mappings().one())
    evidence = banklink_evidence.keep(conn, bank_code, "banklink_inquiry_answer", raw, sub["id"])
    if finding == "NOT_FOUND":
        # It acknowledged the submission, yet says it never got it: a person decides, nothing goes out.
        if q["line_id"] is None:
            move_submission_lines(
                conn, sub["id"], ("UNKNOWN",), "MANUAL", "banklink.inquiry_not_found", principal
            )
        else:
            move_line(
                conn, q["line_id"], ("UNKNOWN",), "MANUAL", "banklink.inquiry_not_found", principal, evidence
            )
    elif q["line_id"] is None:
        if result is not None:
            raise InvalidInput(
                "a submission inquiry is answered without a result; push the lines' results with "
                "PushLineResults",
                "RESULT_NOT_FOR_SUBMISSION",
                metadata={"field": "result"},
            )
    else:
        if result is None:
            raise InvalidInput(
                "a FOUND answer to a line inquiry carries the line's result",
                "FIELD_REQUIRED",
                metadata={"field": "result"},
            )
        named = result.get("seq"), result.get("end_to_end_ref")
        if named not in ((None, None), (q["seq"], None), (None, q["our_reference"])):
            raise InvalidInput(
                "the result names another line than the one asked about",
                "RESULT_LINE_MISMATCH",
                metadata={"field": "result"},
            )
        line_result = to_line_result({**result, "seq": None, "end_to_end_ref": q["our_reference"]})
        apply_results(
            conn,
            sub["id"],
            [line_result],
            principal=principal,
            cause="banklink.inquiry",
            evidence_id=evidence,
        )
    line_state = None
    if q["line_id"] is not None:
        line_state = conn.execute(
            select(batch_lines.c.state).where(batch_lines.c.id == q["line_id"])
        ).scalar()
    conn.execute(
        update(inq)
        .where(inq.c.id == q["id"])
        .values(
            state="ANSWERED",
            finding=finding,
            line_state=line_state,
            evidence_id=evidence,
            answered_by=principal,
            answered_at=now_iso(),
        )
    )
    complete_if_final(conn, sub)
    return own_inquiry(conn, bank_code, ref)
