"""The public surface of gateway.intake is pinned: changing it is a deliberate act."""

from __future__ import annotations

import gateway.intake as intake


def test_public_names():
    """gateway.intake exports exactly these names."""
    assert sorted(intake.__all__) == sorted(
        [
            "BENEFITS",
            "COLUMNS",
            "FILE_REASONS",
            "FUNDS",
            "LINE_REASONS",
            "Benefit",
            "LineError",
            "LineValidator",
            "PayrollSource",
            "RawLine",
            "ValidatedLine",
            "ValidationReport",
            "ValidationSettings",
            "format_yuan",
            "normalise_resident_id",
            "normalise_uscc",
            "open_payroll",
            "parse_yuan",
            "resolve_benefit",
            "validate_file",
        ]
    )
    assert all(hasattr(intake, name) for name in intake.__all__)


def test_reason_codes_are_upper_snake_and_documented():
    """Every reason code is UPPER_SNAKE and has a description."""
    for reason, text in {**intake.LINE_REASONS, **intake.FILE_REASONS}.items():
        assert reason.replace("_", "").isalnum() and reason.isupper() and text


def test_columns_follow_the_design_contract():
    """The canonical column order is the DESIGN.md payroll CSV contract."""
    assert intake.COLUMNS == (
        "id_type",
        "id_number",
        "name",
        "account",
        "account_type",
        "bank_code",
        "amount",
        "benefit",
        "period",
        "region",
        "ref",
    )
