"""Three-way daily control: the gateway ledger, the banks' results and the fund-account statement agree
per fund account (支出户) and day.

What a row counts, and why it is keyed this way:

* **Day** is the day the gateway sent the lines (the submission's ``sent_at`` in its own, Beijing,
  offset). A bank result, a statement debit or a return that claims a line counts on that line's day,
  so a payment sent on Monday and booked on Tuesday still closes Monday. A statement movement that claims
  none of our lines (an unknown debit, a lump sum that did not add up, a credit naming nothing) counts on
  its own booking date: it must break the day it appeared.
* **Account** is the fund account the lines left from; a statement movement counts on the account of the
  statement that shows it, so a debit on the wrong account breaks both accounts' days.

The checks (each failed one is named in ``breaks``):

* ``LEDGER_VS_BANK_PAID``: the ledger's paid lines (PAID or RETURNED) sum to what the results say paid;
* ``LEDGER_VS_BANK_REJECTED``: the ledger's FAILED lines sum to what the results say rejected;
* ``BANK_VS_STATEMENT``: what the results say paid is what left the 支出户 per the statement;
* ``LEDGER_VS_STATEMENT_RETURNS``: the ledger's RETURNED lines are the returns credited back here;
* ``UNEXPLAINED_CREDIT``: every credit on the statement is a return of one of our lines;
* ``RETURNED_ELSEWHERE``: no return of this account's lines arrived on another account (the return
  itself is already a ``RETURN_TO_OTHER_ACCOUNT`` exception from the matcher; here it breaks the day).

Lines still in flight (no result, nothing booked) break nothing: the unmatched-past-cut-off exception is
what catches a line that stays silent. A day that disagrees opens one ``CONTROL_BREAK`` exception
(subject ``control:<account>:<day>``); recomputing with new evidence updates the open exception's figures
rather than opening another, and clears it once the day agrees. Running again on the same evidence changes
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Connection

from gateway.clock import now_iso
from gateway.pii import mask_number
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from gateway.storage.tables_recon import (
    recon_daily_controls,
    recon_entries,
    recon_exceptions,
    recon_matches,
    recon_statements,
)
from reconciliation import exceptions as exc_mod
from reconciliation.matcher import BOOKING, RESULT, RETURN, role_of

# A paid line is PAID in the line state machine (gateway/dispatch/lines.py), or RETURNED after it was paid.
LEDGER_PAID_STATES = frozenset({"PAID", "RETURNED"})

CHECKS = (
    "LEDGER_VS_BANK_PAID",
    "LEDGER_VS_BANK_REJECTED",
    "BANK_VS_STATEMENT",
    "LEDGER_VS_STATEMENT_RETURNS",
    "UNEXPLAINED_CREDIT",
    "RETURNED_ELSEWHERE",
)

# The columns that carry figures: a recomputation that leaves all of them equal writes nothing.
_FIGURES = (
    "ledger_sent_count",
    "ledger_sent_minor",
    "ledger_states",
    "bank_paid_count",
    "bank_paid_minor",
    "bank_rejected_count",
    "bank_rejected_minor",
    "bank_missing_count",
    "statement_debit_count",
    "statement_debit_minor",
    "statement_unexplained_debit_minor",
    "statement_credit_count",
    "statement_credit_minor",
    "returned_minor",
    "returned_elsewhere_minor",
    "agrees",
    "breaks",
)


@dataclass
class DailyControlRow:
    """One fund account on one day. ``account`` is the clear fund account (an institution's account, kept
    for joins); show :attr:`account_masked`."""

    account: str
    day: str
    ledger_sent_count: int = 0
    ledger_sent_minor: int = 0
    ledger_states: dict[str, list[int]] = field(default_factory=dict)  # state → [count, fen]
    bank_paid_count: int = 0
    bank_paid_minor: int = 0
    bank_rejected_count: int = 0
    bank_rejected_minor: int = 0
    bank_missing_count: int = 0
    statement_debit_count: int = 0
    statement_debit_minor: int = 0
    statement_unexplained_debit_minor: int = 0
    statement_credit_count: int = 0
    statement_credit_minor: int = 0
    returned_minor: int = 0
    returned_elsewhere_minor: int = 0
    agrees: bool = True
    breaks: list[str] = field(default_factory=list)
    computed_at: str = ""

    @property
    def account_masked(self) -> str:
        return mask_number(self.account)

    def ledger_minor(self, *states: str) -> int:
        return sum(self.ledger_states.get(s, (0, 0))[1] for s in states)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["account"] = self.account_masked
        return out


def _check(row: DailyControlRow) -> None:
    failed = []
    if row.ledger_minor(*LEDGER_PAID_STATES) != row.bank_paid_minor:
        failed.append("LEDGER_VS_BANK_PAID")
    if row.ledger_minor("FAILED") != row.bank_rejected_minor:
        failed.append("LEDGER_VS_BANK_REJECTED")
    if row.bank_paid_minor != row.statement_debit_minor:
        failed.append("BANK_VS_STATEMENT")
    if row.ledger_minor("RETURNED") != row.returned_minor:
        failed.append("LEDGER_VS_STATEMENT_RETURNS")
    if row.statement_credit_minor != row.returned_minor:
        failed.append("UNEXPLAINED_CREDIT")
    if row.returned_elsewhere_minor:
        failed.append("RETURNED_ELSEWHERE")
    row.breaks = failed
    row.agrees = not failed


class _Totals:
    """Accumulates every row of one computation, keyed (account, day)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], DailyControlRow] = {}

    def __getitem__(self, key: tuple[str, str]) -> DailyControlRow:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = DailyControlRow(*key)
        return row


