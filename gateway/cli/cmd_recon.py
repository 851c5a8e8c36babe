"""`silink recon import|run|runs|imports|exceptions|resolve|suggestions|confirm|dismiss|mark-failed|report`.

Finance staff's commands, each one call to ReconciliationService as the principal given with ``--as``;
``report`` reads the instance's database directly (like ``silink audit verify``) and writes files.
Mutating commands take ``--request-id`` (default: a new one); a retried command with the same id gets the
stored answer, so nothing is imported, matched or marked twice. Exit 0 on success, 2 on a refused call.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from typing import Any

from gateway.cli._client import add_client_args, call, channel
from gateway.cli._common import add_dir_arg, add_json_arg, console, emit_json, instance_dir

CHUNK = 1 << 20
FAILURE_REASONS = (
    "NAME_MISMATCH",
    "ACCOUNT_CLOSED",
    "ACCOUNT_FROZEN",
    "CARD_LOST",
    "NOT_ACTIVATED",
    "CLASS_II_LIMIT",
    "ID_EXPIRED",
    "DECEASED",
    "DUPLICATE",
    "CONTROL_SUM_ERROR",
    "ACCOUNT_INVALID",
    "OTHER",
)
FORMATS = (
    "pain.002",
    "camt.053",
    "camt.054",
    "mt940",
    "mt942",
    "direct_link",
    "fixed_width",
    "banklink_push",
)
KINDS = (
    "UNMATCHED_PAST_CUTOFF",
    "UNKNOWN_DEBIT",
    "AMOUNT_MISMATCH",
    "DUPLICATE_CREDIT",
    "DUPLICATE_ENTRY",
    "REJECTED",
    "RETURNED_AFTER_SETTLEMENT",
    "REVERSAL_WITHOUT_ORIGINAL",
    "STATEMENT_UNKNOWN_ACCOUNT",
    "PARTIAL_BATCH",
    "BALANCE_BREAK",
    "SEQUENCE_GAP",
    "RETURN_TO_WRONG_ACCOUNT",
    "CONTROL_BREAK",
)


def _rid(p: argparse.ArgumentParser) -> None:
    p.add_argument("--request-id", default=None, help="idempotency key (default: a new one)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recon", help="reconciliation: import bank evidence, run, work the exceptions")
    rsub = p.add_subparsers(dest="recon_command", metavar="SUBCOMMAND", required=True)

    im = rsub.add_parser("import", help="import a status report, result file or fund-account statement")
    add_client_args(im)
    im.add_argument("files", type=Path, nargs="+", help="one or more evidence files")
    im.add_argument("--format", choices=FORMATS, default=None, help="skip detection: read as this format")
    im.add_argument("--account", default="", help="the fund account the evidence is for (default: from file)")
    _rid(im)
    im.set_defaults(func=run_import)

    rn = rsub.add_parser("run", help="match all evidence and reconcile one fund account over some days")
    add_client_args(rn)
    rn.add_argument("--account", required=True, help="the fund expenditure account (支出户)")
    rn.add_argument("--from", dest="start", required=True, help="first value date YYYY-MM-DD")
    rn.add_argument("--to", dest="end", required=True, help="last value date YYYY-MM-DD (inclusive)")
    _rid(rn)
    rn.set_defaults(func=run_run)

    rs = rsub.add_parser("runs", help="earlier reconciliation runs, newest first")
    add_client_args(rs)
    rs.add_argument("--account", default="", help="only runs of this fund account")
    rs.add_argument("--limit", type=int, default=20)
    rs.set_defaults(func=run_runs)

    ims = rsub.add_parser("imports", help="earlier evidence imports, newest first")
    add_client_args(ims)
    ims.add_argument("--account", default="", help="only imports for this fund account")
    ims.add_argument("--limit", type=int, default=20)
    ims.set_defaults(func=run_imports)

    ex = rsub.add_parser("exceptions", help="reconciliation exceptions, oldest first")
    add_client_args(ex)
    ex.add_argument("--state", choices=("OPEN", "RESOLVED", "CLEARED", "ALL"), default="OPEN")
    ex.add_argument("--kind", choices=KINDS, default=None)
    ex.add_argument("--account", default="", help="only this fund account")
    ex.add_argument("--bank", default="", help="only lines to this bank code")
    ex.add_argument("--batch", default="", help="only this batch")
    ex.add_argument("--limit", type=int, default=100)
    ex.set_defaults(func=run_exceptions)

    rv = rsub.add_parser("resolve", help="close an exception with a note (not by the one who caused it)")
    add_client_args(rv)
    rv.add_argument("exception_id")
    rv.add_argument("--note", required=True, help="what was found and done (no personal data)")
    _rid(rv)
    rv.set_defaults(func=run_resolve)

    sg = rsub.add_parser("suggestions", help="matches the matcher only suggests, waiting for a person")
    add_client_args(sg)
    sg.add_argument("--account", default="", help="only this fund account")
    sg.add_argument("--limit", type=int, default=100)
    sg.set_defaults(func=run_suggestions)

    for name, help_text in (
        ("confirm", "confirm a suggested match: the entry books the line"),
        ("dismiss", "dismiss a suggested match: both stay unmatched"),
    ):
        c = rsub.add_parser(name, help=help_text)
        add_client_args(c)
        c.add_argument("suggestion_id")
        c.add_argument("--note", required=name == "dismiss", default="", help="why")
        _rid(c)
        c.set_defaults(func=run_decide, action=name)

    rp = rsub.add_parser("report", help="settlement report: CSV, XLSX and a self-contained HTML page")
    add_dir_arg(rp)
    add_json_arg(rp)
    rp.add_argument("--out", type=Path, default=None, help="folder for the files (default: DIR/reports/DATE)")
    rp.add_argument(
        "--format", default="csv,xlsx,html", help="comma-separated: csv, xlsx, html (default all three)"
    )
    rp.add_argument("--batch", action="append", default=[], help="only this batch (repeatable)")
    rp.add_argument("--fund", default=None, help="only this fund, e.g. PENSION_EMPLOYEE")
    rp.set_defaults(func=run_report)

    mf = rsub.add_parser("mark-failed", help="mark lines failed from a bank's letter or paper 回盘")
    add_client_args(mf)
    mf.add_argument("line_ids", nargs="+", help="line ids (as `silink batch lines` shows them)")
    mf.add_argument("--reason", required=True, choices=FAILURE_REASONS, help="the normalised reason")
    mf.add_argument("--note", required=True, help="what the bank's document says")
    mf.add_argument("--evidence", default="", help="reference of the bank's document, e.g. its letter number")
    _rid(mf)
    mf.set_defaults(func=run_mark_failed)


def _stub(args):
    from silink.reconciliation.v1 import reconciliation_pb2_grpc

    return reconciliation_pb2_grpc.ReconciliationServiceStub(channel(args))


def _dict(msg) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(msg, preserving_proto_field_name=True)


def _yuan(fen: int) -> str:
    from gateway.intake.amounts import format_yuan

    return format_yuan(fen)


def _enum_name(enum: Any, value: int, prefix: str) -> str:
    return enum.Name(value)[len(prefix) :]


def run_import(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    from gateway.services.recon_convert import FORMAT_VALUES

    stub = _stub(args)
    out = []
    for n, path in enumerate(args.files):
        if not path.is_file():
            from gateway.errors import InvalidInput

            raise InvalidInput(f"{path}: no such file", "FILE_NOT_FOUND")
        rid = f"{args.request_id}-{n}" if args.request_id and len(args.files) > 1 else args.request_id
        header = rpb.EvidenceHeader(
            request_id=rid or uuid.uuid4().hex,
            file_name=path.name,
            format_hint=FORMAT_VALUES[args.format] if args.format else 0,
            fund_account_id=args.account,
        )

        def messages(header=header, path=path):
            yield rpb.ImportEvidenceRequest(header=header)
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield rpb.ImportEvidenceRequest(chunk=chunk)

        resp = call(lambda messages=messages: stub.ImportEvidence(messages(), timeout=3600))
        out.append((path, resp))
    if args.json:
        emit_json({"imports": [{"file": p.name, **_dict(r)} for p, r in out]})
        return 0
    for path, r in out:
        fmt = _enum_name(rpb.EvidenceFormat, r.format_detected, "EVIDENCE_FORMAT_")
        seen = "  (already imported: nothing new stored)" if r.duplicate_file else ""
        print(
            f"{path.name}: import {r.import_id}  {fmt}  {r.entry_count:,} entries  "
            f"debits {r.debit_count:,} / {_yuan(r.debit_amount_fen)}  "
            f"credits {r.credit_count:,} / {_yuan(r.credit_amount_fen)}  {r.start_date}..{r.end_date}{seen}"
        )
    print("\nnext: silink recon run --account <支出户> --from YYYY-MM-DD --to YYYY-MM-DD --as <finance>")
    return 0


def _print_run(r) -> None:
    verdict = "[green]balanced[/]" if r.balanced else "[red]NOT balanced[/]"
    console().print(
        f"[bold]run {r.run_id}[/]  account {r.fund_account_id}  {r.start_date}..{r.end_date}  {verdict}\n"
        f"  matched {r.matched_count:,} lines / {_yuan(r.matched_amount_fen)}, "
        f"{r.suggestion_count:,} suggestions to confirm\n"
        f"  expected debits {_yuan(r.expected_debit_amount_fen)}  statement debits "
        f"{_yuan(r.statement_debit_amount_fen)}  returns {_yuan(r.returned_amount_fen)}\n"
        f"  exceptions: {r.new_exception_count:,} new, {r.open_exception_count:,} open"
    )


def run_run(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    resp = call(
        lambda: _stub(args).RunReconciliation(
            rpb.RunReconciliationRequest(
                request_id=args.request_id or uuid.uuid4().hex,
                fund_account_id=args.account,
                start_date=args.start,
                end_date=args.end,
            ),
            timeout=3600,
        )
    )
    if args.json:
        emit_json(_dict(resp.run))
        return 0
    _print_run(resp.run)
    if resp.run.open_exception_count:
        print(f"\nnext: silink recon exceptions --account {args.account} --as <finance>")
    return 0


def _pages(fetch, field: str, limit: int) -> list:
    items: list = []
    token = ""
    while len(items) < limit:
        resp = call(lambda token=token: fetch(min(1000, limit - len(items)), token))
        items.extend(getattr(resp, field))
        token = resp.next_page_token
        if not token:
            break
    return items[:limit]


def run_runs(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    stub = _stub(args)
    runs = _pages(
        lambda size, token: stub.ListReconciliationRuns(
            rpb.ListReconciliationRunsRequest(page_size=size, page_token=token, fund_account_id=args.account),
            timeout=60,
        ),
        "runs",
        args.limit,
    )
    if args.json:
        emit_json({"runs": [_dict(r) for r in runs]})
        return 0
    for r in runs:
        _print_run(r)
    return 0


def run_imports(args: argparse.Namespace) -> int:
    from rich.table import Table
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    stub = _stub(args)
    imports = _pages(
        lambda size, token: stub.ListImports(
            rpb.ListImportsRequest(page_size=size, page_token=token, fund_account_id=args.account), timeout=60
        ),
        "imports",
        args.limit,
    )
    if args.json:
        emit_json({"imports": [_dict(i) for i in imports]})
        return 0
    table = Table("import", "file", "format", "account", "entries", "by", "sha-256")
    for i in imports:
        table.add_row(
            i.import_id,
            i.file_name,
            _enum_name(rpb.EvidenceFormat, i.format, "EVIDENCE_FORMAT_"),
            i.fund_account_id,
            f"{i.entry_count:,}",
            i.importer,
            i.file_sha256[:12],
        )
    console().print(table)
    return 0


def run_exceptions(args: argparse.Namespace) -> int:
    from rich.table import Table
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    stub = _stub(args)
    state = 0 if args.state == "ALL" else rpb.ReconciliationException.State.Value("STATE_" + args.state)
    kind = rpb.ExceptionKind.Value("EXCEPTION_KIND_" + args.kind) if args.kind else 0
    found = _pages(
        lambda size, token: stub.ListExceptions(
            rpb.ListExceptionsRequest(
                page_size=size,
                page_token=token,
                state=state,
                kind=kind,
                fund_account_id=args.account,
                bank_code=args.bank,
                batch_id=args.batch,
            ),
            timeout=60,
        ),
        "exceptions",
        args.limit,
    )
    if args.json:
        emit_json({"exceptions": [_dict(e) for e in found]})
        return 0
    if not found:
        print("no exceptions")
        return 0
    table = Table("id", "kind", "state", "bank", "line", "expected", "observed", "detail")
    for e in found:
        table.add_row(
            e.exception_id,
            _enum_name(rpb.ExceptionKind, e.kind, "EXCEPTION_KIND_"),
            _enum_name(rpb.ReconciliationException.State, e.state, "STATE_"),
            e.bank_code,
            e.line_id or e.entry_id,
            _yuan(e.expected_amount_fen) if e.expected_amount_fen else "",
            _yuan(e.observed_amount_fen) if e.observed_amount_fen else "",
            e.detail[:80],
        )
    console().print(table)
    return 0


def run_resolve(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    resp = call(
        lambda: _stub(args).ResolveException(
            rpb.ResolveExceptionRequest(
                request_id=args.request_id or uuid.uuid4().hex, exception_id=args.exception_id, note=args.note
            ),
            timeout=60,
        )
    )
    if args.json:
        emit_json(_dict(resp.exception))
    else:
        print(f"exception {resp.exception.exception_id} resolved by {resp.exception.resolver}")
    return 0


def run_suggestions(args: argparse.Namespace) -> int:
    from rich.table import Table
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    stub = _stub(args)
    found = _pages(
        lambda size, token: stub.ListMatchSuggestions(
            rpb.ListMatchSuggestionsRequest(page_size=size, page_token=token, fund_account_id=args.account),
            timeout=60,
        ),
        "suggestions",
        args.limit,
    )
    if args.json:
        emit_json({"suggestions": [_dict(s) for s in found]})
        return 0
    table = Table("id", "entry", "amount", "value date", "line", "e2e ref", "line amount")
    for s in found:
        table.add_row(
            s.suggestion_id,
            s.entry_id,
            _yuan(s.entry_amount_fen),
            s.entry_value_date,
            s.line_id,
            s.end_to_end_ref,
            _yuan(s.line_amount_fen),
        )
    console().print(table)
    return 0


def run_decide(args: argparse.Namespace) -> int:
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    rid = args.request_id or uuid.uuid4().hex
    stub = _stub(args)
    if args.action == "confirm":
        resp = call(
            lambda: stub.ConfirmMatch(
                rpb.ConfirmMatchRequest(request_id=rid, suggestion_id=args.suggestion_id, note=args.note),
                timeout=60,
            )
        )
        if args.json:
            emit_json(_dict(resp.line))
        else:
            print(f"suggestion {args.suggestion_id} confirmed: line {resp.line.line_id} is booked")
        return 0
    call(
        lambda: stub.DismissMatchSuggestion(
            rpb.DismissMatchSuggestionRequest(
                request_id=rid, suggestion_id=args.suggestion_id, note=args.note
            ),
            timeout=60,
        )
    )
    if args.json:
        emit_json({"suggestion_id": args.suggestion_id, "dismissed": True})
    else:
        print(f"suggestion {args.suggestion_id} dismissed")
    return 0


def run_mark_failed(args: argparse.Namespace) -> int:
    from silink.common.v1 import common_pb2
    from silink.reconciliation.v1 import reconciliation_pb2 as rpb

    resp = call(
        lambda: _stub(args).MarkLinesFailed(
            rpb.MarkLinesFailedRequest(
                request_id=args.request_id or uuid.uuid4().hex,
                line_ids=args.line_ids,
                failure_reason=common_pb2.FailureReason.Value("FAILURE_REASON_" + args.reason),
                note=args.note,
                evidence_reference=args.evidence,
            ),
            timeout=120,
        )
    )
    if args.json:
        emit_json(
            _dict(resp) | {"marked_count": resp.marked_count, "marked_amount_fen": resp.marked_amount_fen}
        )
    else:
        print(f"{resp.marked_count:,} lines marked FAILED ({args.reason}), {_yuan(resp.marked_amount_fen)}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from gateway.config import load_config
    from gateway.domain.refs import parse_batch_ref
    from gateway.storage import Database
    from reconciliation import exceptions as exc_mod
    from reconciliation.daily_control import list_daily_controls
    from reconciliation.report_writers import write_report
    from reconciliation.settlement import build_settlement

    home = instance_dir(args)
    cfg = load_config(home)
    formats = tuple(f.strip().lower() for f in args.format.split(",") if f.strip())
    batch_ids = [parse_batch_ref(b) for b in args.batch] or None
    today = dt.date.today()
    out = args.out or home / "reports" / today.isoformat()
    names = {code: str(raw.get("name", code)) for code, raw in cfg.banks.items()}
    db = Database(cfg.database_url)
    try:
        with db.read() as conn:
            settlement = build_settlement(
                conn, as_of=today, batch_ids=batch_ids, fund=args.fund, bank_names=names
            )
            daily = list_daily_controls(conn)
        found = exc_mod.list_exceptions(db)
    finally:
        db.dispose()
    paths = write_report(settlement, out, formats, daily=daily, exceptions=found)
    if args.json:
        emit_json({"files": [str(p) for p in paths], "settlement": settlement.as_json()})
        return 0
    t = settlement.total
    print(
        f"{t.sent.count:,} lines sent, {_yuan(t.sent.minor)}: "
        + ", ".join(f"{k.lower()} {v.count:,} / {_yuan(v.minor)}" for k, v in sorted(t.by_state.items()))
    )
    still_open = sum(1 for e in found if e.state == "OPEN")
    print(f"{len(settlement.actions)} payee actions; {still_open} open exceptions")
    for p in paths:
        print(f"  wrote {p}")
    return 0
