"""The direct-link JSON adapter: the contract's render/parse/map methods over the envelope and bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from adapters.contract import (
    Action,
    AdapterContext,
    BankError,
    Capabilities,
    FailureReason,
    LineOutcome,
    Submission,
    SubmitResult,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from gateway.errors import InvalidInput
from keys.algorithms import DECRYPTION_FAILED

from . import _card, _codes, _envelope, _payroll
from ._codes import Funcode
from ._profile import CONFIG_INVALID, DirectLinkProfile

CONTENT_TYPE = "application/json; charset=utf-8"
CONTEXT_REQUIRED = "ADAPTER_CONTEXT_REQUIRED"
SUBMISSION_NEEDS_PARTS = "SUBMISSION_NEEDS_PARTS"

_LOCAL_BY_REASON = {
    _envelope.ENVELOPE_MALFORMED: _codes.LOCAL_ENVELOPE_MALFORMED,
    _envelope.BODY_MALFORMED: _codes.LOCAL_BODY_MALFORMED,
    DECRYPTION_FAILED: _codes.LOCAL_DECRYPTION_FAILED,
    _envelope.SIGNATURE_INVALID: _codes.LOCAL_SIGNATURE_INVALID,
    _envelope.ALGORITHM_MISMATCH: _codes.LOCAL_ALGORITHM_MISMATCH,
}


def _local(code: str, text: str) -> BankError:
    return BankError(code, text, _codes.LOCAL_ACTIONS[code])


def _problems_error(problems: _payroll.Problems) -> BankError | None:
    """One MANUAL error summing up what was wrong in an otherwise usable answer."""
    if not problems:
        return None
    code = problems.items[0][0]
    shown = "; ".join(message for _, message in problems.items[:5])
    more = f" (+{len(problems.items) - 5} more)" if len(problems.items) > 5 else ""
    return BankError(code, shown + more, Action.MANUAL)


def _unopened_status(error: BankError) -> SubmitStatus:
    # An answer we could not open leaves the outcome unknown, except a front end's refusal before
    # processing (HTTP 503/429), which certainly took nothing.
    return SubmitStatus.REJECTED if error.action is Action.RETRY else SubmitStatus.UNKNOWN


def _status_for(error: BankError) -> SubmitStatus:
    # INQUIRE means the bank may have taken the request: the outcome is unknown, not a refusal.
    return SubmitStatus.UNKNOWN if error.action is Action.INQUIRE else SubmitStatus.REJECTED


class DirectLinkAdapter:
    """Chinese "cloud direct-link" JSON API: SM3withSM2-signed, SM4-encrypted, A/E/S line statuses.

    The format is specified in ``adapters/direct_link/FORMAT.md``. Build one per bank with
    ``DirectLinkAdapter.bind(ctx)`` (profile from ``ctx.settings``, keys from ``ctx``) or pass ``ctx=`` to
    the parse methods: reading an answer needs the bank's verifier and the cipher, which the contract's
    two-argument parse methods do not carry (see the report on the contract).
    """

    name = "direct_link_json"
    SUITES: ClassVar[tuple[str, ...]] = (
        "render_parse",
        "status_map",
        "error_map",
        "submit",
        "dedup",
        "malformed",
        "faults",
        "returns",
    )

    def __init__(
        self, settings: Mapping[str, object] | None = None, ctx: AdapterContext | None = None
    ) -> None:
        self.profile = DirectLinkProfile.from_settings(
            settings if settings is not None else (ctx and ctx.settings)
        )
        self._ctx = ctx
        self._cached: tuple[Mapping[str, object], DirectLinkProfile] | None = None
        p = self.profile
        # The tables the conformance kit checks entry by entry (this bank's, aliases and overrides included).
        self.STATUS_CODES: Mapping[str, LineOutcome] = p.status_table
        self.ERROR_CODES: Mapping[str, Action] = {
            **{code: row.action for code, row in _codes.RETURN_CODES.items()},
            **_codes.LOCAL_ACTIONS,
            **_codes.HTTP_ACTIONS,
            **_codes.TRANSPORT_ACTIONS,
            **p.return_code_overrides,
        }
        self.capabilities = Capabilities(
            protocol=self.name,
            amount_unit=p.amount_unit,
            max_lines_per_submission=p.max_lines,
            text_encoding="utf-8",
            bank_dedupes_on_reference=True,  # 3006 on a second batch with the same batchref
            status_query=True,
            returns=True,
            card_services=True,
            signature_algorithm="SM2-SM3",
            hash_algorithm="SM3",
            encryption_algorithm=p.cipher.value,
            transport="https",
        )

    @classmethod
    def bind(cls, ctx: AdapterContext) -> DirectLinkAdapter:
        """An adapter for one bank: profile from ``ctx.settings``, keys from ``ctx`` for the parse methods."""
        return cls(ctx.settings, ctx)

    # --- helpers --------------------------------------------------------------------------------------

    def _profile(self, ctx: AdapterContext | None) -> DirectLinkProfile:
        if ctx is None or ctx is self._ctx or not ctx.settings:
            return self.profile
        cached = self._cached
        if cached is not None and cached[0] is ctx.settings:
            return cached[1]
        profile = DirectLinkProfile.from_settings(ctx.settings)
        self._cached = (ctx.settings, profile)
        return profile

    def _read_ctx(self, ctx: AdapterContext | None) -> AdapterContext:
        ctx = ctx or self._ctx
        if ctx is None:
            raise InvalidInput(
                "reading a direct-link answer needs the bank's keys: bind the adapter or pass ctx",
                CONTEXT_REQUIRED,
            )
        return ctx

    def _head(
        self,
        funcode: Funcode,
        reqid: str,
        ctx: AdapterContext,
        profile: DirectLinkProfile,
        nonce: str | None = None,
    ) -> dict[str, Any]:
        if not profile.user_id:
            raise InvalidInput(
                "direct-link setting 'user_id' is required to send",
                CONFIG_INVALID,
                metadata={"setting": "user_id"},
            )
        if not ctx.nonce:
            raise InvalidInput("the context has no nonce", "CONTEXT_INVALID")
        return {
            "funcode": funcode.value,
            "nonce": nonce or ctx.nonce,
            "reqid": reqid,
            "reqtime": _envelope.wire_time(ctx.now_iso),
            "userid": profile.user_id,
            "ver": _envelope.VERSION,
        }

    def _message(
        self,
        funcode: Funcode,
        head: dict[str, Any],
        body: dict[str, Any],
        ctx: AdapterContext,
        profile: DirectLinkProfile,
        extra_headers: Mapping[str, str] | None = None,
    ) -> WireMessage:
        if ctx.cipher is not None and ctx.cipher.algorithm is not profile.cipher:
            raise InvalidInput(
                "the context's cipher is not the bank's configured cipher",
                CONFIG_INVALID,
                metadata={"setting": "cipher"},
            )
        data = _envelope.seal(head, body, signer=ctx.signer, cipher=ctx.cipher)
        headers = {
            "X-Silink-Funcode": funcode.value,
            "X-Silink-Reqid": head["reqid"],
            **(extra_headers or {}),
        }
        return WireMessage(
            body=data,
            content_type=CONTENT_TYPE,
            path=f"{profile.base_path}/{funcode.value.lower()}",
            headers=headers,
        )

    def _open(
        self,
        response: WireResponse,
        ctx: AdapterContext,
        profile: DirectLinkProfile,
        funcodes: frozenset[Funcode],
    ) -> tuple[dict[str, Any], dict[str, Any]] | BankError:
        """Verified ``(head, body)`` of an answer, or the local error saying why it cannot be used."""
        if response.status != 200:
            code = f"HTTP_{response.status}"
            if code in _codes.HTTP_ACTIONS:
                return BankError(code, f"HTTP status {response.status}", _codes.HTTP_ACTIONS[code])
            return _local(_codes.LOCAL_HTTP_STATUS, f"HTTP status {response.status}")
        if ctx.cipher is not None and ctx.cipher.algorithm is not profile.cipher:
            raise InvalidInput(
                "the context's cipher is not the bank's configured cipher",
                CONFIG_INVALID,
                metadata={"setting": "cipher"},
            )
        try:
            head, body = _envelope.open_envelope(response.body, verifier=ctx.bank_verifier, cipher=ctx.cipher)
        except InvalidInput as exc:
            code = _LOCAL_BY_REASON.get(exc.reason)
            if code is None:  # missing keys: our configuration, not the bank's answer
                raise
            return _local(code, exc.message)
        if head.get("funcode") not in funcodes:
            return _local(_codes.LOCAL_BODY_MALFORMED, "the answer is for another function code")
        if not isinstance(head.get("retcode"), str) or not isinstance(head.get("retmsg", ""), str):
            return _local(_codes.LOCAL_BODY_MALFORMED, "the answer has no text retcode/retmsg")
        if profile.max_clock_skew_s:
            stamped = _envelope.parse_wire_time(head.get("resptime"))
            if stamped is None:
                return _local(_codes.LOCAL_BODY_MALFORMED, "the answer's resptime is not YYYYMMDDhhmmss")
            now = _envelope.context_time(ctx.now_iso)
            if abs((now - stamped).total_seconds()) > profile.max_clock_skew_s:
                return _local(
                    _codes.LOCAL_STALE_RESPONSE, "the answer's time stamp is outside the allowed window"
                )
        return head, body

    def answer_stamp(
        self, response: WireResponse, ctx: AdapterContext | None = None
    ) -> tuple[str, object] | None:
        """The answer's ``(head.nonce, head.resptime)`` for the dispatcher's replay check
        (:mod:`gateway.dispatch.answers`), read from the verified envelope. ``None`` when the answer cannot
        be opened (not 200, bad signature, wrong key): the parse methods already refuse those, precisely.
        A ``resptime`` that is not ``YYYYMMDDhhmmss`` comes back as sent, for the check to refuse."""
        if response.status != 200:
            return None
        ctx = self._read_ctx(ctx)
        try:
            head, _ = _envelope.open_envelope(response.body, verifier=ctx.bank_verifier, cipher=ctx.cipher)
        except InvalidInput:
            return None
        nonce = head.get("nonce")
        resptime = head.get("resptime")
        stamped = _envelope.parse_wire_time(resptime)
        return (nonce if isinstance(nonce, str) else ""), (stamped if stamped is not None else str(resptime))

    # --- the contract ---------------------------------------------------------------------------------

    def render_submission_parts(self, submission: Submission, ctx: AdapterContext) -> list[WireMessage]:
        """Every PAYROLL_SUBMIT request of a submission: one per ``max_lines`` lines, sent in order.

        All parts share ``head.reqid`` = ``summary.batchref`` = our bank reference; ``summary.partno``,
        ``partcount``, ``first`` and ``last`` chain them. With several parts each gets its own nonce
        (``ctx.nonce`` + ``.`` + part number) so the bank's replay check accepts them all.
        """
        profile = self._profile(ctx)
        bodies = _payroll.submit_bodies(submission, profile)
        messages = []
        for body in bodies:
            summary = body["summary"]
            nonce = ctx.nonce if len(bodies) == 1 else f"{ctx.nonce}.{summary['partno']}"
            head = self._head(Funcode.PAYROLL_SUBMIT, submission.bank_reference, ctx, profile, nonce)
            part = {"X-Silink-Part": f"{summary['partno']}/{summary['partcount']}"}
            messages.append(self._message(Funcode.PAYROLL_SUBMIT, head, body, ctx, profile, part))
        return messages

    def render_submission(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """The one PAYROLL_SUBMIT request of a submission within the bank's line limit."""
        profile = self._profile(ctx)
        parts = -(-len(submission.lines) // profile.max_lines)
        if parts > 1:
            raise InvalidInput(
                f"submission has {len(submission.lines)} lines, more than the bank's {profile.max_lines} per "
                f"request: render it with render_submission_parts ({parts} parts)",
                SUBMISSION_NEEDS_PARTS,
            )
        return self.render_submission_parts(submission, ctx)[0]

    def parse_submit_response(
        self, response: WireResponse, submission: Submission, ctx: AdapterContext | None = None
    ) -> SubmitResult:
        ctx = self._read_ctx(ctx)
        profile = self._profile(ctx)
        opened = self._open(response, ctx, profile, frozenset({Funcode.PAYROLL_SUBMIT}))
        if isinstance(opened, BankError):
            return SubmitResult(_unopened_status(opened), error=opened)
        head, body = opened
        if head.get("reqid") != submission.bank_reference:
            return SubmitResult(
                SubmitStatus.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the answer is for another reqid"),
            )
        if head["retcode"] != _codes.SUCCESS:
            error = self._map_error(head["retcode"], head.get("retmsg", ""), profile)
            return SubmitResult(_status_for(error), error=error)
        if body.get("batchref") != submission.bank_reference:
            return SubmitResult(
                SubmitStatus.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the answer is for another batch"),
            )
        problems = _payroll.Problems()
        lines = _payroll.read_lines(body.get("lines"), submission, profile, problems)
        bank_batch = body.get("bankbatch", "")
        return SubmitResult(
            SubmitStatus.ACCEPTED,
            bank_batch_reference=bank_batch if isinstance(bank_batch, str) else "",
            error=_problems_error(problems),
            lines=lines,
        )

    def render_status_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """PAYROLL_QUERY for the batch and all its lines; ``head.reqid`` is fresh (``Q`` + the nonce)."""
        profile = self._profile(ctx)
        head = self._head(Funcode.PAYROLL_QUERY, self._query_id(ctx), ctx, profile)
        return self._message(Funcode.PAYROLL_QUERY, head, _payroll.query_body(submission), ctx, profile)

    def render_bounce_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """BOUNCE_QUERY: the batch's payments that came back after settlement (退票)."""
        profile = self._profile(ctx)
        head = self._head(Funcode.BOUNCE_QUERY, self._query_id(ctx), ctx, profile)
        return self._message(Funcode.BOUNCE_QUERY, head, _payroll.bounce_body(submission), ctx, profile)

    def render_notification_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """Returns of the submission's lines: the BOUNCE_QUERY (the conformance kit's name for it)."""
        return self.render_bounce_query(submission, ctx)

    @staticmethod
    def _query_id(ctx: AdapterContext) -> str:
        return ("Q" + ctx.nonce)[:35]

    def parse_status_response(
        self, response: WireResponse, submission: Submission, ctx: AdapterContext | None = None
    ) -> SubmitResult:
        """A PAYROLL_QUERY answer (line statuses) or a BOUNCE_QUERY answer (lines RETURNED with reason)."""
        ctx = self._read_ctx(ctx)
        profile = self._profile(ctx)
        opened = self._open(response, ctx, profile, frozenset({Funcode.PAYROLL_QUERY, Funcode.BOUNCE_QUERY}))
        if isinstance(opened, BankError):
            return SubmitResult(_unopened_status(opened), error=opened)
        head, body = opened
        if head["retcode"] != _codes.SUCCESS:
            error = self._map_error(head["retcode"], head.get("retmsg", ""), profile)
            return SubmitResult(_status_for(error), error=error)
        if body.get("batchref") != submission.bank_reference:
            return SubmitResult(
                SubmitStatus.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the answer is for another batch"),
            )
        problems = _payroll.Problems()
        bounce = head["funcode"] == Funcode.BOUNCE_QUERY
        lines = _payroll.read_lines(body.get("lines"), submission, profile, problems, bounce=bounce)
        if not bounce:
            _payroll.check_totals(body, submission, lines, profile, problems)
        bank_batch = body.get("bankbatch", "")
        return SubmitResult(
            SubmitStatus.ACCEPTED,
            bank_batch_reference=bank_batch if isinstance(bank_batch, str) else "",
            error=_problems_error(problems),
            lines=lines,
        )

    def map_status(self, raw_status: str) -> LineOutcome:
        """A/E/S/R (plus the bank's configured aliases); anything else is UNKNOWN, never PAID."""
        return self.profile.status_table.get(raw_status, LineOutcome.UNKNOWN)

    def map_error(self, raw_code: str, raw_text: str = "") -> BankError:
        return self._map_error(raw_code, raw_text, self.profile)

    @staticmethod
    def _map_error(raw_code: str, raw_text: str, profile: DirectLinkProfile) -> BankError:
        """Table lookup; an unknown code is INQUIRE (ask by our reference), never RETRY."""
        row = _codes.RETURN_CODES.get(raw_code)
        if raw_code in profile.return_code_overrides:
            action = profile.return_code_overrides[raw_code]
        elif row is not None:
            action = row.action
        elif raw_code in _codes.LOCAL_ACTIONS:
            action = _codes.LOCAL_ACTIONS[raw_code]
        elif raw_code in _codes.HTTP_ACTIONS:
            action = _codes.HTTP_ACTIONS[raw_code]
        elif raw_code in _codes.TRANSPORT_ACTIONS:
            action = _codes.TRANSPORT_ACTIONS[raw_code]
        else:
            action = Action.INQUIRE
        return BankError(raw_code, raw_text or (row.meaning if row else ""), action)

    def failure_reason(self, raw_code: str) -> FailureReason | None:
        """What the lines fail with when a TERMINAL return code refuses the whole batch."""
        row = _codes.RETURN_CODES.get(raw_code)
        return row.reason if row else None

    # --- card services --------------------------------------------------------------------------------

    def render_card_request(self, request: _card.CardRequest, ctx: AdapterContext) -> WireMessage:
        profile = self._profile(ctx)
        body = _card.card_body(request)
        head = self._head(request.funcode, request.request_id, ctx, profile)
        return self._message(request.funcode, head, body, ctx, profile)

    def parse_card_response(
        self, response: WireResponse, request: _card.CardRequest, ctx: AdapterContext | None = None
    ) -> _card.CardResult:
        ctx = self._read_ctx(ctx)
        profile = self._profile(ctx)
        opened = self._open(response, ctx, profile, frozenset({request.funcode}))
        if isinstance(opened, BankError):
            return _card.CardResult(_card.CardOutcome.UNKNOWN, error=opened)
        head, body = opened
        if head.get("reqid") != request.request_id:
            return _card.CardResult(
                _card.CardOutcome.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the answer is for another reqid"),
            )
        if head["retcode"] != _codes.SUCCESS:
            error = self._map_error(head["retcode"], head.get("retmsg", ""), profile)
            outcome = (
                _card.CardOutcome.UNKNOWN if error.action is Action.INQUIRE else _card.CardOutcome.REFUSED
            )
            return _card.CardResult(outcome, error=error)
        if body.get("cardno") != request.card_number:
            return _card.CardResult(
                _card.CardOutcome.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the answer is for another card"),
            )
        raw_state = body.get("cardstate", "")
        opstatus = body.get("opstatus")
        op_ref = body.get("opref", "")
        common = {
            "bank_state": _card.card_state(raw_state),
            "raw_state": raw_state if isinstance(raw_state, str) else "",
            "bank_op_reference": op_ref if isinstance(op_ref, str) else "",
            "account_masked": _card.account_masked(body.get("acc")),
        }
        if opstatus == "S":
            return _card.CardResult(_card.CardOutcome.DONE, **common)
        if opstatus == "A":
            return _card.CardResult(_card.CardOutcome.PENDING, **common)
        if opstatus == "E":
            errcode = body.get("errcode", "")
            errmsg = body.get("errmsg", "")
            error = self._map_error(
                errcode if isinstance(errcode, str) else "",
                errmsg if isinstance(errmsg, str) else "",
                profile,
            )
            # The operation itself was refused: whatever the code's table action, nothing is pending.
            return _card.CardResult(
                _card.CardOutcome.REFUSED, error=BankError(error.code, error.text, Action.TERMINAL), **common
            )
        return _card.CardResult(
            _card.CardOutcome.UNKNOWN,
            error=_local(_codes.LOCAL_BODY_MALFORMED, "the answer's opstatus is not S, A or E"),
            **common,
        )
