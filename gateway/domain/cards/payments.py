"""How a card's state reaches benefit payment: holds on loss, release on lift, approval-time gating.

A loss report holds the holder's not-yet-dispatched lines (PENDING, in an approved batch that was not
released) whose account is the card's financial account: HELD with reason CARD_LOST, each audited. A
batch approved while the card is still held gets the same hold at approval (``hold_at_approval``, the
hook in :func:`gateway.domain.batches.approve`). Lifting the loss releases exactly those holds, unless
the person-status feed also stops this person (its hold is then the feed's to lift).

On PostgreSQL (READ COMMITTED) a loss report and a batch approval running at the same moment could
each miss the other: the loss sees no approved batch yet, the approval sees no held card yet, and the
line would go out. Every card write transaction therefore takes a shared advisory lock before its first
statement that matters, and the approval takes it exclusively before its card check: card operations
never wait for each other, an approval waits for the card operations in flight (and they for it).
Both take it before their audit entries, so the audit head is always locked after it (no deadlock).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, exists, select, text, update

from gateway import audit
from gateway.clock import now_iso
from gateway.domain.batches import HOLDING_STATUSES, holdable_batches_subquery
from gateway.storage.tables import batch_lines, person_status
from gateway.storage.tables_cards import cards

CARD_HOLD = "CARD_LOST"


def _lines_stmt(held: bool):
    cols = batch_lines.c
    q = select(cols.id, cols.e2e_ref).where(
        cols.id_hash == bindparam("i"),
        cols.account_hash == bindparam("a"),
        cols.state == ("HELD" if held else "PENDING"),
        cols.submission_id.is_(None),
        cols.batch_id.in_(holdable_batches_subquery()),
    )
    if not held:
        return q
    # Held for this card, and not also stopped by the person-status feed (that hold is the feed's to
    # lift): one statement instead of reading the feed first.
    stopped = exists().where(
        person_status.c.id_hash == bindparam("i"), person_status.c.status.in_(HOLDING_STATUSES)
    )
    return q.where(cols.hold_reason == CARD_HOLD, ~stopped)


_CARD_HOLDS_LOCK = 0x5349_4C4B_4341_5244  # "SILKCARD": one advisory key for card holds vs. approval
_SHARED = text("SELECT pg_advisory_xact_lock_shared(:k)").bindparams(k=_CARD_HOLDS_LOCK)
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_CARD_HOLDS_LOCK)


def card_side_of_approval(conn: Connection) -> None:
    """A card write transaction on PostgreSQL: shared with other card operations, not with an approval."""
    if conn.dialect.name == "postgresql":
        conn.execute(_SHARED)


# Built once: every loss report and lift runs one of them.
_PAYABLE, _HELD = _lines_stmt(False), _lines_stmt(True)


def _line_ids(conn: Connection, id_hash: bytes, account_hash: bytes, state: str) -> list[tuple[int, str]]:
    stmt = _HELD if state == "HELD" else _PAYABLE
    return [(int(i), str(r)) for i, r in conn.execute(stmt, {"i": id_hash, "a": account_hash}).all()]


def _move_stmt(from_state: str, to_state: str):
    # The line's state is checked again by the UPDATE itself: a line a dispatch worker took between the
    # read and this write (its lock waited for, the row re-read) is left alone, not held after the fact.
    cols = batch_lines.c
    return (
        update(batch_lines)
        .where(cols.id == bindparam("_id"), cols.state == from_state, cols.submission_id.is_(None))
        .values(state=to_state, hold_reason=CARD_HOLD if to_state == "HELD" else None)
    )


_TO_HELD, _TO_PENDING = _move_stmt("PENDING", "HELD"), _move_stmt("HELD", "PENDING")


def _move(conn: Connection, lines, to_state: str, principal: str, card_ref: str) -> int:
    now = now_iso()
    stmt = _TO_HELD if to_state == "HELD" else _TO_PENDING
    moved = 0
    for line_id, ref in lines:
        if not conn.execute(stmt, {"_id": line_id, "updated_at": now}).rowcount:
            continue
        moved += 1
        audit.append(
            conn,
            principal=principal,
            action="line.hold" if to_state == "HELD" else "line.release",
            object_type="line",
            object_id=ref,
            before="PENDING" if to_state == "HELD" else "HELD",
            after=to_state,
            detail={"reason": CARD_HOLD, "card": card_ref},
        )
    return moved


def hold_card_lines(conn: Connection, card: dict, principal: str) -> int:
    """Hold the card's payable lines; returns how many were held."""
    lines = _line_ids(conn, card["id_hash"], card["account_hash"], "PENDING")
    return _move(conn, lines, "HELD", principal, card["card_masked"])


def release_card_lines(conn: Connection, card: dict, principal: str) -> int:
    """Release the lines held for this card's loss; a feed status that stops the person keeps them."""
    lines = _line_ids(conn, card["id_hash"], card["account_hash"], "HELD")
    return _move(conn, lines, "PENDING", principal, card["card_masked"])


def hold_at_approval(conn: Connection, batch_id: int) -> int:
    """Hook for approval: PENDING lines of the batch paid to a card whose payments are held."""
    if conn.dialect.name == "postgresql":
        conn.execute(_EXCLUSIVE)  # wait for loss reports and lifts in flight; see the module docstring
    cols = batch_lines.c
    held_card = exists().where(
        and_(
            cards.c.payments_held, cards.c.id_hash == cols.id_hash, cards.c.account_hash == cols.account_hash
        )
    )
    result = conn.execute(
        update(batch_lines)
        .where(cols.batch_id == batch_id, cols.state == "PENDING", held_card)
        .values(state="HELD", hold_reason=CARD_HOLD, updated_at=now_iso())
    )
    return result.rowcount or 0
