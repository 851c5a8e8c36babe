"""Chinese failure texts of partner banks → the one failure taxonomy (:class:`FailureReason`).

Banks answer a failed payment line with free Chinese text (户名与账号不符, 账户已销户, 卡已挂失 …), worded
differently by each bank and sometimes by each branch system. This module keeps one ordered dictionary per
bank and a default one; a bank's dictionary is searched first, then the default.

Matching is by **normalised substring**: both the pattern and the bank's text are normalised (NFKC, so
full-width letters and the Roman numeral Ⅰ become ``I``; case-folded; the variant 帐 read as 账; spaces and
punctuation removed), and the first entry whose pattern occurs in the text wins. Entries are therefore
listed from the most specific to the most general (户名与账号不符 before anything about 账号). A text no
entry matches is :attr:`FailureReason.UNKNOWN`, never a guess; the caller always keeps the raw text in
``LineResult.raw_text`` so a person can read what the bank really said.

Choices of ours (not rules of any bank):

* 账号不存在 / 无此账户 map to ACCOUNT_CLOSED, as DOMAIN.md §6 groups them with 销户: banks purge closed
  accounts and then answer "does not exist"; a malformed number (账号错误, 账号格式, 校验位) is
  ACCOUNT_INVALID.
* 未激活 / 未启用 is NOT_ACTIVATED even though some banks may still credit such a card: the bank said the
  line failed, so it failed.
* 只收不付 is not a failure of a credit and is deliberately absent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from adapters.contract import FailureReason
from gateway.errors import InvalidInput

R = FailureReason

# Characters dropped before matching: whitespace, punctuation and symbols in every script, so that
# "户名 与 账号不符！" and "户名与账号不符" compare equal.
_DROP_CATEGORIES = ("Z", "P", "S", "C")


def normalise(text: str) -> str:
    """The matching form of ``text``: NFKC, case-folded, 帐→账, without spaces, punctuation or symbols."""
    folded = unicodedata.normalize("NFKC", text).casefold().replace("帐", "账")
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROP_CATEGORIES)


@dataclass(frozen=True)
class FailureTexts:
    """One bank's ordered dictionary; ``fallback`` is searched after the bank's own entries."""

    bank: str
    entries: tuple[tuple[str, FailureReason], ...]  # (normalised pattern, reason), most specific first
    fallback: FailureTexts | None = None
    _cache: dict[str, FailureReason] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls, bank: str, entries: Iterable[tuple[str, FailureReason]], fallback: FailureTexts | None = None
    ) -> FailureTexts:
        normalised = []
        for pattern, reason in entries:
            key = normalise(pattern)
            if not key:
                raise InvalidInput(
                    f"failure text pattern {pattern!r} is empty once normalised", "CONFIG_INVALID"
                )
            normalised.append((key, FailureReason(reason)))
        return cls(bank, tuple(normalised), fallback)

    def extended(self, extra: Mapping[str, str | FailureReason], bank: str | None = None) -> FailureTexts:
        """This dictionary with ``extra`` entries (text → reason name) searched before it, e.g. from a
        bank's settings; an unknown reason name is refused."""
        pairs = []
        for text, reason in extra.items():
            try:
                pairs.append((text, FailureReason(reason)))
            except ValueError:
                raise InvalidInput(
                    f"failure text setting names an unknown reason {reason!r}", "CONFIG_INVALID"
                ) from None
        return FailureTexts.build(bank or self.bank, pairs, fallback=self)

    def classify(self, text: str | None) -> FailureReason:
        """The reason for a bank's failure text; UNKNOWN when nothing matches (or the text is empty)."""
        if not text:
            return R.UNKNOWN
        hit = self._cache.get(text)
        if hit is None:
            hit = self._search(normalise(text))
            # Banks repeat a handful of texts thousands of times per file; the cache stays small.
            if len(self._cache) < 4096:
                self._cache[text] = hit
        return hit

    def _search(self, norm: str) -> FailureReason:
        if not norm:
            return R.UNKNOWN
        table: FailureTexts | None = self
        while table is not None:
            for pattern, reason in table.entries:
                if pattern in norm:
                    return reason
            table = table.fallback
        return R.UNKNOWN


