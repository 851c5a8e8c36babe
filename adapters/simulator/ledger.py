"""The simulated bank's books: accounts, received batches, line outcomes, credits and returns (SQLite).

Protocol-independent: a protocol handler turns its wire format into an :class:`IncomingBatch` and renders
the :class:`BatchView` it gets back; the ledger decides what happens to the money. Reasons are the
normalised :class:`~adapters.contract.FailureReason` names; a handler may also refuse a whole batch with
its own protocol code (ISO ``FF01``), which the ledger stores and gives back as is.

At most once, by construction and by constraint (DESIGN.md invariants 1 and 5):

- ``batches.reference`` is the primary key: a batch received again under the same reference is not
  processed again; the stored view is returned (the bank de-duplicates on our reference);
- ``credits.end_to_end_id`` is the primary key: a line whose end-to-end id was already credited, in any
  batch, is refused as DUPLICATE and never credited again;
- ``returns.end_to_end_id`` is the primary key too: a credit comes back at most once.

Every change happens in one ``BEGIN IMMEDIATE`` transaction under one lock, so concurrent requests see
each other's credits. The file lives in the simulator's data folder; a restart keeps everything.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adapters.contract import FailureReason
from adapters.simulator.accounts import REFUSAL, AccountState, Rates, account_state, keyed_fraction
from gateway.pii import mask_number

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    account TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    limit_day TEXT,
    limit_used_fen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batches (
    reference TEXT PRIMARY KEY,
    protocol TEXT NOT NULL,
    received_at REAL NOT NULL,
    settle_at REAL NOT NULL,
    line_count INTEGER NOT NULL,
    sum_fen INTEGER NOT NULL,
    declared_count INTEGER,
    declared_sum_fen INTEGER,
    group_code TEXT,
    debtor_account TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',
    resends INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lines (
    reference TEXT NOT NULL REFERENCES batches(reference),
    seq INTEGER NOT NULL,
    end_to_end_id TEXT NOT NULL,
    account TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    credited INTEGER NOT NULL,
    reason TEXT,
    PRIMARY KEY (reference, seq)
);
CREATE TABLE IF NOT EXISTS credits (
    end_to_end_id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    seq INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    credited_at REAL NOT NULL,
    UNIQUE (reference, seq)
);
CREATE TABLE IF NOT EXISTS returns (
    end_to_end_id TEXT PRIMARY KEY REFERENCES credits(end_to_end_id),
    reason TEXT NOT NULL,
    returned_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, seen_at REAL NOT NULL);
"""

# Reasons a late return can carry (what happens to accounts after a credit), chosen per line by hash.
LATE_RETURN_REASONS = (FailureReason.ACCOUNT_CLOSED, FailureReason.DECEASED, FailureReason.ACCOUNT_FROZEN)
_STATE_AFTER_RETURN = {
    FailureReason.ACCOUNT_CLOSED: AccountState.CLOSED,
    FailureReason.DECEASED: AccountState.DECEASED,
    FailureReason.ACCOUNT_FROZEN: AccountState.FROZEN,
}
_CHUNK = 500  # host parameters per IN (...) query, well below SQLite's limit


@dataclass(frozen=True)
class IncomingLine:
    seq: int
    end_to_end_id: str
    account: str
    amount_fen: int
    name: str = ""

    def __repr__(self) -> str:  # personal data stays out of reprs
        return f"IncomingLine(seq={self.seq}, ref={self.end_to_end_id}, amount_fen={self.amount_fen})"


@dataclass(frozen=True)
class IncomingBatch:
    """A batch as a protocol handler read it. ``refusal``: the handler refuses the whole batch with this
    code (stored, so a resend gets the same answer)."""

    reference: str
    lines: Sequence[IncomingLine]
    declared_count: int | None = None
    declared_sum_fen: int | None = None
    debtor_account: str = ""
    refusal: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LineView:
    seq: int
    end_to_end_id: str
    amount_fen: int
    credited: bool
    reason: str | None  # FailureReason name when refused
    returned: str | None = None  # FailureReason name when the credit came back
    returned_at: float | None = None


