"""Proto ↔ domain conversions shared by the servicers (enum names, timestamps, batch and line views)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb

from gateway.domain.batches import BatchSummary
from gateway.domain.refs import batch_ref, line_ref
from gateway.domain.release import bank_reference
from gateway.errors import InvalidInput
from gateway.intake.records import LineError

_HOLD = {
    "SUSPENDED": dpb.HOLD_REASON_PERSON_SUSPENDED,
    "TERMINATED": dpb.HOLD_REASON_PERSON_TERMINATED,
    "UNCERTIFIED": dpb.HOLD_REASON_PERSON_UNCERTIFIED,
    "DECEASED": dpb.HOLD_REASON_PERSON_DECEASED,
    "CARD_LOST": dpb.HOLD_REASON_CARD_LOST,
}


def enum_value(enum: Any, prefix: str, code: str | None) -> int:
    """Domain code ``PENSION_EMPLOYEE`` → proto value of ``FUND_PENSION_EMPLOYEE`` (0 when unknown)."""
    if not code:
        return 0
    name = prefix + code
    return enum.Value(name) if name in enum.keys() else 0  # noqa: SIM118 - EnumTypeWrapper has no __contains__


def enum_code(enum: Any, prefix: str, value: int, field: str) -> str:
    """Proto value → domain code; UNSPECIFIED or unknown values are a precise INVALID_ARGUMENT."""
    try:
        name = enum.Name(value)
    except ValueError:
        name = ""
    if not name or name.endswith("_UNSPECIFIED"):
        raise InvalidInput(f"{field} must be set", "FIELD_REQUIRED", metadata={"field": field})
    return name[len(prefix) :]


def optional_enum_code(enum: Any, prefix: str, value: int) -> str | None:
    if not value:
        return None
    return enum.Name(value)[len(prefix) :]


def timestamp(iso: str | None) -> Timestamp | None:
    if not iso:
        return None
    ts = Timestamp()
    ts.FromDatetime(dt.datetime.fromisoformat(iso))
    return ts


def line_error_pb(e: LineError | dict[str, Any]) -> common_pb2.LineError:
    if isinstance(e, dict):
        return common_pb2.LineError(
            line_number=e["line_number"],
            field=e["field"],
            reason=e["reason"],
            value_masked=e["value_masked"],
            message=e["message"],
        )
    return common_pb2.LineError(
        line_number=e.line, field=e.field, reason=e.reason, value_masked=e.value, message=e.message
    )


def batch_pb(row: dict[str, Any], summary: BatchSummary | None = None) -> dpb.Batch:
    b = dpb.Batch(
        batch_id=batch_ref(row["id"]),
        state=dpb.Batch.State.Value("STATE_" + row["state"]),
        fund=enum_value(common_pb2.Fund, "FUND_", row["fund"]),
        period=row["period"],
        title=row["title"],
        source_file_name=row["source_name"],
        creator=row["creator"],
        approver=row["approver"] or "",
        releaser=row["releaser"] or "",
        content_hash=row["content_hash"] or "",
        content_hash_algorithm="sha256",
        line_count=row["line_count"],
        total_amount_fen=row["total_amount_fen"],
        rejected_line_count=row["rejected_count"],
        fund_account_id=row["fund"],
        fund_account_masked=row["fund_account"][:4] + "****" + row["fund_account"][-4:],
        state_reason=row["state_reason"] or "",
        reissue_of_batch_id=batch_ref(row["reissue_of"]) if row["reissue_of"] else "",
    )
    for name, key in (
        ("create_time", "created_at"),
        ("approve_time", "approved_at"),
        ("release_time", "released_at"),
        ("update_time", "updated_at"),
    ):
        ts = timestamp(row[key])
        if ts is not None:
            getattr(b, name).CopyFrom(ts)
    if summary is not None:
        for state, (count, amount) in sorted(summary.by_state.items()):
            b.line_totals.add(
                state=dpb.BatchLine.State.Value("STATE_" + state), line_count=count, amount_fen=amount
            )
        for bank, states in sorted(summary.by_bank.items()):
            for state, (count, amount) in sorted(states.items()):
                b.bank_totals.add(
                    bank_code=bank,
                    state=dpb.BatchLine.State.Value("STATE_" + state),
                    line_count=count,
                    amount_fen=amount,
                )
        for reason, (count, amount) in sorted(summary.held_by_reason.items()):
            b.hold_totals.add(hold_reason=_HOLD.get(reason, 0), line_count=count, amount_fen=amount)
    return b


def line_pb(r: dict[str, Any]) -> dpb.BatchLine:
    line = dpb.BatchLine(
        line_id=line_ref(r["id"]),
        batch_id=batch_ref(r["batch_id"]),
        line_number=r["line_number"],
        end_to_end_ref=r["e2e_ref"],
        state=dpb.BatchLine.State.Value("STATE_" + r["state"]),
        benefit=enum_value(common_pb2.Benefit, "BENEFIT_", r["benefit"]),
        period=r["period"],
        bank_code=r["bank_code"],
        amount_fen=r["amount_fen"],
        id_type=enum_value(common_pb2.IdType, "ID_TYPE_", r["id_type"]),
        id_number_masked=r["id_masked"],
        name_masked=r["name_masked"],
        account_masked=r["account_masked"],
        account_type=enum_value(common_pb2.AccountType, "ACCOUNT_TYPE_", r["account_type"]),
        region=r["region"],
        client_ref=r["client_ref"],
        hold_reason=_HOLD.get(r["hold_reason"] or "", 0),
        pull_reason=r["pull_reason"] or "",
        reissue_of=line_ref(r["reissue_of"]) if r["reissue_of"] else "",
        failure_reason=enum_value(common_pb2.FailureReason, "FAILURE_REASON_", r.get("failure_reason")),
        bank_raw_code=r.get("bank_raw_code") or "",
        bank_raw_text=r.get("bank_raw_text") or "",
        value_date=r.get("value_date") or "",
        submission_id=bank_reference(r["submission_id"]) if r.get("submission_id") else "",
    )
    ts = timestamp(r["updated_at"])
    if ts is not None:
        line.update_time.CopyFrom(ts)
    return line
