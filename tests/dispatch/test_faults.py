"""Fault test: the banks execute then drop 10% of answers, and duplicate and reorder their results.

The batch is spread over four banks, one per protocol (ISO 20022, BankLink, direct-link JSON, files),
each its own simulator process. The HTTPS banks drop answers after executing and duplicate and reorder
their results; the folder bank drops some result files twice and writes some in reverse order.
"""

from __future__ import annotations

import time

from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from gateway.config import load_config
from gateway.intake.generator import PayrollSpec, generate_payroll
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_bankfiles import bank_files
from gateway.storage.tables_dispatch import line_events
from tests.batches.conftest import Api
from tests.conftest import ServerProcess
from tests.dispatch.conftest import FourBanks, check_banks_agree, set_bank_options

LINES = 6_000


def test_dropped_duplicated_and_reordered_answers_pay_nothing_twice_and_lose_nothing(instance, tmp_path):
    """10% execute-then-drop plus duplicated and reordered results (and result files dropped twice), over
    four banks of four protocols: every line ends once, as each bank says."""
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
    for code in ("105", "308", "403"):
        set_bank_options(instance, code, chunk_size=100)
    banks = FourBanks(instance, tmp_path)
    try:
        controls = banks.controls()
        for code in ("102", "308"):
            controls[code].fault("drop-response", rate=0.1)
            controls[code].fault("duplicate-results", rate=0.5)
            controls[code].fault("reorder-results", rate=0.5)
        controls["403"].fault("duplicate-results", rate=0.5)
        controls["403"].fault("reorder-results", rate=0.5)

        payroll = tmp_path / "p.csv"
        generate_payroll(
            payroll, PayrollSpec(payees=LINES, seed=81, bank_codes=FourBanks.CODES, period="2026-11")
        )
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
                    conn.execute(
                        select(batch_lines.c.state, func.count()).group_by(batch_lines.c.state)
                    ).all()
                )
                # Dropped answers really happened, and were settled by inquiry rather than a resend.
                unknown = conn.execute(
                    select(func.count()).select_from(line_events).where(line_events.c.to_state == "UNKNOWN")
                ).scalar()
                outcomes = dict(
                    conn.execute(
                        select(bank_files.c.outcome, func.count())
                        .where(bank_files.c.kind == "result")
                        .group_by(bank_files.c.outcome)
                    ).all()
                )
        finally:
            db.dispose()
        assert unknown > 0
        assert set(by_state) <= {"PAID", "FAILED"} and sum(by_state.values()) == created.accepted_line_count
        # Result files dropped twice were recognised; none of them moved a line a second time.
        assert outcomes.get("APPLIED", 0) > 0 and outcomes.get("DUPLICATE", 0) > 0, outcomes
        assert set(outcomes) <= {"APPLIED", "DUPLICATE"}, outcomes
        per_bank = check_banks_agree(instance, banks)
        assert all(per_bank[code] for code in FourBanks.CODES), per_bank
    finally:
        banks.stop()
