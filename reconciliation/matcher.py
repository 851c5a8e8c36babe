"""Match bank entries to our payment lines: exact references, then batch totals, then suggestions.

Three passes, in order of trust:

1. **Exact references**: the end-to-end reference, our batch reference + line sequence (the join key of
   the Chinese protocols), or a UETR already tied to one of our lines by an earlier matched entry.
2. **Batch reference + totals**: a batch-booked statement debit naming our batch reference (PmtInfId,
   MsgId) claims the batch's executed lines when its amount equals their sum; otherwise it is a
   ``PARTIAL_BATCH`` exception and claims nothing.
3. **Amount + date window + account**: an unexplained debit on a fund account with exactly the amount of
   an unbooked line sent from that account within :data:`DATE_WINDOW_DAYS` becomes a *suggestion* only;
   a person confirms it (:func:`confirm_suggestion`).

A line is claimed at most once per role (``result``, ``booking``, ``return``); the unique constraint on
``recon_matches`` enforces it, and the matcher sees existing claims first so that a second entry for the
same line becomes an exception, not a second claim. Every write is "insert unless it exists", keyed by
unique constraints, so running again changes nothing, and a run stopped half-way resumes where it was.

The hot path (:func:`match_exact`) is a dict join over in-memory tuples. A run reads the entries in chunks
of :data:`CHUNK` and loads only the lines a chunk names (by reference, or whole submissions where it names
lines by position) with their claims (:class:`LineLoader`), so its memory follows the chunk, not the month.
What it keeps across chunks is small: the entries no exact reference matched, the parent ids of listed
batch bookings, and the UETRs learnt from matched entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from adapters.contract import FailureReason, LineOutcome, LineResult
from adapters.iso20022._codes import reason_of
from gateway import audit
from gateway.clock import now_iso
from gateway.dispatch.lines import apply_results
from gateway.errors import Conflict, InvalidInput, NotFound
from gateway.redaction import redact_text
from gateway.storage import Database
from gateway.storage.members import one_of, slices
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from gateway.storage.tables_recon import (
    recon_entries,
    recon_matches,
    recon_statements,
    recon_suggestions,
)
from reconciliation import exceptions as exc_mod
from reconciliation._upsert import insert_ignore, insert_ignore_many

CHUNK = 20_000  # entries a run holds at once, with the lines they name: memory follows this, not the month
FLUSH = 5_000  # claims written per executemany
DATE_WINDOW_DAYS = 3

RESULT, BOOKING, RETURN = "result", "booking", "return"

_FINAL_RESULTS = frozenset({"SETTLED", "REJECTED", "CANCELLED"})


SYSTEM = "system:reconciliation"


@dataclass(slots=True)
class Line:
    id: int
    batch_id: int
    submission_id: int
    seq: int
    e2e: str
    amount: int
    state: str
    fund_account: str
    bank_reference: str
    bank_code: str
    sent_day: date | None


@dataclass(slots=True)
class Index:
    """Our released lines, keyed every way an entry can name them."""

    lines: dict[int, Line] = field(default_factory=dict)
    by_e2e: dict[str, int] = field(default_factory=dict)
    by_batch_seq: dict[tuple[str, int], int] = field(default_factory=dict)
    by_submission_seq: dict[tuple[str, int], int] = field(default_factory=dict)
    by_batch: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    fund_accounts: set[str] = field(default_factory=set)
    whole: set[int] = field(default_factory=set)  # submissions all of whose lines are here

    def add(self, line: Line, *, whole: bool) -> None:
        """``whole``: the line comes with its whole submission, so its position (``seq``) is known and
        the submission's line list is complete; otherwise it is keyed by its reference only."""
        self.lines[line.id] = line
        self.by_e2e[line.e2e] = line.id
        self.fund_accounts.add(line.fund_account)
        if whole:
            self.by_batch_seq[(line.bank_reference, line.seq)] = line.id
            self.by_submission_seq[(str(line.submission_id), line.seq)] = line.id
            self.by_batch[line.bank_reference].append(line.id)


