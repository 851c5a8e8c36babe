"""The simulator's ISO 20022 handler in process: what it refuses, how it checks signatures, how it breaks."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from adapters.contract import Action, AdapterContext, LineOutcome, SubmitStatus, WireResponse
from adapters.iso20022 import Iso20022Adapter
from adapters.simulator.faults import FaultBox
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import Request, SimContext, get_protocol, protocol_names
from keys.algorithms import SignatureAlgorithm, get_backend
from tests.adapters_iso import helpers as H

ADAPTER = Iso20022Adapter()


@pytest.fixture
def sim(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3", seed=5)
    context = SimContext(ledger=ledger, faults=FaultBox(), bank_code="102", seed=5, data_dir=tmp_path)
    context.clock = lambda: H.NOW_TS
    yield context
    ledger.close()


@pytest.fixture(scope="module")
def handler():
    return get_protocol("iso20022")


def _post(handler, sim, message):
    endpoint = handler.endpoints[message.path]
    return handler.handle(endpoint, Request("POST", message.path, message.headers, message.body), sim)


def _submit_body(handler, sim, body: bytes, sub=None):
    response = handler.handle("submit", Request("POST", "/iso20022/pain.001", {}, body), sim)
    return response, ADAPTER.parse_submit_response(
        WireResponse(response.status, response.body), sub or H.submission(3)
    )


def test_iso_handler_is_registered():
    """The framework finds the ISO handler by the adapter's protocol name."""
    assert "iso20022" in protocol_names()
    assert ADAPTER.capabilities.protocol == "iso20022"


def test_submit_then_status_then_resend(handler, sim):
    """A submission is acknowledged (ACTC), its status is final, a resend is answered without rebooking."""
    sub = H.submission(8)
    first = _post(handler, sim, ADAPTER.render_submission(sub, H.ctx()))
    assert (
        ADAPTER.parse_submit_response(WireResponse(first.status, first.body), sub).status
        is SubmitStatus.ACCEPTED
    )
    status = _post(handler, sim, ADAPTER.render_status_query(sub, H.ctx()))
    result = ADAPTER.parse_status_response(WireResponse(status.status, status.body), sub)
    assert all(r.outcome in (LineOutcome.PAID, LineOutcome.FAILED) for r in result.lines)
    before = sim.ledger.totals()
    _post(handler, sim, ADAPTER.render_submission(sub, H.ctx()))
    after = sim.ledger.totals()
    assert after["credited_count"] == before["credited_count"] and after["resends"] == 1


def test_status_of_an_unknown_reference_is_not_found(handler, sim):
    """A status query for a MsgId the bank never received is 404 NOT_FOUND, which the adapter retries."""
    response = _post(handler, sim, ADAPTER.render_status_query(H.submission(3), H.ctx()))
    assert response.status == 404
    result = ADAPTER.parse_status_response(WireResponse(response.status, response.body), H.submission(3))
    assert (result.error.code, result.error.action) == ("NOT_FOUND", Action.RETRY)


