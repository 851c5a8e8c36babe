"""PushReturns: a partner bank returns (退票) lines it paid; only its own, once, with the mapped reason."""

from __future__ import annotations

import grpc
import pytest
from silink.banklink.v1 import banklink_pb2 as bpb
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import bank_evidence, line_events
from gateway.storage.tables_recon import recon_exceptions
from tests.banklink.helpers import _bank, _released, db_of, push, take_submission


def _returns(stub, request_id: str, items: list[bpb.ReturnItem]) -> bpb.PushReturnsResponse:
    return stub.PushReturns(bpb.PushReturnsRequest(request_id=request_id, returns=items), timeout=60)


def test_a_bank_returns_its_paid_lines_once_with_mapped_reasons(api, tmp_path, server):
    batch_id = _released(api, tmp_path, seed=71, payees=300)
    ch, stub = _bank(server, "105")
    ch102, stub102 = _bank(server, "102")
    try:
        sub, lines = take_submission(stub)
        paid, failed = lines[1:], lines[0]
        push(
            stub,
            sub,
            [bpb.LineResult(seq=ln.seq, outcome=bpb.LINE_OUTCOME_PAID) for ln in paid]
            + [bpb.LineResult(seq=failed.seq, outcome=bpb.LINE_OUTCOME_FAILED, reason_code="E31")],
        )
        closed, deceased, other_account = paid[0], paid[1], paid[2]
        items = [
            bpb.ReturnItem(  # reason from the ISO return code
                end_to_end_ref=closed.end_to_end_ref,
                amount_fen=closed.amount_fen,
                reason_code="AC04",
                raw_text="账户已销户",
                return_date="2026-11-25",
                bank_reference="RT-1",
            ),
            bpb.ReturnItem(  # reason given by the bank itself
                end_to_end_ref=deceased.end_to_end_ref,
                amount_fen=deceased.amount_fen,
                reason_code="X9",
                failure_reason=common_pb2.FAILURE_REASON_DECEASED,
                return_date="2026-11-25",
            ),
            bpb.ReturnItem(end_to_end_ref="SLK000000000000", amount_fen=100, reason_code="AC04"),
            bpb.ReturnItem(
                end_to_end_ref=paid[3].end_to_end_ref, amount_fen=paid[3].amount_fen + 1, reason_code="AC04"
            ),
            bpb.ReturnItem(
                end_to_end_ref=failed.end_to_end_ref, amount_fen=failed.amount_fen, reason_code="AC04"
            ),
            bpb.ReturnItem(
                end_to_end_ref=other_account.end_to_end_ref,
                amount_fen=other_account.amount_fen,
                reason_code="AC04",
                credited_account="6222000000000000001",
            ),
        ]
        first = _returns(stub, "ret-1", items)
        assert (first.recorded_count, first.duplicate_count) == (2, 0)
        errors = {e.line_number: (e.field, e.reason) for e in first.errors}
        assert errors == {
            3: ("end_to_end_ref", "UNKNOWN_REFERENCE"),
            4: ("amount_fen", "AMOUNT_EXCEEDS_PAID"),
            5: ("end_to_end_ref", "NOT_PAID"),
            6: ("credited_account", "RETURN_TO_OTHER_ACCOUNT"),
        }
        assert not any("6222000000000000001" in e.message + e.value_masked for e in first.errors)

        # The same request id: the stored answer. A new one: every return is already recorded.
        assert _returns(stub, "ret-1", items) == first
        again = _returns(stub, "ret-2", items[:2])
        assert (again.recorded_count, again.duplicate_count, list(again.errors)) == (0, 2, [])

        # Another bank cannot return bank 105's line, and cannot tell it from one that does not exist.
        foreign = _returns(
            stub102,
            "ret-x",
            [
                bpb.ReturnItem(end_to_end_ref=paid[4].end_to_end_ref, amount_fen=paid[4].amount_fen),
                bpb.ReturnItem(end_to_end_ref="SLK000000000000", amount_fen=paid[4].amount_fen),
            ],
        )
        assert foreign.recorded_count == 0
        mine_elsewhere, nowhere = ((e.reason, e.field, e.message) for e in foreign.errors)
        assert mine_elsewhere == nowhere == ("UNKNOWN_REFERENCE", "end_to_end_ref", nowhere[2])

        # A card channel or officer is no bank at all.
        with pytest.raises(grpc.RpcError) as exc:
            officer = api("officer:wang")
            from silink.banklink.v1 import banklink_pb2_grpc

            banklink_pb2_grpc.BankLinkServiceStub(officer.channel).PushReturns(
                bpb.PushReturnsRequest(request_id="o", returns=items[:1]), timeout=30
            )
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        ch.close()
        ch102.close()

    by_ref = {ln.end_to_end_ref: ln for ln in api("approver:li").lines(batch_id)}
    assert by_ref[closed.end_to_end_ref].state == dpb.BatchLine.STATE_RETURNED
    assert by_ref[closed.end_to_end_ref].failure_reason == common_pb2.FAILURE_REASON_ACCOUNT_CLOSED
    assert by_ref[deceased.end_to_end_ref].state == dpb.BatchLine.STATE_RETURNED
    assert by_ref[deceased.end_to_end_ref].failure_reason == common_pb2.FAILURE_REASON_DECEASED
    for ln in (paid[3], other_account, paid[4]):
        assert by_ref[ln.end_to_end_ref].state == dpb.BatchLine.STATE_PAID
    assert by_ref[failed.end_to_end_ref].state == dpb.BatchLine.STATE_FAILED

    db = db_of(server.home)
    try:
        with db.read() as conn:
            moves = conn.execute(
                select(line_events.c.cause, line_events.c.evidence_id, batch_lines.c.bank_raw_code)
                .join(batch_lines, batch_lines.c.id == line_events.c.line_id)
                .where(line_events.c.to_state == "RETURNED")
            ).all()
            assert sorted(m.bank_raw_code for m in moves) == ["AC04", "X9"]
            assert {m.cause for m in moves} == {"banklink.return"}
            (evidence_id,) = {m.evidence_id for m in moves}
            kind, body = conn.execute(
                select(bank_evidence.c.kind, bank_evidence.c.body).where(bank_evidence.c.id == evidence_id)
            ).one()
            assert kind == "banklink_returns"
            assert bpb.PushReturnsRequest.FromString(body).returns[0].bank_reference == "RT-1"
            wrong = conn.execute(
                select(func.count())
                .select_from(recon_exceptions)
                .where(recon_exceptions.c.kind == "RETURN_TO_OTHER_ACCOUNT")
            ).scalar_one()
            assert wrong == 1
    finally:
        db.dispose()
