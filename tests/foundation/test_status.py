"""Errors on the wire: google.rpc.Status with ErrorInfo, and details that always fit in a trailer."""

from __future__ import annotations

from gateway.errors import FieldViolation, InvalidInput
from gateway.server.status import DETAILS_BUDGET, error_info_of, field_violations_of, to_status


def test_error_info_carries_reason_domain_and_metadata():
    """A SilinkError becomes a Status whose ErrorInfo names reason, domain silink and metadata."""
    status = to_status(InvalidInput("bad period", "PERIOD_INVALID", metadata={"field": "period"}))
    info = error_info_of(status)
    assert (status.code, info.reason, info.domain, dict(info.metadata)) == (
        3,
        "PERIOD_INVALID",
        "silink",
        {"field": "period"},
    )


def test_many_violations_are_cut_to_fit_and_the_rest_counted():
    """10,000 field violations are cut to fit the trailer budget; the number left out is stated."""
    err = InvalidInput(
        "no valid line",
        "NO_VALID_LINES",
        field_violations=[
            FieldViolation(f"line {n}: amount", "AMOUNT_DECIMALS: too many decimals") for n in range(10_000)
        ],
    )
    status = to_status(err)
    shown = field_violations_of(status)
    assert 0 < len(shown) < 10_000
    assert len(status.SerializeToString()) <= DETAILS_BUDGET + 500
    assert int(error_info_of(status).metadata["violations_not_shown"]) == 10_000 - len(shown)
