"""Line states move forward only; every move is an event with its cause.

    PENDING ─► SUBMITTED ─► ACCEPTED ─► PAID ─► RETURNED
                   │            │
                   └────────────┴─► FAILED            UNKNOWN: outcome not known, ask the bank
                   └─► UNKNOWN ─► ACCEPTED | PAID | FAILED | MANUAL

A result that would move a line backwards or sideways (a duplicate, a reordered or a contradictory
callback) changes nothing; a contradiction of a final state (FAILED after PAID) is kept as an event
for reconciliation and the line stays as it was. The allowed moves are one table, not code paths.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, literal, select, update

from adapters.contract import LineOutcome, LineResult
from gateway.clock import now_iso
from gateway.errors import Internal
from gateway.storage.bulk import execute_many, insert_many
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events

ALLOWED: dict[str, frozenset[str]] = {
    "PENDING": frozenset({"SUBMITTED", "HELD", "CANCELLED"}),
    "HELD": frozenset({"PENDING", "CANCELLED"}),
    "SUBMITTED": frozenset({"ACCEPTED", "PAID", "FAILED", "UNKNOWN", "MANUAL"}),
    "ACCEPTED": frozenset({"PAID", "FAILED", "UNKNOWN", "MANUAL"}),
    "UNKNOWN": frozenset({"ACCEPTED", "PAID", "FAILED", "MANUAL"}),
    "MANUAL": frozenset({"PAID", "FAILED"}),
    "PAID": frozenset({"RETURNED"}),
    "FAILED": frozenset({"REISSUED"}),
    "RETURNED": frozenset({"REISSUED"}),
    "CANCELLED": frozenset(),
    "REISSUED": frozenset(),
}
FINAL = frozenset({"PAID", "FAILED", "RETURNED", "CANCELLED", "REISSUED"})
_OUTCOME_STATE = {
    LineOutcome.PENDING: "ACCEPTED",
    LineOutcome.PAID: "PAID",
    LineOutcome.FAILED: "FAILED",
    LineOutcome.RETURNED: "RETURNED",
    LineOutcome.UNKNOWN: "UNKNOWN",
}


def iso_day(text: str) -> str | None:
    """A bank's value date as ``YYYY-MM-DD``: ISO banks send it so, the Chinese protocols ``YYYYMMDD``.
    Anything else is dropped rather than stored in a shape that date ranges would silently miss."""
    text = text.strip()[:10]
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return _dt.date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def can_move(old: str, new: str) -> bool:
    return new in ALLOWED.get(old, frozenset())


def move_submission_lines(
    conn: Connection,
    submission_id: int,
    from_states: Iterable[str],
    to_state: str,
    cause: str,
    principal: str,
) -> int:
    """Move every line of a submission that is in one of ``from_states`` (all must allow the move)."""
    cols = batch_lines.c
    from_states = tuple(from_states)
    assert all(can_move(s, to_state) for s in from_states), (from_states, to_state)
    if conn.dialect.name == "sqlite":
        return _move_set_based(conn, submission_id, from_states, to_state, cause, principal)
    # PostgreSQL (READ COMMITTED): the lines read are the lines moved and given an event; the
    # submission's outbox lease, held under a row lock, keeps any other worker from moving them.
    rows = conn.execute(
        select(cols.id, cols.state).where(cols.submission_id == submission_id, cols.state.in_(from_states))
    ).all()
    if not rows:
        return 0
    now = now_iso()
    conn.execute(
        update(batch_lines)
        .where(cols.submission_id == submission_id, cols.state.in_(from_states))
        .values(state=to_state, updated_at=now)
    )
    insert_many(
        conn,
        line_events,
        [
            {
                "line_id": r.id,
                "from_state": r.state,
                "to_state": to_state,
                "cause": cause,
                "principal": principal,
                "at": now,
            }
            for r in rows
        ],
    )
    return len(rows)


def _move_set_based(
    conn: Connection,
    submission_id: int,
    from_states: tuple[str, ...],
    to_state: str,
    cause: str,
    principal: str,
) -> int:
    """The same move in two statements run inside the database, no line passing through Python.

    SQLite only: the write transaction began with ``BEGIN IMMEDIATE`` and holds the database's write
    lock, so no line can change state between the statement that writes the events and the one that
    moves the lines; each line gets its event with the state it really left.
    """
    cols = batch_lines.c
    now = now_iso()
    which = (cols.submission_id == submission_id) & cols.state.in_(from_states)
    events = conn.execute(
        insert(line_events).from_select(
            ["line_id", "from_state", "to_state", "cause", "principal", "at"],
            select(cols.id, cols.state, literal(to_state), literal(cause), literal(principal), literal(now))
            .where(which)
            .order_by(cols.id),
        )
    ).rowcount
    moved = conn.execute(update(batch_lines).where(which).values(state=to_state, updated_at=now)).rowcount
    if moved != events:  # pragma: no cover - would mean the write lock did not hold
        raise Internal(f"line move of submission {submission_id}: {moved} moved, {events} events")
    return moved


def move_line(
    conn: Connection,
    line_id: int,
    from_states: Iterable[str],
    to_state: str,
    cause: str,
    principal: str,
    evidence_id: int | None = None,
) -> bool:
    """Move one line if it is in one of ``from_states`` (all must allow the move); True if it moved."""
    cols = batch_lines.c
    from_states = tuple(from_states)
    assert all(can_move(s, to_state) for s in from_states), (from_states, to_state)
    old = conn.execute(select(cols.state).where(cols.id == line_id)).scalar()
    if old not in from_states:
        return False
    now = now_iso()
    conn.execute(
        update(batch_lines)
        .where(cols.id == line_id, cols.state == old)
        .values(state=to_state, updated_at=now)
    )
    conn.execute(
        insert(line_events).values(
            line_id=line_id,
            from_state=old,
            to_state=to_state,
            cause=cause,
            principal=principal,
            evidence_id=evidence_id,
            at=now,
        )
    )
    return True


def apply_results(
    conn: Connection,
    submission_id: int,
    results: Iterable[LineResult],
    *,
    principal: str,
    cause: str,
    evidence_id: int | None = None,
) -> dict[str, int]:
    """Apply bank line results to the submission's lines; returns counts of moves by new state.

    Results are matched by end-to-end reference, else by sequence in the submission. A result for a line
    that is not in this submission is ignored (counted as ``foreign``): a bank never moves another
    submission's lines.
    """
    results = tuple(results)
    if not results:
        return {}  # an answer without lines (an acknowledgement): no need to read the submission
    cols = batch_lines.c
    lines = conn.execute(
        select(cols.id, cols.e2e_ref, cols.state, cols.amount_fen)
        .where(cols.submission_id == submission_id)
        .order_by(cols.line_number)
    ).all()
    # By position in the submission (seq - 1); the state is updated as results move it, so a second
    # result for the same line is judged against the first one's move.
    ids = [r[0] for r in lines]
    amounts = [r[3] for r in lines]
    state = [r[2] for r in lines]
    by_ref = {r[1]: i for i, r in enumerate(lines)}
    counts: dict[str, int] = {}
    now = now_iso()
    events: list[tuple] = []
    # One executemany per shape of update (which columns change), not one statement per line: a
    # 5,000-line answer is a handful of round trips. Rows are tuples in the shape's column order.
    updates: dict[tuple[bool, bool], list[tuple]] = {}
    # Lines with an update waiting: a second move of one of them must wait until the first is written,
    # or (in another shape's executemany, run first) it would find the line not yet moved and change
    # nothing while its event said it had.
    waiting: set[int] = set()

    def write_updates() -> None:
        for (failed, dated), rows in updates.items():
            execute_many(conn, _update_sql(failed, dated), rows)
        updates.clear()
        waiting.clear()

    for res in results:
        if res.end_to_end_ref:
            i = by_ref.get(res.end_to_end_ref)
        else:
            i = res.seq - 1 if res.seq is not None and 0 < res.seq <= len(lines) else None
        if i is None:
            counts["foreign"] = counts.get("foreign", 0) + 1
            continue
        new = _OUTCOME_STATE[res.outcome]
        old = state[i]
        if res.amount_fen is not None and res.amount_fen != amounts[i] and new in ("PAID", "RETURNED"):
            # The bank moved a different amount than we sent: a person must look.
            new = "MANUAL" if can_move(old, "MANUAL") else old
        if new == old or not can_move(old, new):
            counts["ignored"] = counts.get("ignored", 0) + 1
            continue
        failed = new in ("FAILED", "RETURNED")
        day = iso_day(res.value_date) if res.value_date else None
        row: tuple = (new, now)
        if failed:
            row += (res.reason.value if res.reason else "UNKNOWN", res.raw_code[:40], res.raw_text[:500])
        if day:
            row += (day,)
        line_id = ids[i]
        if i in waiting:
            write_updates()
        waiting.add(i)
        updates.setdefault((failed, bool(day)), []).append((*row, line_id, old))
        events.append((line_id, old, new, cause, principal, evidence_id, now))
        state[i] = new
        counts[new] = counts.get(new, 0) + 1
    write_updates()
    if events:
        execute_many(conn, _EVENTS_INSERT, events)
    return counts


# The columns an applied result sets, by shape; the SQL is built from these names only, never from data.
_SET_ALWAYS = ("state", "updated_at")
_SET_FAILED = ("failure_reason", "bank_raw_code", "bank_raw_text")
_SET_DATED = ("value_date",)
_EVENT_COLUMNS = ("line_id", "from_state", "to_state", "cause", "principal", "evidence_id", "at")
_EVENTS_INSERT = (
    f"INSERT INTO {line_events.name} ({', '.join(_EVENT_COLUMNS)}) "  # noqa: S608 - column names only
    f"VALUES ({', '.join(['?'] * len(_EVENT_COLUMNS))})"
)


def _update_sql(failed: bool, dated: bool) -> str:
    columns = _SET_ALWAYS + (_SET_FAILED if failed else ()) + (_SET_DATED if dated else ())
    # Forward only, still: the line moves only from the state it was read in.
    return (
        f"UPDATE {batch_lines.name} SET {', '.join(f'{c} = ?' for c in columns)} "  # noqa: S608
        "WHERE id = ? AND state = ?"
    )


def open_lines(conn: Connection, submission_id: int) -> int:
    """Lines of the submission that are not final yet."""
    cols = batch_lines.c
    # Counted in the database: right after a send every line is open, and fetching 5,000 ids to count
    # them is most of the cost.
    return conn.execute(
        select(func.count())
        .select_from(batch_lines)
        .where(cols.submission_id == submission_id, cols.state.not_in(tuple(FINAL)))
    ).scalar_one()


def advance_batch(conn: Connection, batch_id: int) -> str | None:
    """Move the batch forward from what its submissions say: RELEASED → DISPATCHING once any has left,
    → COMPLETED once every submission is final and no line of it is open. Returns the new state."""
    from gateway import audit
    from gateway.domain.refs import batch_ref
    from gateway.storage.tables import batches
    from gateway.storage.tables_dispatch import submissions

    state = conn.execute(select(batches.c.state).where(batches.c.id == batch_id)).scalar()
    if state not in ("RELEASED", "DISPATCHING"):
        return None
    sub_states = [
        r[0] for r in conn.execute(select(submissions.c.state).where(submissions.c.batch_id == batch_id))
    ]
    new = state
    if all(s in ("COMPLETED", "REJECTED") for s in sub_states):
        open_count = conn.execute(
            select(batch_lines.c.id)
            .where(
                batch_lines.c.batch_id == batch_id,
                batch_lines.c.state.in_(("SUBMITTED", "ACCEPTED", "UNKNOWN", "MANUAL")),
            )
            .limit(1)
        ).first()
        if open_count is None:
            new = "COMPLETED"
    elif any(s != "READY" for s in sub_states):
        new = "DISPATCHING"
    if new == state:
        return None
    now = now_iso()
    values = {"state": new, "updated_at": now}
    conn.execute(update(batches).where(batches.c.id == batch_id, batches.c.state == state).values(**values))
    audit.append(
        conn,
        principal="system:dispatcher",
        action=f"batch.{new.lower()}",
        object_type="batch",
        object_id=batch_ref(batch_id),
        before=state,
        after=new,
    )
    return new
