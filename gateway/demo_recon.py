"""The demo's closing act: finance reconciles the month and pays the failures again.

After dispatch, the fund account's statement arrives (built here the way the bank would book it: one
lump debit per submission of what it paid, a deceased payee's money coming back, a bank fee nobody told
us about). Finance imports it, reconciles, works the exceptions, the core system feeds corrected
accounts for payees whose accounts were closed or frozen, and the failed lines go out again in a new
batch that a second person approves.
"""

from __future__ import annotations

import collections
import datetime as dt
import time
import uuid
from pathlib import Path

import grpc
from silink.admin.v1 import admin_pb2, admin_pb2_grpc
from silink.disbursement.v1 import disbursement_pb2 as dpb
from silink.disbursement.v1 import disbursement_pb2_grpc
from silink.reconciliation.v1 import reconciliation_pb2 as rpb
from silink.reconciliation.v1 import reconciliation_pb2_grpc
from sqlalchemy import func, select

from gateway.client import channel_as, describe_rpc_error
from gateway.config import load_config
from gateway.demo import DemoFailed, _ok, _step, console
from gateway.domain.refs import parse_batch_ref
from gateway.intake.accounts import luhn_check_digit
from gateway.storage import Database
from gateway.storage.tables import batch_lines
from gateway.storage.tables_dispatch import submissions
from reconciliation.camt053_writer import Booking, render_statement

FEE_FEN = 200
CORRECTABLE = ("ACCOUNT_CLOSED", "ACCOUNT_FROZEN", "NOT_ACTIVATED", "CARD_LOST")
REISSUE_AT_MOST = 5


def _statement(home: Path, batch_id: int, account: str, day: dt.date) -> tuple[bytes, str, str]:
    """The 支出户 statement as the bank would book this batch: a lump debit per submission for the lines
    it executed, one payment returned (MD07, the payee died), one fee. Returns it, the returned line's
    reference and the first day booked."""
    cfg = load_config(home)
    db = Database(cfg.database_url)
    bl, s = batch_lines.c, submissions.c
    try:
        with db.read() as conn:
            booked_on = func.max(func.coalesce(bl.value_date, func.substr(bl.updated_at, 1, 10)))
            lumps = conn.execute(
                select(s.bank_reference, func.count(), func.sum(bl.amount_fen), booked_on)
                .join(submissions, s.id == bl.submission_id)
                .where(bl.batch_id == batch_id, bl.state.in_(("PAID", "RETURNED")))
                .group_by(s.bank_reference)
                .order_by(s.bank_reference)
            ).all()
            returned = conn.execute(
                select(bl.e2e_ref, bl.amount_fen)
                .where(bl.batch_id == batch_id, bl.state == "PAID", bl.bank_code == "102")
                .order_by(bl.line_number)
                .limit(1)
            ).one()
    finally:
        db.dispose()
    # The bank books each submission's lump on the day it executed it (the lines' value date).
    bookings = [
        Booking(
            int(total),
            False,
            dt.date.fromisoformat(on),
            pmt_inf_id=ref,
            nb_of_txs=int(n),
            bank_ref=f"BK-{ref}",
        )
        for ref, n, total, on in lumps
    ]
    bookings.append(
        Booking(returned.amount_fen, True, day, end_to_end_id=returned.e2e_ref, return_reason="MD07")
    )
    bookings.append(Booking(FEE_FEN, False, day, bank_ref="FEE-DEMO-1"))
    xml = render_statement(
        account=account,
        statement_id=f"STMT-{account[-4:]}-{day:%Y%m%d}",
        sequence=1,
        opening_fen=50_000_000_000,
        bookings=bookings,
        day=day,
        created=f"{day.isoformat()}T18:00:00+08:00",
    )
    return xml, returned.e2e_ref, min(b.day for b in bookings).isoformat()


def _result_files(home: Path, batch_id: int, folder: Path) -> list[Path]:
    """The final answers the banks gave for the batch's submissions, as the files finance imports."""
    from gateway.dispatch.evidence_export import export_final_answers
    from gateway.server.app import build_context

    ctx = build_context(load_config(home))
    try:
        return list(export_final_answers(ctx, [batch_id], folder))
    finally:
        ctx.db.dispose()


def _import(rec, path: Path, request_id: str) -> rpb.ImportEvidenceResponse:
    def msgs():
        yield rpb.ImportEvidenceRequest(header=rpb.EvidenceHeader(request_id=request_id, file_name=path.name))
        data = path.read_bytes()
        for i in range(0, len(data), 1 << 20):
            yield rpb.ImportEvidenceRequest(chunk=data[i : i + (1 << 20)])

    return rec.ImportEvidence(msgs(), timeout=600)


def _open_exceptions(rec) -> list:
    """Every open exception, page by page."""
    out, token = [], ""
    while True:
        page = rec.ListExceptions(
            rpb.ListExceptionsRequest(
                state=rpb.ReconciliationException.STATE_OPEN, page_size=1000, page_token=token
            ),
            timeout=60,
        )
        out.extend(page.exceptions)
        token = page.next_page_token
        if not token:
            return out


