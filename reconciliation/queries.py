"""Read views of the reconciliation tables for the API and the CLI: pages of imports, runs, exceptions
and suggestions, joined with what finance needs to see (references, masked accounts, amounts).

Pages are keyset pages on the row id: stable while new rows arrive.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from gateway.pii import mask_number
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_recon import recon_entries, recon_exceptions, recon_imports, recon_suggestions
from gateway.storage.tables_recon_runs import recon_runs


def list_imports(
    conn: Connection, *, before_id: int | None, limit: int, account: str | None = None
) -> list[dict[str, Any]]:
    """Newest first."""
    i = recon_imports.c
    q = select(recon_imports).order_by(i.id.desc()).limit(limit)
    if before_id is not None:
        q = q.where(i.id < before_id)
    if account:
        q = q.where(i.account == account)
    return [dict(r) for r in conn.execute(q).mappings()]


def list_runs(
    conn: Connection, *, before_id: int | None, limit: int, account: str | None = None
) -> list[dict[str, Any]]:
    """Newest first."""
    r = recon_runs.c
    q = select(recon_runs).order_by(r.id.desc()).limit(limit)
    if before_id is not None:
        q = q.where(r.id < before_id)
    if account:
        q = q.where(r.account == account)
    return [dict(row) for row in conn.execute(q).mappings()]


def list_exceptions(
    conn: Connection,
    *,
    after_id: int,
    limit: int,
    kind: str | None = None,
    state: str | None = None,
    account: str | None = None,
    bank_code: str | None = None,
    batch_id: int | None = None,
    fund_accounts: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Oldest first, each with its line's reference, bank and amount and its entry's amount and date.

    ``account_shown`` is the account in clear when it is one of ``fund_accounts`` (the agency's own),
    else masked: the account of a return to the wrong account can be a payee's."""
    x, ln, e = recon_exceptions.c, batch_lines.c, recon_entries.c
    q = (
        select(
            recon_exceptions,
            ln.e2e_ref,
            ln.bank_code,
            ln.amount_fen.label("line_amount_fen"),
            ln.submission_id,
            e.amount_minor.label("entry_amount_minor"),
            e.value_date.label("entry_value_date"),
            e.booking_date.label("entry_booking_date"),
            batches.c.fund_account.label("batch_account"),
        )
        .select_from(
            recon_exceptions.outerjoin(batch_lines, ln.id == x.line_id)
            .outerjoin(recon_entries, e.id == x.entry_id)
            .outerjoin(batches, batches.c.id == x.batch_id)
        )
        .where(x.id > after_id)
        .order_by(x.id)
        .limit(limit)
    )
    if kind:
        q = q.where(x.kind == kind)
    if state:
        q = q.where(x.state == state)
    if account:
        q = q.where(or_(x.account == account, batches.c.fund_account == account))
    if bank_code:
        q = q.where(ln.bank_code == bank_code)
    if batch_id is not None:
        q = q.where(x.batch_id == batch_id)
    out = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        account_of = row.pop("account") or row.pop("batch_account")
        row.pop("batch_account", None)
        shown = account_of if account_of in fund_accounts else mask_number(account_of)
        row["account_shown"] = shown if account_of else ""
        out.append(row)
    return out


def list_suggestions(
    conn: Connection, *, after_id: int, limit: int, account: str | None = None
) -> list[dict]:
    """Open suggestions, oldest first, with both sides' amounts and references."""
    s, e, ln = recon_suggestions.c, recon_entries.c, batch_lines.c
    q = (
        select(
            s.id,
            s.entry_id,
            s.line_id,
            s.created_at,
            e.bank_ref,
            e.amount_minor,
            e.value_date,
            e.booking_date,
            e.account.label("entry_account"),
            ln.e2e_ref,
            ln.amount_fen,
            ln.account_masked,
            batches.c.fund_account,
        )
        .select_from(
            recon_suggestions.join(recon_entries, e.id == s.entry_id)
            .join(batch_lines, ln.id == s.line_id)
            .join(batches, batches.c.id == ln.batch_id)
        )
        .where(s.state == "OPEN", s.id > after_id)
        .order_by(s.id)
        .limit(limit)
    )
    if account:
        q = q.where(batches.c.fund_account == account)
    out = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        entry_account = row.pop("entry_account")
        row["entry_account_masked"] = mask_number(entry_account) if entry_account else ""
        out.append(row)
    return out


