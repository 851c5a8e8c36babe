"""Dispatch end to end to the Chinese protocols: a direct-link bank (SM2/SM4 JSON over HTTPS, parts) and a
folder bank (signed GBK/GB18030 files), each its own simulator process, through `silink serve`."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time

import pytest
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import func, select

from adapters.simulator.client import ControlClient
from gateway.config import load_config
from gateway.intake.generator import PayrollSpec, generate_payroll
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_bankfiles import bank_files
from gateway.storage.tables_dispatch import bank_evidence, submissions
from tests.batches.conftest import Api
from tests.conftest import REPO, ServerProcess
from tests.dispatch.conftest import _store, set_bank_options, start_cn_bank

OPEN = ("PENDING", "SUBMITTED", "ACCEPTED", "UNKNOWN")
FAST = (
    "\n[dispatch]\nbackoff_base_seconds = 0.1\nbackoff_max_seconds = 0.5\npoll_interval_seconds = 0.3\n"
    "lease_seconds = 10.0\n"
)


def _release(home, srv, payroll):
    officer, approver = Api(home, srv.target, "officer:wang"), Api(home, srv.target, "approver:li")
    try:
        created = officer.submit(payroll)
        batch = approver.approve(created.batch)
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id="r", batch_id=batch.batch_id), timeout=300
        )
    finally:
        officer.close()
        approver.close()
    return created


def _drain(db: Database, timeout: float) -> dict[str, int]:
    """Wait until no line is open any more; the count of lines per state."""
    deadline = time.time() + timeout
    while True:
        with db.read() as conn:
            by_state = dict(
                conn.execute(select(batch_lines.c.state, func.count()).group_by(batch_lines.c.state)).all()
            )
        if not set(by_state) & set(OPEN) or time.time() > deadline:
            return by_state
        time.sleep(0.5)


def _lines(db: Database, bank: str) -> dict[str, tuple[str, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(batch_lines.c.e2e_ref, batch_lines.c.state, batch_lines.c.amount_fen)
            .join(submissions, submissions.c.id == batch_lines.c.submission_id)
            .where(submissions.c.bank_code == bank)
        ).all()
    return {r.e2e_ref: (r.state, r.amount_fen) for r in rows}


def _agree(gateway: dict[str, tuple[str, int]], ledger: dict) -> None:
    """Each line the gateway calls PAID the bank credited once, each FAILED it refused; MANUAL is open."""
    credited = [e["end_to_end_id"] for e in ledger["entries"] if e["state"] == "credited"]
    assert len(credited) == len(set(credited)), "a line was credited twice"
    booked = {e["end_to_end_id"]: e["state"] for e in ledger["entries"]}
    for ref, (state, _amount) in gateway.items():
        if state == "PAID":
            assert booked.get(ref) == "credited", ref
        elif state == "FAILED":
            assert booked.get(ref) == "rejected", ref
        else:
            assert state == "MANUAL", (ref, state)


def test_direct_link_and_folder_banks_pay_once_and_a_result_file_dropped_twice_applies_once(
    instance, tmp_path
):
    """Parts, dropped answers, a forged answer, duplicated and damaged result files: each line ends once,
    as each bank's ledger says, every result file's content is applied once and its bad lines are listed."""
    set_bank_options(instance, "308", max_lines=150, chunk_size=200)
    set_bank_options(instance, "403", chunk_size=300, result_wait_seconds=15)
    path = instance / "silink.toml"
    text = path.read_text(encoding="utf-8")
    # A small per-file limit in 403's profile: every submission goes as several files.
    text = text.replace(
        'incoming_dir = "exchange/403/in"\n',
        'incoming_dir = "exchange/403/in"\n'
        '[banks."403".file_profile]\nbase = "gb18030-decimal"\nmax_lines = 120\n',
        1,
    )
    path.write_text(text + FAST, encoding="utf-8")

    dl = start_cn_bank(instance, "308", "direct_link_json", tmp_path / "sim308", "--max-lines", "150")
    fw = start_cn_bank(instance, "403", "fixed_width_file", tmp_path / "sim403")
    # A folder bank has no bank port; its run file names the folders it uses (the instance's here).
    assert fw.info["port"] is None and fw.info["profile"] == "gb18030-decimal"
    assert fw.info["payroll_dir"] == str(instance / "exchange/403/out")
    srv = None
    try:
        dl_control, fw_control = ControlClient(dl.folder), ControlClient(fw.folder)
        dl_control.fault("drop-response", rate=0.3, endpoints=["submit"])
        dl_control.fault("malformed", variant="bad-signature", count=1, endpoints=["status"])
        fw_control.fault("duplicate-results", rate=1.0, endpoints=["status"])
        fw_control.fault("malformed", variant="lines", count=1, endpoints=["status"])

        payroll = tmp_path / "cn.csv"
        generate_payroll(
            payroll, PayrollSpec(payees=1500, seed=91, bank_codes=("308", "403"), period="2026-11")
        )
        srv = ServerProcess(instance, "--workers", "2")
        created = _release(instance, srv, payroll)
        db = Database(load_config(instance).database_url)
        try:
            by_state = _drain(db, 150)
            assert set(by_state) <= {"PAID", "FAILED", "MANUAL"}, by_state
            assert sum(by_state.values()) == created.accepted_line_count
            gw308, gw403 = _lines(db, "308"), _lines(db, "403")
            with db.read() as conn:
                files = [dict(r) for r in conn.execute(select(bank_files)).mappings()]
                sizes308 = [
                    r[0]
                    for r in conn.execute(
                        select(submissions.c.line_count).where(submissions.c.bank_code == "308")
                    )
                ]
                parts308 = conn.execute(
                    select(func.count(func.distinct(bank_evidence.c.content_hash))).where(
                        bank_evidence.c.bank_code == "308",
                        bank_evidence.c.direction == "out",
                        bank_evidence.c.kind == "submission",
                    )
                ).scalar()
            _agree(gw308, dl.ledger())
            _agree(gw403, fw.ledger())
        finally:
            db.dispose()
        log = srv.log_text()
    finally:
        if srv is not None:
            srv.stop()
        dl.stop()
        fw.stop()

    # Direct-link: every line final (dropped answers were settled by inquiry, the forged one refused).
    assert {s for s, _ in gw308.values()} <= {"PAID", "FAILED"} and len(gw308) > 250
    # A submission above the bank's 150 lines per request went as parts (continuation), each sent.
    needed = sum(-(-n // 150) for n in sizes308)
    assert max(sizes308) > 150 and parts308 >= needed > len(sizes308)
    assert "dispatch.answer_refused" in log and "SILINK_SIGNATURE_INVALID" in log

    # Folder bank: every result file was dropped twice; each content was applied once.
    results = [f for f in files if f["kind"] == "result"]
    applied = [f for f in results if f["outcome"] == "APPLIED"]
    duplicates = [f for f in results if f["outcome"] == "DUPLICATE"]
    assert applied and len(duplicates) >= len(applied) - 1
    assert {f["content_hash"] for f in duplicates} <= {f["content_hash"] for f in applied}
    assert all(f["lines_moved"] == 0 for f in duplicates)
    assert len({f["applied_hash"] for f in applied}) == len(applied)
    assert sum(f["lines_moved"] for f in applied) == sum(1 for s, _ in gw403.values() if s != "MANUAL")
    # The damaged file: its bad lines are listed by line and column, the rest of it was applied.
    damaged = [f for f in applied if f["line_errors"]]
    assert len(damaged) == 1, [(f["file_name"], f["line_errors"]) for f in applied]
    errors = json.loads(damaged[0]["errors"])
    assert all(e.startswith("line ") and ", column " in e for e in errors[: damaged[0]["line_errors"]])
    assert damaged[0]["lines_moved"] == damaged[0]["detail_lines"] - damaged[0]["line_errors"]
    manual = sum(1 for s, _ in gw403.values() if s == "MANUAL")
    assert manual == damaged[0]["line_errors"]  # exactly the unreadable lines wait for a person
    receipts = [f for f in files if f["kind"] == "receipt"]
    assert receipts and all(f["outcome"] == "APPLIED" for f in receipts)
    # What a person reads: `silink bankfiles list` shows the damaged file with its lines and columns.
    command = [sys.executable, "-m", "gateway.cli.main", "bankfiles", "list", "--dir", str(instance)]
    command += ["--json", "--bank", "403", "--limit", "1000"]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert shown.returncode == 0, shown.stderr
    listed = {f["file_name"]: f for f in json.loads(shown.stdout)["files"] if f["outcome"] == "APPLIED"}
    assert listed[damaged[0]["file_name"]]["errors"] == errors


def test_a_wrong_sm4_key_and_forged_result_files_are_detected(instance, tmp_path, db_url):
    """The gateway holds another SM4 key than the direct-link bank: the bank cannot read it and pays
    nothing; the folder bank signs its result files with a wrong key: every one is refused, nothing is
    applied from them. Both banks' lines end in the manual queue, the failure named."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the key checks do not depend on the database; SQLite is enough")
    set_bank_options(instance, "308", chunk_size=100)
    set_bank_options(instance, "403", chunk_size=100, result_wait_seconds=4)
    path = instance / "silink.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + FAST + "inquiry_horizon_attempts = 3\n", encoding="utf-8"
    )
    dl = start_cn_bank(instance, "308", "direct_link_json", tmp_path / "sim308")
    fw = start_cn_bank(instance, "403", "fixed_width_file", tmp_path / "sim403")
    ControlClient(fw.folder).fault("malformed", variant="bad-signature", endpoints=["status"])
    store, store_db = _store(instance)
    store.import_secret("bank-308-sm4", secrets.token_bytes(16), "sm4")  # a new version: the wrong key
    store_db.dispose()
    payroll = tmp_path / "p.csv"
    generate_payroll(payroll, PayrollSpec(payees=300, seed=93, bank_codes=("308", "403"), period="2026-11"))
    srv = ServerProcess(instance, "--workers", "1")
    try:
        created = _release(instance, srv, payroll)
        db = Database(load_config(instance).database_url)
        try:
            by_state = _drain(db, 60)
            with db.read() as conn:
                states = dict(conn.execute(select(submissions.c.bank_code, submissions.c.state)).all())
                files = [dict(r) for r in conn.execute(select(bank_files)).mappings()]
        finally:
            db.dispose()
        log = srv.log_text()
    finally:
        srv.stop()
        ledger308, ledger403 = dl.ledger(), fw.ledger()
        dl.stop()
        fw.stop()
    assert by_state == {"MANUAL": created.accepted_line_count}, by_state
    assert set(states.values()) == {"MANUAL"}
    assert ledger308["totals"]["batches"] == 0 and ledger308["totals"]["credited_count"] == 0
    assert "SILINK_DECRYPTION_FAILED" in log
    results = [f for f in files if f["kind"] == "result"]
    assert results and all(f["outcome"] == "REFUSED" and f["lines_moved"] == 0 for f in results)
    assert all("SIGNATURE_INVALID" in json.loads(f["errors"])[0] for f in results)
    assert ledger403["totals"]["credited_count"] > 0  # the bank did pay: the lines wait for a person