# Rows fetched at a time from the streaming queries (PostgreSQL: a server-side cursor).
_STREAM_ROWS = 5_000


def _line_day() -> Any:
    """A line's day in SQL: the date part of its submission's ``sent_at`` (else ``created_at``)."""
    s = submissions.c
    return func.substr(func.coalesce(s.sent_at, s.created_at), 1, 10)


def _released_lines() -> Any:
    bl = batch_lines.c
    return batch_lines.join(submissions, submissions.c.id == bl.submission_id)


def _statement_movements(conn: Connection) -> Iterator[tuple[Any, list[Any]]]:
    """Booked statement movements, each money movement once (a batch booking whose parts are listed
    counts through its parts), in id order, each with its non-result claims summed by role, rule, line
    day and line fund account (``claims``: how many, ``line_minor``: their lines' amounts). A lump
    booking claims thousands of lines; the database adds them up instead of streaming each one."""
    e, m, bl, s = recon_entries.c, recon_matches.c, batch_lines.c, submissions.c
    formats = sorted(exc_mod.STATEMENT_FORMATS)
    booked = (e.kind == "BOOKED") & e.source_format.in_(formats)
    parents = select(e.parent_id).where(booked, e.parent_id.is_not(None))
    claimed = recon_matches.join(batch_lines, bl.id == m.line_id).join(submissions, s.id == bl.submission_id)
    movement = (
        e.id,
        e.kind,
        e.status,
        e.direction,
        e.reversal,
        e.amount_minor,
        e.booking_date,
        e.value_date,
        e.account,
        recon_statements.c.account.label("stmt_account"),
        m.role,
        m.rule,
        _line_day().label("line_day"),
        s.fund_account.label("line_account"),
    )
    q = (
        select(*movement, func.count(m.id).label("claims"), func.sum(bl.amount_fen).label("line_minor"))
        .select_from(recon_entries)
        .outerjoin(recon_statements, recon_statements.c.id == e.statement_id)
        .outerjoin(claimed, and_(m.entry_id == e.id, m.role != RESULT))
        .where(booked, e.id.not_in(parents))
        .group_by(*movement)
        .order_by(e.id)
        .execution_options(yield_per=_STREAM_ROWS)
    )
    for _entry_id, rows in groupby(conn.execute(q), key=lambda r: r.id):
        first, *rest = rows
        yield first, [r for r in (first, *rest) if r.role is not None]


