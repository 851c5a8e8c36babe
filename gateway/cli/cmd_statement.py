"""`silink statement parse FILE [--json]`: any bank evidence file, one normalised entry per line.

Detects the format (pain.002, camt.053/054, MT940/942, our fixed-width 回盘/退票, direct-link JSON,
BankLink pushes), parses the whole file and prints one entry per line: a short text line, or with
``--json`` one JSON object per line (JSON lines). Accounts and account-like numbers are masked. A file
that cannot be read or has bad fields prints one precise error (file, position, field, reason), exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from reconciliation._money import format_minor
from reconciliation.entry import entry_to_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("statement", help="bank evidence files: parse and show normalised entries")
    ssub = p.add_subparsers(dest="statement_command", metavar="SUBCOMMAND", required=True)
    parse = ssub.add_parser("parse", help="detect the format and print one normalised entry per line")
    parse.add_argument("file", help="the evidence file")
    parse.add_argument("--format", default=None, help="force a format instead of detecting it")
    parse.add_argument("--json", action="store_true", help="JSON lines: one entry object per line")
    parse.set_defaults(func=run_parse)


def run_parse(args: argparse.Namespace) -> int:
    from reconciliation.registry import parse_file

    result = parse_file(args.file, args.format)
    out = sys.stdout
    for entry in result.entries:
        if args.json:
            out.write(json.dumps(entry_to_json(entry), ensure_ascii=False, sort_keys=True) + "\n")
            continue
        refs = entry.refs
        ref = refs.end_to_end_id or refs.account_servicer_ref or refs.customer_ref or "-"
        if refs.client_batch_ref and refs.line_seq is not None:
            ref = f"{refs.client_batch_ref}#{refs.line_seq} {ref}"
        amount = format_minor(entry.amount_minor, entry.currency) if entry.amount_minor is not None else "-"
        reason = entry.reason.code or entry.reason.raw_code if entry.reason else ""
        out.write(
            f"{entry.position}\t{entry.kind.value}\t{entry.status.value}\t"
            f"{entry.direction.value if entry.direction else '-'}\t{amount}\t{ref}\t{reason or ''}\n"
        )
    if not args.json:
        print(
            f"{result.format}: {len(result.entries)} entries, {len(result.statements)} statement(s)",
            file=sys.stderr,
        )
        for w in result.warnings:
            print(f"warning {w.code}: {w.message} ({w.position or 'file'})", file=sys.stderr)
    return 0
