"""DisbursementService: payroll upload, batch queries, maker-checker approval, cancel, pull."""

from __future__ import annotations

import asyncio
import re

import grpc
from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb
from silink.disbursement.v1 import disbursement_pb2_grpc

from gateway.dispatch.routing import bank_route
from gateway.domain import batches as dom
from gateway.domain.refs import parse_batch_ref, parse_line_ref
from gateway.domain.release import release, submission_counts
from gateway.errors import InvalidInput
from gateway.idempotency import run_once
from gateway.intake.reasons import LINE_REASONS
from gateway.intake.records import LineError
from gateway.intake.settings import ValidationSettings
from gateway.intake.validator import LineValidator
from gateway.server.principal import current
from gateway.services.base import AppContext, idempotent, in_thread
from gateway.services.convert import batch_pb, enum_code, line_error_pb, line_pb, optional_enum_code
from gateway.services.paging import decode_token, encode_token, page_size
from gateway.services.release_progress import ReleaseTracker
from gateway.services.spool import Spool, receive

_SVC = "/silink.disbursement.v1.DisbursementService/"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TERMINAL = ("COMPLETED", "RECONCILED", "REJECTED", "CANCELLED")


MAX_RUN = 1000


def _lines(spool: Spool):
    """Every payroll line of a spooled upload, whether it came one per message or in runs."""
    for msg in spool.messages(dpb.CreateBatchRequest):
        if msg.WhichOneof("item") == "line":
            yield msg.line
        else:
            yield from msg.lines.lines


def _reader_error(line: int, reason: str) -> LineError:
    known = LINE_REASONS.get(reason)
    if known is None:
        return LineError(line, "line", "READER_ERROR", "", "the client could not read this line")
    return LineError(line, "line", reason, "", known)


