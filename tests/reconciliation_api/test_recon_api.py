"""ReconciliationService over a real socket: manual failures for a bank that sends no results, re-issue
of the corrected ones, evidence import, a run, and the exception workflow with its four-eyes rule."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb
from silink.reconciliation.v1 import reconciliation_pb2 as rpb
from silink.reconciliation.v1 import reconciliation_pb2_grpc
from sqlalchemy import select

from gateway.config import load_config
from gateway.intake.accounts import luhn_check_digit
from gateway.intake.generator import PayrollSpec, generate_payroll
from gateway.server.status import error_info_of
from gateway.storage import Database
from gateway.storage.tables import audit_log
from reconciliation.camt053_writer import Booking, render_statement
from tests.batches.conftest import PERIOD, Api, valid_ids
from tests.dispatch.conftest import set_bank_options

FUND_ACCOUNT = "370100000000100001"
OPEN_LINE = (dpb.BatchLine.STATE_SUBMITTED, dpb.BatchLine.STATE_MANUAL)


class Finance(Api):
    def __init__(self, home, target, principal):
        super().__init__(home, target, principal)
        self.rec = reconciliation_pb2_grpc.ReconciliationServiceStub(self.channel)


@pytest.fixture
def who(server):
    made: list[Api] = []

    def as_(principal: str) -> Finance:
        made.append(Finance(server.home, server.target, principal))
        return made[-1]

    yield as_
    for a in made:
        a.close()


@pytest.fixture
def instance(instance):
    # Bank 403 is a folder bank with nobody answering: files are dropped, no result ever comes back.
    set_bank_options(instance, "403", result_wait_seconds=2)
    return instance


def _reason(err: grpc.RpcError) -> str:
    info = error_info_of(rpc_status.from_call(err))
    return info.reason if info else ""


def _released_to_403(who, tmp_path, payees: int) -> str:
    path = _payroll(tmp_path, payees)
    created = who("officer:wang").submit(path)
    approver = who("approver:li")
    approver.approve(created.batch)
    approver.dis.ReleaseBatch(
        dpb.ReleaseBatchRequest(request_id=uuid.uuid4().hex, batch_id=created.batch.batch_id), timeout=60
    )
    return created.batch.batch_id


def _payroll(tmp_path, payees: int):
    path = tmp_path / "payroll.csv"
    if not path.exists():
        generate_payroll(path, PayrollSpec(payees=payees, seed=17, bank_codes=("403",), period=PERIOD))
    return path


def _wait_open(api, batch_id: str, count: int) -> list[dpb.BatchLine]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        lines = api.lines(batch_id)
        if sum(1 for ln in lines if ln.state in OPEN_LINE) == count:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"lines never reached the bank: {[ln.state for ln in api.lines(batch_id)]}")


def _mark(
    api, line_ids, reason=common_pb2.FAILURE_REASON_ACCOUNT_CLOSED, request_id=None, note="银行函: 销户"
):
    return api.rec.MarkLinesFailed(
        rpb.MarkLinesFailedRequest(
            request_id=request_id or uuid.uuid4().hex,
            line_ids=line_ids,
            failure_reason=reason,
            note=note,
            evidence_reference="农行函〔2026〕118号",
        ),
        timeout=30,
    )


def test_finance_marks_lines_failed_and_reissues_the_corrected_one(who, tmp_path, server):
    """Lines a silent bank holds are marked failed by finance only, all or none, once per request id;
    the corrected one goes out in a new batch that needs approval, linked to the old line."""
    batch_id = _released_to_403(who, tmp_path, 4)
    finance = who("finance:zhao")
    lines = _wait_open(finance, batch_id, 4)
    first, second = lines[0], lines[1]

    with pytest.raises(grpc.RpcError) as denied:
        who("officer:wang").rec.MarkLinesFailed(
            rpb.MarkLinesFailedRequest(request_id="x", line_ids=[first.line_id], failure_reason=1, note="n"),
            timeout=30,
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with pytest.raises(grpc.RpcError) as unknown:
        _mark(finance, [first.line_id], reason=common_pb2.FAILURE_REASON_UNKNOWN)
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    marked = _mark(finance, [first.line_id, second.line_id], request_id="mark-1")
    assert (marked.marked_count, marked.marked_amount_fen) == (2, first.amount_fen + second.amount_fen)
    again = _mark(finance, [first.line_id, second.line_id], request_id="mark-1")
    assert again == marked  # the stored answer; nothing marked twice

    # One line already FAILED in the list: refused as a whole, the open line stays open.
    third = lines[2]
    with pytest.raises(grpc.RpcError) as refused:
        _mark(finance, [third.line_id, first.line_id])
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _reason(refused.value) == "INVALID_TRANSITION"
    after = {ln.line_id: ln for ln in finance.lines(batch_id)}
    assert after[third.line_id].state in OPEN_LINE
    assert after[first.line_id].state == dpb.BatchLine.STATE_FAILED

    # Re-issue: the second line has no correction on file and is refused; the first gets one.
    with pytest.raises(grpc.RpcError) as no_fix:
        finance.rec.CreateReissue(
            rpb.CreateReissueRequest(
                request_id=uuid.uuid4().hex,
                title="重发",
                lines=rpb.ReissueLines(lines=[rpb.ReissueLine(line_id=second.line_id)]),
            ),
            timeout=30,
        )
    assert _reason(no_fix.value) == "NO_CORRECTION"
    body = "621799" + "000000004242"
    new_account = body + luhn_check_digit(body)
    created = finance.rec.CreateReissue(
        rpb.CreateReissueRequest(
            request_id="reissue-1",
            title="重发 销户更正",
            lines=rpb.ReissueLines(lines=[rpb.ReissueLine(line_id=first.line_id, account=new_account)]),
        ),
        timeout=30,
    )
    new = created.batch
    assert new.state == dpb.Batch.STATE_VALIDATED and new.reissue_of_batch_id == batch_id
    assert (new.line_count, new.total_amount_fen) == (1, first.amount_fen)
    (new_line,) = finance.lines(new.batch_id)
    assert new_line.reissue_of == first.line_id and new_line.end_to_end_ref != first.end_to_end_ref
    assert new_account not in str(created)  # masked on the wire
    assert {ln.line_id: ln.state for ln in finance.lines(batch_id)}[
        first.line_id
    ] == dpb.BatchLine.STATE_REISSUED
    # The re-issue needs a second person: approver:li approves what finance:zhao created.
    approved = who("approver:li").approve(new)
    assert approved.state == dpb.Batch.STATE_APPROVED

    cfg = load_config(server.home)
    db = Database(cfg.database_url)
    try:
        with db.read() as conn:
            actions = [
                (r.principal, r.action)
                for r in conn.execute(
                    select(audit_log.c.principal, audit_log.c.action).order_by(audit_log.c.seq)
                )
            ]
    finally:
        db.dispose()
    assert actions.count(("finance:zhao", "line.mark_failed")) == 1
    assert ("finance:zhao", "batch.reissue") in actions


def _import(api, data: bytes, name: str, request_id: str | None = None) -> rpb.ImportEvidenceResponse:
    def msgs():
        yield rpb.ImportEvidenceRequest(
            header=rpb.EvidenceHeader(request_id=request_id or uuid.uuid4().hex, file_name=name)
        )
        for i in range(0, len(data), 1000):
            yield rpb.ImportEvidenceRequest(chunk=data[i : i + 1000])

    return api.rec.ImportEvidence(msgs(), timeout=60)


def test_statement_import_run_and_the_exception_workflow(who, tmp_path):
    """A statement with a debit that names nothing of ours: imported once, a run opens UNKNOWN_DEBIT, the
    importer may not resolve it, another finance officer does, with a note; auditors only read."""
    day = date(2026, 11, 25)
    statement = render_statement(
        account=FUND_ACCOUNT,
        statement_id="STMT-2026-11-25",
        sequence=1,
        opening_fen=10_000_000,
        bookings=[Booking(amount_fen=123_456, credit=False, day=day, bank_ref="BKX1")],
        day=day,
    )
    zhao = who("finance:zhao")
    first = _import(zhao, statement, "stmt.xml", request_id="imp-1")
    assert first.format_detected == rpb.EVIDENCE_FORMAT_CAMT_053 and not first.duplicate_file
    assert (first.debit_count, first.debit_amount_fen, first.credit_count) == (1, 123_456, 0)
    assert (first.opening_balance_fen, first.closing_balance_fen) == (10_000_000, 10_000_000 - 123_456)
    assert (first.start_date, first.end_date) == ("2026-11-25", "2026-11-25")
    assert _import(zhao, statement, "stmt.xml", request_id="imp-1") == first
    dup = _import(zhao, statement, "renamed.xml")
    assert dup.duplicate_file and dup.import_id == first.import_id

    with pytest.raises(grpc.RpcError) as bad:
        _import(zhao, b"<Document>not a statement</Document>", "junk.xml")
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    imports = zhao.rec.ListImports(rpb.ListImportsRequest(), timeout=30).imports
    assert [i.import_id for i in imports] == [first.import_id]  # the refused file left nothing

    run = zhao.rec.RunReconciliation(
        rpb.RunReconciliationRequest(
            request_id="run-1", fund_account_id=FUND_ACCOUNT, start_date="2026-11-01", end_date="2026-11-30"
        ),
        timeout=60,
    ).run
    assert run.new_exception_count == 1 and run.open_exception_count == 1
    assert (run.statement_debit_amount_fen, run.expected_debit_amount_fen) == (123_456, 0)
    assert not run.balanced and run.initiator == "finance:zhao"
    runs = zhao.rec.ListReconciliationRuns(rpb.ListReconciliationRunsRequest(), timeout=30).runs
    assert [r.run_id for r in runs] == [run.run_id]

    (exc,) = zhao.rec.ListExceptions(
        rpb.ListExceptionsRequest(state=rpb.ReconciliationException.STATE_OPEN), timeout=30
    ).exceptions
    assert exc.kind == rpb.EXCEPTION_KIND_UNKNOWN_DEBIT and exc.observed_amount_fen == 123_456
    assert exc.fund_account_id == FUND_ACCOUNT  # the agency's own account is shown as it is

    def resolve(api, note="查明: 手续费扣款, 已入账"):
        return api.rec.ResolveException(
            rpb.ResolveExceptionRequest(
                request_id=uuid.uuid4().hex, exception_id=exc.exception_id, note=note
            ),
            timeout=30,
        )

    with pytest.raises(grpc.RpcError) as self_resolve:
        resolve(zhao)
    assert _reason(self_resolve.value) == "SELF_APPROVAL"
    with pytest.raises(grpc.RpcError) as auditor:
        resolve(who("auditor:sun"))
    assert auditor.value.code() == grpc.StatusCode.PERMISSION_DENIED
    qian = who("finance:qian")
    with pytest.raises(grpc.RpcError) as no_note:
        resolve(qian, note="  ")
    assert no_note.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    done = resolve(qian).exception
    assert done.state == rpb.ReconciliationException.STATE_RESOLVED and done.resolver == "finance:qian"
    listed = who("auditor:sun").rec.ListExceptions(rpb.ListExceptionsRequest(), timeout=30).exceptions
    assert [e.state for e in listed] == [rpb.ReconciliationException.STATE_RESOLVED]


def _cli(home, *argv: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *argv, "--dir", str(home), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_finance_commands_end_to_end(who, tmp_path, server):
    """`silink recon mark-failed`, `silink reissue --corrections`, `recon import|run|exceptions|resolve`
    as finance staff run them; the corrections file keeps the account off the command line and out of
    everything printed."""
    home = server.home
    batch_id = _released_to_403(who, tmp_path, 2)
    lines = _wait_open(who("finance:zhao"), batch_id, 2)
    marked = _cli(
        home, "recon", "mark-failed", lines[0].line_id, "--reason", "ACCOUNT_FROZEN",
        "--note", "冻结", "--evidence", "函118", "--as", "finance:zhao",
    )  # fmt: skip
    assert marked["marked_count"] == 1 and marked["marked_amount_fen"] == lines[0].amount_fen
    body = "622188" + "000000000777"
    account = body + luhn_check_digit(body)
    fixes = tmp_path / "fixes.csv"
    fixes.write_text(f"line_id,account\n{lines[0].line_id},{account}\n", encoding="utf-8")
    new = _cli(home, "reissue", "--corrections", str(fixes), "--title", "重发", "--as", "finance:zhao")
    assert new["state"] == "STATE_VALIDATED" and new["reissue_of_batch_id"] == batch_id
    assert account not in json_text(new)

    day = date(2026, 11, 26)
    stmt = tmp_path / "stmt.xml"
    stmt.write_bytes(
        render_statement(
            account=FUND_ACCOUNT, statement_id="S-1126", sequence=7, opening_fen=500_000,
            bookings=[Booking(amount_fen=9_900, credit=False, day=day)], day=day,
        )
    )  # fmt: skip
    (imported,) = _cli(home, "recon", "import", str(stmt), "--as", "finance:qian")["imports"]
    assert (
        imported["debit_amount_fen"] == "9900" and imported["format_detected"] == "EVIDENCE_FORMAT_CAMT_053"
    )
    run = _cli(
        home, "recon", "run", "--account", FUND_ACCOUNT, "--from", "2026-11-01", "--to", "2026-11-30",
        "--as", "finance:qian",
    )  # fmt: skip
    assert int(run["new_exception_count"]) >= 1 and not run.get("balanced", False)  # int64 is a JSON string
    open_ = _cli(home, "recon", "exceptions", "--kind", "UNKNOWN_DEBIT", "--as", "finance:zhao")["exceptions"]
    assert len(open_) == 1
    done = _cli(
        home, "recon", "resolve", open_[0]["exception_id"], "--note", "退回重记", "--as", "finance:zhao"
    )
    assert done["state"] == "STATE_RESOLVED" and done["resolver"] == "finance:zhao"

    # Settlement over gRPC: the two lines of the first batch, one failed and one still with the bank.
    report = (
        who("auditor:sun")
        .rec.GetSettlementReport(rpb.GetSettlementReportRequest(batch_id=batch_id), timeout=30)
        .report
    )
    assert report.approved_count == 2 and report.conserved
    assert report.failed_amount_fen == lines[0].amount_fen
    assert report.in_flight_amount_fen == lines[1].amount_fen
    assert report.paid_amount_fen == 0 and report.agrees_with_bank

    out = tmp_path / "report"
    written = _cli(home, "recon", "report", "--out", str(out))
    names = sorted(Path(p).name for p in written["files"])
    assert "recon_report.html" in names and "recon_report.xlsx" in names
    page = (out / "recon_report.html").read_text(encoding="utf-8")
    assert "<svg" in page and 'src="http' not in page and "<script src" not in page  # self-contained
    assert account not in page and account not in json_text(written)
    assert written["settlement"]["total"]["sent"]["count"] == 2  # the re-issue awaits approval: not sent


def json_text(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_account_feed_makes_failed_lines_reissuable_by_batch(who, tmp_path, server):
    """`silink persons accounts` records corrected accounts (bad rows reported, replays ignored);
    `silink reissue --batch` then takes exactly the failed lines whose payee has one."""
    home = server.home
    batch_id = _released_to_403(who, tmp_path, 3)
    lines = _wait_open(who("finance:zhao"), batch_id, 3)
    by_number = {ln.line_number: ln for ln in lines}
    ids = valid_ids(_payroll(tmp_path, 3))
    failed = [by_number[n] for n in sorted(by_number)[:2]]
    _cli(
        home, "recon", "mark-failed", *[ln.line_id for ln in failed], "--reason", "ACCOUNT_CLOSED",
        "--note", "销户", "--as", "finance:zhao",
    )  # fmt: skip
    good = "621799" + "000000031337"
    good += luhn_check_digit(good)
    feed = tmp_path / "changes.csv"
    feed.write_text(
        "身份证号,银行账号,变更编号\n"
        f"{ids[failed[0].line_number]},{good},CHG-1\n"
        f"{ids[failed[1].line_number]},6217990000000313370,CHG-2\n",  # wrong check digit
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "gateway.cli.main", "persons", "accounts", str(feed), "--feed", "core"]
    argv += ["--dir", str(home), "--as", "admin:zhou", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # one row rejected
    result = json.loads(done.stdout)
    assert (result["recorded_count"], result["rejected_count"]) == ("1", "1")
    (error,) = result["line_errors"]
    assert error["line_number"] == "3" and error["field"] == "account"
    assert good not in done.stdout and ids[failed[1].line_number] not in done.stdout
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout)["repeated_count"] == "1"  # the replay records nothing

    new = _cli(home, "reissue", "--batch", batch_id, "--as", "finance:zhao")
    assert new["line_count"] == "1" and new["total_amount_fen"] == str(failed[0].amount_fen)