@pytest.mark.parametrize(
    "body",
    [b"not xml at all", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><Document/>', b"<Document/>"],
    ids=["not-xml", "doctype", "no-msgid"],
)
def test_unbookable_messages_are_bad_requests(handler, sim, body):
    """A message without a readable MsgId (or with a DOCTYPE) is a 400: nothing booked, adapter MANUAL."""
    response, result = _submit_body(handler, sim, body)
    assert response.status == 400 and json.loads(response.body)["code"] == "BAD_REQUEST"
    assert result.error.action is Action.MANUAL
    assert sim.ledger.totals()["batches"] == 0


def _mutated(change) -> bytes:
    return change(ADAPTER.render_submission(H.submission(3), H.ctx()).body)


@pytest.mark.parametrize(
    ("change", "code", "action"),
    [
        (lambda b: b.replace(b">3456.78<", b">3456.789<"), "FF01", Action.MANUAL),
        (lambda b: b.replace(b'Ccy="CNY">3456.78', b'Ccy="EUR">3456.78'), "AM03", Action.MANUAL),
        (lambda b: b.replace(b"<MmbId>102</MmbId>", b"<MmbId>103</MmbId>"), "RC01", Action.MANUAL),
        (lambda b: b.replace(b"<CtrlSum>", b"<CtrlSum>1", 1), "AM10", Action.TERMINAL),
        (lambda b: b.replace(b"pain.001.001.09", b"pain.001.001.03"), "FF01", Action.MANUAL),
    ],
    ids=["three-decimals", "currency", "wrong-bank", "control-sum", "other-version"],
)
def test_refused_messages_are_answered_with_iso_codes(handler, sim, change, code, action):
    """Bad amount, currency, bank, totals or version: the group is RJCT with the matching ISO code."""
    response, result = _submit_body(handler, sim, _mutated(change))
    assert response.status == 200
    assert (result.error.code, result.error.action) == (code, action)
    assert sim.ledger.totals()["credited_count"] == 0
    again, _ = _submit_body(handler, sim, _mutated(change))
    assert b"<GrpSts>RJCT</GrpSts>" in again.body  # a resend gets the same refusal


def test_schema_invalid_messages_are_refused_when_xsds_are_given(handler, sim, formats_dir):
    """With the ISO XSDs configured, a pain.001 breaking the schema is refused with FF01."""
    sim.xsd_dir = formats_dir / "xsd"
    fresh = get_protocol("iso20022")
    body = _mutated(lambda b: b.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>"))
    response = fresh.handle("submit", Request("POST", "/iso20022/pain.001", {}, body), sim)
    result = ADAPTER.parse_submit_response(WireResponse(200, response.body), H.submission(3))
    assert result.error.code == "FF01"
    good = ADAPTER.render_submission(H.submission(3, reference="SI-GOOD"), H.ctx()).body
    ok = fresh.handle("submit", Request("POST", "/iso20022/pain.001", {}, good), sim)
    assert b"<GrpSts>ACTC</GrpSts>" in ok.body


def test_shared_sample_of_an_older_version_is_refused_as_format(handler, sim, formats_dir):
    """A real pain.001.001.03 file is read far enough to book its refusal (FF01), not credited."""
    body = (formats_dir / "iso20022" / "pain.001" / "pain.001.001.03_sepaxml_expected.xml").read_bytes()
    response = handler.handle("submit", Request("POST", "/iso20022/pain.001", {}, body), sim)
    assert b"<GrpSts>RJCT</GrpSts>" in response.body and b"<Cd>FF01</Cd>" in response.body
    assert sim.ledger.totals()["credited_count"] == 0


def test_signature_time_and_nonce_are_checked(handler, sim, rsa_signer):
    """With the gateway's key configured: unsigned, stale or replayed requests get 401 with the reason."""
    sim.client_verifier = rsa_signer.verifier()
    now = AdapterContext(now_iso=H.NOW, nonce="aa" * 16, signer=rsa_signer)
    sub = H.submission(3)
    unsigned = ADAPTER.render_submission(sub, H.ctx())
    assert _refusal(handler, sim, unsigned) == "SIGNATURE_MISSING"
    stale = ADAPTER.render_submission(sub, replace(now, now_iso="2024-05-20T07:50:00Z"))
    assert _refusal(handler, sim, stale) == "TIMESTAMP_OUT_OF_WINDOW"
    signed = ADAPTER.render_submission(sub, now)
    assert handler.verify_request(Request("POST", signed.path, signed.headers, signed.body), sim) is None
    assert _refusal(handler, sim, signed) == "NONCE_REUSED"
    other_key = get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)
    forged = ADAPTER.render_submission(sub, replace(now, nonce="bb" * 16, signer=other_key))
    assert _refusal(handler, sim, forged) == "SIGNATURE_INVALID"


def _refusal(handler, sim, message) -> str | None:
    response = handler.verify_request(Request("POST", message.path, message.headers, message.body), sim)
    if response is None:
        return None
    assert response.status == 401
    code = json.loads(response.body)["code"]
    assert ADAPTER.parse_submit_response(WireResponse(401, response.body), H.submission(3)).error.action is (
        Action.MANUAL
    )
    return code


def test_answers_are_signed_by_the_bank(handler, sim):
    """With a bank key, every answer carries a detached signature the adapter verifies; tampering fails it."""
    bank_key = get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)
    sim.bank_signer = bank_key
    response = handler.sign_response(
        _post(handler, sim, ADAPTER.render_submission(H.submission(3), H.ctx())), sim
    )
    answer = WireResponse(response.status, response.body, response.headers)
    assert ADAPTER.verify_response(answer, bank_key.verifier())
    assert not ADAPTER.verify_response(replace(answer, body=answer.body + b"\n"), bank_key.verifier())


@pytest.mark.parametrize("variant", get_protocol("iso20022").malformed_variants)
def test_every_malformed_variant_reads_as_unknown(handler, sim, variant):
    """Each way the simulator can break an answer is read by the adapter as UNKNOWN with INQUIRE."""
    sub = H.submission(8)
    ack = _post(handler, sim, ADAPTER.render_submission(sub, H.ctx()))
    status = _post(handler, sim, ADAPTER.render_status_query(sub, H.ctx()))
    for response, parse in ((ack, ADAPTER.parse_submit_response), (status, ADAPTER.parse_status_response)):
        broken = handler.corrupt(response, variant, sim)
        result = parse(WireResponse(broken.status, broken.body), sub)
        assert result.status is SubmitStatus.UNKNOWN, variant
        assert result.error.action is Action.INQUIRE
        assert not [r for r in result.lines if r.outcome is LineOutcome.PAID]
