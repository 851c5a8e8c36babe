"""回执 and 回盘 reading: signatures, content hash, line errors with line and column, totals, manual marks."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.contract import Action, FailureReason, LineOutcome, SubmitStatus, WireResponse
from adapters.fixed_width import (
    BUILTIN,
    LOCAL_ACTIONS,
    MANUAL_MARK_INVALID,
    RETURN_CODES,
    SIGNATURE_HEADER,
    FileProfile,
    FixedWidthAdapter,
    ManualMark,
    content_hash,
    decode_record,
    encode_record,
)
from gateway.errors import InvalidInput, LineRejected

from .helpers import BANK, OTHER, check_golden, file_ctx, golden_bytes, make_line, make_submission, pretty

FORMAT = Path(__file__).resolve().parents[2] / "adapters" / "fixed_width" / "FORMAT.md"
REF = "SLK000000000042"
GBK = BUILTIN["default"]
GB18030 = BUILTIN["gb18030-decimal"]
GBK_SETTINGS = {"bank_code": "308", "file_profile": "default"}
GB18030_SETTINGS = {"bank_code": "403"}
SUB = make_submission(
    [make_line(1, "张三"), make_line(2, "王堃"), make_line(3, "欧阳娜娜"), make_line(4, "Li Lei")]
)
RARE_SUB = make_submission(
    [make_line(1, "赵䶮"), make_line(2, "王堃"), make_line(3, "𠮷田花子")], bank_code="403"
)


# --- the bank's side: writing result and receipt files ------------------------------------------------


def row(n: int, status: str, text: str = "", code: str = "", sub=SUB, **kw: Any) -> dict[str, Any]:
    """The bank's result row for our line ``n`` (``kw`` overrides what the bank echoes)."""
    line = sub.lines[n - 1]
    return {
        "seq": n,
        "end_to_end_ref": line.end_to_end_ref,
        "account": line.account,
        "name": line.name,
        "amount": line.amount_fen,
        "status": status,
        "reason_code": code,
        "reason_text": text,
        "value_date": "20250106" if status == "S" else "",
        **kw,
    }


def records(profile: FileProfile, rows: list[dict[str, Any]], batch_ref: str = REF) -> list[bytes]:
    """Header, details and trailer of a result file whose totals agree with its rows."""
    enc, form = profile.encoding, profile.amount_form
    total = sum(r["amount"] for r in rows)
    paid = [r["amount"] for r in rows if r["status"] == "S"]
    failed = [r["amount"] for r in rows if r["status"] == "E"]
    header = {
        "bank_code": "308",
        "batch_ref": batch_ref,
        "part_no": 1,
        "result_date": "20250106",
        "total_count": len(rows),
        "total_amount": total,
    }
    trailer = {
        "total_count": len(rows),
        "total_amount": total,
        "success_count": len(paid),
        "success_amount": sum(paid),
        "fail_count": len(failed),
        "fail_amount": sum(failed),
    }
    return [
        encode_record(profile.record("result_header"), header, enc, form),
        *(encode_record(profile.record("result_detail"), r, enc, form) for r in rows),
        encode_record(profile.record("result_trailer"), trailer, enc, form),
    ]


def join(recs: list[bytes]) -> bytes:
    return b"\r\n".join(recs) + b"\r\n"


def signed(data: bytes, signer=BANK) -> WireResponse:
    return WireResponse(0, data, {SIGNATURE_HEADER: base64.b64encode(signer.sign(data)).decode()})


def adapter(settings: dict[str, Any] = GBK_SETTINGS) -> FixedWidthAdapter:
    return FixedWidthAdapter.bind(file_ctx(settings))


CLEAN_ROWS = [
    row(1, "S"),
    row(2, "E", "户名与账号不符", "E101"),
    row(3, "E", "账户已冻结", "E204"),
    row(4, "A"),
]


def doc_table(name: str) -> list[list[str]]:
    text = FORMAT.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {name} -->\n(.*?)<!-- /{name} -->", text, re.S)
    assert block, f"FORMAT.md has no {name} table"
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.group(1).splitlines()][
        2:
    ]


# --- golden files -----------------------------------------------------------------------------------------


