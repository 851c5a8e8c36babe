"""A reconciliation run for one fund account over a range of days, and what finance reads from it.

The matcher itself works over all evidence at once (a status report can settle lines of many accounts);
a run records that a person reconciled one 支出户 for some days, with the figures that say whether it
balanced:

* expected debits: what the gateway paid from the account in the range (lines PAID, RETURNED or
  re-issued after a return, by value date, else by the day they were last moved);
* statement debits: what the account's statements show leaving it (booked debits; the per-payment parts
  of a batch booking are not counted again);
* returns: credits booked back on the account in the range.

The account *balanced* when expected and statement debits agree and no balance break or sequence gap of
that account is open: a missing statement cannot balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.engine import Connection

from gateway import audit
from gateway.clock import now_iso
from gateway.errors import InvalidInput
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import line_events
from gateway.storage.tables_recon import recon_entries, recon_exceptions, recon_matches, recon_suggestions
from gateway.storage.tables_recon_runs import recon_runs
from reconciliation import exceptions as exc_mod
from reconciliation.daily_control import run_daily_control
from reconciliation.matcher import run_in
from reconciliation.settlement import apply_payee_actions, deceased_actions

_PAID_STATES = ("PAID", "RETURNED")
_BREAKS = (exc_mod.BALANCE_BREAK, exc_mod.SEQUENCE_GAP)


@dataclass(frozen=True)
class DateRange:
    start: str
    end: str

    @classmethod
    def parse(cls, start: str, end: str) -> DateRange:
        for field, text in (("start_date", start), ("end_date", end)):
            try:
                date.fromisoformat(text)
            except (TypeError, ValueError):
                raise InvalidInput(
                    f"{field} must be a date YYYY-MM-DD", "FIELD_INVALID", metadata={"field": field}
                ) from None
        if end < start:
            raise InvalidInput(
                "end_date is before start_date", "FIELD_INVALID", metadata={"field": "end_date"}
            )
        return cls(start, end)


def _max_id(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


def _expected_debits(conn: Connection, account: str, days: DateRange) -> int:
    cols = batch_lines.c
    day = func.coalesce(cols.value_date, func.substr(cols.updated_at, 1, 10))
    was_returned = (
        select(line_events.c.id)
        .where(line_events.c.line_id == cols.id, line_events.c.to_state == "RETURNED")
        .exists()
    )
    # A returned line that was re-issued since left the account once (and came back once).
    paid_or_returned = or_(cols.state.in_(_PAID_STATES), and_(cols.state == "REISSUED", was_returned))
    q = (
        select(func.coalesce(func.sum(cols.amount_fen), 0))
        .select_from(batch_lines.join(batches, batches.c.id == cols.batch_id))
        .where(batches.c.fund_account == account, paid_or_returned, day >= days.start, day <= days.end)
    )
    return int(conn.execute(q).scalar_one())


def _statement_sum(conn: Connection, account: str, days: DateRange, direction: str) -> int:
    e = recon_entries.c
    day = func.coalesce(e.value_date, e.booking_date)
    q = select(func.coalesce(func.sum(e.amount_minor), 0)).where(
        e.account == account,
        e.kind == "BOOKED",
        e.direction == direction,
        e.parent_id.is_(None),
        day >= days.start,
        day <= days.end,
    )
    return int(conn.execute(q).scalar_one())


def _open_exceptions(conn: Connection, account: str, kinds: tuple[str, ...] = ()) -> int:
    x = recon_exceptions.c
    q = select(func.count()).select_from(recon_exceptions).where(x.state == "OPEN")
    # Exceptions about a line carry no account; they belong to the account of the line's batch.
    line_account = select(batches.c.fund_account).where(batches.c.id == x.batch_id).scalar_subquery()
    q = q.where(or_(x.account == account, line_account == account))
    if kinds:
        q = q.where(x.kind.in_(kinds))
    return int(conn.execute(q).scalar_one())


def reconcile_account(
    conn: Connection,
    *,
    account: str,
    days: DateRange,
    principal: str,
    today: date | None = None,
    cutoff_days: int = 5,
    fund_accounts: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Match all evidence, then record and return the run's figures for ``account`` over ``days``."""
    started = now_iso()
    before_match = _max_id(conn, recon_matches)
    before_suggestion = _max_id(conn, recon_suggestions)
    before_exception = _max_id(conn, recon_exceptions)
    run_in(conn, today=today, cutoff_days=cutoff_days, fund_accounts=fund_accounts | {account})
    # The three-way control of the account's days, then the payees the evidence says died: their status
    # becomes deceased (from the bank's MD07) and their unsent payments are held.
    run_daily_control(conn, fund_account=account)
    marked = apply_payee_actions(conn, deceased_actions(conn), principal=principal)
    new_exceptions = int(
        conn.execute(
            select(func.count()).select_from(recon_exceptions).where(recon_exceptions.c.id > before_exception)
        ).scalar_one()
    )
    m = recon_matches.c
    # Lines, not claims: a line matched as result and as booking counts once, with its own amount (a
    # batch booking's lump amount sits on every one of its claims).
    new_lines = select(m.line_id).where(m.id > before_match).distinct().subquery()
    matched_count, matched_minor = conn.execute(
        select(func.count(), func.coalesce(func.sum(batch_lines.c.amount_fen), 0)).select_from(
            new_lines.join(batch_lines, batch_lines.c.id == new_lines.c.line_id)
        )
    ).one()
    suggestions = int(
        conn.execute(
            select(func.count())
            .select_from(recon_suggestions)
            .where(recon_suggestions.c.id > before_suggestion)
        ).scalar_one()
    )
    expected = _expected_debits(conn, account, days)
    debited = _statement_sum(conn, account, days, "DEBIT")
    returned = _statement_sum(conn, account, days, "CREDIT")
    balanced = expected == debited and _open_exceptions(conn, account, _BREAKS) == 0
    row = {
        "account": account,
        "start_date": days.start,
        "end_date": days.end,
        "matched_count": int(matched_count),
        "matched_minor": int(matched_minor),
        "suggestion_count": suggestions,
        "new_exception_count": new_exceptions,
        "open_exception_count": _open_exceptions(conn, account),
        "expected_debit_minor": expected,
        "statement_debit_minor": debited,
        "returned_minor": returned,
        "balanced": balanced,
        "principal": principal,
        "started_at": started,
        "finished_at": now_iso(),
    }
    run_id = conn.execute(insert(recon_runs).values(**row)).inserted_primary_key[0]
    audit.append(
        conn,
        principal=principal,
        action="recon.run",
        object_type="recon_run",
        object_id=str(run_id),
        detail={
            "start_date": days.start,
            "end_date": days.end,
            "matched": int(matched_count),
            "new_exceptions": new_exceptions,
            "persons_marked_deceased": marked.persons_marked,
            "balanced": balanced,
        },
    )
    return {"id": run_id, **row, "persons_marked_deceased": marked.persons_marked}
