"""The direct-link adapter: chunking, tables as documented, and every way an answer must not be accepted."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.contract import Action, AmountUnit, FailureReason, LineOutcome, SubmitStatus, WireResponse
from adapters.direct_link import (
    CARD_STATES,
    LINE_STATUSES,
    LOCAL_ACTIONS,
    RETURN_CODES,
    CardOutcome,
    CardRequest,
    DirectLinkAdapter,
    Funcode,
    amount_text,
    amount_value,
    canonical_json,
    open_envelope,
    seal,
)
from gateway.errors import InvalidInput, SilinkError

from .helpers import (
    BANK,
    GATEWAY,
    NONCE,
    OTHER,
    WRONG_SM4_KEY,
    cbc,
    direct_ctx,
    gcm,
    make_line,
    make_submission,
)

FORMAT = Path(__file__).resolve().parents[2] / "adapters" / "direct_link" / "FORMAT.md"
REF = "SLK000000000042"


def doc_table(name: str) -> list[list[str]]:
    """Rows of the table between ``<!-- name -->`` markers in FORMAT.md (header and rule dropped)."""
    text = FORMAT.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.S)
    assert block, f"FORMAT.md has no {name} table"
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.group(1).splitlines()]
    return rows[2:]


def answer(funcode: str, reqid: str, body: dict[str, Any], retcode: str = "0000", **kw: Any) -> WireResponse:
    head = {
        "funcode": funcode,
        "nonce": "b4c1e07d93a25f68",
        "reqid": reqid,
        "resptime": kw.pop("resptime", "20250105160002"),
        "retcode": retcode,
        "retmsg": kw.pop("retmsg", ""),
        "ver": "1",
    }
    data = seal(head, body, signer=kw.pop("signer", BANK), cipher=kw.pop("cipher", gcm()))
    return WireResponse(kw.pop("status", 200), data)


def submit_ok(sub, **kw: Any) -> WireResponse:
    return answer("PAYROLL_SUBMIT", sub.bank_reference, {"batchref": sub.bank_reference, "partno": 1}, **kw)


# --- rendering --------------------------------------------------------------------------------------


def test_chunking_13000_lines_at_6000_gives_three_chained_parts() -> None:
    """13,000 lines at CMB's 6,000 limit become 3 requests whose flags chain and whose totals add up."""
    sub = make_submission([make_line(i, amount_fen=100_000 + i) for i in range(1, 13_001)])
    ctx = direct_ctx({"max_lines": 6000})
    parts = DirectLinkAdapter().render_submission_parts(sub, ctx)
    assert len(parts) == 3
    opened = [open_envelope(m.body, verifier=GATEWAY.verifier(), cipher=ctx.cipher) for m in parts]
    summaries = [body["summary"] for _, body in opened]
    assert [(s["partno"], s["first"], s["last"]) for s in summaries] == [
        (1, True, False),
        (2, False, False),
        (3, False, True),
    ]
    assert [s["partlines"] for s in summaries] == [6000, 6000, 1000]
    assert {s["partcount"] for s in summaries} == {3}
    assert {s["batchref"] for s in summaries} == {REF}
    assert {head["reqid"] for head, _ in opened} == {REF}
    assert len({head["nonce"] for head, _ in opened}) == 3  # the bank's replay check accepts each part
    part_fen = [amount_value(s["partamt"], AmountUnit.YUAN) for s in summaries]
    assert sum(part_fen) == sub.control_sum_fen
    assert {amount_value(s["totalamt"], AmountUnit.YUAN) for s in summaries} == {sub.control_sum_fen}
    assert {s["totalcount"] for s in summaries} == {13_000}
    seqs = [row["seq"] for _, body in opened for row in body["lines"]]
    assert seqs == list(range(1, 13_001))  # the join key continues across parts
    for (_, body), fen in zip(opened, part_fen, strict=True):
        assert sum(amount_value(row["amt"], AmountUnit.YUAN) for row in body["lines"]) == fen
    assert [m.headers["X-Silink-Part"] for m in parts] == ["1/3", "2/3", "3/3"]


