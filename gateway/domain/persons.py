"""The person-status feed: who must not be paid (DOMAIN.md §4), and its effect on approved batches.

A status is stored by keyed hash of the normalised ID number. A stopping status (suspended, terminated,
uncertified past the window, deceased, card lost) that arrives after a batch was approved and before
it is dispatched holds that person's PENDING lines at once (抽单止付), each hold audited. ACTIVE again
lifts the holds that may lift by themselves (suspension, certification, card loss); holds for death or
termination stay for a person to decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, update

from gateway import audit
from gateway.clock import now_iso
from gateway.domain.batches import AUTO_RELEASABLE, HOLDING_STATUSES, holdable_batches_subquery
from gateway.errors import LineRejected
from gateway.intake.identity import birth_dates, normalise_id, resolve_id_type
from gateway.intake.records import LineError, display_value
from gateway.intake.settings import ValidationSettings
from gateway.storage.tables import batch_lines, person_status
from keys.datakey import DataProtector

STATUSES = ("ACTIVE", *HOLDING_STATUSES)


@dataclass(frozen=True)
class StatusUpdate:
    line: int
    id_type: str
    id_number: str
    status: str
    effective_date: str
    source: str


@dataclass
class StatusImportResult:
    received: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: int = 0
    lines_held: int = 0
    lines_released: int = 0
    errors: list[LineError] = field(default_factory=list)


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def apply_updates(
    conn: Connection, protector: DataProtector, updates: Iterable[StatusUpdate], principal: str
) -> StatusImportResult:
    res = StatusImportResult()
    births = birth_dates(ValidationSettings().earliest_birth_date, dt.date.today())
    for u in updates:
        res.received += 1
        try:
            id_type = resolve_id_type(u.id_type) or "RESIDENT_ID"
            id_number = normalise_id(id_type, u.id_number, births)
            if u.status not in STATUSES:
                raise LineRejected(f"status must be one of {', '.join(STATUSES)}", reason="STATUS_UNKNOWN")
            if not _valid_date(u.effective_date):
                raise LineRejected("effective_date must be YYYY-MM-DD", reason="DATE_INVALID")
        except LineRejected as exc:
            res.rejected += 1
            field_name = (
                "status"
                if exc.reason == "STATUS_UNKNOWN"
                else ("effective_date" if exc.reason == "DATE_INVALID" else "id_number")
            )
            shown = {"status": u.status, "effective_date": u.effective_date}.get(field_name, u.id_number)
            res.errors.append(
                LineError(u.line, field_name, exc.reason, display_value(field_name, shown), exc.message)
            )
            continue
        id_hash = protector.blind_index(id_number)
        before = conn.execute(
            select(person_status.c.status).where(person_status.c.id_hash == id_hash)
        ).scalar()
        if before == u.status:
            res.unchanged += 1
            continue
        values = {
            "status": u.status,
            "effective_date": u.effective_date,
            "source": u.source[:60] or "feed",
            "updated_by": principal,
            "updated_at": now_iso(),
        }
        if before is None:
            conn.execute(insert(person_status).values(id_hash=id_hash, **values))
        else:
            conn.execute(update(person_status).where(person_status.c.id_hash == id_hash).values(**values))
        res.applied += 1
        if u.status in HOLDING_STATUSES:
            res.lines_held += _move_lines(conn, id_hash, "PENDING", "HELD", u.status, principal, None)
        else:
            res.lines_released += _move_lines(
                conn, id_hash, "HELD", "PENDING", None, principal, AUTO_RELEASABLE
            )
    return res


def _move_lines(
    conn: Connection,
    id_hash: bytes,
    from_state: str,
    to_state: str,
    hold: str | None,
    principal: str,
    only_reasons: tuple[str, ...] | None,
) -> int:
    cols = batch_lines.c
    q = select(cols.id, cols.e2e_ref, cols.hold_reason).where(
        cols.claim,
        cols.id_hash == id_hash,
        cols.state == from_state,
        cols.batch_id.in_(holdable_batches_subquery()),
    )
    if only_reasons is not None:
        q = q.where(cols.hold_reason.in_(only_reasons))
    moved = 0
    for line_id, ref, old_reason in conn.execute(q).all():
        conn.execute(
            update(batch_lines)
            .where(cols.id == line_id)
            .values(state=to_state, hold_reason=hold, updated_at=now_iso())
        )
        audit.append(
            conn,
            principal=principal,
            action="line.hold" if to_state == "HELD" else "line.release",
            object_type="line",
            object_id=ref,
            before=from_state,
            after=to_state,
            detail={"reason": hold or old_reason},
        )
        moved += 1
    return moved
