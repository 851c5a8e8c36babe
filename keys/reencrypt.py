"""Re-encrypt personal data to the current data-key version, in chunks, resumable after a crash.

After ``silink keys rotate data`` new lines are sealed under the new version at once; this job moves the
existing ``batch_lines.pii`` blobs forward so the old version can later be retired (min_version) or
revoked. Each blob is opened and sealed again with the same associated data (the line's ``e2e_ref``, as
``gateway.domain.batches.seal_pii`` bound it), so a blob still cannot be moved to another line.

Idempotent and resumable: a row is selected only while its blob names another key id than the current
one (the key id is in clear at the front of every blob, so the database filters on it), and each chunk
commits on its own. A crash loses at most the chunk in flight; running the job again picks up the rest.
An update only applies if the row still holds the blob that was read (``WHERE pii = old``), so a line
changed meanwhile by the gateway is left to the next pass instead of being overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, bindparam, func, literal, select, update

from gateway import audit
from gateway.storage.tables import batch_lines

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class ReencryptResult:
    key_id: str
    rows: int  # re-encrypted by this run
    chunks: int
    remaining: int  # rows still under another key id (0 unless lines changed under our feet)

    def as_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "rows": self.rows, "chunks": self.chunks, "remaining": self.remaining}


def _stale(key_id: str) -> Any:
    prefix = bytes([len(key_id)]) + key_id.encode("ascii")
    return func.substr(batch_lines.c.pii, 1, len(prefix)) != literal(prefix, LargeBinary)


def count_stale(db: Any, key_id: str) -> int:
    """Rows whose blob is not under ``key_id``."""
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(batch_lines).where(_stale(key_id))).scalar())


def reencrypt_pii(
    db: Any,
    protector: Any,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    principal: str = "system:reencrypt",
    on_chunk: Callable[[int, int], None] | None = None,
) -> ReencryptResult:
    """Re-encrypt every stale ``pii`` blob to ``protector``'s current key, ``batch_size`` rows per
    committed chunk. ``on_chunk(done, total)`` is called after each commit (progress display)."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    key_id = protector.key_id
    total = count_stale(db, key_id)
    with db.write() as conn:
        audit.append(
            conn,
            principal=principal,
            action="key.reencrypt_started",
            object_type="key",
            object_id="data",
            after=key_id[:50],
            detail={"stale_rows": total, "batch_size": batch_size},
        )
    stale = _stale(key_id)
    upd = (
        update(batch_lines)
        .where(batch_lines.c.id == bindparam("b_id"), batch_lines.c.pii == bindparam("b_old"))
        .values(pii=bindparam("b_new"))
    )
    done = chunks = 0
    last_id = 0
    while True:
        with db.write() as conn:
            rows = conn.execute(
                select(batch_lines.c.id, batch_lines.c.e2e_ref, batch_lines.c.pii)
                .where(batch_lines.c.id > last_id, stale)
                .order_by(batch_lines.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            params = []
            for row_id, ref, blob in rows:
                old = bytes(blob)
                params.append({"b_id": row_id, "b_old": old, "b_new": protector.reencrypt(old, ref.encode())})
            conn.execute(upd, params)
            last_id = rows[-1][0]
        done += len(rows)
        chunks += 1
        if on_chunk is not None:
            on_chunk(done, total)
    remaining = count_stale(db, key_id)
    with db.write() as conn:
        audit.append(
            conn,
            principal=principal,
            action="key.reencrypt_finished",
            object_type="key",
            object_id="data",
            after=key_id[:50],
            detail={"rows": done, "chunks": chunks, "remaining": remaining},
        )
    return ReencryptResult(key_id=key_id, rows=done, chunks=chunks, remaining=remaining)
