"""Read views of the reconciliation tables for the API and the CLI: pages of imports, runs, exceptions
and suggestions, joined with what finance needs to see (references, masked accounts, amounts).

Pages are keyset pages on the row id: stable while new rows arrive.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
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
