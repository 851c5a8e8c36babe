"""CardService: card services for bank outlets, 12333, kiosks and the e-card. Thin: proto ↔ domain.

The rules live in :mod:`gateway.domain.cards`. Mutating calls run once per ``request_id``; a call that
starts a bank leg answers with the leg PENDING and sends it to the card bank right after the commit, off
the event loop. A periodic task (every ``[cards] sweep_seconds``, default 60) expires temporary losses
that ran out and asks the card banks about legs still PENDING or UNKNOWN.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from silink.card.v1 import card_pb2 as cpb
from silink.card.v1 import card_pb2_grpc
from silink.common.v1 import common_pb2

from gateway.domain.cards import bankleg, banklink_legs
from gateway.domain.cards import operations as ops
from gateway.domain.cards.channels import CardSettings, ChannelLimits
from gateway.errors import InvalidInput
from gateway.idempotency import run_once_in
from gateway.server.principal import current
from gateway.services.base import AppContext, idempotent, in_thread
from gateway.services.convert import enum_code, enum_value, timestamp
from gateway.services.read_batcher import ReadBatcher
from gateway.services.spool import payload
from gateway.storage.group_commit import GroupCommitter

log = structlog.get_logger("silink.cards")
_SVC = "/silink.card.v1.CardService/"
_LEG_OPERATION = {
    "REPORT_TEMPORARY_LOSS": cpb.CARD_OPERATION_REPORT_LOSS,
    "REPORT_FORMAL_LOSS": cpb.CARD_OPERATION_REPORT_LOSS,
    "LIFT_LOSS": cpb.CARD_OPERATION_LIFT_LOSS,
    "ACTIVATE": cpb.CARD_OPERATION_ACTIVATE_FINANCIAL_ACCOUNT,
    "CHANGE_ACCOUNT": cpb.CARD_OPERATION_CHANGE_DISBURSEMENT_ACCOUNT,
    "CANCEL": cpb.CARD_OPERATION_CANCEL,
}


def status_pb(v: dict[str, Any]) -> cpb.CardStatus:
    out = cpb.CardStatus(
        card_number_masked=v["card_masked"],
        id_number_masked=v["id_masked"],
        name_masked=v["name_masked"],
        social_app_state=enum_value(cpb.SocialAppState, "SOCIAL_APP_STATE_", v["social_state"]),
        bank_app_state=enum_value(cpb.BankAppState, "BANK_APP_STATE_", v["bank_state"]),
        bank_code=v["bank_code"],
        financial_account_masked=v["account_masked"],
        disbursement_account_masked=v["disbursement_account_masked"],
        disbursement_bank_code=v["disbursement_bank_code"],
        payments_held=v["payments_held"],
        issue_date=v["issue_date"],
        expiry_date=v["expiry_date"],
    )
    for field, iso in (
        ("temporary_loss_expire_time", v["temp_loss_expires_at"]),
        ("update_time", v["updated_at"]),
    ):
        ts = timestamp(iso)
        if ts is not None:
            getattr(out, field).CopyFrom(ts)
    leg = v["bank_leg"]
    if leg is None:
        out.pending_bank_leg.state = cpb.BANK_LEG_STATE_NONE
    else:
        out.pending_bank_leg.operation = _LEG_OPERATION.get(leg["operation"], 0)
        out.pending_bank_leg.state = enum_value(cpb.BankLegState, "BANK_LEG_STATE_", leg["state"])
        out.pending_bank_leg.reference = leg["reference"]
        out.pending_bank_leg.failure_text = leg["failure_text"] or ""
        for field, iso in (("request_time", leg["requested_at"]), ("answer_time", leg["answered_at"])):
            ts = timestamp(iso)
            if ts is not None:
                getattr(out.pending_bank_leg, field).CopyFrom(ts)
    return out


def application_pb(a: dict[str, Any]) -> cpb.CardApplication:
    out = cpb.CardApplication(
        application_id=ops.application_ref(a["id"]),
        state=enum_value(cpb.CardApplication.State, "STATE_", a["state"]),
        reason=enum_value(cpb.ReplacementReason, "REPLACEMENT_REASON_", a["reason"]),
        pickup_outlet_code=a["pickup_outlet_code"],
        state_reason=a.get("state_reason") or "",
    )
    for field, iso in (("create_time", a["created_at"]), ("update_time", a["updated_at"])):
        ts = timestamp(iso)
        if ts is not None:
            getattr(out, field).CopyFrom(ts)
    return out


class CardServicer(card_pb2_grpc.CardServiceServicer):
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        raw = dict(ctx.cfg.raw.get("cards", {}))
        self.cards = ops.Cards(ctx.protector, CardSettings.from_config(raw), ChannelLimits())
        self.sweep_seconds = float(raw.get("sweep_seconds", 60))
        # Banks on BankLink fetch their legs (BankLinkService.ListCardOperations): nothing is sent to them.
        self.banklink_banks = banklink_legs.banklink_banks(ctx.cfg.banks)
        self.banklink_answer_seconds = float(
            raw.get("banklink_answer_seconds", banklink_legs.DEFAULT_ANSWER_SECONDS)
        )
        # Tests and benchmarks may put their own card bank here; otherwise each bank's adapter.
        self.sender = ctx.extras.get("card_sender") or bankleg.adapter_sender(ctx)
        self._tasks: set[asyncio.Task] = set()
        self._sweeper: asyncio.Task | None = None
        # SQLite: mutating calls share transactions and fsyncs (gateway/storage/group_commit.py).
        self._committer: GroupCommitter | None = None
        self._reader: ReadBatcher | None = None

    # -- plumbing ------------------------------------------------------------------------------------

    def _caller(self, request: Any = None) -> ops.Caller:
        channel = self.cards.settings.channel(current().name)
        if request is None:
            return ops.Caller(channel)
        return ops.Caller(
            channel, request.outlet_code[:40], request.operator_id[:40], request.holder_authorization_token
        )

    def _background(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None and self.sweep_seconds > 0:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            with contextlib.suppress(Exception):
                await in_thread(self.sweep_once)

    def sweep_once(self) -> dict[str, int]:
        with self.ctx.db.write() as conn:
            expired = ops.expire_due(conn)
        legs = bankleg.query_open(
            self.ctx.db, self.ctx.protector, self.sender, skip_banks=self.banklink_banks
        )
        with self.ctx.db.write() as conn:
            silent = banklink_legs.mark_unanswered(
                conn, self.ctx.protector, self.banklink_banks, self.banklink_answer_seconds
            )
        if silent:
            legs["UNANSWERED"] = silent  # BankLink legs fetched and not answered in time: now UNKNOWN
        if expired or legs:
            log.info("cards.sweep", expired=expired, **{f"legs_{k.lower()}": n for k, n in legs.items()})
        return {"expired": expired, **legs}

    async def _send_leg(self, leg_id: int) -> None:
        try:
            await in_thread(bankleg.send, self.ctx.db, self.ctx.protector, self.sender, leg_id)
        except Exception as exc:  # the sweep asks again; the caller already has its answer
            log.warning("cards.bank_leg_error", error_type=type(exc).__name__)

    async def _mutate(self, method: str, request: Any, run: Any, response: Any) -> Any:
        """Run ``run(conn, caller) -> view`` (or ``(view, application)``) once; send a new bank leg after."""
        self._ensure_sweeper()
        caller = self._caller(request)

        def effect(conn, _principal):
            result = run(conn, caller)
            view, app = result if isinstance(result, tuple) else (result, None)
            body = response(card_status=status_pb(view))
            if app is not None:
                body.application.CopyFrom(application_pb(app))
            return body.SerializeToString()

        answer = response.FromString(await self._once(_SVC + method, request, effect))
        leg = answer.card_status.pending_bank_leg
        pushed = answer.card_status.bank_code not in self.banklink_banks  # a BankLink bank fetches its own
        if pushed and leg.state == cpb.BANK_LEG_STATE_PENDING and not leg.HasField("answer_time"):
            leg_id = await in_thread(self._leg_id, leg.reference)
            if leg_id is not None:
                self._background(self._send_leg(leg_id))
        return answer

    async def _once(self, method: str, request: Any, effect: Any) -> bytes:
        """:func:`idempotent`, through the group committer on SQLite (one writer there anyway)."""
        if not self.ctx.db.is_sqlite:
            return await idempotent(self.ctx, method, request, effect)
        if not request.request_id:
            raise InvalidInput("request_id is required", "FIELD_REQUIRED", metadata={"field": "request_id"})
        if self._committer is None:
            self._committer = GroupCommitter(self.ctx.db, name="cards-group-commit")
        principal = current().name
        future = self._committer.submit(
            lambda conn: run_once_in(
                conn,
                principal=principal,
                method=method,
                request_id=request.request_id,
                payload=payload(request),
                effect=lambda c: effect(c, principal),
            )
        )
        body, _replayed = await asyncio.wrap_future(future)
        return body

    def _leg_id(self, reference: str) -> int | None:
        from sqlalchemy import select

        from gateway.storage.tables_cards import card_bank_legs

        with self.ctx.db.read() as conn:
            return conn.execute(
                select(card_bank_legs.c.id).where(
                    card_bank_legs.c.reference == reference, card_bank_legs.c.state == "PENDING"
                )
            ).scalar()

    # -- the calls -----------------------------------------------------------------------------------

    async def GetCardStatus(self, request: cpb.GetCardStatusRequest, context):
        self._ensure_sweeper()
        caller = self._caller()

        def read(conn):
            return ops.get_status(conn, self.cards, caller, request.id_number, request.card_number, False)

        def expire_and_read():
            with self.ctx.db.write() as conn:
                return ops.get_status(conn, self.cards, caller, request.id_number, request.card_number)

        def read_alone():
            with self.ctx.db.read() as conn:
                return read(conn)

        try:
            if self.ctx.db.is_sqlite:  # the hot read: batched hand-offs (services/read_batcher.py)
                if self._reader is None:
                    self._reader = ReadBatcher(self.ctx.db, name="cards-reader")
                view = await self._reader.read(read)
            else:
                view = await in_thread(read_alone)
        except ops.ExpiryDue:  # a temporary loss ran out: lifted in a write transaction, then read
            view = await in_thread(expire_and_read)
        return cpb.GetCardStatusResponse(card_status=status_pb(view))

    async def ReportLoss(self, request: cpb.ReportLossRequest, context):
        kind = enum_code(cpb.LossKind, "LOSS_KIND_", request.loss_kind, "loss_kind")
        return await self._mutate(
            "ReportLoss",
            request,
            lambda conn, c: ops.report_loss(
                conn,
                self.cards,
                c,
                request.id_number,
                request.card_number,
                kind,
                request.include_financial_account,
            ),
            cpb.ReportLossResponse,
        )

    async def LiftLoss(self, request: cpb.LiftLossRequest, context):
        return await self._mutate(
            "LiftLoss",
            request,
            lambda conn, c: ops.lift_loss(conn, self.cards, c, request.id_number, request.card_number),
            cpb.LiftLossResponse,
        )

    async def ApplyReplacement(self, request: cpb.ApplyReplacementRequest, context):
        reason = enum_code(cpb.ReplacementReason, "REPLACEMENT_REASON_", request.reason, "reason")
        return await self._mutate(
            "ApplyReplacement",
            request,
            lambda conn, c: ops.apply_replacement(
                conn,
                self.cards,
                c,
                request.id_number,
                request.card_number,
                reason,
                request.pickup_outlet_code,
            ),
            cpb.ApplyReplacementResponse,
        )

    async def EnableCard(self, request: cpb.EnableCardRequest, context):
        return await self._mutate(
            "EnableCard",
            request,
            lambda conn, c: ops.enable(conn, self.cards, c, request.id_number, request.card_number),
            cpb.EnableCardResponse,
        )

    async def UnlockCard(self, request: cpb.UnlockCardRequest, context):
        return await self._mutate(
            "UnlockCard",
            request,
            lambda conn, c: ops.unlock(conn, self.cards, c, request.id_number, request.card_number),
            cpb.UnlockCardResponse,
        )

    async def ActivateFinancialAccount(self, request: cpb.ActivateFinancialAccountRequest, context):
        return await self._mutate(
            "ActivateFinancialAccount",
            request,
            lambda conn, c: ops.activate(conn, self.cards, c, request.id_number, request.card_number),
            cpb.ActivateFinancialAccountResponse,
        )

    async def ChangeDisbursementAccount(self, request: cpb.ChangeDisbursementAccountRequest, context):
        acc_type = enum_code(
            common_pb2.AccountType, "ACCOUNT_TYPE_", request.new_account_type, "new_account_type"
        )
        return await self._mutate(
            "ChangeDisbursementAccount",
            request,
            lambda conn, c: ops.change_account(
                conn,
                self.cards,
                c,
                request.id_number,
                request.card_number,
                request.new_account,
                acc_type,
                request.new_bank_code,
            ),
            cpb.ChangeDisbursementAccountResponse,
        )

    async def GetApplicationProgress(self, request: cpb.GetApplicationProgressRequest, context):
        caller = self._caller()

        def read():
            with self.ctx.db.read() as conn:
                return ops.get_progress(conn, self.cards, caller, request.id_number, request.application_id)

        return cpb.GetApplicationProgressResponse(application=application_pb(await in_thread(read)))

    async def CancelCard(self, request: cpb.CancelCardRequest, context):
        reason = enum_code(cpb.CancelReason, "CANCEL_REASON_", request.reason, "reason")
        return await self._mutate(
            "CancelCard",
            request,
            lambda conn, c: ops.cancel(
                conn,
                self.cards,
                c,
                request.id_number,
                request.card_number,
                reason,
                request.note,
                request.include_financial_account,
            ),
            cpb.CancelCardResponse,
        )
