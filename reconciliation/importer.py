"""Import one evidence file into the reconciliation tables: all of it in one transaction, or nothing.

The file is parsed completely first (any malformed part refuses it with the parser's precise error), and
only then written. The content hash (SHA-256 of the exact bytes) is unique in ``recon_imports``: the same
file imported again, under any name, changes nothing and says so.

Statements whose balances do not add up are imported (with a warning kept as a ``balance_break``
exception by the matcher) rather than refused: finance must see a broken statement, not lose it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from gateway.clock import now_iso
from gateway.storage import Database
from gateway.storage.bulk import insert_many
from gateway.storage.tables_recon import recon_entries, recon_imports, recon_statements
from reconciliation._base import ParseOptions
from reconciliation.entry import BankEntry, Statement, mask_file_name, redact_text
from reconciliation.registry import parse_file

_OPTIONS = ParseOptions(balance_breaks="warn")


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    format: str
    entries: int
    statements: int
    duplicate: bool  # the same content was imported before: nothing written


def content_hash(data: bytes) -> str:
    return "sha-256:" + hashlib.sha256(data).hexdigest()


def import_file(
    db: Database, path: str | Path, *, principal: str, account: str | None = None, format: str | None = None
) -> ImportOutcome:
    path = Path(path)
    digest = content_hash(path.read_bytes())
    with db.read() as conn:
        known = conn.execute(
            select(
                recon_imports.c.id,
                recon_imports.c.format,
                recon_imports.c.entries,
                recon_imports.c.statements,
            ).where(recon_imports.c.content_hash == digest)
        ).first()
    if known is not None:
        return ImportOutcome(known.id, known.format, known.entries, known.statements, True)
    result = parse_file(path, format, options=_OPTIONS)
    try:
        with db.write() as conn:
            return _write(conn, result, digest, principal, account)
    except IntegrityError:
        # Another process imported the same content at the same moment: theirs stands.
        with db.read() as conn:
            row = conn.execute(select(recon_imports).where(recon_imports.c.content_hash == digest)).first()
        if row is None:
            raise
        return ImportOutcome(row.id, row.format, row.entries, row.statements, True)


def import_parsed(
    conn: Connection, result: Any, digest: str, *, principal: str, account: str | None = None
) -> ImportOutcome:
    """Store an already parsed file inside the caller's transaction (the gRPC import makes it one with
    its request-id record); a content hash seen before stores nothing and says so."""
    known = conn.execute(
        select(
            recon_imports.c.id, recon_imports.c.format, recon_imports.c.entries, recon_imports.c.statements
        ).where(recon_imports.c.content_hash == digest)
    ).first()
    if known is not None:
        return ImportOutcome(known.id, known.format, known.entries, known.statements, True)
    return _write(conn, result, digest, principal, account)


def _write(conn: Connection, result: Any, digest: str, principal: str, account: str | None) -> ImportOutcome:
    stmt_account = next((s.account for s in result.statements if s.account), None)
    import_id = conn.execute(
        insert(recon_imports).values(
            content_hash=digest,
            file_name=mask_file_name(result.source_file) or "",
            format=result.format,
            account=account or stmt_account,
            entries=len(result.entries),
            statements=len(result.statements),
            principal=principal,
            imported_at=now_iso(),
        )
    ).inserted_primary_key[0]
    stmt_ids: dict[str | None, int] = {}
    for stmt in result.statements:
        sid = conn.execute(
            insert(recon_statements).values(**_statement_row(stmt, import_id, account))
        ).inserted_primary_key[0]
        stmt_ids.setdefault(stmt.statement_id, sid)
    parents = [_entry_row(e, import_id, stmt_ids, account, e.position) for e in result.entries]
    # Straight to the driver: a month's result files are millions of entries, and Core's per-row
    # parameter processing cost as much as the database's own work.
    insert_many(conn, recon_entries, parents)
    with_details = [e for e in result.entries if e.details]
    if with_details:
        ids = dict(
            conn.execute(
                select(recon_entries.c.position, recon_entries.c.id).where(
                    recon_entries.c.import_id == import_id
                )
            ).all()
        )
        rows = []
        for parent in with_details:
            for i, part in enumerate(parent.details, 1):
                pos = part.position if part.position != parent.position else f"{parent.position}#{i}"
                row = _entry_row(part, import_id, stmt_ids, account, pos)
                row["parent_id"] = ids[parent.position]
                rows.append(row)
        insert_many(conn, recon_entries, rows)
    return ImportOutcome(import_id, result.format, len(result.entries), len(result.statements), False)


def _statement_row(stmt: Statement, import_id: int, account: str | None) -> dict[str, Any]:
    return {
        "import_id": import_id,
        "position": stmt.position,
        "kind": stmt.kind.value,
        "statement_ref": stmt.statement_id,
        "account": stmt.account or account,
        "statement_number": stmt.statement_number,
        "page_number": stmt.page_number,
        "currency": stmt.currency,
        "opening_minor": stmt.opening.amount_minor if stmt.opening else None,
        "closing_minor": stmt.closing.amount_minor if stmt.closing else None,
        "closing_date": stmt.closing.date.isoformat() if stmt.closing and stmt.closing.date else None,
        "balance_difference_minor": stmt.balance_difference,
    }


def _entry_row(
    e: BankEntry, import_id: int, stmt_ids: dict[str | None, int], account: str | None, position: str
) -> dict[str, Any]:
    r = e.refs
    reason = e.reason
    return {
        "import_id": import_id,
        "statement_id": stmt_ids.get(e.statement_id),
        "parent_id": None,
        "position": position,
        "source_format": e.source_format,
        "kind": e.kind.value,
        "status": e.status.value,
        "scope": e.scope.value,
        "direction": e.direction.value if e.direction else None,
        "amount_minor": e.amount_minor,
        "currency": e.currency,
        "booking_date": e.booking_date.isoformat() if e.booking_date else None,
        "value_date": e.value_date.isoformat() if e.value_date else None,
        "account": e.account or account,
        "e2e_ref": r.end_to_end_id,
        "batch_ref": r.client_batch_ref or r.payment_information_id or r.original_message_id or r.message_id,
        "line_seq": r.line_seq,
        "uetr": r.uetr,
        "message_ref": r.original_message_id or r.message_id or e.statement_id,
        "bank_ref": r.account_servicer_ref or r.transaction_id,
        "reason_list": reason.code_list.value if reason else None,
        "reason_code": (reason.code or reason.raw_code) if reason else None,
        "raw_code": reason.raw_code if reason else e.raw_status,
        "raw_text": redact_text(reason.raw_text if reason else None),
        "reversal": e.reversal,
        "batch_booked": e.batch_booked,
        "nb_of_txs": e.nb_of_txs,
    }
