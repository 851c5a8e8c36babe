"""Partner banks: CNAPS bank codes, their names, and the default card BIN table (DOMAIN.md §5).

A payroll line names its bank by ``bank_code`` (the first 3 digits of the 12-digit CNAPS 行号); without
one the bank is inferred from the card's BIN. Social-security cards are co-branded ranges, so a bank code
carried with the record always wins over BIN inference.
"""

from __future__ import annotations

from types import MappingProxyType

# CNAPS bank-code prefix -> (short name, Chinese name).
BANKS: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "102": ("ICBC", "中国工商银行"),
        "103": ("ABC", "中国农业银行"),
        "104": ("BOC", "中国银行"),
        "105": ("CCB", "中国建设银行"),
        "301": ("BOCOM", "交通银行"),
        "302": ("CITIC", "中信银行"),
        "303": ("CEB", "中国光大银行"),
        "304": ("HXB", "华夏银行"),
        "305": ("CMBC", "中国民生银行"),
        "306": ("CGB", "广发银行"),
        "307": ("PAB", "平安银行"),
        "308": ("CMB", "招商银行"),
        "309": ("CIB", "兴业银行"),
        "310": ("SPDB", "上海浦东发展银行"),
        "403": ("PSBC", "中国邮政储蓄银行"),
    }
)

# Card BIN (issuer prefix) -> bank code. Only BINs that several public sources agree on (DOMAIN.md §5);
# an instance adds its partner banks' co-branded ranges through ValidationSettings.bin_table.
DEFAULT_BINS: MappingProxyType[str, str] = MappingProxyType(
    {
        "622202": "102",
        "622208": "102",
        "622848": "103",
        "621661": "104",
        "622700": "105",
        "622262": "301",
        "622588": "308",
        "621799": "403",
        "622188": "403",
    }
)


def bank_aliases(
    banks: dict[str, tuple[str, str]] | MappingProxyType[str, tuple[str, str]],
) -> dict[str, str]:
    """Every accepted spelling of a bank -> its 3-digit code: the code, the short name (any case), the
    Chinese name with and without the leading 中国."""
    out: dict[str, str] = {}
    for code, (short, chinese) in banks.items():
        out[code] = code
        out[short.upper()] = code
        out[chinese] = code
        if chinese.startswith("中国") and len(chinese) > 4:
            out[chinese[2:]] = code
    return out


def bank_label(code: str, banks: dict | MappingProxyType = BANKS) -> str:
    """``102`` -> ``102 ICBC`` for reports; unknown codes print as they are."""
    entry = banks.get(code)
    return f"{code} {entry[0]}" if entry else code
