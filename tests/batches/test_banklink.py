"""BankLink: a bank pulls its own submissions over mTLS, checks the signed root, acks and pushes results."""

from __future__ import annotations

import json

import grpc
import pytest
from silink.banklink.v1 import banklink_pb2 as bpb
from silink.banklink.v1 import banklink_pb2_grpc
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb

from gateway.client import channel_as
from keys.canonical import canonical_row
from keys.merkle import merkle_root
from tests.batches.conftest import make_payroll


def _released(api, tmp_path, seed: int = 51, payees: int = 800) -> str:
    created = api("officer:wang").submit(make_payroll(tmp_path, payees, seed=seed))
    batch = api("approver:li").approve(created.batch)
    api("approver:li").dis.ReleaseBatch(
        dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=300
    )
    return batch.batch_id


def _bank(server, code: str):
    ch = channel_as(server.home, f"bank:{code}", target=server.target)
    return ch, banklink_pb2_grpc.BankLinkServiceStub(ch)


def _pull(stub, sub: bpb.Submission) -> list[bpb.SubmissionLine]:
    lines = []
    for chunk in stub.StreamSubmissionLines(
        bpb.StreamSubmissionLinesRequest(submission_id=sub.submission_id), timeout=60
    ):
        lines.extend(chunk.lines)
    return lines


def _root_of(sub: bpb.Submission, lines) -> bytes:
    signed = json.loads(sub.manifest.signed_payload)
    rows = [
        (
            ln.seq,
            ln.end_to_end_ref,
            sub.manifest.bank_code,
            ln.account,
            common_pb2.AccountType.Name(ln.account_type).removeprefix("ACCOUNT_TYPE_"),
            ln.name,
            common_pb2.IdType.Name(ln.id_type).removeprefix("ID_TYPE_"),
            ln.id_number,
            ln.amount_fen,
            ln.remark.split()[0],
            ln.remark.split()[1],
            signed["fund_account"],
        )
        for ln in lines
    ]
    return merkle_root((canonical_row(r) for r in rows), sub.manifest.hash_algorithm)


def test_bank_pulls_checks_root_acks_and_pushes_results(api, tmp_path, server):
    """Bank 105 sees only its own submissions, recomputes the signed root, acks, and finals the lines."""
    batch_id = _released(api, tmp_path)
    ch, stub = _bank(server, "105")
    try:
        subs = stub.ListSubmissions(bpb.ListSubmissionsRequest(), timeout=30).submissions
        assert subs and all(s.manifest.bank_code == "105" for s in subs)
        sub = subs[0]
        lines = _pull(stub, sub)
        assert len(lines) == sub.manifest.line_count
        assert sum(ln.amount_fen for ln in lines) == sub.manifest.control_sum_amount_fen
        root = _root_of(sub, lines)
        assert root == sub.manifest.merkle_root
        with pytest.raises(grpc.RpcError) as exc:
            stub.AcknowledgeSubmission(
                bpb.AcknowledgeSubmissionRequest(
                    request_id="a0", submission_id=sub.submission_id, merkle_root=b"\0" * 32
                ),
                timeout=30,
            )
        assert exc.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        acked = stub.AcknowledgeSubmission(
            bpb.AcknowledgeSubmissionRequest(
                request_id="a1",
                submission_id=sub.submission_id,
                bank_batch_reference="CCB-1",
                merkle_root=root,
            ),
            timeout=30,
        ).submission
        assert acked.state == bpb.Submission.STATE_ACKNOWLEDGED
        results = [
            bpb.LineResult(
                end_to_end_ref=ln.end_to_end_ref, outcome=bpb.LINE_OUTCOME_PAID, bank_status_code="00"
            )
            for ln in lines[2:]
        ]
        results += [
            bpb.LineResult(
                seq=ln.seq,
                outcome=bpb.LINE_OUTCOME_FAILED,
                bank_status_code="E31",
                failure_reason=common_pb2.FAILURE_REASON_ACCOUNT_CLOSED,
                raw_text="账户已销户",
            )
            for ln in lines[:2]
        ]
        pushed = stub.PushLineResults(
            bpb.PushLineResultsRequest(request_id="p1", submission_id=sub.submission_id, results=results),
            timeout=60,
        )
        assert pushed.recorded_count == len(lines)
        again = stub.PushLineResults(
            bpb.PushLineResultsRequest(request_id="p2", submission_id=sub.submission_id, results=results),
            timeout=60,
        )
        assert (again.recorded_count, again.duplicate_count) == (0, len(lines))
        done = stub.GetSubmission(
            bpb.GetSubmissionRequest(submission_id=sub.submission_id), timeout=30
        ).submission
        assert done.state == bpb.Submission.STATE_COMPLETED
    finally:
        ch.close()
    failed = api("approver:li").lines(batch_id, dpb.BatchLine.STATE_FAILED)
    assert {ln.end_to_end_ref for ln in failed} == {ln.end_to_end_ref for ln in lines[:2]}
    assert all(ln.failure_reason == common_pb2.FAILURE_REASON_ACCOUNT_CLOSED for ln in failed)


def test_a_bank_never_sees_another_banks_submission(api, tmp_path, server):
    """Bank 102 asking for bank 105's submission, or for one that does not exist, gets PERMISSION_DENIED."""
    _released(api, tmp_path, seed=52, payees=300)
    ch105, stub105 = _bank(server, "105")
    ch102, stub102 = _bank(server, "102")
    try:
        sub = stub105.ListSubmissions(bpb.ListSubmissionsRequest(), timeout=30).submissions[0]
        assert stub102.ListSubmissions(bpb.ListSubmissionsRequest(), timeout=30).submissions == []
        for ref in (sub.submission_id, "SLK999999999999"):
            with pytest.raises(grpc.RpcError) as exc:
                stub102.GetSubmission(bpb.GetSubmissionRequest(submission_id=ref), timeout=30)
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
            with pytest.raises(grpc.RpcError) as exc:
                list(
                    stub102.StreamSubmissionLines(
                        bpb.StreamSubmissionLinesRequest(submission_id=ref), timeout=30
                    )
                )
            assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    finally:
        ch105.close()
        ch102.close()
