"""The reconciliation report for finance: CSV files, one XLSX workbook and one self-contained HTML page.

All three carry the same figures, from one :class:`~reconciliation.settlement.Settlement` (and, when
given, the daily control rows and the open exceptions):

* outcomes per fund, bank and batch (sent, paid, rejected, returned, unmatched: count and amount), with a
  total row that is the sum of the rows above it;
* rejected and returned amounts per reason;
* ageing of unmatched items (our lines with no evidence; bank entries naming none of our lines);
* the per-payee action list (masked names and accounts, opaque person ids: nothing in clear);
* the daily three-way control per fund account and day, and the open exceptions.

Amounts are written in yuan with exactly two decimals, computed from integer fen (never through floats):
CSV as text ``1234.56``, XLSX as exact decimals with a ``#,##0.00`` format, HTML as ``1,234.56``.

The HTML page needs nothing but a browser: styles are inline, the chart of outcomes per bank is an inline
SVG, and there are no scripts, fonts or images from anywhere.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.errors import InvalidInput
from reconciliation.settlement import (
    OUTCOMES,
    PAID,
    REASON_TEXT,
    REJECTED,
    RETURNED,
    UNMATCHED,
    GroupSettlement,
    Settlement,
)

FORMATS = ("csv", "xlsx", "html")
OUTCOME_TEXT = {PAID: "Paid", REJECTED: "Rejected", RETURNED: "Returned", UNMATCHED: "Unmatched"}
# Colour per outcome in the chart and the legend (readable printed in greys too: light to dark).
OUTCOME_COLOUR = {PAID: "#2e7d32", REJECTED: "#c62828", RETURNED: "#ef6c00", UNMATCHED: "#9e9e9e"}


def yuan(fen: int) -> str:
    """``123456`` → ``"1234.56"``; ``-5`` → ``"-0.05"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def yuan_grouped(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def yuan_decimal(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


# -- the tables, once, for every format -------------------------------------------------------------


@dataclass
class Table:
    """One sheet / one CSV file / one HTML table. Money columns hold fen (ints) and are named in
    ``money``; every writer formats them its own way."""

    name: str  # file and sheet name
    title: str
    columns: list[str]
    rows: list[list[Any]]
    money: frozenset[str]
    total: list[Any] | None = None  # a last row that sums the others, where a sum means something


def _outcome_columns() -> list[str]:
    cols = ["Sent (lines)", "Sent (CNY)"]
    for o in OUTCOMES:
        cols += [f"{OUTCOME_TEXT[o]} (lines)", f"{OUTCOME_TEXT[o]} (CNY)"]
    return cols


def _outcome_cells(g: GroupSettlement) -> list[Any]:
    cells: list[Any] = [g.sent.count, g.sent.minor]
    for o in OUTCOMES:
        t = g.state(o)
        cells += [t.count, t.minor]
    return cells


def _money_cols(columns: Iterable[str]) -> frozenset[str]:
    return frozenset(c for c in columns if c.endswith("(CNY)"))


def outcome_table(settlement: Settlement) -> Table:
    columns = ["Level", "Key", "Name", *_outcome_columns()]
    rows = []
    for level, groups in (
        ("fund", settlement.funds),
        ("bank", settlement.banks),
        ("batch", settlement.batches),
    ):
        rows += [[level, g.key, g.label, *_outcome_cells(g)] for g in groups]
    total = ["all", "ALL", "all lines", *_outcome_cells(settlement.total)]
    return Table("outcomes", "Outcomes per fund, bank and batch", columns, rows, _money_cols(columns), total)


def reason_table(settlement: Settlement) -> Table:
    columns = ["Level", "Key", "Reason", "Meaning", "Lines", "Amount (CNY)"]
    rows = []
    for level, groups in (
        ("fund", settlement.funds),
        ("bank", settlement.banks),
        ("batch", settlement.batches),
    ):
        for g in groups:
            for code, t in sorted(g.by_reason.items()):
                rows.append([level, g.key, code, REASON_TEXT.get(code, ""), t.count, t.minor])
    total_count = sum(t.count for t in settlement.total.by_reason.values())
    total_minor = sum(t.minor for t in settlement.total.by_reason.values())
    total = ["all", "ALL", "", "all rejected and returned", total_count, total_minor]
    return Table("reasons", "Rejected and returned, per reason", columns, rows, _money_cols(columns), total)


def ageing_table(settlement: Settlement) -> Table:
    columns = [
        "Age",
        "Our lines unmatched",
        "Our lines (CNY)",
        "Bank entries unmatched",
        "Bank entries (CNY)",
    ]
    rows = [
        [b.label, b.internal.count, b.internal.minor, b.bank.count, b.bank.minor] for b in settlement.ageing
    ]
    total = ["all ages", *(sum(r[i] for r in rows) for i in range(1, 5))]
    return Table("ageing", "Ageing of unmatched items", columns, rows, _money_cols(columns), total)


def action_table(settlement: Settlement) -> Table:
    columns = [
        "Action",
        "What to do",
        "Person",
        "Name",
        "Account",
        "Bank",
        "Reason",
        "Lines",
        "Amount (CNY)",
    ]
    rows = [
        [
            a.action,
            a.text,
            a.person_id,
            a.name_masked,
            a.account_masked,
            a.bank_code,
            a.reason_code,
            " ".join(a.line_refs),
            a.amount_minor,
        ]
        for a in settlement.actions
    ]
    return Table("actions", "Action list per payee", columns, rows, _money_cols(columns))


def daily_table(daily: Sequence[Any]) -> Table:
    columns = [
        "Fund account",
        "Day",
        "Ledger lines",
        "Ledger sent (CNY)",
        "Banks paid (CNY)",
        "Banks rejected (CNY)",
        "Statement debits (CNY)",
        "Unexplained debits (CNY)",
        "Statement credits (CNY)",
        "Returns here (CNY)",
        "Returns elsewhere (CNY)",
        "Agrees",
        "Breaks",
    ]
    rows = [
        [
            r.account_masked,
            r.day,
            r.ledger_sent_count,
            r.ledger_sent_minor,
            r.bank_paid_minor,
            r.bank_rejected_minor,
            r.statement_debit_minor,
            r.statement_unexplained_debit_minor,
            r.statement_credit_minor,
            r.returned_minor,
            r.returned_elsewhere_minor,
            "yes" if r.agrees else "NO",
            " ".join(r.breaks),
        ]
        for r in daily
    ]
    return Table(
        "daily_control", "Daily three-way control per fund account", columns, rows, _money_cols(columns)
    )


def exception_table(exceptions: Sequence[Any]) -> Table:
    columns = ["Id", "Kind", "State", "Account", "Amount (CNY)", "Reason", "Detail", "Opened"]
    rows = [
        [
            x.id,
            x.kind,
            x.state,
            x.account_masked or "",
            x.amount_minor,
            x.reason_code or "",
            x.detail,
            x.created_at[:10],
        ]
        for x in exceptions
    ]
    return Table("exceptions", "Exceptions", columns, rows, _money_cols(columns))


def report_tables(
    settlement: Settlement, *, daily: Sequence[Any] | None = None, exceptions: Sequence[Any] | None = None
) -> list[Table]:
    tables = [
        outcome_table(settlement),
        reason_table(settlement),
        ageing_table(settlement),
        action_table(settlement),
    ]
    if daily is not None:
        tables.append(daily_table(daily))
    if exceptions is not None:
        tables.append(exception_table(exceptions))
    return tables


# -- writers ----------------------------------------------------------------------------------------


def _csv_cell(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return ""
    return yuan(value) if column in table.money else value


def write_csv(tables: Sequence[Table], out_dir: Path, stem: str) -> list[Path]:
    """One UTF-8 CSV per table (with a byte-order mark, so spreadsheet programs read the Chinese right)."""
    paths = []
    for t in tables:
        path = out_dir / f"{stem}_{t.name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(t.columns)
            for row in [*t.rows, *([t.total] if t.total else [])]:
                w.writerow([_csv_cell(t, c, v) for c, v in zip(t.columns, row, strict=True)])
        paths.append(path)
    return paths


def write_xlsx(tables: Sequence[Table], path: Path, *, title: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for t in tables:
        ws = wb.create_sheet(t.name[:31])
        ws.append([t.title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(t.columns)
        for cell in ws[2]:
            cell.font = bold
        for row in [*t.rows, *([t.total] if t.total else [])]:
            ws.append(
                [
                    yuan_decimal(v) if c in t.money and v is not None else v
                    for c, v in zip(t.columns, row, strict=True)
                ]
            )
        if t.total:
            for cell in ws[ws.max_row]:
                cell.font = bold
        for i, c in enumerate(t.columns, 1):
            letter = get_column_letter(i)
            if c in t.money:
                for cell in ws[letter][2:]:
                    cell.number_format = "#,##0.00"
            width = max([len(str(c))] + [len(str(r[i - 1])) for r in t.rows[:200]])
            ws.column_dimensions[letter].width = min(60, max(10, width + 2))
        ws.freeze_panes = "A3"
    wb.properties.title = title
    wb.save(path)
    return path


_CSS = """
body{font-family:"Helvetica Neue",Arial,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;background:#fafafa}td.bad{color:#c62828;font-weight:bold}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ccc;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.3em}.legend span{display:inline-block;margin-right:1.2em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
@media print{body{margin:0}}
"""


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in t.columns)
    body = []
    for row, cls in [*((r, "") for r in t.rows), *([(t.total, "total")] if t.total else [])]:
        cells = []
        for c, v in zip(t.columns, row, strict=True):
            if c in t.money:
                cells.append(f'<td class="num">{"" if v is None else yuan_grouped(v)}</td>')
            elif isinstance(v, int) and not isinstance(v, bool):
                cells.append(f'<td class="num">{v:,}</td>')
            elif v == "NO":
                cells.append('<td class="bad">NO</td>')
            else:
                cells.append(f"<td>{_esc(v)}</td>")
        opening = f'<tr class="{cls}">' if cls else "<tr>"
        body.append(opening + "".join(cells) + "</tr>")
    if not t.rows:
        body.append(f'<tr><td colspan="{len(t.columns)}">none</td></tr>')
    return (
        f'<h2 id="{t.name}">{_esc(t.title)}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def bank_chart_svg(banks: Sequence[GroupSettlement]) -> str:
    """A horizontal stacked bar per bank: the share of the amount sent that was paid, rejected, returned or
    is unmatched, with the amounts written beside each bar."""
    bar_w, left, row_h, right = 460, 90, 34, 250
    height = 20 + row_h * max(1, len(banks))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + bar_w + right}" height="{height}" '
        f'role="img" aria-label="Outcomes per bank">'
    ]
    for i, g in enumerate(banks):
        y = 10 + i * row_h
        parts.append(f'<text x="0" y="{y + 17}" font-size="13">{_esc(g.label)}</text>')
        x = float(left)
        sent = g.sent.minor or 1
        for o in OUTCOMES:
            t = g.state(o)
            if not t.minor:
                continue
            w = bar_w * t.minor / sent
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="24" fill="{OUTCOME_COLOUR[o]}">'
                f"<title>{OUTCOME_TEXT[o]}: {t.count} line(s), CNY {yuan_grouped(t.minor)}</title></rect>"
            )
            x += w
        paid = g.state(PAID)
        parts.append(
            f'<text x="{left + bar_w + 8}" y="{y + 17}" font-size="12">'
            f"CNY {yuan_grouped(g.sent.minor)} sent, "
            f"{paid.minor * 100 // sent if g.sent.minor else 0}% paid</text>"
        )
    if not banks:
        parts.append('<text x="0" y="25" font-size="13">no lines</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(settlement: Settlement, tables: Sequence[Table], *, title: str) -> str:
    t = settlement.total
    cards = [("Sent", t.sent)] + [(OUTCOME_TEXT[o], t.state(o)) for o in OUTCOMES]
    card_html = "".join(
        f'<div class="card">{_esc(name)}<b>CNY {yuan_grouped(v.minor)}</b>{v.count:,} line(s)</div>'
        for name, v in cards
    )
    legend = "".join(
        f'<span><i style="background:{OUTCOME_COLOUR[o]}"></i>{OUTCOME_TEXT[o]}</span>' for o in OUTCOMES
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{_esc(title)}</h1><p class="meta">As of {_esc(settlement.as_of)}. Amounts in yuan (CNY). '
        "Payees are shown masked, by person id.</p>"
        f'<div class="cards">{card_html}</div>'
        f'<h2 id="chart">Outcomes per bank</h2><p class="legend">{legend}</p>'
        f"{bank_chart_svg(settlement.banks)}" + "".join(_html_table(x) for x in tables) + "</body></html>"
    )


def write_report(
    settlement: Settlement,
    out_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    *,
    daily: Sequence[Any] | None = None,
    exceptions: Sequence[Any] | None = None,
    stem: str = "recon_report",
    title: str | None = None,
) -> list[Path]:
    """Write the report in each of ``formats`` into ``out_dir`` (created if missing); the files written.

    ``daily`` are :class:`~reconciliation.daily_control.DailyControlRow` objects and ``exceptions``
    :class:`~reconciliation.exceptions.ExceptionView` objects; each adds its table when given.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InvalidInput(
            f"report format(s) {', '.join(unknown)} unknown; use {', '.join(FORMATS)}", "FORMAT_UNKNOWN"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    title = title or f"silink reconciliation report, as of {settlement.as_of}"
    tables = report_tables(settlement, daily=daily, exceptions=exceptions)
    paths: list[Path] = []
    if "csv" in formats:
        paths += write_csv(tables, out, stem)
    if "xlsx" in formats:
        paths.append(write_xlsx(tables, out / f"{stem}.xlsx", title=title))
    if "html" in formats:
        page = out / f"{stem}.html"
        page.write_text(render_html(settlement, tables, title=title), encoding="utf-8")
        paths.append(page)
    return paths
