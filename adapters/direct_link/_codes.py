"""The direct-link protocol's tables: function codes, return codes → actions, line statuses → outcomes.

Every table here is also printed in ``FORMAT.md``; a test reads the document and checks both agree.
"""

from __future__ import annotations

import enum
from types import MappingProxyType

from adapters.contract import Action, FailureReason, LineOutcome


class Funcode(enum.StrEnum):
    """The ``head.funcode`` of a request and of its response."""

    PAYROLL_SUBMIT = "PAYROLL_SUBMIT"
    PAYROLL_QUERY = "PAYROLL_QUERY"
    BOUNCE_QUERY = "BOUNCE_QUERY"
    CARD_STATUS = "CARD_STATUS"
    CARD_LOSS = "CARD_LOSS"
    CARD_UNLOSS = "CARD_UNLOSS"
    CARD_ACTIVATE = "CARD_ACTIVATE"
    ACCOUNT_CHANGE = "ACCOUNT_CHANGE"
    ACCOUNT_CLOSE = "ACCOUNT_CLOSE"  # 销户 of the card's financial account (cancellation of the card)


CARD_FUNCODES = frozenset(
    {
        Funcode.CARD_STATUS,
        Funcode.CARD_LOSS,
        Funcode.CARD_UNLOSS,
        Funcode.CARD_ACTIVATE,
        Funcode.ACCOUNT_CHANGE,
        Funcode.ACCOUNT_CLOSE,
    }
)

SUCCESS = "0000"


class ReturnCode:
    """One row of the return-code table."""

    __slots__ = ("action", "code", "meaning", "reason")

    def __init__(self, code: str, meaning: str, action: Action, reason: FailureReason | None = None) -> None:
        self.code = code
        self.meaning = meaning
        self.action = action
        self.reason = reason  # what the lines fail with when the action is TERMINAL


A = Action
_ROWS = (
    # 1xxx: the bank guarantees the request was NOT taken: the same request may be sent again.
    ReturnCode("1001", "系统繁忙，请求未受理", A.RETRY),
    ReturnCode("1002", "交易限流，请求未受理", A.RETRY),
    ReturnCode("1003", "系统日终处理中，请求未受理", A.RETRY),
    # 2xxx: the message itself was refused (keys, clock, format): a person must fix configuration.
    ReturnCode("2001", "报文格式错误", A.MANUAL),
    ReturnCode("2002", "验签失败", A.MANUAL),
    ReturnCode("2003", "解密失败", A.MANUAL),
    ReturnCode("2004", "请求时间超出允许范围", A.MANUAL),
    ReturnCode("2005", "请求随机数重复", A.MANUAL),
    ReturnCode("2006", "用户未开通该功能", A.MANUAL),
    # 3xxx: business refusals of the whole batch.
    ReturnCode("3001", "付款账户余额不足", A.MANUAL),
    ReturnCode("3002", "付款账户不存在或未签约", A.TERMINAL, FailureReason.OTHER),
    ReturnCode("3003", "批次总笔数与明细不符", A.TERMINAL, FailureReason.CONTROL_SUM_ERROR),
    ReturnCode("3004", "批次总金额与明细不符", A.TERMINAL, FailureReason.CONTROL_SUM_ERROR),
    ReturnCode("3005", "超过单批最大笔数", A.TERMINAL, FailureReason.OTHER),
    # The bank already holds a batch with this reference: find out what it did, never send again.
    ReturnCode("3006", "业务参考号重复", A.INQUIRE),
    ReturnCode("3007", "期望日期无效", A.TERMINAL, FailureReason.OTHER),
    ReturnCode("3008", "续传分包顺序错误", A.MANUAL),
    # Only answered to a query: the bank has no batch with this reference. Sending it again is safe
    # because the bank de-duplicates on the batch reference (a resend of a batch it has gets 3006).
    ReturnCode("3010", "批次不存在", A.RETRY),
    ReturnCode("3011", "卡片不存在或证件与卡号不符", A.TERMINAL, FailureReason.NAME_MISMATCH),
    ReturnCode("3012", "卡片状态不允许该操作", A.TERMINAL, FailureReason.OTHER),
    # Suspect / unknown answers seen in real direct-link APIs (CMB -9, ABC 9999, BOCOM 3): ask, never resend.
    ReturnCode("-9", "处理结果未知", A.INQUIRE),
    ReturnCode("3", "交易可疑", A.INQUIRE),
    ReturnCode("9998", "处理超时，结果未知", A.INQUIRE),
    ReturnCode("9999", "系统异常，结果未知", A.INQUIRE),
)
RETURN_CODES: MappingProxyType[str, ReturnCode] = MappingProxyType({r.code: r for r in _ROWS})