def _malformed_gb18030() -> bytes:
    recs = records(
        GB18030, [row(1, "S", sub=RARE_SUB), row(2, "E", "证件过期", sub=RARE_SUB), row(3, "S", sub=RARE_SUB)]
    )
    detail = GB18030.record("result_detail")
    amount_at = detail.offsets[[f.name for f in detail.fields].index("amount")]
    recs[2] = recs[2][:amount_at] + b"     15O0.74   " + recs[2][amount_at + 15 :]  # letter O in the amount
    return join(recs)


RESULT_FILES = {
    "result_gbk": (GBK_SETTINGS, SUB, lambda: join(records(GBK, CLEAN_ROWS))),
    "result_gb18030_malformed": (GB18030_SETTINGS, RARE_SUB, _malformed_gb18030),
}


@pytest.mark.parametrize("name", list(RESULT_FILES))
def test_result_file_golden(name: str) -> None:
    """A stored, bank-signed 回盘 file reads to its golden ResultFile (lines, errors, content hash)."""
    settings, sub, make = RESULT_FILES[name]
    data = golden_bytes(f"fixed_width/{name}.txt", make)
    sig = golden_bytes(f"fixed_width/{name}.txt.sig", lambda: BANK.sign(data))
    result = adapter(settings).parse_result_file(data, sig, sub)
    check_golden(f"fixed_width/{name}.parsed.json", pretty(result))


def test_receipt_and_poll_golden() -> None:
    """The stored receipt reads to its golden SubmitResult; the status poll renders to its golden form."""
    values = {
        "batch_ref": REF,
        "part_no": 1,
        "retcode": "0000",
        "retmsg": "文件已受理",
        "total_count": 4,
        "total_amount": SUB.control_sum_fen,
    }
    rec = encode_record(GBK.record("receipt"), values, "gbk", GBK.amount_form)
    data = golden_bytes("fixed_width/receipt_ok.txt", lambda: rec + b"\r\n")
    sig = golden_bytes("fixed_width/receipt_ok.txt.sig", lambda: BANK.sign(data))
    response = WireResponse(0, data, {SIGNATURE_HEADER: base64.b64encode(sig).decode()})
    check_golden("fixed_width/receipt_ok.parsed.json", pretty(adapter().parse_submit_response(response, SUB)))
    poll = adapter().render_status_query(SUB, file_ctx(GBK_SETTINGS))
    view = {
        "path": poll.path,
        "content_type": poll.content_type,
        "headers": dict(poll.headers),
        "body": poll.body.decode(),
    }
    check_golden("fixed_width/status_poll.json", pretty(view))


# --- reading results ----------------------------------------------------------------------------------------


def test_clean_result_file() -> None:
    """Statuses map S/E/A, failure texts become reasons, raw codes and texts are kept; no errors."""
    data = join(records(GBK, CLEAN_ROWS))
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert result.clean and result.detail_records == 4 and result.batch_ref == REF
    assert [(r.seq, r.outcome, r.reason) for r in result.lines] == [
        (1, LineOutcome.PAID, None),
        (2, LineOutcome.FAILED, FailureReason.NAME_MISMATCH),
        (3, LineOutcome.FAILED, FailureReason.ACCOUNT_FROZEN),
        (4, LineOutcome.PENDING, None),
    ]
    assert (result.lines[1].raw_code, result.lines[1].raw_text) == ("E101", "户名与账号不符")
    assert result.lines[0].raw_code == "S" and result.lines[0].value_date == "20250106"


def test_one_malformed_line_leaves_the_others_readable() -> None:
    """A detail line with a broken amount is one line error (line 3, its byte column); the rest are read."""
    recs = records(GBK, CLEAN_ROWS)
    detail = GBK.record("result_detail")
    at = detail.offsets[5]  # amount: bytes 118–132
    recs[2] = recs[2][:at] + b"00000000015X074" + recs[2][at + 15 :]
    data = join(recs)
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert [r.seq for r in result.lines] == [1, 3, 4]
    (error,) = result.line_errors
    # Column of the X: the amount field starts at byte 118 and the X is its 12th byte.
    assert (error.line, error.column, error.field, error.reason) == (
        3,
        at + 12,
        "amount",
        "FIELD_NOT_NUMERIC",
    )
    assert str(error).startswith("line 3, column 129, amount:")
    assert [i.code for i in result.file_errors] == ["CONTROL_SUM_UNCHECKED", "CONTROL_SUM_UNCHECKED"]


