"""Both Chinese adapters are registered, meet the contract and pin their public surface."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import adapters.direct_link
import adapters.fixed_width
from adapters import registry
from adapters.contract import Action, Adapter, Capabilities
from adapters.direct_link import TRANSPORT_ACTIONS, DirectLinkAdapter
from adapters.fixed_width import FixedWidthAdapter

REPO = Path(__file__).resolve().parents[2]


def doc_table(cls: type, name: str) -> list[list[str]]:
    """Rows of the ``name`` table in the adapter package's FORMAT.md."""
    package = "direct_link" if cls is DirectLinkAdapter else "fixed_width"
    text = (REPO / "adapters" / package / "FORMAT.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.S)
    assert block, f"{package}/FORMAT.md has no {name} table"
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.group(1).splitlines()][
        2:
    ]


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
    # The kit's suites each adapter passes (the simulator-backed ones against its bank simulator).
    assert {"render_parse", "status_map", "error_map", "submit", "dedup"} <= set(cls.SUITES)


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
            "TRANSPORT_ACTIONS",
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


@pytest.mark.parametrize("cls", [DirectLinkAdapter, FixedWidthAdapter])
def test_transport_codes_map_as_documented(cls: type) -> None:
    """FORMAT.md transport tables match map_error: never-left RETRY, TLS MANUAL, sent-and-silent INQUIRE."""
    rows = doc_table(cls, "transport-codes")
    assert {code for code, _, _ in rows} == set(TRANSPORT_ACTIONS)
    for code, _, action in rows:
        assert cls().map_error(code).action is Action(action)


@pytest.mark.parametrize("cls", [DirectLinkAdapter, FixedWidthAdapter])
def test_kit_tables_are_the_adapters_tables(cls: type) -> None:
    """STATUS_CODES and ERROR_CODES (read by the conformance kit) agree with map_status and map_error."""
    adapter = cls()
    assert adapter.STATUS_CODES and adapter.ERROR_CODES
    for raw, outcome in adapter.STATUS_CODES.items():
        assert adapter.map_status(raw) is outcome
    for code, action in adapter.ERROR_CODES.items():
        assert adapter.map_error(code).action is action
