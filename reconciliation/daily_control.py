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
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from gateway.clock import now_iso
from gateway.pii import mask_number
from gateway.storage.tables_recon import (
    recon_daily_controls,
    recon_entries,
    recon_exceptions,
    recon_matches,
    recon_statements,
)
from reconciliation import exceptions as exc_mod
from reconciliation.matcher import BOOKING, RESULT, RETURN, Line, load_index, role_of

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


def _statement_entries(conn: Connection) -> list[Any]:
    """Booked statement movements, each money movement once: a batch booking whose parts are listed
    counts through its parts."""
    e = recon_entries.c
    rows = conn.execute(
        select(
            e.id,
            e.parent_id,
            e.kind,
            e.status,
            e.direction,
            e.reversal,
            e.amount_minor,
            e.booking_date,
            e.value_date,
            e.account,
            e.source_format,
            recon_statements.c.account.label("stmt_account"),
        )
        .outerjoin(recon_statements, recon_statements.c.id == e.statement_id)
        .where(e.kind == "BOOKED", e.source_format.in_(sorted(exc_mod.STATEMENT_FORMATS)))
        .order_by(e.id)
    ).all()
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    return [r for r in rows if r.id not in parents]


def compute(conn: Connection) -> dict[tuple[str, str], DailyControlRow]:
    """Every (fund account, day) row from the ledger, the claims and the statements; nothing written."""
    idx = load_index(conn)
    totals = _Totals()
    lines: dict[int, Line] = idx.lines
    fund_accounts = idx.fund_accounts

    def day_of(line: Line) -> str | None:
        return line.sent_day.isoformat() if line.sent_day else None

    for line in lines.values():
        day = day_of(line)
        if day is None:
            continue
        row = totals[(line.fund_account, day)]
        row.ledger_sent_count += 1
        row.ledger_sent_minor += line.amount
        n_fen = row.ledger_states.setdefault(line.state, [0, 0])
        n_fen[0] += 1
        n_fen[1] += line.amount

    m = recon_matches.c
    claims = conn.execute(select(m.line_id, m.role, m.entry_id, m.rule, m.amount_minor)).all()
    claimed_by_entry: dict[int, list[Any]] = defaultdict(list)
    result_status = dict(
        conn.execute(
            select(recon_entries.c.id, recon_entries.c.status).where(
                recon_entries.c.id.in_(select(m.entry_id).where(m.role == RESULT))
            )
        ).all()
    )
    with_result: set[int] = set()
    for c in claims:
        line = lines.get(c.line_id)
        if line is None or day_of(line) is None:
            continue
        if c.role != RESULT:
            claimed_by_entry[c.entry_id].append(c)
            continue
        with_result.add(c.line_id)
        row = totals[(line.fund_account, day_of(line))]
        amount = c.amount_minor if c.amount_minor is not None else line.amount
        status = result_status.get(c.entry_id)
        if status == "SETTLED":
            row.bank_paid_count += 1
            row.bank_paid_minor += amount
        elif status in ("REJECTED", "CANCELLED"):
            row.bank_rejected_count += 1
            row.bank_rejected_minor += amount
    for line in lines.values():
        if line.id not in with_result and day_of(line) is not None:
            totals[(line.fund_account, day_of(line))].bank_missing_count += 1

    for e in _statement_entries(conn):
        account = e.account or e.stmt_account
        if account is None or account not in fund_accounts:
            continue  # a stranger's statement is an UNKNOWN_ACCOUNT exception, not part of our control
        role = role_of(e.kind, e.status, e.direction, e.reversal)
        own_day = e.booking_date or e.value_date
        mine = [c for c in claimed_by_entry.get(e.id, ()) if c.role == role]
        if role == BOOKING:
            if not mine:
                if own_day is not None:
                    row = totals[(account, own_day)]
                    row.statement_debit_count += 1
                    row.statement_debit_minor += e.amount_minor or 0
                    row.statement_unexplained_debit_minor += e.amount_minor or 0
                continue
            for c in mine:
                line = lines[c.line_id]
                row = totals[(account, day_of(line))]
                row.statement_debit_count += 1
                # A lump claims each line at the lump's amount: count each line's own share.
                share = line.amount if c.rule == "BATCH_TOTAL" or len(mine) > 1 else e.amount_minor
                row.statement_debit_minor += share or 0
        elif role == RETURN:
            if not mine:
                if own_day is not None:
                    row = totals[(account, own_day)]
                    row.statement_credit_count += 1
                    row.statement_credit_minor += e.amount_minor or 0
                continue
            for c in mine:
                line = lines[c.line_id]
                amount = e.amount_minor if e.amount_minor is not None else line.amount
                row = totals[(account, day_of(line))]
                row.statement_credit_count += 1
                row.statement_credit_minor += amount
                if account == line.fund_account:
                    row.returned_minor += amount
                else:
                    totals[(line.fund_account, day_of(line))].returned_elsewhere_minor += amount
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