def test_render_submission_refuses_what_needs_parts() -> None:
    """render_submission never sends part 1 alone: over the limit it points to render_submission_parts."""
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().render_submission(make_submission(3), direct_ctx({"max_lines": 2}))
    assert err.value.reason == "SUBMISSION_NEEDS_PARTS"


def test_single_part_keeps_the_context_nonce() -> None:
    """A one-part submission is one request carrying the context's nonce unchanged."""
    ctx = direct_ctx()
    (message,) = DirectLinkAdapter().render_submission_parts(make_submission(2), ctx)
    head, _ = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=ctx.cipher)
    assert head["nonce"] == NONCE and head["reqid"] == REF


@pytest.mark.parametrize(
    ("sub", "reason"),
    [
        (dataclasses.replace(make_submission(2), control_sum_fen=1), "CONTROL_SUM_MISMATCH"),
        (make_submission([]), "SUBMISSION_INVALID"),
        (make_submission([make_line(1), make_line(1)]), "SUBMISSION_INVALID"),
        (make_submission([make_line(1, amount_fen=0)]), "SUBMISSION_INVALID"),
        (make_submission(1, reference="X" * 36), "SUBMISSION_INVALID"),
    ],
    ids=["control sum", "empty", "repeated seq", "zero amount", "reference too long"],
)
def test_submissions_that_must_not_go_out_are_refused(sub, reason: str) -> None:
    """A wrong control sum, no lines, repeated sequence, non-positive amount or long reference is refused."""
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().render_submission(sub, direct_ctx())
    assert err.value.reason == reason


def test_refusals_never_show_personal_data() -> None:
    """Refusal messages name lines and fields, never accounts, ID numbers or names."""
    line = make_line(1, amount_fen=-5)
    with pytest.raises(SilinkError) as err:
        DirectLinkAdapter().render_submission(make_submission([line]), direct_ctx())
    text = str(err.value) + repr(err.value.metadata)
    assert line.account not in text and line.id_number not in text and line.name not in text


@pytest.mark.parametrize(
    ("fen", "yuan", "fen_text"),
    [(1, "0.01", "1"), (10, "0.10", "10"), (100, "1.00", "100"), (123456789, "1234567.89", "123456789")],
)
def test_amounts_convert_by_integer_arithmetic(fen: int, yuan: str, fen_text: str) -> None:
    """Fen becomes yuan text with two decimals or fen text, and reads back to the same fen."""
    assert amount_text(fen, AmountUnit.YUAN) == yuan
    assert amount_text(fen, AmountUnit.FEN) == fen_text
    assert amount_value(yuan, AmountUnit.YUAN) == fen
    assert amount_value(fen_text, AmountUnit.FEN) == fen


@pytest.mark.parametrize(
    "text", ["1.5", "1", "1.005", "-1.00", "01.00", "1e3", " 1.00", "１.00", 1.5, 150, None]
)
def test_yuan_amounts_are_read_strictly(text: object) -> None:
    """Anything but digits, a point and exactly two decimals (as a string) is not a yuan amount."""
    assert amount_value(text, AmountUnit.YUAN) is None


def test_fen_unit_and_name_check_settings_reach_the_body() -> None:
    """amount_unit=fen writes integer fen text; send_id with name_check=false sends namechk N."""
    ctx = direct_ctx({"amount_unit": "fen", "send_id": True, "name_check": False})
    message = DirectLinkAdapter().render_submission(make_submission([make_line(1, amount_fen=123_456)]), ctx)
    _, body = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=ctx.cipher)
    assert body["lines"][0]["amt"] == "123456" and body["summary"]["unit"] == "FEN"
    assert body["lines"][0]["namechk"] == "N" and body["lines"][0]["idtype"] == "01"


def test_ids_are_not_sent_unless_the_bank_wants_them() -> None:
    """Without send_id, no ID type, ID number or name-check flag leaves the gateway."""
    ctx = direct_ctx()
    message = DirectLinkAdapter().render_submission(make_submission(1), ctx)
    _, body = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=ctx.cipher)
    assert not {"idtype", "idno", "namechk"} & set(body["lines"][0])


