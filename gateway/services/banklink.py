"""BankLinkService: the partner bank's side of the gateway. Thin: scope and proto ↔ domain."""

from __future__ import annotations

import base64

from silink.banklink.v1 import banklink_pb2 as bpb
from silink.banklink.v1 import banklink_pb2_grpc
from silink.common.v1 import common_pb2

from gateway.dispatch import banklink_follow
from gateway.domain import banklink as dom
from gateway.domain import banklink_inquiries as inquiries
from gateway.domain import banklink_returns
from gateway.domain.proofs import submission_rows
from gateway.errors import InvalidInput, PermissionDenied
from gateway.server.principal import current
from gateway.services.base import AppContext, idempotent, in_thread
from gateway.services.convert import enum_value, timestamp
from gateway.services.paging import decode_token, encode_token, page_size
from keys.manifest import Manifest

_SVC = "/silink.banklink.v1.BankLinkService/"
_STATE = {
    "READY": bpb.Submission.STATE_READY,
    "ACCEPTED": bpb.Submission.STATE_ACKNOWLEDGED,
    "UNKNOWN": bpb.Submission.STATE_ACKNOWLEDGED,  # acknowledged; we are asking about some lines
    "COMPLETED": bpb.Submission.STATE_COMPLETED,
}
_STATE_FILTER = {
    bpb.Submission.STATE_READY: ("READY",),
    bpb.Submission.STATE_ACKNOWLEDGED: ("ACCEPTED", "UNKNOWN"),
    bpb.Submission.STATE_COMPLETED: ("COMPLETED",),
}
_INQUIRY_STATE = {"OPEN": bpb.StatusInquiry.STATE_OPEN, "ANSWERED": bpb.StatusInquiry.STATE_ANSWERED}
_INQUIRY_FILTER = {v: k for k, v in _INQUIRY_STATE.items()}
_RUN = 500
_MAX_ITEMS = 10_000  # per push, as the proto documents


def _bank() -> str:
    code = current().bank_code
    if not code:
        raise PermissionDenied("only a bank certificate may use BankLink", "NOT_A_BANK")
    return code


def _reason_name(value: int) -> str | None:
    return common_pb2.FailureReason.Name(value).removeprefix("FAILURE_REASON_") if value else None


def _result_dict(r: bpb.LineResult) -> dict:
    """A proto LineResult as the domain reads it (an unset outcome is "UNSPECIFIED": UNKNOWN there)."""
    return {
        "outcome": bpb.LineOutcome.Name(r.outcome).removeprefix("LINE_OUTCOME_"),
        "seq": r.seq if r.WhichOneof("line") == "seq" else None,
        "end_to_end_ref": r.end_to_end_ref if r.WhichOneof("line") == "end_to_end_ref" else None,
        "failure_reason": _reason_name(r.failure_reason),
        "bank_status_code": r.bank_status_code,
        "raw_text": r.raw_text,
        "value_date": r.value_date,
    }


def _inquiry_pb(q: dict) -> bpb.StatusInquiry:
    out = bpb.StatusInquiry(
        inquiry_id=inquiries.inquiry_ref(q["id"]),
        state=_INQUIRY_STATE.get(q["state"], 0),
        submission_id=q["submission_ref"],
        seq=q["seq"],
        our_reference=q["our_reference"],
        amount_fen=q["amount_fen"],
    )
    created = timestamp(q["created_at"])
    if created is not None:
        out.create_time.CopyFrom(created)
    return out


def _submission_pb(sub: dict) -> bpb.Submission:
    m = Manifest.from_json(sub["manifest"])
    manifest = bpb.SignedManifest(
        submission_id=m.submission_id,
        bank_code=m.bank_code,
        fund=enum_value(common_pb2.Fund, "FUND_", sub["fund"]),
        fund_account_masked=sub["fund_account"][:4] + "****" + sub["fund_account"][-4:],
        line_count=m.line_count,
        control_sum_amount_fen=m.control_sum_fen,
        merkle_root=bytes.fromhex(m.merkle_root),
        hash_algorithm=m.hash_alg,
        signature_algorithm=m.signature_alg,
        key_id=m.key_id,
        key_version=m.key_version,
        signature=base64.b64decode(m.signature),
        signed_payload=m.signed_payload(),
        nonce=m.nonce,
        requested_execution_date=sub["created_at"][:10],
    )
    created = timestamp(m.created_at)
    if created is not None:
        manifest.create_time.CopyFrom(created)
    out = bpb.Submission(
        submission_id=sub["bank_reference"],
        state=_STATE.get(sub["state"], 0),
        manifest=manifest,
        bank_batch_reference=sub["bank_batch_reference"] or "",
    )
    if sub["sent_at"]:
        out.acknowledge_time.CopyFrom(timestamp(sub["sent_at"]))
    return out


