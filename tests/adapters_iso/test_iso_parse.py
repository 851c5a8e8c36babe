"""Reading the bank's answers: pain.002 statuses, camt.054 returns, HTTP errors, and every kind of garbage."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.contract import Action, FailureReason, LineOutcome, SubmitStatus, WireResponse
from adapters.iso20022 import Iso20022Adapter
from adapters.simulator.protocols.iso20022 import render_camt054, render_pain002
from tests.adapters_iso import helpers as H

ADAPTER = Iso20022Adapter()
SUB = H.submission(8)


def _report(view=None, stage="final", **kw) -> bytes:
    view = view or H.view(SUB, {2: "ACCOUNT_CLOSED"})
    return render_pain002(view, msg_id="102S1", created=H.NOW, bank_code="102", stage=stage, **kw)


def _status(body: bytes, sub=SUB, status: int = 200):
    return ADAPTER.parse_status_response(WireResponse(status, body), sub)


def _outcomes(result) -> dict[int, tuple]:
    return {r.seq: (r.outcome, r.reason) for r in result.lines}


def test_final_report_gives_each_line_its_state():
    """A final pain.002 maps ACSC → PAID and RJCT → FAILED with the reason from the status list."""
    result = _status(_report())
    assert result.status is SubmitStatus.ACCEPTED and result.error is None
    assert _outcomes(result)[1] == (LineOutcome.PAID, None)
    assert _outcomes(result)[2] == (LineOutcome.FAILED, FailureReason.ACCOUNT_CLOSED)
    assert result.lines[1].reason_code_list == "status" and result.lines[1].raw_code == "AC04"


def test_interim_report_is_pending_not_paid():
    """RCVD/ACTC/ACCP/ACSP/PDNG at group or line level leave every line PENDING."""
    for code in ("RCVD", "ACTC", "ACCP", "ACSP", "PDNG"):
        body = _report(stage="interim").replace(b"ACSP<", code.encode() + b"<")
        result = _status(body)
        assert result.status is SubmitStatus.ACCEPTED
        assert {r.outcome for r in result.lines} == {LineOutcome.PENDING}, code


def test_unknown_group_status_is_unknown_and_inquire():
    """A group status code outside the ISO lists gives UNKNOWN with INQUIRE, and no line results."""
    body = _report().replace(b"<GrpSts>PART<", b"<GrpSts>OKAY<")
    result = _status(body)
    assert result.status is SubmitStatus.UNKNOWN
    assert (result.error.code, result.error.action) == ("UNKNOWN_STATUS", Action.INQUIRE)
    assert result.lines == ()


def test_unknown_transaction_status_is_unknown_for_that_line_only():
    """A transaction status code we do not know makes that one line UNKNOWN, never PAID."""
    body = _report(H.view(SUB, {})).replace(b"<TxSts>ACSC</TxSts>", b"<TxSts>ACSX</TxSts>", 1)
    result = _status(body)
    assert _outcomes(result)[1] == (LineOutcome.UNKNOWN, None)
    assert all(r.outcome is LineOutcome.PAID for r in result.lines[1:])


def test_part_is_read_line_by_line_and_silent_lines_are_unknown():
    """Under PART each listed line has its own state; a line the report does not list is UNKNOWN."""
    body = _report()
    start = body.index(b"<TxInfAndSts>")
    end = body.index(b"</TxInfAndSts>", start) + len(b"</TxInfAndSts>")
    result = _status(body[:start] + body[end:])  # line 1 (ACSC) removed
    outcomes = _outcomes(result)
    assert outcomes[1] == (LineOutcome.UNKNOWN, None)
    assert outcomes[2] == (LineOutcome.FAILED, FailureReason.ACCOUNT_CLOSED)


def test_group_acsc_without_lines_pays_every_line():
    """A group ACSC with no transaction details settles every line (the ISO inheritance rule)."""
    body = _report(H.view(SUB, {}), stage="ack").replace(b"<GrpSts>ACTC<", b"<GrpSts>ACSC<")
    result = _status(body)
    assert {r.outcome for r in result.lines} == {LineOutcome.PAID}


def test_duplicated_and_reordered_results_read_the_same():
    """Every line twice, or in reverse order, gives exactly the results of the clean report."""
    clean = _status(_report()).lines
    assert _status(_report(duplicate=True)).lines == clean
    assert _status(_report(reverse=True)).lines == clean


def test_final_beats_interim_and_conflicting_finals_are_unknown():
    """An interim and a final report of a line give the final; PAID and FAILED for one line give UNKNOWN."""
    body = _report()
    start = body.index(b"<TxInfAndSts>")
    end = body.index(b"</TxInfAndSts>", start) + len(b"</TxInfAndSts>")
    first = body[start:end]  # line 1, ACSC
    interim = first.replace(b"ACSC", b"ACSP")
    rejected = first.replace(b"<TxSts>ACSC</TxSts>", b"<TxSts>RJCT</TxSts>")
    assert _outcomes(_status(body[:end] + interim + body[end:]))[1] == (LineOutcome.PAID, None)
    assert _outcomes(_status(body[:start] + interim + body[start:]))[1] == (LineOutcome.PAID, None)
    assert _outcomes(_status(body[:end] + rejected + body[end:]))[1] == (LineOutcome.UNKNOWN, None)


def test_answer_about_another_message_or_line_is_a_mismatch():
    """Another OrgnlMsgId, a line we never sent, or another line count: UNKNOWN with INQUIRE."""
    other = H.submission(8, reference="SI2024052000000002")
    assert _status(_report(), sub=other).error.code == "ANSWER_MISMATCH"
    foreign = _report().replace(b"E240520000003", b"EFOREIGN0000003")
    assert _status(foreign).error.code == "ANSWER_MISMATCH"
    fewer = H.submission(7)
    result = _status(_report(), sub=fewer)
    assert (result.status, result.error.action) == (SubmitStatus.UNKNOWN, Action.INQUIRE)


def test_amount_that_differs_from_ours_is_never_paid():
    """A settled line whose reported amount differs from what we sent is UNKNOWN (invariant 4)."""
    body = _report(H.view(SUB, {})).replace(b">3456.78<", b">3456.79<")
    result = _status(body)
    assert _outcomes(result)[1] == (LineOutcome.UNKNOWN, None)


def test_group_rejection_for_control_sum_fails_every_line_terminally():
    """GrpSts RJCT AM10: the submission is REJECTED, TERMINAL, every line FAILED with CONTROL_SUM_ERROR."""
    body = _report(H.view(SUB, {}, group_code="CONTROL_SUM_ERROR"), stage="ack")
    result = ADAPTER.parse_submit_response(WireResponse(200, body), SUB)
    assert (result.status, result.error.code, result.error.action) == (
        SubmitStatus.REJECTED,
        "AM10",
        Action.TERMINAL,
    )
    assert {(r.outcome, r.reason) for r in result.lines} == {
        (LineOutcome.FAILED, FailureReason.CONTROL_SUM_ERROR)
    }


@pytest.mark.parametrize(
    ("code", "status", "action"),
    [
        ("FF01", SubmitStatus.REJECTED, Action.MANUAL),
        ("AM05", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("DUPL", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("ZZ42", SubmitStatus.REJECTED, Action.MANUAL),
    ],
)
def test_group_rejections_map_to_their_actions(code, status, action):
    """A refused message's reason decides: format → MANUAL, duplicate → INQUIRE, unknown code → MANUAL."""
    body = _report(H.view(SUB, {}, group_code=code), stage="ack")
    result = ADAPTER.parse_submit_response(WireResponse(200, body), SUB)
    assert (result.status, result.error.action) == (status, action)
    assert not [r for r in result.lines if r.outcome is not LineOutcome.FAILED]


