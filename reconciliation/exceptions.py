"""Reconciliation exceptions: the taxonomy, recording each once, listing, and resolution by finance.

Every break the matcher or the statement checks find is one row of ``recon_exceptions``, unique by
(kind, subject): a subject is ``entry:<id>``, ``line:<id>``, ``statement:<id>`` or ``account:<acct>:<n>``,
so finding the same break again (a re-run) changes nothing.

Resolution needs a principal with the finance role, a note, and someone other than the principal whose
action caused the break (who imported the evidence, or who released the batch); it is audited.

A break that later evidence removes (a line that was silent past the cut-off gets its result; a day whose
control disagreed now agrees) is ``CLEARED`` by the run that sees it, with a note saying why, audited under
:data:`SYSTEM_PRINCIPAL`. Without that, the exceptions left open would depend on the order the files came
in and when reconciliation ran; with it, the same evidence leaves the same open exceptions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from gateway import audit
from gateway.clock import now_iso
from gateway.errors import Conflict, InvalidInput, NotFound, PermissionDenied, SelfApproval
from gateway.pii import mask_number
from gateway.redaction import redact_text
from gateway.storage import Database
from gateway.storage.members import one_of, slices
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import submissions
from gateway.storage.tables_recon import (
    recon_entries,
    recon_exceptions,
    recon_imports,
    recon_matches,
    recon_statements,
)
from reconciliation._upsert import insert_ignore, insert_ignore_many

UNMATCHED_INTERNAL = "UNMATCHED_INTERNAL"  # a line with no result and no booking past the cut-off
UNKNOWN_DEBIT = "UNKNOWN_DEBIT"  # a debit on a fund account naming none of our lines
AMOUNT_MISMATCH = "AMOUNT_MISMATCH"  # the entry names a line but with another amount
DUPLICATE_CREDIT = "DUPLICATE_CREDIT"  # a second return/credit for a line already credited back
DUPLICATE_ENTRY = "DUPLICATE_ENTRY"  # a second result or booking for a line already claimed in that role
REJECTED = "REJECTED"  # the bank rejected the line (with reason)
RETURNED_AFTER_SETTLEMENT = "RETURNED_AFTER_SETTLEMENT"  # paid, then came back (with reason)
REVERSAL_WITHOUT_ORIGINAL = "REVERSAL_WITHOUT_ORIGINAL"  # a return/reversal naming nothing of ours
UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"  # a statement for an account that is none of our fund accounts
PARTIAL_BATCH = "PARTIAL_BATCH"  # lump sum ≠ Σ executed lines
BALANCE_BREAK = "BALANCE_BREAK"  # opening + entries ≠ closing
SEQUENCE_GAP = "SEQUENCE_GAP"  # statement numbers missing for an account
RETURN_TO_OTHER_ACCOUNT = "RETURN_TO_OTHER_ACCOUNT"  # returned money arrived on another account
CONTROL_BREAK = "CONTROL_BREAK"  # three-way daily control: ledger, bank results, statement disagree

KINDS = (
    UNMATCHED_INTERNAL,
    UNKNOWN_DEBIT,
    AMOUNT_MISMATCH,
    DUPLICATE_CREDIT,
    DUPLICATE_ENTRY,
    REJECTED,
    RETURNED_AFTER_SETTLEMENT,
    REVERSAL_WITHOUT_ORIGINAL,
    UNKNOWN_ACCOUNT,
    PARTIAL_BATCH,
    BALANCE_BREAK,
    SEQUENCE_GAP,
    RETURN_TO_OTHER_ACCOUNT,
    CONTROL_BREAK,
)

# Formats that report on an account (statements, notifications): their account must be a fund account.
STATEMENT_FORMATS = frozenset({"camt.053", "camt.054", "mt940", "mt942"})

FINANCE_ROLE = "finance"
SYSTEM_PRINCIPAL = "system:reconciliation"
OPEN, RESOLVED, CLEARED = "OPEN", "RESOLVED", "CLEARED"


class Recorder:
    """Opens exceptions inside the run's transaction; counts the ones that are new."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.added = 0
        self._pending: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []
        # A batch's releaser never changes once it is released; a month's rejections name a few hundred
        # batches, so one query per batch instead of one per exception.
        self._releaser: dict[int, str | None] = {}

    def open(self, kind: str, subject: str, *, detail: str, **fields: Any) -> bool:
        """Open an exception now, unless one of this kind and subject exists; True when it was added."""
        added = insert_ignore(self.conn, recon_exceptions, self._row(kind, subject, detail, fields))
        self.added += added
        return added

    def note(self, kind: str, subject: str, *, detail: str, **fields: Any) -> None:
        """:meth:`open`, written with others of its shape at the next :meth:`flush`: a month's rejected
        lines are one exception each, and one statement each was a large part of a run."""
        row = self._row(kind, subject, detail, fields)
        # Consecutive rows of one shape go in one executemany; the order of noting is kept, so the first
        # exception noted for a kind and subject is the one written, as with :meth:`open`.
        if self._pending and self._pending[-1][0] == tuple(row):
            self._pending[-1][1].append(row)
        else:
            self._pending.append((tuple(row), [row]))

    def flush(self) -> None:
        """Write the noted exceptions (an existing kind and subject is kept, as :meth:`open` does)."""
        if not self._pending:
            return
        x = recon_exceptions.c
        keys = {(r["kind"], r["subject"]) for _shape, rows in self._pending for r in rows}
        there: set[tuple[str, str]] = set()
        for chunk in slices({subject for _kind, subject in keys}):
            q = select(x.kind, x.subject).where(one_of(self.conn, x.subject, chunk))
            there.update((kind, subject) for kind, subject in self.conn.execute(q))
        for _shape, rows in self._pending:
            insert_ignore_many(self.conn, recon_exceptions, rows)
        self._pending.clear()
        self.added += len(keys - there)

    def _row(self, kind: str, subject: str, detail: str, fields: dict[str, Any]) -> dict[str, Any]:
        caused_by = fields.pop("caused_by", None) or self._cause(
            fields.get("entry_id"), fields.get("batch_id")
        )
        return {
            "kind": kind,
            "subject": subject,
            "detail": detail,
            "caused_by": caused_by,
            "state": "OPEN",
            "created_at": now_iso(),
            **fields,
        }

    def _cause(self, entry_id: int | None, batch_id: int | None) -> str | None:
        if batch_id is not None:
            if batch_id not in self._releaser:
                self._releaser[batch_id] = self.conn.execute(
                    select(batches.c.releaser).where(batches.c.id == batch_id)
                ).scalar()
            return self._releaser[batch_id]
        if entry_id is not None:
            return self.conn.execute(
                select(recon_imports.c.principal)
                .join(recon_entries, recon_entries.c.import_id == recon_imports.c.id)
                .where(recon_entries.c.id == entry_id)
            ).scalar()
        return None