class BankLinkServicer(banklink_pb2_grpc.BankLinkServiceServicer):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def ListSubmissions(self, request: bpb.ListSubmissionsRequest, context):
        bank = _bank()
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        state = _STATE_FILTER.get(request.state) if request.state else None

        def read():
            with self.ctx.db.read() as conn:
                return dom.list_for_bank(conn, bank, state=state, after_id=after, limit=size + 1)

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return bpb.ListSubmissionsResponse(
            submissions=[_submission_pb(r) for r in rows[:size]], next_page_token=token
        )

    async def GetSubmission(self, request: bpb.GetSubmissionRequest, context):
        bank = _bank()

        def read():
            with self.ctx.db.read() as conn:
                return dom.own_submission(conn, bank, request.submission_id)

        return bpb.GetSubmissionResponse(submission=_submission_pb(await in_thread(read)))

    async def StreamSubmissionLines(self, request: bpb.StreamSubmissionLinesRequest, context):
        bank = _bank()

        def read():
            with self.ctx.db.read() as conn:
                sub = dom.own_submission(conn, bank, request.submission_id)
                return submission_rows(conn, self.ctx.protector, sub)

        rows = await in_thread(read)
        # The ID number is part of each signed line (the Merkle root covers it), so a bank that verifies
        # the root needs it; a bank whose agreement excludes it can be configured not to receive it.
        send_id = bool(self.ctx.cfg.banks.get(bank, {}).get("send_id_number", True))
        start = max(int(request.from_seq) - 1, 0)
        for i in range(start, len(rows), _RUN):
            # Clear values go only to the owning bank, over its mutual-TLS channel: it must pay them.
            yield bpb.StreamSubmissionLinesResponse(
                lines=[
                    bpb.SubmissionLine(
                        seq=r[0],
                        end_to_end_ref=r[1],
                        account=r[3],
                        account_type=enum_value(common_pb2.AccountType, "ACCOUNT_TYPE_", r[4]),
                        name=r[5],
                        amount_fen=r[8],
                        id_type=enum_value(common_pb2.IdType, "ID_TYPE_", r[6]),
                        id_number=r[7] if send_id else "",
                        remark=f"{r[9]} {r[10]}",
                    )
                    for r in rows[i : i + _RUN]
                ]
            )

    async def _once(self, method: str, request, effect) -> bytes:
        return await idempotent(self.ctx, _SVC + method, request, effect)

    async def AcknowledgeSubmission(self, request: bpb.AcknowledgeSubmissionRequest, context):
        bank = _bank()

        def effect(conn, principal):
            sub = dom.acknowledge(
                conn,
                bank,
                request.submission_id,
                request.bank_batch_reference,
                request.merkle_root,
                principal,
                result_wait_seconds=banklink_follow.result_wait_seconds(
                    bank, self.ctx.cfg.banks.get(bank) or {}
                ),
            )
            return bpb.AcknowledgeSubmissionResponse(submission=_submission_pb(sub)).SerializeToString()

        return bpb.AcknowledgeSubmissionResponse.FromString(
            await self._once("AcknowledgeSubmission", request, effect)
        )

    async def PushLineResults(self, request: bpb.PushLineResultsRequest, context):
        bank = _bank()
        results = [_result_dict(r) for r in request.results]
        raw = request.SerializeToString(deterministic=True)

        def effect(conn, principal):
            counts = dom.push_results(conn, bank, request.submission_id, results, principal, raw)
            recorded = sum(v for k, v in counts.items() if k not in ("ignored", "foreign"))
            return bpb.PushLineResultsResponse(
                recorded_count=recorded,
                duplicate_count=counts.get("ignored", 0),
                conflict_count=counts.get("foreign", 0),
            ).SerializeToString()

        return bpb.PushLineResultsResponse.FromString(await self._once("PushLineResults", request, effect))

    async def PushReturns(self, request: bpb.PushReturnsRequest, context):
        bank = _bank()
        if len(request.returns) > _MAX_ITEMS:
            raise InvalidInput(
                f"at most {_MAX_ITEMS} returns per call", "TOO_MANY_ITEMS", metadata={"field": "returns"}
            )
        items = [
            banklink_returns.ReturnIn(
                end_to_end_ref=r.end_to_end_ref,
                amount_fen=r.amount_fen,
                reason_code=r.reason_code,
                failure_reason=_reason_name(r.failure_reason),
                raw_text=r.raw_text,
                return_date=r.return_date,
                bank_reference=r.bank_reference,
                credited_account=r.credited_account,
            )
            for r in request.returns
        ]
        raw = request.SerializeToString(deterministic=True)

        def effect(conn, principal):
            out = banklink_returns.push_returns(conn, bank, items, principal, raw)
            return bpb.PushReturnsResponse(
                recorded_count=out.recorded,
                duplicate_count=out.duplicates,
                errors=[
                    common_pb2.LineError(
                        line_number=e.position,
                        field=e.field,
                        reason=e.reason,
                        value_masked=e.value,
                        message=e.message,
                    )
                    for e in out.errors
                ],
            ).SerializeToString()

        return bpb.PushReturnsResponse.FromString(await self._once("PushReturns", request, effect))

    async def ListStatusInquiries(self, request: bpb.ListStatusInquiriesRequest, context):
        bank = _bank()
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        state = _INQUIRY_FILTER.get(request.state) if request.state else None

        def read():
            with self.ctx.db.read() as conn:
                return inquiries.list_for_bank(conn, bank, state=state, after_id=after, limit=size + 1)

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return bpb.ListStatusInquiriesResponse(
            inquiries=[_inquiry_pb(r) for r in rows[:size]], next_page_token=token
        )

    async def AnswerStatusInquiry(self, request: bpb.AnswerStatusInquiryRequest, context):
        bank = _bank()
        finding = bpb.InquiryFinding.Name(request.finding).removeprefix("INQUIRY_FINDING_")
        result = _result_dict(request.result) if request.HasField("result") else None
        raw = request.SerializeToString(deterministic=True)

        def effect(conn, principal):
            q = inquiries.answer(conn, bank, request.inquiry_id, finding, result, principal, raw)
            return bpb.AnswerStatusInquiryResponse(inquiry=_inquiry_pb(q)).SerializeToString()

        return bpb.AnswerStatusInquiryResponse.FromString(
            await self._once("AnswerStatusInquiry", request, effect)
        )

    # == Card services: the bank leg of card operations (gateway/domain/cards/banklink_legs.py) ========
    # Kept as one section at the end of the class; its imports are local so this block stands alone.

    async def ListCardOperations(self, request: bpb.ListCardOperationsRequest, context):
        from gateway.domain.cards import banklink_legs

        bank = _bank()
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        banks = banklink_legs.banklink_banks(self.ctx.cfg.banks)

        def fetch():
            with self.ctx.db.write() as conn:  # listing hands the legs to the bank (sent_at)
                return banklink_legs.list_for_bank(
                    conn, self.ctx.protector, bank, banks, after_id=after, limit=size + 1
                )

        rows = await in_thread(fetch)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        # Clear holder values go only to the issuing bank, over its mutual-TLS channel: it must act on them.
        return bpb.ListCardOperationsResponse(
            operations=[_card_operation_pb(r, clear=True) for r in rows[:size]], next_page_token=token
        )

    async def AnswerCardOperation(self, request: bpb.AnswerCardOperationRequest, context):
        from silink.card.v1 import card_pb2 as cpb

        from gateway.domain.cards import banklink_legs
        from gateway.services.convert import enum_code

        bank = _bank()
        banks = banklink_legs.banklink_banks(self.ctx.cfg.banks)
        outcome = enum_code(bpb.CardOperationOutcome, "CARD_OPERATION_OUTCOME_", request.outcome, "outcome")
        state = cpb.BankAppState.Name(request.bank_app_state).removeprefix("BANK_APP_STATE_")

        def effect(conn, _principal):
            leg = banklink_legs.answer(
                conn,
                self.ctx.protector,
                bank,
                banks,
                request.reference,
                outcome,
                bank_state="" if state == "UNSPECIFIED" else state,
                reason_code=request.reason_code,
                raw_text=request.raw_text,
            )
            return bpb.AnswerCardOperationResponse(operation=_card_operation_pb(leg)).SerializeToString()

        return bpb.AnswerCardOperationResponse.FromString(
            await self._once("AnswerCardOperation", request, effect)
        )


