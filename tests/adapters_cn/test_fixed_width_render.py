"""报盘 rendering: byte-exact golden files, rare characters in GBK and GB18030, refusals, profiles."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from adapters.contract import AmountUnit, WireResponse
from adapters.fixed_width import (
    BUILTIN,
    FIELD_INVALID,
    FIELD_NOT_ENCODABLE,
    FIELD_TOO_LONG,
    FIELDS_NOT_WRITABLE,
    FileProfile,
    FixedWidthAdapter,
    content_hash,
    decode_record,
)
from gateway.errors import InvalidInput, LineRejected

from .helpers import GATEWAY, check_golden, file_ctx, make_line, make_submission

GBK_CTX = {"bank_code": "308", "file_profile": "default"}
GB18030_CTX = {"bank_code": "403"}  # PSBC uses the built-in gb18030-decimal profile
RARE = "䶮堃𠮷"  # only 堃 is in GBK


def render(sub, settings: dict[str, Any]):
    ctx = file_ctx(settings)
    return FixedWidthAdapter.bind(ctx).render_submission_parts(sub, ctx)


def details(body: bytes, profile: FileProfile) -> list[dict[str, Any]]:
    rows = body.split(profile.line_ending)[1:-2]  # header first, trailer and the final empty split last
    out = []
    for row in rows:
        values, issues = decode_record(profile.record("detail"), row, profile.encoding, profile.amount_form)
        assert issues == []
        out.append(values)
    return out


def refusal(sub, settings: dict[str, Any]) -> LineRejected:
    with pytest.raises(LineRejected) as err:
        render(sub, settings)
    return err.value


GOLDEN_GBK = make_submission(
    [
        make_line(1, "张三"),
        make_line(2, "王堃"),
        make_line(3, "欧阳娜娜"),
        make_line(4, "买买提·艾力"),
        make_line(5, "Li Lei"),
    ],
    bank_code="308",
)
GOLDEN_GB18030 = make_submission(
    [make_line(1, "赵䶮"), make_line(2, "王堃"), make_line(3, "𠮷田花子"), make_line(4, "张三")],
    bank_code="403",
)


@pytest.mark.parametrize(
    ("name", "sub", "settings"),
    [("payroll_gbk", GOLDEN_GBK, GBK_CTX), ("payroll_gb18030_decimal", GOLDEN_GB18030, GB18030_CTX)],
)
def test_payroll_file_golden(name: str, sub, settings: dict[str, Any]) -> None:
    """The 报盘 file equals its golden file byte for byte; its detached signature verifies over them."""
    (message,) = render(sub, settings)
    check_golden(f"fixed_width/{name}.txt", message.body)
    check_golden(f"fixed_width/{name}.name", message.path.encode() + b"\n")
    signature = message.attachments[message.path + ".sig"]
    assert GATEWAY.verify(message.body, signature)
    assert message.headers["X-Silink-Content-Hash"] == content_hash(message.body)


def test_records_have_their_fixed_byte_lengths() -> None:
    """Every record is exactly as long as its layout in bytes, Chinese names included."""
    (message,) = render(GOLDEN_GBK, GBK_CTX)
    profile = BUILTIN["default"]
    rows = message.body.split(b"\r\n")
    assert rows[-1] == b"" and len(rows) == 1 + 5 + 1 + 1
    assert len(rows[0]) == profile.record("header").length
    assert {len(r) for r in rows[1:6]} == {profile.record("detail").length}
    assert len(rows[6]) == profile.record("trailer").length


def test_header_and_trailer_carry_count_and_control_sum() -> None:
    """Header and trailer hold the detail count and the sum of the detail amounts (fen digits)."""
    (message,) = render(GOLDEN_GBK, GBK_CTX)
    profile = BUILTIN["default"]
    rows = message.body.split(b"\r\n")
    for record, row in (("header", rows[0]), ("trailer", rows[6])):
        values, issues = decode_record(profile.record(record), row, "gbk", profile.amount_form)
        assert issues == []
        assert (values["total_count"], values["total_amount"]) == (5, GOLDEN_GBK.control_sum_fen)
        assert values["batch_ref"] == "SLK000000000042"


def test_rare_names_round_trip_exactly_in_gb18030() -> None:
    """䶮, 堃 and 𠮷 (a 4-byte GB18030 character) are written and read back exactly."""
    (message,) = render(GOLDEN_GB18030, GB18030_CTX)
    assert "𠮷".encode("gb18030") in message.body and len("𠮷".encode("gb18030")) == 4
    names = [d["name"] for d in details(message.body, BUILTIN["gb18030-decimal"])]
    assert names == ["赵䶮", "王堃", "𠮷田花子", "张三"]


@pytest.mark.parametrize("char", list(RARE))
def test_each_rare_character_in_gbk(char: str) -> None:
    """A GBK file takes a rare character exactly when GBK has it (堃), else refuses it precisely."""
    sub = make_submission([make_line(1, "张三"), make_line(2, "王" + char)])
    try:
        char.encode("gbk")
    except UnicodeEncodeError:
        in_gbk = False
    else:
        in_gbk = True
    if in_gbk:
        (message,) = render(sub, GBK_CTX)
        assert [d["name"] for d in details(message.body, BUILTIN["default"])] == ["张三", "王" + char]
        return
    err = refusal(sub, GBK_CTX)
    assert err.reason == FIELD_NOT_ENCODABLE
    (violation,) = err.field_violations
    assert violation.field == "line 2: name"
    assert "character 2 of 2" in violation.description and "GBK" in violation.description
    assert "王*" in violation.description  # the masked value, never the clear name
    assert char not in str(err) and char not in violation.description


def test_every_unwritable_line_is_reported_at_once() -> None:
    """Two unencodable names and a too-long one are three violations in one refusal; nothing is written."""
    lines = [make_line(1, "赵䶮"), make_line(2, "张三"), make_line(3, "𠮷田"), make_line(4, "欧" * 31)]
    err = refusal(make_submission(lines), GBK_CTX)
    assert [v.field for v in err.field_violations] == ["line 1: name", "line 3: name", "line 4: name"]
    assert err.reason == FIELDS_NOT_WRITABLE  # two kinds of problem
    assert err.metadata["count"] == "3" and err.metadata["where"] == "line 1"
    assert "3 field(s)" in err.message


@pytest.mark.parametrize(
    ("name", "settings", "ok"),
    [
        ("欧" * 30, GBK_CTX, True),  # 60 bytes: exactly the field
        ("欧" * 31, GBK_CTX, False),  # 62 bytes
        ("a" * 59 + "欧", GBK_CTX, False),  # 61 bytes: would end inside the character
        ("a" * 58 + "欧", GBK_CTX, True),  # 60 bytes
        ("欧" * 28 + "𠮷", GB18030_CTX, True),  # 56 + 4 = 60 bytes
        ("欧" * 29 + "𠮷", GB18030_CTX, False),  # 58 + 4 = 62 bytes: never cut inside the 4-byte character
    ],
)
def test_names_are_never_cut(name: str, settings: dict[str, Any], ok: bool) -> None:
    """A name fits when its bytes fit the 60-byte field; otherwise it is refused, never truncated."""
    sub = make_submission([make_line(1, name)])
    if ok:
        (message,) = render(sub, settings)
        profile = BUILTIN["default" if settings is GBK_CTX else "gb18030-decimal"]
        assert details(message.body, profile)[0]["name"] == name
    else:
        err = refusal(sub, settings)
        assert err.reason == FIELD_TOO_LONG
        assert "the field holds 60" in err.field_violations[0].description


def test_unknown_id_type_is_refused() -> None:
    """A detail with an id type the format has no code for is refused, not written blank."""
    err = refusal(make_submission([make_line(1, id_type="PASSPORT")]), GBK_CTX)
    assert err.reason == FIELD_INVALID and err.field_violations[0].field == "line 1: id_type"


@pytest.mark.parametrize("name", ["张\t三", "张三\n", "张三 ", "\u2028张三"])
def test_names_that_would_break_or_change_the_record_are_refused(name: str) -> None:
    """Control characters and a trailing pad character (lost on reading) are FIELD_INVALID."""
    err = refusal(make_submission([make_line(1, name)]), GBK_CTX)
    assert err.reason == FIELD_INVALID


def test_refusals_mask_accounts_and_names() -> None:
    """A refused account shows only its masked form in the error."""
    line = make_line(1, account="6222021234567890123" + "9" * 14)  # 33 characters: over the 32-byte field
    err = refusal(make_submission([line]), GBK_CTX)
    text = str(err) + repr(err.field_violations) + repr(err.metadata)
    assert line.account not in text and "622202" in text and "*" in text


def test_payer_name_is_checked_too() -> None:
    """The agency's account name in the header is held to the same rules, reported as the header."""
    sub = make_submission(1)
    bad = dataclasses.replace(sub, fund_account_name="𠮷" + sub.fund_account_name)
    err = refusal(bad, GBK_CTX)
    assert err.field_violations[0].field == "header: payer_name"
    several = dataclasses.replace(make_submission(7), fund_account_name="𠮷")
    err = refusal(several, {**GBK_CTX, "file_profile": {"max_lines": 3}})
    assert [v.field for v in err.field_violations] == ["header: payer_name"]  # once, not once per file


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (GBK_CTX, b"000000000150037"),  # yuan with two implied decimals: the fen digits
        (GB18030_CTX, b"        1500.37"),  # explicit decimals, space padded
        ({"file_profile": {"amount_form": "fen"}}, b"000000000150037"),
    ],
)
def test_amount_forms(settings: dict[str, Any], expected: bytes) -> None:
    """Amounts are written from fen by integer arithmetic in the profile's form."""
    (message,) = render(make_submission([make_line(1, amount_fen=150_037)]), settings)
    assert message.body.split(b"\r\n")[1][137:152] == expected


