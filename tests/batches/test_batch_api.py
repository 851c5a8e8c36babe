"""Payroll batches through the real gRPC API on both database backends."""

from __future__ import annotations

import threading
import uuid

import grpc
import pytest
from grpc_status import rpc_status
from silink.disbursement.v1 import disbursement_pb2 as dpb
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway import audit
from gateway.config import load_config
from gateway.server.status import error_info_of
from gateway.storage import Database
from tests.batches.conftest import make_payroll, read_expected_bad, valid_ids

HELD = dpb.BatchLine.STATE_HELD
PENDING = dpb.BatchLine.STATE_PENDING


def _reason(err: grpc.RpcError) -> str:
    info = error_info_of(rpc_status.from_call(err))
    return info.reason if info else ""


def test_upload_reports_every_bad_line_and_keeps_the_good(api, tmp_path):
    """Each injected bad line is reported with its line number and reason; every other line is stored."""
    path = make_payroll(tmp_path, 400, bad_rate=0.05)
    expected = read_expected_bad(path)
    officer = api("officer:wang")
    resp = officer.submit(path)
    assert resp.rejected_line_count == len(expected)
    errors = {}
    token = ""
    while True:
        page = officer.dis.ListLineErrors(
            dpb.ListLineErrorsRequest(batch_id=resp.batch.batch_id, page_size=50, page_token=token),
            timeout=30,
        )
        for e in page.line_errors:
            errors.setdefault(e.line_number, set()).add(e.reason)
        token = page.next_page_token
        if not token:
            break
    assert set(errors) == set(expected)
    wrong = {n for n, reason in expected.items() if reason not in errors[n]}
    assert not wrong, f"lines reported with another reason: {sorted(wrong)}"
    stored = {line.line_number for line in officer.lines(resp.batch.batch_id)}
    assert stored == set(valid_ids(path))
    assert resp.batch.state == dpb.Batch.STATE_VALIDATED


def test_replay_returns_the_same_batch_and_reuse_is_refused(api, tmp_path):
    """Re-sending an upload with its request id returns the first batch; another file with it fails."""
    officer = api("officer:wang")
    first = officer.submit(make_payroll(tmp_path, 50, seed=11), request_id="upload-1")
    again = officer.submit(make_payroll(tmp_path, 50, seed=11), request_id="upload-1")
    assert again.batch.batch_id == first.batch.batch_id
    with pytest.raises(grpc.RpcError) as exc:
        officer.submit(make_payroll(tmp_path, 60, seed=12), request_id="upload-1")
    assert _reason(exc.value) == "REQUEST_ID_REUSED"
    listed = officer.dis.ListBatches(dpb.ListBatchesRequest(), timeout=30).batches
    assert [b.batch_id for b in listed] == [first.batch.batch_id]


def test_concurrent_identical_uploads_make_one_batch(api, tmp_path):
    """Four clients sending the same upload with one request id at once create exactly one batch."""
    path = make_payroll(tmp_path, 300, seed=21)
    clients = [api("officer:wang") for _ in range(4)]
    results, errors = [], []

    def go(c) -> None:
        try:
            results.append(c.submit(path, request_id="same-upload").batch.batch_id)
        except grpc.RpcError as err:  # collected and asserted below
            errors.append(err.code())

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 4
    assert len(clients[0].dis.ListBatches(dpb.ListBatchesRequest(), timeout=30).batches) == 1


def test_duplicate_payee_across_batches_is_blocked(api, tmp_path):
    """The same payee, benefit and period in a second batch is rejected as DUPLICATE_PAYMENT."""
    officer = api("officer:wang")
    path = make_payroll(tmp_path, 80, seed=5)
    first = officer.submit(path)
    with pytest.raises(grpc.RpcError) as exc:
        officer.submit(path)
    assert _reason(exc.value) == "NO_VALID_LINES"
    # Once the first batch is cancelled its payees may be paid again.
    officer.dis.CancelBatch(
        dpb.CancelBatchRequest(request_id="c1", batch_id=first.batch.batch_id, reason="redo"), timeout=30
    )
    assert officer.submit(path).accepted_line_count == first.accepted_line_count


def test_duplicate_slot_is_a_database_constraint(api, tmp_path, server):
    """Copying a claimed line into another batch fails in the database, whatever the code does."""
    api("officer:wang").submit(make_payroll(tmp_path, 10, seed=6))
    db = Database(load_config(server.home).database_url)
    try:
        with pytest.raises(IntegrityError), db.write() as conn:
            cols = (
                "batch_id, line_number, e2e_ref, state, benefit, period, id_type, account_type, bank_code, "
                "amount_fen, region, client_ref, id_hash, account_hash, pii, id_masked, name_masked, "
                "account_masked, claim, updated_at"
            )
            copied = cols.replace("line_number, e2e_ref", "line_number + 100000, 'SDUPLICATE00001'")
            sql = f"INSERT INTO batch_lines ({cols}) SELECT {copied} FROM batch_lines ORDER BY id LIMIT 1"  # noqa: S608
            conn.execute(text(sql))
    finally:
        db.dispose()


