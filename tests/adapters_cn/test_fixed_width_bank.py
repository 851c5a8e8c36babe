"""The folder bank simulator (adapters/simulator/protocols/fixed_width.py), in process: how it reads our
报盘 files and what it writes back, checked against the adapter and golden files."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest

from adapters.contract import FailureReason, LineOutcome, SubmitStatus, WireResponse
from adapters.fixed_width import BUILTIN, SIGNATURE_HEADER, FixedWidthAdapter
from adapters.simulator.accounts import Rates
from adapters.simulator.faults import Fault, FaultBox
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import Request, SimContext, get_protocol
from adapters.simulator.protocols.fixed_width import read_payroll, render_receipt, render_result

from .helpers import (
    BANK,
    GATEWAY,
    GOLDEN,
    NOW,
    OTHER,
    check_golden,
    file_ctx,
    make_line,
    make_submission,
    pretty,
)

CLOCK = dt.datetime.fromisoformat(NOW).timestamp()
RARE = make_submission(
    [make_line(1, "赵䶮"), make_line(2, "王堃"), make_line(3, "𠮷田花子"), make_line(4, "张三")],
    bank_code="403",
)


@pytest.fixture
def sim(tmp_path: Path) -> SimContext:
    ledger = Ledger(tmp_path / "ledger.sqlite3", seed=3, rates=Rates(closed=0.25, frozen=0.15, class_ii=0.0))
    ctx = SimContext(
        ledger=ledger,
        faults=FaultBox(seed=3),
        bank_code="403",
        seed=3,
        data_dir=tmp_path,
        client_verifier=GATEWAY.verifier(),
        bank_signer=BANK,
        clock=lambda: CLOCK,
    )
    handler = get_protocol("fixed_width_file")
    for folder in handler.folders(ctx):
        folder.mkdir(parents=True)
    (tmp_path / "received").mkdir()
    yield ctx
    ledger.close()


def _adapter(**settings) -> tuple[FixedWidthAdapter, object]:
    ctx = file_ctx({"bank_code": "403", **settings})
    return FixedWidthAdapter.bind(ctx), ctx


def _drop(sim: SimContext, sub, signer=GATEWAY, **settings) -> list[dict[str, str]]:
    """Put our 报盘 files (signature first) into the bank's drop folder, as the gateway does."""
    adapter, ctx = _adapter(**settings)
    ctx = file_ctx({"bank_code": "403", **settings}, signer=signer)
    payroll, _results = get_protocol("fixed_width_file").folders(sim)
    for message in adapter.render_submission_parts(sub, ctx):
        for name, data in message.attachments.items():
            (payroll / name).write_bytes(data)
        (payroll / message.path).write_bytes(message.body)
    return adapter.file_names(sub, ctx)


def _file(sim: SimContext, name: str) -> WireResponse:
    _payroll, results = get_protocol("fixed_width_file").folders(sim)
    data = (results / name).read_bytes()
    sig = (results / (name + ".sig")).read_bytes()
    return WireResponse(0, data, {SIGNATURE_HEADER: base64.b64encode(sig).decode()})


def test_our_payroll_files_are_read_exactly_rare_characters_included(sim) -> None:
    """The bank's reading of our golden GB18030 报盘 gives back every line, 䶮 and 𠮷 included, exactly;
    its reading of the golden GBK 报盘 equals its golden file."""
    data = (GOLDEN / "fixed_width" / "payroll_gb18030_decimal.txt").read_bytes()
    read = read_payroll(data, BUILTIN["gb18030-decimal"])
    assert [x.name for x in read.lines] == ["赵䶮", "王堃", "𠮷田花子", "张三"]
    assert [(x.end_to_end_id, x.account, x.amount_fen) for x in read.lines] == [
        (x.end_to_end_ref, x.account, x.amount_fen) for x in RARE.lines
    ]
    gbk = read_payroll((GOLDEN / "fixed_width" / "payroll_gbk.txt").read_bytes(), BUILTIN["default"])
    check_golden("fixed_width/bank_read_payroll_gbk.json", pretty(gbk))