def compute(conn: Connection) -> dict[tuple[str, str], DailyControlRow]:
    """Every (fund account, day) row from the ledger, the claims and the statements; nothing written.

    Aggregated in the database and streamed, so memory holds the rows (fund accounts × days), never the
    lines: a province month is tens of millions of them."""
    totals = _Totals()
    bl, s, m, e = batch_lines.c, submissions.c, recon_matches.c, recon_entries.c
    day = _line_day()
    fund_accounts = set(
        conn.execute(
            select(s.fund_account).distinct().where(select(bl.id).where(bl.submission_id == s.id).exists())
        ).scalars()
    )

    for account, d, state, n, fen in conn.execute(
        select(s.fund_account, day, bl.state, func.count(), func.sum(bl.amount_fen))
        .select_from(_released_lines())
        .group_by(s.fund_account, day, bl.state)
    ):
        if d is None:
            continue
        fen = int(fen)  # PostgreSQL sums a bigint as numeric
        row = totals[(account, d)]
        row.ledger_sent_count += n
        row.ledger_sent_minor += fen
        n_fen = row.ledger_states.setdefault(state, [0, 0])
        n_fen[0] += n
        n_fen[1] += fen

    results = (
        _released_lines()
        .join(recon_matches, and_(m.line_id == bl.id, m.role == RESULT))
        .join(recon_entries, e.id == m.entry_id)
    )
    for account, d, status, n, fen in conn.execute(
        select(
            s.fund_account,
            day,
            e.status,
            func.count(),
            func.sum(func.coalesce(m.amount_minor, bl.amount_fen)),
        )
        .select_from(results)
        .group_by(s.fund_account, day, e.status)
    ):
        if d is None:
            continue
        fen = int(fen)
        row = totals[(account, d)]
        if status == "SETTLED":
            row.bank_paid_count += n
            row.bank_paid_minor += fen
        elif status in ("REJECTED", "CANCELLED"):
            row.bank_rejected_count += n
            row.bank_rejected_minor += fen
    has_result = select(m.line_id).where(m.line_id == bl.id, m.role == RESULT).exists()
    for account, d, n in conn.execute(
        select(s.fund_account, day, func.count())
        .select_from(_released_lines())
        .where(~has_result)
        .group_by(s.fund_account, day)
    ):
        if d is not None:
            totals[(account, d)].bank_missing_count += n

    for mv, claims in _statement_movements(conn):
        account = mv.account or mv.stmt_account
        if account is None or account not in fund_accounts:
            continue  # a stranger's statement is an UNKNOWN_ACCOUNT exception, not part of our control
        role = role_of(mv.kind, mv.status, mv.direction, mv.reversal)
        own_day = mv.booking_date or mv.value_date
        mine = [c for c in claims if c.role == role]
        claimed = sum(c.claims for c in mine)
        if role == BOOKING:
            if not mine:
                if own_day is not None:
                    row = totals[(account, own_day)]
                    row.statement_debit_count += 1
                    row.statement_debit_minor += mv.amount_minor or 0
                    row.statement_unexplained_debit_minor += mv.amount_minor or 0
                continue
            for c in mine:
                row = totals[(account, c.line_day)]
                row.statement_debit_count += c.claims
                # A lump claims each line at the lump's amount: count each line's own share.
                if c.rule == "BATCH_TOTAL" or claimed > 1:
                    row.statement_debit_minor += int(c.line_minor or 0)
                else:
                    row.statement_debit_minor += mv.amount_minor or 0
        elif role == RETURN:
            if not mine:
                if own_day is not None:
                    row = totals[(account, own_day)]
                    row.statement_credit_count += 1
                    row.statement_credit_minor += mv.amount_minor or 0
                continue
            for c in mine:
                # Each claimed line at the movement's amount, or at its own when the bank gave none.
                amount = c.claims * mv.amount_minor if mv.amount_minor is not None else int(c.line_minor)
                row = totals[(account, c.line_day)]
                row.statement_credit_count += c.claims
                row.statement_credit_minor += amount
                if account == c.line_account:
                    row.returned_minor += amount
                else:
                    totals[(c.line_account, c.line_day)].returned_elsewhere_minor += amount
                    # Here it is money we cannot explain: it is nobody's return on this account.
    for row in totals.rows.values():
        _check(row)
    return totals.rows


def _db_values(row: DailyControlRow) -> dict[str, Any]:
    values = {f: getattr(row, f) for f in _FIGURES}
    values["ledger_states"] = json.dumps(row.ledger_states, sort_keys=True)
    values["breaks"] = ",".join(row.breaks) or None
    return values


def _break_detail(row: DailyControlRow) -> str:
    return (
        f"fund account {row.account_masked} on {row.day}: {', '.join(row.breaks)}; "
        f"ledger sent {row.ledger_sent_minor} fen over {row.ledger_sent_count} line(s), "
        f"paid {row.ledger_minor(*LEDGER_PAID_STATES)}, failed {row.ledger_minor('FAILED')}, "
        f"returned {row.ledger_minor('RETURNED')}; banks paid {row.bank_paid_minor}, "
        f"rejected {row.bank_rejected_minor}; statement debits {row.statement_debit_minor} "
        f"({row.statement_unexplained_debit_minor} unexplained), credits {row.statement_credit_minor}, "
        f"returns here {row.returned_minor}, returns elsewhere {row.returned_elsewhere_minor}"
    )


