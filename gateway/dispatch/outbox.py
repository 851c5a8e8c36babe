"""The outbox: durable work items, claimed with a lease so that any number of workers can share them.

A claim sets ``lease_owner`` and ``lease_until``. A worker that dies mid-item simply stops renewing:
when the lease runs out the item is claimable again, and whoever takes it must assume the previous
attempt may have reached the bank (the submission's state says how far it got).

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint items without
waiting on each other. SQLite: the claim runs in a ``BEGIN IMMEDIATE`` transaction, so claims are
serialised by the database's single writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, insert, or_, select, update

from gateway.clock import now_iso
from gateway.storage import Database
from gateway.storage.tables_dispatch import outbox


@dataclass(frozen=True)
class WorkItem:
    id: int
    submission_id: int
    kind: str  # SEND, INQUIRE, POLL
    attempts: int


def _later(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat(timespec="microseconds")


def claim(db: Database, owner: str, *, limit: int = 4, lease_seconds: float = 60.0) -> list[WorkItem]:
    """Take up to ``limit`` due items (ready, or leased by someone whose lease ran out)."""
    now = now_iso()
    with db.write() as conn:
        q = (
            select(outbox.c.id, outbox.c.submission_id, outbox.c.kind, outbox.c.attempts)
            .where(
                or_(
                    (outbox.c.state == "READY") & (outbox.c.next_attempt_at <= now),
                    (outbox.c.state == "LEASED") & (outbox.c.lease_until < now),
                )
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = conn.execute(q).all()
        if not rows:
            return []
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in rows]))
            .values(
                state="LEASED",
                lease_owner=owner,
                lease_until=_later(lease_seconds),
                updated_at=now,
                attempts=outbox.c.attempts + 1,
            )
        )
    return [WorkItem(r.id, r.submission_id, r.kind, r.attempts + 1) for r in rows]


def still_mine(conn: Connection, item: WorkItem, owner: str) -> bool:
    """True while our lease holds; checked inside the transaction that records an outcome, so a worker
    whose lease expired (and whose item someone else took) never writes over the new owner."""
    q = select(outbox.c.lease_owner, outbox.c.state).where(outbox.c.id == item.id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    return row is not None and row.state == "LEASED" and row.lease_owner == owner


def done(conn: Connection, item: WorkItem) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item.id)
        .values(state="DONE", lease_owner=None, lease_until=None, updated_at=now_iso())
    )


def retry_later(conn: Connection, item: WorkItem, delay_seconds: float, error: str) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item.id)
        .values(
            state="READY",
            lease_owner=None,
            lease_until=None,
            next_attempt_at=_later(delay_seconds),
            last_error=error[:500],
            updated_at=now_iso(),
        )
    )


def defer(conn: Connection, item: WorkItem, delay_seconds: float, why: str) -> None:
    """Put the item back for later without counting the claim as an attempt (the bank was closed, its
    breaker open or its rate limit reached: nothing was tried)."""
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item.id)
        .values(
            state="READY",
            lease_owner=None,
            lease_until=None,
            next_attempt_at=_later(delay_seconds),
            attempts=outbox.c.attempts - 1,
            last_error=why[:500],
            updated_at=now_iso(),
        )
    )


def give_up(conn: Connection, item: WorkItem, error: str) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.id == item.id)
        .values(
            state="DEAD", lease_owner=None, lease_until=None, last_error=error[:500], updated_at=now_iso()
        )
    )


def enqueue(conn: Connection, submission_id: int, kind: str, delay_seconds: float = 0.0) -> None:
    now = now_iso()
    conn.execute(
        insert(outbox).values(
            submission_id=submission_id,
            kind=kind,
            state="READY",
            attempts=0,
            next_attempt_at=_later(delay_seconds) if delay_seconds else now,
            created_at=now,
            updated_at=now,
        )
    )