_CARD_LEG_STATE = {"PENDING": "OPEN", "UNKNOWN": "INQUIRY", "CONFIRMED": "CONFIRMED", "FAILED": "REFUSED"}


def _card_operation_pb(leg: dict, clear: bool = False) -> bpb.BankCardOperation:
    """A card leg for its bank; ``clear`` adds the holder and account values (only when listing)."""
    from silink.card.v1 import card_pb2 as cpb

    out = bpb.BankCardOperation(
        reference=leg["reference"],
        kind=enum_value(bpb.CardOperationKind, "CARD_OPERATION_KIND_", leg["event"]),
        state=enum_value(bpb.BankCardOperation.State, "STATE_", _CARD_LEG_STATE.get(leg["state"])),
    )
    created = timestamp(leg["requested_at"])
    if created is not None:
        out.create_time.CopyFrom(created)
    if clear:
        out.card_number = leg["card_number"]
        out.id_type = enum_value(common_pb2.IdType, "ID_TYPE_", leg["id_type"])
        out.id_number = leg["id_number"]
        out.name = leg["name"]
        out.loss_kind = enum_value(cpb.LossKind, "LOSS_KIND_", leg["loss_kind"])
        out.new_account = leg["new_account"]
        out.new_account_type = enum_value(common_pb2.AccountType, "ACCOUNT_TYPE_", leg["new_account_type"])
        out.new_bank_code = leg["new_bank_code"]
        out.close_reason = enum_value(cpb.CancelReason, "CANCEL_REASON_", leg["close_reason"])
    return out