@pytest.mark.parametrize(
    ("status", "body", "code", "action", "submit_status"),
    [
        (500, b"", "HTTP_500", Action.RETRY, SubmitStatus.REJECTED),
        (502, b"<html>bad gateway</html>", "HTTP_502", Action.RETRY, SubmitStatus.REJECTED),
        (503, b'{"code":"UNAVAILABLE"}', "HTTP_503", Action.RETRY, SubmitStatus.REJECTED),
        (504, b"", "HTTP_504", Action.INQUIRE, SubmitStatus.UNKNOWN),
        (
            401,
            b'{"code":"SIGNATURE_INVALID","text":"x"}',
            "SIGNATURE_INVALID",
            Action.MANUAL,
            SubmitStatus.REJECTED,
        ),
        (401, b'{"code":"NONCE_REUSED"}', "NONCE_REUSED", Action.MANUAL, SubmitStatus.REJECTED),
        (400, b'{"code":"BAD_REQUEST"}', "BAD_REQUEST", Action.MANUAL, SubmitStatus.REJECTED),
        (404, b'{"code":"NOT_FOUND"}', "NOT_FOUND", Action.RETRY, SubmitStatus.REJECTED),
        (413, b"", "HTTP_413", Action.MANUAL, SubmitStatus.REJECTED),
        (418, b"teapot", "HTTP_418", Action.INQUIRE, SubmitStatus.UNKNOWN),
        (409, b'{"code":"SOMETHING_NEW"}', "HTTP_409", Action.INQUIRE, SubmitStatus.UNKNOWN),
    ],
)
def test_http_errors_map_to_actions(status, body, code, action, submit_status):
    """5xx → RETRY (504: INQUIRE), auth/schema refusals → MANUAL, 'no such message' → RETRY, odd → INQUIRE."""
    result = _status(body, status=status)
    assert (result.error.code, result.error.action, result.status) == (code, action, submit_status)
    assert result.lines == ()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"\x00\xffnot xml",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.002.001.10'><CstmrPmtStsRpt>",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.99"><CstmrPmtStsRpt/></Document>',
        b'{"GrpSts":"ACSC"}',
        b"<html><body>Service temporarily unavailable</body></html>",
    ],
    ids=["empty", "blank", "binary", "truncated", "xxe", "unknown-version", "json", "html"],
)
def test_garbage_is_unknown_never_accepted(body):
    """Anything that is not a readable pain.002 gives UNKNOWN with INQUIRE, for submit and status alike."""
    for parse in (ADAPTER.parse_submit_response, ADAPTER.parse_status_response):
        result = parse(WireResponse(200, body), SUB)
        assert result.status is SubmitStatus.UNKNOWN
        assert (result.error.code, result.error.action) == ("MALFORMED_RESPONSE", Action.INQUIRE)
        assert result.lines == ()


