"""Benefits: codes and Chinese aliases, their funds, and who may be paid each."""

from __future__ import annotations

import pytest

from gateway.errors import LineRejected
from gateway.intake import reasons as R
from gateway.intake.benefits import BENEFITS, DEFAULT_CEILINGS_FEN, FUNDS, check_payee, resolve_benefit


@pytest.mark.parametrize(
    ("text", "code", "fund"),
    [
        ("PENSION_EMPLOYEE", "PENSION_EMPLOYEE", "PENSION_EMPLOYEE"),
        ("pension_employee", "PENSION_EMPLOYEE", "PENSION_EMPLOYEE"),
        ("企业职工基本养老金", "PENSION_EMPLOYEE", "PENSION_EMPLOYEE"),
        ("机关事业单位养老金", "PENSION_PUBLIC", "PENSION_PUBLIC"),
        ("城乡居民基本养老金", "PENSION_RESIDENT", "PENSION_RESIDENT"),
        ("失业保险金", "UNEMPLOYMENT", "UNEMPLOYMENT"),
        ("稳岗返还", "STABILIZATION_REFUND", "UNEMPLOYMENT"),
        ("工伤保险待遇", "WORK_INJURY", "WORK_INJURY"),
        (" WORK_INJURY ", "WORK_INJURY", "WORK_INJURY"),
    ],
)
def test_benefit_aliases_and_funds(text, code, fund):
    """Every benefit code and Chinese name of DESIGN.md resolves to its benefit and fund."""
    benefit = resolve_benefit(text)
    assert (benefit.code, benefit.fund) == (code, fund)


def test_six_benefits_five_funds():
    """DESIGN.md lists six benefits paid by five separately accounted funds, each with a ceiling."""
    assert len(BENEFITS) == 6 and len(FUNDS) == 5
    assert set(DEFAULT_CEILINGS_FEN) == set(BENEFITS)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", R.BENEFIT_MISSING), ("养老补贴", R.BENEFIT_UNKNOWN), ("PENSION", R.BENEFIT_UNKNOWN)],
)
def test_unknown_benefits(text, reason):
    """Empty and unknown benefits are refused."""
    with pytest.raises(LineRejected) as caught:
        resolve_benefit(text)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("benefit", "id_type", "account_type", "ok"),
    [
        ("STABILIZATION_REFUND", "USCC", "CORPORATE", True),
        ("STABILIZATION_REFUND", "RESIDENT_ID", "CORPORATE", False),
        ("STABILIZATION_REFUND", "USCC", "CARD", False),
        ("PENSION_EMPLOYEE", "RESIDENT_ID", "CARD", True),
        ("PENSION_EMPLOYEE", "RESIDENT_ID", "PASSBOOK", True),
        ("PENSION_EMPLOYEE", "USCC", "CORPORATE", False),
        ("UNEMPLOYMENT", "RESIDENT_ID", "CORPORATE", False),
    ],
)
def test_payee_must_fit_the_benefit(benefit, id_type, account_type, ok):
    """Enterprise refunds go to a USCC on a corporate account; personal benefits to a resident ID on a card
    or passbook."""
    try:
        check_payee(BENEFITS[benefit], id_type, account_type)
        reason = None
    except LineRejected as exc:
        reason = exc.reason
    assert reason == (None if ok else R.BENEFIT_PAYEE_MISMATCH)