DEFAULT = FailureTexts.build(
    "default",
    [
        # Name / identity checks first: their texts also mention 账号 or 证件.
        ("户名与账号不符", R.NAME_MISMATCH),
        ("户名与卡号不符", R.NAME_MISMATCH),
        ("户名不符", R.NAME_MISMATCH),
        ("户名错误", R.NAME_MISMATCH),
        ("姓名不符", R.NAME_MISMATCH),
        ("账户名称不符", R.NAME_MISMATCH),
        ("户名校验失败", R.NAME_MISMATCH),
        ("证件号码不符", R.NAME_MISMATCH),
        ("证件过期", R.ID_EXPIRED),
        ("证件已过期", R.ID_EXPIRED),
        ("身份证过期", R.ID_EXPIRED),
        ("证件有效期", R.ID_EXPIRED),
        # Death before any account state: "账户已销户(持卡人死亡)" is a death.
        ("死亡", R.DECEASED),
        ("身故", R.DECEASED),
        ("已故", R.DECEASED),
        # Loss before frozen: a lost card is also frozen, and the loss is what the holder must fix.
        ("挂失", R.CARD_LOST),
        ("社保卡金融功能未激活", R.NOT_ACTIVATED),
        ("金融功能未启用", R.NOT_ACTIVATED),
        ("未激活", R.NOT_ACTIVATED),
        ("未启用", R.NOT_ACTIVATED),
        ("冻结", R.ACCOUNT_FROZEN),
        ("止付", R.ACCOUNT_FROZEN),
        ("不收不付", R.ACCOUNT_FROZEN),
        # Class II/III accounts; NFKC turns Ⅰ/Ⅱ/Ⅲ into I/II/III and casefold into i/ii/iii.
        ("非i类账户", R.CLASS_II_LIMIT),
        ("非一类账户", R.CLASS_II_LIMIT),
        ("ii类账户", R.CLASS_II_LIMIT),
        ("iii类账户", R.CLASS_II_LIMIT),
        ("二类账户", R.CLASS_II_LIMIT),
        ("三类账户", R.CLASS_II_LIMIT),
        ("超过限额", R.CLASS_II_LIMIT),
        ("超限额", R.CLASS_II_LIMIT),
        ("超出限额", R.CLASS_II_LIMIT),
        ("销户", R.ACCOUNT_CLOSED),
        ("账号不存在", R.ACCOUNT_CLOSED),
        ("账户不存在", R.ACCOUNT_CLOSED),
        ("卡号不存在", R.ACCOUNT_CLOSED),
        ("无此账号", R.ACCOUNT_CLOSED),
        ("无此账户", R.ACCOUNT_CLOSED),
        ("账户已注销", R.ACCOUNT_CLOSED),
        ("账号错误", R.ACCOUNT_INVALID),
        ("账号有误", R.ACCOUNT_INVALID),
        ("账号格式", R.ACCOUNT_INVALID),
        ("卡号错误", R.ACCOUNT_INVALID),
        ("无效账号", R.ACCOUNT_INVALID),
        ("校验位", R.ACCOUNT_INVALID),
        ("重复", R.DUPLICATE),
        ("其他", R.OTHER),
        ("其它", R.OTHER),
    ],
)

# China Merchants Bank (308) wording: 收方 prefixes, 不一致 instead of 不符, 作废 for closed accounts.
CMB = FailureTexts.build(
    "308",
    [
        ("名称与账号不一致", R.NAME_MISMATCH),
        ("户名不一致", R.NAME_MISMATCH),
        ("收方账户已作废", R.ACCOUNT_CLOSED),
        ("账户已作废", R.ACCOUNT_CLOSED),
        ("收方账户状态异常冻结", R.ACCOUNT_FROZEN),
        ("收方账户受限", R.CLASS_II_LIMIT),
        ("身份证件已到期", R.ID_EXPIRED),
    ],
    fallback=DEFAULT,
)

# Bank of Communications (301) wording: 核对不符, 结清 for closed, 电子账户 for class II, 到期, 未开通.
BOCOM = FailureTexts.build(
    "301",
    [
        ("户名核对不符", R.NAME_MISMATCH),
        ("户名核验不通过", R.NAME_MISMATCH),
        ("账户已结清", R.ACCOUNT_CLOSED),
        ("账户已锁定", R.ACCOUNT_FROZEN),
        ("电子账户日累计限额", R.CLASS_II_LIMIT),
        ("电子账户", R.CLASS_II_LIMIT),
        ("证件已到期", R.ID_EXPIRED),
        ("卡片未开通", R.NOT_ACTIVATED),
    ],
    fallback=DEFAULT,
)

# Industrial and Commercial Bank of China (102) wording: 不匹配, 关户, 到期.
ICBC = FailureTexts.build(
    "102",
    [
        ("户名账号不匹配", R.NAME_MISMATCH),
        ("户名不匹配", R.NAME_MISMATCH),
        ("账户已关户", R.ACCOUNT_CLOSED),
        ("关户", R.ACCOUNT_CLOSED),
        ("证件到期", R.ID_EXPIRED),
    ],
    fallback=DEFAULT,
)

TABLES: Mapping[str, FailureTexts] = MappingProxyType(
    {"default": DEFAULT, CMB.bank: CMB, BOCOM.bank: BOCOM, ICBC.bank: ICBC}
)


def table_for(bank_code: str | None) -> FailureTexts:
    """The dictionary of a bank by its 3-digit code (first 3 digits of CNAPS); the default otherwise."""
    return TABLES.get((bank_code or "")[:3], DEFAULT)


def classify(text: str | None, bank_code: str | None = None) -> FailureReason:
    """``classify("收方户名不符", "308")`` → NAME_MISMATCH; a text nothing matches → UNKNOWN."""
    return table_for(bank_code).classify(text)


__all__ = ["BOCOM", "CMB", "DEFAULT", "ICBC", "TABLES", "FailureTexts", "classify", "normalise", "table_for"]
