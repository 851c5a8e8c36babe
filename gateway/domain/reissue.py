"""Re-issue (重发): failed or returned payments go out again, in a NEW batch, once the account is fixed.

The rules, and why:

* Only a line whose money can no longer move is re-issued: FAILED or RETURNED (or REISSUED whose every
  re-issue was cancelled or rejected). A line that is UNKNOWN, SUBMITTED, ACCEPTED or in the manual
  queue could still be paid by its bank, so re-issuing it could pay the payee twice.
* A re-issue needs a correction: a confirmed account recorded in the payee-account registry after the
  line failed (from the person/account feed, a card service change, or given here by the officer, which
  is recorded in the registry as a FINANCE change). Sending the same payment to the same broken account
  again only fails again.
* Deceased payees and bank-declared duplicates are never re-issued.
* The new batch is VALIDATED, not approved: a second person approves it as any payroll. Its lines get new
  end-to-end references, link to the old line (``reissue_of``), and take over the payee's
  (benefit, period) claim from the old line in the same transaction, so the partial unique index still
  forbids two live payments for one slot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.clock import now_iso
from gateway.domain.batches import content_fields, open_pii, seal_pii
from gateway.domain.payee_accounts import PayeeAccount, changed_since, current_account, record_change
from gateway.domain.refs import batch_ref, e2e_prefix, e2e_ref, line_ref
from gateway.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from gateway.intake.accounts import BankResolver, normalise_account
from gateway.intake.records import ValidatedLine
from gateway.pii import mask_name, mask_number
from gateway.storage.tables import batch_lines, batches
from gateway.storage.tables_dispatch import line_events
from keys.datakey import DataProtector

REISSUABLE = ("FAILED", "RETURNED")
# States in which the bank may still pay the original: re-issuing then could pay twice.
STILL_PAYABLE = ("PENDING", "HELD", "SUBMITTED", "ACCEPTED", "UNKNOWN", "MANUAL")
NEVER_REISSUED = {"DECEASED": "the payee is reported deceased", "DUPLICATE": "the bank says it was paid"}
MAX_LINES = 10_000


@dataclass(frozen=True)
class Correction:
    """An officer-given corrected account for one line (clear: keep it inside the call)."""

    account: str
    account_type: str = "CARD"
    bank_code: str = ""

    def __repr__(self) -> str:
        return f"Correction(account={mask_number(self.account)}, bank_code={self.bank_code})"


@dataclass
class ReissueResult:
    batch_id: int
    line_count: int
    total_fen: int
    content_hash: str
    # Lines of a whole-batch selection left out, by why (e.g. NO_CORRECTION: 3).
    skipped: dict[str, int] = field(default_factory=dict)


def _fail(message: str, reason: str, line_id: int, cls: type = InvalidTransition) -> Exception:
    return cls(message, reason, metadata={"line_id": line_ref(line_id)})


def _has_live_reissue(conn: Connection, line_id: int) -> bool:
    c = batch_lines.c
    row = conn.execute(select(c.id).where(c.reissue_of == line_id, c.state != "CANCELLED").limit(1)).first()
    return row is not None


def _check_reissuable(conn: Connection, line: Mapping) -> None:
    state = line["state"]
    if state in STILL_PAYABLE:
        raise _fail(
            f"line {line_ref(line['id'])} is {state}: its bank could still pay it, so it cannot be re-issued",
            "LINE_STILL_PAYABLE",
            line["id"],
        )
    if state == "REISSUED":
        if _has_live_reissue(conn, line["id"]):
            raise _fail(
                f"line {line_ref(line['id'])} was already re-issued", "LINE_ALREADY_REISSUED", line["id"]
            )
    elif state not in REISSUABLE:
        raise _fail(
            f"line {line_ref(line['id'])} is {state}; only FAILED or RETURNED lines are re-issued",
            "LINE_NOT_REISSUABLE",
            line["id"],
        )
    why = NEVER_REISSUED.get(line["failure_reason"] or "")
    if why:
        raise _fail(
            f"line {line_ref(line['id'])} is never re-issued: {why}", "LINE_NEVER_REISSUED", line["id"]
        )


def _failed_at(conn: Connection, line: Mapping) -> str:
    """When the line reached its failed or returned state (its last move into one of them)."""
    e = line_events.c
    at = conn.execute(
        select(e.at).where(e.line_id == line["id"], e.to_state.in_(REISSUABLE)).order_by(e.id.desc()).limit(1)
    ).scalar()
    return at or line["updated_at"]


def _correction_on_file(conn: Connection, protector: DataProtector, line: Mapping) -> PayeeAccount | None:
    if not changed_since(conn, line["id_hash"], _failed_at(conn, line)):
        return None
    return current_account(conn, protector, line["id_hash"])


def _record_given(
    conn: Connection,
    protector: DataProtector,
    resolver: BankResolver | None,
    line: Mapping,
    given: Correction,
    *,
    principal: str,
    request_ref: str,
) -> PayeeAccount:
    clear = normalise_account(given.account, given.account_type)
    bank_code = given.bank_code
    if not bank_code:
        if resolver is None:
            raise InvalidInput("bank_code is required with a corrected account", "BANK_CODE_REQUIRED")
        bank_code = resolver.from_bin(clear)
    record_change(
        conn,
        protector,
        id_hash=line["id_hash"],
        account=clear,
        account_type=given.account_type,
        bank_code=bank_code,
        source="FINANCE",
        source_ref=f"reissue:{request_ref}:{line['id']}"[:80],
        principal=principal,
    )
    acc = current_account(conn, protector, line["id_hash"])
    assert acc is not None
    return acc


def _select_lines(conn: Connection, line_ids: Iterable[int]) -> list[dict]:
    ids = sorted(set(line_ids))
    if not ids:
        raise InvalidInput("no line to re-issue", "NO_LINES")
    if len(ids) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines per re-issue", "TOO_MANY_LINES")
    q = select(batch_lines).where(batch_lines.c.id.in_(ids)).order_by(batch_lines.c.id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    rows = [dict(r) for r in conn.execute(q).mappings()]
    found = {r["id"] for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("no such line", metadata={"line_id": line_ref(missing[0])})
    return rows


def _batch_candidates(conn: Connection, batch_id: int) -> list[dict]:
    if conn.execute(select(batches.c.id).where(batches.c.id == batch_id)).first() is None:
        raise NotFound("no such batch", metadata={"batch_id": batch_ref(batch_id)})
    c = batch_lines.c
    q = (
        select(batch_lines)
        .where(c.batch_id == batch_id, c.state.in_((*REISSUABLE, "REISSUED")))
        .order_by(c.line_number)
    )
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return [dict(r) for r in conn.execute(q).mappings()]


def create_reissue(
    conn: Connection,
    protector: DataProtector,
    *,
    principal: str,
    title: str,
    request_ref: str,
    line_ids: Iterable[int] = (),
    corrections: Mapping[int, Correction] | None = None,
    all_corrected_of_batch: int | None = None,
    resolver: BankResolver | None = None,
) -> ReissueResult:
    """Build the re-issue batch inside the caller's write transaction.

    Either ``line_ids`` (every one must be re-issuable, else nothing is written) with optional
    ``corrections`` per line id, or ``all_corrected_of_batch``: every re-issuable line of that batch
    with a correction on file; the others are counted in ``skipped``.
    """
    corrections = dict(corrections or {})
    skipped: dict[str, int] = {}
    chosen: list[tuple[dict, PayeeAccount]] = []
    if all_corrected_of_batch is not None:
        for line in _batch_candidates(conn, all_corrected_of_batch):
            try:
                _check_reissuable(conn, line)
            except InvalidTransition as exc:
                skipped[exc.reason] = skipped.get(exc.reason, 0) + 1
                continue
            acc = _correction_on_file(conn, protector, line)
            if acc is None:
                skipped["NO_CORRECTION"] = skipped.get("NO_CORRECTION", 0) + 1
                continue
            chosen.append((line, acc))
        if not chosen:
            raise InvalidInput(
                "no line of the batch can be re-issued: none failed or returned with a corrected account",
                "NOTHING_TO_REISSUE",
                metadata={"batch_id": batch_ref(all_corrected_of_batch)},
            )
    else:
        for line in _select_lines(conn, line_ids):
            _check_reissuable(conn, line)
            given = corrections.get(line["id"])
            if given is not None:
                acc = _record_given(
                    conn, protector, resolver, line, given, principal=principal, request_ref=request_ref
                )
            else:
                acc = _correction_on_file(conn, protector, line)
                if acc is None:
                    raise _fail(
                        f"line {line_ref(line['id'])} has no corrected account on file since it failed; "
                        "give one or record it through the account feed first",
                        "NO_CORRECTION",
                        line["id"],
                        InvalidInput,
                    )
            chosen.append((line, acc))
    return _write_batch(conn, protector, chosen, principal=principal, title=title, skipped=skipped)


def _source_batch(conn: Connection, chosen: list[tuple[dict, PayeeAccount]]) -> dict:
    batch_ids = sorted({line["batch_id"] for line, _ in chosen})
    rows = [dict(r) for r in conn.execute(select(batches).where(batches.c.id.in_(batch_ids))).mappings()]
    kinds = {(r["fund"], r["fund_account"], r["period"]) for r in rows}
    if len(kinds) != 1:
        raise InvalidInput(
            "the lines come from batches of different funds, fund accounts or periods; re-issue each apart",
            "MIXED_FUNDS",
        )
    return rows[0]


def _write_batch(
    conn: Connection,
    protector: DataProtector,
    chosen: list[tuple[dict, PayeeAccount]],
    *,
    principal: str,
    title: str,
    skipped: dict[str, int],
) -> ReissueResult:
    source = _source_batch(conn, chosen)
    now = now_iso()
    batch_id = conn.execute(
        insert(batches)
        .values(
            state="RECEIVED",
            fund=source["fund"],
            fund_account=source["fund_account"],
            period=source["period"],
            title=(title or f"re-issue of {batch_ref(source['id'])}")[:200],
            source_name=f"reissue:{batch_ref(source['id'])}",
            creator=principal,
            line_count=0,
            total_amount_fen=0,
            rejected_count=0,
            reissue_of=source["id"],
            created_at=now,
            updated_at=now,
        )
        .returning(batches.c.id)
    ).scalar_one()
    prefix = e2e_prefix(batch_id)
    digest = hashlib.sha256()
    total = 0
    rows = []
    for number, (old, acc) in enumerate(chosen, start=1):
        id_number, name, _old_account = open_pii(protector, old["e2e_ref"], old["pii"])
        ref = e2e_ref(batch_id, number, prefix)
        v = ValidatedLine(
            number,
            old["id_type"],
            id_number,
            name,
            acc.account,
            acc.account_type,
            acc.bank_code,
            old["amount_fen"],
            old["benefit"],
            source["fund"],
            old["period"],
            old["region"],
            old["client_ref"],
        )
        digest.update(
            content_fields(
                number,
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
        )
        total += v.amount_fen
        rows.append(
            {
                "batch_id": batch_id,
                "line_number": number,
                "e2e_ref": ref,
                "state": "PENDING",
                "benefit": v.benefit,
                "period": v.period,
                "id_type": v.id_type,
                "account_type": v.account_type,
                "bank_code": v.bank_code,
                "amount_fen": v.amount_fen,
                "region": v.region,
                "client_ref": v.ref,
                "id_hash": old["id_hash"],
                "account_hash": protector.blind_index(v.account),
                "pii": seal_pii(protector, ref, v),
                "id_masked": mask_number(id_number),
                "name_masked": mask_name(name),
                "account_masked": acc.account_masked,
                "claim": True,
                "reissue_of": old["id"],
                "updated_at": now,
            }
        )
    old_ids = [old["id"] for old, _ in chosen]
    # The claim moves from the old lines to the new ones: release first, then claim, in one transaction.
    conn.execute(
        update(batch_lines)
        .where(batch_lines.c.id.in_(old_ids))
        .values(state="REISSUED", claim=False, updated_at=now)
    )
    events = [
        {
            "line_id": old["id"],
            "from_state": old["state"],
            "to_state": "REISSUED",
            "cause": f"reissue:{batch_ref(batch_id)}",
            "principal": principal,
            "at": now,
        }
        for old, _ in chosen
        if old["state"] != "REISSUED"  # a second re-issue after a cancelled one: already REISSUED
    ]
    if events:
        conn.execute(insert(line_events), events)
    try:
        with conn.begin_nested():
            conn.execute(insert(batch_lines), rows)
    except IntegrityError:
        # Only the partial unique index on claimed slots can refuse these rows: the slot was
        # claimed by another batch after an earlier re-issue of this line was cancelled.
        raise Conflict(
            "a payee of these lines already has a live payment for the same benefit and period",
            "DUPLICATE_PAYMENT",
        ) from None
    content_hash = digest.hexdigest()
    conn.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(
            state="VALIDATED",
            line_count=len(rows),
            total_amount_fen=total,
            content_hash=content_hash,
            updated_at=now_iso(),
        )
    )
    audit.append(
        conn,
        principal=principal,
        action="batch.reissue",
        object_type="batch",
        object_id=batch_ref(batch_id),
        before=None,
        after="VALIDATED",
        detail={
            "reissue_of": batch_ref(source["id"]),
            "lines": len(rows),
            "total_fen": total,
            "content_hash": content_hash,
            "old_lines": [line_ref(i) for i in old_ids],
        },
    )
    return ReissueResult(batch_id, len(rows), total, content_hash, skipped)
