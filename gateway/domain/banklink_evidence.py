"""The raw bytes of what a BankLink bank pushed, kept once per content as bank evidence.

A push arrives as a proto message, not as a file or an HTTP body; its serialized bytes are the evidence.
The same push sent twice (a retry under a new request id) is one evidence row, as for files.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, insert, select

from gateway.clock import now_iso
from gateway.storage.tables_dispatch import bank_evidence


def keep(conn: Connection, bank_code: str, kind: str, body: bytes, submission_id: int | None = None) -> int:
    digest = hashlib.sha256(body).hexdigest()
    existing = conn.execute(
        select(bank_evidence.c.id).where(
            bank_evidence.c.direction == "in", bank_evidence.c.content_hash == digest
        )
    ).scalar()
    if existing is not None:
        return int(existing)
    return int(
        conn.execute(
            insert(bank_evidence)
            .values(
                submission_id=submission_id,
                bank_code=bank_code,
                direction="in",
                kind=kind,
                content_hash=digest,
                body=body,
                at=now_iso(),
            )
            .returning(bank_evidence.c.id)
        ).scalar_one()
    )
