"""How a card's state reaches benefit payment: holds on loss, release on lift, approval-time gating.

A loss report holds the holder's not-yet-dispatched lines (PENDING, in an approved batch that was not
released) whose account is the card's financial account: HELD with reason CARD_LOST, each audited. A
batch approved while the card is still held gets the same hold at approval (``hold_at_approval``, the
hook in :func:`gateway.domain.batches.approve`). Lifting the loss releases exactly those holds, unless
the person-status feed also stops this person (its hold is then the feed's to lift).
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, exists, select, update

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
    return q.where(cols.hold_reason == CARD_HOLD) if held else q


# Built once: every loss report and lift runs one of them.
_PAYABLE, _HELD = _lines_stmt(False), _lines_stmt(True)


def _line_ids(conn: Connection, id_hash: bytes, account_hash: bytes, state: str) -> list[tuple[int, str]]:
    stmt = _HELD if state == "HELD" else _PAYABLE
    return [(int(i), str(r)) for i, r in conn.execute(stmt, {"i": id_hash, "a": account_hash}).all()]


def _move(conn: Connection, lines, to_state: str, principal: str, card_ref: str) -> int:
    now = now_iso()
    for line_id, ref in lines:
        conn.execute(
            update(batch_lines)
            .where(batch_lines.c.id == line_id)
            .values(state=to_state, hold_reason=CARD_HOLD if to_state == "HELD" else None, updated_at=now)
        )
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
    return len(lines)


def hold_card_lines(conn: Connection, card: dict, principal: str) -> int:
    """Hold the card's payable lines; returns how many were held."""
    lines = _line_ids(conn, card["id_hash"], card["account_hash"], "PENDING")
    return _move(conn, lines, "HELD", principal, card["card_masked"])


def release_card_lines(conn: Connection, card: dict, principal: str) -> int:
    """Release the lines held for this card's loss; a feed status that stops the person keeps them."""
    feed = conn.execute(
        select(person_status.c.status).where(person_status.c.id_hash == card["id_hash"])
    ).scalar()
    if feed in HOLDING_STATUSES:
        return 0
    lines = _line_ids(conn, card["id_hash"], card["account_hash"], "HELD")
    return _move(conn, lines, "PENDING", principal, card["card_masked"])


def hold_at_approval(conn: Connection, batch_id: int) -> int:
    """Hook for approval: PENDING lines of the batch paid to a card whose payments are held."""
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
