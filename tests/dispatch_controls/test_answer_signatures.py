"""Which bank answers must carry a valid detached signature (``signature_refusal``), with real RSA-PSS keys
and the ISO 20022 adapter's own signing and verification."""

from __future__ import annotations

import secrets

import pytest

from adapters.contract import AdapterContext, WireResponse
from adapters.iso20022._adapter import Iso20022Adapter
from adapters.iso20022._wire import signature_headers
from gateway.dispatch.answers import signature_refusal
from keys.algorithms import SignatureAlgorithm, get_backend

BANK = get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)
FORGER = get_backend().generate(SignatureAlgorithm.RSA_PSS_SHA256)
BODY = b"<Document><TxSts>RJCT</TxSts></Document>"


def _verifier():
    return get_backend().load_verifier(SignatureAlgorithm.RSA_PSS_SHA256, BANK.public_pem())


def _signed(status: int, body: bytes = BODY, signer=BANK) -> WireResponse:
    headers, _ = signature_headers(signer, "2026-11-20T08:00:00Z", secrets.token_hex(16), body)
    return WireResponse(status, body, headers)


CTX = AdapterContext(now_iso="2026-11-20T08:00:00Z", nonce="n", bank_verifier=_verifier())


def _reason(response: WireResponse, ctx: AdapterContext = CTX) -> str | None:
    refusal = signature_refusal(Iso20022Adapter(), response, ctx)
    return None if refusal is None else refusal.reason


def test_a_genuine_answer_passes_and_a_forged_one_is_refused() -> None:
    assert _reason(_signed(200)) is None
    assert _reason(_signed(200, signer=FORGER)) == "SIGNATURE_INVALID"
    good = _signed(200)
    altered = WireResponse(200, BODY.replace(b"RJCT", b"ACSC"), good.headers)
    assert _reason(altered) == "SIGNATURE_INVALID"
    refusal = signature_refusal(Iso20022Adapter(), altered, CTX)
    assert refusal is not None and refusal.nonce == good.headers["X-Silink-Nonce"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, "SIGNATURE_MISSING"),
        (400, "SIGNATURE_MISSING"),
        (404, "SIGNATURE_MISSING"),
        (503, None),
        (429, None),
    ],
)
def test_only_a_front_ends_refusal_may_come_unsigned(status: int, expected: str | None) -> None:
    assert _reason(WireResponse(status, b'{"code": "AM10"}', {})) == expected


def test_a_signed_refusal_must_still_verify() -> None:
    assert _reason(_signed(503, b"{}", signer=FORGER)) == "SIGNATURE_INVALID"


def test_without_the_banks_key_nothing_is_checked() -> None:
    no_key = AdapterContext(now_iso="2026-11-20T08:00:00Z", nonce="n")
    assert _reason(_signed(200, signer=FORGER), no_key) is None
