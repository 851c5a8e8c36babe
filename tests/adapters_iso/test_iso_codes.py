"""The ISO tables: every published status code mapped, DOMAIN.md §7 reasons, every error to an action."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.contract import Action, FailureReason, LineOutcome
from adapters.iso20022 import ERRORS, REASONS, STATUS, Iso20022Adapter
from adapters.simulator.client import TRANSPORT_CODES

ADAPTER = Iso20022Adapter()


def _codes(formats_dir, name: str) -> set[str]:
    return set(json.loads((formats_dir / "codes" / f"{name}.json").read_text(encoding="utf-8"))["codes"])


def test_status_table_covers_every_published_status_code(formats_dir):
    """The status table holds exactly the published transaction and group status codes."""
    published = _codes(formats_dir, "external_payment_transaction_status_code") | _codes(
        formats_dir, "external_payment_group_status_code"
    )
    assert published - set(STATUS) == set()
    assert set(STATUS) - published == set()


def test_reason_codes_exist_in_the_iso_lists(formats_dir):
    """Every reason code we map is a published status-reason or return-reason code."""
    known = _codes(formats_dir, "external_status_reason_code") | _codes(
        formats_dir, "external_return_reason_code"
    )
    assert set(REASONS) - known - {"CANC"} == set()  # CANC is the status code reused as a reason of our own


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("RCVD", LineOutcome.PENDING),
        ("ACTC", LineOutcome.PENDING),
        ("ACCP", LineOutcome.PENDING),
        ("ACSP", LineOutcome.PENDING),
        ("PDNG", LineOutcome.PENDING),
        ("ACSC", LineOutcome.PAID),
        ("RJCT", LineOutcome.FAILED),
        ("PART", LineOutcome.UNKNOWN),
        ("acsc", LineOutcome.UNKNOWN),
        ("ACSC ", LineOutcome.PAID),
        ("", LineOutcome.UNKNOWN),
        ("SUCCESS", LineOutcome.UNKNOWN),
    ],
)
def test_status_map(status, outcome):
    """The statuses the brief names map as stated; PART and anything unknown are UNKNOWN."""
    assert ADAPTER.map_status(status) is outcome


@given(st.text(max_size=12))
def test_no_unknown_text_is_ever_success(text):
    """Whatever text a bank sends as a status, it is PAID only if it is a settled code of the table."""
    if ADAPTER.map_status(text) is LineOutcome.PAID:
        assert text.strip() in {"ACSC", "ACCC", "CPUC"}


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("AC01", FailureReason.ACCOUNT_INVALID),
        ("AC03", FailureReason.ACCOUNT_INVALID),
        ("AC04", FailureReason.ACCOUNT_CLOSED),
        ("AC07", FailureReason.ACCOUNT_CLOSED),
        ("AC06", FailureReason.ACCOUNT_FROZEN),
        ("AG01", FailureReason.CLASS_II_LIMIT),
        ("BE01", FailureReason.NAME_MISMATCH),
        ("MD07", FailureReason.DECEASED),
        ("AM05", FailureReason.DUPLICATE),
        ("DUPL", FailureReason.DUPLICATE),
        ("AM10", FailureReason.CONTROL_SUM_ERROR),
        ("MS02", FailureReason.OTHER),
        ("MS03", FailureReason.OTHER),
        ("NARR", FailureReason.OTHER),
        ("XT99", FailureReason.UNKNOWN),
        ("", FailureReason.UNKNOWN),
    ],
)
def test_reason_map_follows_domain_section_7(code, reason):
    """ISO reason codes map to the normalised failure reasons of DOMAIN.md §7; unknown → UNKNOWN."""
    assert ADAPTER.map_reason(code) is reason


@pytest.mark.parametrize("code", ["MS02", "MS03", "NARR", "FF01"])
def test_manual_review_codes_are_manual(code):
    """Reasons that say 'look at it' send the line or the submission to a person."""
    assert ADAPTER.map_error(code).action is Action.MANUAL


def test_every_error_code_has_its_action():
    """Every code of the error table maps to its action through map_error, keeping code and text."""
    for code, action in ERRORS.items():
        error = ADAPTER.map_error(code, "银行说明")
        assert (error.code, error.text, error.action) == (code, "银行说明", action)


def test_transport_codes_are_all_in_the_table():
    """Every failure the transport can report is in the table: refusals retry, lost answers inquire."""
    assert set(TRANSPORT_CODES) <= set(ERRORS)
    assert ERRORS["CONNECT_REFUSED"] is Action.RETRY
    assert ERRORS["TIMEOUT"] is ERRORS["CONNECTION_LOST"] is Action.INQUIRE


@given(st.text(min_size=0, max_size=20))
def test_unknown_errors_never_retry(code):
    """An error code the table does not know is INQUIRE or MANUAL, never RETRY."""
    if code.strip().upper() not in ERRORS:
        assert ADAPTER.map_error(code).action in (Action.INQUIRE, Action.MANUAL)
