"""Status inquiries for a BankLink bank: what the gateway does not know (UNKNOWN) it asks the bank, which
lists only its own open inquiries and answers them; an answer moves lines exactly like a result."""

from __future__ import annotations

import uuid

import grpc
import pytest
from silink.banklink.v1 import banklink_pb2 as bpb
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import select

from gateway.storage.tables_dispatch import bank_evidence, line_events, outbox
from tests.banklink.helpers import (
    _bank,
    db_of,
    push,
    release_to_bank,
    take_submission,
    wait_for,
)

OPEN = bpb.StatusInquiry.STATE_OPEN


def _open(stub) -> list[bpb.StatusInquiry]:
    return list(stub.ListStatusInquiries(bpb.ListStatusInquiriesRequest(state=OPEN), timeout=30).inquiries)


def _answer(stub, inquiry_id: str, finding=bpb.INQUIRY_FINDING_FOUND, result=None) -> bpb.StatusInquiry:
    req = bpb.AnswerStatusInquiryRequest(request_id=uuid.uuid4().hex, inquiry_id=inquiry_id, finding=finding)
    if result is not None:
        req.result.CopyFrom(result)
    return stub.AnswerStatusInquiry(req, timeout=30).inquiry


def _states(api, batch_id: str) -> dict[str, int]:
    return {ln.end_to_end_ref: ln.state for ln in api("approver:li").lines(batch_id)}


@pytest.mark.followup(result_wait_seconds=3)
def test_an_unknown_result_is_asked_about_until_a_final_answer_settles_it(api, tmp_path, server):
    batch_id = release_to_bank(api, tmp_path, payees=40, seed=81)
    ch, stub = _bank(server, "105")
    ch102, stub102 = _bank(server, "102")
    try:
        sub, lines = take_submission(stub)
        unknown, slow, rest = lines[0], lines[1], lines[2:]
        push(
            stub,
            sub,
            [bpb.LineResult(seq=unknown.seq, bank_status_code="Q7", raw_text="处理中?")]  # no outcome
            + [bpb.LineResult(seq=slow.seq, outcome=bpb.LINE_OUTCOME_ACCEPTED)]
            + [bpb.LineResult(seq=ln.seq, outcome=bpb.LINE_OUTCOME_PAID) for ln in rest],
        )
        assert _states(api, batch_id)[unknown.end_to_end_ref] == dpb.BatchLine.STATE_UNKNOWN

        # The unknown result wakes the dispatcher at once: one inquiry, about that line, for bank 105 only.
        (first,) = wait_for(lambda: _open(stub))
        assert (first.submission_id, first.seq, first.our_reference, first.amount_fen) == (
            sub.submission_id,
            unknown.seq,
            unknown.end_to_end_ref,
            unknown.amount_fen,
        )
        assert stub102.ListStatusInquiries(bpb.ListStatusInquiriesRequest(), timeout=30).inquiries == []
        for ref in (first.inquiry_id, "INQ000999999999", "not-an-id"):
            with pytest.raises(grpc.RpcError) as exc:
                _answer(stub102, ref, result=bpb.LineResult(outcome=bpb.LINE_OUTCOME_PAID))
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as exc:  # the result must be for the line asked about
            _answer(
                stub, first.inquiry_id, result=bpb.LineResult(seq=slow.seq, outcome=bpb.LINE_OUTCOME_PAID)
            )
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT

        # "Still don't know" is no success: the line stays UNKNOWN and the dispatcher asks again.
        answered = _answer(stub, first.inquiry_id, result=bpb.LineResult(bank_status_code="Q7"))
        assert answered.state == bpb.StatusInquiry.STATE_ANSWERED
        assert _states(api, batch_id)[unknown.end_to_end_ref] == dpb.BatchLine.STATE_UNKNOWN
        with pytest.raises(grpc.RpcError) as exc:
            _answer(stub, first.inquiry_id, result=bpb.LineResult(outcome=bpb.LINE_OUTCOME_PAID))
        assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        second = wait_for(lambda: [q for q in _open(stub) if q.seq == unknown.seq])[0]
        assert second.inquiry_id != first.inquiry_id
        _answer(
            stub,
            second.inquiry_id,
            result=bpb.LineResult(outcome=bpb.LINE_OUTCOME_PAID, value_date="2026-11-21"),
        )
        assert _states(api, batch_id)[unknown.end_to_end_ref] == dpb.BatchLine.STATE_PAID

        # The line the bank only accepted gets no final word within its 3 s: UNKNOWN, then asked about.
        late = wait_for(lambda: [q for q in _open(stub) if q.seq == slow.seq])[0]
        assert _states(api, batch_id)[slow.end_to_end_ref] == dpb.BatchLine.STATE_UNKNOWN
        _answer(
            stub,
            late.inquiry_id,
            result=bpb.LineResult(
                outcome=bpb.LINE_OUTCOME_FAILED,
                bank_status_code="E31",
                failure_reason=common_pb2.FAILURE_REASON_ACCOUNT_FROZEN,
            ),
        )
        done = stub.GetSubmission(bpb.GetSubmissionRequest(submission_id=sub.submission_id), timeout=30)
        assert done.submission.state == bpb.Submission.STATE_COMPLETED
    finally:
        ch.close()
        ch102.close()
    final = {ln.end_to_end_ref: ln for ln in api("approver:li").lines(batch_id)}
    assert final[slow.end_to_end_ref].failure_reason == common_pb2.FAILURE_REASON_ACCOUNT_FROZEN
    assert sum(ln.state == dpb.BatchLine.STATE_PAID for ln in final.values()) == len(lines) - 1

    db = db_of(server.home)
    try:
        with db.read() as conn:
            causes = [
                (r.from_state, r.to_state, r.cause, r.evidence_id is not None)
                for r in conn.execute(
                    select(line_events)
                    .where(line_events.c.cause.like("banklink.%"))
                    .order_by(line_events.c.id)
                )
                if r.to_state in ("UNKNOWN", "PAID", "FAILED") and r.cause != "banklink.result"
            ]
            assert causes == [
                ("UNKNOWN", "PAID", "banklink.inquiry", True),
                ("ACCEPTED", "UNKNOWN", "banklink.no_result", False),
                ("UNKNOWN", "FAILED", "banklink.inquiry", True),
            ]
            kinds = [r[0] for r in conn.execute(select(bank_evidence.c.kind).order_by(bank_evidence.c.id))]
            assert kinds.count("banklink_inquiry_answer") == 3 and kinds.count("banklink_results") == 1
    finally:
        db.dispose()
    # Followed to the end: nothing left for the dispatcher to do for this submission.
    assert wait_for(lambda: _outbox_states(server.home) == {"DONE"}, timeout=10)


