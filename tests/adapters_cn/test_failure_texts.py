"""Chinese failure texts → FailureReason, per bank, by normalised substring."""

from __future__ import annotations

import pytest

from adapters.contract import FailureReason as R
from adapters.failure_texts import BOCOM, CMB, DEFAULT, ICBC, TABLES, classify, normalise, table_for
from gateway.errors import InvalidInput

DEFAULT_CASES = [
    ("户名与账号不符", R.NAME_MISMATCH),
    ("收款人户名不符", R.NAME_MISMATCH),
    ("账号不存在", R.ACCOUNT_CLOSED),
    ("账户已销户", R.ACCOUNT_CLOSED),
    ("该卡已销户", R.ACCOUNT_CLOSED),
    ("账户冻结", R.ACCOUNT_FROZEN),
    ("账户已止付", R.ACCOUNT_FROZEN),
    ("卡片已挂失", R.CARD_LOST),
    ("社保卡金融功能未激活", R.NOT_ACTIVATED),
    ("账户未激活", R.NOT_ACTIVATED),
    ("非Ⅰ类账户，超过限额", R.CLASS_II_LIMIT),
    ("Ⅱ类账户单日入金超过限额", R.CLASS_II_LIMIT),
    ("超过限额", R.CLASS_II_LIMIT),
    ("证件过期", R.ID_EXPIRED),
    ("客户身份证件已过期，账户暂停非柜面业务", R.ID_EXPIRED),
    ("持卡人死亡", R.DECEASED),
    ("账号格式错误", R.ACCOUNT_INVALID),
    ("其他", R.OTHER),
    ("其它原因", R.OTHER),
]


@pytest.mark.parametrize(("text", "reason"), DEFAULT_CASES)
def test_default_dictionary(text: str, reason: R) -> None:
    """Each common failure text maps to its reason in the default dictionary."""
    assert DEFAULT.classify(text) is reason


@pytest.mark.parametrize(
    ("text", "bank", "reason"),
    [
        ("收方名称与账号不一致", "308", R.NAME_MISMATCH),
        ("收方账户已作废", "308", R.ACCOUNT_CLOSED),
        ("身份证件已到期", "308", R.ID_EXPIRED),
        ("户名核对不符", "301", R.NAME_MISMATCH),
        ("账户已结清", "301", R.ACCOUNT_CLOSED),
        ("电子账户日累计限额不足", "301", R.CLASS_II_LIMIT),
        ("卡片未开通", "301", R.NOT_ACTIVATED),
        ("户名账号不匹配", "102", R.NAME_MISMATCH),
        ("账户已关户", "102", R.ACCOUNT_CLOSED),
        ("证件到期", "102", R.ID_EXPIRED),
    ],
)
def test_bank_wording(text: str, bank: str, reason: R) -> None:
    """A bank's own wording maps through its dictionary, though the default dictionary does not know it."""
    assert DEFAULT.classify(text) is R.UNKNOWN
    assert classify(text, bank) is reason


@pytest.mark.parametrize("bank", ["308", "301", "102"])
@pytest.mark.parametrize(("text", "reason"), DEFAULT_CASES)
def test_bank_dictionaries_fall_back_to_default(bank: str, text: str, reason: R) -> None:
    """Every bank dictionary still knows the common texts through the default one."""
    assert classify(text, bank) is reason


def test_two_banks_word_the_same_failure_differently() -> None:
    """CMB's and BOCOM's name-mismatch wordings are each understood only by their own dictionary."""
    assert CMB.classify("户名不一致") is R.NAME_MISMATCH
    assert BOCOM.classify("户名不一致") is R.UNKNOWN
    assert BOCOM.classify("户名核验不通过") is R.NAME_MISMATCH
    assert CMB.classify("户名核验不通过") is R.UNKNOWN


@pytest.mark.parametrize(
    "text",
    [
        "户名 与 账号不符！",
        "户名与帐号不符",  # the variant 帐
        "【户名与账号不符】",
        "ＡＢＣ户名与账号不符",  # full-width letters around it
    ],
)
def test_matching_is_normalised(text: str) -> None:
    """Spaces, punctuation, full-width forms and 帐/账 do not change the match."""
    assert DEFAULT.classify(text) is R.NAME_MISMATCH


def test_roman_numeral_and_latin_forms_agree() -> None:
    """非Ⅰ类 (Roman numeral), 非I类 and 非i类 normalise to the same pattern."""
    assert normalise("非Ⅰ类账户") == normalise("非I类账户") == normalise("非i类账户")


@pytest.mark.parametrize("text", ["", None, "交易成功", "网络异常", "！！！"])
def test_unknown_text_is_unknown(text: str | None) -> None:
    """A text nothing matches, or no text, is UNKNOWN, never a guess."""
    assert classify(text, "308") is R.UNKNOWN


def test_specific_entries_win_over_general_ones() -> None:
    """A death written as a closure is DECEASED; a lost card that is also frozen is CARD_LOST."""
    assert DEFAULT.classify("账户已销户（持卡人死亡）") is R.DECEASED
    assert DEFAULT.classify("卡片挂失冻结") is R.CARD_LOST


def test_unknown_bank_uses_default() -> None:
    """A bank without its own dictionary gets the default one."""
    assert table_for("999") is DEFAULT
    assert table_for("") is DEFAULT
    assert table_for("308001234567") is CMB  # a 12-digit CNAPS code names its bank by the first 3 digits
    assert set(TABLES) == {"default", "308", "301", "102"}
    assert ICBC.fallback is DEFAULT


def test_settings_can_extend_a_dictionary() -> None:
    """Extra texts from a bank's settings are searched first; an unknown reason name is refused."""
    table = CMB.extended({"客户信息待核实": "OTHER"})
    assert table.classify("客户信息待核实") is R.OTHER
    assert table.classify("收方户名不符") is R.NAME_MISMATCH
    with pytest.raises(InvalidInput) as err:
        CMB.extended({"x": "NOT_A_REASON"})
    assert err.value.reason == "CONFIG_INVALID"