# Errors found on our side while reading an answer (the ``SILINK_*`` codes of BankError).
LOCAL_ENVELOPE_MALFORMED = "SILINK_ENVELOPE_MALFORMED"
LOCAL_DECRYPTION_FAILED = "SILINK_DECRYPTION_FAILED"
LOCAL_SIGNATURE_INVALID = "SILINK_SIGNATURE_INVALID"
LOCAL_ALGORITHM_MISMATCH = "SILINK_ALGORITHM_MISMATCH"
LOCAL_REFERENCE_MISMATCH = "SILINK_REFERENCE_MISMATCH"
LOCAL_STALE_RESPONSE = "SILINK_STALE_RESPONSE"
LOCAL_BODY_MALFORMED = "SILINK_BODY_MALFORMED"
LOCAL_TOTALS_MISMATCH = "SILINK_TOTALS_MISMATCH"
LOCAL_UNKNOWN_LINE = "SILINK_UNKNOWN_LINE"
LOCAL_HTTP_STATUS = "SILINK_HTTP_STATUS"

LOCAL_ACTIONS: MappingProxyType[str, Action] = MappingProxyType(
    {
        # Unreadable or cut off in transit: the outcome is unknown, ask again.
        LOCAL_ENVELOPE_MALFORMED: A.INQUIRE,
        LOCAL_HTTP_STATUS: A.INQUIRE,
        # Keys or an attacker: asking again would fail the same way; a person must look.
        LOCAL_DECRYPTION_FAILED: A.MANUAL,
        LOCAL_SIGNATURE_INVALID: A.MANUAL,
        LOCAL_ALGORITHM_MISMATCH: A.MANUAL,
        LOCAL_REFERENCE_MISMATCH: A.MANUAL,
        LOCAL_STALE_RESPONSE: A.MANUAL,
        # Signed by the bank, yet unusable: asking again gives the same answer.
        LOCAL_BODY_MALFORMED: A.MANUAL,
        LOCAL_TOTALS_MISMATCH: A.MANUAL,
        LOCAL_UNKNOWN_LINE: A.MANUAL,
    }
)

# HTTP statuses by which the bank's front end says it did not take the request (anything else but 200 is
# LOCAL_HTTP_STATUS: the request may have been taken, so ask).
HTTP_ACTIONS: MappingProxyType[str, Action] = MappingProxyType(
    {
        "HTTP_503": A.RETRY,  # service unavailable: refused before processing
        "HTTP_429": A.RETRY,  # rate limited: refused before processing
    }
)

# Transport failures as the transport names them (the same names as the simulator's client): the request
# never left → RETRY; the TLS handshake was refused → MANUAL (it will not heal by itself); it left and no
# answer came → INQUIRE.
TRANSPORT_ACTIONS: MappingProxyType[str, Action] = MappingProxyType(
    {
        "CONNECT_REFUSED": A.RETRY,
        "CONNECT_TIMEOUT": A.RETRY,
        "RESOLVE_FAILED": A.RETRY,
        "TLS_FAILED": A.MANUAL,
        "TIMEOUT": A.INQUIRE,
        "CONNECTION_LOST": A.INQUIRE,
    }
)

# Line statuses. A/E/S are the CMB-style letters; R is a bounce (退票) row of BOUNCE_QUERY.
LINE_STATUSES: MappingProxyType[str, LineOutcome] = MappingProxyType(
    {
        "A": LineOutcome.PENDING,
        "S": LineOutcome.PAID,
        "E": LineOutcome.FAILED,
        "R": LineOutcome.RETURNED,
    }
)

# Batch status of a PAYROLL_QUERY answer: P processing, F finished (every line final).
BATCH_STATUSES = frozenset({"P", "F"})

# Card-side states reported by the card bank (CARD_* answers); names follow silink.card.v1.BankAppState,
# plus LOST (挂失 at the bank: the core holds payments as for FROZEN).
CARD_STATES: MappingProxyType[str, str] = MappingProxyType(
    {"0": "NORMAL", "1": "NOT_ACTIVATED", "2": "FROZEN", "3": "LOST", "4": "CLOSED"}
)

# Why the financial account is closed (ACCOUNT_CLOSE ``closereason``): the card's cancellation reason.
CLOSE_REASONS: MappingProxyType[str, str] = MappingProxyType({"DEATH": "D", "EMIGRATION": "E", "OTHER": "O"})

# Identity document types on the wire (``idtype``).
ID_TYPES: MappingProxyType[str, str] = MappingProxyType({"RESIDENT_ID": "01", "USCC": "51"})