def _outbox_states(home) -> set[str]:
    db = db_of(home)
    try:
        with db.read() as conn:
            return {r[0] for r in conn.execute(select(outbox.c.state))}
    finally:
        db.dispose()


@pytest.mark.followup(result_wait_seconds=3)
def test_a_submission_without_results_is_asked_about_as_a_whole(api, tmp_path, server):
    """Over 100 lines with no result in time: one inquiry about the submission; FOUND, then the results."""
    batch_id = release_to_bank(api, tmp_path, payees=150, seed=82)
    ch, stub = _bank(server, "105")
    try:
        sub, lines = take_submission(stub)
        (q,) = wait_for(lambda: _open(stub), timeout=40)
        assert (q.seq, q.our_reference, q.amount_fen) == (
            0,
            sub.submission_id,
            sub.manifest.control_sum_amount_fen,
        )
        assert set(_states(api, batch_id).values()) == {dpb.BatchLine.STATE_UNKNOWN}
        with pytest.raises(grpc.RpcError) as exc:  # a submission is answered by pushing its lines' results
            _answer(stub, q.inquiry_id, result=bpb.LineResult(outcome=bpb.LINE_OUTCOME_PAID))
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        _answer(stub, q.inquiry_id)
        push(stub, sub, [bpb.LineResult(seq=ln.seq, outcome=bpb.LINE_OUTCOME_PAID) for ln in lines])
        assert set(_states(api, batch_id).values()) == {dpb.BatchLine.STATE_PAID}
        done = stub.GetSubmission(bpb.GetSubmissionRequest(submission_id=sub.submission_id), timeout=30)
        assert done.submission.state == bpb.Submission.STATE_COMPLETED
    finally:
        ch.close()


@pytest.mark.followup(result_wait_seconds=0, horizon=3)
def test_past_the_horizon_lines_go_to_the_manual_queue_and_a_late_answer_still_counts(api, tmp_path, server):
    batch_id = release_to_bank(api, tmp_path, payees=12, seed=83)
    ch, stub = _bank(server, "105")
    try:
        sub, lines = take_submission(stub)
        push(stub, sub, [bpb.LineResult(seq=ln.seq, outcome=bpb.LINE_OUTCOME_PAID) for ln in lines[2:]])
        asked = {q.seq: q for q in wait_for(lambda: len(_open(stub)) == 2 and _open(stub))}
        assert set(asked) == {lines[0].seq, lines[1].seq}
        wait_for(
            lambda: (
                {_states(api, batch_id)[ln.end_to_end_ref] for ln in lines[:2]}
                == {dpb.BatchLine.STATE_MANUAL}
            ),
            timeout=30,
        )
        # The bank answers late: a found payment still settles; "not found" stays with a person.
        paid = bpb.LineResult(outcome=bpb.LINE_OUTCOME_PAID)
        _answer(stub, asked[lines[0].seq].inquiry_id, result=paid)
        _answer(stub, asked[lines[1].seq].inquiry_id, finding=bpb.INQUIRY_FINDING_NOT_FOUND)
    finally:
        ch.close()
    states = _states(api, batch_id)
    assert states[lines[0].end_to_end_ref] == dpb.BatchLine.STATE_PAID
    assert states[lines[1].end_to_end_ref] == dpb.BatchLine.STATE_MANUAL
