"""Rendering pain.001.001.09: amounts in yuan by integer arithmetic, totals, escaping, refusals, signature."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from adapters.iso20022 import MAX_LINES, Iso20022Adapter, fen_to_yuan, yuan_to_fen
from adapters.iso20022._wire import H_NONCE, H_SIGNATURE, H_TIMESTAMP, PAIN001_NS, verify_signature
from gateway.errors import InvalidInput
from tests.adapters_iso import helpers as H

ADAPTER = Iso20022Adapter()
NS = {"p": PAIN001_NS}


def _doc(body: bytes):
    return etree.fromstring(body)


@given(st.integers(min_value=0, max_value=10**17))
def test_yuan_text_is_exact_for_every_fen_amount(fen):
    """Any fen amount becomes yuan text with exactly two decimals and converts back to the same integer."""
    text = fen_to_yuan(fen)
    whole, _, cents = text.partition(".")
    assert whole.isdigit() and len(cents) == 2
    assert yuan_to_fen(text) == fen
    assert Decimal(text) * 100 == fen


def test_floats_are_refused_as_amounts():
    """A float never becomes an amount: the conversion takes integer fen only."""
    with pytest.raises(TypeError):
        fen_to_yuan(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        fen_to_yuan(True)  # type: ignore[arg-type]


def test_header_and_transactions_carry_what_was_frozen():
    """MsgId is our bank reference; NbOfTxs, CtrlSum and every InstdAmt add up to the submission."""
    sub = H.submission(8)
    doc = _doc(ADAPTER.render_submission(sub, H.ctx()).body)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == sub.bank_reference
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", namespaces=NS) == H.NOW
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "8"
    ctrl = doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS)
    assert yuan_to_fen(ctrl) == sub.control_sum_fen
    txs = doc.findall(".//p:CdtTrfTxInf", namespaces=NS)
    got = [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS),
            tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            yuan_to_fen(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            tx.find("p:Amt/p:InstdAmt", namespaces=NS).get("Ccy"),
            tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS),
        )
        for tx in txs
    ]
    assert got == [
        (x.end_to_end_ref, x.account, x.name, x.amount_fen, "CNY", f"{x.benefit} {x.period}")
        for x in sub.lines
    ]
    debtor = doc.findtext(".//p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS)
    assert debtor == sub.fund_account
    assert doc.findtext(".//p:PmtInf/p:ReqdExctnDt/p:Dt", namespaces=NS) == sub.requested_date


def test_id_numbers_only_when_the_bank_profile_asks():
    """Without ``send_id_number`` no ID number is in the message; with it each payee carries one."""
    sub = H.submission(8)
    plain = ADAPTER.render_submission(sub, H.ctx()).body.decode()
    assert all(line.id_number not in plain for line in sub.lines)
    asked = _doc(ADAPTER.render_submission(sub, H.ctx(send_id_number=True)).body)
    ids = [
        tx.findtext("p:Cdtr/p:Id//p:Othr/p:Id", namespaces=NS)
        for tx in asked.findall(".//p:CdtTrfTxInf", namespaces=NS)
    ]
    assert ids == [line.id_number for line in sub.lines]
    uscc = asked.findall(".//p:Cdtr/p:Id/p:OrgId", namespaces=NS)
    assert len(uscc) == 1  # the enterprise is an organisation, the people are private persons


def test_markup_in_names_is_escaped_not_injected():
    """A name holding ``&``, ``<`` and ``>`` is escaped and reads back as written."""
    sub = H.submission(3)
    doc = _doc(ADAPTER.render_submission(sub, H.ctx()).body)
    names = [
        tx.findtext("p:Cdtr/p:Nm", namespaces=NS) for tx in doc.findall(".//p:CdtTrfTxInf", namespaces=NS)
    ]
    assert names[2] == "济南A&B<科技>有限公司"


def test_control_sum_that_differs_is_refused():
    """A control sum that is not the sum of the lines is refused, never corrected (invariant 4)."""
    sub = H.submission(3, control_sum_fen=1)
    with pytest.raises(InvalidInput) as err:
        ADAPTER.render_submission(sub, H.ctx())
    assert err.value.reason == "ADAPTER_RENDER_INVALID"
    assert err.value.field_violations[0].field == "submission: control_sum_fen"


def test_every_bad_field_is_reported_without_its_value():
    """All problems of all lines are collected, by position and field, and no personal value is echoed."""
    good = H.lines(4)
    bad = [
        replace(good[0], amount_fen=0),
        replace(good[1], name="张\x07三"),
        replace(good[2], account="6" * 40),
        replace(good[3], end_to_end_ref=good[0].end_to_end_ref, period="2024-13"),
    ]
    sub = H.submission(lines=bad, control_sum_fen=sum(x.amount_fen for x in bad))
    with pytest.raises(InvalidInput) as err:
        ADAPTER.render_submission(sub, H.ctx())
    fields = [v.field for v in err.value.field_violations]
    assert fields == [
        "line 1: amount_fen",
        "line 2: name",
        "line 3: account",
        "line 4: end_to_end_ref",
        "line 4: period",
    ]
    text = str(err.value) + " ".join(v.description for v in err.value.field_violations)
    assert all(x.account not in text and x.name not in text for x in bad)


def test_more_lines_than_the_bank_takes_are_refused():
    """A submission above the protocol's maximum is refused before anything is rendered."""
    many = [replace(H.lines(1)[0], seq=i, end_to_end_ref=f"E{i:015d}") for i in range(1, MAX_LINES + 2)]
    sub = H.submission(lines=many, control_sum_fen=sum(x.amount_fen for x in many))
    with pytest.raises(InvalidInput) as err:
        ADAPTER.render_submission(sub, H.ctx())
    assert err.value.reason == "SUBMISSION_TOO_LARGE"


def test_detached_signature_covers_body_time_and_nonce(rsa_signer):
    """The signature verifies for the exact body, time stamp and nonce, and fails if any one changes."""
    message = ADAPTER.render_submission(H.submission(3), H.ctx(rsa_signer))
    verifier = rsa_signer.verifier()
    assert verify_signature(message.headers, message.body, verifier) is None
    assert verify_signature(message.headers, message.body + b" ", verifier) == "SIGNATURE_INVALID"
    for name, value in ((H_TIMESTAMP, "2024-05-20T08:00:01Z"), (H_NONCE, "00" * 16)):
        assert (
            verify_signature({**message.headers, name: value}, message.body, verifier) == "SIGNATURE_INVALID"
        )
    unsigned = {k: v for k, v in message.headers.items() if k != H_SIGNATURE}
    assert verify_signature(unsigned, message.body, verifier) == "SIGNATURE_MISSING"


def test_unsigned_without_a_signer():
    """Without ctx.signer the message carries no signature headers and no attachment."""
    message = ADAPTER.render_submission(H.submission(3), H.ctx())
    assert H_SIGNATURE not in message.headers and not message.attachments
    assert message.content_type.startswith("application/xml") and message.path == "/iso20022/pain.001"


def test_capabilities_declare_the_iso_profile():
    """Capabilities: yuan, utf-8, de-duplication on our references, status query, returns, RSA-PSS, https."""
    caps = ADAPTER.capabilities
    assert (caps.protocol, caps.amount_unit.value, caps.text_encoding) == ("iso20022", "yuan", "utf-8")
    assert caps.bank_dedupes_on_reference and caps.status_query and caps.returns
    assert (caps.signature_algorithm, caps.hash_algorithm, caps.transport) == (
        "RSA-PSS-SHA256",
        "SHA-256",
        "https",
    )
    assert caps.max_lines_per_submission == MAX_LINES == 5000