def line_row(conn: Connection, line_id: int) -> dict[str, Any]:
    return dict(conn.execute(select(batch_lines).where(batch_lines.c.id == line_id)).mappings().one())


IN_FLIGHT = ("PENDING", "HELD", "SUBMITTED", "ACCEPTED", "UNKNOWN", "MANUAL")
_BUCKETS = {
    "PAID": "paid",
    "RETURNED": "returned",
    "FAILED": "failed",
    "REISSUED": "failed",
    "CANCELLED": "cancelled",
    **{s: "in_flight" for s in IN_FLIGHT},
}


def settlement_report(
    conn: Connection,
    *,
    batch_id: int | None = None,
    bank_code: str | None = None,
    fund: str | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """Counts and sums per (bank, fund, state, reason) of the approved lines in scope, the money
    conservation check (approved = paid + returned + failed + cancelled + in flight: a line in a state
    outside these breaks it), and what the bank evidence says was paid."""
    from gateway.storage.tables_recon import recon_matches
    from reconciliation.settlement import PAID, outcome_of

    ln, b = batch_lines.c, batches.c
    scope = [b.approver.is_not(None)]
    if batch_id is not None:
        scope.append(ln.batch_id == batch_id)
    if bank_code:
        scope.append(ln.bank_code == bank_code)
    if fund:
        scope.append(b.fund == fund)
    if period:
        scope.append(ln.period == period)
    joined = batch_lines.join(batches, b.id == ln.batch_id)
    rows = conn.execute(
        select(ln.bank_code, b.fund, ln.state, ln.failure_reason, func.count(), func.sum(ln.amount_fen))
        .select_from(joined)
        .where(*scope)
        .group_by(ln.bank_code, b.fund, ln.state, ln.failure_reason)
        .order_by(ln.bank_code, b.fund, ln.state, ln.failure_reason)
    ).all()
    sums: dict[str, int] = defaultdict(int)
    approved_count = approved = 0
    for r in rows:
        approved_count += r[4]
        approved += int(r[5])
        sums[_BUCKETS.get(r.state, "unknown")] += int(r[5])
    m, e = recon_matches.c, recon_entries.c
    evidence: dict[int, dict[str, Any]] = defaultdict(dict)
    amounts: dict[int, int] = {}
    for r in conn.execute(
        select(m.line_id, m.role, e.status, e.reason_code, ln.amount_fen)
        .select_from(
            recon_matches.join(recon_entries, e.id == m.entry_id)
            .join(batch_lines, ln.id == m.line_id)
            .join(batches, b.id == ln.batch_id)
        )
        .where(*scope)
    ):
        evidence[r.line_id][r.role] = (r.status, r.reason_code)
        amounts[r.line_id] = r.amount_fen
    bank_paid = sum(amounts[i] for i, ev in evidence.items() if outcome_of(ev)[0] == PAID)
    in_buckets = sum(v for k, v in sums.items() if k != "unknown")
    return {
        "rows": [
            {
                "bank_code": r[0],
                "fund": r[1],
                "state": r[2],
                "failure_reason": r[3],
                "line_count": r[4],
                "amount_fen": int(r[5]),
            }
            for r in rows
        ],
        "approved_count": approved_count,
        "approved_amount_fen": approved,
        "paid_amount_fen": sums["paid"],
        "returned_amount_fen": sums["returned"],
        "failed_amount_fen": sums["failed"],
        "cancelled_amount_fen": sums["cancelled"],
        "in_flight_amount_fen": sums["in_flight"],
        "conserved": in_buckets == approved and sums["unknown"] == 0,
        "bank_paid_amount_fen": bank_paid,
        "agrees_with_bank": bank_paid == sums["paid"],
    }
