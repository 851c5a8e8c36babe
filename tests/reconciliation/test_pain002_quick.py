"""The quick pain.002 transaction reader gives exactly what the general reader gives: the same entries,
the same warnings and, for malformed transactions, the same problems with the same paths and lines."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reconciliation import pain002
from reconciliation._base import ParseContext

NS = {
    "03": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
    "10": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10",
    "ch": "http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd",
}

# Pieces of a transaction; each generated transaction picks some. Invented references and amounts only.
_STATUSES = ["ACSC", "ACCC", "RJCT", "ACSP", "PDNG", "ZZZZ", "", None]
_AMOUNTS = [
    '<Amt><InstdAmt Ccy="CNY">12.50</InstdAmt></Amt>',
    '<Amt><InstdAmt Ccy="CNY">0</InstdAmt></Amt>',
    '<Amt><InstdAmt Ccy="CNY"> 7 </InstdAmt></Amt>',
    '<Amt><InstdAmt Ccy="JPY">1200</InstdAmt></Amt>',
    '<Amt><EqvtAmt><Amt Ccy="EUR">3.10</Amt><CcyOfTrf>CNY</CcyOfTrf></EqvtAmt></Amt>',
    '<Amt><InstdAmt Ccy="CNY">1,50</InstdAmt></Amt>',  # bad: a comma
    '<Amt><InstdAmt Ccy="CNY">1.005</InstdAmt></Amt>',  # bad: too many decimals
    '<Amt><InstdAmt Ccy="cny">1.00</InstdAmt></Amt>',  # bad currency
    "<Amt><InstdAmt>1.00</InstdAmt></Amt>",  # no currency
    '<Amt><InstdAmt Ccy="CNY">x</InstdAmt><EqvtAmt><Amt Ccy="CNY">2.00</Amt></EqvtAmt></Amt>',
    '<Amt><InstdAmt Ccy="CNY">1.00</InstdAmt><InstdAmt Ccy="CNY">2.00</InstdAmt></Amt>',  # twice
    "<Amt/>",
    "",
]
_DATES = [
    "<ReqdExctnDt><Dt>2026-11-02</Dt></ReqdExctnDt>",
    "<ReqdExctnDt><DtTm>2026-11-02T10:00:00+08:00</DtTm></ReqdExctnDt>",
    "<ReqdExctnDt>2026-11-03</ReqdExctnDt>",  # 001.03: a plain ISODate
    "<IntrBkSttlmDt>2026-11-04</IntrBkSttlmDt><ReqdExctnDt><Dt>2026-11-02</Dt></ReqdExctnDt>",
    "<IntrBkSttlmDt>2026-13-04</IntrBkSttlmDt><ReqdExctnDt><Dt>2026-11-02</Dt></ReqdExctnDt>",  # bad
    "<ReqdExctnDt><Dt></Dt></ReqdExctnDt>",  # empty
    "<ReqdColltnDt>2026-11-05</ReqdColltnDt>",
    "<ReqdExctnDt><Dt>2026-11-02</Dt><Dt>2026-11-09</Dt></ReqdExctnDt>",  # twice
    "",
]
_REASONS = [
    "",
    "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>account closed</AddtlInf></StsRsnInf>",
    "<StsRsnInf><Rsn><Prtry>B-17</Prtry></Rsn></StsRsnInf>"
    "<StsRsnInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>second</AddtlInf><AddtlInf> </AddtlInf></StsRsnInf>",
    "<StsRsnInf><AddtlInf>text only</AddtlInf></StsRsnInf>",
]


def _tx(rng: random.Random, n: int) -> str:
    parts = ["<TxInfAndSts>"]
    if rng.random() < 0.3:
        parts.append(f"<OrgnlInstrId>{n}</OrgnlInstrId>")
    if rng.random() < 0.95:
        parts.append(f"<OrgnlEndToEndId> E2E{n:013d} </OrgnlEndToEndId>")
    if rng.random() < 0.05:
        parts.append(f"<OrgnlEndToEndId>E2E{n + 1:013d}</OrgnlEndToEndId>")  # twice
    if rng.random() < 0.2:
        parts.append("<OrgnlUETR>1b4ec1a8-3b5c-4d0e-9f0a-2a6c2b7d9e11</OrgnlUETR>")
    status = rng.choice(_STATUSES)
    if status is not None:
        parts.append(f"<TxSts>{status}</TxSts>")
    parts.append(rng.choice(_REASONS))
    if rng.random() < 0.2:
        parts.append(f"<AcctSvcrRef>BK{n}</AcctSvcrRef>")
    if rng.random() < 0.1:
        parts.append("<!-- a bank's comment -->")
    if rng.random() < 0.9:
        ref = rng.choice(_AMOUNTS) + rng.choice(_DATES)
        parts.append(f"<OrgnlTxRef>{ref}</OrgnlTxRef>")
        if rng.random() < 0.03:
            parts.append("<OrgnlTxRef><Amt><InstdAmt Ccy='CNY'>9.00</InstdAmt></Amt></OrgnlTxRef>")
    parts.append("</TxInfAndSts>")
    return "\n".join(parts)


def _report(rng: random.Random, version: str) -> str:
    group = rng.choice(["ACSC", "PART", "RJCT", "ACTC", None])
    blocks = []
    n = 0
    for b in range(rng.randint(1, 3)):
        block_status = rng.choice(["RJCT", "ACSP", "PART", None, None])
        head = f"<OrgnlPmtInfId>PMT-{b}</OrgnlPmtInfId>"
        if block_status:
            head += f"<PmtInfSts>{block_status}</PmtInfSts>"
        txs = []
        for _ in range(rng.randint(0, 12)):
            n += 1
            txs.append(_tx(rng, n))
        blocks.append(f"<OrgnlPmtInfAndSts>{head}{''.join(txs)}</OrgnlPmtInfAndSts>")
    grp = f"<GrpSts>{group}</GrpSts>" if group else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="{NS[version]}"><CstmrPmtStsRpt>\n'
        "<GrpHdr><MsgId>BANKRPT-1</MsgId><CreDtTm>2026-11-01T10:00:00+08:00</CreDtTm></GrpHdr>\n"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>SILINK-B1-S1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
        f"<OrgnlNbOfTxs>{n}</OrgnlNbOfTxs>{grp}</OrgnlGrpInfAndSts>\n"
        + "\n".join(blocks)
        + "\n</CstmrPmtStsRpt></Document>\n"
    )


def _both(path: Path) -> tuple[tuple, tuple]:
    out = []
    for quick in (True, False):
        ctx = ParseContext(path, "pain.002")
        statements, entries = pain002.parse(path, ctx, quick=quick)
        out.append((statements, entries, ctx.problems, ctx.warnings, ctx.first_problem))
    return out[0], out[1]


@pytest.mark.parametrize("seed", range(60))
def test_quick_reader_matches_general_reader_on_generated_reports(tmp_path: Path, seed: int) -> None:
    """Generated reports (several blocks, refusals with reasons, bad amounts and dates, repeated and
    missing fields): entries, problems and warnings are identical on both paths."""
    rng = random.Random(seed)
    path = tmp_path / "report.xml"
    path.write_text(_report(rng, rng.choice(sorted(NS))), encoding="utf-8")
    quick, general = _both(path)
    assert quick == general


def test_generated_reports_cover_clean_and_malformed_transactions(tmp_path: Path) -> None:
    """The generator is worth its name: among its reports some are clean and some carry problems."""
    with_problems = clean = 0
    for seed in range(60):
        rng = random.Random(seed)
        path = tmp_path / f"r{seed}.xml"
        path.write_text(_report(rng, rng.choice(sorted(NS))), encoding="utf-8")
        _quick, general = _both(path)
        if general[2]:
            with_problems += 1
        elif general[1]:
            clean += 1
    assert with_problems >= 10 and clean >= 5, (with_problems, clean)


def test_bank_answer_of_a_full_submission_reads_the_same(tmp_path: Path) -> None:
    """A simulator's final answer to 600 lines (some refused with a reason) reads the same both ways."""
    from adapters.simulator.ledger import BatchView, LineView
    from adapters.simulator.protocols.iso20022 import render_pain002

    lines = tuple(
        LineView(i, f"E2E{i:013d}", 1_000 + i, i % 7 != 0, None if i % 7 else "ACCOUNT_CLOSED")
        for i in range(1, 601)
    )
    view = BatchView(
        "SILINK-B1-S1", 0.0, 0.0, 600, sum(x.amount_fen for x in lines), None, None, None, "1", {}, 0, lines
    )
    body = render_pain002(
        view, msg_id="M1", created="2026-11-01T10:00:00+08:00", bank_code="102", stage="final"
    )
    path = tmp_path / "answer.xml"
    path.write_bytes(body)
    quick, general = _both(path)
    assert quick == general
    assert len(quick[1]) == 601 and not quick[2]
    assert sum(1 for e in quick[1] if e.reason is not None) == 85
