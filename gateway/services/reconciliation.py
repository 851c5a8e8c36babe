"""ReconciliationService: evidence imports, runs, exceptions, suggestions, manual failures, re-issue.

Thin: every call checks and converts its request, then hands one transaction to ``reconciliation/`` or
``gateway/domain``. Mutating calls run their effect inside the request-id record's transaction, so a
retried call returns the stored answer and never imports, matches or re-issues twice.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from silink.common.v1 import common_pb2
from silink.reconciliation.v1 import reconciliation_pb2 as rpb
from silink.reconciliation.v1 import reconciliation_pb2_grpc

from gateway.domain import batches as dom
from gateway.domain.mark_failed import mark_lines_failed
from gateway.domain.refs import batch_ref, parse_batch_ref, parse_line_ref
from gateway.domain.reissue import MAX_LINES as MAX_REISSUE_LINES
from gateway.domain.reissue import Correction, create_reissue
from gateway.errors import InvalidInput
from gateway.idempotency import payload_hash, run_once
from gateway.intake.accounts import BankResolver
from gateway.intake.banks import BANKS, DEFAULT_BINS
from gateway.server.principal import current
from gateway.services.base import AppContext, idempotent, in_thread
from gateway.services.convert import batch_pb, enum_code, line_pb, optional_enum_code
from gateway.services.paging import decode_token, encode_token, page_size
from gateway.services.recon_convert import (
    FORMAT_NAMES,
    evidence_summary,
    exception_pb,
    import_pb,
    kind_code,
    parse_id,
    run_pb,
    settlement_pb,
    state_code,
    suggestion_pb,
)
from gateway.services.spool import payload
from reconciliation import exceptions as exc_mod
from reconciliation import queries
from reconciliation._base import ParseOptions
from reconciliation.importer import content_hash, import_parsed
from reconciliation.matcher import confirm_in, dismiss_in
from reconciliation.registry import parse_file
from reconciliation.runs import DateRange, reconcile_account

_SVC = "/silink.reconciliation.v1.ReconciliationService/"
MAX_EVIDENCE_BYTES = 512 * 1024 * 1024
_PARSE = ParseOptions(balance_breaks="warn")


def _safe_name(name: str) -> str:
    """The client's file name as a plain base name: parsers report positions against it."""
    base = Path(name.replace("\\", "/")).name.strip() or "evidence"
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base)[:120]


