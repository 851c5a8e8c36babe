"""Both Chinese adapters are registered, meet the contract and pin their public surface."""

from __future__ import annotations

import pytest

import adapters.direct_link
import adapters.fixed_width
from adapters import registry
from adapters.contract import Adapter, Capabilities
from adapters.direct_link import DirectLinkAdapter
from adapters.fixed_width import FixedWidthAdapter

CONTRACT_METHODS = (
    "render_submission",
    "parse_submit_response",
    "render_status_query",
    "parse_status_response",
    "map_status",
    "map_error",
)


@pytest.mark.parametrize(
    ("name", "cls"), [("direct_link_json", DirectLinkAdapter), ("fixed_width_file", FixedWidthAdapter)]
)
def test_registered_and_meets_the_contract(name: str, cls: type) -> None:
    """The registry builds each adapter by name; it is an Adapter with capabilities and declared suites."""
    assert name in registry.names()
    adapter = registry.get(name)
    assert isinstance(adapter, cls) and isinstance(adapter, Adapter)
    assert adapter.name == name and adapter.capabilities.protocol == name
    assert isinstance(adapter.capabilities, Capabilities)
    assert all(callable(getattr(adapter, m)) for m in CONTRACT_METHODS)
    assert cls.SUITES == ("render_parse", "status_map", "error_map")


def test_public_surface_is_pinned() -> None:
    """What the packages export is deliberate: adding or removing a name is a visible change."""
    assert sorted(adapters.direct_link.__all__) == sorted(
        [
            "ALGORITHM_MISMATCH",
            "BODY_MALFORMED",
            "CARD_STATES",
            "CONTEXT_REQUIRED",
            "ENVELOPE_MALFORMED",
            "LINE_STATUSES",
            "LOCAL_ACTIONS",
            "RETURN_CODES",
            "SIGNATURE_INVALID",
            "SIG_ALG",
            "SUBMISSION_NEEDS_PARTS",
            "SUCCESS",
            "CardOutcome",
            "CardRequest",
            "CardResult",
            "DirectLinkAdapter",
            "DirectLinkProfile",
            "Funcode",
            "LossKind",
            "amount_text",
            "amount_value",
            "canonical_json",
            "check_submission",
            "memo",
            "open_envelope",
            "parse_wire_time",
            "seal",
            "strict_loads",
            "wire_time",
        ]
    )
    assert sorted(adapters.fixed_width.__all__) == sorted(
        [
            "BANK_PROFILES",
            "BUILTIN",
            "CONTEXT_REQUIRED",
            "FIELDS_NOT_WRITABLE",
            "FIELD_INVALID",
            "FIELD_NOT_DECODABLE",
            "FIELD_NOT_ENCODABLE",
            "FIELD_NOT_NUMERIC",
            "FIELD_TOO_LONG",
            "LOCAL_ACTIONS",
            "MANUAL_CODE",
            "MANUAL_MARK_INVALID",
            "RECORD_LENGTH",
            "RECORD_TYPE",
            "RETURN_CODES",
            "SIGNATURE_HEADER",
            "SIGNATURE_INVALID",
            "SIGNATURE_MISSING",
            "SUBMISSION_NEEDS_PARTS",
            "AmountForm",
            "FieldIssue",
            "FieldSpec",
            "FileIssue",
            "FileProfile",
            "FixedWidthAdapter",
            "LineError",
            "ManualMark",
            "RecordLayout",
            "ResultFile",
            "content_hash",
            "decode_record",
            "detached_signature",
            "encode_record",
            "layout",
            "manual_results",
            "parse_receipt",
            "parse_result",
            "profile_for",
        ]
    )
    for module in (adapters.direct_link, adapters.fixed_width):
        assert all(hasattr(module, n) for n in module.__all__)
