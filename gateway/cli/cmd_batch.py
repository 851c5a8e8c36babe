"""`silink batch submit|approve|reject|cancel|release|pull|status|list|lines|errors|watch`: batches."""

from __future__ import annotations

import argparse
import functools
import sys
import uuid
from pathlib import Path
from typing import Any

from gateway.cli._client import add_client_args, call, channel
from gateway.cli._common import console, emit_json

FUNDS = ("PENSION_EMPLOYEE", "PENSION_PUBLIC", "PENSION_RESIDENT", "UNEMPLOYMENT", "WORK_INJURY")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="payroll batches: submit, approve, reject, cancel, pull, status, list…")
    bsub = p.add_subparsers(dest="batch_command", metavar="SUBCOMMAND", required=True)

    s = bsub.add_parser("submit", help="upload a payroll file (CSV UTF-8/GBK or XLSX) as a new batch")
    add_client_args(s)
    s.add_argument("file", type=Path)
    s.add_argument("--fund", required=True, choices=FUNDS, help="the fund that pays this batch")
    s.add_argument("--period", required=True, help="benefit period YYYY-MM")
    s.add_argument("--title", default="", help="a title for people (default: the file name)")
    s.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
    s.add_argument("--max-errors", type=int, default=20, help="rejected lines to print (default 20)")
    s.set_defaults(func=run_submit)

    for name, help_text in (
        ("approve", "approve a validated batch (a different person than its creator)"),
        ("reject", "reject a validated batch with a reason"),
        ("cancel", "cancel a batch before release"),
        ("release", "release an approved batch: signed submissions per bank, queued for dispatch"),
    ):
        a = bsub.add_parser(name, help=help_text)
        add_client_args(a)
        a.add_argument("batch_id")
        if name == "approve":
            a.add_argument(
                "--content-hash",
                default=None,
                help="the content hash you reviewed (default: the one `batch status` shows now)",
            )
        elif name != "release":
            a.add_argument("--reason", required=name == "reject", default="", help="why")
        a.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")
        a.set_defaults(func=run_release if name == "release" else run_transition, action=name)

    pl = bsub.add_parser("pull", help="抽单止付: pull one line out of a batch before release")
    add_client_args(pl)
    pl.add_argument("batch_id")
    pl.add_argument("line_id")
    pl.add_argument("--reason", required=True)
    pl.add_argument("--request-id", default=None)
    pl.set_defaults(func=run_pull)

    st = bsub.add_parser("status", help="one batch: state, totals per line state and bank, held lines")
    add_client_args(st)
    st.add_argument("batch_id")
    st.set_defaults(func=run_status)

    ls = bsub.add_parser("list", help="batches, newest first")
    add_client_args(ls)
    ls.add_argument("--state", default=None, help="filter by state (e.g. VALIDATED)")
    ls.add_argument("--fund", default=None, choices=FUNDS)
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=run_list)

    ln = bsub.add_parser("lines", help="lines of a batch (masked), optionally by state or bank")
    add_client_args(ln)
    ln.add_argument("batch_id")
    ln.add_argument("--state", default=None, help="PENDING, HELD, CANCELLED, …")
    ln.add_argument("--bank", default=None, help="3-digit bank code")
    ln.add_argument("--limit", type=int, default=50)
    ln.set_defaults(func=run_lines)

    er = bsub.add_parser("errors", help="rejected input lines of a batch")
    add_client_args(er)
    er.add_argument("batch_id")
    er.add_argument("--limit", type=int, default=100)
    er.set_defaults(func=run_errors)

    w = bsub.add_parser(
        "watch",
        help="follow a batch live: lines and sums per bank and state until every line is final (Ctrl-C to "
        "stop); --json prints one snapshot",
    )
    add_client_args(w)
    w.add_argument("batch_id")
    w.set_defaults(func=run_watch)


# -- helpers ---------------------------------------------------------------------------------------


