"""What a BankLink bank does before it can return or answer anything: pull, check, acknowledge, pay."""

from __future__ import annotations

import uuid
from pathlib import Path

from silink.banklink.v1 import banklink_pb2 as bpb

from gateway.config import load_config
from gateway.storage import Database
from tests.batches.test_banklink import _bank, _pull, _released, _root_of

__all__ = ["_bank", "_released", "acknowledge", "db_of", "push", "take_submission"]


def take_submission(stub) -> tuple[bpb.Submission, list[bpb.SubmissionLine]]:
    """The bank's first READY submission and its lines, checked against the signed root and acknowledged."""
    sub = stub.ListSubmissions(
        bpb.ListSubmissionsRequest(state=bpb.Submission.STATE_READY), timeout=30
    ).submissions[0]
    lines = _pull(stub, sub)
    acknowledge(stub, sub, lines)
    return sub, lines


def acknowledge(stub, sub: bpb.Submission, lines) -> None:
    stub.AcknowledgeSubmission(
        bpb.AcknowledgeSubmissionRequest(
            request_id=uuid.uuid4().hex,
            submission_id=sub.submission_id,
            bank_batch_reference="CCB-" + sub.submission_id[-6:],
            merkle_root=_root_of(sub, lines),
        ),
        timeout=30,
    )


def push(stub, sub: bpb.Submission, results: list[bpb.LineResult]) -> bpb.PushLineResultsResponse:
    return stub.PushLineResults(
        bpb.PushLineResultsRequest(
            request_id=uuid.uuid4().hex, submission_id=sub.submission_id, results=results
        ),
        timeout=60,
    )


def db_of(home: Path) -> Database:
    """The gateway's own database, opened beside the running server (reads only)."""
    return Database(load_config(home).database_url)
