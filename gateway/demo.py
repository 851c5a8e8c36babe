"""The narrated end-to-end demo behind `make demo` / `silink demo`.

It runs as a user would: a fresh instance folder, the gateway as a separate `silink serve` process with
mutual TLS, and every step through the real gRPC API with the demo principals' certificates.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from rich.console import Console
from silink.admin.v1 import admin_pb2, admin_pb2_grpc

from gateway.client import channel_as, describe_rpc_error
from gateway.config import load_config
from gateway.instance import init_instance
from gateway.simulators import Sim, open_store, start_keyed_bank
from gateway.simulators import point_bank as _point_bank

MARKER = ".silink-demo"
console = Console(highlight=False, width=110)


class DemoFailed(Exception):
    pass


_steps = iter(range(1, 1000))


def _step(text: str) -> None:
    console.print(f"\n[bold cyan]{next(_steps)}.[/] [bold]{text}[/]")


def _ok(text: str) -> None:
    console.print(f"   [green]✓[/] {text}")


def _fresh(home: Path) -> None:
    if home.exists():
        if not (home / MARKER).exists() and any(home.iterdir()):
            raise DemoFailed(f"{home} exists and is not a demo folder; choose another --dir")
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / MARKER).write_text("created by silink demo; removed by the next demo run\n")


class ServeProcess:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.log_path = home / "serve.log"
        run_file = home / "run" / "serve.json"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli.main",
                "serve",
                "--dir",
                str(home),
                "--listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.time() + 60
        while not run_file.exists():
            if self.proc.poll() is not None or time.time() > deadline:
                raise DemoFailed(f"the gateway did not start; see {self.log_path}")
            time.sleep(0.05)
        self.info = json.loads(run_file.read_text())

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def run_demo(home: Path, *, fresh: bool = True) -> int:
    try:
        return _run(home, fresh)
    except DemoFailed as exc:
        console.print(f"\n[bold red]demo failed:[/] {exc}")
        return 1


def _run(home: Path, fresh: bool) -> int:
    console.print(f"[bold]silink demo[/] in {home}")
    _step("Initialise an instance: config, SQLite database, development CA, master key")
    if fresh:
        _fresh(home)
    result = init_instance(home)
    _ok(f"{len(result.created)} items created (config, CA and certificates, master key, bank signing keys)")

    _step(
        "Start simulated banks, one per protocol: ICBC (102) ISO 20022 over HTTPS, CMB (308) direct-link "
        "JSON, PSBC (403) payroll files through folders (CCB, 105, connects by BankLink later)"
    )
    sims = [
        Sim(
            home,
            ["serve", "--protocol", "iso20022", "--bank", "102", "--dir", str(home / "banksim/102")],
            home / "banksim/102",
        )
    ]
    _point_bank(home, "102", home / "banksim/102")
    _ok(f"ICBC simulator on port {sims[0].info['port']} (pain.001 in, pain.002/camt.054 out, own ledger)")
    sims += _chinese_banks(home)

    _step("Start the gateway as its own process (mutual TLS on a free loopback port)")
    server = ServeProcess(home)
    try:
        _ok(
            f"pid {server.info['pid']}, port {server.info['port']}, "
            f"TLS {'on' if server.info['tls'] else 'OFF'}, "
            f"metrics on port {server.info['metrics_port']}"
        )
        _serve_steps(home, sims)
    finally:
        for sim in sims:
            sim.stop()
        _step("Stop the gateway with SIGTERM (health goes NOT_SERVING, in-flight calls drain)")
        code = server.stop()
        if code != 0:
            raise DemoFailed(f"the gateway exited with {code}; see {server.log_path}")
        _ok("stopped cleanly (exit 0)")
    console.print("\n[bold green]demo complete[/]")
    return 0


def _chinese_banks(home: Path) -> list[Sim]:
    """CMB (308, direct-link JSON) and PSBC (403, files), with the keys exchanged as with a real bank: our
    SM2 public key goes to the bank; its SM2 public key (and CMB's SM4 working key) come into our store."""
    store, db = open_store(home, "admin:zhou")
    try:
        sims = [
            start_keyed_bank(home, store, "308", "direct_link_json", ["--max-lines", "3000"]),
            start_keyed_bank(
                home,
                store,
                "403",
                "fixed_width_file",
                [
                    "--payroll-dir",
                    str(home / "exchange/403/out"),
                    "--results-dir",
                    str(home / "exchange/403/in"),
                ],
            ),
        ]
    finally:
        db.dispose()
    _point_bank(home, "308", home / "banksim/308")
    _ok(
        f"CMB simulator on port {sims[0].info['port']}: SM3withSM2-signed, SM4-encrypted JSON, "
        "batches in parts of 3,000 lines; keys exchanged (SM2 both ways, SM4 working key imported)"
    )
    _ok(
        "PSBC simulator watching exchange/403/out for signed GB18030 报盘 files, answering with signed "
        "回执/回盘 files in exchange/403/in"
    )
    return sims


def _serve_steps(home: Path, sims: list[Sim]) -> None:
    officer = channel_as(home, "officer:wang")
    _step("Health check over mTLS")
    status = health_pb2_grpc.HealthStub(officer).Check(health_pb2.HealthCheckRequest(), timeout=10).status
    if status != health_pb2.HealthCheckResponse.SERVING:
        raise DemoFailed(f"health is {status}")
    _ok("SERVING")

    _step("An authenticated call: who am I, as the disbursement officer")
    me = admin_pb2_grpc.AdminServiceStub(officer).WhoAmI(admin_pb2.WhoAmIRequest(), timeout=10)
    _ok(
        f"principal {me.principal}, roles {', '.join(me.roles)}, "
        f"certificate serial {me.certificate_serial[:12]}…"
    )

    _step("Roles are enforced before anything else: the officer may not verify the audit log")
    try:
        admin_pb2_grpc.AdminServiceStub(officer).VerifyAudit(admin_pb2.VerifyAuditRequest(), timeout=10)
        raise DemoFailed("the officer was allowed to verify the audit log")
    except grpc.RpcError as err:
        _ok(f"refused: {describe_rpc_error(err)}")

    _step("A caller without a client certificate is refused at the TLS handshake")
    cfg = load_config(home)
    anon = grpc.secure_channel(
        f"127.0.0.1:{json.loads((home / 'run' / 'serve.json').read_text())['port']}",
        grpc.ssl_channel_credentials(root_certificates=cfg.tls.ca.read_bytes()),
    )
    try:
        health_pb2_grpc.HealthStub(anon).Check(health_pb2.HealthCheckRequest(), timeout=5)
        raise DemoFailed("a caller without a certificate got an answer")
    except grpc.RpcError as err:
        _ok(f"refused: {err.code().name}")
    anon.close()

    batch, payroll = _payroll_steps(home, sims)
    from gateway.demo_recon import reconciliation_steps

    reconciliation_steps(home, batch, payroll)

    _step("The auditor verifies the audit hash chain")
    auditor = channel_as(home, "auditor:sun")
    res = admin_pb2_grpc.AdminServiceStub(auditor).VerifyAudit(admin_pb2.VerifyAuditRequest(), timeout=30)
    if not res.ok:
        raise DemoFailed(f"audit chain broken at entry {res.first_broken_entry_id}")
    _ok(f"audit chain intact ({res.entries_checked} entries)")
    auditor.close()
    officer.close()


PERIOD = "2026-11"


def _payroll_steps(home: Path, sims: list[Sim]) -> tuple[Any, Path]:
    import collections
    import time as _time
    import uuid

    from silink.disbursement.v1 import disbursement_pb2 as dpb
    from silink.disbursement.v1 import disbursement_pb2_grpc

    from gateway.cli.cmd_batch import print_batch
    from gateway.intake import validate_file
    from gateway.intake.generator import PayrollSpec, generate_payroll
    from gateway.uploads import payroll_messages

    payroll = home / f"payroll-{PERIOD}.csv"
    _step("Generate this month's employee-pension payroll: 100,000 lines, a few deliberately bad")
    summary = generate_payroll(
        payroll,
        PayrollSpec(
            payees=100_000, seed=2026, bad_rate=0.0005, period=PERIOD, bank_codes=("102", "105", "308", "403")
        ),
    )
    _ok(
        f"{summary.lines:,} lines in {payroll.name}, {summary.bad} bad of {len(summary.bad_by_reason)} kinds "
        f"({summary.seconds:.2f} s)"
    )

    _step("The person-status feed reports three payees who must not be paid")
    ids: dict[int, str] = {}
    payees: dict[int, object] = {}  # the same first lines, whole, for the card-service steps
    validate_file(
        payroll,
        on_valid=lambda v: (
            (ids.__setitem__(v.line, v.id_number), payees.__setitem__(v.line, v)) if len(ids) < 50 else None
        ),
    )
    picks = sorted(ids)
    admin = channel_as(home, "admin:zhou")
    fed = _feed(
        admin, [(ids[picks[3]], "DECEASED"), (ids[picks[7]], "SUSPENDED"), (ids[picks[11]], "CARD_LOST")]
    )
    _ok(f"{fed.applied_count} statuses recorded (deceased, suspended, card lost)")

    _step("Team lead Chen (officer and approver roles) uploads the payroll over the gRPC stream")
    lead = channel_as(home, "lead:chen")
    stub = disbursement_pb2_grpc.DisbursementServiceStub(lead)
    started = _time.perf_counter()
    resp = stub.CreateBatch(
        payroll_messages(payroll, request_id=uuid.uuid4().hex, fund="PENSION_EMPLOYEE", period=PERIOD),
        timeout=3600,
    )
    elapsed = _time.perf_counter() - started
    batch = resp.batch
    _ok(
        f"{batch.batch_id}: {resp.accepted_line_count:,} lines accepted, {resp.rejected_line_count} rejected "
        f"in {elapsed:.1f} s ({(resp.accepted_line_count + resp.rejected_line_count) / elapsed:,.0f} lines/s)"
    )

    _step("Every rejected line, with its line number, field, reason and masked value")
    errors = []
    token = ""
    while True:
        page = stub.ListLineErrors(
            dpb.ListLineErrorsRequest(batch_id=batch.batch_id, page_size=500, page_token=token), timeout=60
        )
        errors.extend(page.line_errors)
        token = page.next_page_token
        if not token:
            break
    for e in errors[:8]:
        shown = f" [{e.value_masked}]" if e.value_masked else ""
        console.print(f"   line {e.line_number:>6}: {e.field} {e.reason}{shown}")
    by_reason = collections.Counter(e.reason for e in errors)
    console.print(
        f"   … {len(errors)} errors in all: " + ", ".join(f"{r} {n}" for r, n in sorted(by_reason.items()))
    )

    _step("Chen tries to approve the batch Chen created")
    try:
        stub.ApproveBatch(
            dpb.ApproveBatchRequest(
                request_id=uuid.uuid4().hex, batch_id=batch.batch_id, content_hash=batch.content_hash
            ),
            timeout=60,
        )
        raise DemoFailed("the creator approved their own batch")
    except grpc.RpcError as err:
        _ok(f"refused: {describe_rpc_error(err)}")

    _step("Approver Li reviews the content hash and approves; gated payees are held")
    approver = channel_as(home, "approver:li")
    approved = (
        disbursement_pb2_grpc.DisbursementServiceStub(approver)
        .ApproveBatch(
            dpb.ApproveBatchRequest(
                request_id=uuid.uuid4().hex, batch_id=batch.batch_id, content_hash=batch.content_hash
            ),
            timeout=600,
        )
        .batch
    )
    _ok(f"{approved.batch_id} APPROVED by {approved.approver}")
    _card_steps(home, approver, approved.batch_id, [payees[n] for n in picks[12:]])

    _step("Batch summary at approval")
    print_batch(approved, console)

    _step("CCB's BankLink client connects with its own certificate, ready to pull what is released to it")
    sims.append(
        Sim(
            home,
            [
                "pull",
                "--bank",
                "105",
                "--gateway",
                str(home),
                "--dir",
                str(home / "banksim/105"),
                "--interval",
                "0.5",
            ],
            home / "banksim/105",
        )
    )
    _ok("bank:105 polling the gateway's BankLinkService")

    _step("Approver Li releases the batch: per bank, signed submissions (Merkle root + manifest) queued")
    stub = disbursement_pb2_grpc.DisbursementServiceStub(approver)
    released = stub.ReleaseBatch(
        dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=batch.batch_id), timeout=600
    ).batch
    _ok(f"{released.batch_id} {dpb.Batch.State.Name(released.state).removeprefix('STATE_')}")

    _step(
        "Dispatch: ICBC is sent pain.001 and polled for pain.002; CMB gets SM4-encrypted batches in parts "
        "and is queried; PSBC's files are dropped and its result files picked up; CCB pulls and pushes"
    )
    started = _time.perf_counter()
    last = ""
    final = released
    for progress in stub.WatchBatch(dpb.WatchBatchRequest(batch_id=batch.batch_id), timeout=600):
        p = progress.progress
        totals = ", ".join(
            f"{dpb.BatchLine.State.Name(t.state).removeprefix('STATE_')} {t.line_count:,}"
            for t in p.line_totals
        )
        if totals != last:
            console.print(f"   {_time.perf_counter() - started:5.1f} s  {totals}")
            last = totals
        if p.state == dpb.Batch.STATE_COMPLETED:
            break
    final = stub.GetBatch(dpb.GetBatchRequest(batch_id=batch.batch_id), timeout=60).batch
    _ok(f"{final.batch_id} COMPLETED in {_time.perf_counter() - started:.1f} s")
    print_batch(final, console)

    _step("The gateway's totals agree with each simulated bank's own ledger")
    mine: dict[str, dict[int, tuple[int, int]]] = {}
    for t in final.bank_totals:
        mine.setdefault(t.bank_code, {})[t.state] = (t.line_count, t.amount_fen)
    for sim, code in zip(sims, ("102", "308", "403", "105"), strict=True):
        ledger = sim.ledger()
        paid = mine.get(code, {}).get(dpb.BatchLine.STATE_PAID, (0, 0))
        failed = mine.get(code, {}).get(dpb.BatchLine.STATE_FAILED, (0, 0))
        bank = (
            (ledger["credited_count"], ledger["credited_fen"]),
            (ledger["rejected_count"], ledger["rejected_fen"]),
        )
        if bank != (paid, failed):
            raise DemoFailed(f"bank {code}: gateway {paid}/{failed} differs from the bank's ledger {bank}")
        _ok(
            f"bank {code}: paid {paid[0]:,} lines / {paid[1] / 100:,.2f} yuan, failed {failed[0]:,} — "
            f"the bank credited exactly these ({ledger['resends']} resends, none paid twice)"
        )
    for ch in (admin, lead, approver):
        ch.close()
    return final, payroll


