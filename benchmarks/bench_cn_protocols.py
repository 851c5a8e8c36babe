"""The Chinese protocols' wire work per submission of 3,000 lines: rendering and parsing a GB18030 报盘 /
回盘 pair (gateway and bank side), and sealing and opening a direct-link envelope (SM3withSM2 + SM4-GCM).

Inputs come from the adapter tests' helpers (fixed test keys). Each benchmark records lines/s in
``extra_info``; run with ``.venv/bin/pytest benchmarks/bench_cn_protocols.py --benchmark-only``.
"""

from __future__ import annotations

import pytest

from adapters.direct_link import DirectLinkAdapter, open_envelope
from adapters.fixed_width import BUILTIN, FixedWidthAdapter
from adapters.simulator.ledger import IncomingBatch, Ledger
from adapters.simulator.protocols.fixed_width import read_payroll, render_result
from tests.adapters_cn.helpers import BANK, GATEWAY, direct_ctx, file_ctx, gcm, make_line, make_submission

LINES = 3000
PROFILE = BUILTIN["gb18030-decimal"]


@pytest.fixture(scope="module")
def submission():
    names = ("王小明", "欧阳娜娜", "赵䶮", "买买提·艾力")
    return make_submission([make_line(i, names[i % 4]) for i in range(1, LINES + 1)], bank_code="403")


def _record(benchmark, lines: int) -> None:
    if benchmark.stats:
        benchmark.extra_info["lines"] = lines
        benchmark.extra_info["lines_per_second"] = round(lines / benchmark.stats["min"])


def test_render_payroll_file(benchmark, submission):
    """Our 报盘 file (GB18030, decimal yuan) with its detached SM2 signature."""
    ctx = file_ctx({"bank_code": "403"})
    adapter = FixedWidthAdapter.bind(ctx)
    (message,) = benchmark(adapter.render_submission_parts, submission, ctx)
    assert message.body.count(b"\r\n") == LINES + 2
    _record(benchmark, LINES)


def test_parse_result_file(benchmark, submission, tmp_path):
    """The bank's 回盘 file read back: signature, hash, every line joined to ours."""
    ctx = file_ctx({"bank_code": "403"})
    adapter = FixedWidthAdapter.bind(ctx)
    (message,) = adapter.render_submission_parts(submission, ctx)
    read = read_payroll(message.body, PROFILE)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    view, _ = ledger.receive(IncomingBatch(submission.bank_reference, list(read.lines)))
    rows = [{"seq": x.seq, "ref": x.end_to_end_id, "account": x.account, "name": x.name} for x in read.lines]
    data = render_result(PROFILE, "403", view, rows, 1, "20250105")
    signature = BANK.sign(data)
    parsed = benchmark(adapter.parse_result_file, data, signature, submission, ctx)
    assert parsed.clean and len(parsed.lines) == LINES
    ledger.close()
    _record(benchmark, LINES)


def test_seal_and_open_direct_link_submission(benchmark, submission):
    """One PAYROLL_SUBMIT of 3,000 lines sealed by us and opened (decrypted, verified) by the bank."""
    ctx = direct_ctx({"max_lines": LINES}, cipher=gcm())

    def round_trip():
        message = DirectLinkAdapter.bind(ctx).render_submission(submission, ctx)
        return open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=gcm())

    _head, body = benchmark(round_trip)
    assert len(body["lines"]) == LINES
    _record(benchmark, LINES)
