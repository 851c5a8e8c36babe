"""Release: an approved batch becomes signed submissions, one outbox row each, in one transaction.

One pass over the batch in line order does three things at once:

* rebuilds the content hash from the stored lines and refuses to release if it differs from the hash
  frozen at approval (invariant 4: what is sent is what was approved);
* routes every PENDING line to its bank and cuts each bank's lines into submissions of at most the
  bank's chunk size (HELD and CANCELLED lines stay behind);
* for each submission, canonicalises its lines, builds the Merkle root and signs a manifest with the
  gateway's key for that bank, then writes the submission, points its lines at it and queues an outbox
  SEND row.

Nothing is sent here: the dispatcher picks the outbox rows up after the commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from gateway import audit
from gateway.clock import now_iso
from gateway.domain import batches as dom
from gateway.domain.agreements import Agreement, refuse_uncovered_regions
from gateway.domain.refs import batch_ref
from gateway.errors import Conflict
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import outbox, submissions
from keys.datakey import DataProtector
from keys.manifest import ManifestFields, sign_manifest


@dataclass(frozen=True)
class BankRoute:
    """What release needs to know about one bank (from ``[banks.X]`` and the adapter's capabilities)."""

    bank_code: str
    adapter: str
    chunk_size: int
    hash_alg: str
    sla_hours: int
    signer: Any  # keys.algorithms.Signer
    key_id: str
    key_version: int
    push: bool = True  # False: the bank pulls over BankLink, so nothing is queued for the dispatcher
    agreement: Agreement | None = None  # the 代发 agreement's coverage (its dates are checked by the router)


@dataclass
class ReleaseResult:
    batch_id: int
    submissions: list[int] = field(default_factory=list)
    lines: int = 0
    amount_fen: int = 0


def bank_reference(submission_id: int) -> str:
    """Our idempotency key at the bank: short enough for every protocol (ISO MsgId ≤ 35)."""
    return f"SLK{submission_id:012d}"


class _Chunk:
    def __init__(self, route: BankRoute) -> None:
        self.route = route
        self.rows: list[tuple] = []
        self.line_ids: list[int] = []


def release(
    conn: Connection,
    protector: DataProtector,
    batch_id: int,
    principal: str,
    routes: Mapping[str, BankRoute] | Callable[[str], BankRoute],
    *,
    timings: dict[str, float] | None = None,
    progress: Callable[[ReleaseResult, int], None] | None = None,
) -> ReleaseResult:
    """``timings["sign"]`` accumulates the seconds spent canonicalising, hashing and signing (benchmarks);
    ``progress(result_so_far, lines_to_release)`` is called once before the first submission and after
    each one is signed and written (inside the transaction: nobody else sees them yet)."""
    batch = dom._lock(conn, batch_id)
    dom._require(batch, "APPROVED", action="release")
    route_of = routes.get if isinstance(routes, Mapping) else routes
    result = ReleaseResult(batch_id=batch_id)
    content = hashlib.sha256()
    open_chunks: dict[str, _Chunk] = {}
    seq_in_batch = 0
    missing: set[str] = set()
    # bank → region → lines outside the bank's agreement; reported together once every line is read
    uncovered: dict[str, dict[str, int]] = {}

    def close(chunk: _Chunk) -> None:
        nonlocal seq_in_batch
        seq_in_batch += 1
        route = chunk.route
        now = now_iso()
        sub_id = conn.execute(
            insert(submissions)
            .values(
                batch_id=batch_id,
                seq_in_batch=seq_in_batch,
                bank_code=route.bank_code,
                adapter=route.adapter,
                fund=batch["fund"],
                fund_account=batch["fund_account"],
                bank_reference=f"pending-{seq_in_batch}",
                state="READY",
                line_count=len(chunk.rows),
                control_sum_fen=sum(r[8] for r in chunk.rows),
                merkle_root="",
                manifest="",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            .returning(submissions.c.id)
        ).scalar_one()
        ref = bank_reference(sub_id)
        started = time.perf_counter()
        fields = ManifestFields.for_lines(
            submission_id=ref,
            bank_code=route.bank_code,
            fund_account=batch["fund_account"],
            rows=chunk.rows,
            hash_alg=route.hash_alg,
            key_id=route.key_id,
            key_version=route.key_version,
        )
        manifest = sign_manifest(fields, route.signer)
        if timings is not None:
            timings["sign"] = timings.get("sign", 0.0) + time.perf_counter() - started
        conn.execute(
            update(submissions)
            .where(submissions.c.id == sub_id)
            .values(
                bank_reference=ref,
                merkle_root=fields.merkle_root,
                manifest=manifest.to_json(),
            )
        )
        for start in range(0, len(chunk.line_ids), 2000):
            conn.execute(
                update(batch_lines)
                .where(batch_lines.c.id.in_(chunk.line_ids[start : start + 2000]))
                .values(submission_id=sub_id, updated_at=now)
            )
        if route.push:
            conn.execute(
                insert(outbox).values(
                    submission_id=sub_id,
                    kind="SEND",
                    state="READY",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        result.submissions.append(sub_id)
        result.lines += len(chunk.rows)
        result.amount_fen += fields.control_sum_fen
        if progress is not None:
            progress(result, to_release)

    to_release = 0
    if progress is not None:
        to_release = conn.execute(
            select(func.count())
            .select_from(batch_lines)
            .where(batch_lines.c.batch_id == batch_id, batch_lines.c.state == "PENDING")
        ).scalar_one()
        progress(result, to_release)

    for r in _lines_in_order(conn, batch_id):
        id_number, name, account = dom.open_pii(protector, r.e2e_ref, bytes(r.pii))
        content.update(
            dom.content_fields(
                r.line_number,
                r.id_type,
                id_number,
                name,
                account,
                r.account_type,
                r.bank_code,
                r.amount_fen,
                r.benefit,
                r.period,
                r.region,
                r.client_ref,
            )
        )
        if r.state != "PENDING":
            continue
        chunk = open_chunks.get(r.bank_code)
        if chunk is None:
            route = route_of(r.bank_code)
            if route is None:
                missing.add(r.bank_code)
                continue
            if route.agreement is not None:
                route.agreement.check_fund(batch["fund"])
            chunk = open_chunks[r.bank_code] = _Chunk(route)
        agreement = chunk.route.agreement
        if agreement is not None and not agreement.covers_region(r.region or ""):
            regions = uncovered.setdefault(r.bank_code, {})
            regions[r.region or ""] = regions.get(r.region or "", 0) + 1
            continue
        chunk.rows.append(
            (
                len(chunk.rows) + 1,
                r.e2e_ref,
                r.bank_code,
                account,
                r.account_type,
                name,
                r.id_type,
                id_number,
                r.amount_fen,
                r.benefit,
                r.period,
                batch["fund_account"],
            )
        )
        chunk.line_ids.append(r.id)
        if len(chunk.rows) >= chunk.route.chunk_size:
            close(chunk)
            del open_chunks[r.bank_code]
    if missing:
        raise Conflict(
            f"no adapter configured for bank(s) {', '.join(sorted(missing))}; configure [banks.X] or hold "
            "those lines",
            "BANK_NOT_CONFIGURED",
            metadata={"banks": ",".join(sorted(missing))},
        )
    refuse_uncovered_regions(uncovered)
    if content.hexdigest() != batch["content_hash"]:
        raise Conflict(
            "stored lines no longer match the approved content hash",
            "CONTENT_TAMPERED",
            metadata={"batch_id": batch_ref(batch_id)},
        )
    for chunk in open_chunks.values():
        close(chunk)
    now = now_iso()
    conn.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(state="RELEASED", releaser=principal, released_at=now, updated_at=now)
    )
    audit.append(
        conn,
        principal=principal,
        action="batch.release",
        object_type="batch",
        object_id=batch_ref(batch_id),
        before="APPROVED",
        after="RELEASED",
        detail={
            "submissions": len(result.submissions),
            "lines": result.lines,
            "amount_fen": result.amount_fen,
        },
    )
    return result


def _lines_in_order(conn: Connection, batch_id: int, page: int = 5000):
    """The batch's lines by line number, a page at a time (keyset): flat memory, and safe to interleave
    with the updates release makes on the same connection."""
    cols = batch_lines.c
    after = 0
    while True:
        rows = conn.execute(
            select(
                cols.id,
                cols.line_number,
                cols.e2e_ref,
                cols.pii,
                cols.state,
                cols.id_type,
                cols.account_type,
                cols.bank_code,
                cols.amount_fen,
                cols.benefit,
                cols.period,
                cols.region,
                cols.client_ref,
            )
            .where(cols.batch_id == batch_id, cols.line_number > after)
            .order_by(cols.line_number)
            .limit(page)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].line_number


def sla_deadline(sent_at: str, hours: int) -> str:
    return (dt.datetime.fromisoformat(sent_at) + dt.timedelta(hours=hours)).isoformat(timespec="microseconds")


def submission_counts(conn: Connection, batch_id: int) -> tuple[int, int]:
    """(submissions the batch was split into, how many of them have been sent or made available)."""
    s = submissions.c
    total, sent = conn.execute(
        select(func.count(), func.count(s.sent_at)).select_from(submissions).where(s.batch_id == batch_id)
    ).one()
    return int(total), int(sent)