def test_short_line_reports_where_it_ends() -> None:
    """A detail line cut 3 bytes short is RECORD_LENGTH at the column where it ends, in the field it cut."""
    recs = records(GBK, CLEAN_ROWS)
    recs[1] = recs[1][:-3]
    data = join(recs)
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    (error,) = result.line_errors
    assert (error.line, error.column, error.field, error.reason) == (2, 207, "value_date", "RECORD_LENGTH")
    assert [r.seq for r in result.lines] == [2, 3, 4]


def test_a_character_cut_at_a_field_edge_is_reported_at_its_byte() -> None:
    """A name whose last GBK character lost its trail byte is FIELD_NOT_DECODABLE at that byte's column."""
    recs = records(GBK, CLEAN_ROWS)
    name_at = GBK.record("result_detail").offsets[4]  # name: bytes 58–117
    row2 = bytearray(recs[2])
    row2[name_at + 3] = 0x20  # 王堃 is 4 bytes: blank out 堃's trail byte
    recs[2] = bytes(row2)
    data = join(recs)
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    (error,) = result.line_errors
    assert (error.line, error.field, error.reason) == (3, "name", "FIELD_NOT_DECODABLE")
    assert error.column == name_at + 3  # 1-based column of 堃's lead byte, the start of the bad sequence
    assert "王堃" not in str(error)


def test_line_errors_never_show_clear_accounts() -> None:
    """A line whose echoed account differs from ours is refused with the account masked."""
    rows = [row(1, "S", account="6222029999999999999"), *CLEAN_ROWS[1:]]
    data = join(records(GBK, rows))
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    (error,) = result.line_errors
    assert error.reason == "ACCOUNT_MISMATCH" and error.column == 26
    assert "6222029999999999999" not in str(error) and error.value_masked == "622202*********9999"


@pytest.mark.parametrize(
    ("rows", "reason", "field"),
    [
        ([row(1, "S"), row(1, "S")], "DUPLICATE_LINE", "seq"),
        ([row(1, "S", seq=9)], "UNKNOWN_LINE", "seq"),
        ([row(1, "S", end_to_end_ref="S00000B000000001")], "REF_MISMATCH", "end_to_end_ref"),
        ([row(1, "S", amount=1)], "AMOUNT_MISMATCH", "amount"),
    ],
    ids=["repeated", "not ours", "other reference", "other amount"],
)
def test_lines_that_do_not_join_are_not_used(rows: list[dict[str, Any]], reason: str, field: str) -> None:
    """Repeated lines, lines we did not send, other references or other amounts are line errors."""
    data = join(records(GBK, rows))
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert result.line_errors[-1].reason == reason and result.line_errors[-1].field == field
    assert len(result.lines) == len(rows) - 1


def test_trailer_count_and_sum_mismatches_are_reported() -> None:
    """A trailer counting one line too many and summing 1 fen too much is reported twice, precisely."""
    recs = records(GBK, CLEAN_ROWS)
    total = sum(r["amount"] for r in CLEAN_ROWS)
    failed = CLEAN_ROWS[1]["amount"] + CLEAN_ROWS[2]["amount"]
    trailer = {
        "total_count": 5,
        "total_amount": total + 1,
        "success_count": 1,
        "success_amount": CLEAN_ROWS[0]["amount"],
        "fail_count": 2,
        "fail_amount": failed,
    }
    recs[-1] = encode_record(GBK.record("result_trailer"), trailer, "gbk", GBK.amount_form)
    data = join(recs)
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    messages = {i.code: i.message for i in result.file_errors}
    assert messages == {
        "COUNT_MISMATCH": "the trailer counts 5 details, the file has 4",
        "CONTROL_SUM_MISMATCH": f"the trailer control sum is {total + 1} fen, the details add up to {total}",
    }
    assert len(result.lines) == 4  # the lines themselves are fine