def test_self_approval_is_refused_by_the_api(api, tmp_path):
    """A lead with both roles cannot approve the batch they created (SELF_APPROVAL)."""
    lead = api("lead:chen")
    resp = lead.submit(make_payroll(tmp_path, 20, seed=7))
    with pytest.raises(grpc.RpcError) as exc:
        lead.approve(resp.batch)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _reason(exc.value) == "SELF_APPROVAL"
    approved = api("approver:li").approve(resp.batch)
    assert approved.state == dpb.Batch.STATE_APPROVED and approved.approver == "approver:li"


def test_database_refuses_approver_equal_to_creator(api, tmp_path, server):
    """A direct UPDATE setting approver = creator fails on the CHECK constraint."""
    api("officer:wang").submit(make_payroll(tmp_path, 5, seed=8))
    db = Database(load_config(server.home).database_url)
    try:
        with pytest.raises(IntegrityError), db.write() as conn:
            conn.execute(text("UPDATE batches SET approver = creator"))
    finally:
        db.dispose()


def test_approval_needs_the_content_hash_the_approver_saw(api, tmp_path):
    """Approving with another content hash fails with CONTENT_CHANGED and leaves the batch VALIDATED."""
    resp = api("officer:wang").submit(make_payroll(tmp_path, 20, seed=9))
    approver = api("approver:li")
    with pytest.raises(grpc.RpcError) as exc:
        approver.approve(resp.batch, content_hash="0" * 64)
    assert _reason(exc.value) == "CONTENT_CHANGED"
    got = approver.dis.GetBatch(dpb.GetBatchRequest(batch_id=resp.batch.batch_id), timeout=30).batch
    assert got.state == dpb.Batch.STATE_VALIDATED


def test_tampered_stored_line_is_caught_at_approval(api, tmp_path, server):
    """A line amount changed in the database after upload makes approval fail with CONTENT_TAMPERED."""
    resp = api("officer:wang").submit(make_payroll(tmp_path, 20, seed=10))
    db = Database(load_config(server.home).database_url)
    with db.write() as conn:
        conn.execute(text("UPDATE batch_lines SET amount_fen = amount_fen + 100 WHERE line_number = 5"))
    db.dispose()
    with pytest.raises(grpc.RpcError) as exc:
        api("approver:li").approve(resp.batch)
    assert _reason(exc.value) == "CONTENT_TAMPERED"


def test_gated_people_are_held_at_approval_and_late_status_holds_too(api, tmp_path):
    """Suspended/deceased payees are HELD at approval; a death reported after approval holds that line."""
    path = make_payroll(tmp_path, 60, seed=13)
    ids = valid_ids(path)
    numbers = sorted(ids)
    officer, approver, admin = api("officer:wang"), api("approver:li"), api("admin:zhou")
    resp = officer.submit(path)
    fed = admin.statuses([(ids[numbers[0]], "SUSPENDED"), (ids[numbers[1]], "DECEASED")])
    assert (fed.applied_count, fed.lines_held_count) == (2, 0)  # not approved yet: nothing to hold now
    approved = approver.approve(resp.batch)
    held = {line.line_number: line.hold_reason for line in approver.lines(approved.batch_id, HELD)}
    assert held == {numbers[0]: dpb.HOLD_REASON_PERSON_SUSPENDED, numbers[1]: dpb.HOLD_REASON_PERSON_DECEASED}

    late = admin.statuses([(ids[numbers[2]], "DECEASED"), (ids[numbers[0]], "ACTIVE")])
    assert (late.lines_held_count, late.lines_released_count) == (1, 1)
    held = {line.line_number for line in approver.lines(approved.batch_id, HELD)}
    assert held == {numbers[1], numbers[2]}
    totals = {
        t.state: t.line_count
        for t in approver.dis.GetBatch(
            dpb.GetBatchRequest(batch_id=approved.batch_id), timeout=30
        ).batch.line_totals
    }
    assert totals == {HELD: 2, PENDING: len(ids) - 2}


def test_late_hold_is_audited_and_chain_verifies(api, tmp_path, server):
    """The hold caused by a late status is an audit entry, and the chain still verifies."""
    path = make_payroll(tmp_path, 10, seed=14)
    ids = valid_ids(path)
    resp = api("officer:wang").submit(path)
    api("approver:li").approve(resp.batch)
    api("admin:zhou").statuses([(ids[min(ids)], "DECEASED")])
    db = Database(load_config(server.home).database_url)
    try:
        with db.read() as conn:
            actions = [
                r[0]
                for r in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))
                if not r[0].startswith("key.")  # `silink init` audits the bank signing keys it creates
            ]
        assert actions == ["batch.create", "batch.approve", "line.hold", "persons.import"]
        assert audit.verify(db).ok
    finally:
        db.dispose()


