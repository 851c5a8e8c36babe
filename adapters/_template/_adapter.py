"""TODO: one line on the bank protocol this adapter speaks (format, transport, signature).

A documented skeleton of the contract in :mod:`adapters.contract`. Everything marked TODO is a decision
about the bank's protocol; everything else is the contract's rule and should stay as it is:

- render and parse are pure: time, nonce, keys and the bank profile come in through ``AdapterContext``;
- a status the table does not know is ``LineOutcome.UNKNOWN``, never success;
- an error the table does not know is ``Action.INQUIRE`` (or MANUAL), never ``Action.RETRY``;
- an answer that cannot be read is ``SubmitStatus.UNKNOWN`` with ``Action.INQUIRE``, never ACCEPTED;
- personal data (accounts, names, ID numbers) never goes into an exception message or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from adapters.contract import (
    Action,
    AdapterContext,
    AmountUnit,
    BankError,
    Capabilities,
    LineOutcome,
    Submission,
    SubmitResult,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from gateway.errors import Unimplemented

NAME = "template"  # the registry name: [banks.X] adapter = "template"

# Conformance suites this adapter passes. Empty: the kit recognises the adapter and skips every suite.
SUITES: frozenset[str] = frozenset()

# TODO: every status code the bank documents, to a line outcome. Unknown codes are UNKNOWN (see below).
STATUS: Mapping[str, LineOutcome] = MappingProxyType({})

# Every error code to an action. The transport's codes are filled in (what the phase of the failure
# implies); TODO: add the bank's codes and HTTP statuses.
ERRORS: Mapping[str, Action] = MappingProxyType(
    {
        "CONNECT_REFUSED": Action.RETRY,  # nothing was sent
        "CONNECT_TIMEOUT": Action.RETRY,
        "RESOLVE_FAILED": Action.RETRY,
        "TLS_FAILED": Action.MANUAL,  # certificates: a person must look
        "TIMEOUT": Action.INQUIRE,  # sent, no answer: ask by our reference, never resend blindly
        "CONNECTION_LOST": Action.INQUIRE,
        "MALFORMED_RESPONSE": Action.INQUIRE,
    }
)


class TemplateAdapter:
    """TODO: the bank protocol in one sentence."""

    name = NAME
    capabilities = Capabilities(
        protocol=NAME,  # TODO: the protocol name its simulator handler registers under
        amount_unit=AmountUnit.FEN,  # TODO: FEN or YUAN, as the bank's messages carry amounts
        max_lines_per_submission=1000,  # TODO: the bank's documented limit
        text_encoding="utf-8",  # TODO: "gbk" / "gb18030" for many Chinese banks
        bank_dedupes_on_reference=False,  # TODO: True only if the bank documents it
        status_query=False,
        returns=False,
        card_services=False,
        signature_algorithm="SM2-SM3",  # TODO: keys.algorithms name
        hash_algorithm="SM3",
        encryption_algorithm=None,
        transport="https",
    )
    SUITES = SUITES
    STATUS_CODES = STATUS
    ERROR_CODES = ERRORS

    def render_submission(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        raise Unimplemented(f"adapter {NAME!r} cannot render submissions yet", "ADAPTER_NOT_READY")

    def parse_submit_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        return _unreadable()

    def render_status_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        raise Unimplemented(f"adapter {NAME!r} cannot query status yet", "ADAPTER_NOT_READY")

    def parse_status_response(self, response: WireResponse, submission: Submission) -> SubmitResult:
        return _unreadable()

    def map_status(self, raw_status: str) -> LineOutcome:
        return STATUS.get(raw_status, LineOutcome.UNKNOWN)

    def map_error(self, raw_code: str, raw_text: str = "") -> BankError:
        return BankError(code=raw_code, text=raw_text, action=ERRORS.get(raw_code, Action.INQUIRE))


def _unreadable() -> SubmitResult:
    # Until the parser exists, every answer is unreadable: never ACCEPTED, always inquire.
    return SubmitResult(
        status=SubmitStatus.UNKNOWN,
        error=BankError(code="MALFORMED_RESPONSE", text="not implemented", action=Action.INQUIRE),
    )
