"""Reconciliation rows ↔ proto messages: formats, exception kinds, imports, runs, exceptions, suggestions.

Exception kinds keep the library's names (``UNMATCHED_INTERNAL``…) inside and the API's enum outside;
the one table below is the whole mapping, and a library kind without an API value fails at import time
rather than turning into UNSPECIFIED on the wire.
"""

from __future__ import annotations

from typing import Any

from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb
from silink.reconciliation.v1 import reconciliation_pb2 as rpb

from gateway.clock import now_iso
from gateway.domain.refs import batch_ref, line_ref
from gateway.errors import InvalidInput
from gateway.services.convert import enum_value, timestamp
from reconciliation import exceptions as exc_mod
from reconciliation.entry import Direction

FORMAT_NAMES: dict[int, str] = {
    rpb.EVIDENCE_FORMAT_PAIN_002: "pain.002",
    rpb.EVIDENCE_FORMAT_CAMT_053: "camt.053",
    rpb.EVIDENCE_FORMAT_CAMT_054: "camt.054",
    rpb.EVIDENCE_FORMAT_MT940: "mt940",
    rpb.EVIDENCE_FORMAT_MT942: "mt942",
    rpb.EVIDENCE_FORMAT_DIRECT_LINK_JSON: "direct_link",
    rpb.EVIDENCE_FORMAT_FIXED_WIDTH: "fixed_width",
    rpb.EVIDENCE_FORMAT_BANKLINK_PUSH: "banklink_push",
}
FORMAT_VALUES = {name: value for value, name in FORMAT_NAMES.items()}

_KINDS: dict[str, int] = {
    exc_mod.UNMATCHED_INTERNAL: rpb.EXCEPTION_KIND_UNMATCHED_PAST_CUTOFF,
    exc_mod.UNKNOWN_DEBIT: rpb.EXCEPTION_KIND_UNKNOWN_DEBIT,
    exc_mod.AMOUNT_MISMATCH: rpb.EXCEPTION_KIND_AMOUNT_MISMATCH,
    exc_mod.DUPLICATE_CREDIT: rpb.EXCEPTION_KIND_DUPLICATE_CREDIT,
    exc_mod.DUPLICATE_ENTRY: rpb.EXCEPTION_KIND_DUPLICATE_ENTRY,
    exc_mod.REJECTED: rpb.EXCEPTION_KIND_REJECTED,
    exc_mod.RETURNED_AFTER_SETTLEMENT: rpb.EXCEPTION_KIND_RETURNED_AFTER_SETTLEMENT,
    exc_mod.REVERSAL_WITHOUT_ORIGINAL: rpb.EXCEPTION_KIND_REVERSAL_WITHOUT_ORIGINAL,
    exc_mod.UNKNOWN_ACCOUNT: rpb.EXCEPTION_KIND_STATEMENT_UNKNOWN_ACCOUNT,
    exc_mod.PARTIAL_BATCH: rpb.EXCEPTION_KIND_PARTIAL_BATCH,
    exc_mod.BALANCE_BREAK: rpb.EXCEPTION_KIND_BALANCE_BREAK,
    exc_mod.SEQUENCE_GAP: rpb.EXCEPTION_KIND_SEQUENCE_GAP,
    exc_mod.RETURN_TO_OTHER_ACCOUNT: rpb.EXCEPTION_KIND_RETURN_TO_WRONG_ACCOUNT,
    exc_mod.CONTROL_BREAK: rpb.EXCEPTION_KIND_CONTROL_BREAK,
}
_KIND_CODES = {value: name for name, value in _KINDS.items()}
assert set(_KINDS) == set(exc_mod.KINDS), "every exception kind needs an API value"

_STATES = {
    "OPEN": rpb.ReconciliationException.STATE_OPEN,
    "RESOLVED": rpb.ReconciliationException.STATE_RESOLVED,
    "CLEARED": rpb.ReconciliationException.STATE_CLEARED,
}
_STATE_CODES = {value: name for name, value in _STATES.items()}


def kind_code(value: int) -> str:
    code = _KIND_CODES.get(value)
    if code is None:
        raise InvalidInput("unknown exception kind", "FIELD_INVALID", metadata={"field": "kind"})
    return code


def kind_name(code: str) -> str:
    """The API name of a library kind, e.g. ``UNMATCHED_INTERNAL`` → ``UNMATCHED_PAST_CUTOFF``."""
    return rpb.ExceptionKind.Name(_KINDS[code])[len("EXCEPTION_KIND_") :]


def state_code(value: int) -> str:
    code = _STATE_CODES.get(value)
    if code is None:
        raise InvalidInput("unknown exception state", "FIELD_INVALID", metadata={"field": "state"})
    return code


def parse_id(text: str, field: str) -> int:
    """Reconciliation objects are named by their number."""
    if not text.strip().isdigit():
        raise InvalidInput(f"{field} must be a number", "FIELD_INVALID", metadata={"field": field})
    return int(text.strip())


def _set_time(msg: Any, field: str, iso: str | None) -> None:
    ts = timestamp(iso)
    if ts is not None:
        getattr(msg, field).CopyFrom(ts)