def clear(conn: Connection, kind: str, subject: str, *, why: str) -> bool:
    """Close an OPEN exception whose break no longer exists; True when one was cleared."""
    x = recon_exceptions.c
    row = conn.execute(select(x.id).where(x.kind == kind, x.subject == subject, x.state == OPEN)).first()
    if row is None:
        return False
    conn.execute(
        update(recon_exceptions)
        .where(x.id == row.id, x.state == OPEN)
        .values(state=CLEARED, resolved_by=SYSTEM_PRINCIPAL, note=why[:500], resolved_at=now_iso())
    )
    audit.append(
        conn,
        principal=SYSTEM_PRINCIPAL,
        action="recon.exception.clear",
        object_type="recon_exception",
        object_id=str(row.id),
        before=OPEN,
        after=CLEARED,
        detail={"kind": kind, "why": why[:500]},
    )
    return True


def check_statements(conn: Connection, rec: Recorder, fund_accounts: set[str]) -> None:
    """Per stored statement: unknown account, balance break; per account: statement-number gaps."""
    rows = conn.execute(
        select(recon_statements, recon_imports.c.format, recon_imports.c.principal)
        .join(recon_imports, recon_imports.c.id == recon_statements.c.import_id)
        .order_by(recon_statements.c.id)
    ).all()
    numbers: dict[str, set[int]] = {}
    for s in rows:
        if s.format not in STATEMENT_FORMATS:
            continue
        if s.account is not None and s.account not in fund_accounts:
            rec.open(
                UNKNOWN_ACCOUNT,
                f"statement:{s.id}",
                account=s.account,
                caused_by=s.principal,
                detail=f"statement {s.statement_ref or s.position} is for account {mask_number(s.account)}, "
                "none of our fund accounts",
            )
            continue
        if s.balance_difference_minor:
            rec.open(
                BALANCE_BREAK,
                f"statement:{s.id}",
                account=s.account,
                amount_minor=s.balance_difference_minor,
                caused_by=s.principal,
                detail=f"statement {s.statement_ref or s.position}: opening + entries differs from the "
                f"closing balance by {s.balance_difference_minor} minor units",
            )
        if s.account is not None and s.statement_number:
            numbers.setdefault(s.account, set()).add(s.statement_number)
    for account, nums in numbers.items():
        ordered = sorted(nums)
        for a, b in itertools.pairwise(ordered):
            if b > a + 1:
                rec.open(
                    SEQUENCE_GAP,
                    f"account:{account}:{a + 1}",
                    account=account,
                    detail=f"account {mask_number(account)}: statement number(s) {a + 1}–{b - 1} missing",
                )


_SILENT_CHUNK = 5_000