def test_success_totals_must_match_the_rows() -> None:
    """A trailer whose success figures disagree with the S rows is a CONTROL_SUM_MISMATCH."""
    recs = records(GBK, CLEAN_ROWS)
    total = sum(r["amount"] for r in CLEAN_ROWS)
    trailer = {
        "total_count": 4,
        "total_amount": total,
        "success_count": 2,
        "success_amount": 1,
        "fail_count": 2,
        "fail_amount": CLEAN_ROWS[1]["amount"] + CLEAN_ROWS[2]["amount"],
    }
    recs[-1] = encode_record(GBK.record("result_trailer"), trailer, "gbk", GBK.amount_form)
    data = join(recs)
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert [i.code for i in result.file_errors] == ["CONTROL_SUM_MISMATCH"]


def test_a_file_cut_short_misses_its_trailer() -> None:
    """A (re-signed) file without its trailer reports TRAILER_MISSING; its lines are still read."""
    data = join(records(GBK, CLEAN_ROWS)[:-1])
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert [i.code for i in result.file_errors] == ["TRAILER_MISSING"]
    assert len(result.lines) == 4


def test_another_batchs_file_is_never_applied() -> None:
    """A result file whose header names another batch yields no lines and REFERENCE_MISMATCH."""
    data = join(records(GBK, CLEAN_ROWS, batch_ref="SLK000000000043"))
    result = adapter().parse_result_file(data, BANK.sign(data), SUB)
    assert result.lines == () and "REFERENCE_MISMATCH" in {i.code for i in result.file_errors}
    contract = adapter().parse_status_response(signed(data), SUB)
    assert contract.status is SubmitStatus.UNKNOWN and contract.lines == ()
    assert contract.error is not None and contract.error.code == "SILINK_REFERENCE_MISMATCH"


def test_rare_names_echoed_by_the_bank_round_trip_in_gb18030() -> None:
    """Names with 䶮, 堃, 𠮷 in a GB18030 result file decode exactly as we sent them."""
    rows = [row(n, "S", sub=RARE_SUB) for n in (1, 2, 3)]
    data = join(records(GB18030, rows))
    lay = GB18030.record("result_detail")
    names = [
        decode_record(lay, r, "gb18030", GB18030.amount_form)[0]["name"] for r in data.split(b"\r\n")[1:4]
    ]
    assert names == ["赵䶮", "王堃", "𠮷田花子"]
    result = adapter(GB18030_SETTINGS).parse_result_file(data, BANK.sign(data), RARE_SUB)
    assert result.clean and len(result.lines) == 3


# --- signatures and content hash ---------------------------------------------------------------------------


def test_content_hash_is_stable_and_sensitive() -> None:
    """The same bytes hash the same (twice, and via the adapter); one changed byte hashes differently."""
    data = join(records(GBK, CLEAN_ROWS))
    again = join(records(GBK, CLEAN_ROWS))
    first = adapter().parse_result_file(data, BANK.sign(data), SUB).content_hash
    assert (
        first == adapter().parse_result_file(again, BANK.sign(again), SUB).content_hash == content_hash(again)
    )
    assert first.startswith("sm3:") and len(first) == 4 + 64
    changed = data.replace(b"E204", b"E205")
    assert content_hash(changed) != first
    assert content_hash(data, "SHA-256").startswith("sha-256:")


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (lambda data: WireResponse(0, data), "SILINK_SIGNATURE_MISSING"),
        (lambda data: signed(data, OTHER), "SILINK_SIGNATURE_INVALID"),
        (lambda data: WireResponse(0, data, {SIGNATURE_HEADER: "%%%"}), "SILINK_SIGNATURE_MISSING"),
        (lambda data: WireResponse(0, data + b" ", signed(data).headers), "SILINK_SIGNATURE_INVALID"),
    ],
    ids=["no signature", "another key", "garbled header", "bytes changed after signing"],
)
def test_unsigned_or_tampered_files_are_never_read(response, code: str) -> None:
    """A result file without a valid bank signature gives no lines, UNKNOWN and a MANUAL error."""
    result = adapter().parse_status_response(response(join(records(GBK, CLEAN_ROWS))), SUB)
    assert result.status is SubmitStatus.UNKNOWN and result.lines == ()
    assert result.error is not None and (result.error.code, result.error.action) == (code, Action.MANUAL)


