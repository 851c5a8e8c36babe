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


def release_to_bank(api, tmp_path: Path, *, payees: int, seed: int, bank: str = "105") -> str:
    """Create, approve and release a payroll paying into ``bank`` only; returns the batch id."""
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    from gateway.intake.generator import PayrollSpec, generate_payroll

    path = tmp_path / f"p{bank}-{seed}.csv"
    generate_payroll(path, PayrollSpec(payees=payees, seed=seed, bank_codes=(bank,), period="2026-11"))
    created = api("officer:wang").submit(path)
    batch = api("approver:li").approve(created.batch)
    api("approver:li").dis.ReleaseBatch(
        dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=batch.batch_id), timeout=300
    )
    return batch.batch_id


def fast_followup(home: Path, *, result_wait_seconds: float, horizon: int = 30) -> None:
    """Seconds instead of hours: bank 105's result window and the dispatcher's inquiry backoff."""
    from tests.dispatch.conftest import set_bank_options

    set_bank_options(home, "105", result_wait_seconds=result_wait_seconds)
    with (home / "silink.toml").open("a", encoding="utf-8") as f:
        f.write(
            "\n[dispatch]\nbackoff_base_seconds = 0.2\nbackoff_max_seconds = 0.5\n"
            f"poll_interval_seconds = 0.2\ninquiry_horizon_attempts = {horizon}\n"
        )


def wait_for(what, timeout: float = 30.0, every: float = 0.2):
    """Call ``what`` until it returns something truthy; that value."""
    import time

    deadline = time.time() + timeout
    while True:
        got = what()
        if got:
            return got
        if time.time() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(every)
