"""How a simulated Chinese bank words a failed line: the ledger's reason → that bank's own Chinese text.

The gateway reads these texts back with the bank's failure-text dictionary
(:mod:`adapters.failure_texts`); a test checks that every text here classifies to the reason it stands for,
under the dictionary of the bank that writes it. Banks without wording of their own use the default one.
Return (退票) texts are listed apart: a bank reports a payment that came back in other words than a
refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from adapters.contract import FailureReason

R = FailureReason

# Codes and texts a bank writes beside an E line (code: the bank's own, never parsed by the gateway).
DEFAULT: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        R.NAME_MISMATCH.value: ("ACC01", "户名与账号不符"),
        R.ACCOUNT_CLOSED.value: ("ACC02", "账户已销户"),
        R.ACCOUNT_FROZEN.value: ("ACC03", "账户已冻结"),
        R.CARD_LOST.value: ("ACC04", "卡已挂失"),
        R.NOT_ACTIVATED.value: ("ACC05", "社保卡金融功能未激活"),
        R.CLASS_II_LIMIT.value: ("ACC06", "非Ⅰ类账户超过限额"),
        R.ID_EXPIRED.value: ("ACC07", "证件已过期"),
        R.DECEASED.value: ("ACC08", "账户所有人已身故"),
        R.ACCOUNT_INVALID.value: ("ACC09", "账号错误"),
        R.DUPLICATE.value: ("DUP01", "重复支付"),
        R.OTHER.value: ("OTH99", "其他"),
    }
)

_BANKS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        # China Merchants Bank wording (收方 …, 不一致, 作废, 受限).
        "308": {
            R.NAME_MISMATCH.value: ("E2101", "收方名称与账号不一致"),
            R.ACCOUNT_CLOSED.value: ("E2102", "收方账户已作废"),
            R.ACCOUNT_FROZEN.value: ("E2103", "收方账户状态异常冻结"),
            R.CLASS_II_LIMIT.value: ("E2106", "收方账户受限"),
            R.ID_EXPIRED.value: ("E2107", "收方身份证件已到期"),
        },
        # Bank of Communications wording (核对不符, 结清, 锁定, 电子账户).
        "301": {
            R.NAME_MISMATCH.value: ("B101", "户名核对不符"),
            R.ACCOUNT_CLOSED.value: ("B102", "账户已结清"),
            R.ACCOUNT_FROZEN.value: ("B103", "账户已锁定"),
            R.CLASS_II_LIMIT.value: ("B106", "电子账户日累计限额超限"),
            R.NOT_ACTIVATED.value: ("B105", "卡片未开通"),
        },
        # ICBC wording (不匹配, 关户).
        "102": {
            R.NAME_MISMATCH.value: ("I101", "户名账号不匹配"),
            R.ACCOUNT_CLOSED.value: ("I102", "账户已关户"),
        },
    }
)

# A payment that was credited and came back (退票).
RETURNS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        R.ACCOUNT_CLOSED.value: ("RT02", "退票：收款账户已销户"),
        R.ACCOUNT_FROZEN.value: ("RT03", "退票：收款账户已冻结"),
        R.DECEASED.value: ("RT08", "退票：收款人已身故"),
        R.NAME_MISMATCH.value: ("RT01", "退票：户名与账号不符"),
    }
)


def failure_text(bank_code: str, reason: str | None) -> tuple[str, str]:
    """(code, text) the bank writes for a line refused with ``reason`` (a FailureReason name)."""
    reason = reason or R.OTHER.value
    own = _BANKS.get(bank_code[:3], {})
    return own.get(reason) or DEFAULT.get(reason) or DEFAULT[R.OTHER.value]


def return_text(reason: str | None) -> tuple[str, str]:
    """(code, text) of a return (退票) for ``reason``."""
    return RETURNS.get(reason or "", ("RT99", "退票：其他"))


def bank_codes() -> tuple[str, ...]:
    """The banks with wording of their own (for the tests)."""
    return tuple(_BANKS)