def test_large_submissions_become_numbered_files_with_their_own_totals() -> None:
    """7 lines at 3 per file are files _001.._003, each with its own count and sum, adding up."""
    sub = make_submission(7, bank_code="403")
    settings = {"bank_code": "403", "file_profile": {"base": "gb18030-decimal", "max_lines": 3}}
    messages = render(sub, settings)
    assert [m.path for m in messages] == [f"PAY_403_20250106_SLK000000000042_00{n}.txt" for n in (1, 2, 3)]
    profile = FileProfile.from_dict(settings["file_profile"])
    totals = []
    for n, message in enumerate(messages, 1):
        rows = message.body.split(b"\r\n")
        header, _ = decode_record(profile.record("header"), rows[0], profile.encoding, profile.amount_form)
        trailer, _ = decode_record(profile.record("trailer"), rows[-2], profile.encoding, profile.amount_form)
        assert (header["part_no"], header["part_count"]) == (n, 3)
        assert header["total_count"] == trailer["total_count"] == len(rows) - 3
        assert header["total_amount"] == trailer["total_amount"]
        totals.append(trailer["total_amount"])
        assert GATEWAY.verify(message.body, message.attachments[message.path + ".sig"])
    assert sum(totals) == sub.control_sum_fen
    with pytest.raises(InvalidInput) as err:
        FixedWidthAdapter(settings).render_submission(sub, file_ctx(settings))
    assert err.value.reason == "SUBMISSION_NEEDS_PARTS"