def test_a_dropped_file_gets_a_receipt_and_its_results_once_settled(sim) -> None:
    """Receipt 0000 at once, the result file once the batch is settled; both signed and read by the
    adapter to what the ledger says, the rare names echoed exactly."""
    handler = get_protocol("fixed_width_file")
    sim.ledger.settle_after_s = 3600
    (names,) = _drop(sim, RARE)
    handler.step(sim)
    adapter, ctx = _adapter()
    receipt = adapter.parse_submit_response(_file(sim, names["receipt"]), RARE, ctx)
    assert receipt.status is SubmitStatus.ACCEPTED and receipt.error is None
    _payroll, results = handler.folders(sim)
    assert not (results / names["result"]).exists()  # not settled yet
    sim.ledger.settle_now(RARE.bank_reference, CLOCK - 1)
    handler.step(sim)
    result = _file(sim, names["result"])
    parsed = adapter.parse_result_file(
        result.body, base64.b64decode(result.headers[SIGNATURE_HEADER]), RARE, ctx
    )
    assert parsed.clean, (parsed.line_errors, parsed.file_errors)
    view = sim.ledger.batch(RARE.bank_reference)
    for line, got in zip(view.lines, parsed.lines, strict=True):
        assert got.outcome is (LineOutcome.PAID if line.credited else LineOutcome.FAILED)
        if not line.credited:
            assert got.reason is FailureReason(line.reason)
    assert "𠮷田花子".encode("gb18030") in result.body


def test_a_resent_file_is_not_booked_again_and_a_forged_one_is_refused(sim) -> None:
    """The same file again: receipt 0000 again, one resend, no second credit. A file signed with another
    key: receipt 2002 and nothing booked."""
    handler = get_protocol("fixed_width_file")
    sub = make_submission(3, bank_code="403", reference="SLK000000000501")
    _drop(sim, sub)
    handler.step(sim)
    before = sim.ledger.totals()
    (names,) = _drop(sim, sub)
    handler.step(sim)
    adapter, ctx = _adapter()
    assert (
        adapter.parse_submit_response(_file(sim, names["receipt"]), sub, ctx).status is SubmitStatus.ACCEPTED
    )
    after = sim.ledger.totals()
    assert after["resends"] == before["resends"] + 1 and after["credited_count"] == before["credited_count"]

    forged = make_submission(2, bank_code="403", reference="SLK000000000502")
    (names,) = _drop(sim, forged, signer=OTHER)
    handler.step(sim)
    refused = adapter.parse_submit_response(_file(sim, names["receipt"]), forged, ctx)
    assert (refused.status, refused.error.code) == (SubmitStatus.REJECTED, "2002")
    assert sim.ledger.batch(forged.bank_reference) is None


def test_faults_withhold_duplicate_and_damage_result_files(sim) -> None:
    """drop-response: no result file at all; duplicate-results: the same bytes again once taken;
    malformed lines: damaged lines reported by line and column, the others still read."""
    handler = get_protocol("fixed_width_file")
    _payroll, results = handler.folders(sim)
    adapter, ctx = _adapter()

    silent = make_submission(2, bank_code="403", reference="SLK000000000601")
    sim.faults.arm(Fault("drop-response", endpoints=("status",)))
    (names,) = _drop(sim, silent)
    handler.step(sim)
    assert (results / names["receipt"]).exists() and not (results / names["result"]).exists()
    sim.faults.clear()

    twice = make_submission(3, bank_code="403", reference="SLK000000000602")
    sim.faults.arm(Fault("duplicate-results", endpoints=("status",)))
    (names,) = _drop(sim, twice)
    handler.step(sim)
    first = (results / names["result"]).read_bytes()
    handler.step(sim)
    assert (results / names["result"]).read_bytes() == first  # not taken yet: nothing dropped again
    (results / names["result"]).unlink()  # the gateway takes it
    handler.step(sim)
    assert (results / names["result"]).read_bytes() == first  # the very same file, once more
    sim.faults.clear()

    damaged = make_submission(15, bank_code="403", reference="SLK000000000603")
    sim.faults.arm(Fault("malformed", variant="lines", count=1, endpoints=("status",)))
    (names,) = _drop(sim, damaged)
    handler.step(sim)
    got = _file(sim, names["result"])
    parsed = adapter.parse_result_file(
        got.body, base64.b64decode(got.headers[SIGNATURE_HEADER]), damaged, ctx
    )
    assert [e.line for e in parsed.line_errors] == [2, 9, 16]  # every 7th detail line, after the header
    assert all(e.column > 1 and e.field == "amount" for e in parsed.line_errors)
    assert len(parsed.lines) == 12


