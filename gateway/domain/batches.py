"""Payroll batches from upload to approval: intake, maker-checker, holds, pulls, cancel, reject.

Batch states (forward only)::

    RECEIVED ─► VALIDATED ─┬─► APPROVED ─► RELEASED ─► …      (release: dispatch issue)
                           ├─► REJECTED                        approver says no
                           └─► CANCELLED ◄── APPROVED          officer withdraws before release

A whole upload is one write transaction: either the batch, all its accepted lines and all its line
errors are stored, or nothing is (a broken stream, a crash, a concurrent duplicate). RECEIVED is
therefore only ever seen inside that transaction.

Line states used here: PENDING (will be paid), HELD (gated, with a reason), CANCELLED (pulled, or its
batch cancelled/rejected). A line's ``claim`` holds its payee's (benefit, period) slot; the partial
unique index on claimed lines is what makes a second payment for the same slot impossible.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.clock import now_iso
from gateway.domain.refs import batch_ref, e2e_prefix, e2e_ref, line_ref
from gateway.errors import Conflict, InvalidInput, InvalidTransition, NotFound, SelfApproval
from gateway.intake.records import LineError, ValidatedLine
from gateway.pii import mask_name, mask_number
from gateway.storage.tables import batch_lines, batches, line_errors, person_status
from keys.datakey import DataProtector

# Person statuses that stop a payment, and the hold reason they give the line.
HOLDING_STATUSES = ("SUSPENDED", "TERMINATED", "UNCERTIFIED", "DECEASED", "CARD_LOST")
# Holds that lift by themselves when the person is active again (certified late, card found);
# terminated and deceased need a person to decide.
AUTO_RELEASABLE = ("SUSPENDED", "UNCERTIFIED", "CARD_LOST")
DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
_SEP = "\x1f"
_LINE_COLUMNS = (
    "batch_id",
    "line_number",
    "e2e_ref",
    "state",
    "benefit",
    "period",
    "id_type",
    "account_type",
    "bank_code",
    "amount_fen",
    "region",
    "client_ref",
    "id_hash",
    "account_hash",
    "pii",
    "id_masked",
    "name_masked",
    "account_masked",
    "claim",
    "updated_at",
)  # validated fields are printable text, so the unit separator cannot occur inside one


def content_fields(
    line: int,
    id_type: str,
    id_number: str,
    name: str,
    account: str,
    account_type: str,
    bank_code: str,
    amount_fen: int,
    benefit: str,
    period: str,
    region: str,
    ref: str,
) -> bytes:
    """The canonical bytes of one accepted line for the batch content hash."""
    return (
        f"{line}{_SEP}{id_type}{_SEP}{id_number}{_SEP}{name}{_SEP}{account}{_SEP}{account_type}{_SEP}"
        f"{bank_code}{_SEP}{amount_fen}{_SEP}{benefit}{_SEP}{period}{_SEP}{region}{_SEP}{ref}\x1e"
    ).encode()


def content_record(v: ValidatedLine) -> bytes:
    return content_fields(
        v.line,
        v.id_type,
        v.id_number,
        v.name,
        v.account,
        v.account_type,
        v.bank_code,
        v.amount_fen,
        v.benefit,
        v.period,
        v.region,
        v.ref,
    )


def seal_pii(protector: DataProtector, ref: str, v: ValidatedLine) -> bytes:
    """One AES-GCM blob per line, bound to its reference so blobs cannot be swapped between lines."""
    return protector.encrypt(f"{v.id_number}{_SEP}{v.name}{_SEP}{v.account}", ref.encode())


def open_pii(protector: DataProtector, ref: str, blob: bytes) -> tuple[str, str, str]:
    id_number, name, account = protector.decrypt(blob, ref.encode()).split(_SEP)
    return id_number, name, account


@dataclass(frozen=True)
class BatchHeaderIn:
    fund: str
    period: str
    title: str
    source_name: str
    expected_line_count: int | None = None
    expected_total_fen: int | None = None


@dataclass
class IntakeResult:
    batch_id: int
    accepted: int = 0
    rejected_lines: int = 0
    total_fen: int = 0
    content_hash: str = ""
    first_errors: list[LineError] = field(default_factory=list)


def _lock(conn: Connection, batch_id: int) -> dict[str, Any]:
    q = select(batches).where(batches.c.id == batch_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound("no such batch", metadata={"batch_id": batch_ref(batch_id)})
    return dict(row)


class BatchIntake:
    """Streams one upload into a new batch inside the caller's write transaction.

    Feed every validator result to :meth:`add` in line order, then call :meth:`finish`.
    """

    def __init__(
        self,
        conn: Connection,
        protector: DataProtector,
        *,
        creator: str,
        header: BatchHeaderIn,
        fund_account: str,
        chunk: int = 2000,
        keep_errors: int = 100,
    ) -> None:
        self.conn = conn
        self.protector = protector
        self.creator = creator
        self.header = header
        self.chunk = chunk
        self.keep_errors = keep_errors
        now = now_iso()
        self.batch_id = conn.execute(
            insert(batches)
            .values(
                state="RECEIVED",
                fund=header.fund,
                fund_account=fund_account,
                period=header.period,
                title=header.title[:200],
                source_name=header.source_name[:200],
                creator=creator,
                line_count=0,
                total_amount_fen=0,
                rejected_count=0,
                created_at=now,
                updated_at=now,
            )
            .returning(batches.c.id)
        ).scalar_one()
        self.result = IntakeResult(batch_id=self.batch_id)
        self._hash = hashlib.sha256()
        self._lines: list[ValidatedLine] = []
        self._errors: list[LineError] = []
        self._rejected_numbers: set[int] = set()
        self._last_line = 0
        self._mark = mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        # Written exactly as the partial unique index's WHERE so the planner uses that index.
        self._claimed = "claim = 1" if conn.dialect.name == "sqlite" else "claim"
        columns = ", ".join(_LINE_COLUMNS)
        marks = ", ".join([mark] * len(_LINE_COLUMNS))
        self._insert_sql = f"INSERT INTO batch_lines ({columns}) VALUES ({marks})"  # noqa: S608 - fixed names

    def add(self, result: ValidatedLine | list[LineError]) -> None:
        if result.__class__ is ValidatedLine:
            self._check_order(result.line)
            self._lines.append(result)
            if len(self._lines) >= self.chunk:
                self._flush_lines()
        else:
            for err in result:
                self._error(err)

    def _check_order(self, line: int) -> None:
        # The content hash is defined over lines in increasing line-number order.
        if line <= self._last_line:
            raise InvalidInput(
                f"line {line} arrives after line {self._last_line}: line numbers must increase",
                "LINE_ORDER",
                metadata={"line": str(line)},
            )
        self._last_line = line

    def _error(self, err: LineError) -> None:
        self._errors.append(err)
        if err.line not in self._rejected_numbers:
            self._rejected_numbers.add(err.line)
            self.result.rejected_lines += 1
        if len(self.result.first_errors) < self.keep_errors:
            self.result.first_errors.append(err)
        if len(self._errors) >= self.chunk:
            self._flush_errors()

    def _claimed_elsewhere(self, hashes: list[bytes]) -> set[tuple[bytes, str, str]]:
        # Driver-level: a 2,000-element IN list compiled by SQLAlchemy per chunk costs more than the query.
        marks = ", ".join([self._mark] * len(hashes))
        sql = (
            f"SELECT id_hash, benefit, period FROM batch_lines WHERE {self._claimed} AND id_hash IN ({marks})"  # noqa: S608 - fixed SQL, bound values
        )
        rows = self.conn.exec_driver_sql(sql, tuple(hashes))
        return {(bytes(h), b, p) for h, b, p in rows}

    def _flush_lines(self) -> None:
        if not self._lines:
            return
        p = self.protector
        hashed = [(v, p.blind_index(v.id_number)) for v in self._lines]
        taken = self._claimed_elsewhere([h for _, h in hashed])
        now = now_iso()
        batch_id = self.batch_id
        prefix = e2e_prefix(batch_id)
        rows = []
        for v, id_hash in hashed:
            if taken and (id_hash, v.benefit, v.period) in taken:
                self._error(
                    LineError(
                        v.line,
                        "id_number",
                        DUPLICATE_PAYMENT,
                        mask_number(v.id_number),
                        "this payee already has a payment for this benefit and period in another batch",
                    )
                )
                continue
            ref = e2e_ref(batch_id, v.line, prefix)
            rows.append(
                (
                    batch_id,
                    v.line,
                    ref,
                    "PENDING",
                    v.benefit,
                    v.period,
                    v.id_type,
                    v.account_type,
                    v.bank_code,
                    v.amount_fen,
                    v.region,
                    v.ref,
                    id_hash,
                    p.blind_index(v.account),
                    seal_pii(p, ref, v),
                    mask_number(v.id_number),
                    mask_name(v.name),
                    mask_number(v.account),
                    True,
                    now,
                )
            )
            self._hash.update(content_record(v))
            self.result.accepted += 1
            self.result.total_fen += v.amount_fen
        if rows:
            try:
                with self.conn.begin_nested():
                    # Straight to the driver: at payroll volume SQLAlchemy's per-row parameter
                    # processing cost more than the database itself.
                    self.conn.exec_driver_sql(self._insert_sql, rows)
            except IntegrityError:
                # Another upload claimed one of these payees between our check and our insert.
                raise Conflict(
                    "another batch claimed a payee of this upload at the same moment; submit again",
                    "CONCURRENT_DUPLICATE",
                ) from None
        self._lines.clear()

    def _flush_errors(self) -> None:
        if not self._errors:
            return
        self.conn.execute(
            insert(line_errors),
            [
                {
                    "batch_id": self.batch_id,
                    "line_number": e.line,
                    "field": e.field[:40],
                    "reason": e.reason[:60],
                    "value_masked": e.value[:80],
                    "message": e.message,
                }
                for e in self._errors
            ],
        )
        self._errors.clear()

    def finish(self) -> IntakeResult:
        self._flush_lines()
        self._flush_errors()
        r = self.result
        h = self.header
        arrived = r.accepted + r.rejected_lines
        if h.expected_line_count is not None and h.expected_line_count != arrived:
            raise InvalidInput(
                f"the header announced {h.expected_line_count} lines but {arrived} arrived",
                "LINE_COUNT_MISMATCH",
            )
        if h.expected_total_fen is not None and r.rejected_lines == 0 and h.expected_total_fen != r.total_fen:
            raise InvalidInput("the header's control total does not match the lines", "CONTROL_SUM_MISMATCH")
        if r.accepted == 0:
            raise InvalidInput(
                f"no valid line in the upload ({r.rejected_lines} rejected)",
                "NO_VALID_LINES",
                field_violations=[e.to_violation() for e in r.first_errors],
            )
        r.content_hash = self._hash.hexdigest()
        self.conn.execute(
            update(batches)
            .where(batches.c.id == self.batch_id)
            .values(
                state="VALIDATED",
                line_count=r.accepted,
                total_amount_fen=r.total_fen,
                rejected_count=r.rejected_lines,
                content_hash=r.content_hash,
                updated_at=now_iso(),
            )
        )
        audit.append(
            self.conn,
            principal=self.creator,
            action="batch.create",
            object_type="batch",
            object_id=batch_ref(self.batch_id),
            before=None,
            after="VALIDATED",
            detail={
                "fund": h.fund,
                "period": h.period,
                "lines": r.accepted,
                "rejected": r.rejected_lines,
                "total_fen": r.total_fen,
                "content_hash": r.content_hash,
            },
        )
        return r


def recompute_content_hash(conn: Connection, protector: DataProtector, batch_id: int) -> str:
    """Rebuild the content hash from what is stored (decrypting each line), in line order."""
    h = hashlib.sha256()
    cols = batch_lines.c
    q = (
        select(
            cols.line_number,
            cols.e2e_ref,
            cols.pii,
            cols.id_type,
            cols.account_type,
            cols.bank_code,
            cols.amount_fen,
            cols.benefit,
            cols.period,
            cols.region,
            cols.client_ref,
        )
        .where(cols.batch_id == batch_id)
        .order_by(cols.line_number)
    )
    for r in conn.execute(q.execution_options(yield_per=5000)):
        id_number, name, account = open_pii(protector, r.e2e_ref, bytes(r.pii))
        h.update(
            content_fields(
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
    return h.hexdigest()


def _set_state(
    conn: Connection,
    batch: dict[str, Any],
    new: str,
    principal: str,
    action: str,
    reason: str | None = None,
    **values: Any,
) -> None:
    conn.execute(
        update(batches)
        .where(batches.c.id == batch["id"])
        .values(state=new, updated_at=now_iso(), state_reason=reason, **values)
    )
    audit.append(
        conn,
        principal=principal,
        action=action,
        object_type="batch",
        object_id=batch_ref(batch["id"]),
        before=batch["state"],
        after=new,
        detail={"reason": reason} if reason else {},
    )


def _require(batch: dict[str, Any], *states: str, action: str) -> None:
    if batch["state"] not in states:
        raise InvalidTransition(
            f"cannot {action} a batch in state {batch['state']}",
            metadata={"batch_id": batch_ref(batch["id"]), "state": batch["state"]},
        )


def approve(
    conn: Connection, protector: DataProtector, batch_id: int, principal: str, content_hash: str
) -> int:
    """Approve as a different person; returns the number of lines held by the person-status gate."""
    batch = _lock(conn, batch_id)
    if batch["creator"] == principal:
        raise SelfApproval(metadata={"batch_id": batch_ref(batch_id)})
    _require(batch, "VALIDATED", action="approve")
    if content_hash != batch["content_hash"]:
        raise Conflict(
            "the batch content is not what the approver reviewed (content_hash differs)",
            "CONTENT_CHANGED",
            metadata={"batch_id": batch_ref(batch_id)},
        )
    if recompute_content_hash(conn, protector, batch_id) != batch["content_hash"]:
        raise Conflict(
            "stored lines no longer match the batch content hash",
            "CONTENT_TAMPERED",
            metadata={"batch_id": batch_ref(batch_id)},
        )
    held = _hold_gated_lines(conn, batch_id)
    from gateway.domain.cards.payments import hold_at_approval  # here: the card domain imports this module

    held += hold_at_approval(conn, batch_id)  # lines to a card reported lost (DOMAIN.md §8)
    now = now_iso()
    _set_state(conn, batch, "APPROVED", principal, "batch.approve", approver=principal, approved_at=now)
    return held


def _hold_gated_lines(conn: Connection, batch_id: int) -> int:
    """PENDING lines of people with a stopping status become HELD with that status as the reason."""
    cols = batch_lines.c
    status_of = (
        select(person_status.c.status)
        .where(person_status.c.id_hash == cols.id_hash, person_status.c.status.in_(HOLDING_STATUSES))
        .scalar_subquery()
    )
    gated = select(person_status.c.id_hash).where(person_status.c.status.in_(HOLDING_STATUSES))
    result = conn.execute(
        update(batch_lines)
        .where(cols.batch_id == batch_id, cols.state == "PENDING", cols.id_hash.in_(gated))
        .values(state="HELD", hold_reason=status_of, updated_at=now_iso())
    )
    return result.rowcount or 0


def reject(conn: Connection, batch_id: int, principal: str, reason: str) -> None:
    batch = _lock(conn, batch_id)
    _require(batch, "VALIDATED", action="reject")
    if not reason.strip():
        raise InvalidInput("a rejection needs a reason", "REASON_REQUIRED")
    _release_all_lines(conn, batch_id)
    _set_state(conn, batch, "REJECTED", principal, "batch.reject", reason=reason[:500])


def cancel(conn: Connection, batch_id: int, principal: str, reason: str) -> None:
    batch = _lock(conn, batch_id)
    _require(batch, "VALIDATED", "APPROVED", action="cancel")
    _release_all_lines(conn, batch_id)
    _set_state(conn, batch, "CANCELLED", principal, "batch.cancel", reason=reason[:500] or None)


def _release_all_lines(conn: Connection, batch_id: int) -> None:
    conn.execute(
        update(batch_lines)
        .where(batch_lines.c.batch_id == batch_id, batch_lines.c.state.in_(("PENDING", "HELD")))
        .values(state="CANCELLED", claim=False, updated_at=now_iso())
    )


def pull_line(conn: Connection, batch_id: int, line_id: int, principal: str, reason: str) -> dict[str, Any]:
    """抽单止付: take one line out of a batch that has not been released."""
    batch = _lock(conn, batch_id)
    _require(batch, "VALIDATED", "APPROVED", action="pull a line from")
    if not reason.strip():
        raise InvalidInput("pulling a line needs a reason", "REASON_REQUIRED")
    line = (
        conn.execute(
            select(batch_lines).where(batch_lines.c.id == line_id, batch_lines.c.batch_id == batch_id)
        )
        .mappings()
        .first()
    )
    if line is None:
        raise NotFound("no such line in this batch", metadata={"line_id": line_ref(line_id)})
    if line["state"] not in ("PENDING", "HELD"):
        raise InvalidTransition(
            f"cannot pull a line in state {line['state']}",
            metadata={"line_id": line_ref(line_id), "state": line["state"]},
        )
    conn.execute(
        update(batch_lines)
        .where(batch_lines.c.id == line_id)
        .values(state="CANCELLED", claim=False, pull_reason=reason[:500], updated_at=now_iso())
    )
    audit.append(
        conn,
        principal=principal,
        action="line.pull",
        object_type="line",
        object_id=line["e2e_ref"],
        before=line["state"],
        after="CANCELLED",
        detail={"batch": batch_ref(batch_id), "reason": reason},
    )
    return {**line, "state": "CANCELLED", "pull_reason": reason}


@dataclass
class BatchSummary:
    by_state: dict[str, tuple[int, int]]
    by_bank: dict[str, dict[str, tuple[int, int]]]
    held_by_reason: dict[str, tuple[int, int]]


def summarize(conn: Connection, batch_id: int) -> BatchSummary:
    cols = batch_lines.c
    by_state: dict[str, tuple[int, int]] = {}
    by_bank: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    held: dict[str, tuple[int, int]] = {}
    rows = conn.execute(
        select(cols.state, cols.bank_code, cols.hold_reason, func.count(), func.sum(cols.amount_fen))
        .where(cols.batch_id == batch_id)
        .group_by(cols.state, cols.bank_code, cols.hold_reason)
    )
    for state, bank, hold, n, total in rows:
        total = int(total or 0)
        c, a = by_state.get(state, (0, 0))
        by_state[state] = (c + n, a + total)
        c, a = by_bank[bank].get(state, (0, 0))
        by_bank[bank][state] = (c + n, a + total)
        if state == "HELD":
            c, a = held.get(hold or "", (0, 0))
            held[hold or ""] = (c + n, a + total)
    return BatchSummary(by_state=by_state, by_bank=dict(by_bank), held_by_reason=held)


def get(conn: Connection, batch_id: int) -> dict[str, Any]:
    row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
    if row is None:
        raise NotFound("no such batch", metadata={"batch_id": batch_ref(batch_id)})
    return dict(row)


def list_batches(
    conn: Connection,
    *,
    after_id: int | None,
    limit: int,
    state: str | None = None,
    fund: str | None = None,
    creator: str | None = None,
    period: str | None = None,
) -> list[dict[str, Any]]:
    """Newest first, keyset-paged by id."""
    q = select(batches).order_by(batches.c.id.desc()).limit(limit)
    conds = []
    if after_id is not None:
        conds.append(batches.c.id < after_id)
    for col, val in (
        (batches.c.state, state),
        (batches.c.fund, fund),
        (batches.c.creator, creator),
        (batches.c.period, period),
    ):
        if val:
            conds.append(col == val)
    if conds:
        q = q.where(and_(*conds))
    return [dict(r) for r in conn.execute(q).mappings()]


def list_lines(
    conn: Connection,
    batch_id: int,
    *,
    after_line: int,
    limit: int,
    state: str | None = None,
    bank_code: str | None = None,
) -> list[dict[str, Any]]:
    cols = batch_lines.c
    q = (
        select(batch_lines)
        .where(cols.batch_id == batch_id, cols.line_number > after_line)
        .order_by(cols.line_number)
        .limit(limit)
    )
    if state:
        q = q.where(cols.state == state)
    if bank_code:
        q = q.where(cols.bank_code == bank_code)
    return [dict(r) for r in conn.execute(q).mappings()]


def search_lines(
    conn: Connection,
    *,
    id_hash: bytes | None,
    e2e_ref: str | None,
    period: str | None,
    state: str | None,
    after_id: int,
    limit: int,
) -> list[dict[str, Any]]:
    cols = batch_lines.c
    q = select(batch_lines).where(cols.id > after_id).order_by(cols.id).limit(limit)
    for col, val in (
        (cols.id_hash, id_hash),
        (cols.e2e_ref, e2e_ref),
        (cols.period, period),
        (cols.state, state),
    ):
        if val is not None:
            q = q.where(col == val)
    return [dict(r) for r in conn.execute(q).mappings()]


def list_errors(conn: Connection, batch_id: int, *, after_id: int, limit: int) -> list[dict[str, Any]]:
    q = (
        select(line_errors)
        .where(line_errors.c.batch_id == batch_id, line_errors.c.id > after_id)
        .order_by(line_errors.c.id)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def holdable_batches_subquery() -> Any:
    """Batches whose PENDING lines a late person status may still hold (approved, not yet dispatched)."""
    return select(batches.c.id).where(batches.c.state == "APPROVED")
