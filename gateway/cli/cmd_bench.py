"""`silink bench province`: the province-scale end-to-end benchmark (gateway/bench/province.py).

It builds its own instance, simulators and payroll in a temporary folder (``--keep DIR`` keeps them), so
it needs no ``--dir`` and never touches an instance of yours. Progress bars go to stderr; the report to
stdout (a table, or one JSON object with ``--json``; ``--out FILE`` also writes the JSON to a file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gateway.cli._common import emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks over the real code paths (province scale)")
    bsub = p.add_subparsers(dest="bench_command", required=True, metavar="{province}")
    pv = bsub.add_parser(
        "province",
        help="a month's payroll end to end: ingest, persist, release, sign, render, dispatch, reconcile",
        description=(
            "Generate a deterministic payroll of N lines and run it through every stage against local bank "
            "simulators, reporting seconds, lines/s and peak RSS per stage, the totals and the machine."
        ),
    )
    pv.add_argument("--payees", type=int, required=True, help="payment lines to generate (e.g. 1000000)")
    pv.add_argument(
        "--banks",
        type=int,
        default=2,
        help="partner banks, each with its own simulator: 102 ISO 20022, 308 direct-link, 104, 301, 403 "
        "and 103 (files), in that order (default 2)",
    )
    pv.add_argument(
        "--workers",
        type=int,
        default=2,
        help="dispatcher workers: threads on SQLite, `silink serve --role dispatcher` processes (two "
        "threads each) on PostgreSQL (default 2, as `silink serve`)",
    )
    pv.add_argument(
        "--database",
        default=None,
        metavar="DSN",
        help="an EMPTY PostgreSQL database (postgresql+psycopg://user@host/db); default SQLite",
    )
    pv.add_argument(
        "--batch-lines",
        type=int,
        default=1_000_000,
        help="lines per batch; a larger payroll becomes several batches, as regions submit (default 1000000)",
    )
    pv.add_argument(
        "--baseline",
        action="store_true",
        help="also run the straightforward baseline (benchmarks/baseline.py) on the same payroll and "
        "print the ratio per stage",
    )
    pv.add_argument(
        "--baseline-sign-lines",
        type=int,
        default=20_000,
        help="lines the baseline signs one RSA signature each (default 20000; its rate is compared)",
    )
    pv.add_argument("--keep", type=Path, default=None, help="work in this new folder and keep it afterwards")
    pv.add_argument("--out", type=Path, default=None, help="also write the JSON report to this file")
    pv.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    pv.add_argument(
        "--stall-seconds",
        type=float,
        default=300.0,
        help="fail when dispatch makes no progress for this long (default 300)",
    )
    pv.add_argument("--json", action="store_true", help="print the report as one JSON object")
    pv.set_defaults(func=run_province_cmd)


def run_province_cmd(args: argparse.Namespace) -> int:
    from gateway.bench.province import ProvinceSpec, run_province

    spec = ProvinceSpec(
        payees=args.payees,
        banks=args.banks,
        workers=args.workers,
        database=args.database,
        batch_lines=args.batch_lines,
        baseline=args.baseline,
        baseline_sign_lines=args.baseline_sign_lines,
        keep=args.keep,
        show_progress=not args.no_progress,
        stall_seconds=args.stall_seconds,
    )
    report = run_province(spec)
    if args.out is not None:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.json:
        emit_json(report)
    else:
        print_report(report)
    t = report["totals"]
    return 0 if t["lines_balance"] and t["amount_balance"] and t["agrees_with_banks"] else 1


def print_report(report: dict) -> None:
    con = Console(highlight=False)
    t = report["totals"]
    table = Table(
        title=f"silink bench province — {report['payees']:,} lines, {len(report['banks'])} banks, "
        f"{report['workers']} worker(s), {report['database']}"
    )
    for col in ("stage", "seconds", "lines/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    base = (report.get("baseline") or {}).get("stages", {})
    if base:
        table.add_column("baseline lines/s", justify="right")
        table.add_column("ratio", justify="right")
    for n, s in enumerate(report["stages"], 1):
        row = [
            f"{n}. {s['title']}",
            f"{s['seconds']:,.2f}",
            f"{s['lines_per_s']:,}" if s["lines_per_s"] else "-",
            f"{s['peak_rss_mb']:,.0f}",
        ]
        if base:
            b = base.get(s["stage"])
            row += [f"{b['lines_per_s']:,}", f"{b['ratio']}×"] if b and "ratio" in b else ["", ""]
        table.add_row(*row)
    table.add_row(
        "end to end",
        f"{t['end_to_end_seconds']:,.2f}",
        f"{t['lines_per_s']:,}",
        f"{t['peak_rss_mb']:,.0f}",
        *([""] * (2 if base else 0)),
        style="bold",
    )
    con.print(table)
    g = report["generation"]
    con.print(f"generation (not in the totals): {g['seconds']:,.2f} s, {g['lines_per_s']:,} lines/s")

    def ok(flag: bool) -> str:
        return "[green]agrees[/]" if flag else "[bold red]DOES NOT AGREE[/]"

    con.print(
        f"lines in {t['lines_in']:,} = paid {t['lines_paid']:,} + failed {t['lines_failed']:,} + held "
        f"{t['lines_held']:,} + rejected {t['lines_rejected']:,} (in flight {t['lines_in_flight']:,}): "
        + ok(t["lines_balance"])
    )
    con.print(
        f"amount in ¥{t['amount_in_fen'] / 100:,.2f} = paid ¥{t['amount_paid_fen'] / 100:,.2f} + failed "
        f"¥{t['amount_failed_fen'] / 100:,.2f} + held ¥{t['amount_held_fen'] / 100:,.2f}: "
        + ok(t["amount_balance"])
    )
    con.print(
        f"banks' ledgers credited {t['banks_credited_lines']:,} lines, "
        f"¥{t['banks_credited_fen'] / 100:,.2f}: " + ok(t["agrees_with_banks"])
    )
    m = report["machine"]
    con.print(
        f"machine: {m['cores']} cores ({m['usable_cores']} usable), {m['cpu_model']}, {m['memory_gb']} GB, "
        f"{m['os']}, Python {m['python']}, load {m['load_average_1min']}"
    )