def role_of(kind: str, status: str, direction: str | None, reversal: bool) -> str | None:
    """Which claim an entry makes on a line, or None when it makes none (pending, information)."""
    if status == "RETURNED" or reversal:
        return RETURN
    if kind == "STATUS":
        return RESULT if status in _FINAL_RESULTS else None
    if kind == "BOOKED" and direction == "DEBIT" and status in ("BOOKED", "SETTLED"):
        return BOOKING
    if kind == "BOOKED" and direction == "CREDIT" and status == "BOOKED":
        return RETURN  # money back on the 支出户 is a return whatever the bank calls it
    return None


def match_exact(
    entries: Iterable[tuple[int, str | None, str | None, int | None, str | None]],
    by_e2e: dict[str, int],
    by_batch_seq: dict[tuple[str, int], int],
    by_uetr: dict[str, int],
) -> Iterator[tuple[int, int, str]]:
    """(entry id, line id, rule) for every entry one of whose references names a line.

    ``entries`` are (id, e2e_ref, batch_ref, line_seq, uetr) tuples. This is the hot path: plain dict
    lookups, no objects built per entry that does not match.
    """
    get_e2e = by_e2e.get
    get_bs = by_batch_seq.get
    get_uetr = by_uetr.get
    for entry_id, e2e, batch_ref, seq, uetr in entries:
        if e2e is not None:
            line_id = get_e2e(e2e)
            if line_id is not None:
                yield entry_id, line_id, "E2E"
                continue
        if seq is not None and batch_ref is not None:
            line_id = get_bs((batch_ref, seq))
            if line_id is not None:
                yield entry_id, line_id, "BATCH_SEQ"
                continue
        if uetr is not None:
            line_id = get_uetr(uetr)
            if line_id is not None:
                yield entry_id, line_id, "UETR"


_LINE_COLUMNS = (
    batch_lines.c.id,
    batch_lines.c.batch_id,
    batch_lines.c.submission_id,
    batch_lines.c.line_number,
    batch_lines.c.e2e_ref,
    batch_lines.c.amount_fen,
    batch_lines.c.state,
    submissions.c.fund_account,
    submissions.c.bank_reference,
    submissions.c.bank_code,
    submissions.c.sent_at,
    submissions.c.created_at,
)


@lru_cache(maxsize=4096)
def _day(stamp: str | None) -> date | None:
    # Every line of a submission carries the same stamp: parse it once, not once per line.
    return date.fromisoformat(stamp[:10]) if stamp else None


def _line(r: Any, seq: int) -> Line:
    # Unpacked by position (the order of _LINE_COLUMNS): a province run builds millions of these.
    line_id, batch_id, submission_id, _number, e2e, amount, state, account, reference, bank, sent, made = r
    return Line(
        line_id,
        batch_id,
        submission_id,
        seq,
        e2e,
        amount,
        state,
        account,
        reference,
        bank,
        _day(sent or made),
    )