def test_file_names_follow_the_submission_not_the_clock() -> None:
    """Payroll, receipt, result and returns names (and signatures) derive from bank, date and reference."""
    names = FixedWidthAdapter(GB18030_CTX).file_names(make_submission(2, bank_code="403"))
    assert names == [
        {
            "payroll": "PAY_403_20250106_SLK000000000042_001.txt",
            "payroll_signature": "PAY_403_20250106_SLK000000000042_001.txt.sig",
            "receipt": "ACK_403_20250106_SLK000000000042_001.txt",
            "receipt_signature": "ACK_403_20250106_SLK000000000042_001.txt.sig",
            "result": "RET_403_20250106_SLK000000000042_001.txt",
            "result_signature": "RET_403_20250106_SLK000000000042_001.txt.sig",
            "returns": "RTN_403_20250106_SLK000000000042_001.txt",
            "returns_signature": "RTN_403_20250106_SLK000000000042_001.txt.sig",
        }
    ]


def test_detached_signature_verifies_with_openssl(tmp_path: Path) -> None:
    """openssl dgst -sm3 -verify with distid 1234567812345678 accepts the .sig of a 报盘 file."""
    exe = shutil.which("openssl")
    if exe is None:
        pytest.skip("the openssl command line is not installed")
    (message,) = render(GOLDEN_GBK, GBK_CTX)
    (tmp_path / "f.txt").write_bytes(message.body)
    (tmp_path / "f.sig").write_bytes(message.attachments[message.path + ".sig"])
    (tmp_path / "pub.pem").write_bytes(GATEWAY.public_pem())
    args = [
        "dgst",
        "-sm3",
        "-sigopt",
        "distid:1234567812345678",
        "-verify",
        "pub.pem",
        "-signature",
        "f.sig",
        "f.txt",
    ]
    proc = subprocess.run([exe, *args], cwd=tmp_path, capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0 and b"Verified OK" in proc.stdout


def test_rendering_needs_the_gateway_signer() -> None:
    """Without a signer nothing is rendered: an unsigned 报盘 never leaves."""
    with pytest.raises(InvalidInput) as err:
        FixedWidthAdapter().render_submission(make_submission(1), file_ctx(GBK_CTX, signer=None))
    assert err.value.reason == "ADAPTER_KEYS_MISSING"


# --- profiles -----------------------------------------------------------------------------------------


def test_a_bank_profile_from_settings() -> None:
    """A settings table can change encoding, amount form, status codes and whole records, and is used."""
    settings = {
        "bank_code": "301",
        "file_profile": {
            "encoding": "gb18030",
            "amount_form": "fen",
            "status_codes": {"0": "paid", "1": "failed"},
            "detail": [
                {"name": "rectype", "width": 2, "kind": "const", "value": "DT"},
                {"name": "seq", "width": 6},
                {"name": "account", "width": 25},
                {"name": "name", "width": 40},
                {"name": "amount", "width": 12, "pad": " "},
                {"name": "filler", "width": 4},
            ],
        },
    }
    adapter = FixedWidthAdapter(settings)
    assert (
        adapter.capabilities.text_encoding == "gb18030" and adapter.capabilities.amount_unit is AmountUnit.FEN
    )
    assert adapter.map_status("0").value == "paid" and adapter.map_status("S").value == "unknown"
    (message,) = render(make_submission([make_line(1, "𠮷田", amount_fen=987)]), settings)
    row = message.body.split(b"\r\n")[1]
    assert len(row) == 2 + 6 + 25 + 40 + 12 + 4 and row.startswith(b"DT000001")
    assert row[73:85] == b"         987" and row.endswith(b"    ")
    assert adapter.profile.failure_texts.bank == "301"


def _detail(*fields: dict[str, Any]) -> dict[str, Any]:
    """A profile whose detail record is the tag ``D`` followed by ``fields``."""
    return {"detail": [{"name": "rectype", "width": 1, "value": "D"}, *fields]}


@pytest.mark.parametrize(
    ("profile", "setting"),
    [
        pytest.param({"encoding": "utf-8"}, "encoding", id="encoding"),
        pytest.param({"amount_form": "float"}, "amount_form", id="amount form"),
        pytest.param({"base": "nope"}, "base", id="base"),
        pytest.param({"detail": [{"name": "seq", "width": 8}]}, "detail", id="no tag"),
        pytest.param(_detail({"name": "salary", "width": 8}), "detail[1]", id="unknown field"),
        pytest.param(_detail({"name": "name", "width": 0}), "detail[1]", id="zero width"),
        pytest.param(
            _detail({"name": "name", "width": 9, "pad": "A"}), "detail[1]", id="text pad inside characters"
        ),
        pytest.param(_detail({"name": "seq", "width": 8, "pad": "*"}), "detail[1]", id="digit pad"),
        pytest.param(_detail({"name": "seq", "width": 8}), "detail", id="missing required"),
        pytest.param(
            {
                "trailer": [
                    {"name": "rectype", "width": 1, "value": "D"},
                    {"name": "total_count", "width": 8},
                    {"name": "total_amount", "width": 8},
                ]
            },
            "header",
            id="colliding tags",
        ),
        pytest.param({"status_codes": {"S": "ok"}}, "status_codes", id="status outcome"),
        pytest.param({"line_ending": "\r"}, "line_ending", id="line ending"),
        pytest.param({"file_prefix": "PAY/"}, "file_prefix", id="prefix"),
    ],
)
def test_bad_profiles_are_refused_naming_the_setting(profile: dict[str, Any], setting: str) -> None:
    """Each broken profile is CONFIG_INVALID naming the part of the profile that is wrong."""
    with pytest.raises(InvalidInput) as err:
        FixedWidthAdapter({"file_profile": profile})
    assert err.value.reason == "CONFIG_INVALID" and err.value.metadata["setting"] == setting


def test_capabilities_follow_the_profile() -> None:
    """A file bank: folder transport, SM2 signature, no encryption, the profile's encoding and limit."""
    caps = FixedWidthAdapter(GB18030_CTX).capabilities
    assert (caps.protocol, caps.transport, caps.text_encoding) == ("fixed_width_file", "folder", "gb18030")
    assert (caps.signature_algorithm, caps.encryption_algorithm, caps.max_lines_per_submission) == (
        "SM2-SM3",
        None,
        3000,
    )
    assert caps.status_query and not caps.card_services


def test_reading_without_the_banks_verifier_is_refused() -> None:
    """Reading a receipt without the bank's verifier is refused (nothing unverified is read)."""
    with pytest.raises(InvalidInput) as err:
        FixedWidthAdapter().parse_submit_response(WireResponse(0, b"R"), make_submission(1))
    assert err.value.reason == "ADAPTER_CONTEXT_REQUIRED"