def _kind(value: int) -> str:
    return rpb.ExceptionKind.Name(value).removeprefix("EXCEPTION_KIND_")


def _all_lines(dis, batch_id: str, state: int) -> list[dpb.BatchLine]:
    out, token = [], ""
    while True:
        page = dis.ListBatchLines(
            dpb.ListBatchLinesRequest(batch_id=batch_id, state=state, page_size=1000, page_token=token),
            timeout=60,
        )
        out.extend(page.lines)
        token = page.next_page_token
        if not token:
            return out


def reconciliation_steps(home: Path, batch: dpb.Batch, payroll: Path) -> None:
    from gateway.cli.cmd_batch import print_batch
    from gateway.intake import validate_file

    cfg = load_config(home)
    account = str(cfg.funds["PENSION_EMPLOYEE"]["account"])
    batch_id = parse_batch_ref(batch.batch_id)
    day = dt.date.today()
    zhao, qian = channel_as(home, "finance:zhao"), channel_as(home, "finance:qian")
    rec = reconciliation_pb2_grpc.ReconciliationServiceStub(zhao)
    rec_qian = reconciliation_pb2_grpc.ReconciliationServiceStub(qian)

    _step(
        "The banks' results arrive (pain.002 status reports, direct-link results, 回盘 files, BankLink "
        "pushes); finance imports them as evidence"
    )
    evidence = home / "evidence"
    results = _result_files(home, batch_id, evidence / "results")
    entries = 0
    for path in results:
        entries += _import(rec, path, f"demo-result-{path.stem}").entry_count
    _ok(f"finance:zhao imported {len(results)} result files, {entries:,} entries")

    _step("The fund account's statement arrives (camt.053): lump debits per submission, a return, a fee")
    xml, returned_ref, first_day = _statement(home, batch_id, account, day)
    evidence.mkdir(exist_ok=True)
    path = evidence / f"camt053-{account[-4:]}-{day:%Y%m%d}.xml"
    path.write_bytes(xml)
    imported = _import(rec, path, "demo-statement")
    _ok(
        f"finance:zhao imported {path.name}: {imported.entry_count} entries, debits "
        f"{imported.debit_amount_fen / 100:,.2f} yuan, credits {imported.credit_amount_fen / 100:,.2f} yuan"
    )
    again = _import(rec, path, "demo-statement-again")
    if not again.duplicate_file or again.import_id != imported.import_id:
        raise DemoFailed("the same statement was imported twice")
    _ok(f"the same file again under a new request: stored nothing (duplicate of import {again.import_id})")

    _step("Finance reconciles the fund account for the day")
    run = rec.RunReconciliation(
        rpb.RunReconciliationRequest(
            request_id="demo-run-1",
            fund_account_id=account,
            start_date=first_day,
            end_date=day.isoformat(),
        ),
        timeout=600,
    ).run
    _ok(
        f"run {run.run_id}: {run.matched_count:,} lines matched ({run.matched_amount_fen / 100:,.2f} yuan); "
        f"expected debits {run.expected_debit_amount_fen / 100:,.2f}, statement debits "
        f"{run.statement_debit_amount_fen / 100:,.2f}, returns {run.returned_amount_fen / 100:,.2f} yuan; "
        f"{run.new_exception_count} exceptions; {run.persons_marked_deceased_count} payee marked deceased "
        "(future payments held)"
    )
    exceptions = _open_exceptions(rec)
    by_kind = collections.Counter(_kind(e.kind) for e in exceptions)
    _ok("open exceptions by kind: " + ", ".join(f"{k} {n:,}" for k, n in sorted(by_kind.items())))
    # Each REJECTED line (a refusal the result files reported) is on finance's work list; the others
    # are the ones this demo works through, so they are shown one by one.
    for e in exceptions:
        if _kind(e.kind) != "REJECTED":
            console.print(f"   #{e.exception_id} {_kind(e.kind)}: {e.detail}")
    kinds = set(by_kind)
    if not {"RETURNED_AFTER_SETTLEMENT", "UNKNOWN_DEBIT"} <= kinds:
        raise DemoFailed(f"expected the return and the fee among the exceptions, got {sorted(kinds)}")
    returned = next(e for e in exceptions if _kind(e.kind) == "RETURNED_AFTER_SETTLEMENT")
    if returned.end_to_end_ref != returned_ref:
        raise DemoFailed("the return was matched to the wrong line")
    _ok(
        f"the deceased payee's payment {returned_ref} came back (MD07): the line is RETURNED, never re-issued"
    )

    _step("The fee: the importer may not close the exception it caused; a colleague does, with a note")
    fee = next(e for e in exceptions if _kind(e.kind) == "UNKNOWN_DEBIT")
    note = "银行代发手续费 2.00 元, 已按协议记入费用"
    try:
        rec.ResolveException(
            rpb.ResolveExceptionRequest(
                request_id=uuid.uuid4().hex, exception_id=fee.exception_id, note=note
            ),
            timeout=60,
        )
        raise DemoFailed("the importer resolved an exception of their own import")
    except grpc.RpcError as err:
        _ok(f"finance:zhao refused: {describe_rpc_error(err)}")
    done = rec_qian.ResolveException(
        rpb.ResolveExceptionRequest(request_id=uuid.uuid4().hex, exception_id=fee.exception_id, note=note),
        timeout=60,
    ).exception
    _ok(f"exception {done.exception_id} resolved by {done.resolver}")

    _step("The account feed reports corrected accounts for payees whose accounts were closed or frozen")
    dis = disbursement_pb2_grpc.DisbursementServiceStub(zhao)
    failed = _all_lines(dis, batch.batch_id, dpb.BatchLine.STATE_FAILED)
    from silink.common.v1 import common_pb2

    fixable = [
        ln
        for ln in failed
        if common_pb2.FailureReason.Name(ln.failure_reason).removeprefix("FAILURE_REASON_") in CORRECTABLE
    ][:REISSUE_AT_MOST]
    if not fixable:
        raise DemoFailed("no failed line with a closed or frozen account to correct")
    wanted = {ln.line_number for ln in fixable}
    ids: dict[int, str] = {}
    validate_file(
        payroll, on_valid=lambda v: ids.__setitem__(v.line, v.id_number) if v.line in wanted else None
    )

    def updates():
        yield admin_pb2.ImportPayeeAccountsRequest(
            header=admin_pb2.PayeeAccountImportHeader(request_id="demo-accounts", source_name="core-accounts")
        )
        for n, ln in enumerate(fixable, 2):
            body = f"622202{8_000_000_000 + ln.line_number:012d}"
            yield admin_pb2.ImportPayeeAccountsRequest(
                update=admin_pb2.PayeeAccountUpdate(
                    line_number=n,
                    id_number=ids[ln.line_number],
                    account=body + luhn_check_digit(body),
                    change_ref=f"CHG-{ln.line_id}",
                )
            )

    admin = channel_as(home, "admin:zhou")
    fed = admin_pb2_grpc.AdminServiceStub(admin).ImportPayeeAccounts(updates(), timeout=60)
    _ok(
        f"{fed.recorded_count} corrected accounts recorded (of {len(failed)} failed lines; "
        f"the rest wait for their payees)"
    )

    _step("重发: finance re-issues every corrected failure of the batch; a second person approves")
    created = rec.CreateReissue(
        rpb.CreateReissueRequest(
            request_id="demo-reissue", title="重发 2026-11 账户更正", all_corrected_of_batch_id=batch.batch_id
        ),
        timeout=600,
    )
    new = created.batch
    _ok(
        f"{new.batch_id} (re-issue of {new.reissue_of_batch_id}): {new.line_count} lines, "
        f"{new.total_amount_fen / 100:,.2f} yuan, state VALIDATED"
    )
    approver = channel_as(home, "approver:li")
    ap = disbursement_pb2_grpc.DisbursementServiceStub(approver)
    ap.ApproveBatch(
        dpb.ApproveBatchRequest(
            request_id=uuid.uuid4().hex, batch_id=new.batch_id, content_hash=new.content_hash
        ),
        timeout=600,
    )
    ap.ReleaseBatch(dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=new.batch_id), timeout=600)
    deadline = time.monotonic() + 300
    final = new
    while time.monotonic() < deadline:
        final = ap.GetBatch(dpb.GetBatchRequest(batch_id=new.batch_id), timeout=60).batch
        if final.state == dpb.Batch.STATE_COMPLETED:
            break
        time.sleep(0.5)
    else:
        raise DemoFailed(f"the re-issue batch did not complete: {dpb.Batch.State.Name(final.state)}")
    _ok(f"{final.batch_id} approved by approver:li, released, COMPLETED")
    print_batch(final, console)
    for ch in (zhao, qian, admin, approver):
        ch.close()

    _step("The settlement report for finance: `silink recon report` writes CSV, XLSX and one HTML page")
    import json
    import subprocess
    import sys

    out = home / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "recon",
            "report",
            "--dir",
            str(home),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise DemoFailed(f"recon report failed: {done.stderr.strip()[-300:]}")
    report = json.loads(done.stdout)
    total = report["settlement"]["total"]
    _ok(
        f"{total['sent']['count']:,} lines settled into "
        + ", ".join(f"{k.lower()} {v['count']:,}" for k, v in total["by_state"].items())
        + f"; {len(report['settlement']['actions'])} payee actions"
    )
    html = next(p for p in report["files"] if p.endswith(".html"))
    _ok(f"open {html} in a browser: outcomes per bank, reasons, ageing, actions, exceptions")