def test_signature_failure_raises_in_the_helper() -> None:
    """parse_result_file raises SIGNATURE_INVALID instead of returning anything for a foreign signature."""
    data = join(records(GBK, CLEAN_ROWS))
    with pytest.raises(InvalidInput) as err:
        adapter().parse_result_file(data, OTHER.sign(data), SUB)
    assert err.value.reason == "SIGNATURE_INVALID"


def test_status_response_returns_good_lines_and_one_manual_error() -> None:
    """Through the contract, a file with a bad line gives the good lines and a SILINK_RESULT_DEFECTS error."""
    recs = records(GBK, CLEAN_ROWS)
    recs[4] = recs[4][:-1]
    result = adapter().parse_status_response(signed(join(recs)), SUB)
    assert result.status is SubmitStatus.ACCEPTED and [r.seq for r in result.lines] == [1, 2, 3]
    assert result.error is not None and (result.error.code, result.error.action) == (
        "SILINK_RESULT_DEFECTS",
        Action.MANUAL,
    )
    assert "line 5, column 209" in result.error.text
    clean = adapter().parse_status_response(signed(join(records(GBK, CLEAN_ROWS))), SUB)
    assert clean.error is None and clean.bank_batch_reference == REF


def test_no_file_yet_means_ask_again_later() -> None:
    """An empty poll answer (no receipt or result yet) is UNKNOWN with INQUIRE."""
    for parse in (adapter().parse_status_response, adapter().parse_submit_response):
        result = parse(WireResponse(0, b""), SUB)
        assert result.status is SubmitStatus.UNKNOWN
        assert result.error is not None and (result.error.code, result.error.action) == (
            "SILINK_RESULT_NOT_READY",
            Action.INQUIRE,
        )


# --- receipts and tables ------------------------------------------------------------------------------------


def receipt(retcode: str, batch_ref: str = REF, retmsg: str = "") -> WireResponse:
    values = {
        "batch_ref": batch_ref,
        "part_no": 1,
        "retcode": retcode,
        "retmsg": retmsg,
        "total_count": 4,
        "total_amount": SUB.control_sum_fen,
    }
    return signed(encode_record(GBK.record("receipt"), values, "gbk", GBK.amount_form) + b"\r\n")