class LineLoader:
    """Our released lines, loaded for the entries at hand instead of the whole account: a run holds the
    lines its current chunk of entries names (whole submissions where an entry names a line by its
    position), so memory does not grow with the month.

    ``seq`` is a line's position in its submission; only lines loaded with their whole submission carry
    it (those found by reference alone are keyed by reference only, which is all they are looked up by).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.idx = Index()

    def clear(self) -> None:
        self.idx = Index()

    def _base(self) -> Any:
        return select(*_LINE_COLUMNS).join(submissions, submissions.c.id == batch_lines.c.submission_id)

    def by_refs(self, refs: Iterable[str]) -> None:
        """Lines by end-to-end reference."""
        for chunk in slices({r for r in refs if r not in self.idx.by_e2e}):
            for r in self.conn.execute(self._base().where(one_of(self.conn, batch_lines.c.e2e_ref, chunk))):
                if r.id not in self.idx.lines:
                    self.idx.add(_line(r, 0), whole=False)

    def by_ids(self, line_ids: Iterable[int]) -> None:
        for chunk in slices({i for i in line_ids if i not in self.idx.lines}):
            for r in self.conn.execute(self._base().where(one_of(self.conn, batch_lines.c.id, chunk))):
                self.idx.add(_line(r, 0), whole=False)

    def submissions(self, *, refs: Iterable[str] = (), ids: Iterable[int] = ()) -> None:
        """Whole submissions, by bank reference or id, each line with its position."""
        s = submissions.c
        sub_ids: set[int] = set(ids)
        for chunk in slices(set(refs)):
            sub_ids.update(
                self.conn.execute(select(s.id).where(one_of(self.conn, s.bank_reference, chunk))).scalars()
            )
        for chunk in slices(sub_ids - self.idx.whole):
            self.idx.whole.update(chunk)
            last, seq = -1, 0
            q = self._base().where(one_of(self.conn, batch_lines.c.submission_id, chunk))
            for r in self.conn.execute(q.order_by(batch_lines.c.submission_id, batch_lines.c.line_number)):
                seq = seq + 1 if r.submission_id == last else 1
                last = r.submission_id
                self.idx.add(_line(r, seq), whole=True)  # replaces one known by reference only


def fund_accounts_in_use(conn: Connection) -> set[str]:
    """The fund accounts our released lines left from."""
    s, bl = submissions.c, batch_lines.c
    return set(
        conn.execute(
            select(s.fund_account).distinct().where(select(bl.id).where(bl.submission_id == s.id).exists())
        ).scalars()
    )


def _entry_chunks(conn: Connection) -> Iterator[list[Any]]:
    last = 0
    e = recon_entries.c
    while True:
        rows = conn.execute(
            select(recon_entries, recon_statements.c.account.label("stmt_account"))
            .outerjoin(recon_statements, recon_statements.c.id == e.statement_id)
            .where(e.id > last)
            .order_by(e.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


@dataclass
class RunSummary:
    entries: int = 0
    new_matches: int = 0
    new_suggestions: int = 0
    new_exceptions: int = 0
    matches_by_rule: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "new_matches": self.new_matches,
            "new_suggestions": self.new_suggestions,
            "new_exceptions": self.new_exceptions,
            "matches_by_rule": dict(sorted(self.matches_by_rule.items())),
        }


class _Run:
    """One run over the entries a chunk at a time (:data:`CHUNK`), holding only the lines and claims the
    chunk names: memory follows the chunk, not the month. Claims are written at the end of each chunk, so
    the next chunk reads them back with its lines."""

    def __init__(self, conn: Connection, today: date, cutoff_days: int) -> None:
        self.conn = conn
        self.today = today
        self.cutoff_days = cutoff_days
        self.lines = LineLoader(conn)
        self.fund_accounts = fund_accounts_in_use(conn)
        self.claims: dict[tuple[int, str], int] = {}
        self._rules_before = _claims_by_rule(conn)
        self.summary = RunSummary()
        self._now = now_iso()
        self.exceptions = exc_mod.Recorder(conn)
        # UETRs learnt from matched entries (a later entry may name a line by UETR only): one per matched
        # entry that carries a UETR, which pain.002 and camt.053 entries of our own lines rarely do.
        self.by_uetr: dict[str, int] = {}
        self._pending: list[dict[str, Any]] = []

    @property
    def idx(self) -> Index:
        return self.lines.idx

    def _load_claims(self, line_ids: Iterable[int]) -> None:
        m = recon_matches.c
        claims = self.claims
        for chunk in slices(set(line_ids)):
            q = select(m.line_id, m.role, m.entry_id).where(one_of(self.conn, m.line_id, chunk))
            for line_id, role, entry_id in self.conn.execute(q):
                claims.setdefault((line_id, role), entry_id)

    def _fresh_chunk(self) -> None:
        """Forget the last chunk's lines and claims (its claims are written first)."""
        self.flush()
        self.lines.clear()
        self.claims = {}

    def claim(self, entry: Any, line_id: int, role: str, rule: str) -> bool:
        """Claim ``line_id`` for ``entry`` in ``role``; False (and an exception) when another entry has it."""
        holder = self.claims.get((line_id, role))
        if holder == entry.id:
            return True
        line = self.idx.lines[line_id]
        if holder is not None:
            kind = exc_mod.DUPLICATE_CREDIT if role == RETURN else exc_mod.DUPLICATE_ENTRY
            self.exceptions.open(
                kind,
                f"entry:{entry.id}",
                entry_id=entry.id,
                line_id=line_id,
                batch_id=line.batch_id,
                account=line.fund_account,
                amount_minor=entry.amount_minor,
                detail=f"line {line.e2e} already claimed as {role} by entry {holder}",
            )
            return False
        # Written in batches (one statement per claim was the run's whole cost); the unique constraint
        # still decides, should another process have claimed the line since this run loaded the claims.
        self._pending.append(
            {
                "line_id": line_id,
                "role": role,
                "entry_id": entry.id,
                "rule": rule,
                "amount_minor": entry.amount_minor,
                "matched_at": self._now,
            }
        )
        self.claims[(line_id, role)] = entry.id
        if len(self._pending) >= FLUSH:
            self.flush()
        return True

    def flush(self) -> None:
        insert_ignore_many(self.conn, recon_matches, self._pending)
        self._pending.clear()
        self.exceptions.flush()

    def count_new_matches(self) -> None:
        self.flush()
        after = _claims_by_rule(self.conn)
        added = {r: n - self._rules_before.get(r, 0) for r, n in after.items()}
        self.summary.matches_by_rule = {r: n for r, n in added.items() if n > 0}
        self.summary.new_matches = sum(self.summary.matches_by_rule.values())

    def _wanted(self, chunk: list[Any], parents: set[int]) -> list[Any]:
        rows = []
        for e in chunk:
            account = e.account or e.stmt_account
            if (
                account is not None
                and e.source_format in exc_mod.STATEMENT_FORMATS
                and account not in self.fund_accounts
            ):
                continue  # reported once per statement by the statement checks
            if e.batch_booked and e.id in parents:
                continue  # its listed parts are matched one by one
            rows.append(e)
        return rows

    def _load_for(self, rows: list[Any]) -> None:
        """The lines (and their claims) that ``rows`` can name by reference or by position."""
        refs = {e.batch_ref for e in rows if e.batch_ref is not None and e.line_seq is not None}
        # A BankLink push names its submission by reference (or, as by_submission_seq keys it, by id).
        keys = {_submission_key(e) for e in rows if e.batch_ref is None and e.line_seq is not None} - {None}
        self.lines.submissions(refs=refs | keys, ids={int(k) for k in keys if k.isdigit()})
        # Whole submissions first: entries that name a line both ways (direct-link results carry the
        # reference and the position) then need no second load of the same lines by reference.
        self.lines.by_refs(e.e2e_ref for e in rows if e.e2e_ref is not None)
        self.lines.by_ids(self.by_uetr[e.uetr] for e in rows if e.uetr in self.by_uetr)
        self._load_claims(self.idx.lines)

    def run(self) -> RunSummary:
        e_ = recon_entries.c
        parents = set(self.conn.execute(select(e_.parent_id).where(e_.parent_id.is_not(None))).scalars())
        leftovers: list[Any] = []
        # Pass 1, stage 0: exact references, a chunk of entries at a time.
        for chunk in _entry_chunks(self.conn):
            self.summary.entries += len(chunk)
            rows = self._wanted(chunk, parents)
            self._fresh_chunk()
            self._load_for(rows)
            by_id = {e.id: e for e in rows}
            keyed = [
                # BankLink pushes name the submission, not the batch reference.
                (
                    e.id,
                    e.e2e_ref,
                    e.batch_ref if e.batch_ref is not None else _submission_key(e),
                    e.line_seq,
                    e.uetr,
                )
                for e in rows
            ]
            keys_by_batch = {**self.idx.by_batch_seq, **self.idx.by_submission_seq}
            matched: set[int] = set()
            for entry_id, line_id, rule in match_exact(keyed, self.idx.by_e2e, keys_by_batch, self.by_uetr):
                matched.add(entry_id)
                e = by_id[entry_id]
                if e.uetr:
                    self.by_uetr.setdefault(e.uetr, line_id)
                self._on_exact(e, line_id, rule)
            leftovers += [e for e in rows if e.id not in matched]
        # Stage 1: UETRs learnt from matched entries let what is left join by UETR.
        self._fresh_chunk()
        self.lines.by_ids(self.by_uetr[e.uetr] for e in leftovers if e.uetr in self.by_uetr)
        self._load_claims(self.idx.lines)
        by_id = {e.id: e for e in leftovers}
        keyed = [(e.id, e.e2e_ref, e.batch_ref, e.line_seq, e.uetr) for e in leftovers if e.uetr is not None]
        matched = set()
        for entry_id, line_id, rule in match_exact(
            keyed, self.idx.by_e2e, self.idx.by_batch_seq, self.by_uetr
        ):
            matched.add(entry_id)
            self._on_exact(by_id[entry_id], line_id, rule)
        # Pass 2 and 3 for what is left.
        for e in leftovers:
            if e.id in matched:
                continue
            role = role_of(e.kind, e.status, e.direction, e.reversal)
            if role == BOOKING and e.parent_id is None and self._batch_total(e):
                continue
            if role == BOOKING:
                if not self._suggest(e):
                    self.exceptions.open(
                        exc_mod.UNKNOWN_DEBIT,
                        f"entry:{e.id}",
                        entry_id=e.id,
                        account=e.account or e.stmt_account,
                        amount_minor=e.amount_minor,
                        detail=f"debit at {e.position} names none of our lines",
                    )
            elif role == RETURN:
                self.exceptions.open(
                    exc_mod.REVERSAL_WITHOUT_ORIGINAL,
                    f"entry:{e.id}",
                    entry_id=e.id,
                    account=e.account or e.stmt_account,
                    amount_minor=e.amount_minor,
                    reason_code=e.reason_code,
                    detail=f"return or reversal at {e.position} names none of our lines",
                )
        self.count_new_matches()
        self.summary.new_exceptions = self.exceptions.added
        return self.summary

    def _on_exact(self, e: Any, line_id: int, rule: str) -> None:
        role = role_of(e.kind, e.status, e.direction, e.reversal)
        if role is None:
            return
        line = self.idx.lines[line_id]
        if not self.claim(e, line_id, role, rule):
            return
        if e.amount_minor is not None and e.amount_minor != line.amount:
            self.exceptions.open(
                exc_mod.AMOUNT_MISMATCH,
                f"entry:{e.id}",
                entry_id=e.id,
                line_id=line_id,
                batch_id=line.batch_id,
                account=line.fund_account,
                amount_minor=e.amount_minor - line.amount,
                detail=f"line {line.e2e}: bank {e.amount_minor} fen, sent {line.amount} fen",
            )
        if role == RESULT and e.status in ("REJECTED", "CANCELLED"):
            self.exceptions.note(
                exc_mod.REJECTED,
                f"line:{line_id}",
                entry_id=e.id,
                line_id=line_id,
                batch_id=line.batch_id,
                account=line.fund_account,
                amount_minor=line.amount,
                reason_code=e.reason_code,
                detail=f"line {line.e2e} rejected ({e.reason_code or e.raw_code or 'no reason'})",
            )
        if role != RETURN:
            return
        account = e.account or e.stmt_account
        elsewhere = account is not None and e.source_format in exc_mod.STATEMENT_FORMATS
        elsewhere = elsewhere and account != line.fund_account
        why = e.reason_code or e.raw_code or "no reason"
        if elsewhere:
            # The money must come back to the 支出户 it left; anywhere else is its own break.
            self.exceptions.open(
                exc_mod.RETURN_TO_OTHER_ACCOUNT,
                f"entry:{e.id}",
                entry_id=e.id,
                line_id=line_id,
                batch_id=line.batch_id,
                account=account,
                amount_minor=e.amount_minor,
                reason_code=e.reason_code,
                detail=f"return of line {line.e2e} ({why}) arrived on another account than its 支出户",
            )
            return
        self.exceptions.open(
            exc_mod.RETURNED_AFTER_SETTLEMENT,
            f"line:{line_id}",
            entry_id=e.id,
            line_id=line_id,
            batch_id=line.batch_id,
            account=line.fund_account,
            amount_minor=line.amount,
            reason_code=e.reason_code,
            detail=f"line {line.e2e} returned ({why})",
        )
        self._settle_return(e, line)

    def _settle_return(self, e: Any, line: Line) -> None:
        """The money is back on the 支出户: a PAID line becomes RETURNED, with the bank's reason, so that
        settlement counts it as returned and re-issue may pay it again. Only this move, only from PAID:
        a line the bank already reported returned stays as it is."""
        if line.state != "PAID":
            return
        code = e.reason_code or e.raw_code
        result = LineResult(
            outcome=LineOutcome.RETURNED,
            end_to_end_ref=line.e2e,
            reason=reason_of(code) if code else FailureReason.UNKNOWN,
            reason_code_list="return",
            raw_code=(code or "")[:40],
            raw_text="",
            value_date=e.value_date or e.booking_date or "",
            amount_fen=e.amount_minor,
        )
        apply_results(
            self.conn, line.submission_id, [result], principal=SYSTEM, cause="recon.statement_return"
        )
        line.state = "RETURNED"

    def _batch_total(self, e: Any) -> bool:
        """A lump debit naming one of our batches: claims its executed lines, or is a partial batch."""
        ref = e.batch_ref or e.message_ref
        if ref is None or e.line_seq is not None:
            return False
        self._fresh_chunk()  # one lump's submission at a time, not every lump's lines at once
        self.lines.submissions(refs=[ref])
        if ref not in self.idx.by_batch:
            return False
        self._load_claims(self.idx.by_batch[ref])
        line_ids = self.idx.by_batch[ref]
        failed = self._rejected(line_ids)
        executed = [lid for lid in line_ids if lid not in failed]
        expected = sum(self.idx.lines[lid].amount for lid in executed)
        if e.amount_minor != expected or (e.nb_of_txs is not None and e.nb_of_txs != len(executed)):
            line = self.idx.lines[line_ids[0]]
            self.exceptions.open(
                exc_mod.PARTIAL_BATCH,
                f"entry:{e.id}",
                entry_id=e.id,
                batch_id=line.batch_id,
                account=line.fund_account,
                amount_minor=(e.amount_minor or 0) - expected,
                detail=f"lump debit of {e.amount_minor} fen for batch {ref}; its executed lines add up to "
                f"{expected} fen over {len(executed)} line(s)",
            )
            return True
        for lid in executed:
            self.claim(e, lid, BOOKING, "BATCH_TOTAL")
        return True

    def _rejected(self, line_ids: list[int]) -> set[int]:
        """The lines a bank result rejected or cancelled (or, with no result claimed, that are FAILED).

        The claiming entries' statuses are read a chunk at a time: one query per line was most of a
        province run's reconciliation."""
        holders = {lid: self.claims.get((lid, RESULT)) for lid in line_ids}
        wanted = sorted({h for h in holders.values() if h is not None})
        status: dict[int, str] = {}
        for chunk in slices(wanted):
            status.update(
                self.conn.execute(
                    select(recon_entries.c.id, recon_entries.c.status).where(
                        one_of(self.conn, recon_entries.c.id, chunk)
                    )
                ).all()
            )
        return {
            lid
            for lid, holder in holders.items()
            if (
                self.idx.lines[lid].state == "FAILED"
                if holder is None
                else status.get(holder) in ("REJECTED", "CANCELLED")
            )
        }

    def _suggest(self, e: Any) -> bool:
        account = e.account or e.stmt_account
        day = e.booking_date or e.value_date
        if e.amount_minor is None or day is None:
            return False
        booked = date.fromisoformat(day)
        window = timedelta(days=DATE_WINDOW_DAYS)
        found = False
        for line in self._same_amount(e.amount_minor, account):
            if (line.id, BOOKING) in self.claims:
                continue
            if account is not None and line.fund_account != account:
                continue
            if line.sent_day is None or abs(line.sent_day - booked) > window:
                continue
            found = True
            if insert_ignore(
                self.conn,
                recon_suggestions,
                {"entry_id": e.id, "line_id": line.id, "state": "OPEN", "created_at": now_iso()},
            ):
                self.summary.new_suggestions += 1
        return found

    def _same_amount(self, amount: int, account: str | None) -> list[Line]:
        """Lines of exactly ``amount`` (from ``account`` when known), in ledger order, with their claims.
        Rare (a debit nothing named), so one query each instead of holding every line by amount."""
        q = self.lines._base().where(batch_lines.c.amount_fen == amount)
        if account is not None:
            q = q.where(submissions.c.fund_account == account)
        found = [
            _line(r, 0)
            for r in self.conn.execute(q.order_by(batch_lines.c.submission_id, batch_lines.c.line_number))
        ]
        self.flush()
        self._load_claims(line.id for line in found)
        return found


