"""The ISO 20022 adapter: pain.001.001.09 out; pain.002.001.10 and camt.054.001.08 in; over HTTPS.

Pure, as the contract asks: time, nonce, keys and the bank profile come in through
:class:`~adapters.contract.AdapterContext`; the core sends the :class:`~adapters.contract.WireMessage`
(always an HTTP POST to ``message.path``) and hands back the :class:`~adapters.contract.WireResponse`.

Bank profile settings read (``[banks.X]``): ``send_id_number`` (bool, default false: the payee's ID number
goes into ``Cdtr/Id`` only when the bank asks for it), ``batch_booking`` (bool, default true),
``debtor_agent_cnaps`` (the bank's 12-digit CNAPS code; default the 3-digit bank code),
``initiating_party_name`` (default the fund account name).

Beyond the contract: :meth:`Iso20022Adapter.render_notification_query` asks for the camt.054 returns of a
submission (its answer goes to :meth:`~Iso20022Adapter.parse_status_response` too),
:meth:`~Iso20022Adapter.map_reason` maps an ISO reason code, and :meth:`~Iso20022Adapter.verify_response`
checks the bank's detached signature on an answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.contract import (
    AdapterContext,
    AmountUnit,
    BankError,
    Capabilities,
    FailureReason,
    LineOutcome,
    Submission,
    SubmitResult,
    WireMessage,
    WireResponse,
)
from adapters.iso20022 import _codes as C
from adapters.iso20022 import _parse
from adapters.iso20022._render import render_pain001, render_query
from adapters.iso20022._wire import (
    H_REFERENCE,
    JSON_CONTENT_TYPE,
    NOTIFICATIONS_PATH,
    PAIN001_PATH,
    SIGNATURE_ATTACHMENT,
    STATUS_PATH,
    XML_CONTENT_TYPE,
    answer_stamp,
    signature_headers,
    verify_signature,
)
from adapters.registry import register
from gateway.errors import InvalidInput

MAX_LINES = 5000

# Conformance suites this adapter passes (tests/conformance reads this; see its README docstring).
SUITES = frozenset(
    {"render_parse", "status_map", "error_map", "submit", "dedup", "malformed", "faults", "returns"}
)


@register("iso20022")
class Iso20022Adapter:
    name = "iso20022"
    capabilities = Capabilities(
        protocol="iso20022",
        amount_unit=AmountUnit.YUAN,
        max_lines_per_submission=MAX_LINES,
        text_encoding="utf-8",
        bank_dedupes_on_reference=True,  # MsgId per message, EndToEndId per line
        status_query=True,
        returns=True,
        card_services=False,
        signature_algorithm="RSA-PSS-SHA256",
        hash_algorithm="SHA-256",
        encryption_algorithm=None,
        transport="https",
    )
    SUITES = SUITES
    # Every error code this adapter knows, for the conformance kit ("every error code maps to an action").
    ERROR_CODES: Mapping[str, object] = C.ERRORS
    STATUS_CODES: Mapping[str, LineOutcome] = C.STATUS

    # -- outgoing -------------------------------------------------------------------------------------

    def render_submission(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        if len(submission.lines) > MAX_LINES:
            raise InvalidInput(
                f"submission {submission.submission_id} has {len(submission.lines)} lines; "
                f"the ISO 20022 adapter takes at most {MAX_LINES}",
                "SUBMISSION_TOO_LARGE",
            )
        body = render_pain001(submission, ctx.now_iso, ctx.settings)
        return self._signed(body, XML_CONTENT_TYPE, PAIN001_PATH, submission.bank_reference, ctx)

    def render_status_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        body = render_query(submission.bank_reference, "pain.002")
        return self._signed(body, JSON_CONTENT_TYPE, STATUS_PATH, submission.bank_reference, ctx)

    def render_notification_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """Ask for the camt.054 notification of returns of this submission's lines."""
        body = render_query(submission.bank_reference, "camt.054")
        return self._signed(body, JSON_CONTENT_TYPE, NOTIFICATIONS_PATH, submission.bank_reference, ctx)

    def _signed(
        self, body: bytes, content_type: str, path: str, reference: str, ctx: AdapterContext
    ) -> WireMessage:
        headers = {H_REFERENCE: reference}
        attachments: dict[str, bytes] = {}
        if ctx.signer is not None:
            sig_headers, signature = signature_headers(ctx.signer, ctx.now_iso, ctx.nonce, body)
            headers.update(sig_headers)
            attachments[SIGNATURE_ATTACHMENT] = signature
        return WireMessage(
            body=body, content_type=content_type, path=path, headers=headers, attachments=attachments
        )

    # -- incoming -------------------------------------------------------------------------------------

    def parse_submit_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        return _parse.parse_response(response, submission, allow_notification=False)

    def parse_status_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        return _parse.parse_response(response, submission, allow_notification=True)

    def verify_response(self, response: WireResponse, verifier) -> bool:
        """True when the answer carries a valid detached signature by the bank's key."""
        return verify_signature(response.headers, response.body, verifier) is None

    def answer_stamp(self, response: WireResponse) -> tuple[str, str] | None:
        """The answer's ``(nonce, timestamp)`` (``X-Silink-Nonce`` / ``X-Silink-Timestamp``) for the
        dispatcher's replay check (:mod:`gateway.dispatch.answers`); ``None`` when it has no stamp."""
        return answer_stamp(response.headers)

    # -- tables ---------------------------------------------------------------------------------------

    def map_status(self, raw_status: str) -> LineOutcome:
        return C.status_outcome(raw_status)

    def map_error(self, raw_code: str, raw_text: str = "") -> BankError:
        return BankError(code=raw_code, text=raw_text, action=C.action_of(raw_code))

    def map_reason(self, raw_code: str) -> FailureReason:
        return C.reason_of(raw_code)
