"""Throughput of the ISO path at scale (slow): a 20 000-line pain.001 rendered, accepted and reported.

Run with ``make test-slow`` (or ``pytest -m slow tests/adapters_iso``); the figures are printed. The floors
asserted are far below what this machine does, to catch an accidental quadratic, not to benchmark.
"""

from __future__ import annotations

import time

import pytest

from adapters.contract import LineOutcome, SubmitStatus, WireMessage
from adapters.iso20022 import Iso20022Adapter
from adapters.iso20022._render import render_pain001
from adapters.iso20022._wire import PAIN001_PATH, XML_CONTENT_TYPE
from tests.conformance import kit
from tests.conftest import LOG_DIR

LINES = 20_000
ADAPTER = Iso20022Adapter()


@pytest.mark.slow
def test_twenty_thousand_lines_through_the_simulator(tmp_path, capsys):
    """A 20 000-line pain.001 renders, is accepted over HTTPS and parses back, each above 2000 lines/s."""
    sub = kit.submission(kit.payroll_lines(tmp_path, LINES, 5, "T"), kit.unique("BIG"))
    started = time.perf_counter()
    body = render_pain001(sub, kit.now_iso())  # the renderer itself: the adapter caps a submission at 5000
    render_s = time.perf_counter() - started

    extra = ["--xsd-dir", str(kit.XSD_DIR)] if kit.XSD_DIR.is_dir() else []
    sim = kit.SimulatorProcess(tmp_path / "data", "iso20022", LOG_DIR, *extra)
    try:
        message = WireMessage(body=body, content_type=XML_CONTENT_TYPE, path=PAIN001_PATH)
        started = time.perf_counter()
        ack = ADAPTER.parse_submit_response(sim.send(message, timeout=300), sub)
        submit_s = time.perf_counter() - started
        assert ack.status is SubmitStatus.ACCEPTED

        started = time.perf_counter()
        answer = sim.send(ADAPTER.render_status_query(sub, kit.context()), timeout=300)
        query_s = time.perf_counter() - started
        started = time.perf_counter()
        result = ADAPTER.parse_status_response(answer, sub)
        parse_s = time.perf_counter() - started
        assert len(result.lines) == LINES
        assert all(r.outcome in (LineOutcome.PAID, LineOutcome.FAILED) for r in result.lines)

        started = time.perf_counter()
        sim.send(message, timeout=300)
        resend_s = time.perf_counter() - started
        totals = sim.control().ledger()["totals"]
        assert totals["credited_count"] == sum(r.outcome is LineOutcome.PAID for r in result.lines)
    finally:
        sim.stop()

    with capsys.disabled():
        print(
            f"\n20k-line pain.001 ({len(body) / 1e6:.1f} MB): render {LINES / render_s:,.0f} lines/s; "
            f"simulator accepts {LINES / submit_s:,.0f} lines/s (HTTPS{', XSD' if extra else ''}); "
            f"status answer {query_s:.2f} s; pain.002 parse {LINES / parse_s:,.0f} lines/s; "
            f"resend {resend_s:.2f} s"
        )
    for seconds in (render_s, submit_s, parse_s):
        assert LINES / seconds > 2000
