"""The dispatcher's follow-up of a BankLink submission: wait for the bank's results, inquire, hand over.

A BankLink bank pulls its submissions and pushes results, so there is nothing to send; but a submission
it acknowledged still needs every line to reach a final state. At acknowledgement a POLL item is queued
for ``result_wait_seconds`` later (``[banks.X]``, default ``sla_hours`` × 3600). When it comes due:

1. lines still ACCEPTED — the bank took them and said nothing final in time — become UNKNOWN, exactly as
   a timeout after sending does for the other protocols, and the submission is UNKNOWN;
2. an inquiry is opened for what is unknown (:mod:`gateway.domain.banklink_inquiries`), which the bank
   lists and answers over BankLink; the item turns into an INQUIRE that comes back with the dispatcher's
   backoff, opening a fresh inquiry where an answer left a line UNKNOWN;
3. after ``inquiry_horizon_attempts`` the submission goes to the visible manual queue, as for any bank.

A pushed result the gateway cannot read as final (UNKNOWN) does not wait for the POLL: :func:`wake` brings
the submission's item forward. It is never "sent again": at most the bank is asked.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Connection, select, update

from gateway.clock import now_iso
from gateway.dispatch import outbox
from gateway.dispatch.lines import move_submission_lines, open_lines
from gateway.dispatch.outbox import WorkItem
from gateway.errors import InvalidInput
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import outbox as outbox_table
from gateway.storage.tables_dispatch import submissions

if TYPE_CHECKING:
    from gateway.dispatch.worker import Dispatcher

log = structlog.get_logger("silink.dispatch")
SYSTEM = "system:dispatcher"
WAIT_SETTING = "result_wait_seconds"


def result_wait_seconds(code: str, raw: dict[str, Any]) -> float:
    """How long an acknowledged BankLink submission may go without final results before it is inquired."""
    value = raw.get(WAIT_SETTING)
    if value is None:
        value = float(raw.get("sla_hours", 24)) * 3600
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(
            f"banks.{code}.{WAIT_SETTING} must be a number of seconds ≥ 0",
            "CONFIG_INVALID",
            metadata={"setting": f"banks.{code}.{WAIT_SETTING}"},
        )
    return float(value)


def wake(conn: Connection, submission_id: int) -> None:
    """Bring the submission's follow-up forward (an UNKNOWN line was just reported): its waiting item
    becomes a due INQUIRE; a claimed one is left to the worker holding it; none at all gets one."""
    o = outbox_table.c
    mine = (o.submission_id == submission_id) & o.kind.in_(("POLL", "INQUIRE"))
    now = now_iso()
    # A waiting POLL turns into a fresh INQUIRE (its horizon starts now); a waiting INQUIRE is due now.
    moved = conn.execute(
        update(outbox_table)
        .where(mine, o.state == "READY", o.kind == "POLL")
        .values(kind="INQUIRE", attempts=0, next_attempt_at=now, updated_at=now)
    ).rowcount
    moved += conn.execute(
        update(outbox_table)
        .where(mine, o.state == "READY", o.kind == "INQUIRE")
        .values(next_attempt_at=now, updated_at=now)
    ).rowcount
    if moved:
        return
    if conn.execute(select(o.id).where(mine, o.state == "LEASED")).first() is None:
        outbox.enqueue(conn, submission_id, "INQUIRE")


def _age_seconds(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    then = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (dt.datetime.now(dt.UTC) - then).total_seconds()


def _count(conn: Connection, submission_id: int, state: str) -> int:
    return len(
        conn.execute(
            select(batch_lines.c.id).where(
                batch_lines.c.submission_id == submission_id, batch_lines.c.state == state
            )
        ).all()
    )


def follow(d: Dispatcher, item: WorkItem, sub: dict[str, Any]) -> None:
    # Imported here: the BankLink domain calls wake() above, so it imports this module.
    from gateway.domain import banklink_inquiries as inquiries
    from gateway.domain.banklink import complete_if_final

    wait = result_wait_seconds(sub["bank_code"], d.context_for(sub["bank_code"]).settings or {})
    with d.db.write() as conn:
        if not outbox.still_mine(conn, item, d.owner):
            return
        q = select(submissions).where(submissions.c.id == sub["id"])
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()  # the bank's pushes lock the same row: one of us at a time
        sub = dict(conn.execute(q).mappings().one())
        if sub["state"] in ("READY", "COMPLETED", "REJECTED", "MANUAL") or complete_if_final(conn, sub):
            outbox.done(conn, item)
            return
        if _count(conn, sub["id"], "ACCEPTED") and _age_seconds(sub["sent_at"]) >= wait:
            # Taken by the bank, no final word in the agreed time: the outcome is unknown — ask.
            moved = move_submission_lines(
                conn, sub["id"], ("ACCEPTED",), "UNKNOWN", "banklink.no_result", SYSTEM
            )
            log.info("dispatch.banklink_no_result", submission=sub["bank_reference"], lines=moved)
        unknown = _count(conn, sub["id"], "UNKNOWN")
        if unknown == 0:
            if _count(conn, sub["id"], "ACCEPTED") == 0 and open_lines(conn, sub["id"]):
                # What is open is with a person already (a NOT_FOUND answer): the submission joins them.
                d._to_manual(conn, item, sub, "the bank did not find lines it had acknowledged")
                return
            left = max(wait - _age_seconds(sub["sent_at"]), d.policy.poll_interval_seconds)
            outbox.defer(conn, item, left, "waiting for the bank's results")
            return
        opened = inquiries.open_for_unknown(conn, sub)
        if opened:
            log.info("dispatch.banklink_inquiry", submission=sub["bank_reference"], opened=opened)
        if sub["state"] != "UNKNOWN":
            d._set_state(conn, sub["id"], "UNKNOWN", last_error=f"{unknown} line(s) without a final result")
        if item.kind == "POLL":
            outbox.done(conn, item)
            outbox.enqueue(conn, sub["id"], "INQUIRE", d.policy.backoff(0))
        elif item.attempts >= d.policy.inquiry_horizon_attempts:
            d._to_manual(conn, item, sub, "no final answer within the inquiry horizon")
        else:
            outbox.retry_later(
                conn, item, d.policy.backoff(item.attempts), f"asked the bank ({opened} new inquiries)"
            )