def test_queries_get_fresh_request_ids() -> None:
    """A status query's reqid comes from the message nonce, not from the batch reference."""
    ctx = direct_ctx()
    message = DirectLinkAdapter().render_status_query(make_submission(1), ctx)
    head, body = open_envelope(message.body, verifier=GATEWAY.verifier(), cipher=ctx.cipher)
    assert head["reqid"] == "Q" + NONCE and body == {"batchref": REF, "querytype": "DETAIL"}


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"amount_unit": "cents"}, "amount_unit"),
        ({"cipher": "AES-256-GCM"}, "cipher"),
        ({"max_lines": 0}, "max_lines"),
        ({"send_id": "yes"}, "send_id"),
        ({"status_aliases": {"7": "PAID"}}, "status_aliases"),
        ({"return_codes": {"77": "retry later"}}, "return_codes"),
        ({"base_path": "api"}, "base_path"),
    ],
)
def test_bad_settings_are_refused_with_their_name(settings: dict[str, Any], key: str) -> None:
    """Each bad bank setting is CONFIG_INVALID naming the setting."""
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter(settings)
    assert err.value.reason == "CONFIG_INVALID" and err.value.metadata["setting"] == key


def test_sending_needs_a_user_id_and_the_configured_cipher() -> None:
    """No user_id, or a context cipher other than the profile's, is refused before signing."""
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().render_submission(make_submission(1), direct_ctx({"user_id": ""}))
    assert err.value.metadata["setting"] == "user_id"
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().render_submission(make_submission(1), direct_ctx(cipher=cbc()))
    assert err.value.metadata["setting"] == "cipher"


# --- reading answers --------------------------------------------------------------------------------


def test_submit_accepted() -> None:
    """A signed 0000 answer for our reference is ACCEPTED with the bank's batch number."""
    sub = make_submission(2)
    body = {"bankbatch": "B1", "batchref": REF, "partno": 1}
    result = DirectLinkAdapter.bind(direct_ctx()).parse_submit_response(
        answer("PAYROLL_SUBMIT", REF, body), sub
    )
    assert (
        result.status is SubmitStatus.ACCEPTED
        and result.bank_batch_reference == "B1"
        and result.error is None
    )


@pytest.mark.parametrize(
    ("response", "code", "action"),
    [
        (lambda sub: submit_ok(sub, signer=OTHER), "SILINK_SIGNATURE_INVALID", Action.MANUAL),
        (lambda sub: submit_ok(sub, cipher=gcm(WRONG_SM4_KEY)), "SILINK_DECRYPTION_FAILED", Action.MANUAL),
        (lambda sub: submit_ok(sub, cipher=cbc()), "SILINK_ALGORITHM_MISMATCH", Action.MANUAL),
        (lambda sub: submit_ok(sub, status=502), "SILINK_HTTP_STATUS", Action.INQUIRE),
        (
            lambda sub: WireResponse(200, b"<html>gateway timeout</html>"),
            "SILINK_ENVELOPE_MALFORMED",
            Action.INQUIRE,
        ),
        (lambda sub: WireResponse(200, b""), "SILINK_ENVELOPE_MALFORMED", Action.INQUIRE),
        (
            lambda sub: answer("PAYROLL_SUBMIT", "SLK999", {"batchref": REF}),
            "SILINK_REFERENCE_MISMATCH",
            Action.MANUAL,
        ),
        (
            lambda sub: answer("PAYROLL_SUBMIT", REF, {"batchref": "SLK9"}),
            "SILINK_REFERENCE_MISMATCH",
            Action.MANUAL,
        ),
        (lambda sub: answer("PAYROLL_QUERY", REF, {"batchref": REF}), "SILINK_BODY_MALFORMED", Action.MANUAL),
        (lambda sub: submit_ok(sub, resptime="20250105154000"), "SILINK_STALE_RESPONSE", Action.MANUAL),
        (lambda sub: submit_ok(sub, resptime="2025-01-05"), "SILINK_BODY_MALFORMED", Action.MANUAL),
    ],
    ids=[
        "tampered/foreign signature",
        "wrong SM4 key",
        "downgraded cipher",
        "HTTP 502",
        "not an envelope",
        "empty body",
        "other reqid",
        "other batch",
        "other function",
        "stale",
        "bad time stamp",
    ],
)
def test_unusable_answers_are_never_accepted(response, code: str, action: Action) -> None:
    """Bad signatures, wrong keys, foreign or stale answers leave the submission UNKNOWN, precisely named."""
    sub = make_submission(1)
    result = DirectLinkAdapter.bind(direct_ctx()).parse_submit_response(response(sub), sub)
    assert result.status is SubmitStatus.UNKNOWN
    assert result.error is not None and (result.error.code, result.error.action) == (code, action)
    assert result.lines == ()