def _claims_by_rule(conn: Connection) -> dict[str, int]:
    m = recon_matches.c
    return dict(conn.execute(select(m.rule, func.count()).group_by(m.rule)).all())


def _submission_key(e: Any) -> str | None:
    return e.message_ref if e.source_format == "banklink_push" else None


def run(db: Database, *, today: date | None = None, cutoff_days: int = 5) -> RunSummary:
    """One reconciliation run in one transaction: matches, suggestions, then every exception check."""
    with db.write() as conn:
        return run_in(conn, today=today, cutoff_days=cutoff_days)


def run_in(
    conn: Connection,
    *,
    today: date | None = None,
    cutoff_days: int = 5,
    fund_accounts: frozenset[str] = frozenset(),
) -> RunSummary:
    """:func:`run` inside the caller's transaction. ``fund_accounts`` are the configured 支出户: known
    even before any batch paid from them (a statement of a new fund's account is not "unknown")."""
    today = today or date.today()
    r = _Run(conn, today, cutoff_days)
    r.fund_accounts |= set(fund_accounts)
    summary = r.run()
    r.flush()
    exc_mod.check_statements(conn, r.exceptions, r.fund_accounts)
    exc_mod.check_unmatched(conn, r.exceptions, today, cutoff_days)
    summary.new_exceptions = r.exceptions.added
    return summary


