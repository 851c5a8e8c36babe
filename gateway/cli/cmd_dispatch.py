"""`silink dispatch overdue|status`: SLA supervision (超期督办) and the dispatch picture per bank.

Both read the instance's database directly (like `silink bankfiles list`), so they work whether or not a
gateway is running, and show what every dispatcher process sharing the database has done. Exit 0.

* ``overdue`` — submissions past their bank's SLA deadline (sent time + ``sla_hours``) with lines not
  final, most overdue first, summed per bank and per batch. ``--bank`` keeps one bank.
* ``status`` — per bank: circuit breaker (last change any worker saw), rate limit, and how many
  submissions are queued, in flight, unknown (being inquired), in the manual queue and overdue.
"""

from __future__ import annotations

import argparse

from gateway.cli._common import add_dir_arg, add_json_arg, console, emit_json, instance_dir
from gateway.config import load_config
from gateway.storage import Database


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dispatch", help="dispatch to banks: overdue submissions (超期督办), per-bank status")
    dsub = p.add_subparsers(dest="dispatch_command", metavar="SUBCOMMAND", required=True)
    od = dsub.add_parser("overdue", help="submissions past their SLA deadline without a final answer")
    add_dir_arg(od)
    add_json_arg(od)
    od.add_argument("--bank", default=None, help="only this bank code")
    od.set_defaults(func=run_overdue)
    st = dsub.add_parser("status", help="per bank: breaker, rate limit, queued/in-flight/unknown/overdue")
    add_dir_arg(st)
    add_json_arg(st)
    st.set_defaults(func=run_status)


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h{minutes:02d}m" if days else f"{hours}h{minutes:02d}m"


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def run_overdue(args: argparse.Namespace) -> int:
    from gateway.dispatch.supervision import group_overdue, overdue_submissions

    cfg = load_config(instance_dir(args))
    db = Database(cfg.database_url)
    try:
        with db.read() as conn:
            items = overdue_submissions(conn, bank=args.bank)
    finally:
        db.dispose()
    by_bank, by_batch = group_overdue(items, "bank"), group_overdue(items, "batch")
    if args.json:
        emit_json(
            {
                "submissions": [i.to_dict() for i in items],
                "banks": [g.to_dict() for g in by_bank],
                "batches": [g.to_dict() for g in by_batch],
            }
        )
        return 0
    con = console()
    if not items:
        con.print("no overdue submissions" + (f" for bank {args.bank}" if args.bank else ""))
        return 0
    from rich.table import Table

    columns = ("bank", "batch", "submission", "state", "sent", "deadline", "overdue", "open lines", "open ¥")
    table = Table(*columns)
    for i in items:
        table.add_row(
            i.bank_code,
            i.batch,
            i.submission,
            i.state,
            i.sent_at[:19],
            i.sla_deadline[:19],
            _age(i.overdue_seconds),
            f"{i.open_lines:,}",
            _yuan(i.open_amount_fen),
        )
    con.print(table)
    for title, groups in (("per bank", by_bank), ("per batch", by_batch)):
        summary = Table(title, "submissions", "open lines", "open ¥", "oldest overdue")
        for g in groups:
            age = _age(g.oldest_overdue_seconds)
            summary.add_row(g.key, str(g.submissions), f"{g.open_lines:,}", _yuan(g.open_amount_fen), age)
        con.print(summary)
    return 0


def run_status(args: argparse.Namespace) -> int:
    from gateway.dispatch.controls import control_settings
    from gateway.dispatch.supervision import bank_status

    cfg = load_config(instance_dir(args))
    rates = {}
    for code, raw in cfg.banks.items():
        rate = control_settings(code, raw or {}).rate
        rates[code] = (rate.rate, rate.unit)
    db = Database(cfg.database_url)
    try:
        with db.read() as conn:
            rows = bank_status(conn, rates)
    finally:
        db.dispose()
    if args.json:
        emit_json({"banks": [r.to_dict() for r in rows]})
        return 0
    from rich.table import Table

    table = Table("bank", "breaker", "rate limit", "queued", "in flight", "unknown", "manual", "overdue")
    for r in rows:
        rate = f"{r.rate_limit:g} {r.rate_limit_unit}/s" if r.rate_limit > 0 else "none"
        overdue = f"{r.overdue} ({r.overdue_lines:,} lines)" if r.overdue else "0"
        table.add_row(
            r.bank_code,
            r.breaker_state,
            rate,
            str(r.queued),
            str(r.in_flight),
            str(r.unknown),
            str(r.manual),
            overdue,
        )
    console().print(table)
    return 0