def evidence_summary(result: Any, outcome: Any, sha256_hex: str) -> rpb.ImportEvidenceResponse:
    """What one file said: counts and sums by direction, dates covered, the statements' balances."""
    credit = [e for e in result.entries if e.direction is Direction.CREDIT]
    debit = [e for e in result.entries if e.direction is Direction.DEBIT]
    days = sorted(d.isoformat() for e in result.entries for d in (e.value_date or e.booking_date,) if d)
    resp = rpb.ImportEvidenceResponse(
        import_id=str(outcome.import_id),
        format_detected=FORMAT_VALUES.get(result.format, rpb.EVIDENCE_FORMAT_UNSPECIFIED),
        entry_count=len(result.entries),
        credit_count=len(credit),
        credit_amount_fen=sum(e.amount_minor or 0 for e in credit),
        debit_count=len(debit),
        debit_amount_fen=sum(e.amount_minor or 0 for e in debit),
        duplicate_file=outcome.duplicate,
        file_sha256=sha256_hex,
        start_date=days[0] if days else "",
        end_date=days[-1] if days else "",
    )
    with_balances = [s for s in result.statements if s.opening is not None or s.closing is not None]
    if with_balances:
        if with_balances[0].opening is not None:
            resp.opening_balance_fen = with_balances[0].opening.amount_minor
        if with_balances[-1].closing is not None:
            resp.closing_balance_fen = with_balances[-1].closing.amount_minor
    return resp


def import_pb(r: dict[str, Any]) -> rpb.EvidenceImport:
    msg = rpb.EvidenceImport(
        import_id=str(r["id"]),
        file_name=r["file_name"],
        format=FORMAT_VALUES.get(r["format"], rpb.EVIDENCE_FORMAT_UNSPECIFIED),
        fund_account_id=r["account"] or "",
        entry_count=r["entries"],
        file_sha256=r["content_hash"].removeprefix("sha-256:"),
        importer=r["principal"],
    )
    _set_time(msg, "create_time", r["imported_at"])
    return msg


def run_pb(r: dict[str, Any]) -> rpb.ReconciliationRun:
    msg = rpb.ReconciliationRun(
        run_id=str(r["id"]),
        fund_account_id=r["account"],
        start_date=r["start_date"],
        end_date=r["end_date"],
        matched_count=r["matched_count"],
        matched_amount_fen=r["matched_minor"],
        suggestion_count=r["suggestion_count"],
        new_exception_count=r["new_exception_count"],
        open_exception_count=r["open_exception_count"],
        expected_debit_amount_fen=r["expected_debit_minor"],
        statement_debit_amount_fen=r["statement_debit_minor"],
        returned_amount_fen=r["returned_minor"],
        balanced=bool(r["balanced"]),
        initiator=r["principal"],
        persons_marked_deceased_count=r.get("persons_marked_deceased", 0),
    )
    _set_time(msg, "start_time", r["started_at"])
    _set_time(msg, "end_time", r["finished_at"])
    return msg


def exception_pb(r: dict[str, Any]) -> rpb.ReconciliationException:
    msg = rpb.ReconciliationException(
        exception_id=str(r["id"]),
        kind=_KINDS.get(r["kind"], rpb.EXCEPTION_KIND_UNSPECIFIED),
        state=_STATES.get(r["state"], rpb.ReconciliationException.STATE_UNSPECIFIED),
        fund_account_id=r.get("account_shown") or "",
        bank_code=r.get("bank_code") or "",
        batch_id=batch_ref(r["batch_id"]) if r.get("batch_id") else "",
        submission_id=str(r["submission_id"]) if r.get("submission_id") else "",
        line_id=line_ref(r["line_id"]) if r.get("line_id") else "",
        end_to_end_ref=r.get("e2e_ref") or "",
        entry_id=str(r["entry_id"]) if r.get("entry_id") else "",
        expected_amount_fen=r.get("line_amount_fen") or 0,
        observed_amount_fen=r.get("entry_amount_minor") or r.get("amount_minor") or 0,
        value_date=r.get("entry_value_date") or r.get("entry_booking_date") or "",
        detail=r["detail"],
        resolver=r.get("resolved_by") or "",
        resolution_note=r.get("note") or "",
    )
    _set_time(msg, "create_time", r["created_at"])
    _set_time(msg, "resolve_time", r.get("resolved_at"))
    return msg


def suggestion_pb(r: dict[str, Any]) -> rpb.MatchSuggestion:
    msg = rpb.MatchSuggestion(
        suggestion_id=str(r["id"]),
        entry_id=str(r["entry_id"]),
        entry_bank_reference=r.get("bank_ref") or "",
        entry_amount_fen=r.get("amount_minor") or 0,
        entry_value_date=r.get("value_date") or r.get("booking_date") or "",
        entry_account_masked=r.get("entry_account_masked") or "",
        line_id=line_ref(r["line_id"]),
        end_to_end_ref=r["e2e_ref"],
        line_amount_fen=r["amount_fen"],
        rationale="same amount on the fund account, booked within the date window of the line's sending",
    )
    _set_time(msg, "create_time", r["created_at"])
    return msg


def settlement_pb(r: dict[str, Any]) -> rpb.SettlementReport:
    msg = rpb.SettlementReport(
        rows=[
            rpb.SettlementRow(
                bank_code=row["bank_code"],
                fund=enum_value(common_pb2.Fund, "FUND_", row["fund"]),
                state=enum_value(dpb.BatchLine.State, "STATE_", row["state"]),
                failure_reason=enum_value(common_pb2.FailureReason, "FAILURE_REASON_", row["failure_reason"]),
                line_count=row["line_count"],
                amount_fen=row["amount_fen"],
            )
            for row in r["rows"]
        ],
        **{
            k: r[k]
            for k in (
                "approved_count",
                "approved_amount_fen",
                "paid_amount_fen",
                "returned_amount_fen",
                "failed_amount_fen",
                "cancelled_amount_fen",
                "in_flight_amount_fen",
                "conserved",
                "bank_paid_amount_fen",
                "agrees_with_bank",
            )
        },
    )
    _set_time(msg, "generate_time", now_iso())
    return msg
