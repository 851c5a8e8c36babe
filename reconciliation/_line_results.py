"""Our own protocols' line results (adapters' :class:`~adapters.contract.LineResult`) as bank entries.

The fixed-width 回盘, the direct-link JSON answers and BankLink pushes all end up as adapter LineResults;
this turns one into a :class:`~reconciliation.entry.BankEntry` so the matcher sees them like any pain.002
line. A result reports money leaving the fund account (DEBIT); its join keys are our batch reference plus
line sequence, and the end-to-end reference when the bank echoed it.
"""

from __future__ import annotations

from datetime import date

from adapters.contract import LineOutcome, LineResult
from reconciliation.entry import (
    BankEntry,
    Direction,
    EntryKind,
    EntryStatus,
    Reason,
    ReasonList,
    References,
)

_STATUS = {
    LineOutcome.PAID: EntryStatus.SETTLED,
    LineOutcome.FAILED: EntryStatus.REJECTED,
    LineOutcome.RETURNED: EntryStatus.RETURNED,
    LineOutcome.PENDING: EntryStatus.PENDING,
    LineOutcome.UNKNOWN: EntryStatus.UNKNOWN,
}

# Our failure reasons expressed as ISO external codes where one exists, so that "deceased" means MD07
# whichever protocol reported it (the settlement report keys its payee actions on these).
_ISO_CODE = {
    "DECEASED": "MD07",
    "ACCOUNT_CLOSED": "AC04",
    "ACCOUNT_FROZEN": "AC06",
    "ACCOUNT_INVALID": "AC01",
    "NAME_MISMATCH": "BE01",
    "DUPLICATE": "AM05",
}


def parse_day(text: str) -> date | None:
    """``YYYYMMDD`` or ``YYYY-MM-DD`` → date; empty → None; anything else raises ValueError."""
    text = (text or "").strip()
    if not text:
        return None
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"date {text!r} is not YYYYMMDD")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def entry_from_result(
    result: LineResult,
    *,
    source_format: str,
    source_file: str,
    position: str,
    line: int | None,
    batch_ref: str,
    value_date: date | None,
    currency: str = "CNY",
    account: str | None = None,
) -> BankEntry:
    status = _STATUS[result.outcome]
    reason = None
    if status in (EntryStatus.REJECTED, EntryStatus.RETURNED):
        code_list = ReasonList.RETURN if status is EntryStatus.RETURNED else ReasonList.STATUS
        name = result.reason.value if result.reason is not None else None
        reason = Reason(
            code_list,
            code=_ISO_CODE.get(name or "", name),
            raw_code=result.raw_code or None,
            raw_text=result.raw_text or None,
        )
    return BankEntry(
        source_format=source_format,
        source_file=source_file,
        position=position,
        kind=EntryKind.NOTIFICATION if status is EntryStatus.RETURNED else EntryKind.STATUS,
        status=status,
        line=line,
        statement_id=batch_ref or None,
        account=account,
        direction=Direction.CREDIT if status is EntryStatus.RETURNED else Direction.DEBIT,
        amount_minor=result.amount_fen,
        currency=currency,
        value_date=value_date,
        booking_date=value_date if status in (EntryStatus.SETTLED, EntryStatus.RETURNED) else None,
        raw_status=result.raw_code or result.outcome.value,
        refs=References(
            end_to_end_id=result.end_to_end_ref or None,
            client_batch_ref=batch_ref or None,
            line_seq=result.seq,
        ),
        reason=reason,
    )