def test_pull_line_and_reject_and_cancel_transitions(api, tmp_path):
    """A line can be pulled before release; reject needs VALIDATED; a cancelled batch refuses approval."""
    officer, approver = api("officer:wang"), api("approver:li")
    resp = officer.submit(make_payroll(tmp_path, 15, seed=15))
    line = officer.lines(resp.batch.batch_id)[0]
    pulled = officer.dis.PullLine(
        dpb.PullLineRequest(
            request_id="p1", batch_id=resp.batch.batch_id, line_id=line.line_id, reason="death reported"
        ),
        timeout=30,
    )
    assert pulled.line.state == dpb.BatchLine.STATE_CANCELLED
    rejected = approver.dis.RejectBatch(
        dpb.RejectBatchRequest(request_id="r1", batch_id=resp.batch.batch_id, reason="wrong period"),
        timeout=30,
    ).batch
    assert rejected.state == dpb.Batch.STATE_REJECTED
    with pytest.raises(grpc.RpcError) as exc:
        approver.approve(resp.batch)
    assert _reason(exc.value) == "INVALID_TRANSITION"


def test_a_broken_upload_stores_nothing(api, tmp_path):
    """A stream that fails half way (client error) leaves no batch, no line and no error behind."""
    path = make_payroll(tmp_path, 3000, seed=16)
    officer = api("officer:wang")
    from gateway.uploads import payroll_messages

    def broken():
        for n, msg in enumerate(
            payroll_messages(path, request_id=uuid.uuid4().hex, fund="PENSION_EMPLOYEE", period="2026-11")
        ):
            if n == 5:  # header + 4 runs of 500 lines sent
                raise RuntimeError("client crashed")
            yield msg

    with pytest.raises(grpc.RpcError):
        officer.dis.CreateBatch(broken(), timeout=60)
    assert officer.dis.ListBatches(dpb.ListBatchesRequest(), timeout=30).batches == []


def test_bank_and_channel_principals_cannot_touch_batches(api, tmp_path):
    """A bank or card channel certificate is refused on every disbursement method."""
    for who in ("bank:102", "channel:branch-102"):
        with pytest.raises(grpc.RpcError) as exc:
            api(who).dis.ListBatches(dpb.ListBatchesRequest(), timeout=30)
        assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_one_line_per_message_and_runs_store_the_same_batch(api, tmp_path):
    """Uploading line by line or in runs of lines gives the same content hash and counts."""
    from gateway.uploads import payroll_messages

    path = make_payroll(tmp_path, 120, seed=17, bad_rate=0.05)
    officer = api("officer:wang")
    single = officer.dis.CreateBatch(
        payroll_messages(path, request_id="one", fund="PENSION_EMPLOYEE", period="2026-11", run=1), timeout=60
    )
    officer.dis.CancelBatch(
        dpb.CancelBatchRequest(request_id="c", batch_id=single.batch.batch_id, reason="again"), timeout=30
    )
    runs = officer.dis.CreateBatch(
        payroll_messages(path, request_id="runs", fund="PENSION_EMPLOYEE", period="2026-11", run=50),
        timeout=60,
    )
    assert runs.batch.content_hash == single.batch.content_hash
    assert (runs.accepted_line_count, runs.rejected_line_count) == (
        single.accepted_line_count,
        single.rejected_line_count,
    )


def test_gbk_and_xlsx_payrolls_upload_like_csv(api, tmp_path):
    """A GBK CSV with Chinese headers and the same payroll as XLSX store the same lines and errors."""
    import openpyxl

    from gateway.intake import validate_file
    from gateway.intake.generator import PayrollSpec, generate_payroll
    from gateway.intake.reader import open_payroll
    from gateway.intake.records import COLUMNS

    gbk = tmp_path / "gbk.csv"
    generate_payroll(gbk, PayrollSpec(payees=300, seed=31, bad_rate=0.02, period="2026-11", encoding="gbk"))
    report = validate_file(gbk)
    officer = api("officer:wang")
    first = officer.submit(gbk)
    assert (first.accepted_line_count, first.rejected_line_count) == (report.valid, report.rejected)
    officer.dis.CancelBatch(
        dpb.CancelBatchRequest(request_id="x1", batch_id=first.batch.batch_id, reason="again"), timeout=30
    )

    xlsx = tmp_path / "same.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    with open_payroll(gbk) as src:
        ws.append(list(COLUMNS))  # the reader hands fields over in this canonical order
        for _line, fields in src:
            if isinstance(fields, list):
                ws.append(fields)
    wb.save(xlsx)
    xreport = validate_file(xlsx)
    second = officer.submit(xlsx)
    assert (second.accepted_line_count, second.rejected_line_count) == (xreport.valid, xreport.rejected)
    assert second.accepted_line_count == first.accepted_line_count
