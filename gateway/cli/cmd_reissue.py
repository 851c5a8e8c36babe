"""`silink reissue`: 重发 — pay failed or returned lines again in a new batch that needs approval.

Either name the lines — ``--line L`` (repeatable) for lines whose corrected account is already on file,
and/or ``--corrections FILE.csv`` with columns ``line_id,account[,account_type,bank_code]`` for corrected
accounts read from the payees' forms (a file, so that account numbers stay out of the shell history and
the process list) — or ``--batch B`` for every failed or returned line of that batch whose payee has a
corrected account on file since the failure. A corrected account given here is recorded as the payee's
disbursement account too, so the next payroll uses it. Accounts are never printed in clear.
"""

from __future__ import annotations

import argparse
import csv
import io
import uuid
from pathlib import Path

from gateway.cli._client import add_client_args, call, channel
from gateway.cli._common import emit_json
from gateway.errors import InvalidInput

ACCOUNT_TYPES = ("CARD", "PASSBOOK", "CORPORATE")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reissue", help="重发: pay failed or returned lines again in a new batch")
    add_client_args(p)
    p.add_argument(
        "--line", action="append", default=[], metavar="LINE", help="a line to pay again (repeatable)"
    )
    p.add_argument(
        "--corrections",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="lines with corrected accounts: line_id,account[,account_type,bank_code] (UTF-8, header row)",
    )
    p.add_argument("--batch", default=None, help="every corrected failed or returned line of this batch")
    p.add_argument("--title", default="", help="title of the new batch")
    p.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
    p.set_defaults(func=run)


def _lines(args: argparse.Namespace):
    from silink.common.v1 import common_pb2
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    out = [rpb.ReissueLine(line_id=line_id.strip()) for line_id in args.line]
    if args.corrections is None:
        return out
    try:
        text = args.corrections.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{args.corrections}: cannot read ({type(exc).__name__})", "FILE_UNREADABLE"
        ) from None
    rows = csv.DictReader(io.StringIO(text))
    if not rows.fieldnames or not {"line_id", "account"} <= set(rows.fieldnames):
        raise InvalidInput(f"{args.corrections}: the header needs line_id and account", "HEADER_INVALID")
    for row in rows:
        where = f"{args.corrections.name}: line {rows.line_num}"
        line_id, account = (row.get("line_id") or "").strip(), (row.get("account") or "").strip()
        if not line_id or not account:
            raise InvalidInput(f"{where}: line_id and account are required", "FIELD_REQUIRED")
        kind = (row.get("account_type") or "CARD").strip().upper()
        if kind not in ACCOUNT_TYPES:
            raise InvalidInput(
                f"{where}: account_type must be one of {', '.join(ACCOUNT_TYPES)}", "FIELD_INVALID"
            )
        out.append(
            rpb.ReissueLine(
                line_id=line_id,
                account=account,
                account_type=common_pb2.AccountType.Value("ACCOUNT_TYPE_" + kind),
                bank_code=(row.get("bank_code") or "").strip(),
            )
        )
    return out


def run(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb
    from silink.reconciliation.v1 import reconciliation_pb2_grpc

    from gateway.cli.cmd_batch import batch_dict, print_batch

    request = rpb.CreateReissueRequest(request_id=args.request_id or uuid.uuid4().hex, title=args.title)
    if args.batch and (args.line or args.corrections):
        raise InvalidInput("give --batch, or --line / --corrections, not both", "ARGUMENTS_CONFLICT")
    if args.batch:
        request.all_corrected_of_batch_id = args.batch
    elif not (args.line or args.corrections):
        raise InvalidInput("say which lines: --line, --corrections or --batch", "FIELD_REQUIRED")
    else:
        request.lines.lines.extend(_lines(args))
    stub = reconciliation_pb2_grpc.ReconciliationServiceStub(channel(args))
    resp = call(lambda: stub.CreateReissue(request, timeout=600))
    if args.json:
        emit_json(batch_dict(resp.batch))
        return 0
    print_batch(resp.batch)
    print(f"\nnext: silink batch approve {resp.batch_id} --as <approver>")
    return 0