def confirm_suggestion(db: Database, suggestion_id: int, principal: str) -> None:
    """A person confirms a suggested match: the line is claimed as booked by that entry."""
    with db.write() as conn:
        confirm_in(conn, suggestion_id, principal)


def confirm_in(conn: Connection, suggestion_id: int, principal: str) -> int:
    """:func:`confirm_suggestion` inside the caller's transaction; returns the line now booked."""
    row = conn.execute(select(recon_suggestions).where(recon_suggestions.c.id == suggestion_id)).first()
    if row is None:
        raise NotFound(f"no match suggestion {suggestion_id}")
    if row.state != "OPEN":
        raise Conflict(f"suggestion {suggestion_id} is {row.state}")
    taken = conn.execute(
        select(recon_matches.c.id).where(
            recon_matches.c.line_id == row.line_id, recon_matches.c.role == BOOKING
        )
    ).first()
    if taken is not None:
        raise Conflict(f"the line of suggestion {suggestion_id} is already booked by another entry")
    entry = conn.execute(select(recon_entries.c.amount_minor).where(recon_entries.c.id == row.entry_id)).one()
    conn.execute(
        recon_matches.insert().values(
            line_id=row.line_id,
            role=BOOKING,
            entry_id=row.entry_id,
            rule="CONFIRMED",
            amount_minor=entry.amount_minor,
            matched_at=now_iso(),
        )
    )
    conn.execute(
        recon_suggestions.update()
        .where(recon_suggestions.c.id == suggestion_id)
        .values(state="CONFIRMED", decided_by=principal)
    )
    conn.execute(
        recon_suggestions.update()
        .where(recon_suggestions.c.entry_id == row.entry_id, recon_suggestions.c.id != suggestion_id)
        .values(state="REJECTED", decided_by=principal)
    )
    audit.append(
        conn,
        principal=principal,
        action="recon.suggestion.confirm",
        object_type="recon_suggestion",
        object_id=str(suggestion_id),
        before="OPEN",
        after="CONFIRMED",
        detail={"line_id": row.line_id, "entry_id": row.entry_id},
    )
    return row.line_id


def dismiss_in(conn: Connection, suggestion_id: int, principal: str, note: str) -> None:
    """A person says a suggestion is wrong: the entry and the line stay unmatched; audited with why."""
    if not note.strip():
        raise InvalidInput(
            "say why the suggestion is wrong (note)", "NOTE_REQUIRED", metadata={"field": "note"}
        )
    row = conn.execute(select(recon_suggestions).where(recon_suggestions.c.id == suggestion_id)).first()
    if row is None:
        raise NotFound(f"no match suggestion {suggestion_id}")
    if row.state != "OPEN":
        raise Conflict(f"suggestion {suggestion_id} is {row.state}")
    conn.execute(
        recon_suggestions.update()
        .where(recon_suggestions.c.id == suggestion_id, recon_suggestions.c.state == "OPEN")
        .values(state="REJECTED", decided_by=principal)
    )
    audit.append(
        conn,
        principal=principal,
        action="recon.suggestion.dismiss",
        object_type="recon_suggestion",
        object_id=str(suggestion_id),
        before="OPEN",
        after="REJECTED",
        detail={"line_id": row.line_id, "entry_id": row.entry_id, "note": redact_text(note.strip())[:500]},
    )
