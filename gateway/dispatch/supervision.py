"""Per-bank SLA supervision (超期督办) and the dispatch picture per bank: read-only views of the database.

A submission is **overdue** when its ``sla_deadline`` (set on first send: sent time + the bank's
``sla_hours``) has passed and some of its lines are still not final — whatever the submission's own state
(a submission in the manual queue is overdue too: a person has to act). The lists are what
``silink dispatch overdue`` prints, the counts what ``silink dispatch status`` and the
``silink_dispatch_overdue_*`` gauges show.

Every function takes an open connection and "now" as stored text (UTC ISO 8601, microseconds: sortable
as text, like every stored time stamp), so tests need no clock tricks and callers choose the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from gateway.clock import now_iso
from gateway.dispatch.lines import FINAL
from gateway.domain.refs import batch_ref
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import outbox, submissions
from gateway.storage.tables_dispatch_controls import bank_dispatch_state

# Submission states as the status view groups them.
QUEUED = ("READY",)
IN_FLIGHT = ("SENDING", "ACCEPTED")
UNKNOWN = ("UNKNOWN",)
MANUAL = ("MANUAL",)


@dataclass(frozen=True)
class OverdueSubmission:
    bank_code: str
    batch: str  # B00000012
    submission: str  # our bank reference
    state: str
    sent_at: str
    sla_deadline: str
    overdue_seconds: float  # how long past the deadline
    open_lines: int
    open_amount_fen: int
    fund: str = ""
    inquiries: int = 0  # status inquiries attempted so far (claims of its INQUIRE outbox rows)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OverdueGroup:
    """Overdue submissions of one bank or one batch, summed."""

    key: str
    submissions: int
    open_lines: int
    open_amount_fen: int
    oldest_overdue_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _seconds_between(earlier: str, later: str) -> float:
    a = dt.datetime.fromisoformat(earlier.replace("Z", "+00:00"))
    b = dt.datetime.fromisoformat(later.replace("Z", "+00:00"))
    return (b - a).total_seconds()


def overdue_submissions(
    conn: Connection, *, now: str | None = None, bank: str | None = None, fund: str | None = None
) -> list[OverdueSubmission]:
    """Submissions past their SLA deadline with lines still open, most overdue first."""
    now = now or now_iso()
    s, bl = submissions.c, batch_lines.c
    open_line = bl.state.not_in(tuple(FINAL))
    inquiries = (
        select(func.coalesce(func.sum(outbox.c.attempts), 0))
        .where(outbox.c.submission_id == s.id, outbox.c.kind == "INQUIRE")
        .scalar_subquery()
    )
    q = (
        select(
            s.bank_code,
            s.batch_id,
            s.bank_reference,
            s.state,
            s.sent_at,
            s.sla_deadline,
            s.fund,
            func.count(bl.id).label("open_lines"),
            func.coalesce(func.sum(bl.amount_fen), 0).label("open_amount_fen"),
            inquiries.label("inquiries"),
        )
        .select_from(submissions.join(batch_lines, and_(bl.submission_id == s.id, open_line)))
        .where(s.sla_deadline.is_not(None), s.sla_deadline < now)
        .group_by(s.id, s.bank_code, s.batch_id, s.bank_reference, s.state, s.sent_at, s.sla_deadline, s.fund)
        .order_by(s.sla_deadline, s.id)
    )
    if bank is not None:
        q = q.where(s.bank_code == bank)
    if fund is not None:
        q = q.where(s.fund == fund)
    return [
        OverdueSubmission(
            bank_code=r.bank_code,
            batch=batch_ref(r.batch_id),
            submission=r.bank_reference,
            state=r.state,
            sent_at=r.sent_at or "",
            sla_deadline=r.sla_deadline,
            overdue_seconds=round(_seconds_between(r.sla_deadline, now), 3),
            open_lines=int(r.open_lines),
            open_amount_fen=int(r.open_amount_fen),
            fund=r.fund,
            inquiries=int(r.inquiries),
        )
        for r in conn.execute(q)
    ]


def group_overdue(items: Iterable[OverdueSubmission], by: str) -> list[OverdueGroup]:
    """Sum overdue submissions by ``"bank"`` or ``"batch"``, most overdue group first."""
    if by not in ("bank", "batch"):
        raise ValueError(f"cannot group by {by!r}")
    groups: dict[str, list[OverdueSubmission]] = {}
    for item in items:
        groups.setdefault(item.bank_code if by == "bank" else item.batch, []).append(item)
    out = [
        OverdueGroup(
            key=key,
            submissions=len(members),
            open_lines=sum(m.open_lines for m in members),
            open_amount_fen=sum(m.open_amount_fen for m in members),
            oldest_overdue_seconds=max(m.overdue_seconds for m in members),
        )
        for key, members in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.oldest_overdue_seconds, g.key))


@dataclass(frozen=True)
class BankDispatchStatus:
    bank_code: str
    breaker_state: str  # CLOSED | OPEN | HALF_OPEN (the last change any worker saw)
    breaker_changed_at: str | None
    rate_limit: float  # 0 = none
    rate_limit_unit: str
    queued: int  # submissions released, not sent yet
    in_flight: int  # sent, lines not final yet
    unknown: int  # outcome unknown: being inquired
    manual: int  # in the manual queue
    overdue: int  # past the SLA deadline with open lines
    overdue_lines: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def bank_status(
    conn: Connection,
    rates: Mapping[str, tuple[float, str]],
    *,
    now: str | None = None,
) -> list[BankDispatchStatus]:
    """One row per bank: configured banks (``rates``: code → (rate, unit)) and any bank with submissions."""
    now = now or now_iso()
    s = submissions.c

    def count_of(states: tuple[str, ...]):
        return func.sum(case((s.state.in_(states), 1), else_=0))

    counts = {
        r.bank_code: r
        for r in conn.execute(
            select(
                s.bank_code,
                count_of(QUEUED).label("queued"),
                count_of(IN_FLIGHT).label("in_flight"),
                count_of(UNKNOWN).label("unknown"),
                count_of(MANUAL).label("manual"),
            ).group_by(s.bank_code)
        )
    }
    breakers = {r.bank_code: r for r in conn.execute(select(bank_dispatch_state))}
    overdue = {g.key: g for g in group_overdue(overdue_submissions(conn, now=now), "bank")}
    out = []
    for code in sorted(set(rates) | set(counts) | set(breakers)):
        c, b, o = counts.get(code), breakers.get(code), overdue.get(code)
        rate, unit = rates.get(code, (0.0, "submissions"))
        out.append(
            BankDispatchStatus(
                bank_code=code,
                breaker_state=b.breaker_state if b is not None else "CLOSED",
                breaker_changed_at=b.changed_at if b is not None else None,
                rate_limit=rate,
                rate_limit_unit=unit,
                queued=int(c.queued or 0) if c is not None else 0,
                in_flight=int(c.in_flight or 0) if c is not None else 0,
                unknown=int(c.unknown or 0) if c is not None else 0,
                manual=int(c.manual or 0) if c is not None else 0,
                overdue=o.submissions if o is not None else 0,
                overdue_lines=o.open_lines if o is not None else 0,
            )
        )
    return out