@dataclass(frozen=True)
class BatchView:
    reference: str
    received_at: float
    settle_at: float
    line_count: int
    sum_fen: int
    declared_count: int | None
    declared_sum_fen: int | None
    group_code: str | None  # the whole batch was refused with this code
    debtor_account: str
    extra: dict
    resends: int
    lines: tuple[LineView, ...]

    def settled(self, now: float) -> bool:
        return now >= self.settle_at


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


class Ledger:
    def __init__(
        self,
        path: Path,
        *,
        seed: int = 1,
        rates: Rates | None = None,
        class_ii_limit_fen: int = 500_000,
        settle_after_s: float = 0.0,
        protocol: str = "",
    ) -> None:
        self.path = Path(path)
        self.seed = seed
        self.rates = rates or Rates()
        self.class_ii_limit_fen = class_ii_limit_fen
        self.settle_after_s = settle_after_s
        self.protocol = protocol
        self._lock = threading.RLock()
        if not self.path.exists():
            # The bank's books hold account numbers in clear: owner-only from the first byte (SQLite gives
            # its -wal and -shm files the same mode).
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a credit the bank acknowledged survives a crash
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- transactions ---------------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlocks)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- receiving ------------------------------------------------------------------------------------

    def receive(self, batch: IncomingBatch, now: float | None = None) -> tuple[BatchView, bool]:
        """Book ``batch`` once. Returns its view and whether it was new (False: a resend, nothing done)."""
        now = time.time() if now is None else now
        with self._tx() as db:
            row = db.execute("SELECT 1 FROM batches WHERE reference = ?", (batch.reference,)).fetchone()
            if row is not None:
                db.execute("UPDATE batches SET resends = resends + 1 WHERE reference = ?", (batch.reference,))
                return self._view(db, batch.reference), False
            self._book(db, batch, now)
            return self._view(db, batch.reference), True

    def _book(self, db: sqlite3.Connection, batch: IncomingBatch, now: float) -> None:
        total = sum(line.amount_fen for line in batch.lines)
        group = batch.refusal
        if group is None and (
            (batch.declared_count is not None and batch.declared_count != len(batch.lines))
            or (batch.declared_sum_fen is not None and batch.declared_sum_fen != total)
        ):
            group = FailureReason.CONTROL_SUM_ERROR.value
        db.execute(
            "INSERT INTO batches (reference, protocol, received_at, settle_at, line_count, sum_fen,"
            " declared_count, declared_sum_fen, group_code, debtor_account, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                batch.reference,
                self.protocol,
                now,
                now + self.settle_after_s,
                len(batch.lines),
                total,
                batch.declared_count,
                batch.declared_sum_fen,
                group,
                batch.debtor_account,
                json.dumps(batch.extra, sort_keys=True),
            ),
        )
        if group is not None:
            db.executemany(
                "INSERT INTO lines VALUES (?, ?, ?, ?, ?, 0, ?)",
                [
                    (batch.reference, ln.seq, ln.end_to_end_id, ln.account, ln.amount_fen, group)
                    for ln in batch.lines
                ],
            )
            return

        refs = [ln.end_to_end_id for ln in batch.lines]
        already = self._existing(db, "SELECT end_to_end_id FROM credits WHERE end_to_end_id IN ({})", refs)
        states = self._account_states(db, {ln.account for ln in batch.lines})
        day = _day(now)
        seen: set[str] = set()
        line_rows, credit_rows = [], []
        for ln in batch.lines:
            reason = self._decide(db, ln, already, seen, states, day)
            seen.add(ln.end_to_end_id)
            line_rows.append(
                (batch.reference, ln.seq, ln.end_to_end_id, ln.account, ln.amount_fen, reason is None, reason)
            )
            if reason is None:
                credit_rows.append(
                    (ln.end_to_end_id, batch.reference, ln.seq, ln.account, ln.amount_fen, now)
                )
        db.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?)", line_rows)
        # The primary key is the guard: were the check above ever wrong, this raises and nothing is booked.
        db.executemany("INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?)", credit_rows)

    def _decide(self, db, ln: IncomingLine, already, seen, states, day) -> str | None:
        if ln.end_to_end_id in already or ln.end_to_end_id in seen:
            return FailureReason.DUPLICATE.value
        if ln.amount_fen <= 0:
            return FailureReason.OTHER.value
        state = states[ln.account]
        refusal = REFUSAL.get(state)
        if refusal is not None:
            return refusal.value
        if state is AccountState.CLASS_II:
            row = db.execute(
                "SELECT limit_day, limit_used_fen FROM accounts WHERE account = ?", (ln.account,)
            ).fetchone()
            used = row[1] if row and row[0] == day else 0
            if used + ln.amount_fen > self.class_ii_limit_fen:
                return FailureReason.CLASS_II_LIMIT.value
            db.execute(
                "UPDATE accounts SET limit_day = ?, limit_used_fen = ? WHERE account = ?",
                (day, used + ln.amount_fen, ln.account),
            )
        return None

    def _existing(self, db, query: str, values: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(values), _CHUNK):
            chunk = values[i : i + _CHUNK]
            sql = query.format(",".join("?" * len(chunk)))
            found.update(row[0] for row in db.execute(sql, chunk))
        return found

    def _account_states(self, db, accounts: set[str]) -> dict[str, AccountState]:
        ordered = sorted(accounts)
        states: dict[str, AccountState] = {}
        for i in range(0, len(ordered), _CHUNK):
            chunk = ordered[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT account, state FROM accounts WHERE account IN ({marks})"  # noqa: S608 - "?" marks only
            states.update((acct, AccountState(state)) for acct, state in db.execute(sql, chunk))
        fresh = [(a, account_state(a, self.seed, self.rates)) for a in ordered if a not in states]
        db.executemany(
            "INSERT INTO accounts (account, state) VALUES (?, ?)", [(a, s.value) for a, s in fresh]
        )
        states.update(fresh)
        return states

    # -- reading --------------------------------------------------------------------------------------

    def batch(self, reference: str) -> BatchView | None:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM batches WHERE reference = ?", (reference,)).fetchone()
            return None if row is None else self._view(self._db, reference)

    def settle_at(self, reference: str) -> float | None:
        """When the batch settles (or settled); None for a batch the bank does not have."""
        with self._lock:
            row = self._db.execute(
                "SELECT settle_at FROM batches WHERE reference = ?", (reference,)
            ).fetchone()
        return None if row is None else row[0]

    def _view(self, db, reference: str) -> BatchView:
        b = db.execute(
            "SELECT reference, received_at, settle_at, line_count, sum_fen, declared_count, declared_sum_fen,"
            " group_code, debtor_account, extra, resends FROM batches WHERE reference = ?",
            (reference,),
        ).fetchone()
        rows = db.execute(
            "SELECT l.seq, l.end_to_end_id, l.amount_fen, l.credited, l.reason, r.reason, r.returned_at"
            " FROM lines l LEFT JOIN credits c"
            " ON c.end_to_end_id = l.end_to_end_id AND c.reference = l.reference"
            " LEFT JOIN returns r ON r.end_to_end_id = c.end_to_end_id"
            " WHERE l.reference = ? ORDER BY l.seq",
            (reference,),
        ).fetchall()
        lines = tuple(LineView(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows)
        return BatchView(
            reference=b[0],
            received_at=b[1],
            settle_at=b[2],
            line_count=b[3],
            sum_fen=b[4],
            declared_count=b[5],
            declared_sum_fen=b[6],
            group_code=b[7],
            debtor_account=b[8],
            extra=json.loads(b[9]),
            resends=b[10],
            lines=lines,
        )

    # -- after settlement -----------------------------------------------------------------------------

    def settle_now(self, reference: str | None = None, now: float | None = None) -> int:
        """Make batches (one, or all) settled from now on; returns how many changed."""
        now = time.time() if now is None else now
        with self._tx() as db:
            if reference is None:
                cur = db.execute("UPDATE batches SET settle_at = ? WHERE settle_at > ?", (now, now))
            else:
                cur = db.execute(
                    "UPDATE batches SET settle_at = ? WHERE reference = ? AND settle_at > ?",
                    (now, reference, now),
                )
            return cur.rowcount

    def return_credit(self, end_to_end_id: str, reason: FailureReason, now: float | None = None) -> bool:
        """Send a credit back (after settlement); False when there is no such credit or it came back
        already. The account takes the state the reason implies, so later credits fail too."""
        now = time.time() if now is None else now
        with self._tx() as db:
            return self._return(db, end_to_end_id, reason, now)

    def _return(self, db, end_to_end_id: str, reason: FailureReason, now: float) -> bool:
        row = db.execute("SELECT account FROM credits WHERE end_to_end_id = ?", (end_to_end_id,)).fetchone()
        if row is None:
            return False
        cur = db.execute("INSERT OR IGNORE INTO returns VALUES (?, ?, ?)", (end_to_end_id, reason.value, now))
        state = _STATE_AFTER_RETURN.get(reason)
        if cur.rowcount and state is not None:
            db.execute("UPDATE accounts SET state = ? WHERE account = ?", (state.value, row[0]))
        return bool(cur.rowcount)

    def late_returns(self, reference: str, rate: float, now: float | None = None) -> int:
        """Return the share ``rate`` of the settled credits of a batch (each line decided by a keyed hash,
        so the same lines come back whenever this runs); returns how many came back now."""
        now = time.time() if now is None else now
        count = 0
        with self._tx() as db:
            b = db.execute("SELECT settle_at FROM batches WHERE reference = ?", (reference,)).fetchone()
            if b is None or now < b[0]:
                return 0
            refs = [
                r[0]
                for r in db.execute("SELECT end_to_end_id FROM credits WHERE reference = ?", (reference,))
            ]
            for ref in refs:
                if keyed_fraction(self.seed, "late-return", ref) < rate:
                    pick = int(
                        keyed_fraction(self.seed, "late-return-reason", ref) * len(LATE_RETURN_REASONS)
                    )
                    count += self._return(db, ref, LATE_RETURN_REASONS[pick], now)
        return count

    def use_nonce(self, nonce: str, now: float | None = None) -> bool:
        """Record a request nonce; False when it was seen before (a replay)."""
        now = time.time() if now is None else now
        with self._tx() as db:
            cur = db.execute("INSERT OR IGNORE INTO nonces VALUES (?, ?)", (nonce, now))
            return bool(cur.rowcount)

    # -- reporting ------------------------------------------------------------------------------------

    def entries(self) -> Iterator[dict]:
        """Every line the bank booked, account masked: reference, end-to-end id, amount, state, reason."""
        with self._lock:
            rows = self._db.execute(
                "SELECT l.reference, l.seq, l.end_to_end_id, l.account, l.amount_fen, l.credited, l.reason,"
                " r.reason FROM lines l"
                " LEFT JOIN credits c ON c.end_to_end_id = l.end_to_end_id AND c.reference = l.reference"
                " LEFT JOIN returns r ON r.end_to_end_id = c.end_to_end_id"
                " ORDER BY l.reference, l.seq"
            ).fetchall()
        for ref, seq, e2e, account, amount, credited, reason, returned in rows:
            state = "returned" if returned else ("credited" if credited else "rejected")
            yield {
                "reference": ref,
                "seq": seq,
                "end_to_end_id": e2e,
                "amount_fen": amount,
                "account": mask_number(account),
                "state": state,
                "reason": returned or reason,
            }

    def totals(self) -> dict:
        with self._lock:
            db = self._db
            batches, refused, resends = db.execute(
                "SELECT COUNT(*), COUNT(group_code), COALESCE(SUM(resends), 0) FROM batches"
            ).fetchone()
            credited = db.execute("SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM credits").fetchone()
            returned = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(c.amount_fen), 0) FROM returns r"
                " JOIN credits c ON c.end_to_end_id = r.end_to_end_id"
            ).fetchone()
            rejected = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(amount_fen), 0) FROM lines WHERE credited = 0"
            ).fetchone()
        return {
            "batches": batches,
            "batches_refused": refused,
            "resends": resends,
            "credited_count": credited[0],
            "credited_fen": credited[1],
            "returned_count": returned[0],
            "returned_fen": returned[1],
            "rejected_count": rejected[0],
            "rejected_fen": rejected[1],
            "net_credited_fen": credited[1] - returned[1],
        }