def _stub(args):
    from silink.disbursement.v1 import disbursement_pb2_grpc

    return disbursement_pb2_grpc.DisbursementServiceStub(channel(args))


def _yuan(fen: int) -> str:
    from gateway.intake.amounts import format_yuan

    return format_yuan(fen)


def _enum(value: Any, enum: Any, prefix: str = "STATE_") -> str:
    return enum.Name(value).removeprefix(prefix)


def batch_dict(b) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(b, preserving_proto_field_name=True)


def print_batch(b, con=None) -> None:
    """A batch for people: header, lines per state, per bank and state, held lines per reason."""
    from rich.table import Table
    from silink.common.v1 import common_pb2
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    from gateway.intake.banks import bank_label

    con = con or console()
    con.print(
        f"[bold]{b.batch_id}[/]  {_enum(b.state, dpb.Batch.State)}  "
        f"fund {_enum(b.fund, common_pb2.Fund, 'FUND_')}  period {b.period}  "
        f"paid from {b.fund_account_masked}"
    )
    con.print(
        f"  created by {b.creator}"
        + (f", approved by {b.approver}" if b.approver else "")
        + (f"  ({b.state_reason})" if b.state_reason else "")
    )
    con.print(
        f"  {b.line_count:,} lines, {_yuan(b.total_amount_fen)} yuan; {b.rejected_line_count:,} input lines "
        f"rejected; content hash {b.content_hash[:16]}…"
    )
    if b.line_totals:
        t = Table("line state", "lines", "amount (yuan)", title="lines by state", title_justify="left")
        for tot in b.line_totals:
            t.add_row(_enum(tot.state, dpb.BatchLine.State), f"{tot.line_count:,}", _yuan(tot.amount_fen))
        con.print(t)
    if b.bank_totals:
        t = Table("bank", "line state", "lines", "amount (yuan)", title="lines by bank", title_justify="left")
        for tot in b.bank_totals:
            t.add_row(
                bank_label(tot.bank_code),
                _enum(tot.state, dpb.BatchLine.State),
                f"{tot.line_count:,}",
                _yuan(tot.amount_fen),
            )
        con.print(t)
    if b.hold_totals:
        t = Table("hold reason", "lines", "amount (yuan)", title="held lines", title_justify="left")
        for tot in b.hold_totals:
            t.add_row(
                dpb.HoldReason.Name(tot.hold_reason).removeprefix("HOLD_REASON_"),
                f"{tot.line_count:,}",
                _yuan(tot.amount_fen),
            )
        con.print(t)


# -- commands --------------------------------------------------------------------------------------