@pytest.mark.parametrize(
    ("retcode", "status", "action"),
    [
        ("1001", SubmitStatus.REJECTED, Action.RETRY),
        ("3004", SubmitStatus.REJECTED, Action.TERMINAL),
        ("3001", SubmitStatus.REJECTED, Action.MANUAL),
        ("3006", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("9999", SubmitStatus.UNKNOWN, Action.INQUIRE),
        ("8888", SubmitStatus.UNKNOWN, Action.INQUIRE),
    ],
)
def test_receipt_codes_decide_the_submission(retcode: str, status: SubmitStatus, action: Action) -> None:
    """Receipt codes map to REJECTED/UNKNOWN and an action; an unknown code is INQUIRE."""
    result = adapter().parse_submit_response(receipt(retcode, retmsg="说明"), SUB)
    assert result.status is status and result.error is not None
    assert (result.error.code, result.error.text, result.error.action) == (retcode, "说明", action)


def test_receipt_for_another_batch_or_malformed() -> None:
    """A receipt naming another batch, or one that is not one R record, is never an acceptance."""
    other = adapter().parse_submit_response(receipt("0000", batch_ref="SLK9"), SUB)
    assert other.status is SubmitStatus.UNKNOWN and other.error.code == "SILINK_REFERENCE_MISMATCH"
    garbled = adapter().parse_submit_response(signed(b"R too short\r\n"), SUB)
    assert garbled.status is SubmitStatus.UNKNOWN and garbled.error.code == "SILINK_FILE_MALFORMED"
    assert adapter().parse_submit_response(receipt("0000"), SUB).status is SubmitStatus.ACCEPTED


def test_receipt_totals_must_be_what_we_sent() -> None:
    """An accepting receipt whose control sum differs from our file is ACCEPTED with a MANUAL error."""
    values = {
        "batch_ref": REF,
        "part_no": 1,
        "retcode": "0000",
        "retmsg": "",
        "total_count": 4,
        "total_amount": SUB.control_sum_fen + 100,
    }
    response = signed(encode_record(GBK.record("receipt"), values, "gbk", GBK.amount_form) + b"\r\n")
    result = adapter().parse_submit_response(response, SUB)
    assert result.status is SubmitStatus.ACCEPTED
    assert result.error is not None and result.error.action is Action.MANUAL
    assert adapter().parse_submit_response(receipt("0000"), SUB).error is None


def test_every_documented_status_maps_as_documented() -> None:
    """FORMAT.md's status table is the default profile's; anything else is UNKNOWN."""
    rows = doc_table("status-codes")
    assert {s: LineOutcome[o] for s, o in rows} == dict(GBK.status_codes)
    for status, outcome in rows:
        assert FixedWidthAdapter().map_status(status) is LineOutcome[outcome]
    for raw in ("", "X", "s", "0", "SS"):
        assert FixedWidthAdapter().map_status(raw) is LineOutcome.UNKNOWN


def test_every_documented_code_maps_as_documented() -> None:
    """FORMAT.md's receipt and local code tables are the code's tables, meaning and action."""
    rows = doc_table("return-codes")
    assert {c for c, _, _ in rows} == set(RETURN_CODES)
    for code, meaning, action in rows:
        error = FixedWidthAdapter().map_error(code)
        assert (error.text, error.action) == (meaning, Action(action))
    local = doc_table("local-codes")
    assert {c: Action(a) for c, _, a in local} == dict(LOCAL_ACTIONS)
    assert FixedWidthAdapter().map_error("X1").action is Action.INQUIRE
    assert FixedWidthAdapter().failure_reason("3003") is FailureReason.CONTROL_SUM_ERROR


def test_layout_tables_in_the_document_are_the_default_profile() -> None:
    """Every record table of FORMAT.md lists the default profile's fields, byte ranges and kinds."""
    for record, lay in GBK.records.items():
        rows = doc_table(f"layout:{record}")
        assert len(rows) == len(lay.fields), record
        for (_, name, span, width, kind, align, pad), spec, offset in zip(
            rows, lay.fields, lay.offsets, strict=True
        ):
            assert name.split("`")[1] == spec.name and span == f"{offset + 1}–{offset + spec.width}"
            assert (int(width), kind, align, pad) == (
                spec.width,
                spec.kind.value,
                spec.align.value,
                "space" if spec.pad == " " else spec.pad,
            )


# --- manual results -----------------------------------------------------------------------------------------


def test_manual_marks_become_failed_line_results() -> None:
    """An officer's marks become FAILED results; a text alone is classified, OTHER when nothing matches."""
    marks = [
        ManualMark(2, FailureReason.ACCOUNT_CLOSED, "银行来函：账户已销户"),
        ManualMark(3, text="户名不符（电话确认）"),
        ManualMark(4, text="银行柜面退回"),
    ]
    results = FixedWidthAdapter.manual_results(marks, SUB)
    assert [(r.seq, r.outcome, r.reason, r.raw_code) for r in results] == [
        (2, LineOutcome.FAILED, FailureReason.ACCOUNT_CLOSED, "MANUAL"),
        (3, LineOutcome.FAILED, FailureReason.NAME_MISMATCH, "MANUAL"),
        (4, LineOutcome.FAILED, FailureReason.OTHER, "MANUAL"),
    ]
    assert (
        results[0].raw_text == "银行来函：账户已销户"
        and results[0].end_to_end_ref == SUB.lines[1].end_to_end_ref
    )
    assert results[0].amount_fen == SUB.lines[1].amount_fen


def test_bad_manual_marks_are_all_reported() -> None:
    """Unknown lines, repeated lines, missing reasons and UNKNOWN are each reported; nothing is returned."""
    other = FailureReason.OTHER
    marks = [
        ManualMark(9, other),
        ManualMark(1, other),
        ManualMark(1, other),
        ManualMark(2),
        ManualMark(3, FailureReason.UNKNOWN),
    ]
    with pytest.raises(LineRejected) as err:
        FixedWidthAdapter.manual_results(marks, SUB)
    assert err.value.reason == MANUAL_MARK_INVALID
    assert [v.field for v in err.value.field_violations] == [
        "mark 1: seq",
        "mark 3: seq",
        "mark 4: reason",
        "mark 5: reason",
    ]