def test_camt054_in_answer_to_a_submission_is_malformed():
    """A notification where a status report is due is not an acknowledgement."""
    body = render_camt054(
        H.view(SUB, {}, returned={1: "DECEASED"}), msg_id="N1", created=H.NOW, bank_code="102"
    )
    result = ADAPTER.parse_submit_response(WireResponse(200, body), SUB)
    assert (result.status, result.error.code) == (SubmitStatus.UNKNOWN, "MALFORMED_RESPONSE")


def test_camt054_returns_carry_return_reason_and_original_reference():
    """A return after settlement is RETURNED with the return-list reason, amount and original reference."""
    view = H.view(SUB, {}, returned={4: "DECEASED", 6: "ACCOUNT_FROZEN"})
    body = render_camt054(view, msg_id="N1", created=H.NOW, bank_code="102", duplicate=True, reverse=True)
    result = _status(body)
    assert result.status is SubmitStatus.ACCEPTED
    got = [
        (r.seq, r.end_to_end_ref, r.outcome, r.reason, r.reason_code_list, r.amount_fen) for r in result.lines
    ]
    assert got == [
        (4, SUB.lines[3].end_to_end_ref, LineOutcome.RETURNED, FailureReason.DECEASED, "return", 250_000),
        (
            6,
            SUB.lines[5].end_to_end_ref,
            LineOutcome.RETURNED,
            FailureReason.ACCOUNT_FROZEN,
            "return",
            200_000,
        ),
    ]


def test_shared_sample_rejections_read_as_iso_says(formats_dir):
    """PostFinance's real pain.002 files: group AM10, block RJCT with a line AC01, and PART read correctly."""
    folder = formats_dir / "iso20022" / "pain.002"
    am10 = (folder / "ch_postfinance_pain002-epo_p_0_0_0_2018032614401842.xml").read_bytes()
    sub = H.submission(2, reference="MsgId-005")
    result = ADAPTER.parse_submit_response(WireResponse(200, am10), sub)
    assert (result.status, result.error.code, result.error.action) == (
        SubmitStatus.REJECTED,
        "AM10",
        Action.TERMINAL,
    )

    block = folder / "ch_postfinance_pain002-epo_p_ch2909000000250094239_1109800799_0_2018032612092784.xml"
    line = replace(H.lines(1)[0], end_to_end_ref="EndToEndId-006-01-01")
    sub = H.submission(lines=[line], reference="MsgId-006")
    result = _status(block.read_bytes(), sub=sub)
    assert _outcomes(result) == {1: (LineOutcome.FAILED, FailureReason.ACCOUNT_INVALID)}

    part = folder / "ch_postfinance_pain002-epo_p_ch5109000000250092291_1110097605_0_2018031511252307.xml"
    other = H.lines(2)[1]
    target = replace(line, end_to_end_ref="EndToEndId-001-03-04")
    sub = H.submission(lines=[target, other], reference="MsgId-001")
    result = _status(part.read_bytes(), sub=sub)
    assert _outcomes(result) == {
        1: (LineOutcome.FAILED, FailureReason.ACCOUNT_INVALID),
        2: (LineOutcome.UNKNOWN, None),
    }


def test_shared_sample_camt054_return_is_read(formats_dir):
    """PostFinance's camt.054 return (AC01) is RETURNED for our end-to-end id; its CHF amount is withheld."""
    path = next((formats_dir / "iso20022" / "camt.054").glob("ch_postfinance_camt054-returns_*"))
    line = replace(H.lines(1)[0], end_to_end_ref="EndToEndId-001-03-04")
    result = _status(path.read_bytes(), sub=H.submission(lines=[line], reference="MsgId-001"))
    assert [(r.outcome, r.reason, r.raw_code, r.amount_fen) for r in result.lines] == [
        (LineOutcome.RETURNED, FailureReason.ACCOUNT_INVALID, "AC01", None)
    ]
