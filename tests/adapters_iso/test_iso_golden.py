"""Golden files for every ISO 20022 message type, both directions, from fixed inputs (time, nonce, ids).

Outgoing: pain.001 (plain, and with ID numbers for a bank profile that asks), its signature headers, the
status and notification queries. Incoming (written by the simulator's renderers, read by the adapter):
pain.002 acknowledgement, interim, final with mixed results, all paid, refused (AM10, FF01), and a
camt.054 with returns — each with the golden of what the adapter reads from it.
"""

from __future__ import annotations

import base64
import json

import pytest
from lxml import etree

from adapters.contract import WireResponse
from adapters.iso20022 import Iso20022Adapter
from adapters.iso20022._wire import H_SIGNATURE, verify_signature
from adapters.simulator.protocols.iso20022 import render_camt054, render_pain002
from tests.adapters_iso import helpers as H

ADAPTER = Iso20022Adapter()
SUB3 = H.submission(3)
SUB8 = H.submission(8)
MIXED = {
    2: "ACCOUNT_CLOSED",
    3: "NAME_MISMATCH",
    5: "CLASS_II_LIMIT",
    6: "DECEASED",
    7: "ACCOUNT_FROZEN",
    8: "DUPLICATE",
}
PROFILE_WITH_ID = {"send_id_number": True, "debtor_agent_cnaps": "102451000018", "batch_booking": False}

INCOMING = {
    "pain002_ack.xml": (H.view(SUB8, MIXED), "ack", "submit"),
    "pain002_interim.xml": (H.view(SUB8, MIXED), "interim", "status"),
    "pain002_final_mixed.xml": (H.view(SUB8, MIXED), "final", "status"),
    "pain002_final_all_paid.xml": (H.view(SUB8, {}), "final", "status"),
    "pain002_refused_am10.xml": (H.view(SUB8, {}, group_code="CONTROL_SUM_ERROR"), "ack", "submit"),
    "pain002_refused_ff01.xml": (H.view(SUB8, {}, group_code="FF01"), "ack", "submit"),
    "camt054_returns.xml": (
        H.view(SUB8, MIXED, returned={1: "DECEASED", 4: "ACCOUNT_CLOSED"}),
        "returns",
        "status",
    ),
}


def _incoming(name: str) -> bytes:
    view, stage, _ = INCOMING[name]
    if stage == "returns":
        return render_camt054(view, msg_id="102N2024052100000001", created=H.NOW, bank_code="102")
    return render_pain002(view, msg_id="102S2024052000000001", created=H.NOW, bank_code="102", stage=stage)


def test_pain001_golden():
    """The pain.001 of a fixed 3-line submission is byte-for-byte the golden file."""
    H.assert_golden("pain001_3lines.xml", ADAPTER.render_submission(SUB3, H.ctx()).body)


def test_pain001_with_id_golden():
    """A bank profile that asks for ID numbers, a CNAPS code and no batch booking gets exactly the golden."""
    H.assert_golden(
        "pain001_8lines_with_id.xml", ADAPTER.render_submission(SUB8, H.ctx(**PROFILE_WITH_ID)).body
    )


def test_signature_headers_golden(rsa_signer):
    """The detached signature headers are the golden (signature value aside) and the signature verifies."""
    message = ADAPTER.render_submission(SUB3, H.ctx(rsa_signer))
    assert verify_signature(message.headers, message.body, rsa_signer.verifier()) is None
    assert base64.b64decode(message.headers[H_SIGNATURE]) == message.attachments["signature"]
    shown = {**message.headers, H_SIGNATURE: "<verified>"}
    H.assert_golden(
        "pain001_3lines.headers.json", (json.dumps(shown, indent=2, sort_keys=True) + "\n").encode()
    )


def test_queries_golden():
    """The status and notification queries name our MsgId and are byte-for-byte the goldens."""
    status = ADAPTER.render_status_query(SUB3, H.ctx())
    notes = ADAPTER.render_notification_query(SUB3, H.ctx())
    assert (status.path, notes.path) == ("/iso20022/status", "/iso20022/notifications")
    H.assert_golden("status_query.json", status.body)
    H.assert_golden("notification_query.json", notes.body)


@pytest.mark.parametrize("name", sorted(INCOMING))
def test_incoming_golden_and_its_reading(name):
    """Each bank message is byte-for-byte its golden, and what the adapter reads from it is too."""
    body = _incoming(name)
    H.assert_golden(name, body)
    _, _, kind = INCOMING[name]
    response = WireResponse(200, body)
    parse = ADAPTER.parse_submit_response if kind == "submit" else ADAPTER.parse_status_response
    H.assert_golden(name.replace(".xml", ".parsed.json"), H.result_json(parse(response, SUB8)))


@pytest.mark.parametrize(
    ("name", "xsd"),
    [
        ("pain001_3lines.xml", "pain.001.001.09"),
        ("pain001_8lines_with_id.xml", "pain.001.001.09"),
        *[(n, "camt.054.001.08" if n.startswith("camt") else "pain.002.001.10") for n in sorted(INCOMING)],
    ],
)
def test_goldens_validate_against_the_iso_schemas(schema, name, xsd):
    """Every XML golden is valid against its ISO 20022 XSD (lxml XMLSchema)."""
    doc = etree.fromstring((H.GOLDEN / name).read_bytes())
    validator = schema(xsd)
    assert validator.validate(doc), str(validator.error_log.last_error)
