"""The bank's detached signature on ISO 20022 answers is checked before anything in them is believed.

A gateway process and an ISO 20022 simulator process (bank 102), the bank's public key imported and named
by ``bank_verify_key``. The simulator forges answers on command (``malformed`` variants ``tampered-body``:
a failed line turned settled after signing; ``bad-signature``: signed with another key). A forged answer
changes no line, is kept in ``refused_answers`` with its evidence and audited; the submission goes to
status inquiry (never resent), and the next genuine answer settles it in agreement with the bank's ledger.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import select

from adapters.simulator.client import ControlClient
from tests.batches.conftest import Api
from tests.conftest import ServerProcess
from tests.dispatch.conftest import BankSim, _store, point_bank_at, set_bank_options


def _trust_bank_key(home: Path, sim: BankSim) -> None:
    store, db = _store(home)
    try:
        store.import_public("bank-102", Path(sim.info["bank_public_key"]).read_bytes(), "rsa-pss")
    finally:
        db.dispose()
    point_bank_at(home, "102", sim.folder)
    set_bank_options(home, "102", bank_verify_key="bank-102")
    with (home / "silink.toml").open("a", encoding="utf-8") as f:
        f.write("\n[dispatch]\nbackoff_base_seconds = 0.2\nbackoff_max_seconds = 0.5\n")
        f.write("poll_interval_seconds = 0.2\n")


def _release(srv: ServerProcess, tmp_path: Path, payees: int, seed: int) -> str:
    from gateway.intake.generator import PayrollSpec, generate_payroll

    officer = Api(srv.home, srv.target, "officer:wang")
    approver = Api(srv.home, srv.target, "approver:li")
    try:
        path = tmp_path / f"p102-{seed}.csv"
        generate_payroll(path, PayrollSpec(payees=payees, seed=seed, bank_codes=("102",), period="2026-11"))
        batch = approver.approve(officer.submit(path).batch)
        approver.dis.ReleaseBatch(
            dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=batch.batch_id), timeout=300
        )
        return batch.batch_id
    finally:
        officer.close()
        approver.close()


def _completed(srv: ServerProcess, batch_id: str, timeout: float = 90.0) -> dpb.Batch:
    api = Api(srv.home, srv.target, "approver:li")
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            b = api.dis.GetBatch(dpb.GetBatchRequest(batch_id=batch_id), timeout=30).batch
            if b.state == dpb.Batch.STATE_COMPLETED:
                return b
            time.sleep(0.3)
    finally:
        api.close()
    raise AssertionError(f"batch not completed within {timeout} s")


def _db(home: Path):
    from gateway.config import load_config
    from gateway.storage import Database

    return Database(load_config(home).database_url)


@pytest.fixture
def signed_bank(instance, tmp_path):
    sim = BankSim(tmp_path / "sim102", "102")
    _trust_bank_key(instance, sim)
    srv = ServerProcess(instance)
    yield srv, sim
    srv.stop()
    sim.stop()


def test_forged_answers_change_nothing_and_the_genuine_one_settles(signed_bank, tmp_path):
    from gateway.storage.tables import audit_log, batch_lines
    from gateway.storage.tables_dispatch import bank_evidence, line_events
    from gateway.storage.tables_dispatch_controls import refused_answers

    srv, sim = signed_bank
    control = ControlClient(sim.folder)
    # The acknowledgement and the first status report are altered after signing; then a second batch
    # gets an acknowledgement signed with a key that is not the bank's.
    control.fault("malformed", variant="tampered-body", count=2, endpoints=["submit", "status"])
    first = _completed(srv, _release(srv, tmp_path, payees=200, seed=101))
    control.fault("malformed", variant="bad-signature", count=1, endpoints=["submit"])
    second = _completed(srv, _release(srv, tmp_path, payees=50, seed=102))

    db = _db(srv.home)
    try:
        with db.read() as conn:
            refused = [
                dict(r)
                for r in conn.execute(select(refused_answers).order_by(refused_answers.c.id)).mappings()
            ]
            assert [(r["kind"], r["reason"], r["bank_code"]) for r in refused] == [
                ("submit_response", "SIGNATURE_INVALID", "102"),
                ("status_response", "SIGNATURE_INVALID", "102"),
                ("submit_response", "SIGNATURE_INVALID", "102"),
            ]
            forged = {r["evidence_id"] for r in refused}
            assert None not in forged
            kept = conn.execute(select(bank_evidence.c.kind).where(bank_evidence.c.id.in_(forged))).all()
            assert sorted(k[0] for k in kept) == ["status_response", "submit_response", "submit_response"]
            # Nothing a forged answer said was applied: no line event points at one.
            assert not conn.execute(
                select(line_events.c.id).where(line_events.c.evidence_id.in_(forged))
            ).first()
            # The forged acknowledgement left the lines unknown, and the inquiry (not a resend) settled them.
            path = {
                r[0]
                for r in conn.execute(
                    select(line_events.c.cause).join(batch_lines, batch_lines.c.id == line_events.c.line_id)
                )
            }
            assert "dispatch.unknown" in path and "bank.inquiry" in path and "bank.accepted" not in path
            audited = conn.execute(
                select(audit_log.c.action, audit_log.c.detail).where(
                    audit_log.c.action == "bank.answer_refused"
                )
            ).all()
            assert len(audited) == 3 and all("SIGNATURE_INVALID" in str(a.detail) for a in audited)
    finally:
        db.dispose()
    totals: dict[int, tuple[int, int]] = {}
    for batch in (first, second):
        for t in batch.line_totals:
            count, amount = totals.get(t.state, (0, 0))
            totals[t.state] = (count + t.line_count, amount + t.amount_fen)
    assert sum(c for c, _ in totals.values()) == 250
    assert (
        totals.get(dpb.BatchLine.STATE_FAILED, (0, 0))[0] > 0
    )  # so a forged "refused → settled" had something to forge
    ledger = sim.ledger()["totals"]
    paid = totals.get(dpb.BatchLine.STATE_PAID, (0, 0))
    failed = totals.get(dpb.BatchLine.STATE_FAILED, (0, 0))
    assert (ledger["credited_count"], ledger["credited_fen"]) == paid
    assert (ledger["rejected_count"], ledger["rejected_fen"]) == failed
    assert ledger["resends"] == 0
    assert srv.log_text().count('"dispatch.answer_forged"') == 3


def test_a_local_simulators_answers_are_checked_with_the_key_its_run_file_names(instance, tmp_path):
    """No key imported, only ``simulator_dir``: the simulator's own signing key (as its CA) is trusted."""
    from gateway.storage.tables_dispatch_controls import refused_answers

    sim = BankSim(tmp_path / "sim102", "102")
    point_bank_at(instance, "102", sim.folder)
    srv = ServerProcess(instance)
    try:
        ControlClient(sim.folder).fault("malformed", variant="bad-signature", count=1, endpoints=["submit"])
        done = _completed(srv, _release(srv, tmp_path, payees=30, seed=103), timeout=120)
        db = _db(srv.home)
        try:
            with db.read() as conn:
                reasons = [r[0] for r in conn.execute(select(refused_answers.c.reason))]
        finally:
            db.dispose()
    finally:
        srv.stop()
        sim.stop()
    assert reasons == ["SIGNATURE_INVALID"]
    assert sum(t.line_count for t in done.line_totals) == 30