def _feed(channel: grpc.Channel, updates: list[tuple[str, str]]):
    import uuid

    def msgs():
        yield admin_pb2.ImportPersonStatusRequest(
            header=admin_pb2.PersonStatusImportHeader(request_id=uuid.uuid4().hex, source_name="demo feed")
        )
        for n, (id_number, status) in enumerate(updates, 2):
            yield admin_pb2.ImportPersonStatusRequest(
                update=admin_pb2.PersonStatusUpdate(
                    line_number=n,
                    id_number=id_number,
                    status=admin_pb2.PersonStatus.Value("PERSON_STATUS_" + status),
                    effective_date="2026-11-20",
                    source="demo feed",
                )
            )

    return admin_pb2_grpc.AdminServiceStub(channel).ImportPersonStatus(msgs(), timeout=60)


def _card_steps(home: Path, reader: grpc.Channel, batch_id: str, candidates: list) -> None:
    """Card services (DOMAIN.md §8): a bank branch reports a payee's card lost before dispatch, the
    payee's line is held; the loss is lifted and the line is released with the rest of the batch."""
    import uuid

    from silink.card.v1 import card_pb2 as cpb
    from silink.card.v1 import card_pb2_grpc
    from silink.disbursement.v1 import disbursement_pb2 as dpb
    from silink.disbursement.v1 import disbursement_pb2_grpc

    from gateway.domain.cards.operations import register_card
    from gateway.server.app import build_context

    payee = next(v for v in candidates if v.bank_code == "102" and v.account_type == "CARD")
    card_number = "B41537138"
    ctx = build_context(load_config(home))
    try:
        with ctx.db.write() as conn:
            register_card(
                conn,
                ctx.protector,
                id_number=payee.id_number,
                name=payee.name,
                card_number=card_number,
                bank_code="102",
                account=payee.account,
                principal="system:card-platform",
                social_state="NORMAL",
                bank_state="NORMAL",
            )
    finally:
        ctx.db.dispose()
    batches = disbursement_pb2_grpc.DisbursementServiceStub(reader)

    def card_lost_lines() -> int:
        b = batches.GetBatch(dpb.GetBatchRequest(batch_id=batch_id), timeout=60).batch
        return sum(t.line_count for t in b.hold_totals if t.hold_reason == dpb.HOLD_REASON_CARD_LOST)

    before = card_lost_lines()
    _step("Card services: the ICBC branch (channel:branch-102) reports a payee's card lost before dispatch")
    with channel_as(home, "channel:branch-102") as ch:
        cards = card_pb2_grpc.CardServiceStub(ch)
        status = cards.ReportLoss(
            cpb.ReportLossRequest(
                request_id=uuid.uuid4().hex,
                id_number=payee.id_number,
                card_number=card_number,
                loss_kind=cpb.LOSS_KIND_TEMPORARY,
                outlet_code="370102001",
                operator_id="teller-07",
            ),
            timeout=60,
        ).card_status
        held = card_lost_lines()
        if held != before + 1 or not status.payments_held:
            raise DemoFailed(f"the loss report held {held - before} lines, expected 1")
        _ok(
            f"card {status.card_number_masked} of {status.name_masked}: TEMPORARY_LOSS until "
            f"{status.temporary_loss_expire_time.ToJsonString()[:10]}; the payee's line is HELD (CARD_LOST)"
        )
        _step("The holder finds the card; the branch lifts the loss (解挂) and the line is released")
        status = cards.LiftLoss(
            cpb.LiftLossRequest(
                request_id=uuid.uuid4().hex,
                id_number=payee.id_number,
                card_number=card_number,
                outlet_code="370102001",
                operator_id="teller-07",
            ),
            timeout=60,
        ).card_status
        if card_lost_lines() != before or status.payments_held:
            raise DemoFailed("lifting the loss did not release the line")
        _ok(f"card {status.card_number_masked}: NORMAL; the line is PENDING again and goes out on release")
