"""Settlement: what became of every line, per batch, bank and fund; how old the unmatched items are; and
what must be done per payee.

Each released line gets one **outcome** from the reconciled evidence (not from the ledger alone):

* ``RETURNED``: a return claims it (the money came back, whatever happened before);
* ``REJECTED``: a bank result rejected or cancelled it;
* ``PAID``: a bank result settled it, or a statement debit booked it;
* ``UNMATCHED``: no evidence yet.

So for any group the outcome sums add up to what was sent: nothing is counted twice, nothing dropped.
Rejected and returned lines are also counted per **reason** (the ISO code the evidence carried, else the
ledger's failure reason).

The **payee action list** is what finance must act on, one row per payee and action:

* ``DECEASED_SUSPECTED`` (MD07, or the ledger's DECEASED): :func:`apply_payee_actions` records the person
  as deceased in the person-status feed, which holds their pending lines and every future one until a
  person decides (death holds never lift by themselves);
* ``ACCOUNT_CORRECTION`` (closed, frozen or invalid account): the account must be corrected through the
  person/account feed before the payment can be re-issued.

Nothing here carries personal data in clear: payees are named by an opaque person id (derived from the
keyed hash of their ID number) and the masked name and account the batch already stores.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection

from gateway import audit
from gateway.clock import now_iso
from gateway.domain import persons
from gateway.domain.refs import batch_ref, line_ref
from gateway.storage.tables import batch_lines, batches, person_status
from gateway.storage.tables_dispatch import submissions
from gateway.storage.tables_recon import recon_entries, recon_imports, recon_matches
from reconciliation.matcher import BOOKING, RESULT, RETURN, role_of

PAID, REJECTED, RETURNED, UNMATCHED = "PAID", "REJECTED", "RETURNED", "UNMATCHED"
OUTCOMES = (PAID, REJECTED, RETURNED, UNMATCHED)

DECEASED_SUSPECTED = "DECEASED_SUSPECTED"
ACCOUNT_CORRECTION = "ACCOUNT_CORRECTION"
ACTION_TEXT = {
    DECEASED_SUSPECTED: "payee reported deceased: payments held until the death is confirmed or refuted",
    ACCOUNT_CORRECTION: "account correction needed before the payment is re-issued",
}
# The person status a bank's MD07 records. The feed has no separate "suspected" status; DECEASED holds
# every payment and never lifts by itself, which is what a suspicion needs. The source says it is the
# bank's word, not a death register's.
PERSON_STATUS_FOR_DECEASED = "DECEASED"
PERSON_STATUS_SOURCE = "bank return MD07 (deceased suspected)"

DECEASED_CODES = frozenset({"MD07", "DECEASED"})
ACCOUNT_CODES = frozenset(
    {"AC04", "AC06", "AC01", "AC03", "ACCOUNT_CLOSED", "ACCOUNT_FROZEN", "ACCOUNT_INVALID"}
)
REASON_TEXT = {
    "AC01": "incorrect account number",
    "AC03": "invalid creditor account",
    "AC04": "account closed",
    "AC06": "account frozen / blocked",
    "AM05": "duplicate payment",
    "BE01": "name does not match the account",
    "MD07": "payee deceased",
    "AG01": "transaction forbidden on this account",
    "NARR": "see bank text",
}

# Ageing buckets of unmatched items, in whole days since sent (lines) or booked (bank entries).
AGEING_BUCKETS = ((0, 2, "0–2 days"), (3, 7, "3–7 days"), (8, 30, "8–30 days"), (31, None, "over 30 days"))


@dataclass
class Totals:
    count: int = 0
    minor: int = 0

    def add(self, amount: int) -> None:
        self.count += 1
        self.minor += amount

    def as_json(self) -> dict[str, int]:
        return {"count": self.count, "minor": self.minor}


@dataclass
class GroupSettlement:
    """One batch, bank or fund: what was sent, and its outcomes and reasons."""

    group: str  # "batch" | "bank" | "fund"
    key: str  # B00000012 | bank code | fund code
    label: str
    sent: Totals = field(default_factory=Totals)
    by_state: dict[str, Totals] = field(default_factory=dict)
    by_reason: dict[str, Totals] = field(default_factory=dict)

    def add(self, outcome: str, reason: str | None, amount: int) -> None:
        self.sent.add(amount)
        self.by_state.setdefault(outcome, Totals()).add(amount)
        if reason is not None:
            self.by_reason.setdefault(reason, Totals()).add(amount)

    def state(self, outcome: str) -> Totals:
        return self.by_state.get(outcome, Totals())

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "key": self.key,
            "label": self.label,
            "sent": self.sent.as_json(),
            "by_state": {k: v.as_json() for k, v in sorted(self.by_state.items())},
            "by_reason": {k: v.as_json() for k, v in sorted(self.by_reason.items())},
        }


@dataclass
class AgeingBucket:
    label: str
    min_days: int
    max_days: int | None
    internal: Totals = field(default_factory=Totals)  # our lines with no evidence
    bank: Totals = field(default_factory=Totals)  # bank entries that name none of our lines

    def holds(self, days: int) -> bool:
        return days >= self.min_days and (self.max_days is None or days <= self.max_days)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "min_days": self.min_days,
            "max_days": self.max_days,
            "internal": self.internal.as_json(),
            "bank": self.bank.as_json(),
        }


@dataclass
class PayeeAction:
    """One payee, one thing to do. ``person_id`` is opaque; the rest is masked as the batch stores it."""

    action: str
    person_id: str
    name_masked: str
    account_masked: str
    bank_code: str
    reason_code: str
    line_refs: list[str] = field(default_factory=list)
    e2e_refs: list[str] = field(default_factory=list)
    amount_minor: int = 0
    id_hash: bytes = field(default=b"", repr=False)  # the person-status key; never shown

    @property
    def text(self) -> str:
        return ACTION_TEXT[self.action]

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "text": self.text,
            "person_id": self.person_id,
            "name": self.name_masked,
            "account": self.account_masked,
            "bank_code": self.bank_code,
            "reason_code": self.reason_code,
            "line_refs": list(self.line_refs),
            "e2e_refs": list(self.e2e_refs),
            "amount_minor": self.amount_minor,
        }


@dataclass
class Settlement:
    as_of: str
    total: GroupSettlement
    batches: list[GroupSettlement]
    banks: list[GroupSettlement]
    funds: list[GroupSettlement]
    ageing: list[AgeingBucket]
    actions: list[PayeeAction]

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of,
            "total": self.total.as_json(),
            "batches": [g.as_json() for g in self.batches],
            "banks": [g.as_json() for g in self.banks],
            "funds": [g.as_json() for g in self.funds],
            "ageing": [b.as_json() for b in self.ageing],
            "actions": [a.as_json() for a in self.actions],
        }


def person_id(id_hash: bytes) -> str:
    """An opaque, stable payee id derived from the keyed ID hash (which itself needs the instance's key
    to be linked to an ID number); the hash is never shown as it is."""
    return "P" + hashlib.sha256(b"silink-person:" + id_hash).hexdigest()[:12].upper()


def outcome_of(evidence: dict[str, Any]) -> tuple[str, str | None]:
    """The reconciled outcome of one line and the reason code that goes with it."""
    if RETURN in evidence:
        return RETURNED, evidence[RETURN][1]
    result = evidence.get(RESULT)
    if result is not None and result[0] in ("REJECTED", "CANCELLED"):
        return REJECTED, result[1]
    if (result is not None and result[0] == "SETTLED") or BOOKING in evidence:
        return PAID, None
    return UNMATCHED, None


def _unmatched_entries(conn: Connection) -> list[tuple[int, str | None]]:
    """(amount, day) of bank entries that move money or give a verdict and claim no line of ours."""
    e = recon_entries.c
    claimed = select(recon_matches.c.entry_id)
    rows = conn.execute(
        select(
            e.id,
            e.parent_id,
            e.kind,
            e.status,
            e.direction,
            e.reversal,
            e.batch_booked,
            e.amount_minor,
            e.booking_date,
            e.value_date,
            recon_imports.c.imported_at,
        )
        .join(recon_imports, recon_imports.c.id == e.import_id)
        .where(e.id.not_in(claimed))
    ).all()
    parents = {r.parent_id for r in rows if r.parent_id is not None}
    out = []
    for r in rows:
        if r.id in parents or role_of(r.kind, r.status, r.direction, r.reversal) is None:
            continue
        out.append((r.amount_minor or 0, r.booking_date or r.value_date or r.imported_at[:10]))
    return out


# Each role's claim joined to its entry: a line has at most one claim per role (uq_recon_matches_line_role),
# so the outer joins never multiply a line and the evidence streams with it instead of being loaded first.
_CLAIMS = {
    role: (recon_matches.alias(f"m_{role}"), recon_entries.alias(f"e_{role}"))
    for role in (RESULT, BOOKING, RETURN)
}
# Rows fetched at a time: PostgreSQL streams through a server-side cursor instead of loading the result.
_STREAM_ROWS = 5_000


def _lines_query(batch_ids: list[int] | None, fund: str | None) -> Any:
    bl, b, s = batch_lines.c, batches.c, submissions.c
    evidence = []
    for role, (_m, e) in _CLAIMS.items():
        evidence += [
            e.c.id.label(f"{role}_entry"),
            e.c.status.label(f"{role}_status"),
            e.c.reason_code.label(f"{role}_reason"),
        ]
    q = (
        select(
            bl.id,
            bl.batch_id,
            bl.e2e_ref,
            bl.state,
            bl.amount_fen,
            bl.failure_reason,
            bl.id_hash,
            bl.name_masked,
            bl.account_masked,
            s.bank_code,
            s.sent_at,
            s.created_at,
            b.fund,
            b.period,
            *evidence,
        )
        .select_from(batch_lines)
        .join(submissions, s.id == bl.submission_id)
        .join(batches, b.id == bl.batch_id)
    )
    for role, (m, e) in _CLAIMS.items():
        q = q.outerjoin(m, and_(m.c.line_id == bl.id, m.c.role == role)).outerjoin(e, e.c.id == m.c.entry_id)
    q = q.order_by(bl.batch_id, bl.line_number)
    if batch_ids is not None:
        q = q.where(bl.batch_id.in_(batch_ids))
    if fund is not None:
        q = q.where(b.fund == fund)
    return q.execution_options(yield_per=_STREAM_ROWS)


def _evidence_of(r: Any) -> dict[str, tuple[str, str | None]]:
    """role → (status, reason_code) of the entries that claim the line in row ``r``."""
    m = r._mapping
    return {
        role: (m[f"{role}_status"], m[f"{role}_reason"]) for role in _CLAIMS if m[f"{role}_entry"] is not None
    }


def build_settlement(
    conn: Connection,
    *,
    as_of: date | None = None,
    batch_ids: list[int] | None = None,
    fund: str | None = None,
    bank_names: Mapping[str, str] | None = None,
) -> Settlement:
    """The settlement of every released line (or of some batches, or one fund), as of ``as_of``
    (default today) for ageing. ``bank_names`` (code → name, from the instance's bank settings) label
    the banks. Reads only, streaming: each line comes with its evidence, so memory holds the groups and
    the payee actions, never the lines (a province month is tens of millions of them)."""
    names = bank_names or {}
    as_of = as_of or date.today()
    total = GroupSettlement("total", "ALL", "all lines")
    groups: dict[tuple[str, str], GroupSettlement] = {}
    buckets = [AgeingBucket(label, lo, hi) for lo, hi, label in AGEING_BUCKETS]
    actions: dict[tuple[str, bytes], PayeeAction] = {}

    def group(kind: str, key: str, label: str) -> GroupSettlement:
        g = groups.get((kind, key))
        if g is None:
            g = groups[(kind, key)] = GroupSettlement(kind, key, label)
        return g

    for r in conn.execute(_lines_query(batch_ids, fund)):
        outcome, reason = _line_outcome(r)
        amount = r.amount_fen
        total.add(outcome, reason, amount)
        group("batch", batch_ref(r.batch_id), f"{r.fund} {r.period}").add(outcome, reason, amount)
        group("bank", r.bank_code, _bank_label(r.bank_code, names)).add(outcome, reason, amount)
        group("fund", r.fund, r.fund).add(outcome, reason, amount)
        if outcome == UNMATCHED:
            sent = (r.sent_at or r.created_at)[:10]
            _age(buckets, as_of, sent, amount, internal=True)
            continue
        _add_action(actions, r, outcome, reason)
    if batch_ids is None and fund is None:
        for amount, day in _unmatched_entries(conn):
            _age(buckets, as_of, day, amount, internal=False)
    by_kind: dict[str, list[GroupSettlement]] = defaultdict(list)
    for (kind, _key), g in sorted(groups.items()):
        by_kind[kind].append(g)
    return Settlement(
        as_of.isoformat(),
        total,
        by_kind["batch"],
        by_kind["bank"],
        by_kind["fund"],
        buckets,
        sorted(actions.values(), key=lambda a: (a.action, a.person_id)),
    )


def _bank_label(code: str, names: Mapping[str, str]) -> str:
    name = names.get(code)
    return f"{name} ({code})" if name else f"bank {code}"


def _age(buckets: list[AgeingBucket], as_of: date, day: str, amount: int, *, internal: bool) -> None:
    days = max(0, (as_of - date.fromisoformat(day)).days)
    for b in buckets:
        if b.holds(days):
            (b.internal if internal else b.bank).add(amount)
            return


def _line_outcome(r: Any) -> tuple[str, str | None]:
    outcome, reason = outcome_of(_evidence_of(r))
    if outcome in (REJECTED, RETURNED):
        reason = reason or r.failure_reason or "UNSPECIFIED"
    return outcome, reason


def _add_action(
    actions: dict[tuple[str, bytes], PayeeAction], r: Any, outcome: str, reason: str | None
) -> None:
    action = _action_for(outcome, reason, r.failure_reason)
    if action is None:
        return
    a = actions.get((action, r.id_hash))
    if a is None:
        a = actions[(action, r.id_hash)] = PayeeAction(
            action,
            person_id(r.id_hash),
            r.name_masked,
            r.account_masked,
            r.bank_code,
            reason or "",
            id_hash=r.id_hash,
        )
    a.line_refs.append(line_ref(r.id))
    a.e2e_refs.append(r.e2e_ref)
    a.amount_minor += r.amount_fen


def deceased_actions(conn: Connection) -> list[PayeeAction]:
    """The DECEASED_SUSPECTED actions of :func:`build_settlement`, without building the rest of it.

    A reconciliation run needs only these (:func:`apply_payee_actions`), and a line can give one only when
    its own failure reason or one of its claiming entries' reason codes is a deceased code; the database
    keeps to those lines, so a province month is not streamed through Python to find a few hundred. Each
    line found is then judged exactly as :func:`build_settlement` judges it."""
    bl = batch_lines.c
    named = [bl.failure_reason.in_(DECEASED_CODES)]
    named += [e.c.reason_code.in_(DECEASED_CODES) for _m, e in _CLAIMS.values()]
    actions: dict[tuple[str, bytes], PayeeAction] = {}
    for r in conn.execute(_lines_query(None, None).where(or_(*named))):
        outcome, reason = _line_outcome(r)
        if outcome != UNMATCHED:
            _add_action(actions, r, outcome, reason)
    found = [a for a in actions.values() if a.action == DECEASED_SUSPECTED]
    return sorted(found, key=lambda a: (a.action, a.person_id))


def _action_for(outcome: str, reason: str | None, failure_reason: str | None) -> str | None:
    codes = {reason, failure_reason} - {None}
    if codes & DECEASED_CODES:
        return DECEASED_SUSPECTED
    if outcome in (REJECTED, RETURNED) and codes & ACCOUNT_CODES:
        return ACCOUNT_CORRECTION
    return None


@dataclass
class ActionsApplied:
    persons_marked: int = 0  # person statuses recorded as deceased by this call
    persons_already: int = 0  # already recorded as deceased: nothing changed
    lines_held: int = 0  # pending lines of approved batches held at once


def apply_payee_actions(
    conn: Connection, actions: list[PayeeAction], *, principal: str, effective_date: date | None = None
) -> ActionsApplied:
    """Feed the deceased-suspected payees into the person-status feed, inside the caller's transaction:
    their status becomes DECEASED (source: the bank's MD07), their pending lines are held now (each hold
    audited by the person-status code), and batches approved later hold them too. Each status change is
    audited. Account corrections need a person and are left to the account feed. Running it again on the
    same actions changes nothing."""
    out = ActionsApplied()
    day = (effective_date or date.today()).isoformat()
    ps = person_status.c
    for a in actions:
        if a.action != DECEASED_SUSPECTED:
            continue
        before = conn.execute(select(ps.status).where(ps.id_hash == a.id_hash)).scalar()
        if before == PERSON_STATUS_FOR_DECEASED:
            out.persons_already += 1
            continue
        values = {
            "status": PERSON_STATUS_FOR_DECEASED,
            "effective_date": day,
            "source": PERSON_STATUS_SOURCE,
            "updated_by": principal,
            "updated_at": now_iso(),
        }
        if before is None:
            conn.execute(insert(person_status).values(id_hash=a.id_hash, **values))
        else:
            conn.execute(update(person_status).where(ps.id_hash == a.id_hash).values(**values))
        out.persons_marked += 1
        out.lines_held += persons._move_lines(
            conn, a.id_hash, "PENDING", "HELD", PERSON_STATUS_FOR_DECEASED, principal, None
        )
        audit.append(
            conn,
            principal=principal,
            action="person.status.deceased_suspected",
            object_type="person",
            object_id=a.person_id,
            before=before or "NONE",
            after=PERSON_STATUS_FOR_DECEASED,
            detail={"reason": a.reason_code, "lines": a.line_refs[:20], "source": PERSON_STATUS_SOURCE},
        )
    return out
