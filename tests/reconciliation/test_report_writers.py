"""The finance report: CSV, XLSX and HTML carry the settlement's figures and totals, and nothing personal
or external."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gateway.errors import InvalidInput
from reconciliation import exceptions as X
from reconciliation import settlement as S
from reconciliation.daily_control import run_daily_control
from reconciliation.report_writers import write_report, yuan

from .recon_db import FUND_A, FUND_B, STRANGER
from .test_recon_month import TODAY
from .test_settlement import _reconciled_month


@pytest.fixture
def report(db, tmp_path: Path):
    (tmp_path / "in").mkdir()
    month = _reconciled_month(db, tmp_path / "in")
    with db.write() as conn:
        daily = run_daily_control(conn)
    with db.read() as conn:
        st = S.build_settlement(conn, as_of=TODAY)
    exceptions = X.list_exceptions(db, state="OPEN")
    paths = write_report(st, tmp_path / "out", daily=daily, exceptions=exceptions)
    return {
        "month": month,
        "st": st,
        "daily": daily,
        "exceptions": exceptions,
        "paths": paths,
        "out": tmp_path / "out",
    }


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_yuan_is_exact() -> None:
    assert [yuan(v) for v in (0, 5, 100, 123_456, -5, -100_001)] == [
        "0.00",
        "0.05",
        "1.00",
        "1234.56",
        "-0.05",
        "-1000.01",
    ]


def test_csv_values_and_totals(report) -> None:
    st, out = report["st"], report["out"]
    names = sorted(p.name for p in report["paths"] if p.suffix == ".csv")
    assert names == [
        f"recon_report_{n}.csv"
        for n in ("actions", "ageing", "daily_control", "exceptions", "outcomes", "reasons")
    ]
    rows = _csv(out / "recon_report_outcomes.csv")
    total = rows[-1]
    assert total["Level"] == "all" and total["Sent (CNY)"] == yuan(st.total.sent.minor)
    assert int(total["Sent (lines)"]) == 16
    # Every level adds up to the total, and each row's outcomes add up to what it sent.
    for level in ("fund", "bank", "batch"):
        mine = [r for r in rows if r["Level"] == level]
        assert sum(Decimal(r["Sent (CNY)"]) for r in mine) == Decimal(total["Sent (CNY)"])
    for r in rows:
        outcomes = sum(Decimal(r[f"{o} (CNY)"]) for o in ("Paid", "Rejected", "Returned", "Unmatched"))
        assert outcomes == Decimal(r["Sent (CNY)"])
    bank_105 = next(r for r in rows if r["Level"] == "bank" and r["Key"] == "105")
    assert (bank_105["Unmatched (lines)"], bank_105["Unmatched (CNY)"]) == ("2", "99.00")
    reasons = {
        r["Reason"]: r
        for r in _csv(out / "recon_report_reasons.csv")
        if r["Level"] == "all" or r["Level"] == "fund"
    }
    a = report["month"]["s1"].amounts
    assert reasons["MD07"]["Amount (CNY)"] == yuan(a[4]) and reasons["MD07"]["Meaning"] == "payee deceased"
    actions = _csv(out / "recon_report_actions.csv")
    assert sorted(r["Action"] for r in actions) == [
        "ACCOUNT_CORRECTION",
        "ACCOUNT_CORRECTION",
        "DECEASED_SUSPECTED",
    ]
    daily = _csv(out / "recon_report_daily_control.csv")
    assert len(daily) == len(report["daily"]) and {r["Agrees"] for r in daily} <= {"yes", "NO"}
    ageing = _csv(out / "recon_report_ageing.csv")
    assert ageing[-1]["Our lines unmatched"] == "3"


def test_xlsx_values(report) -> None:
    st = report["st"]
    wb = load_workbook(report["out"] / "recon_report.xlsx")
    assert wb.sheetnames == ["outcomes", "reasons", "ageing", "actions", "daily_control", "exceptions"]
    ws = wb["outcomes"]
    header = [c.value for c in ws[2]]
    last = [c.value for c in ws[ws.max_row]]
    sent = last[header.index("Sent (CNY)")]
    assert Decimal(str(sent)) == Decimal(st.total.sent.minor).scaleb(-2)
    assert last[header.index("Sent (lines)")] == 16
    assert ws.cell(ws.max_row, header.index("Paid (CNY)") + 1).number_format == "#,##0.00"
    paid = sum(
        Decimal(str(r[header.index("Paid (CNY)")].value))
        for r in ws.iter_rows(min_row=3, max_row=ws.max_row - 1)
        if r[0].value == "bank"
    )
    assert paid == Decimal(st.total.state(S.PAID).minor).scaleb(-2)
    actions = wb["actions"]
    people = [r[2].value for r in actions.iter_rows(min_row=3)]
    assert people == [a.person_id for a in st.actions]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_readable(report) -> None:
    st = report["st"]
    page = (report["out"] / "recon_report.html").read_text(encoding="utf-8")
    p = _Page()
    p.feed(page)
    # Nothing fetched from anywhere: no scripts, stylesheets, images, frames or remote URLs.
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(p.tags)
    urls = [v for k, v in p.attrs if k in ("src", "href") and v]
    assert urls == []
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"]  # the SVG namespace only
    assert "style" in p.tags and "svg" in p.tags
    # The chart: one label per bank and one bar segment per non-empty outcome of that bank.
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert re.findall(r">bank (\d+)<", svg) == ["105", "308"]
    segments = sum(1 for g in st.banks for o in S.OUTCOMES if g.state(o).minor)
    assert svg.count("<rect") == segments
    # The figures, formatted for people.
    text = " ".join(p.text)
    total = st.total.sent.minor
    assert f"CNY {total // 100:,}.{total % 100:02d}" in text
    assert "Action list per payee" in text and "Daily three-way control per fund account" in text
    for a in st.actions:
        assert a.person_id in text
    # Nothing personal in clear: fund accounts and the stranger's account only masked.
    for account in (FUND_A, FUND_B, STRANGER):
        assert account not in page


def test_formats_and_refusal(db, tmp_path: Path) -> None:
    with db.read() as conn:
        st = S.build_settlement(conn, as_of=TODAY)
    paths = write_report(st, tmp_path / "only", formats=("html",))
    assert [p.name for p in paths] == ["recon_report.html"]
    assert "no lines" in paths[0].read_text(encoding="utf-8")
    with pytest.raises(InvalidInput):
        write_report(st, tmp_path / "x", formats=("pdf",))
