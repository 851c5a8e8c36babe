"""Crash test: the gateway is SIGKILLed again and again while it dispatches, then drains.

The batch is spread over four banks, one per protocol, each its own simulator process: ISO 20022 (102),
BankLink (105, it pulls), direct-link JSON (308, SM2/SM4, in parts) and fixed-width files (403, through
folders). Invariants checked afterwards (DESIGN.md 1–3), per bank: every line is final or in the manual
queue; the bank credited each line at most once; the gateway's paid count and sum equal what the bank
credited (less what still waits in the manual queue).
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from gateway.config import load_config
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from tests.batches.conftest import Api
from tests.conftest import ServerProcess
from tests.dispatch.conftest import FourBanks, check_banks_agree, set_bank_options

KILLS = 24
LINES = 20_000


def _tune(home) -> None:
    """Small submissions and short leases, so many dispatch steps happen between kills."""
    path = home / "silink.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 5000',
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 200',
    )
    text += (
        "\n[dispatch]\nlease_seconds = 2.0\nbackoff_base_seconds = 0.1\nbackoff_max_seconds = 1.0\n"
        "poll_interval_seconds = 0.3\n"
    )
    assert "chunk_size = 200" in text
    path.write_text(text, encoding="utf-8")
    set_bank_options(home, "105", chunk_size=200)
    set_bank_options(home, "308", chunk_size=200, max_lines=100)  # two parts per submission
    set_bank_options(home, "403", chunk_size=200, result_wait_seconds=180)


def test_sigkill_during_dispatch_never_pays_twice_or_loses_a_line(instance, tmp_path):
    """24 SIGKILLs (random moments and named failpoints) during a 20,000-line batch over four banks of
    four protocols: every line ends once, as each bank's ledger says."""
    _tune(instance)
    banks = FourBanks(instance, tmp_path)
    try:
        _crash_and_drain(instance, banks, tmp_path)
    finally:
        banks.stop()


def _crash_and_drain(instance, banks: FourBanks, tmp_path) -> None:
    from gateway.intake.generator import PayrollSpec, generate_payroll

    path = tmp_path / "big.csv"
    generate_payroll(path, PayrollSpec(payees=LINES, seed=71, bank_codes=FourBanks.CODES, period="2026-11"))

    quiet = ServerProcess(instance, "--workers", "0")
    officer = Api(instance, quiet.target, "officer:wang")
    approver = Api(instance, quiet.target, "approver:li")
    created = officer.submit(path)
    batch = approver.approve(created.batch)
    approver.dis.ReleaseBatch(dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=300)
    officer.close()
    approver.close()
    quiet.stop()

    # Slow banks (300 ms a request or a file) spread the work over many kills instead of a few: dispatch
    # is fast enough that at 100 ms a 20,000-line batch was done within the first third of the kills.
    for control in banks.controls().values():
        control.fault("latency", ms=300)
    rng = random.Random(7)
    failpoints = ["after_mark_sending=0.2", "before_send=0.2", "after_send=0.2", "before_record_result=0.2"]
    db = Database(load_config(instance).database_url)
    fired = 0
    progress = []
    for n in range(KILLS):
        env = {"SILINK_FAILPOINTS": failpoints[(n // 2) % len(failpoints)]} if n % 2 else {}
        os.environ.update(env)
        try:
            srv = ServerProcess(instance, "--workers", "2")
        finally:
            for k in env:
                os.environ.pop(k)
        if n % 2:
            # The named failpoint is the kill: give it time to fire (a loaded machine starts the server
            # slowly, and a fixed window then catches too few), and SIGKILL it anyway if none did.
            deadline = time.monotonic() + 5.0
            while srv.proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        else:
            time.sleep(rng.uniform(0.7, 1.6))
        if srv.proc.poll() is not None:
            fired += 1  # a named failpoint killed it first
        srv.stop(signal.SIGKILL)
        with db.read() as conn:
            progress.append(
                conn.execute(select(func.count()).where(batch_lines.c.state != "PENDING")).scalar()
            )
    db.dispose()
    # The kills landed while work was going on, and the failpoints really fired.
    assert fired >= 3, (fired, progress)
    mid_batch = sum(0 < p < created.accepted_line_count for p in progress)
    assert mid_batch >= KILLS // 3, progress

    for control in banks.controls().values():
        control.clear_faults()
    final = ServerProcess(instance, "--workers", "2")
    try:
        api = Api(instance, final.target, "auditor:sun")
        deadline = time.time() + 240
        state = None
        while time.time() < deadline:
            b = api.dis.GetBatch(dpb.GetBatchRequest(batch_id=batch.batch_id), timeout=30).batch
            state = b.state
            open_states = {
                dpb.BatchLine.STATE_PENDING,
                dpb.BatchLine.STATE_SUBMITTED,
                dpb.BatchLine.STATE_ACCEPTED,
                dpb.BatchLine.STATE_UNKNOWN,
            }
            if not any(t.state in open_states and t.line_count for t in b.line_totals):
                break
            time.sleep(1)
        api.close()
    finally:
        final.stop()
    assert state in (dpb.Batch.STATE_COMPLETED, dpb.Batch.STATE_DISPATCHING)

    db = Database(load_config(instance).database_url)
    try:
        with db.read() as conn:
            by_state = dict(
                conn.execute(select(batch_lines.c.state, func.count()).group_by(batch_lines.c.state)).all()
            )
    finally:
        db.dispose()
    assert set(by_state) <= {"PAID", "FAILED", "MANUAL"}, by_state
    assert sum(by_state.values()) == created.accepted_line_count
    per_bank = check_banks_agree(instance, banks)
    assert set(per_bank) == set(FourBanks.CODES) and all(per_bank.values()), per_bank


pytestmark = pytest.mark.timeout(900)
