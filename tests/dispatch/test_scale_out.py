"""Scale-out: two dispatcher processes share one PostgreSQL; every submission is sent once, by one of them."""

from __future__ import annotations

import json
import time

import pytest
from silink.disbursement.v1 import disbursement_pb2 as dpb

from gateway.intake.generator import PayrollSpec, generate_payroll
from tests.batches.conftest import Api
from tests.conftest import ServerProcess
from tests.dispatch.conftest import point_bank_at

LINES = 100_000


# 100,000 lines through two processes: minutes on a busy 2-core machine, so more than the default 300 s.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_dispatcher_processes_share_the_work_and_send_each_line_once(instance, iso_bank, tmp_path):
    """100,000 lines: both dispatcher processes send submissions, none is sent twice, every line ends."""
    path = instance / "silink.toml"
    text = path.read_text(encoding="utf-8").replace(
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 5000',
        '[banks."102"]\nname = "中国工商银行"\nadapter = "iso20022"\nchunk_size = 2000',
    )
    path.write_text(text + "\n[dispatch]\npoll_interval_seconds = 0.5\n", encoding="utf-8")
    point_bank_at(instance, "102", iso_bank.folder)
    payroll = tmp_path / "big.csv"
    generate_payroll(payroll, PayrollSpec(payees=LINES, seed=91, banks=1, period="2026-11"))

    api_server = ServerProcess(instance, "--role", "api")
    workers = []
    try:
        officer, approver = (
            Api(instance, api_server.target, "officer:wang"),
            Api(instance, api_server.target, "approver:li"),
        )
        created = officer.submit(payroll)
        batch = approver.approve(created.batch)
        workers = [_dispatcher(instance) for _ in range(2)]
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=600
        )
        deadline = time.time() + 600
        while time.time() < deadline:
            b = approver.dis.GetBatch(dpb.GetBatchRequest(batch_id=batch.batch_id), timeout=30).batch
            if b.state == dpb.Batch.STATE_COMPLETED:
                break
            time.sleep(1)
        assert b.state == dpb.Batch.STATE_COMPLETED
        officer.close()
        approver.close()
    finally:
        for w in workers:
            w.stop()
        api_server.stop()
    sent: dict[str, list[str]] = {}
    for i, w in enumerate(workers):
        for line in w.log_text().splitlines():
            if line.startswith("{") and '"dispatch.sent"' in line:
                sent.setdefault(json.loads(line)["submission"], []).append(f"p{i}")
    assert len(sent) == LINES // 2000
    assert all(len(v) == 1 for v in sent.values()), "a submission was sent twice"
    assert {v[0] for v in sent.values()} == {"p0", "p1"}, "one process did all the work"
    ledger = iso_bank.ledger()["totals"]
    assert ledger["resends"] == 0
    assert ledger["credited_count"] + ledger["rejected_count"] == created.accepted_line_count


def _dispatcher(home):
    """`silink serve --role dispatcher`: workers only, no API port, so no run file to wait for."""
    import os
    import subprocess
    import sys
    import uuid

    from tests.conftest import LOG_DIR, REPO

    class Proc:
        def __init__(self) -> None:
            self.log_path = LOG_DIR / f"dispatcher-{uuid.uuid4().hex[:6]}.log"
            self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gateway.cli.main",
                    "serve",
                    "--dir",
                    str(home),
                    "--role",
                    "dispatcher",
                    "--workers",
                    "2",
                    "--metrics-listen",
                    "",
                ],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

        def stop(self) -> None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self._log.close()

        def log_text(self) -> str:
            return self.log_path.read_text(encoding="utf-8", errors="replace")

    return Proc()