def test_returns_come_in_a_returns_file(sim) -> None:
    """A credit that comes back is written in a returns file (RTN, status R) the adapter reads as RETURNED."""
    handler = get_protocol("fixed_width_file")
    sub = make_submission(6, bank_code="403", reference="SLK000000000701")
    (names,) = _drop(sim, sub)
    handler.step(sim)
    view = sim.ledger.batch(sub.bank_reference)
    paid = [x for x in view.lines if x.credited]
    sim.ledger.return_credit(paid[0].end_to_end_id, FailureReason.DECEASED, CLOCK)
    handler.step(sim)
    got = _file(sim, names["returns"])
    adapter, ctx = _adapter()
    parsed = adapter.parse_result_file(got.body, base64.b64decode(got.headers[SIGNATURE_HEADER]), sub, ctx)
    assert parsed.clean
    assert [(r.end_to_end_ref, r.outcome, r.reason, r.reason_code_list) for r in parsed.lines] == [
        (paid[0].end_to_end_id, LineOutcome.RETURNED, FailureReason.DECEASED, "return")
    ]


def test_the_banks_files_golden(sim) -> None:
    """The receipt, result and returns files the bank writes for a fixed ledger equal their golden files."""
    profile = BUILTIN["gb18030-decimal"]
    golden = (GOLDEN / "fixed_width" / "payroll_gb18030_decimal.txt").read_bytes()
    batch = get_protocol("fixed_width_file").read_batch(Request("POST", "", {}, golden), sim)
    sim.ledger.receive(batch, CLOCK)
    view = sim.ledger.batch(RARE.bank_reference)
    rows = [{"seq": x.seq, "ref": x.end_to_end_ref, "account": x.account, "name": x.name} for x in RARE.lines]
    check_golden(
        "fixed_width/bank_receipt.txt",
        render_receipt(profile, RARE.bank_reference, 1, "0000", "交易成功", 4, RARE.control_sum_fen),
    )
    check_golden("fixed_width/bank_result.txt", render_result(profile, "403", view, rows, 1, "20250105"))
    paid = next(x for x in view.lines if x.credited)
    sim.ledger.return_credit(paid.end_to_end_id, FailureReason.ACCOUNT_CLOSED, CLOCK)
    view = sim.ledger.batch(RARE.bank_reference)
    check_golden(
        "fixed_width/bank_returns.txt", render_result(profile, "403", view, rows, 1, "20250105", returns=True)
    )


@pytest.mark.parametrize("name", ["bank_result", "bank_returns"])
def test_the_adapter_reads_the_banks_files_golden(name: str) -> None:
    """What the adapter reads from the bank's own result and returns files (signed now with the bank's
    key) equals its golden file: every line, the rare names' lines included, and no defect."""
    data = (GOLDEN / "fixed_width" / f"{name}.txt").read_bytes()
    adapter, ctx = _adapter()
    parsed = adapter.parse_result_file(data, BANK.sign(data), RARE, ctx)
    assert parsed.clean
    check_golden(f"fixed_width/{name}.parsed.json", pretty(parsed))