class ReconciliationServicer(reconciliation_pb2_grpc.ReconciliationServiceServicer):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _fund_accounts(self) -> frozenset[str]:
        return frozenset(str(f["account"]) for f in self.ctx.cfg.funds.values() if f.get("account"))

    async def _once(self, method: str, request, effect) -> bytes:
        return await idempotent(self.ctx, _SVC + method, request, effect)

    # -- evidence ----------------------------------------------------------------------------------

    async def ImportEvidence(self, request_iterator, context):
        principal = current().name
        first = await anext(request_iterator, None)
        if first is None or first.WhichOneof("item") != "header":
            raise InvalidInput("the first message of an import must be the header", "HEADER_FIRST")
        header = first.header
        if not header.request_id:
            raise InvalidInput("request_id is required", "FIELD_REQUIRED", metadata={"field": "request_id"})
        fmt = None
        if header.format_hint:
            fmt = FORMAT_NAMES.get(header.format_hint)
            if fmt is None:
                raise InvalidInput(
                    "this evidence format is not supported yet",
                    "FORMAT_UNSUPPORTED",
                    metadata={"field": "header.format_hint"},
                )
        spool_root = self.ctx.cfg.home / "spool"
        spool_root.mkdir(mode=0o700, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="evidence-", dir=spool_root))
        path = folder / _safe_name(header.file_name)
        try:
            size = 0
            digest = hashlib.sha256()
            with path.open("wb") as fh:
                async for msg in request_iterator:
                    if msg.WhichOneof("item") != "chunk":
                        raise InvalidInput("only the first message may be a header", "HEADER_FIRST")
                    size += len(msg.chunk)
                    if size > MAX_EVIDENCE_BYTES:
                        raise InvalidInput(
                            f"an evidence file is at most {MAX_EVIDENCE_BYTES // (1 << 20)} MiB",
                            "FILE_TOO_LARGE",
                        )
                    digest.update(msg.chunk)
                    fh.write(msg.chunk)
            if size == 0:
                raise InvalidInput("the file is empty", "FILE_EMPTY")
            body = await in_thread(self._import, principal, header, fmt, path, digest.digest())
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return rpb.ImportEvidenceResponse.FromString(body)

    def _import(self, principal: str, header, fmt: str | None, path: Path, file_digest: bytes) -> bytes:
        # Parsed before the transaction: a slow parse of a large statement never holds the database.
        result = parse_file(path, fmt, options=_PARSE)
        account = header.fund_account_id or None

        def effect(conn) -> bytes:
            outcome = import_parsed(
                conn, result, content_hash(path.read_bytes()), principal=principal, account=account
            )
            return evidence_summary(result, outcome, file_digest.hex()).SerializeToString()

        body, _ = run_once(
            self.ctx.db,
            principal=principal,
            method=_SVC + "ImportEvidence",
            request_id=header.request_id,
            payload=payload_hash(payload(header), file_digest),
            effect=effect,
        )
        return body

    async def ListImports(self, request: rpb.ListImportsRequest, context):
        if request.bank_code:
            raise InvalidInput(
                "imports are not filed by bank; filter by fund_account_id",
                "FILTER_UNSUPPORTED",
                metadata={"field": "bank_code"},
            )
        size = page_size(request.page_size)
        before = decode_token(request.page_token).get("before")

        def read():
            with self.ctx.db.read() as conn:
                return queries.list_imports(
                    conn, before_id=before, limit=size + 1, account=request.fund_account_id or None
                )

        rows = await in_thread(read)
        token = encode_token({"before": rows[size - 1]["id"]}) if len(rows) > size else ""
        return rpb.ListImportsResponse(imports=[import_pb(r) for r in rows[:size]], next_page_token=token)

    # -- runs --------------------------------------------------------------------------------------

    async def RunReconciliation(self, request: rpb.RunReconciliationRequest, context):
        if not request.fund_account_id:
            raise InvalidInput(
                "fund_account_id is required", "FIELD_REQUIRED", metadata={"field": "fund_account_id"}
            )
        if request.fund_account_id not in self._fund_accounts():
            raise InvalidInput(
                "not the expenditure account of a configured fund",
                "FUND_ACCOUNT_UNKNOWN",
                metadata={"field": "fund_account_id"},
            )
        days = DateRange.parse(request.start_date, request.end_date)
        cutoff = int(self.ctx.cfg.raw.get("reconciliation", {}).get("cutoff_days", 5))

        def effect(conn, principal):
            row = reconcile_account(
                conn,
                account=request.fund_account_id,
                days=days,
                principal=principal,
                cutoff_days=cutoff,
                fund_accounts=self._fund_accounts(),
            )
            return rpb.RunReconciliationResponse(run=run_pb(row)).SerializeToString()

        return rpb.RunReconciliationResponse.FromString(
            await self._once("RunReconciliation", request, effect)
        )

    async def ListReconciliationRuns(self, request: rpb.ListReconciliationRunsRequest, context):
        size = page_size(request.page_size)
        before = decode_token(request.page_token).get("before")

        def read():
            with self.ctx.db.read() as conn:
                return queries.list_runs(
                    conn, before_id=before, limit=size + 1, account=request.fund_account_id or None
                )

        rows = await in_thread(read)
        token = encode_token({"before": rows[size - 1]["id"]}) if len(rows) > size else ""
        return rpb.ListReconciliationRunsResponse(
            runs=[run_pb(r) for r in rows[:size]], next_page_token=token
        )

    # -- exceptions --------------------------------------------------------------------------------

    async def ListExceptions(self, request: rpb.ListExceptionsRequest, context):
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        kind = kind_code(request.kind) if request.kind else None
        state = state_code(request.state) if request.state else None
        batch_id = parse_batch_ref(request.batch_id) if request.batch_id else None

        def read():
            with self.ctx.db.read() as conn:
                return queries.list_exceptions(
                    conn,
                    after_id=after,
                    limit=size + 1,
                    kind=kind,
                    state=state,
                    account=request.fund_account_id or None,
                    bank_code=request.bank_code or None,
                    batch_id=batch_id,
                    fund_accounts=self._fund_accounts(),
                )

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return rpb.ListExceptionsResponse(
            exceptions=[exception_pb(r) for r in rows[:size]], next_page_token=token
        )

    async def ResolveException(self, request: rpb.ResolveExceptionRequest, context):
        exception_id = parse_id(request.exception_id, "exception_id")
        roles = list(current().roles)

        def effect(conn, principal):
            exc_mod.resolve_in(conn, exception_id, principal=principal, roles=roles, note=request.note)
            (row,) = queries.list_exceptions(
                conn, after_id=exception_id - 1, limit=1, fund_accounts=self._fund_accounts()
            )
            return rpb.ResolveExceptionResponse(exception=exception_pb(row)).SerializeToString()

        return rpb.ResolveExceptionResponse.FromString(await self._once("ResolveException", request, effect))

    # -- settlement --------------------------------------------------------------------------------

    async def GetSettlementReport(self, request: rpb.GetSettlementReportRequest, context):
        if not (request.batch_id or request.bank_code or request.fund):
            raise InvalidInput(
                "give batch_id, bank_code or fund", "FIELD_REQUIRED", metadata={"field": "batch_id"}
            )
        batch_id = parse_batch_ref(request.batch_id) if request.batch_id else None
        fund = optional_enum_code(common_pb2.Fund, "FUND_", request.fund)

        def read():
            with self.ctx.db.read() as conn:
                return queries.settlement_report(
                    conn,
                    batch_id=batch_id,
                    bank_code=request.bank_code or None,
                    fund=fund,
                    period=request.period or None,
                )

        return rpb.GetSettlementReportResponse(report=settlement_pb(await in_thread(read)))

    # -- suggestions -------------------------------------------------------------------------------

    async def ListMatchSuggestions(self, request: rpb.ListMatchSuggestionsRequest, context):
        if request.run_id:
            raise InvalidInput(
                "suggestions are not filed by run; filter by fund_account_id",
                "FILTER_UNSUPPORTED",
                metadata={"field": "run_id"},
            )
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))

        def read():
            with self.ctx.db.read() as conn:
                return queries.list_suggestions(
                    conn, after_id=after, limit=size + 1, account=request.fund_account_id or None
                )

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return rpb.ListMatchSuggestionsResponse(
            suggestions=[suggestion_pb(r) for r in rows[:size]], next_page_token=token
        )

    async def ConfirmMatch(self, request: rpb.ConfirmMatchRequest, context):
        suggestion_id = parse_id(request.suggestion_id, "suggestion_id")

        def effect(conn, principal):
            line_id = confirm_in(conn, suggestion_id, principal)
            return rpb.ConfirmMatchResponse(line=line_pb(queries.line_row(conn, line_id))).SerializeToString()

        return rpb.ConfirmMatchResponse.FromString(await self._once("ConfirmMatch", request, effect))

    async def DismissMatchSuggestion(self, request: rpb.DismissMatchSuggestionRequest, context):
        suggestion_id = parse_id(request.suggestion_id, "suggestion_id")

        def effect(conn, principal):
            dismiss_in(conn, suggestion_id, principal, request.note)
            return rpb.DismissMatchSuggestionResponse().SerializeToString()

        return rpb.DismissMatchSuggestionResponse.FromString(
            await self._once("DismissMatchSuggestion", request, effect)
        )

    # -- lines -------------------------------------------------------------------------------------

    async def MarkLinesFailed(self, request: rpb.MarkLinesFailedRequest, context):
        line_ids = [parse_line_ref(text) for text in request.line_ids]
        reason = enum_code(
            common_pb2.FailureReason, "FAILURE_REASON_", request.failure_reason, "failure_reason"
        )

        def effect(conn, principal):
            result = mark_lines_failed(
                conn,
                principal=principal,
                line_ids=line_ids,
                reason=reason,
                note=request.note,
                evidence_reference=request.evidence_reference,
            )
            return rpb.MarkLinesFailedResponse(
                marked_count=result.marked_count, marked_amount_fen=result.marked_amount_fen
            ).SerializeToString()

        return rpb.MarkLinesFailedResponse.FromString(await self._once("MarkLinesFailed", request, effect))

    async def CreateReissue(self, request: rpb.CreateReissueRequest, context):
        selection = request.WhichOneof("selection")
        line_ids: list[int] = []
        corrections: dict[int, Correction] = {}
        whole_batch = None
        if selection == "lines":
            if len(request.lines.lines) > MAX_REISSUE_LINES:
                raise InvalidInput(f"at most {MAX_REISSUE_LINES} lines per call", "TOO_MANY_LINES")
            for pos, ln in enumerate(request.lines.lines):
                line_id = parse_line_ref(ln.line_id)
                line_ids.append(line_id)
                if ln.account:
                    kind = (
                        optional_enum_code(common_pb2.AccountType, "ACCOUNT_TYPE_", ln.account_type) or "CARD"
                    )
                    corrections[line_id] = Correction(ln.account, kind, ln.bank_code)
                elif ln.bank_code or ln.account_type:
                    raise InvalidInput(
                        "bank_code and account_type go with a corrected account",
                        "FIELD_INVALID",
                        metadata={"field": f"lines[{pos}].account"},
                    )
        elif selection == "all_corrected_of_batch_id":
            whole_batch = parse_batch_ref(request.all_corrected_of_batch_id)
        else:
            raise InvalidInput(
                "say which lines: lines or all_corrected_of_batch_id",
                "FIELD_REQUIRED",
                metadata={"field": "selection"},
            )
        resolver = BankResolver(BANKS, DEFAULT_BINS)

        def effect(conn, principal):
            result = create_reissue(
                conn,
                self.ctx.protector,
                principal=principal,
                title=request.title,
                request_ref=request.request_id[:40],
                line_ids=line_ids,
                corrections=corrections,
                all_corrected_of_batch=whole_batch,
                resolver=resolver,
            )
            return rpb.CreateReissueResponse(
                batch_id=batch_ref(result.batch_id),
                batch=batch_pb(dom.get(conn, result.batch_id), dom.summarize(conn, result.batch_id)),
            ).SerializeToString()

        return rpb.CreateReissueResponse.FromString(await self._once("CreateReissue", request, effect))