def run_submit(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from gateway.uploads import payroll_messages

    stub = _stub(args)
    request_id = args.request_id or uuid.uuid4().hex
    if not args.file.is_file():
        raise FileNotFoundError(2, "no such file", str(args.file))
    with Progress(
        TextColumn("uploading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("lines"),
        TimeElapsedColumn(),
        console=console(stderr=True),
        transient=True,
        disable=args.json or not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("upload", total=None)
        messages = payroll_messages(
            args.file,
            request_id=request_id,
            fund=args.fund,
            period=args.period,
            title=args.title,
            progress=lambda n: progress.update(task, completed=n),
        )
        resp = call(lambda: stub.CreateBatch(messages, timeout=3600))
    if args.json:
        emit_json({**batch_dict(resp), "request_id": request_id})
        return 0 if resp.rejected_line_count == 0 else 1
    print_batch(resp.batch)
    if resp.rejected_line_count:
        shown_n = min(args.max_errors, len(resp.line_errors))
        print(f"\n{resp.rejected_line_count:,} lines rejected (first {shown_n}):")
        for e in resp.line_errors[: args.max_errors]:
            shown = f" [{e.value_masked}]" if e.value_masked else ""
            print(f"  line {e.line_number}: {e.field} {e.reason}{shown}: {e.message}")
        print(f"  all of them: silink batch errors {resp.batch.batch_id}")
    print(f"\nnext: silink batch approve {resp.batch.batch_id} --as <approver>")
    return 0 if resp.rejected_line_count == 0 else 1


def run_transition(args: argparse.Namespace) -> int:
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    stub = _stub(args)
    rid = args.request_id or uuid.uuid4().hex
    if args.action == "approve":
        content_hash = (
            args.content_hash
            or call(
                lambda: stub.GetBatch(dpb.GetBatchRequest(batch_id=args.batch_id), timeout=60)
            ).batch.content_hash
        )
        resp = call(
            lambda: stub.ApproveBatch(
                dpb.ApproveBatchRequest(request_id=rid, batch_id=args.batch_id, content_hash=content_hash),
                timeout=600,
            )
        )
    elif args.action == "reject":
        resp = call(
            lambda: stub.RejectBatch(
                dpb.RejectBatchRequest(request_id=rid, batch_id=args.batch_id, reason=args.reason),
                timeout=600,
            )
        )
    else:
        resp = call(
            lambda: stub.CancelBatch(
                dpb.CancelBatchRequest(request_id=rid, batch_id=args.batch_id, reason=args.reason),
                timeout=600,
            )
        )
    if args.json:
        emit_json(batch_dict(resp.batch))
    else:
        print_batch(resp.batch)
    return 0


def run_pull(args: argparse.Namespace) -> int:
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    resp = call(
        lambda: _stub(args).PullLine(
            dpb.PullLineRequest(
                request_id=args.request_id or uuid.uuid4().hex,
                batch_id=args.batch_id,
                line_id=args.line_id,
                reason=args.reason,
            ),
            timeout=60,
        )
    )
    if args.json:
        emit_json(batch_dict(resp))
    else:
        print(f"{resp.line.line_id} ({resp.line.end_to_end_ref}) pulled from {resp.batch.batch_id}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    b = call(lambda: _stub(args).GetBatch(dpb.GetBatchRequest(batch_id=args.batch_id), timeout=60)).batch
    if args.json:
        emit_json(batch_dict(b))
    else:
        print_batch(b)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from rich.table import Table
    from silink.common.v1 import common_pb2
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    req = dpb.ListBatchesRequest(page_size=min(args.limit, 1000))
    if args.state:
        req.state = dpb.Batch.State.Value("STATE_" + args.state.upper())
    if args.fund:
        req.fund = common_pb2.Fund.Value("FUND_" + args.fund)
    resp = call(lambda: _stub(args).ListBatches(req, timeout=60))
    if args.json:
        emit_json({"batches": [batch_dict(b) for b in resp.batches], "next_page_token": resp.next_page_token})
        return 0
    t = Table("batch", "state", "fund", "period", "lines", "amount (yuan)", "rejected", "creator", "approver")
    for b in resp.batches:
        t.add_row(
            b.batch_id,
            _enum(b.state, dpb.Batch.State),
            _enum(b.fund, common_pb2.Fund, "FUND_"),
            b.period,
            f"{b.line_count:,}",
            _yuan(b.total_amount_fen),
            f"{b.rejected_line_count:,}",
            b.creator,
            b.approver,
        )
    console().print(t)
    return 0


def run_lines(args: argparse.Namespace) -> int:
    from rich.table import Table
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    req = dpb.ListBatchLinesRequest(
        batch_id=args.batch_id, page_size=min(args.limit, 1000), bank_code=args.bank or ""
    )
    if args.state:
        req.state = dpb.BatchLine.State.Value("STATE_" + args.state.upper())
    resp = call(lambda: _stub(args).ListBatchLines(req, timeout=60))
    if args.json:
        emit_json({"lines": [batch_dict(x) for x in resp.lines], "next_page_token": resp.next_page_token})
        return 0
    t = Table("line", "ref", "state", "hold", "bank", "amount (yuan)", "ID", "name", "account")
    for x in resp.lines:
        t.add_row(
            str(x.line_number),
            x.end_to_end_ref,
            _enum(x.state, dpb.BatchLine.State),
            dpb.HoldReason.Name(x.hold_reason).removeprefix("HOLD_REASON_") if x.hold_reason else "",
            x.bank_code,
            _yuan(x.amount_fen),
            x.id_number_masked,
            x.name_masked,
            x.account_masked,
        )
    console().print(t)
    return 0


def run_errors(args: argparse.Namespace) -> int:
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    stub = _stub(args)
    out: list[Any] = []
    token = ""
    while len(out) < args.limit:
        req = dpb.ListLineErrorsRequest(
            batch_id=args.batch_id, page_size=min(1000, args.limit - len(out)), page_token=token
        )
        resp = call(functools.partial(stub.ListLineErrors, req, timeout=60))
        out.extend(resp.line_errors)
        token = resp.next_page_token
        if not token:
            break
    if args.json:
        emit_json({"line_errors": [batch_dict(e) for e in out], "more": bool(token)})
        return 0
    for e in out:
        shown = f" [{e.value_masked}]" if e.value_masked else ""
        print(f"line {e.line_number}: {e.field} {e.reason}{shown}: {e.message}")
    if token:
        print(f"… more; use --limit to see more than {args.limit}")
    return 0


def _snapshot(stub, batch_id: str):
    """The current BatchProgress: the first message of a WatchBatch stream, which is then closed."""
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    stream = stub.WatchBatch(dpb.WatchBatchRequest(batch_id=batch_id), timeout=60)
    try:
        return next(iter(stream)).progress
    finally:
        stream.cancel()


def run_release(args: argparse.Namespace) -> int:
    """ReleaseBatch, with a live bar fed by WatchBatch while the server signs and writes submissions."""
    import grpc
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    from gateway.cli.batch_live import ReleaseDisplay

    stub = _stub(args)
    req = dpb.ReleaseBatchRequest(request_id=args.request_id or uuid.uuid4().hex, batch_id=args.batch_id)
    if args.json:
        emit_json(batch_dict(call(lambda: stub.ReleaseBatch(req, timeout=3600)).batch))
        return 0
    future = stub.ReleaseBatch.future(req, timeout=3600)
    stream = stub.WatchBatch(dpb.WatchBatchRequest(batch_id=args.batch_id), timeout=3600)
    future.add_done_callback(lambda _f: stream.cancel())
    display = ReleaseDisplay(args.batch_id)
    try:
        for update in stream:
            display.update(update.progress)
    except grpc.RpcError:
        pass  # cancelled once the release answered, or the watch was refused: the answer below decides
    except KeyboardInterrupt:
        stream.cancel()
        display.finish(None)
        print(
            f"stopped watching; a release that reached the server still completes there: "
            f"silink batch watch {args.batch_id}",
            file=sys.stderr,
        )
        return 130
    try:
        resp = call(future.result)
    except SystemExit:  # the release failed: its error is printed; stop the bar where it was
        display.finish(None)
        raise
    try:
        after = _snapshot(stub, args.batch_id)
    except grpc.RpcError:
        after = None
    display.finish(after)
    print_batch(resp.batch)
    return 0


def run_watch(args: argparse.Namespace) -> int:
    """Per bank and line state, counts and sums, redrawn as they change until every line is final."""
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    from gateway.cli.batch_live import WatchDisplay, snapshot_dict

    stub = _stub(args)
    if args.json:
        emit_json(snapshot_dict(call(lambda: _snapshot(stub, args.batch_id))))
        return 0
    stream = stub.WatchBatch(dpb.WatchBatchRequest(batch_id=args.batch_id))
    display = WatchDisplay()

    def follow() -> None:
        for update in stream:
            display.update(update.progress)

    try:
        call(follow)
    except KeyboardInterrupt:
        stream.cancel()
    finally:
        display.close()
    return 0
