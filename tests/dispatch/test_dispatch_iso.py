"""Dispatch end to end: release → dispatcher → ISO 20022 over HTTPS → simulator → final line states."""

from __future__ import annotations

import time

from silink.disbursement.v1 import disbursement_pb2 as dpb

from tests.batches.conftest import Api


def _wait_final(api: Api, batch_id: str, timeout: float = 120.0) -> dpb.Batch:
    deadline = time.time() + timeout
    while time.time() < deadline:
        b = api.dis.GetBatch(dpb.GetBatchRequest(batch_id=batch_id), timeout=30).batch
        if b.state == dpb.Batch.STATE_COMPLETED:
            return b
        time.sleep(0.5)
    raise AssertionError(f"batch not completed within {timeout} s")


def test_one_bank_batch_reaches_final_states_that_agree_with_the_bank(dispatching_server, iso_bank, tmp_path):
    """Every line ends PAID or FAILED, and the gateway's counts and sums equal the simulator's ledger."""
    srv = dispatching_server
    officer = Api(srv.home, srv.target, "officer:wang")
    approver = Api(srv.home, srv.target, "approver:li")
    try:
        from gateway.intake.generator import PayrollSpec, generate_payroll

        path = tmp_path / "p102.csv"
        generate_payroll(path, PayrollSpec(payees=6000, seed=61, banks=1, period="2026-11"))
        created = officer.submit(path)
        batch = approver.approve(created.batch)
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=300
        )
        done = _wait_final(approver, batch.batch_id)
    finally:
        officer.close()
        approver.close()
    totals = {t.state: (t.line_count, t.amount_fen) for t in done.line_totals}
    paid = totals.get(dpb.BatchLine.STATE_PAID, (0, 0))
    failed = totals.get(dpb.BatchLine.STATE_FAILED, (0, 0))
    assert paid[0] + failed[0] == created.accepted_line_count
    ledger = iso_bank.ledger()["totals"]
    assert (ledger["credited_count"], ledger["credited_fen"]) == paid
    assert (ledger["rejected_count"], ledger["rejected_fen"]) == failed
    assert ledger["resends"] == 0
