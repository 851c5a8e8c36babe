"""Fault test: the bank executes then drops 10% of answers, and duplicates and reorders its results."""

from __future__ import annotations

import time

from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from adapters.simulator.client import ControlClient
from gateway.config import load_config
from gateway.intake.generator import PayrollSpec, generate_payroll
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import line_events
from tests.batches.conftest import Api
from tests.conftest import ServerProcess
from tests.dispatch.conftest import point_bank_at

LINES = 6_000


def test_dropped_duplicated_and_reordered_answers_pay_nothing_twice_and_lose_nothing(
    instance, iso_bank, tmp_path
):
    """10% execute-then-drop plus duplicated and reordered results: every line ends once, as the bank says."""
    path = instance / "silink.toml"
    text = path.read_text(encoding="utf-8").replace(
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 5000',
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 100',
    )
    assert "chunk_size = 100" in text
    path.write_text(
        text + "\n[dispatch]\nbackoff_base_seconds = 0.1\nbackoff_max_seconds = 1.0\n"
        "poll_interval_seconds = 0.3\n",
        encoding="utf-8",
    )
    point_bank_at(instance, "102", iso_bank.folder)
    control = ControlClient(iso_bank.folder)
    control.fault("drop-response", rate=0.1)
    control.fault("duplicate-results", rate=0.5)
    control.fault("reorder-results", rate=0.5)

    payroll = tmp_path / "p.csv"
    generate_payroll(payroll, PayrollSpec(payees=LINES, seed=81, banks=1, period="2026-11"))
    srv = ServerProcess(instance, "--workers", "2")
    try:
        officer, approver = (
            Api(instance, srv.target, "officer:wang"),
            Api(instance, srv.target, "approver:li"),
        )
        created = officer.submit(payroll)
        batch = approver.approve(created.batch)
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=300
        )
        deadline = time.time() + 300
        while time.time() < deadline:
            b = approver.dis.GetBatch(dpb.GetBatchRequest(batch_id=batch.batch_id), timeout=30).batch
            if b.state == dpb.Batch.STATE_COMPLETED:
                break
            time.sleep(0.5)
        assert b.state == dpb.Batch.STATE_COMPLETED
        officer.close()
        approver.close()
    finally:
        srv.stop()
    db = Database(load_config(instance).database_url)
    try:
        with db.read() as conn:
            by_state = dict(
                conn.execute(select(batch_lines.c.state, func.count()).group_by(batch_lines.c.state)).all()
            )
            # Dropped answers really happened, and were settled by inquiry rather than a resend.
            unknown = conn.execute(
                select(func.count()).select_from(line_events).where(line_events.c.to_state == "UNKNOWN")
            ).scalar()
            paid = conn.execute(
                select(func.count(), func.sum(batch_lines.c.amount_fen)).where(batch_lines.c.state == "PAID")
            ).one()
    finally:
        db.dispose()
    assert unknown > 0
    assert set(by_state) <= {"PAID", "FAILED"} and sum(by_state.values()) == created.accepted_line_count
    ledger = iso_bank.ledger()
    refs = [e["end_to_end_id"] for e in ledger["entries"] if e["state"] == "credited"]
    assert len(refs) == len(set(refs)), "a line was credited twice"
    assert (ledger["totals"]["credited_count"], ledger["totals"]["credited_fen"]) == (paid[0], int(paid[1]))
