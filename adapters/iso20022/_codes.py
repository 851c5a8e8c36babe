"""The ISO 20022 tables: payment status → line outcome, reason code → failure reason, error → action.

Three tables, each exhaustive over what it claims to cover, each with a fallback that is never success:

``STATUS``
    Every code of ExternalPaymentTransactionStatus1Code and ExternalPaymentGroupStatus1Code (the published
    lists in ``formats/codes``; a test checks the table against them). A code the table does not know is
    ``LineOutcome.UNKNOWN``.

``REASONS``
    The status-reason and return-reason codes that matter for benefit credits (DOMAIN.md §7), to the
    normalised :class:`~adapters.contract.FailureReason`. ISO keeps two code lists (why a status was given,
    why money came back); the codes used here mean the same in both, so one table serves both and the
    :class:`~adapters.contract.LineResult` records which list a code came from. Unknown → ``UNKNOWN``.

``ERRORS``
    Everything that can go wrong with a request, to an :class:`~adapters.contract.Action`: transport
    failures (named by the transport, see ``TRANSPORT_*``), HTTP statuses (``HTTP_<n>``), the bank's own
    refusal codes and the ISO reason codes a group rejection or a failed line can carry. For a failed line
    ``map_error(line.raw_code).action`` tells the follow-up (TERMINAL: fail and re-issue after correction;
    MANUAL: a person looks first).

RETRY appears only where the request certainly did not take effect *or* where a resend cannot pay twice
because the bank de-duplicates on our MsgId/EndToEndId (``bank_dedupes_on_reference``): that is why a
plain 5xx may be retried here, and why a 504 (a proxy gave up waiting: the bank may be executing) is
INQUIRE all the same.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from adapters.contract import Action, FailureReason, LineOutcome

_P, _PAID, _F = LineOutcome.PENDING, LineOutcome.PAID, LineOutcome.FAILED

STATUS: MappingProxyType[str, LineOutcome] = MappingProxyType(
    {
        # Settled: the money reached (or was settled towards) the creditor's account.
        "ACSC": _PAID,  # settlement on the debtor's account completed
        "ACCC": _PAID,  # settlement on the creditor's account completed
        "CPUC": _PAID,  # cash picked up by the creditor: settled
        # Interim: received, checked, accepted, in process. Nothing is paid yet.
        "RCVD": _P,
        "ACTC": _P,
        "ACCP": _P,
        "ACFC": _P,
        "ACSP": _P,
        "ACWC": _P,  # accepted with a change (date, remittance): still in process
        "ACPD": _P,
        "ACIS": _P,
        "ACWP": _P,  # accepted without posting to the creditor's account: not paid
        "ACFW": _P,
        "PATC": _P,
        "BLCK": _P,  # blocked: neither posted nor returned yet
        "PDNG": _P,
        "PRES": _P,
        # Verification-of-payee answers are check results, not payment outcomes.
        "RCVC": _P,
        "RVCM": _P,
        "RVMC": _P,
        "RVNA": _P,
        "RVNC": _P,
        "RVNM": _P,
        # Final without payment.
        "RJCT": _F,
        "CANC": _F,  # cancelled: we never ask for it, so a person sees the reason (OTHER)
        # PART is a group/batch status ("some accepted, some not"): it says nothing about one line.
        "PART": LineOutcome.UNKNOWN,
    }
)

# Codes whose line outcome is interim (the submission is in the bank's hands, nothing final yet).
INTERIM = frozenset(code for code, outcome in STATUS.items() if outcome is _P)

REASONS: MappingProxyType[str, FailureReason] = MappingProxyType(
    {
        "AC01": FailureReason.ACCOUNT_INVALID,  # account number invalid or missing
        "AC03": FailureReason.ACCOUNT_INVALID,  # creditor account number invalid
        "AC04": FailureReason.ACCOUNT_CLOSED,
        "AC07": FailureReason.ACCOUNT_CLOSED,  # creditor account closed
        "AC06": FailureReason.ACCOUNT_FROZEN,  # blocked, no postings allowed (冻结/止付)
        # "Transaction forbidden on this type of account": for a personal benefit account in China this is
        # the 非Ⅰ类账户 restriction, whose remedy is the class-II one (have the payee name a Ⅰ类 account).
        "AG01": FailureReason.CLASS_II_LIMIT,
        "BE01": FailureReason.NAME_MISMATCH,  # identification not consistent with the account (户名不符)
        "MD07": FailureReason.DECEASED,  # stop future payments, start recovery
        "AM05": FailureReason.DUPLICATE,
        "DUPL": FailureReason.DUPLICATE,
        "AM10": FailureReason.CONTROL_SUM_ERROR,
        "MS02": FailureReason.OTHER,  # not specified by the customer: manual review
        "MS03": FailureReason.OTHER,  # not specified by the agent: manual review
        "NARR": FailureReason.OTHER,  # narrative only: manual review
        "FF01": FailureReason.OTHER,  # our file was invalid
        "AM04": FailureReason.OTHER,  # fund account short of money
        "CANC": FailureReason.OTHER,
    }
)

# Transport failures, as the transport names them (the simulator's client emits exactly these).
TRANSPORT_CONNECT_REFUSED = "CONNECT_REFUSED"  # nothing listened: the request never left
TRANSPORT_CONNECT_TIMEOUT = "CONNECT_TIMEOUT"  # no connection within the timeout: never left
TRANSPORT_RESOLVE_FAILED = "RESOLVE_FAILED"  # host name did not resolve: never left
TRANSPORT_TLS_FAILED = "TLS_FAILED"  # handshake refused (certificate, protocol): never left, won't heal
TRANSPORT_TIMEOUT = "TIMEOUT"  # the request was sent, no answer in time
TRANSPORT_CONNECTION_LOST = "CONNECTION_LOST"  # the connection broke after (part of) the request left
# Adapter-side findings about an answer that arrived.
MALFORMED_RESPONSE = "MALFORMED_RESPONSE"  # not the expected message at all
ANSWER_MISMATCH = "ANSWER_MISMATCH"  # a well-formed answer about another message or other lines
UNKNOWN_STATUS = "UNKNOWN_STATUS"  # a status code the table does not know
NOT_FOUND = "NOT_FOUND"  # status query: the bank has no message with our MsgId

_R, _I, _M, _T = Action.RETRY, Action.INQUIRE, Action.MANUAL, Action.TERMINAL

ERRORS: MappingProxyType[str, Action] = MappingProxyType(
    {
        TRANSPORT_CONNECT_REFUSED: _R,
        TRANSPORT_CONNECT_TIMEOUT: _R,
        TRANSPORT_RESOLVE_FAILED: _R,
        TRANSPORT_TLS_FAILED: _M,
        TRANSPORT_TIMEOUT: _I,
        TRANSPORT_CONNECTION_LOST: _I,
        MALFORMED_RESPONSE: _I,
        ANSWER_MISMATCH: _I,
        UNKNOWN_STATUS: _I,
        # A status query that finds nothing: the submission never reached the bank; sending it again is
        # safe (same MsgId, the bank de-duplicates) and is the only way forward.
        NOT_FOUND: _R,
        # HTTP statuses. 5xx: refused before the request was taken (see the module docstring).
        "HTTP_500": _R,
        "HTTP_502": _R,
        "HTTP_503": _R,
        "HTTP_504": _I,
        "HTTP_408": _R,  # the server gave up reading our request: it was not taken
        "HTTP_429": _R,  # rate limited: not taken
        "HTTP_400": _M,  # our request is malformed: a bug or a profile mistake
        "HTTP_401": _M,  # authentication/signature: keys or certificates need a person
        "HTTP_403": _M,
        "HTTP_404": _M,  # wrong URL in the bank profile
        "HTTP_409": _I,  # conflict with a message the bank already has
        "HTTP_413": _M,  # too large: the chunk size in the bank profile is wrong
        "HTTP_415": _M,
        "HTTP_422": _M,
        # The bank's own refusal codes (JSON error body of a 4xx).
        "BAD_REQUEST": _M,
        "SIGNATURE_INVALID": _M,
        "SIGNATURE_MISSING": _M,
        "TIMESTAMP_OUT_OF_WINDOW": _M,  # clock skew: resending with the same clock fails again
        "NONCE_REUSED": _M,  # we never reuse a nonce: something replays our traffic
        "BODY_TOO_LARGE": _M,
        "UNSUPPORTED_MEDIA_TYPE": _M,
        # ISO reason codes of a group rejection or a failed line.
        "AM10": _T,  # control sum wrong: the bank refused for good; rebuild, nothing was paid
        "FF01": _M,  # invalid file format: our renderer or the bank's schema moved
        "AM05": _I,  # the bank already has this: ask what became of it, never resend
        "DUPL": _I,
        "AM04": _M,  # the fund account cannot cover the submission
        "MS02": _M,
        "MS03": _M,
        "NARR": _M,
        "CANC": _M,
        "AC01": _T,
        "AC03": _T,
        "AC04": _T,
        "AC07": _T,
        "AC06": _T,
        "AG01": _T,
        "BE01": _T,
        "MD07": _T,
    }
)

_ISO_CODE_RE = re.compile(r"[A-Z0-9]{4}")


def status_outcome(code: str) -> LineOutcome:
    # Exact match only: ISO codes are upper case, and a code we have to guess at is not a code we know.
    return STATUS.get(code.strip() if isinstance(code, str) else "", LineOutcome.UNKNOWN)


def reason_of(code: str | None) -> FailureReason:
    if not code:
        return FailureReason.UNKNOWN
    return REASONS.get(code.strip().upper(), FailureReason.UNKNOWN)


def action_of(code: str) -> Action:
    """The action for ``code``; unknown codes: MANUAL for an ISO-looking reason code (the bank refused for
    a reason we cannot read: a person must), INQUIRE for anything else (ask the bank). Never RETRY."""
    key = (code or "").strip().upper()
    action = ERRORS.get(key)
    if action is not None:
        return action
    if key.startswith("HTTP_5"):
        return _I  # an unusual 5xx: the request may have been taken
    return _M if _ISO_CODE_RE.fullmatch(key) else _I