@pytest.mark.parametrize(
    ("retcode", "status", "action"),
    [
        ("1001", SubmitStatus.REJECTED, Action.RETRY),
        ("3003", SubmitStatus.REJECTED, Action.TERMINAL),
        ("2002", SubmitStatus.REJECTED, Action.MANUAL),
        ("3006", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("-9", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("9999", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("3", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("7777", SubmitStatus.UNKNOWN, Action.INQUIRE),
    ],
)
def test_return_codes_decide_the_submission(retcode: str, status: SubmitStatus, action: Action) -> None:
    """Busy → REJECTED/RETRY; business → REJECTED/TERMINAL; suspect, duplicate, unknown → UNKNOWN/INQUIRE."""
    sub = make_submission(1)
    result = DirectLinkAdapter.bind(direct_ctx()).parse_submit_response(
        answer("PAYROLL_SUBMIT", REF, {}, retcode=retcode, retmsg="银行说明"), sub
    )
    assert result.status is status and result.error is not None
    assert (result.error.code, result.error.text, result.error.action) == (retcode, "银行说明", action)


def test_status_rows_join_by_sequence_and_bad_rows_are_set_aside() -> None:
    """Rows for unknown or repeated lines, other references or bad amounts are left out and flagged MANUAL."""
    sub = make_submission(3)
    amt = [amount_text(line.amount_fen, AmountUnit.YUAN) for line in sub.lines]
    rows = [
        {"seq": 1, "status": "S", "amt": amt[0]},
        {"seq": 1, "status": "S", "amt": amt[0]},
        {"seq": 9, "status": "S", "amt": "1.00"},
        {"seq": 2, "status": "S", "amt": amt[1], "ref": "S00000B000000002"},
        {"seq": 3, "status": "E", "amt": 150111, "errmsg": "户名不符"},  # amounts are text
        "not a row",
    ]
    body = {
        "batchref": REF,
        "batchstatus": "P",
        "lines": rows,
        "totalcount": 3,
        "totalamt": amount_text(sub.control_sum_fen, AmountUnit.YUAN),
        "succount": 1,
        "sucamt": amt[0],
        "failcount": 0,
        "failamt": "0.00",
    }
    result = DirectLinkAdapter.bind(direct_ctx()).parse_status_response(
        answer("PAYROLL_QUERY", "Q1", body), sub
    )
    assert result.status is SubmitStatus.ACCEPTED
    assert [(r.seq, r.outcome) for r in result.lines] == [(1, LineOutcome.PAID)]
    assert result.error is not None and result.error.action is Action.MANUAL
    assert result.error.code == "SILINK_UNKNOWN_LINE"
    assert [f"row {n}:" in result.error.text for n in range(2, 7)] == [True] * 5  # each bad row is named


def test_floats_make_the_whole_answer_unusable() -> None:
    """A float anywhere in a decrypted answer makes it BODY_MALFORMED (MANUAL), never half-read."""
    sub = make_submission(1)
    head = {
        "funcode": "PAYROLL_SUBMIT",
        "nonce": "n",
        "reqid": REF,
        "resptime": "20250105160002",
        "retcode": "0000",
        "retmsg": "",
        "ver": "1",
    }
    body = {"batchref": REF, "partno": 1, "lines": [{"seq": 1, "status": "S", "amt": 1500.37}]}
    # seal() cannot write a float, so the bank's plaintext is built by hand with the right SM4 key.
    plaintext = json.dumps({"body": body, "sig": "AA=="}).encode()
    blob = gcm().encrypt(plaintext, canonical_json(head))
    envelope = {
        "encalg": "SM4-GCM",
        "encrypted": base64.b64encode(blob).decode(),
        "head": head,
        "sigalg": "SM3withSM2",
    }
    result = DirectLinkAdapter.bind(direct_ctx()).parse_submit_response(
        WireResponse(200, canonical_json(envelope)), sub
    )
    assert result.status is SubmitStatus.UNKNOWN and result.lines == ()
    assert result.error is not None
    assert (result.error.code, result.error.action) == ("SILINK_BODY_MALFORMED", Action.MANUAL)


def test_totals_that_disagree_are_flagged() -> None:
    """Batch figures that differ from ours or from the rows keep the rows but add a MANUAL error."""
    sub = make_submission(2)
    amt = [amount_text(line.amount_fen, AmountUnit.YUAN) for line in sub.lines]
    body = {
        "batchref": REF,
        "batchstatus": "F",
        "totalcount": 2,
        "totalamt": "1.00",
        "succount": 2,
        "sucamt": "0.00",
        "failcount": 0,
        "failamt": "0.00",
        "lines": [{"seq": 1, "status": "S", "amt": amt[0]}, {"seq": 2, "status": "S", "amt": amt[1]}],
    }
    result = DirectLinkAdapter.bind(direct_ctx()).parse_status_response(
        answer("PAYROLL_QUERY", "Q1", body), sub
    )
    assert [r.outcome for r in result.lines] == [LineOutcome.PAID, LineOutcome.PAID]
    assert result.error is not None and result.error.code == "SILINK_TOTALS_MISMATCH"


def test_reading_needs_the_banks_keys() -> None:
    """An unbound adapter without ctx refuses to read (it could not verify anything)."""
    sub = make_submission(1)
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().parse_submit_response(submit_ok(sub), sub)
    assert err.value.reason == "ADAPTER_CONTEXT_REQUIRED"
    result = DirectLinkAdapter().parse_submit_response(submit_ok(sub), sub, ctx=direct_ctx())
    assert result.status is SubmitStatus.ACCEPTED


def test_cbc_profile_round_trip() -> None:
    """A bank on SM4-CBC gets CBC requests and its CBC answers are read."""
    ctx = direct_ctx({"cipher": "SM4-CBC"}, cipher=cbc())
    adapter = DirectLinkAdapter.bind(ctx)
    assert adapter.capabilities.encryption_algorithm == "SM4-CBC"
    sub = make_submission(1)
    message = adapter.render_submission(sub, ctx)
    assert b'"encalg":"SM4-CBC"' in message.body
    assert adapter.parse_submit_response(submit_ok(sub, cipher=cbc()), sub).status is SubmitStatus.ACCEPTED


# --- tables as documented -----------------------------------------------------------------------------


def test_every_documented_line_status_maps_as_documented() -> None:
    """FORMAT.md's line-status table and the code's table are the same, row for row."""
    rows = doc_table("line-statuses")
    adapter = DirectLinkAdapter()
    assert {status: LineOutcome[outcome] for status, outcome in rows} == dict(LINE_STATUSES)
    for status, outcome in rows:
        assert adapter.map_status(status) is LineOutcome[outcome]


@pytest.mark.parametrize("raw", ["", "X", "s", "SUCCESS", "7", " S"])
def test_unknown_statuses_are_unknown(raw: str) -> None:
    """A status outside the table is UNKNOWN, never PAID."""
    assert DirectLinkAdapter().map_status(raw) is LineOutcome.UNKNOWN


def test_status_aliases_map_a_banks_own_letters() -> None:
    """ICBC-style 0/6/7 map through status_aliases; other values stay UNKNOWN."""
    adapter = DirectLinkAdapter({"status_aliases": {"0": "A", "6": "E", "7": "S"}})
    assert [adapter.map_status(s) for s in "0678"] == [
        LineOutcome.PENDING,
        LineOutcome.FAILED,
        LineOutcome.PAID,
        LineOutcome.UNKNOWN,
    ]


def test_every_documented_return_code_maps_as_documented() -> None:
    """FORMAT.md's return-code table and the code's table agree on every code, meaning and action."""
    rows = doc_table("return-codes")
    assert {code for code, _, _ in rows} == set(RETURN_CODES)
    adapter = DirectLinkAdapter()
    for code, meaning, action in rows:
        assert RETURN_CODES[code].meaning == meaning
        error = adapter.map_error(code)
        assert (error.code, error.text, error.action) == (code, meaning, Action(action))


def test_every_documented_local_code_maps_as_documented() -> None:
    """FORMAT.md's local-error table and LOCAL_ACTIONS agree; map_error knows them too."""
    rows = doc_table("local-codes")
    assert {code: Action(action) for code, _, action in rows} == dict(LOCAL_ACTIONS)
    for code, _, action in rows:
        assert DirectLinkAdapter().map_error(code).action is Action(action)


def test_every_documented_card_state_maps_as_documented() -> None:
    """FORMAT.md's card-state table is the code's table."""
    assert dict(doc_table("card-states")) == dict(CARD_STATES)


@pytest.mark.parametrize("code", ["", "0001", "E999", "-1", "99999", "9"])
def test_unknown_codes_inquire_and_never_retry(code: str) -> None:
    """A code outside the table is INQUIRE: ask by our reference, never resend blindly."""
    assert DirectLinkAdapter().map_error(code, "未知错误").action is Action.INQUIRE


def test_no_table_code_retries_unless_the_request_was_not_taken() -> None:
    """Only 1xxx (not taken) and 3010 (no such batch, bank de-duplicates) are RETRY."""
    assert {c for c, row in RETURN_CODES.items() if row.action is Action.RETRY} == {
        "1001",
        "1002",
        "1003",
        "3010",
    }


def test_return_code_overrides_apply() -> None:
    """A bank's return_codes setting adds or overrides a code's action."""
    adapter = DirectLinkAdapter({"return_codes": {"E100": "retry", "3001": "terminal"}})
    assert adapter.map_error("E100").action is Action.RETRY
    assert adapter.map_error("3001").action is Action.TERMINAL


def test_terminal_codes_name_the_failure_reason() -> None:
    """3003/3004 fail the lines with CONTROL_SUM_ERROR; non-terminal codes carry no reason."""
    adapter = DirectLinkAdapter()
    assert adapter.failure_reason("3004") is FailureReason.CONTROL_SUM_ERROR
    assert adapter.failure_reason("1001") is None and adapter.failure_reason("nope") is None
    for code, row in RETURN_CODES.items():
        assert (row.reason is not None) == (row.action is Action.TERMINAL), code


# --- card services ------------------------------------------------------------------------------------


def _card(funcode: Funcode, **kw: Any) -> CardRequest:
    return CardRequest(funcode, "REQ-1", "11010519491231002X", "王堃", "B41537138", **kw)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (_card(Funcode.CARD_LOSS), "loss_kind"),
        (_card(Funcode.ACCOUNT_CHANGE), "new_account"),
        (_card(Funcode.ACCOUNT_CLOSE), "close_reason"),
        (_card(Funcode.ACCOUNT_CLOSE, close_reason="BANKRUPT"), "close_reason"),
        (_card(Funcode.PAYROLL_QUERY), "funcode"),
        (CardRequest(Funcode.CARD_STATUS, "REQ-1", "", "王堃", "B41537138"), "id_number"),
        (_card(Funcode.CARD_STATUS, id_type="PASSPORT"), "id_type"),
    ],
)
def test_incomplete_card_requests_are_refused(request_: CardRequest, field: str) -> None:
    """A card call missing what its function needs is refused naming the field."""
    with pytest.raises(InvalidInput) as err:
        DirectLinkAdapter().render_card_request(request_, direct_ctx())
    assert err.value.reason == "CARD_REQUEST_INVALID" and err.value.metadata["field"] == field


def test_card_answer_for_another_card_is_not_used() -> None:
    """A card answer naming another card number is UNKNOWN, with its state ignored."""
    request = _card(Funcode.CARD_STATUS)
    response = answer("CARD_STATUS", "REQ-1", {"cardno": "B00000001", "cardstate": "0", "opstatus": "S"})
    result = DirectLinkAdapter.bind(direct_ctx()).parse_card_response(response, request)
    assert result.outcome is CardOutcome.UNKNOWN and result.bank_state == ""
    assert result.error is not None and result.error.code == "SILINK_REFERENCE_MISMATCH"


@pytest.mark.parametrize(("state", "name"), [("9", "UNKNOWN"), ("0", "NORMAL"), ("", "")])
def test_card_states_outside_the_table_are_unknown(state: str, name: str) -> None:
    """A card state the table lacks is UNKNOWN, never NORMAL."""
    request = _card(Funcode.CARD_STATUS)
    response = answer("CARD_STATUS", "REQ-1", {"cardno": "B41537138", "cardstate": state, "opstatus": "S"})
    assert DirectLinkAdapter.bind(direct_ctx()).parse_card_response(response, request).bank_state == name


def test_card_request_repr_is_masked() -> None:
    """A card request prints no ID number and no name."""
    text = repr(_card(Funcode.CARD_STATUS))
    assert "11010519491231002X" not in text and "王堃" not in text


def test_capabilities_follow_the_profile() -> None:
    """Capabilities declare the protocol, the bank's limit and unit, SM2/SM4 and card services."""
    caps = DirectLinkAdapter({"max_lines": 6000, "amount_unit": "fen"}).capabilities
    assert (caps.protocol, caps.max_lines_per_submission, caps.amount_unit) == (
        "direct_link_json",
        6000,
        AmountUnit.FEN,
    )
    assert (caps.signature_algorithm, caps.encryption_algorithm, caps.hash_algorithm) == (
        "SM2-SM3",
        "SM4-GCM",
        "SM3",
    )
    assert caps.status_query and caps.returns and caps.card_services and caps.bank_dedupes_on_reference


def test_documented_http_refusals_retry_and_other_statuses_inquire() -> None:
    """FORMAT.md's HTTP table is the code's: 503/429 refuse before processing (RETRY); 500/502/504 INQUIRE."""
    from adapters.direct_link._codes import HTTP_ACTIONS

    rows = doc_table("http-codes")
    assert {code: Action(action) for code, _, action in rows} == dict(HTTP_ACTIONS)
    sub = make_submission(1)
    adapter = DirectLinkAdapter.bind(direct_ctx())
    for status, code, action in (
        (503, "HTTP_503", Action.RETRY),
        (429, "HTTP_429", Action.RETRY),
        (500, "SILINK_HTTP_STATUS", Action.INQUIRE),
        (504, "SILINK_HTTP_STATUS", Action.INQUIRE),
    ):
        result = adapter.parse_submit_response(WireResponse(status, b"{}"), sub)
        assert (result.error.code, result.error.action) == (code, action), status
        assert result.status is (SubmitStatus.REJECTED if action is Action.RETRY else SubmitStatus.UNKNOWN)


def test_rows_in_any_order_read_in_our_order() -> None:
    """A query answer listing lines in reverse order gives the line results in our sequence order."""
    sub = make_submission(3)
    rows = [
        {"seq": n, "ref": sub.lines[n - 1].end_to_end_ref, "status": "A", "amt": "0.00"} for n in (3, 2, 1)
    ]
    for row, line in zip(rows, reversed(sub.lines), strict=True):
        row["amt"] = f"{line.amount_fen // 100}.{line.amount_fen % 100:02d}"
    body = {
        "batchref": sub.bank_reference,
        "batchstatus": "P",
        "totalcount": 3,
        "totalamt": f"{sub.control_sum_fen // 100}.{sub.control_sum_fen % 100:02d}",
        "succount": 0,
        "sucamt": "0.00",
        "failcount": 0,
        "failamt": "0.00",
        "lines": rows,
    }
    response = answer("PAYROLL_QUERY", "Q" + NONCE, body)
    result = DirectLinkAdapter.bind(direct_ctx()).parse_status_response(response, sub)
    assert [r.seq for r in result.lines] == [1, 2, 3]
    assert result.error is None
