"""`silink bankfiles list`: the files folder banks sent (receipts, results, returns) and what became of them.

Reads the instance's database directly (like `silink audit verify`): one row per file picked up, with its
outcome (APPLIED, DUPLICATE, REFUSED, UNMATCHED), how many lines it moved, and the malformed lines of a
result file by line and column (values masked). Exit 0.
"""

from __future__ import annotations

import argparse
import json

from gateway.cli._common import add_dir_arg, add_json_arg, console, emit_json, instance_dir
from gateway.config import load_config
from gateway.storage import Database

OUTCOMES = ("APPLIED", "DUPLICATE", "REFUSED", "UNMATCHED")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bankfiles", help="files received from folder banks (回执, 回盘, 退票)")
    bsub = p.add_subparsers(dest="bankfiles_command", metavar="SUBCOMMAND", required=True)
    ls = bsub.add_parser("list", help="the files picked up, newest first, with outcome and line errors")
    add_dir_arg(ls)
    add_json_arg(ls)
    ls.add_argument("--bank", default=None, help="only this bank code")
    ls.add_argument("--outcome", choices=OUTCOMES, default=None, help="only files with this outcome")
    ls.add_argument("--limit", type=int, default=50, help="most files shown (default 50)")
    ls.add_argument("--errors", action="store_true", help="print every recorded line error")
    ls.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from gateway.storage.tables_bankfiles import bank_files

    cfg = load_config(instance_dir(args))
    db = Database(cfg.database_url)
    q = select(bank_files).order_by(bank_files.c.id.desc()).limit(max(1, args.limit))
    if args.bank:
        q = q.where(bank_files.c.bank_code == args.bank)
    if args.outcome:
        q = q.where(bank_files.c.outcome == args.outcome)
    try:
        with db.read() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
    finally:
        db.dispose()
    for row in rows:
        row["errors"] = json.loads(row["errors"]) if row["errors"] else []
        row.pop("applied_hash", None)
    if args.json:
        emit_json({"files": rows})
        return 0
    from rich.table import Table

    table = Table("received", "bank", "kind", "file", "outcome", "lines", "moved", "line errors")
    for row in rows:
        table.add_row(
            row["received_at"][:19],
            row["bank_code"],
            row["kind"],
            row["file_name"],
            row["outcome"],
            str(row["detail_lines"]),
            str(row["lines_moved"]),
            str(row["line_errors"]),
        )
    con = console()
    con.print(table)
    for row in rows:
        shown = row["errors"] if args.errors else row["errors"][:3]
        for error in shown:
            con.print(f"  {row['file_name']}: {error}")
    return 0
