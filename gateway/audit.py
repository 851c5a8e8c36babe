"""Append-only, hash-chained audit log of every state change and privileged call.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON, so changing,
removing or reordering any entry breaks every hash after it. ``verify`` walks the chain and names the
first entry that does not hold. The database also refuses UPDATE and DELETE on the table (triggers);
the chain is what catches someone who goes around them.

Entries never contain personal data: ``detail`` passes through the same redactor as the logs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from gateway.clock import now_iso
from gateway.redaction import redact_text, redact_value
from gateway.storage import Database
from gateway.storage.tables import audit_head, audit_log

GENESIS = "0" * 64


def entry_hash(prev_hash: str, row: dict[str, Any]) -> str:
    body = {
        k: row[k]
        for k in (
            "seq",
            "at",
            "principal",
            "action",
            "object_type",
            "object_id",
            "before_state",
            "after_state",
            "detail",
        )
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical.encode("utf-8")).hexdigest()


# Built once: every write transaction appends, and building a statement costs more than running it.
_HEAD = select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
_HEAD_LOCKED = _HEAD.with_for_update()
_INSERT = audit_log.insert()
_MOVE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(last_seq=bindparam("_seq"), last_hash=bindparam("_hash"))
)


def append(
    conn: Connection,
    *,
    principal: str,
    action: str,
    object_type: str,
    object_id: str,
    before: str | None = None,
    after: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Add one entry inside the caller's write transaction; returns its sequence number.

    Call it last in a transaction: on PostgreSQL the head row stays locked until commit, which is what
    keeps the chain linear when several gateway processes write at once.
    """
    last_seq, last_hash = conn.execute(_HEAD_LOCKED if conn.dialect.name == "postgresql" else _HEAD).one()
    row = {
        "seq": last_seq + 1,
        "at": now_iso(),
        "principal": principal,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before_state": before,
        "after_state": after,
        "detail": json.dumps(
            redact_value(detail or {}), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ),
    }
    row["prev_hash"] = last_hash
    row["hash"] = entry_hash(last_hash, row)
    conn.execute(_INSERT, row)
    conn.execute(_MOVE_HEAD, {"_seq": row["seq"], "_hash": row["hash"]})
    return row["seq"]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "reason": self.reason,
        }


def verify(db: Database, batch_rows: int = 10_000) -> VerifyResult:
    """Walk the whole chain in order; stops at the first entry that does not hold."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    with db.read() as conn:
        head_seq, head_hash = conn.execute(
            select(audit_head.c.last_seq, audit_head.c.last_hash).where(audit_head.c.id == 1)
        ).one()
        result = conn.execute(
            select(audit_log).order_by(audit_log.c.seq).execution_options(yield_per=batch_rows)
        )
        for r in result.mappings():
            row = dict(r)
            if row["seq"] != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"entry {expected_seq} is missing")
            if row["prev_hash"] != prev_hash:
                return VerifyResult(False, checked, row["seq"], "link to the previous entry is broken")
            if entry_hash(prev_hash, row) != row["hash"]:
                return VerifyResult(False, checked, row["seq"], "entry content does not match its hash")
            prev_hash = row["hash"]
            expected_seq += 1
            checked += 1
    if checked != head_seq or prev_hash != head_hash:
        return VerifyResult(False, checked, checked + 1, "entries after this point were removed")
    return VerifyResult(True, checked)


@dataclass(frozen=True)
class AuditFilter:
    """What ``list_entries`` keeps; None does not filter. ``since``/``until`` are stored-time text (UTC ISO
    8601 with microseconds), ``since`` inclusive and ``until`` exclusive."""

    principal: str | None = None
    action: str | None = None
    object_id: str | None = None
    since: str | None = None
    until: str | None = None


def list_entries(
    conn: Connection, flt: AuditFilter, *, after_seq: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    """Entries oldest first, after ``after_seq``, at most ``limit``.

    The detail was redacted when written; it and the object id pass through the redactor again here, so
    an entry written before a redaction rule existed cannot show a clear number to whoever reads it.
    """
    c = audit_log.c
    q = select(audit_log).where(c.seq > after_seq).order_by(c.seq).limit(limit)
    if flt.principal is not None:
        q = q.where(c.principal == flt.principal)
    if flt.action is not None:
        q = q.where(c.action == flt.action)
    if flt.object_id is not None:
        q = q.where(c.object_id == flt.object_id)
    if flt.since is not None:
        q = q.where(c.at >= flt.since)
    if flt.until is not None:
        q = q.where(c.at < flt.until)
    out = []
    for r in conn.execute(q).mappings():
        row = dict(r)
        row["object_id"] = redact_text(row["object_id"])
        row["detail"] = json.dumps(
            redact_value(json.loads(row["detail"])), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        out.append(row)
    return out
