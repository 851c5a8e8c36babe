"""The file protocol's tables: receipt (回执) return codes → actions, and local reading errors.

Printed in ``FORMAT.md`` too; a test checks that the document and this table agree.
"""

from __future__ import annotations

from types import MappingProxyType

from adapters.contract import Action, FailureReason

SUCCESS = "0000"

A = Action
# code → (meaning, action, reason the lines fail with when TERMINAL)
RETURN_CODES: MappingProxyType[str, tuple[str, Action, FailureReason | None]] = MappingProxyType(
    {
        # The bank guarantees the file was not taken (it is moved back out of the drop folder).
        "1001": ("系统繁忙，文件未受理", A.RETRY, None),
        "2001": ("文件格式错误", A.MANUAL, None),
        "2002": ("签名验证失败", A.MANUAL, None),
        "2003": ("文件名不合规", A.MANUAL, None),
        "3001": ("付款账户余额不足", A.MANUAL, None),
        "3003": ("文件笔数与明细不符", A.TERMINAL, FailureReason.CONTROL_SUM_ERROR),
        "3004": ("文件金额与明细不符", A.TERMINAL, FailureReason.CONTROL_SUM_ERROR),
        # The bank already has a file with this batch reference: find out what it did; never send again.
        "3006": ("批次号重复", A.INQUIRE, None),
        "9999": ("处理结果未知", A.INQUIRE, None),
    }
)

LOCAL_SIGNATURE_MISSING = "SILINK_SIGNATURE_MISSING"
LOCAL_SIGNATURE_INVALID = "SILINK_SIGNATURE_INVALID"
LOCAL_FILE_MALFORMED = "SILINK_FILE_MALFORMED"
LOCAL_NOT_READY = "SILINK_RESULT_NOT_READY"
LOCAL_REFERENCE_MISMATCH = "SILINK_REFERENCE_MISMATCH"
LOCAL_RESULT_DEFECTS = "SILINK_RESULT_DEFECTS"

LOCAL_ACTIONS: MappingProxyType[str, Action] = MappingProxyType(
    {
        # An unsigned or wrongly signed file is never used; keys or an attacker: a person must look.
        LOCAL_SIGNATURE_MISSING: A.MANUAL,
        LOCAL_SIGNATURE_INVALID: A.MANUAL,
        # Signed by the bank yet unreadable: asking again gives the same file.
        LOCAL_FILE_MALFORMED: A.MANUAL,
        # No receipt or result file yet: look again later.
        LOCAL_NOT_READY: A.INQUIRE,
        LOCAL_REFERENCE_MISMATCH: A.MANUAL,
        # Some lines or totals of a result file were wrong; the good lines are returned.
        LOCAL_RESULT_DEFECTS: A.MANUAL,
    }
)
