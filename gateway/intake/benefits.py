"""Benefit codes, their Chinese names, the fund that pays each, and who may receive it.

Funds are accounted separately (社会保险法 §64): a batch is bound to one fund and its 支出户. Each fund is
named after the scheme; the three pension schemes are three funds.

===================== ===================== =================== ===========================
benefit               Chinese alias          fund                payee
===================== ===================== =================== ===========================
PENSION_EMPLOYEE      企业职工基本养老金      PENSION_EMPLOYEE    resident ID, card/passbook
PENSION_PUBLIC        机关事业单位养老金      PENSION_PUBLIC      resident ID, card/passbook
PENSION_RESIDENT      城乡居民基本养老金      PENSION_RESIDENT    resident ID, card/passbook
UNEMPLOYMENT          失业保险金              UNEMPLOYMENT        resident ID, card/passbook
STABILIZATION_REFUND  稳岗返还                UNEMPLOYMENT        USCC, corporate account
WORK_INJURY           工伤保险待遇            WORK_INJURY         resident ID, card/passbook
===================== ===================== =================== ===========================
"""

from __future__ import annotations

from types import MappingProxyType
from typing import NamedTuple

from gateway.errors import LineRejected
from gateway.intake import reasons as R

RESIDENT_ID = "RESIDENT_ID"
USCC = "USCC"
CARD = "CARD"
PASSBOOK = "PASSBOOK"
CORPORATE = "CORPORATE"


class Benefit(NamedTuple):
    code: str
    chinese: str
    fund: str
    id_type: str  # the only id_type this benefit may be paid to
    account_types: frozenset[str]  # the account types it may be paid into


_PERSONAL = frozenset({CARD, PASSBOOK})

BENEFITS: MappingProxyType[str, Benefit] = MappingProxyType(
    {
        b.code: b
        for b in (
            Benefit("PENSION_EMPLOYEE", "企业职工基本养老金", "PENSION_EMPLOYEE", RESIDENT_ID, _PERSONAL),
            Benefit("PENSION_PUBLIC", "机关事业单位养老金", "PENSION_PUBLIC", RESIDENT_ID, _PERSONAL),
            Benefit("PENSION_RESIDENT", "城乡居民基本养老金", "PENSION_RESIDENT", RESIDENT_ID, _PERSONAL),
            Benefit("UNEMPLOYMENT", "失业保险金", "UNEMPLOYMENT", RESIDENT_ID, _PERSONAL),
            Benefit("STABILIZATION_REFUND", "稳岗返还", "UNEMPLOYMENT", USCC, frozenset({CORPORATE})),
            Benefit("WORK_INJURY", "工伤保险待遇", "WORK_INJURY", RESIDENT_ID, _PERSONAL),
        )
    }
)
FUNDS: frozenset[str] = frozenset(b.fund for b in BENEFITS.values())

# Sanity ceilings per line, in fen: they catch a slipped decimal point or extra zeros, not policy limits.
# Work-injury lines include one-off death and disability grants (about 20x the average disposable income,
# ~1M yuan); enterprise refunds can be large for large employers. Configurable in ValidationSettings.
DEFAULT_CEILINGS_FEN: MappingProxyType[str, int] = MappingProxyType(
    {
        "PENSION_EMPLOYEE": 3_000_000,  # 30,000 yuan
        "PENSION_PUBLIC": 5_000_000,  # 50,000 yuan
        "PENSION_RESIDENT": 500_000,  # 5,000 yuan
        "UNEMPLOYMENT": 1_000_000,  # 10,000 yuan
        "STABILIZATION_REFUND": 500_000_000,  # 5,000,000 yuan
        "WORK_INJURY": 150_000_000,  # 1,500,000 yuan
    }
)

# Accepted spellings (after stripping and upper-casing ASCII): the code itself, its Chinese name and
# a few names that officers' systems print for the same benefit.
_ALIASES: dict[str, str] = {
    **{code: code for code in BENEFITS},
    **{b.chinese: b.code for b in BENEFITS.values()},
    "企业职工养老金": "PENSION_EMPLOYEE",
    "企业养老金": "PENSION_EMPLOYEE",
    "机关事业养老金": "PENSION_PUBLIC",
    "城乡居民养老金": "PENSION_RESIDENT",
    "居民养老金": "PENSION_RESIDENT",
    "失业金": "UNEMPLOYMENT",
    "稳岗返还资金": "STABILIZATION_REFUND",
    "失业保险稳岗返还": "STABILIZATION_REFUND",
    "工伤保险": "WORK_INJURY",
    "工伤待遇": "WORK_INJURY",
}


def resolve_benefit(text: str) -> Benefit:
    """The benefit named by ``text`` (code in any case, or Chinese name); raises LineRejected."""
    key = text.strip()
    if not key:
        raise LineRejected("benefit is required", reason=R.BENEFIT_MISSING)
    code = _ALIASES.get(key.upper() if key.isascii() else key)
    if code is None:
        raise LineRejected("not a known benefit code or name", reason=R.BENEFIT_UNKNOWN)
    return BENEFITS[code]


def check_payee(benefit: Benefit, id_type: str, account_type: str) -> None:
    """Enterprise refunds go to a USCC on a corporate account; personal benefits to a resident ID on a card
    or passbook. Raises LineRejected(BENEFIT_PAYEE_MISMATCH)."""
    if id_type != benefit.id_type:
        raise LineRejected(
            f"{benefit.code} is paid to payees identified by {benefit.id_type}, not {id_type}",
            reason=R.BENEFIT_PAYEE_MISMATCH,
        )
    if account_type not in benefit.account_types:
        allowed = "/".join(sorted(benefit.account_types))
        raise LineRejected(
            f"{benefit.code} is paid into {allowed} accounts, not {account_type}",
            reason=R.BENEFIT_PAYEE_MISMATCH,
        )