def check_unmatched(conn: Connection, rec: Recorder, today: date, cutoff_days: int) -> None:
    """Lines sent before the cut-off with neither a bank result nor a booking. Streams the lines from
    the database (the claims are written before this runs), so it holds none of them."""
    cutoff = (today - timedelta(days=cutoff_days)).isoformat()
    x, m, bl, s = recon_exceptions.c, recon_matches.c, batch_lines.c, submissions.c
    answered = select(m.line_id).where(m.line_id == bl.id, m.role.in_(("result", "booking"))).exists()
    for (line_id,) in conn.execute(
        select(x.line_id)
        .join(batch_lines, bl.id == x.line_id)
        .where(x.kind == UNMATCHED_INTERNAL, x.state == OPEN, answered)
    ).all():
        clear(conn, UNMATCHED_INTERNAL, f"line:{line_id}", why="a bank result or booking arrived")
    day = func.substr(func.coalesce(s.sent_at, s.created_at), 1, 10)
    q = (
        select(bl.id, bl.batch_id, bl.e2e_ref, bl.amount_fen, s.fund_account, day.label("day"))
        .join(submissions, s.id == bl.submission_id)
        .where(~answered, day < cutoff)
        .order_by(bl.id)
        .limit(_SILENT_CHUNK)
    )
    last = 0
    # A chunk at a time (by line id): the exceptions are written between reads, never during one.
    while rows := conn.execute(q.where(bl.id > last)).all():
        last = rows[-1].id
        for r in rows:
            rec.open(
                UNMATCHED_INTERNAL,
                f"line:{r.id}",
                line_id=r.id,
                batch_id=r.batch_id,
                account=r.fund_account,
                amount_minor=r.amount_fen,
                detail=f"line {r.e2e_ref} sent {r.day}: no bank result or booking after {cutoff_days} days",
            )


@dataclass(frozen=True)
class ExceptionView:
    id: int
    kind: str
    state: str
    account_masked: str | None
    amount_minor: int | None
    reason_code: str | None
    detail: str
    line_id: int | None
    entry_id: int | None
    batch_id: int | None
    created_at: str
    resolved_by: str | None
    note: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "account": self.account_masked,
            "amount_minor": self.amount_minor,
            "reason_code": self.reason_code,
            "detail": self.detail,
            "line_id": self.line_id,
            "entry_id": self.entry_id,
            "batch_id": self.batch_id,
            "created_at": self.created_at,
            "resolved_by": self.resolved_by,
            "note": self.note,
        }


def list_exceptions(
    db: Database, *, state: str | None = None, kind: str | None = None
) -> list[ExceptionView]:
    q = select(recon_exceptions).order_by(recon_exceptions.c.id)
    if state:
        q = q.where(recon_exceptions.c.state == state)
    if kind:
        q = q.where(recon_exceptions.c.kind == kind)
    with db.read() as conn:
        rows = conn.execute(q).all()
    return [
        ExceptionView(
            r.id,
            r.kind,
            r.state,
            mask_number(r.account) if r.account else None,
            r.amount_minor,
            r.reason_code,
            r.detail,
            r.line_id,
            r.entry_id,
            r.batch_id,
            r.created_at,
            r.resolved_by,
            r.note,
        )
        for r in rows
    ]


def resolve(db: Database, exception_id: int, *, principal: str, roles: list[str], note: str) -> None:
    """Close one exception with a note: finance only, never by the one who caused it, audited."""
    with db.write() as conn:
        resolve_in(conn, exception_id, principal=principal, roles=roles, note=note)


def resolve_in(conn: Connection, exception_id: int, *, principal: str, roles: list[str], note: str) -> None:
    """:func:`resolve` inside the caller's transaction."""
    if FINANCE_ROLE not in roles:
        raise PermissionDenied("resolving a reconciliation exception needs the finance role")
    if not note.strip():
        raise InvalidInput("a resolution needs a note saying why", "NOTE_REQUIRED")
    row = conn.execute(select(recon_exceptions).where(recon_exceptions.c.id == exception_id)).first()
    if row is None:
        raise NotFound(f"no reconciliation exception {exception_id}")
    if row.state != "OPEN":
        raise Conflict(f"exception {exception_id} is already {row.state}")
    if row.caused_by is not None and row.caused_by == principal:
        raise SelfApproval("an exception cannot be resolved by the principal whose action caused it")
    conn.execute(
        update(recon_exceptions)
        .where(recon_exceptions.c.id == exception_id, recon_exceptions.c.state == "OPEN")
        .values(state="RESOLVED", resolved_by=principal, note=note.strip(), resolved_at=now_iso())
    )
    audit.append(
        conn,
        principal=principal,
        action="recon.exception.resolve",
        object_type="recon_exception",
        object_id=str(exception_id),
        before="OPEN",
        after="RESOLVED",
        detail={"kind": row.kind, "note": redact_text(note.strip())[:500]},
    )