def _break_amount(row: DailyControlRow) -> int:
    """The first failed check's difference, signed, in fen: what finance has to find."""
    first = row.breaks[0]
    return {
        "LEDGER_VS_BANK_PAID": row.bank_paid_minor - row.ledger_minor(*LEDGER_PAID_STATES),
        "LEDGER_VS_BANK_REJECTED": row.bank_rejected_minor - row.ledger_minor("FAILED"),
        "BANK_VS_STATEMENT": row.statement_debit_minor - row.bank_paid_minor,
        "LEDGER_VS_STATEMENT_RETURNS": row.returned_minor - row.ledger_minor("RETURNED"),
        "UNEXPLAINED_CREDIT": row.statement_credit_minor - row.returned_minor,
        "RETURNED_ELSEWHERE": row.returned_elsewhere_minor,
    }[first]


def run_daily_control(
    conn: Connection, *, day: date | str | None = None, fund_account: str | None = None
) -> list[DailyControlRow]:
    """Compute, store and return the daily control rows (all days and fund accounts unless narrowed),
    inside the caller's write transaction; a disagreeing day opens or updates its ``CONTROL_BREAK``.

    Idempotent: with the same evidence, a second run writes nothing (not even ``computed_at``).
    """
    wanted_day = day.isoformat() if isinstance(day, date) else day
    rows = [
        r
        for (account, d), r in sorted(compute(conn).items())
        if (wanted_day is None or d == wanted_day) and (fund_account is None or account == fund_account)
    ]
    dc = recon_daily_controls.c
    stored = {
        (r.account, r.day): r
        for r in conn.execute(select(recon_daily_controls)).all()
        if (wanted_day is None or r.day == wanted_day) and (fund_account is None or r.account == fund_account)
    }
    recorder = exc_mod.Recorder(conn)
    now = now_iso()
    for row in rows:
        values = _db_values(row)
        old = stored.get((row.account, row.day))
        if old is None:
            row.computed_at = now
            conn.execute(
                recon_daily_controls.insert().values(
                    account=row.account, day=row.day, computed_at=now, **values
                )
            )
        elif any(getattr(old, k) != v for k, v in values.items()):
            row.computed_at = now
            conn.execute(
                update(recon_daily_controls).where(dc.id == old.id).values(computed_at=now, **values)
            )
        else:
            row.computed_at = old.computed_at
        if not row.agrees:
            _open_break(conn, recorder, row)
        else:
            exc_mod.clear(
                conn, exc_mod.CONTROL_BREAK, f"control:{row.account}:{row.day}", why="the day agrees now"
            )
    return rows


def _open_break(conn: Connection, recorder: exc_mod.Recorder, row: DailyControlRow) -> None:
    subject = f"control:{row.account}:{row.day}"
    detail, amount = _break_detail(row), _break_amount(row)
    if recorder.open(
        exc_mod.CONTROL_BREAK,
        subject,
        account=row.account,
        amount_minor=amount,
        caused_by=None,
        detail=detail,
    ):
        return
    x = recon_exceptions.c
    # The day's figures moved since the break was opened: an open break shows the current ones.
    conn.execute(
        update(recon_exceptions)
        .where(
            x.kind == exc_mod.CONTROL_BREAK,
            x.subject == subject,
            x.state == "OPEN",
            (x.detail != detail) | (x.amount_minor != amount),
        )
        .values(detail=detail, amount_minor=amount)
    )


def list_daily_controls(
    conn: Connection, *, day: date | str | None = None, fund_account: str | None = None
) -> list[DailyControlRow]:
    """The stored rows, as last computed (for reports and the CLI), ordered by account and day."""
    q = select(recon_daily_controls).order_by(recon_daily_controls.c.account, recon_daily_controls.c.day)
    if day is not None:
        q = q.where(recon_daily_controls.c.day == (day.isoformat() if isinstance(day, date) else day))
    if fund_account is not None:
        q = q.where(recon_daily_controls.c.account == fund_account)
    out = []
    for r in conn.execute(q).all():
        row = DailyControlRow(
            r.account, r.day, **{f: getattr(r, f) for f in _FIGURES if f not in ("ledger_states", "breaks")}
        )
        row.ledger_states = json.loads(r.ledger_states)
        row.breaks = r.breaks.split(",") if r.breaks else []
        row.computed_at = r.computed_at
        out.append(row)
    return out