class DisbursementServicer(disbursement_pb2_grpc.DisbursementServiceServicer):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.releases = ReleaseTracker()  # what WatchBatch reports while a release runs here

    # -- upload ------------------------------------------------------------------------------------

    async def CreateBatch(self, request_iterator, context: grpc.aio.ServicerContext):
        principal = current().name
        first = await anext(request_iterator, None)
        if first is None or not first.HasField("header"):
            raise InvalidInput("the first message of an upload must be the batch header", "HEADER_FIRST")
        header = first.header
        if not header.request_id:
            raise InvalidInput("request_id is required", "FIELD_REQUIRED", metadata={"field": "request_id"})
        fund = enum_code(common_pb2.Fund, "FUND_", header.fund, "header.fund")
        fund_cfg = self.ctx.cfg.funds.get(fund)
        if not fund_cfg or not fund_cfg.get("account"):
            raise InvalidInput(
                "this fund has no expenditure account configured",
                "FUND_NOT_CONFIGURED",
                metadata={"fund": fund},
            )
        if not _PERIOD.match(header.period):
            raise InvalidInput(
                "period must be YYYY-MM", "PERIOD_INVALID", metadata={"field": "header.period"}
            )

        def only_lines(msg) -> None:
            kind = msg.WhichOneof("item")
            if kind == "header" or kind is None:
                raise InvalidInput("only the first message may be a header", "HEADER_FIRST")
            if kind == "lines" and len(msg.lines.lines) > MAX_RUN:
                raise InvalidInput(f"a run carries at most {MAX_RUN} lines", "RUN_TOO_LONG")

        spool, phash = await receive(first, request_iterator, self.ctx.cfg.home / "spool", only_lines)
        try:
            body = await in_thread(
                self._ingest, principal, header, fund, str(fund_cfg["account"]), spool, phash
            )
        finally:
            spool.remove()
        return dpb.CreateBatchResponse.FromString(body)

    def _ingest(
        self, principal: str, header: dpb.BatchHeader, fund: str, account: str, spool: Spool, phash: bytes
    ) -> bytes:
        def effect(conn) -> bytes:
            intake = dom.BatchIntake(
                conn,
                self.ctx.protector,
                creator=principal,
                fund_account=account,
                header=dom.BatchHeaderIn(
                    fund=fund,
                    period=header.period,
                    title=header.title,
                    source_name=header.source_file_name,
                    expected_line_count=header.expected_line_count
                    if header.HasField("expected_line_count")
                    else None,
                    expected_total_fen=header.expected_total_amount_fen
                    if header.HasField("expected_total_amount_fen")
                    else None,
                ),
            )
            validate = LineValidator(ValidationSettings(fund=fund)).validate
            add = intake.add
            for ln in _lines(spool):
                if ln.reader_error:
                    add([_reader_error(ln.line_number, ln.reader_error)])
                    continue
                add(
                    validate(
                        ln.line_number,
                        (
                            ln.id_type,
                            ln.id_number,
                            ln.name,
                            ln.account,
                            ln.account_type,
                            ln.bank_code,
                            ln.amount,
                            ln.benefit,
                            ln.period,
                            ln.region,
                            ln.ref,
                        ),
                    )
                )
            result = intake.finish()
            row = dom.get(conn, result.batch_id)
            return dpb.CreateBatchResponse(
                batch=batch_pb(row, dom.summarize(conn, result.batch_id)),
                accepted_line_count=result.accepted,
                rejected_line_count=result.rejected_lines,
                line_errors=[line_error_pb(e) for e in result.first_errors],
            ).SerializeToString()

        # The stream's payload hash stands for the payload: same upload, same hash.
        body, _replayed = run_once(
            self.ctx.db,
            principal=principal,
            method=_SVC + "CreateBatch",
            request_id=header.request_id,
            payload=phash,
            effect=effect,
        )
        return body

    # -- reads -------------------------------------------------------------------------------------

    async def GetBatch(self, request: dpb.GetBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)

        def read():
            with self.ctx.db.read() as conn:
                return batch_pb(dom.get(conn, batch_id), dom.summarize(conn, batch_id))

        return dpb.GetBatchResponse(batch=await in_thread(read))

    async def ListBatches(self, request: dpb.ListBatchesRequest, context):
        size = page_size(request.page_size)
        after = decode_token(request.page_token).get("after")
        state = optional_enum_code(dpb.Batch.State, "STATE_", request.state)
        fund = optional_enum_code(common_pb2.Fund, "FUND_", request.fund)

        def read():
            with self.ctx.db.read() as conn:
                return dom.list_batches(
                    conn,
                    after_id=after,
                    limit=size + 1,
                    state=state,
                    fund=fund,
                    creator=request.creator or None,
                    period=request.period or None,
                )

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return dpb.ListBatchesResponse(batches=[batch_pb(r) for r in rows[:size]], next_page_token=token)

    async def ListBatchLines(self, request: dpb.ListBatchLinesRequest, context):
        batch_id = parse_batch_ref(request.batch_id)
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        state = optional_enum_code(dpb.BatchLine.State, "STATE_", request.state)

        def read():
            with self.ctx.db.read() as conn:
                dom.get(conn, batch_id)
                return dom.list_lines(
                    conn,
                    batch_id,
                    after_line=after,
                    limit=size + 1,
                    state=state,
                    bank_code=request.bank_code or None,
                )

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["line_number"]}) if len(rows) > size else ""
        return dpb.ListBatchLinesResponse(lines=[line_pb(r) for r in rows[:size]], next_page_token=token)

    async def ListLineErrors(self, request: dpb.ListLineErrorsRequest, context):
        batch_id = parse_batch_ref(request.batch_id)
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))

        def read():
            with self.ctx.db.read() as conn:
                dom.get(conn, batch_id)
                return dom.list_errors(conn, batch_id, after_id=after, limit=size + 1)

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return dpb.ListLineErrorsResponse(
            line_errors=[line_error_pb(r) for r in rows[:size]], next_page_token=token
        )

    async def WatchBatch(self, request: dpb.WatchBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)
        last = None
        while True:

            def read():
                with self.ctx.db.read() as conn:
                    return (
                        dom.get(conn, batch_id),
                        dom.summarize(conn, batch_id),
                        submission_counts(conn, batch_id),
                    )

            row, summary, (subs_total, subs_sent) = await in_thread(read)
            running = self.releases.get(batch_id)
            b = batch_pb(row, summary)
            progress = dpb.BatchProgress(
                batch_id=b.batch_id,
                state=b.state,
                line_totals=b.line_totals,
                bank_totals=b.bank_totals,
                submissions_sent=subs_sent,
                submissions_total=subs_total,
                done=row["state"] in _TERMINAL,
            )
            if running is not None and row["state"] == "APPROVED":
                progress.release.CopyFrom(
                    dpb.ReleaseProgress(
                        lines_total=running.lines_total,
                        lines_done=running.lines_done,
                        submissions_written=running.submissions_written,
                    )
                )
            progress.observe_time.GetCurrentTime()
            key = (
                progress.state,
                tuple((t.bank_code, t.state, t.line_count) for t in progress.bank_totals),
                tuple((t.state, t.line_count) for t in progress.line_totals),
                subs_total,
                subs_sent,
                (running.lines_done, running.submissions_written) if progress.HasField("release") else None,
            )
            if key != last:
                last = key
                yield dpb.WatchBatchResponse(progress=progress)
            if progress.done:
                return
            # A release in progress here is counted in memory: look at it more often than the database.
            await asyncio.sleep(0.2 if running is not None else 1.0)

    # -- transitions -------------------------------------------------------------------------------

    async def _once(self, method: str, request, effect) -> bytes:
        return await idempotent(self.ctx, _SVC + method, request, effect)

    def _batch_body(self, conn, batch_id: int, cls):
        return cls(batch=batch_pb(dom.get(conn, batch_id), dom.summarize(conn, batch_id))).SerializeToString()

    async def ApproveBatch(self, request: dpb.ApproveBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)

        def effect(conn, principal):
            dom.approve(conn, self.ctx.protector, batch_id, principal, request.content_hash)
            return self._batch_body(conn, batch_id, dpb.ApproveBatchResponse)

        return dpb.ApproveBatchResponse.FromString(await self._once("ApproveBatch", request, effect))

    async def RejectBatch(self, request: dpb.RejectBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)

        def effect(conn, principal):
            dom.reject(conn, batch_id, principal, request.reason)
            return self._batch_body(conn, batch_id, dpb.RejectBatchResponse)

        return dpb.RejectBatchResponse.FromString(await self._once("RejectBatch", request, effect))

    async def CancelBatch(self, request: dpb.CancelBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)

        def effect(conn, principal):
            dom.cancel(conn, batch_id, principal, request.reason)
            return self._batch_body(conn, batch_id, dpb.CancelBatchResponse)

        return dpb.CancelBatchResponse.FromString(await self._once("CancelBatch", request, effect))

    async def PullLine(self, request: dpb.PullLineRequest, context):
        batch_id = parse_batch_ref(request.batch_id)
        line_id = parse_line_ref(request.line_id)

        def effect(conn, principal):
            line = dom.pull_line(conn, batch_id, line_id, principal, request.reason)
            return dpb.PullLineResponse(
                line=line_pb(line), batch=batch_pb(dom.get(conn, batch_id), dom.summarize(conn, batch_id))
            ).SerializeToString()

        return dpb.PullLineResponse.FromString(await self._once("PullLine", request, effect))

    async def ReleaseBatch(self, request: dpb.ReleaseBatchRequest, context):
        batch_id = parse_batch_ref(request.batch_id)

        def count(result, lines_total: int) -> None:
            self.releases.update(batch_id, lines_total, result.lines, len(result.submissions))

        def effect(conn, principal):
            release(
                conn,
                self.ctx.protector,
                batch_id,
                principal,
                lambda code: bank_route(self.ctx.cfg, self.ctx.keystore, code),
                progress=count,
            )
            return self._batch_body(conn, batch_id, dpb.ReleaseBatchResponse)

        try:
            return dpb.ReleaseBatchResponse.FromString(await self._once("ReleaseBatch", request, effect))
        finally:
            self.releases.finish(batch_id)

    async def SearchLines(self, request: dpb.SearchLinesRequest, context):
        if not (request.id_number or request.end_to_end_ref):
            raise InvalidInput("give id_number or end_to_end_ref", "FIELD_REQUIRED")
        size = page_size(request.page_size)
        after = int(decode_token(request.page_token).get("after", 0))
        # The ID number is never compared in clear: it is turned into its keyed hash first.
        id_hash = self.ctx.protector.blind_index(request.id_number) if request.id_number else None
        state = optional_enum_code(dpb.BatchLine.State, "STATE_", request.state)

        def read():
            with self.ctx.db.read() as conn:
                return dom.search_lines(
                    conn,
                    id_hash=id_hash,
                    e2e_ref=request.end_to_end_ref or None,
                    period=request.period or None,
                    state=state,
                    after_id=after,
                    limit=size + 1,
                )

        rows = await in_thread(read)
        token = encode_token({"after": rows[size - 1]["id"]}) if len(rows) > size else ""
        return dpb.SearchLinesResponse(lines=[line_pb(r) for r in rows[:size]], next_page_token=token)
